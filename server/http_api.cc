#include "server/http_api.h"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "common/sample.h"
#include "server/json_views.h"

namespace bsm::server {

namespace {

using httplib::Request;
using httplib::Response;

constexpr int kMaxRejectionLogsPerMinute = 20;
constexpr int64_t kRejectionWindowMs = 60'000;
// Requests carry no bodies yet; future POST bodies (what-if, reload) are small documents.
constexpr size_t kMaxRequestBody = 1 << 20;
// How long a client may take to send a request or read an answer, and keep an idle connection.
// Short, because each open connection holds one of the few serving threads.
// TODO: cpp-httplib serves each connection on one thread of a fixed pool (at least 8), so a few
// clients that hold connections open can delay everyone else for up to this long; a limit on
// connections per client address would bound that.
constexpr time_t kIoTimeoutSeconds = 5;
// Bounds what a path echoed into a log line or an error message can cost.
constexpr size_t kMaxEchoedPath = 200;

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  // EVP_Digest with SHA-256 fails only when OpenSSL cannot allocate; then the zero digest
  // compares unequal to any real token's digest, which refuses the request.
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

bool isApiPath(const std::string& path) {
  return path == "/api" || path.rfind("/api/", 0) == 0;
}

bool isReadMethod(const std::string& method) {
  return method == "GET" || method == "HEAD";
}

// Printable ASCII only, cut to `max` bytes: paths come decoded from the client and could
// otherwise put line breaks or terminal escapes into the log.
std::string printable(std::string_view text, size_t max = kMaxEchoedPath) {
  std::string out;
  out.reserve(std::min(text.size(), max));
  for (const char c : text.substr(0, max)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte >= 0x20 && byte < 0x7f) ? c : '?';
  }
  if (text.size() > max) {
    out += "...";
  }
  return out;
}

void sendJson(Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  // Answers hold live state, and requests carry a token: nothing here may be cached.
  response.set_header("Cache-Control", "no-store");
  response.set_content(dumpJson(body), "application/json");
}

void sendError(Response& response, int status, const std::string& message) {
  sendJson(response, status, {{"error", message}});
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Splits the raw request target's path into percent-decoded segments. cpp-httplib routes on the
// decoded path, in which an encoded '/' inside a service name is indistinguishable from a
// separator; the raw target keeps them apart. '+' stays '+': it means space only in queries.
std::optional<std::vector<std::string>> pathSegments(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  std::vector<std::string> segments;
  size_t pos = 0;
  while (pos < target.size()) {
    if (target[pos] == '/') {
      ++pos;
      continue;
    }
    const size_t end = std::min(target.find('/', pos), target.size());
    std::string segment;
    for (size_t i = pos; i < end; ++i) {
      if (target[i] != '%') {
        segment += target[i];
        continue;
      }
      const int high = i + 2 < end ? hexValue(target[i + 1]) : -1;
      const int low = i + 2 < end ? hexValue(target[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return std::nullopt;
      }
      segment += static_cast<char>(high * 16 + low);
      i += 2;
    }
    segments.push_back(std::move(segment));
    pos = end;
  }
  return segments;
}

// The token of an "Authorization: Bearer <token>" header (scheme case-insensitive, RFC 7235),
// or nullopt when the header is of another form.
std::optional<std::string_view> bearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
    token.remove_prefix(1);
  }
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
    token.remove_suffix(1);
  }
  if (token.empty()) {
    return std::nullopt;
  }
  return token;
}

}  // namespace

HttpApi::HttpApi(const ApiBackend& backend, std::string admin_token, std::string read_token)
    : backend_(backend),
      has_admin_token_(!admin_token.empty()),
      has_read_token_(!read_token.empty()),
      tokens_equal_(has_admin_token_ && admin_token == read_token),
      server_(std::make_unique<httplib::Server>()),
      log_(logging::get("http")) {
  if (has_admin_token_) {
    admin_digest_ = sha256(admin_token);
  }
  if (has_read_token_) {
    read_digest_ = sha256(read_token);
  }
  registerRoutes();
}

