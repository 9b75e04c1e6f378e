#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace bsm::server {

// A bearer token kept in a file of its own (`tokens.admin_file`, `tokens.read_file`,
// `bsmctl --token-file`), so that it never appears in a config file or a command line.
class TokenFile {
 public:
  // Larger files are refused: a token file holds one word, and anything bigger is the wrong file.
  static constexpr size_t kMaxBytes = 4096;
  // Shorter tokens are accepted with a warning.
  static constexpr size_t kMinRecommendedLength = 16;

  // Reads the token in `path`, without the whitespace and newline around it. Fails, naming the
  // file, when it cannot be read, is not a regular file, is empty or holds more than one word.
  // A file that group or others may read, or a short token, is accepted with a warning.
  static Result<TokenFile> read(const std::string& path);

  const std::string& path() const { return path_; }
  const std::string& token() const { return token_; }
  // Problems worth an operator's attention that did not stop the read; empty when none.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  TokenFile(std::string path, std::string token, std::vector<std::string> warnings)
      : path_(std::move(path)), token_(std::move(token)), warnings_(std::move(warnings)) {}

  std::string path_;
  std::string token_;
  std::vector<std::string> warnings_;
};

// The HTTP API's tokens as the server's config names them.
struct ApiTokens {
  std::string admin;
  std::string read_only;  // empty when no read-only token is configured
  std::vector<std::string> warnings;
};

// Reads the admin token (required) and the read-only token (optional: skipped when `read_file`
// is empty). Refuses the pair when both files hold the same token, since the read-only token
// would then silently grant admin rights. The caller logs the warnings.
Result<ApiTokens> readApiTokens(const std::string& admin_file, const std::string& read_file);

}  // namespace bsm::server
