#include "server/http_post.h"

#include <httplib.h>

#include <charconv>

namespace bsm::server {

namespace {

httplib::Client makeClient(const HttpUrl& url, std::chrono::milliseconds timeout,
                           const std::string& ca_file = "") {
  httplib::Client client(url.origin());
  if (!ca_file.empty()) {
    client.set_ca_cert_path(ca_file);
  }
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  // A receiver that redirects is misconfigured; following it would resend the body elsewhere.
  client.set_follow_location(false);
  return client;
}

// What went wrong when there was no answer, in words for the log.
std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect";
    case httplib::Error::ConnectionTimeout:
      return "connect timed out";
    case httplib::Error::Read:
      return "no answer (read failed or timed out)";
    case httplib::Error::Write:
      return "could not send the request";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLServerVerification:
      return "the receiver's certificate is not trusted";
    default:
      return "request failed (" + httplib::to_string(error) + ")";
  }
}

HttpAnswer answerOf(const httplib::Result& result) {
  HttpAnswer answer;
  if (!result) {
    answer.error = describe(result.error());
    return answer;
  }
  answer.status = result->status;
  answer.body = result->body;
  return answer;
}

}  // namespace

std::string HttpUrl::origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HttpUrl> parseHttpUrl(std::string_view text) {
  HttpUrl url;
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return Error{"'" + std::string(text) + "' is not an http:// or https:// URL"};
  }
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    return Error{"'" + std::string(text) + "' is not an http:// or https:// URL"};
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  url.path = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (url.path.front() == '?') {
    url.path.insert(url.path.begin(), '/');
  }
  if (authority.find('@') != std::string_view::npos) {
    return Error{"'" + std::string(text) +
                 "' holds credentials; put them in a header (Authorization) instead"};
  }

  std::string_view port_text;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Error{"'" + std::string(text) + "' has an unclosed IPv6 address"};
    }
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        return Error{"'" + std::string(text) + "' has text after its IPv6 address"};
      }
      port_text = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (url.host.empty()) {
    return Error{"'" + std::string(text) + "' names no host"};
  }

  url.port = url.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return Error{"'" + std::string(text) + "' has a bad port '" + std::string(port_text) + "'"};
    }
    url.port = static_cast<uint16_t>(port);
  }
  return url;
}

HttpAnswer postJson(const HttpUrl& url, const std::map<std::string, std::string>& headers,
                    const std::string& body, std::chrono::milliseconds timeout,
                    const std::string& ca_file) {
  httplib::Client client = makeClient(url, timeout, ca_file);
  httplib::Headers request_headers;
  for (const auto& [name, value] : headers) {
    request_headers.emplace(name, value);
  }
  return answerOf(client.Post(url.path, request_headers, body, "application/json"));
}

HttpAnswer getUrl(const HttpUrl& url, std::chrono::milliseconds timeout) {
  httplib::Client client = makeClient(url, timeout);
  return answerOf(client.Get(url.path));
}

}  // namespace bsm::server
