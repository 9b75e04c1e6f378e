#include "plugins/nagios/file_tail_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace bsm::plugins::nagios {

namespace {

// One pread() per 64 KiB: big enough that a busy Nagios' few MiB per round take a handful of
// system calls, small enough to keep per-input memory negligible.
constexpr size_t kChunkBytes = 64 * 1024;

}  // namespace

FileTailReader::FileTailReader(size_t max_line_bytes)
    : max_line_bytes_(max_line_bytes), chunk_(kChunkBytes) {}

Result<TailRead> FileTailReader::read(int fd, TailPosition& position, uint64_t budget,
                                      const TailLineHandler& on_line) {
  TailRead result;
  pending_.clear();
  uint64_t at = position.offset;  // where the next pread starts; pending_ ends here

  while (result.bytes < budget) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(chunk_.size(), budget - result.bytes));
    const ssize_t got = ::pread(fd, chunk_.data(), want, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return Error{std::string("cannot read: ") + std::strerror(errno)};
    }
    if (got == 0) {
      result.at_end = true;
      result.partial_bytes = pending_.size();
      break;
    }
    const std::string_view data(chunk_.data(), static_cast<size_t>(got));
    const uint64_t chunk_start = at;
    at += data.size();
    result.bytes += data.size();

    size_t line_start = 0;
    while (true) {
      const size_t newline = data.find('\n', line_start);
      if (newline == std::string_view::npos) {
        break;
      }
      const std::string_view piece = data.substr(line_start, newline - line_start);
      if (position.skipping) {
        position.skipping = false;
      } else if (pending_.size() + piece.size() > max_line_bytes_) {
        ++result.long_lines;
      } else if (pending_.empty()) {
        on_line(piece);
        ++result.lines;
      } else {
        pending_.append(piece);
        on_line(pending_);
        ++result.lines;
      }
      pending_.clear();
      line_start = newline + 1;
      position.offset = chunk_start + line_start;
    }

    // The rest of the chunk is the start of a line that ends later, if it ends at all.
    const std::string_view rest = data.substr(line_start);
    if (position.skipping) {
      position.offset = at;
    } else if (pending_.size() + rest.size() > max_line_bytes_) {
      // Too long already: stop holding it and discard the rest of it as it comes.
      ++result.long_lines;
      pending_.clear();
      position.skipping = true;
      position.offset = at;
    } else {
      pending_.append(rest);
    }
  }
  return result;
}

}  // namespace bsm::plugins::nagios
