#include "tools/api_client.h"

#include <httplib.h>

#include <cctype>
#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace bsm::tools {

namespace {

// What went wrong in words, for httplib's terse error names.
std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "could not connect (is bsm-server running and listening there?)";
    case httplib::Error::ConnectionTimeout:
      return "timed out while connecting";
    case httplib::Error::Read:
      return "the connection closed or timed out before a complete answer came";
    case httplib::Error::Write:
      return "could not send the request";
    case httplib::Error::SSLConnection:
      return "the TLS handshake failed";
    case httplib::Error::SSLServerVerification:
      return "the server's TLS certificate is not trusted";
    case httplib::Error::Compression:
      return "could not decompress the answer";
    default:
      return httplib::to_string(error);
  }
}

// The "error" field of bsm-server's JSON error answers.
std::optional<std::string> jsonError(const std::string& body) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()) {
    return parsed["error"].get<std::string>();
  }
  return std::nullopt;
}

// The server's error text, or the start of the body when it is not bsm-server's JSON.
std::string errorText(const std::string& body) {
  if (std::optional<std::string> error = jsonError(body)) {
    return *error;
  }
  std::string text = body.substr(0, 200);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) {
      c = ' ';
    }
  }
  return text.empty() ? "(no details)" : text;
}

}  // namespace

std::string ServerUrl::origin() const {
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return fmt::format("{}://{}:{}", scheme, shown_host, port);
}

Result<ServerUrl> parseServerUrl(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return Error{fmt::format("invalid server URL '{}': {}; expected http://HOST:PORT", text, why)};
  };

  ServerUrl url;
  std::string_view rest = text;
  const size_t scheme_end = rest.find("://");
  if (scheme_end == std::string_view::npos) {
    return invalid("no scheme");
  }
  url.scheme = std::string(rest.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    return invalid("the scheme must be http or https");
  }
  rest.remove_prefix(scheme_end + 3);

  const size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) {
    std::string_view prefix = rest.substr(path_start);
    while (!prefix.empty() && prefix.back() == '/') {
      prefix.remove_suffix(1);
    }
    if (prefix.find_first_of("?#") != std::string_view::npos) {
      return invalid("a query or fragment has no place in it");
    }
    url.prefix = std::string(prefix);
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return invalid("unclosed '[' around an IPv6 address");
    }
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return invalid("unexpected text after the IPv6 address");
      }
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (url.host.empty()) {
    return invalid("no host");
  }
  if (url.host.find('@') != std::string::npos) {
    return invalid("user names in the URL are not supported; use --token");
  }

  if (port_text.empty()) {
    url.port = url.scheme == "https" ? 443 : 80;
  } else {
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return invalid("the port must be a number from 1 to 65535");
    }
    url.port = static_cast<uint16_t>(port);
  }
  return url;
}

std::string encodePathSegment(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

Result<ApiClient> ApiClient::create(std::string_view server_url, std::string token) {
  Result<ServerUrl> url = parseServerUrl(server_url);
  if (!url) {
    return url.error();
  }
  if (token.empty()) {
    return Error{"no API token given"};
  }
  return ApiClient(std::move(*url), std::string(server_url), std::move(token));
}

void ApiClient::setTimeouts(std::chrono::milliseconds connect, std::chrono::milliseconds read) {
  connect_timeout_ = connect;
  read_timeout_ = read;
}

Result<nlohmann::json> ApiClient::get(const std::string& path) const {
  return request("GET", path, nullptr);
}

Result<nlohmann::json> ApiClient::post(const std::string& path, const nlohmann::json& body) const {
  return request("POST", path, &body);
}

Result<nlohmann::json> ApiClient::remove(const std::string& path) const {
  return request("DELETE", path, nullptr);
}

Result<nlohmann::json> ApiClient::request(const std::string& method, const std::string& path,
                                          const nlohmann::json* request_body) const {
  httplib::Client client(url_.origin());
  if (!client.is_valid()) {
    return Error{fmt::format("invalid server URL '{}'", url_text_)};
  }
  // TODO: no --ca option yet: an https:// server whose certificate comes from the deployment's
  // own CA is trusted only if that CA is in the system's trust store.
  // The path is encoded by encodePathSegment() already; a second pass would garble it.
  client.set_url_encode(false);
  client.set_connection_timeout(connect_timeout_);
  client.set_read_timeout(read_timeout_);
  client.set_write_timeout(read_timeout_);

  std::string body;
  bool too_large = false;
  const httplib::Headers headers = {{"Authorization", "Bearer " + token_},
                                    {"Accept", "application/json"}};
  auto receive = [&](const char* data, size_t length) {
    if (body.size() + length > kMaxAnswerBytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  };
  const bool streamed = method == "GET";
  httplib::Result result =
      streamed
          ? client.Get(
                url_.prefix + path, headers, [](const httplib::Response&) { return true; }, receive)
      : method == "DELETE"
          ? client.Delete(url_.prefix + path, headers)
          : client.Post(url_.prefix + path, headers, request_body->dump(), "application/json");
  if (!streamed && result) {
    // cpp-httplib's Post and Delete have no streaming receiver; the answer is bounded after
    // the fact.
    if (result->body.size() > kMaxAnswerBytes) {
      too_large = true;
    } else {
      body = result->body;
    }
  }

  if (too_large) {
    return Error{fmt::format("bsm-server at {} sent an answer larger than {} MiB", url_text_,
                             kMaxAnswerBytes >> 20)};
  }
  if (!result) {
    return Error{
        fmt::format("cannot reach bsm-server at {}: {}", url_text_, describe(result.error()))};
  }

  const int status = result->status;
  if (status == 401) {
    return Error{fmt::format("the server refused the token: {}", errorText(body))};
  }
  if (status == 403) {
    return Error{fmt::format("the token may not do this: {}", errorText(body))};
  }
  if (status == 404) {
    if (std::optional<std::string> error = jsonError(body)) {
      return Error{*error};
    }
    // Not bsm-server's answer: most likely the URL points at another web server.
    return Error{fmt::format("{} answered 404 for {}; is that bsm-server's API address?", url_text_,
                             url_.prefix + path)};
  }
  if (status == 400 && !streamed) {
    // The server's own words say what is wrong with what was sent (a model, a what-if).
    if (std::optional<std::string> error = jsonError(body)) {
      return Error{*error};
    }
  }
  if (status != 200 && status != 201) {
    return Error{
        fmt::format("bsm-server at {} answered HTTP {}: {}", url_text_, status, errorText(body))};
  }

  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    return Error{
        fmt::format("bsm-server at {} answered with something that is not JSON", url_text_)};
  }
  return parsed;
}

}  // namespace bsm::tools
