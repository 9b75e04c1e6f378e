#include "server/token_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace bsm::server {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Closes the descriptor on every return path.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() { ::close(fd_); }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;

 private:
  int fd_;
};

}  // namespace

Result<TokenFile> TokenFile::read(const std::string& path) {
  // O_NONBLOCK so that a FIFO put where the file should be cannot hang start-up; it changes
  // nothing for a regular file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return Error{fmt::format("cannot read token file '{}': {}", path, std::strerror(errno))};
  }
  FdGuard guard(fd);

  // fstat on the open descriptor, so the mode checked is that of the file actually read.
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return Error{fmt::format("cannot read token file '{}': {}", path, std::strerror(errno))};
  }
  if (!S_ISREG(info.st_mode)) {
    return Error{fmt::format("token file '{}' is not a regular file", path)};
  }

  std::string content;
  char buffer[1024];
  while (content.size() <= kMaxBytes) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Error{fmt::format("cannot read token file '{}': {}", path, std::strerror(errno))};
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<size_t>(n));
  }
  if (content.size() > kMaxBytes) {
    return Error{fmt::format("token file '{}' is larger than {} bytes; it should hold one token",
                             path, kMaxBytes)};
  }

  size_t begin = 0;
  size_t end = content.size();
  while (begin < end && isSpace(content[begin])) {
    ++begin;
  }
  while (end > begin && isSpace(content[end - 1])) {
    --end;
  }
  std::string token = content.substr(begin, end - begin);
  if (token.empty()) {
    return Error{fmt::format("token file '{}' is empty", path)};
  }
  // A token goes verbatim into "Authorization: Bearer <token>"; a space or control character
  // there would break the header, and usually means the file holds something else.
  for (const char c : token) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return Error{fmt::format(
          "token file '{}' holds whitespace or control characters inside the token; it should "
          "hold one token on one line",
          path)};
    }
  }

  std::vector<std::string> warnings;
  if ((info.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    warnings.push_back(fmt::format(
        "token file '{}' is readable by group or others (mode {:04o}); chmod 600 it so that only "
        "its owner can read the token",
        path, info.st_mode & 07777));
  }
  if (token.size() < kMinRecommendedLength) {
    warnings.push_back(fmt::format(
        "the token in '{}' has only {} characters and may be guessed; use at least 32 random "
        "characters (e.g. from 'openssl rand -hex 32')",
        path, token.size()));
  }
  return TokenFile(path, std::move(token), std::move(warnings));
}

Result<ApiTokens> readApiTokens(const std::string& admin_file, const std::string& read_file) {
  if (admin_file.empty()) {
    return Error{"no admin token file configured (tokens.admin_file)"};
  }
  Result<TokenFile> admin = TokenFile::read(admin_file);
  if (!admin) {
    return admin.error();
  }
  ApiTokens tokens;
  tokens.admin = admin->token();
  tokens.warnings = admin->warnings();

  if (read_file.empty()) {
    return tokens;
  }
  Result<TokenFile> read_only = TokenFile::read(read_file);
  if (!read_only) {
    return read_only.error();
  }
  if (read_only->token() == tokens.admin) {
    return Error{fmt::format(
        "the read-only token in '{}' is the admin token from '{}'; give it a token of its own",
        read_file, admin_file)};
  }
  tokens.read_only = read_only->token();
  tokens.warnings.insert(tokens.warnings.end(), read_only->warnings().begin(),
                         read_only->warnings().end());
  return tokens;
}

}  // namespace bsm::server
