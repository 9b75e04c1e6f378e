#include "plugins/nagios/file_tail_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/staged_file.h"

namespace bsm::plugins::nagios {

namespace {

// First line of the file; a later layout gets a new number rather than being misread.
constexpr std::string_view kHeader = "bsm-file-tail 1";
// A state file holds a line per file in the spool folder; this bounds what a damaged or foreign
// file can make the agent load.
constexpr uintmax_t kMaxStateBytes = 64 * 1024 * 1024;

// Paths go last on a line, so only the characters that would end the field or the line need
// escaping.
std::string escapePath(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescapePath(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char next = text[++i];
      out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
    } else {
      out += text[i];
    }
  }
  return out;
}

template <typename T>
bool parseNumber(std::string_view text, T& value, int base = 10) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::vector<std::string_view> splitTabs(std::string_view line, size_t max_fields) {
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < max_fields) {
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) {
      break;
    }
    fields.push_back(line.substr(0, tab));
    line.remove_prefix(tab + 1);
  }
  fields.push_back(line);
  return fields;
}

Result<TailPosition> parsePosition(const std::vector<std::string_view>& fields) {
  TailPosition position;
  uint64_t device = 0;
  uint64_t inode = 0;
  int skipping = 0;
  if (!parseNumber(fields[1], device) || !parseNumber(fields[2], inode) ||
      !parseNumber(fields[3], position.offset) ||
      !parseNumber(fields[4], position.fingerprint.length) ||
      !parseNumber(fields[5], position.fingerprint.hash, 16) || !parseNumber(fields[6], skipping) ||
      skipping < 0 || skipping > 1 || position.fingerprint.length > kFingerprintBytes) {
    return Error{"a number is malformed"};
  }
  position.id = FileIdentity{static_cast<dev_t>(device), static_cast<ino_t>(inode)};
  position.skipping = skipping == 1;
  position.path = unescapePath(fields[7]);
  return position;
}

std::string formatPosition(std::string_view kind, const TailPosition& position) {
  return fmt::format(
      "{}\t{}\t{}\t{}\t{}\t{:x}\t{}\t{}\n", kind, static_cast<uint64_t>(position.id.device),
      static_cast<uint64_t>(position.id.inode), position.offset, position.fingerprint.length,
      position.fingerprint.hash, position.skipping ? 1 : 0, escapePath(position.path));
}

}  // namespace

uint64_t fingerprintHash(const char* data, size_t size) {
  uint64_t hash = 14695981039346656037ull;
  for (size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 1099511628211ull;
  }
  return hash;
}

Result<Fingerprint> fingerprintOf(int fd, uint32_t length) {
  char buffer[kFingerprintBytes];
  if (length > kFingerprintBytes) {
    return Error{"fingerprint longer than " + std::to_string(kFingerprintBytes) + " bytes"};
  }
  size_t have = 0;
  while (have < length) {
    const ssize_t got = ::pread(fd, buffer + have, length - have, static_cast<off_t>(have));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return Error{std::string("cannot read: ") + std::strerror(errno)};
    }
    if (got == 0) {
      return Error{"the file is shorter than its fingerprint"};
    }
    have += static_cast<size_t>(got);
  }
  return Fingerprint{length, fingerprintHash(buffer, length)};
}

Result<TailState> loadTailState(const std::string& path) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error == std::errc::no_such_file_or_directory) {
    return TailState{};
  }
  if (error) {
    return Error{"cannot read " + path + ": " + error.message()};
  }
  if (size > kMaxStateBytes) {
    return Error{fmt::format("{} is {} bytes, more than a state file ever holds", path, size)};
  }
  std::ifstream in(path);
  if (!in) {
    return Error{"cannot read " + path + ": " + std::strerror(errno)};
  }

  TailState state;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kHeader) {
        return Error{fmt::format("{}:1: not a bsm position file (expected '{}')", path, kHeader)};
      }
      continue;
    }
    if (line.empty()) {
      continue;
    }
    const auto fields = splitTabs(line, 8);
    if (fields.size() != 8 || (fields[0] != "file" && fields[0] != "gone")) {
      return Error{fmt::format("{}:{}: expected 8 tab-separated fields", path, number)};
    }
    auto position = parsePosition(fields);
    if (!position) {
      return Error{fmt::format("{}:{}: {}", path, number, position.error().message)};
    }
    (fields[0] == "file" ? state.files : state.gone).push_back(std::move(*position));
  }
  if (in.bad()) {
    return Error{"cannot read " + path + ": " + std::strerror(errno)};
  }
  return state;
}

Status saveTailState(const std::string& path, const TailState& state) {
  std::string text(kHeader);
  text += '\n';
  for (const auto& position : state.files) {
    text += formatPosition("file", position);
  }
  for (const auto& position : state.gone) {
    text += formatPosition("gone", position);
  }

  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (!dir.empty() && !pathExists(dir)) {
    if (Status made = ensurePrivateDirectory(dir); !made) {
      return made;
    }
  }
  StagedFile staged;
  if (Status created = staged.create(path, 0600); !created) {
    return created;
  }
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(staged.fd(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Error{"cannot write " + path + ": " + std::strerror(errno)};
    }
    written += static_cast<size_t>(n);
  }
  if (Status finished = staged.finish(); !finished) {
    return finished;
  }
  return staged.publish(true);
}

}  // namespace bsm::plugins::nagios
