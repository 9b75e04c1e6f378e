#include "tools/service_check.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

namespace bsm::tools {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::array<CheckState, 4> kStates = {CheckState::kOk, CheckState::kWarning,
                                               CheckState::kCritical, CheckState::kUnknown};

// One line of plugin output from text a peer wrote: Nagios ends the short output at a newline
// and starts perfdata at the first '|', so neither may pass; cut at a character boundary.
std::string outputLine(std::string_view text, size_t max_bytes = ServiceCheck::kMaxLineBytes) {
  std::string line;
  line.reserve(std::min(text.size(), max_bytes));
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '|') {
      line += '/';
    } else if (byte < 0x20 || byte == 0x7f) {
      line += ' ';
    } else {
      line += c;
    }
  }
  const size_t first = line.find_first_not_of(' ');
  if (first == std::string::npos) {
    return "";
  }
  line.erase(0, first);
  line.erase(line.find_last_not_of(' ') + 1);

  if (line.size() > max_bytes) {
    size_t cut = max_bytes;
    // Back up over UTF-8 continuation bytes (10xxxxxx) so that no character is split.
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    line.resize(cut);
    line += "...";
  }
  return line;
}

// A string field, "" when it is missing or not a string: the server's answer is read
// leniently, and only the state is required.
std::string stringField(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) {
    return "";
  }
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The state named in `object`; UNKNOWN for an entry without a valid one, since nobody can
// vouch for it.
CheckState stateField(const nlohmann::json& object) {
  return parseCheckState(stringField(object, "state")).value_or(CheckState::kUnknown);
}

std::string firstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// "check_pgsql" or "system.fs.used_percent{mount=/}".
std::string componentName(const nlohmann::json& component) {
  std::string name = component.contains("check") ? stringField(component, "check")
                                                 : stringField(component, "metric");
  const auto labels = component.find("labels");
  if (labels != component.end() && labels->is_object() && !labels->empty()) {
    std::string text;
    for (const auto& [key, value] : labels->items()) {
      text += text.empty() ? "" : ",";
      text += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
    }
    name += "{" + text + "}";
  }
  return name;
}

// One not-OK component or child service, ranked for the long output.
struct Problem {
  int rank = 0;          // severity of its effect on the service; -1 when it has none
  int own_severity = 0;  // severity of its own state
  std::string line;
};

Problem componentProblem(const nlohmann::json& component, CheckState state) {
  std::string why = stringField(component, "reason");
  if (why.empty()) {
    why = firstLine(stringField(component, "output"));
  }
  std::string line = fmt::format("{} {} {}", stringField(component, "host"),
                                 componentName(component), toString(state));
  if (!why.empty()) {
    line += ": " + why;
  }
  return {severity(state), severity(state), outputLine(line)};
}

Problem childProblem(const nlohmann::json& child, CheckState state) {
  const std::string impact = stringField(child, "impact");
  std::string line = fmt::format("service {} {}", stringField(child, "name"), toString(state));
  int rank = severity(state);
  if (impact == "ignore") {
    line += ", ignored (impact: ignore)";
    rank = -1;
  } else if (impact == "warning" && severity(state) > severity(CheckState::kWarning)) {
    line += ", counted as WARNING (impact: warning)";
    rank = severity(CheckState::kWarning);
  }
  return {rank, severity(state), outputLine(line)};
}

// "99.95": percentages to four decimals, as a plain decimal that every perfdata parser reads,
// without trailing zeros.
std::string perfNumber(double value) {
  std::string text = fmt::format("{:.4f}", value);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') {
    text.pop_back();
  }
  return text == "-0" ? "0" : text;
}

std::optional<double> finiteNumber(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) {
    return std::nullopt;
  }
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) {
    return std::nullopt;
  }
  const double value = it->get<double>();
  return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
}

// Per-state counts as perfdata: every state always, so that graphs see the same labels on
// every run.
std::string countsPerfdata(const char* prefix, const std::array<int, 4>& counts) {
  std::string text;
  for (const CheckState state : kStates) {
    std::string label = fmt::format("{}_{}", prefix, toString(state));
    std::transform(label.begin(), label.end(), label.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    text += fmt::format(" {}={};;;0", label, counts[static_cast<size_t>(state)]);
  }
  return text;
}

std::string showSeconds(std::chrono::milliseconds duration) {
  return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0);
}

}  // namespace

std::string PluginOutput::render() const {
  std::string out = fmt::format("BSM {}", toString(state));
  const std::string shown_service = outputLine(service);
  const std::string shown_summary = outputLine(summary);
  if (!shown_service.empty() || !shown_summary.empty()) {
    out += " - " + shown_service;
    if (!shown_service.empty() && !shown_summary.empty()) {
      out += ": ";
    }
    out += shown_summary;
  }
  if (!perfdata.empty()) {
    out += " | " + perfdata;
  }
  out += '\n';
  for (const std::string& line : details) {
    out += outputLine(line) + '\n';
  }
  return out;
}

