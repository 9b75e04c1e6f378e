#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace bsm::server {

// An http:// or https:// address a notification channel posts to.
struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // a name, an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 0;
  std::string path;  // starts with '/', query included

  // "https://host:port", what an HTTP client connects to.
  std::string origin() const;
  std::string toString() const { return origin() + path; }
};

// Parses "http://host[:port][/path]" (and https); the port defaults to 80 or 443. User info
// ("user:pass@") is refused: credentials belong in a header, not in logged addresses.
Result<HttpUrl> parseHttpUrl(std::string_view text);

// How one POST ended: `status` is the HTTP status, or 0 when there was no answer (`error` says
// why: refused, timed out, TLS failure).
struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string error;
};

// POSTs a JSON body and waits for the answer, for at most `timeout` per connect, write and read.
// HTTPS verifies the receiver's certificate against `ca_file` (PEM), or the system's CA store
// when it is empty.
HttpAnswer postJson(const HttpUrl& url, const std::map<std::string, std::string>& headers,
                    const std::string& body, std::chrono::milliseconds timeout,
                    const std::string& ca_file = "");

// The same for GET (tests and health checks).
HttpAnswer getUrl(const HttpUrl& url, std::chrono::milliseconds timeout);

}  // namespace bsm::server
