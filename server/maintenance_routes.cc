#include "server/maintenance_routes.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "server/json_views.h"
#include "server/maintenance_calendar.h"

namespace bsm::server {

namespace {

HttpApi::Reply reply(int status, const nlohmann::json& body) {
  return {status, dumpJson(body)};
}

}  // namespace

void addMaintenanceRoutes(HttpApi& api, MaintenanceCalendar& calendar,
                          std::function<void()> changed) {
  api.addRoute("GET", "/api/v1/maintenance", [&calendar](const HttpApi::ApiRequest& request) {
    const int64_t now = nowMs();
    const bool all = request.param("all").value_or("") == "1";
    nlohmann::json windows = nlohmann::json::array();
    for (const MaintenanceWindow& window : calendar.list(all, now)) {
      nlohmann::json entry = window.toJson();
      entry["active"] = window.activeAt(now);
      windows.push_back(std::move(entry));
    }
    return reply(200, {{"windows", std::move(windows)}});
  });

  api.addRoute("POST", "/api/v1/maintenance",
               [&calendar, changed](const HttpApi::ApiRequest& request) {
                 const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
                 if (body.is_discarded()) {
                   return reply(400, {{"error", "the body is not JSON"}});
                 }
                 const int64_t now = nowMs();
                 auto window = MaintenanceWindow::fromJson(body, now);
                 if (!window) {
                   return reply(400, {{"error", window.error().message}});
                 }
                 auto added = calendar.add(std::move(*window), now);
                 if (!added) {
                   return reply(500, {{"error", added.error().message}});
                 }
                 changed();
                 nlohmann::json out = added->toJson();
                 out["active"] = added->activeAt(now);
                 return reply(201, out);
               });

  api.addRoute(
      "DELETE", R"(/api/v1/maintenance/[^/]+)",
      [&calendar, changed](const HttpApi::ApiRequest& request) {
        // {"api", "v1", "maintenance", ID}
        const std::string& text = request.segments.back();
        int64_t id = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
        if (request.segments.size() != 4 || ec != std::errc() || end != text.data() + text.size()) {
          return reply(400, {{"error", "the window id must be a number"}});
        }
        auto removed = calendar.remove(id);
        if (!removed) {
          return reply(500, {{"error", removed.error().message}});
        }
        if (!*removed) {
          return reply(404, {{"error", fmt::format("no maintenance window {}", id)}});
        }
        changed();
        return reply(200, {{"removed", id}});
      });
}

}  // namespace bsm::server
