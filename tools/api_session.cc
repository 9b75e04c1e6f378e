#include "tools/api_session.h"

#include <cmath>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "common/sample.h"
#include "common/time_format.h"
#include "server/token_file.h"

namespace bsm::tools {

namespace {

std::string envOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

void fail(int& exit_code, const std::string& message) {
  std::cerr << "bsmctl: " << message << '\n';
  exit_code = 1;
}

// --server, else $BSM_SERVER, else the default; --token, else --token-file, else $BSM_TOKEN.
Result<ApiClient> makeClient(const ApiSettings& settings) {
  const std::string server =
      settings.server.empty() ? envOr("BSM_SERVER", kDefaultServer) : settings.server;

  std::string token = settings.token;
  if (token.empty() && !settings.token_file.empty()) {
    Result<server::TokenFile> file = server::TokenFile::read(settings.token_file);
    if (!file) {
      return file.error();
    }
    for (const std::string& warning : file->warnings()) {
      std::cerr << "bsmctl: warning: " << warning << '\n';
    }
    token = file->token();
  }
  if (token.empty()) {
    token = envOr("BSM_TOKEN", "");
  }
  if (token.empty()) {
    return Error{"no API token: give --token-file FILE or --token TOKEN, or set BSM_TOKEN"};
  }
  return ApiClient::create(server, std::move(token));
}

// GETs `path` and checks that the answer holds an array under `list_key` (when given).
Result<nlohmann::json> fetch(const ApiSettings& settings, const std::string& path,
                             const char* list_key) {
  Result<ApiClient> client = makeClient(settings);
  if (!client) {
    return client.error();
  }
  Result<nlohmann::json> body = client->get(path);
  if (!body) {
    return body;
  }
  if (!body->is_object() ||
      (list_key != nullptr && (!body->contains(list_key) || !(*body)[list_key].is_array()))) {
    return Error{fmt::format("unexpected answer from bsm-server at {}: {}", client->url(),
                             list_key != nullptr ? fmt::format("no \"{}\" list", list_key)
                                                 : std::string("not a JSON object"))};
  }
  return body;
}

Result<nlohmann::json> send(const ApiSettings& settings, const std::string& path,
                            const nlohmann::json& body) {
  Result<ApiClient> client = makeClient(settings);
  if (!client) {
    return client.error();
  }
  Result<nlohmann::json> answer = client->post(path, body);
  if (answer && !answer->is_object()) {
    return Error{
        fmt::format("unexpected answer from bsm-server at {}: not a JSON object", client->url())};
  }
  return answer;
}

bool finishedWith(const Result<nlohmann::json>& body, bool json, int& exit_code) {
  if (!body) {
    fail(exit_code, body.error().message);
    return true;
  }
  if (json) {
    printJson(*body);
    return true;
  }
  return false;
}

CLI::App* addApiSubcommand(CLI::App& parent, const std::string& name,
                           const std::string& description, const std::string& footer) {
  CLI::App* command = parent.add_subcommand(name, description);
  command->fallthrough();
  command->footer(footer);
  return command;
}

std::string defaultAuthor() {
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "";
}

void printJson(const nlohmann::json& body) {
  std::cout << body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

// A field as text, whatever its JSON type, without throwing on a server that answers oddly.
std::string text(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) {
    return "";
  }
  const nlohmann::json& value = object[key];
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_null()) {
    return "";
  }
  if (value.is_boolean()) {
    return value.get<bool>() ? "yes" : "no";
  }
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string showAge(int64_t ms) {
  const int64_t seconds = ms / 1000;
  if (seconds < 60) {
    return fmt::format("{}s", seconds);
  }
  if (seconds < 3600) {
    return fmt::format("{}m", seconds / 60);
  }
  if (seconds < 86400) {
    return fmt::format("{}h{}m", seconds / 3600, seconds % 3600 / 60);
  }
  return fmt::format("{}d{}h", seconds / 86400, seconds % 86400 / 3600);
}

// "2026-12-03 19:20:00Z (5m ago)" for an API time, "never" for null.
std::string showTime(const nlohmann::json& object, const char* key) {
  const std::string raw = text(object, key);
  if (raw.empty()) {
    return "never";
  }
  const Result<int64_t> ms = parseRfc3339(raw);
  if (!ms) {
    return raw;  // not ours to judge; show what the server said
  }
  std::string shown = raw.substr(0, 10) + " " + raw.substr(11, 8) + "Z";
  const int64_t age = nowMs() - *ms;
  // A time ahead of this machine's clock means one of the clocks is off; the age would lie.
  if (age >= 0) {
    shown += " (" + showAge(age) + " ago)";
  }
  return shown;
}

// "9.2 percent", "1073741824 bytes", "" for no value.
std::string showValue(const nlohmann::json& component) {
  if (!component.contains("value") || !component["value"].is_number()) {
    return "";
  }
  const double value = component["value"].get<double>();
  std::string shown = std::abs(value) < 1e15 && value == std::floor(value)
                          ? fmt::format("{:.0f}", value)
                          : fmt::format("{:.6g}", value);
  const std::string unit = text(component, "unit");
  if (!unit.empty()) {
    shown += " " + unit;
  }
  return shown;
}

// "system.fs.used{mount=/}": the check or metric name with its labels.
std::string showComponentName(const nlohmann::json& component) {
  std::string name =
      component.contains("check") ? text(component, "check") : text(component, "metric");
  if (component.contains("labels") && component["labels"].is_object() &&
      !component["labels"].empty()) {
    std::string labels;
    for (const auto& [key, value] : component["labels"].items()) {
      labels += (labels.empty() ? "" : ",") + key + "=" +
                (value.is_string() ? value.get<std::string>() : value.dump());
    }
    name += "{" + labels + "}";
  }
  return name;
}

// The component's reason; for a check without one, the first line of its output, which is what
// a Nagios user would look at.
std::string showReason(const nlohmann::json& component) {
  std::string reason = text(component, "reason");
  if (reason.empty()) {
    reason = text(component, "output");
    reason = reason.substr(0, reason.find('\n'));
  }
  return reason;
}

// "99.9512" for a number, "-" for null: the server sends null when nothing was measured.
std::string showNumber(const nlohmann::json& object, const char* key, int decimals) {
  if (!object.contains(key) || !object[key].is_number()) {
    return "-";
  }
  return fmt::format("{:.{}f}", object[key].get<double>(), decimals);
}

// "1h 2m 3s" for a count of seconds.
std::string showSeconds(const nlohmann::json& object, const char* key) {
  if (!object.contains(key) || !object[key].is_number()) {
    return "-";
  }
  const double seconds = object[key].get<double>();
  const std::string sign = seconds < 0 ? "-" : "";
  return sign + showAge(static_cast<int64_t>(std::llround(std::abs(seconds) * 1000))) +
         fmt::format(" ({:.0f} s)", std::abs(seconds));
}

// Appends "name=value" to a query string, percent-encoding the value.
void addQuery(std::string& path, const char* name, const std::string& value) {
  if (value.empty()) {
    return;
  }
  path += (path.find('?') == std::string::npos ? "?" : "&");
  path += std::string(name) + "=" + encodePathSegment(value);
}

}  // namespace bsm::tools
