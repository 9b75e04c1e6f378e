#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "plugins/nagios/file_tail_state.h"

namespace bsm::plugins::nagios {

// Receives one complete line, without its '\n'. The view is valid during the call only.
using TailLineHandler = std::function<void(std::string_view line)>;

// What one read of one file found.
struct TailRead {
  uint64_t bytes = 0;          // bytes read from the file, including an unfinished line re-read
  uint64_t lines = 0;          // lines handed over
  uint64_t long_lines = 0;     // lines discarded for being longer than the limit
  bool at_end = false;         // the read stopped at the end of the file, not at the budget
  uint64_t partial_bytes = 0;  // at the end: bytes of a last line that has no '\n' yet
};

// Cuts a file into lines from a position on, without trusting the file: lines longer than the
// limit are discarded up to their newline, and at most a budget of bytes is read per call.
// A last line without its '\n' is left unread (the writer may be in the middle of it), so the
// position always sits on a line boundary or inside a line being discarded.
class FileTailReader {
 public:
  explicit FileTailReader(size_t max_line_bytes);

  // Reads `fd` from position.offset, at most `budget` bytes, handing each complete line to
  // `on_line` and moving position.offset past it (and past discarded lines) as it goes.
  Result<TailRead> read(int fd, TailPosition& position, uint64_t budget,
                        const TailLineHandler& on_line);

 private:
  size_t max_line_bytes_;
  std::vector<char> chunk_;
  std::string pending_;  // the start of a line whose end is in a later chunk
};

}  // namespace bsm::plugins::nagios