std::string PluginOutput::renderZabbix() const {
  return fmt::format("{}\n", exitCode());
}

PluginOutput ServiceCheck::unknown(const std::string& name, const std::string& why) {
  PluginOutput output;
  output.state = CheckState::kUnknown;
  output.service = name;
  output.summary = why;
  return output;
}

PluginOutput ServiceCheck::timedOut(const std::string& name, const std::string& url,
                                    std::chrono::milliseconds timeout) {
  return unknown(name, fmt::format("no answer from bsm-server at {} within the timeout of {}", url,
                                   showSeconds(timeout)));
}

PluginOutput ServiceCheck::evaluate(const std::string& name, const nlohmann::json& service,
                                    const SlaLookup& sla, bool verbose) {
  const std::optional<CheckState> state = parseCheckState(stringField(service, "state"));
  if (!state) {
    return unknown(name, "bsm-server's answer is not a service's state (no valid \"state\")");
  }

  PluginOutput output;
  output.state = *state;
  output.service = name;
  output.summary = stringField(service, "reason");

  std::vector<Problem> problems;
  std::array<int, 4> component_counts{};
  std::array<int, 4> child_counts{};
  const auto components = service.find("components");
  if (components != service.end() && components->is_array()) {
    for (const nlohmann::json& component : *components) {
      const CheckState component_state = stateField(component);
      ++component_counts[static_cast<size_t>(component_state)];
      if (component_state != CheckState::kOk) {
        problems.push_back(componentProblem(component, component_state));
      }
    }
  }
  const auto children = service.find("children");
  if (children != service.end() && children->is_array()) {
    for (const nlohmann::json& child : *children) {
      const CheckState child_state = stateField(child);
      ++child_counts[static_cast<size_t>(child_state)];
      if (child_state != CheckState::kOk) {
        problems.push_back(childProblem(child, child_state));
      }
    }
  }

  // Worst effect on the service first; stable, so that equals keep the server's order
  // (components before child services).
  std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.rank, a.own_severity) > std::tie(b.rank, b.own_severity);
  });
  for (size_t i = 0; i < problems.size() && i < kMaxDetailLines; ++i) {
    output.details.push_back(problems[i].line);
  }
  if (problems.size() > kMaxDetailLines) {
    output.details.push_back(
        fmt::format("... and {} more not OK", problems.size() - kMaxDetailLines));
  }

  std::string perfdata;
  const std::optional<double> availability =
      sla.answer ? finiteNumber(*sla.answer, "availability") : std::nullopt;
  if (availability) {
    perfdata += fmt::format(" availability={}%;;;0;100", perfNumber(*availability));
    // The budget goes below zero once it is overspent, so it has no minimum.
    if (const auto budget = finiteNumber(*sla.answer, "error_budget_remaining")) {
      perfdata += fmt::format(" error_budget_remaining={}%;;;;100", perfNumber(*budget));
    }
  } else if (verbose) {
    output.details.push_back(
        "availability not reported: " +
        (sla.answer ? std::string("the SLA answer holds no availability") : sla.problem));
  }
  perfdata += countsPerfdata("components", component_counts);
  perfdata += countsPerfdata("children", child_counts);
  output.perfdata = perfdata.substr(1);
  return output;
}

PluginOutput ServiceCheck::run(ApiClient& client, const Options& options) {
  const Clock::time_point deadline = Clock::now() + options.timeout;
  const std::string path = "/api/v1/services/" + encodePathSegment(options.service);

  client.setTimeouts(options.timeout, options.timeout);
  Result<nlohmann::json> service = client.get(path);
  if (!service) {
    // cpp-httplib names a read timeout only as a failed read; say plainly that time ran out.
    if (Clock::now() >= deadline - std::chrono::milliseconds(50)) {
      return timedOut(options.service, client.url(), options.timeout);
    }
    return unknown(options.service, service.error().message);
  }
  if (!service->is_object()) {
    return unknown(options.service, fmt::format("unexpected answer from bsm-server at {}: not a "
                                                "JSON object",
                                                client.url()));
  }

  // The state is known now; the SLA only adds perfdata, so it gets what is left of the timeout
  // and its failure never changes the state.
  SlaLookup sla;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left < kMinSlaBudget) {
    sla.problem = fmt::format("not asked, only {} ms of the timeout were left", left.count());
  } else {
    client.setTimeouts(left, left);
    Result<nlohmann::json> answer = client.get(path + "/sla");
    if (answer) {
      sla.answer = std::move(*answer);
    } else {
      // TODO: ApiClient reports a 404 only as text, so an SLA endpoint the server lacks (404,
      // expected until it is implemented) cannot be told from one that fails; both leave the
      // availability out, and only --verbose says why.
      sla.problem = answer.error().message;
    }
  }
  return evaluate(options.service, *service, sla, options.verbose);
}

}  // namespace bsm::tools
