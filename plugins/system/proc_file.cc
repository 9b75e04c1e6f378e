#include "plugins/system/proc_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

namespace bsm::plugins::system {

namespace {

// Closes the descriptor on every return path.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error systemError(const std::string& what, const std::string& path, int err) {
  return Error{what + " " + path + ": " + std::strerror(err)};
}

// read(2) that retries when a signal interrupts it.
ssize_t readSome(int fd, char* buffer, size_t size) {
  ssize_t n = 0;
  do {
    n = ::read(fd, buffer, size);
  } while (n < 0 && errno == EINTR);
  return n;
}

}  // namespace

Result<LineScan> forEachLine(const std::string& path, const ReadLimits& limits,
                             const std::function<void(std::string_view)>& line) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return systemError("cannot open", path, errno);
  }

  LineScan scan;
  std::string pending;
  bool dropping = false;  // inside a line that has already exceeded max_line
  size_t total = 0;
  char buffer[16 * 1024];
  while (true) {
    if (total >= limits.max_bytes) {
      scan.truncated = true;
      break;
    }
    const size_t want = std::min(sizeof(buffer), limits.max_bytes - total);
    const ssize_t n = readSome(fd.get(), buffer, want);
    if (n < 0) {
      return systemError("cannot read", path, errno);
    }
    if (n == 0) {
      break;
    }
    total += static_cast<size_t>(n);

    std::string_view chunk(buffer, static_cast<size_t>(n));
    while (!chunk.empty()) {
      const size_t newline = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, newline);
      if (!dropping) {
        if (pending.size() + piece.size() > limits.max_line) {
          dropping = true;
          pending.clear();
        } else {
          pending.append(piece);
        }
      }
      if (newline == std::string_view::npos) {
        break;
      }
      if (dropping) {
        ++scan.overlong;
      } else {
        line(pending);
        ++scan.lines;
      }
      pending.clear();
      dropping = false;
      chunk.remove_prefix(newline + 1);
    }
  }

  // A last line without a newline still counts, unless the read was cut short inside it.
  if (!scan.truncated) {
    if (dropping) {
      ++scan.overlong;
    } else if (!pending.empty()) {
      line(pending);
      ++scan.lines;
    }
  }
  return scan;
}

Result<std::string> readSmallFile(const std::string& path, size_t max_bytes) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return systemError("cannot open", path, errno);
  }
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t n = readSome(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      return systemError("cannot read", path, errno);
    }
    if (n == 0) {
      return text;
    }
    if (text.size() + static_cast<size_t>(n) > max_bytes) {
      return Error{path + " is larger than the expected " + std::to_string(max_bytes) + " bytes"};
    }
    text.append(buffer, static_cast<size_t>(n));
  }
}

std::vector<std::string_view> splitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      ++i;
    }
    if (i > start) {
      fields.push_back(line.substr(start, i - start));
    }
  }
  return fields;
}

std::optional<uint64_t> parseUnsigned(std::string_view field) {
  uint64_t value = 0;
  const char* end = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (field.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> parseDecimal(std::string_view field) {
  double value = 0;
  const char* end = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(field.data(), end, value, std::chars_format::fixed);
  if (field.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace bsm::plugins::system