HttpApi::~HttpApi() {
  stop();
}

void HttpApi::registerRoutes() {
  server_->set_read_timeout(kIoTimeoutSeconds);
  server_->set_write_timeout(kIoTimeoutSeconds);
  server_->set_keep_alive_timeout(kIoTimeoutSeconds);
  server_->set_payload_max_length(kMaxRequestBody);
  // cpp-httplib's default also sets SO_REUSEPORT, which would let a second server bind the same
  // port and silently take half the requests; SO_REUSEADDR alone still allows a quick restart.
  server_->set_socket_options([](socket_t socket) {
    int on = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  });

  // Authorization runs before routing, so that an unknown /api/ path answers 401 to a client
  // without a token rather than revealing which endpoints exist.
  server_->set_pre_routing_handler([this](const Request& request, Response& response) {
    if (!isApiPath(request.path) || authorize(request, response)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    return httplib::Server::HandlerResponse::Handled;
  });

  // cpp-httplib calls this for every status >= 400, including answers the handlers already
  // wrote; only fill in the ones it produced itself (no route, malformed request).
  server_->set_error_handler(httplib::Server::HandlerWithResponse([](const Request& request,
                                                                     Response& response) {
    if (!response.body.empty()) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (!isApiPath(request.path)) {
      response.set_content(response.status == 404 ? "not found\n" : "bad request\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (response.status == 404) {
      sendError(response, 404,
                fmt::format("no such endpoint: {} {}", printable(request.method, 16),
                            printable(request.path)));
    } else {
      sendError(response, response.status, fmt::format("HTTP {}", response.status));
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  server_->set_exception_handler(
      [this](const Request& request, Response& response, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log_->error("request failed: method={} path={} client={}:{} error={}",
                    printable(request.method, 16), printable(request.path), request.remote_addr,
                    request.remote_port, what);
        sendError(response, 500, "internal error; the server log has the details");
      });
}

void HttpApi::registerBuiltInRoutes() {
  server_->Get("/healthz", [](const Request&, Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  server_->Get("/api/v1/services", [this](const Request& request, Response& response) {
    getServices(request, response);
  });
  // Matches any depth below the list; getService() tells names from sub-resources using the
  // raw target. cpp-httplib tries routes in the order registered: this one comes after every
  // route added with addRoute(), so that deeper paths (root-cause, sla) reach theirs.
  server_->Get(R"(/api/v1/services/.+)", [this](const Request& request, Response& response) {
    getService(request, response);
  });
  server_->Get("/api/v1/agents", [this](const Request& request, Response& response) {
    getAgents(request, response);
  });
}

void HttpApi::addPost(const std::string& path, PostHandler handler) {
  server_->Post(path, [handler = std::move(handler)](const Request& request, Response& response) {
    const Reply reply = handler(request.body, request.remote_addr);
    response.status = reply.status;
    response.set_header("Cache-Control", "no-store");
    response.set_content(reply.json, "application/json");
  });
}

std::optional<std::string> HttpApi::ApiRequest::param(const std::string& name) const {
  const auto found = params.find(name);
  if (found == params.end()) {
    return std::nullopt;
  }
  return found->second;
}

void HttpApi::addRoute(const std::string& method, const std::string& pattern, Handler handler,
                       Access access) {
  if (access == Access::kRead && method != "GET") {
    read_only_posts_.emplace_back(pattern);
  }
  auto serve = [this, handler = std::move(handler)](const Request& request, Response& response) {
    std::optional<std::vector<std::string>> segments = pathSegments(request.target);
    if (!segments) {
      sendError(response, 400, "malformed percent-encoding in the path");
      return;
    }
    ApiRequest api_request;
    api_request.segments = std::move(*segments);
    api_request.params = request.params;
    api_request.body = request.body;
    api_request.client = request.remote_addr + ":" + std::to_string(request.remote_port);
    api_request.admin =
        roleOf(
            bearerToken(request.get_header_value("Authorization")).value_or(std::string_view())) ==
        Role::kAdmin;
    const Reply reply = handler(api_request);
    response.status = reply.status;
    response.set_header("Cache-Control", "no-store");
    response.set_content(reply.json, reply.content_type);
  };
  if (method == "GET") {
    server_->Get(pattern, std::move(serve));
  } else if (method == "POST") {
    server_->Post(pattern, std::move(serve));
  } else if (method == "DELETE") {
    server_->Delete(pattern, std::move(serve));
  } else {
    throw std::invalid_argument("HttpApi::addRoute: unsupported method " + method);
  }
}

Status HttpApi::start(const HostPort& listen) {
  if (thread_.joinable() || port_ != 0) {
    return Error{"the HTTP API was already started"};
  }
  if (!has_admin_token_) {
    return Error{"the HTTP API needs an admin token"};
  }
  if (tokens_equal_) {
    return Error{"the HTTP API's read-only token equals the admin token; give it its own"};
  }
  if (!built_in_routes_registered_) {
    registerBuiltInRoutes();
    built_in_routes_registered_ = true;
  }

  // An empty host means every address (see HostPort).
  const std::string host = listen.host.empty() ? "0.0.0.0" : listen.host;
  errno = 0;
  int port = -1;
  if (listen.port == 0) {
    port = server_->bind_to_any_port(host);
  } else if (server_->bind_to_port(host, listen.port)) {
    port = listen.port;
  }
  if (port <= 0) {
    // cpp-httplib reports no reason; errno still holds the one from the failed bind() or
    // getaddrinfo() when there was one.
    const std::string reason = errno != 0 ? std::strerror(errno) : "cannot bind the address";
    return Error{fmt::format("cannot listen for HTTP on {}: {}", listen.toString(), reason)};
  }
  port_ = static_cast<uint16_t>(port);

  thread_ = std::thread([this] {
    if (!server_->listen_after_bind()) {
      log_->error("HTTP API stopped serving unexpectedly: port={}", port_);
    }
    serving_done_ = true;
  });
  // Server::stop() does nothing until the serving loop has begun, so a stop() right after
  // start() would otherwise leave the thread running forever.
  while (!server_->is_running() && !serving_done_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  log_->info("HTTP API listening: address={}:{} read_only_token={}", host, port_,
             has_read_token_ ? "yes" : "no");
  return Status::success();
}

void HttpApi::stop() {
  if (!thread_.joinable()) {
    return;
  }
  server_->stop();
  thread_.join();
  log_->info("HTTP API stopped: port={}", port_);
}

bool HttpApi::authorize(const Request& request, Response& response) {
  if (!request.has_header("Authorization")) {
    reject(request, response, 401, "missing token",
           "missing bearer token: send 'Authorization: Bearer <token>'");
    return false;
  }
  const std::string header = request.get_header_value("Authorization");
  const std::optional<std::string_view> token = bearerToken(header);
  if (!token) {
    reject(request, response, 401, "not a bearer token",
           "the Authorization header must be 'Bearer <token>'");
    return false;
  }

  const Role role = roleOf(*token);
  if (role == Role::kNone) {
    reject(request, response, 401, "wrong token", "invalid token");
    return false;
  }
  // Everything that is not a read needs the admin token, so that a write endpoint added later
  // is protected without having to remember it.
  const auto read_post = [&] {
    return request.method == "POST" && std::any_of(read_only_posts_.begin(), read_only_posts_.end(),
                                                   [&](const std::regex& path) {
                                                     return std::regex_match(request.path, path);
                                                   });
  };
  if (role != Role::kAdmin && !isReadMethod(request.method) && !read_post()) {
    reject(request, response, 403, "read-only token",
           fmt::format("the read-only token may not {} {}; use the admin token",
                       printable(request.method, 16), printable(request.path)));
    return false;
  }
  return true;
}

HttpApi::Role HttpApi::roleOf(std::string_view token) const {
  const Digest presented = sha256(token);
  // Both comparisons always run, in constant time, so timing does not tell which token was
  // near.
  const bool admin = has_admin_token_ &&
                     CRYPTO_memcmp(presented.data(), admin_digest_.data(), presented.size()) == 0;
  const bool read = has_read_token_ &&
                    CRYPTO_memcmp(presented.data(), read_digest_.data(), presented.size()) == 0;
  if (admin) {
    return Role::kAdmin;
  }
  return read ? Role::kReadOnly : Role::kNone;
}

void HttpApi::reject(const Request& request, Response& response, int status,
                     std::string_view reason, const std::string& message) {
  ++rejected_requests_;
  if (status == 401) {
    // RFC 6750: say which scheme is expected, and whether the token given was bad.
    response.set_header("WWW-Authenticate", reason == "wrong token"
                                                ? R"(Bearer realm="bsm", error="invalid_token")"
                                                : R"(Bearer realm="bsm")");
  }
  sendError(response, status, message);

  // Never log the Authorization header: a near-miss token is still a secret.
  const int64_t now = nowMs();
  std::lock_guard lock(rejection_log_mutex_);
  if (now - rejection_window_start_ms_ >= kRejectionWindowMs) {
    if (rejections_suppressed_ > 0) {
      log_->warn("rejected API requests not logged in the last minute: count={}",
                 rejections_suppressed_);
    }
    rejection_window_start_ms_ = now;
    rejections_logged_in_window_ = 0;
    rejections_suppressed_ = 0;
  }
  if (rejections_logged_in_window_ >= kMaxRejectionLogsPerMinute) {
    ++rejections_suppressed_;
    return;
  }
  ++rejections_logged_in_window_;
  log_->warn("rejected API request: reason=\"{}\" status={} client={}:{} method={} path={}", reason,
             status, request.remote_addr, request.remote_port, printable(request.method, 16),
             printable(request.path));
}

void HttpApi::getServices(const Request&, Response& response) const {
  std::vector<ServiceView> services = backend_.services();
  // Sorted here so that every client sees a stable order, whatever the engine keeps: the most
  // important services first (criticality 1), then by name.
  std::sort(services.begin(), services.end(), [](const ServiceView& a, const ServiceView& b) {
    return std::tie(a.criticality, a.name) < std::tie(b.criticality, b.name);
  });

  nlohmann::json list = nlohmann::json::array();
  for (const ServiceView& service : services) {
    list.push_back(serviceSummaryToJson(service));
  }
  sendJson(response, 200, {{"services", std::move(list)}});
}

void HttpApi::getService(const Request& request, Response& response) const {
  const std::optional<std::vector<std::string>> segments = pathSegments(request.target);
  if (!segments) {
    sendError(response, 400, "malformed percent-encoding in the path");
    return;
  }
  // {"api", "v1", "services", name}. Deeper paths (root-cause, sla) are not served yet; a
  // target that only decodes to this path (an encoded '/' in "services") is not one either.
  if (segments->size() != 4 || (*segments)[0] != "api" || (*segments)[1] != "v1" ||
      (*segments)[2] != "services") {
    sendError(response, 404, fmt::format("no such endpoint: GET {}", printable(request.path)));
    return;
  }

  const std::string& name = (*segments)[3];
  const std::optional<ServiceView> service = backend_.service(name);
  if (!service) {
    // The name goes back verbatim (JSON escapes it), only cut to a bounded length.
    const std::string shown =
        name.size() > kMaxEchoedPath ? name.substr(0, kMaxEchoedPath) + "..." : name;
    sendError(response, 404, fmt::format("no service named '{}'", shown));
    return;
  }
  sendJson(response, 200, serviceDetailToJson(*service));
}

void HttpApi::getAgents(const Request&, Response& response) const {
  std::vector<AgentView> agents = backend_.agents();
  std::sort(agents.begin(), agents.end(),
            [](const AgentView& a, const AgentView& b) { return a.id < b.id; });

  nlohmann::json list = nlohmann::json::array();
  for (const AgentView& agent : agents) {
    list.push_back(agentToJson(agent));
  }
  sendJson(response, 200, {{"agents", std::move(list)}});
}

}  // namespace bsm::server
