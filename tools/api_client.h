#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace bsm::tools {

// Where bsm-server's HTTP API is: "http://HOST[:PORT][/PREFIX]" or "https://...".
struct ServerUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  uint16_t port = 0;
  std::string prefix;  // "" or "/bsm" when behind a reverse proxy under a path; no trailing '/'

  // "scheme://host:port" as cpp-httplib's client takes it.
  std::string origin() const;
};

Result<ServerUrl> parseServerUrl(std::string_view text);

// Percent-encodes everything but RFC 3986's unreserved characters, for one path segment (a
// service name may hold '/', '?', '%' or spaces).
std::string encodePathSegment(std::string_view text);

// Asks bsm-server's HTTP API with a bearer token. Every failure comes back as one line that says
// what to check.
class ApiClient {
 public:
  // Answers larger than this are refused: no legitimate answer comes near it, and bsmctl holds
  // the whole answer in memory.
  static constexpr size_t kMaxAnswerBytes = 64u << 20;

  // `server_url` as the user gave it (see parseServerUrl); `token` must not be empty.
  static Result<ApiClient> create(std::string_view server_url, std::string token);

  // GETs `path` (percent-encoded, starting with '/', relative to the URL's prefix) and parses
  // the JSON answer. Errors: the server cannot be reached, refused the token (401, 403), has no
  // such thing (404, the server's own text), answered something else or not JSON.
  Result<nlohmann::json> get(const std::string& path) const;
  // POSTs `body` as JSON to `path`; errors as get(), and a 400 answer gives the server's own
  // message (what is wrong with the body).
  Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) const;
  // DELETEs `path`; errors as get().
  Result<nlohmann::json> remove(const std::string& path) const;

  const std::string& url() const { return url_text_; }

  void setTimeouts(std::chrono::milliseconds connect, std::chrono::milliseconds read);

 private:
  Result<nlohmann::json> request(const std::string& method, const std::string& path,
                                 const nlohmann::json* request_body) const;

  ApiClient(ServerUrl url, std::string url_text, std::string token)
      : url_(std::move(url)), url_text_(std::move(url_text)), token_(std::move(token)) {}

  ServerUrl url_;
  std::string url_text_;
  std::string token_;
  std::chrono::milliseconds connect_timeout_{5'000};
  std::chrono::milliseconds read_timeout_{30'000};
};

}  // namespace bsm::tools
