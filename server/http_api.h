#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "common/host_port.h"
#include "common/result.h"
#include "server/views.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace bsm::server {

// The JSON API under /api/v1/ (see docs/api.md) and /healthz, served by cpp-httplib on a thread
// pool of its own. Every /api/ request needs "Authorization: Bearer <token>": the admin token
// may do everything, the read-only token only GET and HEAD.
//
// TODO: plain HTTP only; tokens cross the network in clear text unless listen.http stays on
// loopback or a TLS-terminating proxy fronts it. cpp-httplib's SSLServer could serve HTTPS with
// the server's certificate.
class HttpApi {
 public:
  // `backend` must outlive this object (stop() returns only when no request is using it).
  // `read_token` may be empty: then only the admin token is accepted.
  HttpApi(const ApiBackend& backend, std::string admin_token, std::string read_token);
  ~HttpApi();

  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds `listen` (port 0 picks a free port, see port()) and starts serving. Fails when the
  // address cannot be bound, when no admin token was given or the two tokens are equal, or
  // when already started. Call at most once.
  Status start(const HostPort& listen);

  // Stops accepting, waits for requests in progress and joins the serving thread. Idempotent.
  void stop();

  // What an endpoint added by another part of the server answers: a status and a JSON body.
  struct Reply {
    int status = 200;
    std::string json;  // the body; JSON unless content_type says otherwise
    std::string content_type = "application/json";
  };
  // `body` is the request's body, `client` its address, for logs.
  using PostHandler = std::function<Reply(const std::string& body, const std::string& client)>;
  // Adds `POST path` under /api/, for the admin token only. Call before start().
  void addPost(const std::string& path, PostHandler handler);

  // A request as a route added from outside sees it.
  struct ApiRequest {
    // The path's percent-decoded segments: /api/v1/services/shop/sla gives
    // {"api", "v1", "services", "shop", "sla"}. A name holding an encoded '/' stays one segment.
    std::vector<std::string> segments;
    std::multimap<std::string, std::string> params;  // the decoded query parameters
    std::string body;
    std::string client;  // "ip:port", for logs
    bool admin = false;  // true for the admin token, false for the read-only one
    // The first value of a query parameter, if present.
    std::optional<std::string> param(const std::string& name) const;
  };
  using Handler = std::function<Reply(const ApiRequest& request)>;
  // Who may call a route added with addRoute().
  enum class Access {
    kByMethod,  // GET both tokens, anything else the admin token only
    kRead,      // both tokens, whatever the method: a POST that only asks (what-if, diff)
  };
  // Adds a route under /api/ for `method` ("GET", "POST" or "DELETE") and `pattern` (a regular
  // expression over the decoded path, as cpp-httplib matches it). Routes added here are tried
  // before the built-in ones, so "/api/v1/services/[^/]+/sla" wins over the service detail. Call
  // before start().
  void addRoute(const std::string& method, const std::string& pattern, Handler handler,
                Access access = Access::kByMethod);

  // The bound port, valid after a successful start().
  uint16_t port() const { return port_; }

  // Requests refused for a missing or wrong token or too few rights, since construction.
  // TODO: export this on /metrics once the server has a metrics registry; until then only
  // embedders and tests see it.
  uint64_t rejectedRequests() const { return rejected_requests_.load(); }

 private:
  enum class Role { kNone, kReadOnly, kAdmin };
  using Digest = std::array<unsigned char, 32>;

  void registerRoutes();
  void registerBuiltInRoutes();
  bool authorize(const httplib::Request& request, httplib::Response& response);
  Role roleOf(std::string_view token) const;
  void reject(const httplib::Request& request, httplib::Response& response, int status,
              std::string_view reason, const std::string& message);

  void getServices(const httplib::Request& request, httplib::Response& response) const;
  void getService(const httplib::Request& request, httplib::Response& response) const;
  void getAgents(const httplib::Request& request, httplib::Response& response) const;

  const ApiBackend& backend_;
  // Only digests are kept: comparing fixed-size digests in constant time reveals neither the
  // tokens' contents nor their lengths through timing.
  Digest admin_digest_{};
  Digest read_digest_{};
  bool has_admin_token_ = false;
  bool has_read_token_ = false;
  bool tokens_equal_ = false;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  bool built_in_routes_registered_ = false;
  // Paths (full matches) where the read-only token may POST.
  std::vector<std::regex> read_only_posts_;
  std::atomic<bool> serving_done_{false};
  uint16_t port_ = 0;
  std::shared_ptr<spdlog::logger> log_;

  std::atomic<uint64_t> rejected_requests_{0};
  // Rejections are logged at most kMaxRejectionLogsPerMinute times a minute, so that a client
  // hammering with a bad token cannot flood the log; the rest are counted and summarised.
  std::mutex rejection_log_mutex_;
  int64_t rejection_window_start_ms_ = 0;
  int rejections_logged_in_window_ = 0;
  uint64_t rejections_suppressed_ = 0;
};

}  // namespace bsm::server
