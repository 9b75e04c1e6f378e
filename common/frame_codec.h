#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bsm/v1/stream.pb.h"
#include "common/result.h"

namespace bsm {

// Frames on the agent stream: a 4-byte big-endian length, then that many bytes of one
// serialized bsm.v1.Envelope.
inline constexpr uint32_t kFrameHeaderBytes = 4;
inline constexpr uint32_t kDefaultMaxFrameBytes = 4 * 1024 * 1024;

// Serializes `envelope` into one frame, appended to `out`. Fails when the message is larger
// than `max_frame_bytes`: the peer would reject it, so it must not be sent.
Status appendFrame(const bsm::v1::Envelope& envelope, uint32_t max_frame_bytes, std::string& out);

// Splits a byte stream from a peer into envelopes. The peer is not trusted: a declared length
// over the limit is refused before any of the body is buffered, so a peer cannot make us hold
// more than one frame's worth (plus one read) of memory.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Appends bytes as they came off the wire.
  void append(std::string_view bytes);

  // The next complete envelope, nullopt when more bytes are needed, or an Error for an
  // oversized, empty-length or unparsable frame. After an Error the stream is unusable: the
  // caller ends the session, since nothing after a bad frame can be trusted to be aligned.
  Result<std::optional<bsm::v1::Envelope>> next();

  // True when part of a frame is buffered; at end of stream this means a truncated frame.
  bool hasPartialFrame() const { return buffer_.size() > consumed_; }
  size_t bufferedBytes() const { return buffer_.size() - consumed_; }

 private:
  uint32_t max_frame_bytes_;
  std::string buffer_;
  size_t consumed_ = 0;  // bytes at the front of buffer_ already decoded
  bool failed_ = false;
};

}  // namespace bsm
