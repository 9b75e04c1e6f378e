#include "plugins/zabbix/trapper_protocol.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <regex>

#include "plugins/zabbix/item_key.h"

namespace bsm::plugins::zabbix {

namespace {

using nlohmann::json;

constexpr int64_t kNanosecondsPerSecond = 1'000'000'000;
constexpr int64_t kMaxClock = 2'147'483'647;

// A string member, or nothing when it is absent or not a string.
std::optional<std::string> stringMember(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<int64_t> integerMember(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) {
    return std::nullopt;
  }
  if (it->is_number_integer()) {
    return it->get<int64_t>();
  }
  // Some senders quote every number.
  if (it->is_string()) {
    const std::string text = it->get<std::string>();
    int64_t value = 0;
    char tail = 0;
    if (std::sscanf(text.c_str(), "%" SCNd64 "%c", &value, &tail) == 1) {
      return value;
    }
  }
  return std::nullopt;
}

// Why a host name cannot be taken, or empty when it can.
std::string hostProblem(const std::string& host) {
  if (host.empty()) {
    return "empty host name";
  }
  if (host.size() > kMaxHostNameLength) {
    return "host name longer than " + std::to_string(kMaxHostNameLength) + " characters";
  }
  for (const char c : host) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return "host name holds a control character";
    }
  }
  return {};
}

// One entry of a data array, or why it is refused.
// `request_host` is the request's own "host": agent data from zabbix_agent2 names the host
// there only.
Result<TrapperValue> readValue(const json& entry, bool agent_data,
                               const std::optional<std::string>& request_host) {
  if (!entry.is_object()) {
    return Error{"entry is not an object"};
  }
  TrapperValue value;
  if (agent_data) {
    if (const auto itemid = integerMember(entry, "itemid"); itemid && *itemid > 0) {
      value.itemid = static_cast<uint64_t>(*itemid);
    }
  }
  auto host = stringMember(entry, "host");
  if (!host && agent_data) {
    host = request_host;
  }
  if (!host) {
    return Error{"no \"host\" string"};
  }
  if (std::string problem = hostProblem(*host); !problem.empty()) {
    return Error{std::move(problem)};
  }
  value.host = *host;
  const auto key = stringMember(entry, "key");
  if (!key && !value.itemid) {
    return Error{agent_data ? "neither \"key\" nor \"itemid\"" : "no \"key\" string"};
  }
  if (key) {
    if (auto parsed = parseItemKey(*key); !parsed) {
      return Error{"item key '" + key->substr(0, 80) + "': " + parsed.error().message};
    }
    value.key = *key;
  }

  const auto it = entry.find("value");
  if (it == entry.end()) {
    return Error{"no \"value\""};
  }
  if (it->is_string()) {
    value.value = it->get<std::string>();
  } else if (it->is_number()) {
    value.value = it->dump();
  } else {
    return Error{"\"value\" is neither a string nor a number"};
  }

  if (entry.contains("clock")) {
    value.clock = integerMember(entry, "clock");
    // Zabbix keeps clocks in 32 bits; a larger one is a broken sender, not a date.
    if (!value.clock || *value.clock < 0 || *value.clock > kMaxClock) {
      return Error{"\"clock\" is not a time in seconds from 0 to 2147483647"};
    }
    if (entry.contains("ns")) {
      value.ns = integerMember(entry, "ns");
      if (!value.ns || *value.ns < 0 || *value.ns >= kNanosecondsPerSecond) {
        return Error{"\"ns\" is not from 0 to 999999999"};
      }
    }
  }
  if (agent_data) {
    const auto id = integerMember(entry, "id");
    if (id && *id >= 0) {
      value.id = static_cast<uint64_t>(*id);
    }
    value.not_supported = integerMember(entry, "state").value_or(0) == 1;
  }
  return value;
}

void readValues(const json& root, bool agent_data, TrapperRequest& out) {
  const json& data = root.at("data");
  std::optional<std::string> request_host = stringMember(root, "host");
  if (request_host && !hostProblem(*request_host).empty()) {
    request_host.reset();
  }
  for (size_t i = 0; i < data.size(); ++i) {
    auto value = readValue(data[i], agent_data, request_host);
    if (value) {
      out.values.push_back(std::move(value).value());
    } else {
      out.refused.push_back({i, value.error().message});
    }
  }
}

}  // namespace

int64_t TrapperValue::timestampMs(int64_t fallback_ms) const {
  if (!clock) {
    return fallback_ms;
  }
  return *clock * 1000 + ns.value_or(0) / 1'000'000;
}

