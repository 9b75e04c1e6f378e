#include "common/frame_codec.h"

namespace bsm {

Status appendFrame(const bsm::v1::Envelope& envelope, uint32_t max_frame_bytes, std::string& out) {
  const size_t size = envelope.ByteSizeLong();
  if (size > max_frame_bytes) {
    return Error{"frame of " + std::to_string(size) + " bytes exceeds the limit of " +
                 std::to_string(max_frame_bytes)};
  }
  const size_t start = out.size();
  out.resize(start + kFrameHeaderBytes + size);
  auto* header = reinterpret_cast<unsigned char*>(out.data() + start);
  header[0] = static_cast<unsigned char>(size >> 24);
  header[1] = static_cast<unsigned char>(size >> 16);
  header[2] = static_cast<unsigned char>(size >> 8);
  header[3] = static_cast<unsigned char>(size);
  if (!envelope.SerializeToArray(out.data() + start + kFrameHeaderBytes, static_cast<int>(size))) {
    out.resize(start);
    return Error{"cannot serialize the envelope"};
  }
  return Status::success();
}

void FrameDecoder::append(std::string_view bytes) {
  // Drop what was decoded already so the buffer never grows past one frame plus one read.
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

Result<std::optional<bsm::v1::Envelope>> FrameDecoder::next() {
  if (failed_) {
    return Error{"the stream already failed"};
  }
  const size_t available = buffer_.size() - consumed_;
  if (available < kFrameHeaderBytes) {
    return std::optional<bsm::v1::Envelope>();
  }
  const auto* header = reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_);
  const uint32_t length = (uint32_t{header[0]} << 24) | (uint32_t{header[1]} << 16) |
                          (uint32_t{header[2]} << 8) | uint32_t{header[3]};
  if (length > max_frame_bytes_) {
    failed_ = true;
    return Error{"frame length " + std::to_string(length) + " exceeds the limit of " +
                 std::to_string(max_frame_bytes_) + " bytes"};
  }
  if (length == 0) {
    // An empty Envelope carries no body: no well-behaved peer sends one, and accepting it
    // would let a peer spin us on four-byte frames.
    failed_ = true;
    return Error{"frame with length 0"};
  }
  if (available - kFrameHeaderBytes < length) {
    return std::optional<bsm::v1::Envelope>();
  }

  bsm::v1::Envelope envelope;
  const char* body = buffer_.data() + consumed_ + kFrameHeaderBytes;
  if (!envelope.ParseFromArray(body, static_cast<int>(length))) {
    failed_ = true;
    return Error{"frame of " + std::to_string(length) + " bytes is not a valid Envelope"};
  }
  if (envelope.body_case() == bsm::v1::Envelope::BODY_NOT_SET) {
    failed_ = true;
    return Error{"frame holds an Envelope with no known message (newer or garbage peer)"};
  }
  consumed_ += kFrameHeaderBytes + length;
  return std::optional<bsm::v1::Envelope>(std::move(envelope));
}

}  // namespace bsm