Result<TrapperRequest> parseTrapperRequest(std::string_view payload) {
  // No exceptions: a malformed document comes back as a "discarded" value.
  const json root = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return Error{"the request is not valid JSON"};
  }
  if (!root.is_object()) {
    return Error{"the request is not a JSON object"};
  }
  const auto request = stringMember(root, "request");
  if (!request) {
    return Error{"the request names no \"request\""};
  }

  TrapperRequest out;
  if (*request == "sender data" || *request == "agent data") {
    out.kind = *request == "sender data" ? TrapperRequestKind::kSenderData
                                         : TrapperRequestKind::kAgentData;
    const auto data = root.find("data");
    if (data == root.end() || !data->is_array()) {
      return Error{"\"" + *request + "\" without a \"data\" array"};
    }
    out.session = stringMember(root, "session").value_or("");
    readValues(root, out.kind == TrapperRequestKind::kAgentData, out);
    return out;
  }
  if (*request == "active checks" || *request == "active check heartbeat") {
    out.kind = *request == "active checks" ? TrapperRequestKind::kActiveChecks
                                           : TrapperRequestKind::kHeartbeat;
    const auto host = stringMember(root, "host");
    if (!host) {
      return Error{"\"" + *request + "\" without a \"host\""};
    }
    if (std::string problem = hostProblem(*host); !problem.empty()) {
      return Error{"\"" + *request + "\": " + problem};
    }
    out.host = *host;
    out.host_metadata = stringMember(root, "host_metadata").value_or("");
    // Agents take a heartbeat frequency from 0 to 3600 s; anything else is treated as none.
    const int64_t heartbeat = integerMember(root, "heartbeat_freq").value_or(0);
    out.heartbeat_seconds = heartbeat > 0 && heartbeat <= 3600 ? heartbeat : 0;
    return out;
  }
  return Error{"unsupported request \"" + request->substr(0, 64) + "\""};
}

std::string processedResponse(size_t processed, size_t failed, double seconds_spent) {
  char info[160];
  std::snprintf(info, sizeof(info), "processed: %zu; failed: %zu; total: %zu; seconds spent: %.6f",
                processed, failed, processed + failed, seconds_spent);
  return json{{"response", "success"}, {"info", info}}.dump();
}

std::string failedResponse(std::string_view info) {
  return json{{"response", "failed"}, {"info", info}}.dump(-1, ' ', false,
                                                           json::error_handler_t::replace);
}

uint64_t ActiveItem::itemid() const {
  // FNV-1a, cut to 48 bits so that every JSON reader keeps it exact, and never 0.
  uint64_t hash = 14695981039346656037ull;
  for (const char c : key) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  hash &= (uint64_t{1} << 48) - 1;
  return hash == 0 ? 1 : hash;
}

std::string activeChecksResponse(const std::vector<ActiveItem>& items) {
  json data = json::array();
  for (const auto& item : items) {
    data.push_back({{"key", item.key},
                    {"key_orig", item.key},
                    {"itemid", item.itemid()},
                    {"delay", std::to_string(item.delay_seconds)},
                    {"lastlogsize", 0},
                    {"mtime", 0}});
  }
  return json{{"response", "success"}, {"data", std::move(data)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

Result<ProcessedInfo> parseProcessedResponse(std::string_view payload) {
  const json root = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return Error{"the answer is not a JSON object"};
  }
  const auto response = stringMember(root, "response");
  const std::string info = stringMember(root, "info").value_or("");
  if (!response) {
    return Error{"the answer names no \"response\""};
  }
  if (*response != "success") {
    return Error{"the server answered \"" + response->substr(0, 64) + "\"" +
                 (info.empty() ? "" : ": " + info.substr(0, 200))};
  }
  ProcessedInfo counts;
  static const std::regex kInfo(R"(processed: (\d+); failed: (\d+); total: (\d+))");
  std::smatch match;
  if (!std::regex_search(info, match, kInfo)) {
    return Error{"the answer's info is not \"processed: N; failed: N; total: N\": " +
                 info.substr(0, 200)};
  }
  uint64_t* fields[] = {&counts.processed, &counts.failed, &counts.total};
  for (size_t i = 0; i < 3; ++i) {
    const std::string digits = match[i + 1].str();
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), *fields[i]);
    if (error != std::errc()) {
      return Error{"the answer's info holds a count out of range: " + info.substr(0, 200)};
    }
  }
  return counts;
}

}  // namespace bsm::plugins::zabbix
