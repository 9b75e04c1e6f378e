#include "server/service_model.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "common/config_file.h"

namespace bsm::server {

namespace {

constexpr size_t kMaxServiceName = 128;
constexpr int64_t kMaxCriticality = 100;

// Service names end up in URLs (/api/v1/services/NAME), metric labels and Nagios service
// descriptions, so they keep to characters that need no escaping in any of them.
bool validServiceName(const std::string& name) {
  if (name.empty() || name.size() > kMaxServiceName ||
      !std::isalnum(static_cast<unsigned char>(name.front()))) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

constexpr const char* kRuleForms =
    "worst, best, {at_least: N or \"P%\"}, {ok_at_least: N, warn_at_least: M}, {exactly: N} or "
    "{weighted: {warning: \"W%\", critical: \"C%\"}}";

// A number of children (2) or a share of them ("50%").
ChildCount parseChildCount(const ConfigFile& file, const YAML::Node& node,
                           const std::string& context) {
  const std::string text = file.asString(node, context);
  if (!text.empty() && text.back() == '%') {
    char* end = nullptr;
    const std::string digits = text.substr(0, text.size() - 1);
    const double p = std::strtod(digits.c_str(), &end);
    if (digits.empty() || *end != '\0' || !(p > 0 && p <= 100)) {
      file.fail(node, context + " '" + text + "' must be a share above 0% and at most 100%");
    }
    return ChildCount::percent(p);
  }
  char* end = nullptr;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n < 1 || n > 1'000'000'000) {
    file.fail(node, context + " '" + text +
                        "' must be a whole number of 1 or more, or a share "
                        "such as \"50%\"");
  }
  return ChildCount::exact(n);
}

// A share in percent, written 25, 25% or "25%".
double parseShare(const ConfigFile& file, const YAML::Node& node, const std::string& context) {
  std::string text = file.asString(node, context);
  if (!text.empty() && text.back() == '%') {
    text.pop_back();
  }
  char* end = nullptr;
  const double p = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(p > 0 && p <= 100)) {
    file.fail(node, context + " must be a share above 0% and at most 100%");
  }
  return p;
}

Rule parseRule(const ConfigFile& file, const YAML::Node& node, const std::string& service) {
  const std::string context = "service '" + service + "': rule";
  if (node.IsScalar()) {
    const std::string& word = node.Scalar();
    if (word == "worst") {
      return Rule::worst();
    }
    if (word == "best") {
      return Rule::best();
    }
    if (word == "weighted") {
      file.fail(node, context +
                          " 'weighted' needs its thresholds: write {weighted: {warning: \"25%\", "
                          "critical: \"50%\"}} and give children a weight");
    }
    if (word == "at_least" || word == "percent" || word == "exactly") {
      file.fail(node, context + " '" + word + "' needs a number: write {" + word + ": N}");
    }
    file.fail(node, context + " '" + word + "' is not a rule; use " + kRuleForms);
  }
  if (!node.IsMap() || node.size() == 0) {
    file.fail(node, context + " must be " + kRuleForms);
  }
  if (node["ok_at_least"] || node["warn_at_least"]) {
    file.rejectUnknownKeys(node, {"ok_at_least", "warn_at_least"}, context);
    if (!node["ok_at_least"] || !node["warn_at_least"]) {
      file.fail(node, context +
                          " needs both ok_at_least (OK children for OK) and warn_at_least "
                          "(available children below which it is CRITICAL)");
    }
    const ChildCount ok = parseChildCount(file, node["ok_at_least"], context + " ok_at_least");
    const ChildCount warn =
        parseChildCount(file, node["warn_at_least"], context + " warn_at_least");
    if (ok.isPercent() == warn.isPercent() && warn.resolve(100) > ok.resolve(100)) {
      file.fail(node["warn_at_least"],
                context +
                    " warn_at_least must not be above ok_at_least: WARNING means fewer OK "
                    "children than OK needs but still enough to serve");
    }
    return Rule::levels(ok, warn);
  }
  if (node.size() != 1) {
    file.fail(node, context + " must be " + kRuleForms);
  }
  const auto entry = *node.begin();
  const std::string kind = entry.first.Scalar();
  if (kind == "at_least") {
    return Rule::atLeast(parseChildCount(file, entry.second, context + " at_least"));
  }
  if (kind == "percent") {
    const double p = file.getNumber(node, "percent", 0);
    if (!(p > 0 && p <= 100)) {
      file.fail(entry.second, context + " {percent: P} needs P above 0 and at most 100");
    }
    return Rule::atLeast(ChildCount::percent(p));
  }
  if (kind == "exactly") {
    const int64_t n = file.getInteger(node, "exactly", 0);
    if (n < 1) {
      file.fail(entry.second, context + " {exactly: N} needs N of 1 or more");
    }
    return Rule::exactly(n);
  }
  if (kind == "weighted") {
    const YAML::Node& shares = entry.second;
    file.requireMap(shares, context + " weighted");
    file.rejectUnknownKeys(shares, {"warning", "critical"}, context + " weighted");
    if (!shares["warning"] || !shares["critical"]) {
      file.fail(shares, context +
                            " weighted needs warning and critical shares, e.g. "
                            "{warning: \"25%\", critical: \"50%\"}");
    }
    const double warning = parseShare(file, shares["warning"], context + " weighted warning");
    const double critical = parseShare(file, shares["critical"], context + " weighted critical");
    if (warning > critical) {
      file.fail(shares["warning"],
                context + " weighted warning share must not be above the critical share");
    }
    return Rule::weighted(warning, critical);
  }
  file.fail(entry.first, context + " '" + kind + "' is not a rule; use " + kRuleForms);
}

// `impact:` of a depends_on entry or a component: normal, warning (a cap), increase, decrease,
// ignore, or {set: STATE}.
Impact parseImpact(const ConfigFile& file, const YAML::Node& node, const std::string& context) {
  constexpr const char* kForms =
      "normal, warning, increase, decrease, ignore or {set: ok|warning|critical|unknown}";
  if (node.IsMap()) {
    file.rejectUnknownKeys(node, {"set"}, context + " impact");
    if (!node["set"]) {
      file.fail(node, context + " impact must be " + kForms);
    }
    const std::string word = file.asString(node["set"], context + " impact set");
    const std::optional<CheckState> state = parseCheckStateAnyCase(word);
    if (!state) {
      file.fail(node["set"], context + " impact set '" + word +
                                 "' is not a state; use ok, warning, critical or unknown");
    }
    return Impact::set(*state);
  }
  const std::string word = file.asString(node, context + " impact");
  if (word == "normal") {
    return Impact::normal();
  }
  if (word == "warning") {
    return Impact::cap(CheckState::kWarning);
  }
  if (word == "increase") {
    return Impact::increase();
  }
  if (word == "decrease") {
    return Impact::decrease();
  }
  if (word == "ignore") {
    return Impact::ignore();
  }
  file.fail(node, context + " impact '" + word + "' is not one of " + kForms);
}

// `weight:` of a depends_on entry or a component, for weighted rules, in StateCounts units.
int64_t parseWeight(const ConfigFile& file, const YAML::Node& map, const std::string& context) {
  if (!map["weight"]) {
    return StateCounts::kWeightUnit;
  }
  const double weight = file.getNumber(map, "weight", 1);
  if (!(weight >= 0.001 && weight <= 1'000'000)) {
    file.fail(map["weight"], context + " weight must be between 0.001 and 1000000");
  }
  return static_cast<int64_t>(std::llround(weight * StateCounts::kWeightUnit));
}

// `count:` of a service: how its children's UNKNOWN counts.
ChildCounting parseCounting(const ConfigFile& file, const YAML::Node& node,
                            const std::string& service) {
  const std::string context = "service '" + service + "': count";
  file.requireMap(node, context);
  file.rejectUnknownKeys(node, {"unknown", "acknowledged", "maintenance"}, context);
  ChildCounting counting;
  if (const YAML::Node acknowledged = node["acknowledged"]) {
    const std::string word = file.asString(acknowledged, context + " acknowledged");
    if (word == "ignore") {
      counting.ignore_acknowledged = true;
    } else if (word != "as_is") {
      const std::optional<CheckState> state = parseCheckStateAnyCase(word);
      if (!state) {
        file.fail(acknowledged, context + " acknowledged '" + word +
                                    "' must be as_is, ok, warning, critical, unknown or ignore");
      }
      counting.acknowledged_as = *state;
    }
  }
  if (const YAML::Node maintenance = node["maintenance"]) {
    const std::string word = file.asString(maintenance, context + " maintenance");
    if (word != "as_is" && word != "ok") {
      file.fail(maintenance, context + " maintenance '" + word + "' must be as_is or ok");
    }
    counting.maintenance_as_ok = word == "ok";
  }
  if (const YAML::Node unknown = node["unknown"]) {
    const std::string word = file.asString(unknown, context + " unknown");
    if (word == "ignore") {
      counting.ignore_unknown = true;
    } else if (word != "unknown") {
      const std::optional<CheckState> state = parseCheckStateAnyCase(word);
      if (!state) {
        file.fail(unknown, context + " unknown '" + word +
                               "' must be unknown, ok, warning, critical or ignore");
      }
      counting.unknown_as = *state;
    }
  }
  return counting;
}

std::vector<Dependency> parseDependencies(const ConfigFile& file, const YAML::Node& node,
                                          const std::string& service) {
  const std::string context = "service '" + service + "': depends_on";
  file.requireSequence(node, context);
  std::vector<Dependency> out;
  std::set<std::string> seen;
  for (const auto& entry : node) {
    Dependency dependency;
    dependency.where = file.where(entry);
    if (entry.IsMap()) {
      file.rejectUnknownKeys(entry, {"service", "impact", "weight"}, context + " entry");
      dependency.service = file.getString(entry, "service");
      if (entry["impact"]) {
        dependency.impact = parseImpact(file, entry["impact"], context);
      }
      dependency.weight = parseWeight(file, entry, context);
    } else {
      dependency.service = file.asString(entry, context + " entry");
    }
    if (!seen.insert(dependency.service).second) {
      file.fail(entry, context + " lists '" + dependency.service + "' twice");
    }
    out.push_back(std::move(dependency));
  }
  return out;
}

std::optional<Threshold> parseThreshold(const ConfigFile& file, const YAML::Node& selector,
                                        const std::string& key, const std::string& context) {
  const auto text = file.getOptionalString(selector, key);
  if (!text) {
    return std::nullopt;
  }
  auto parsed = Threshold::parse(*text);
  if (!parsed) {
    file.fail(selector[key], context + " " + key + ": " + parsed.error().message);
  }
  return *parsed;
}

Selector parseSelector(const ConfigFile& file, const YAML::Node& node, const std::string& service) {
  const std::string context = "service '" + service + "': component";
  file.requireMap(node, context);
  file.rejectUnknownKeys(
      node,
      {"host", "metric", "check", "labels", "warn", "crit", "stale_after", "impact", "weight"},
      context);
  Selector selector;
  selector.where = file.where(node);
  selector.host = Glob(file.getOptionalString(node, "host").value_or("*"));
  const auto metric = file.getOptionalString(node, "metric");
  const auto check = file.getOptionalString(node, "check");
  if (metric.has_value() == check.has_value()) {
    file.fail(node, context + " needs exactly one of metric: NAME or check: NAME");
  }
  selector.kind = metric ? SeriesKind::kMetric : SeriesKind::kCheck;
  selector.name = Glob(metric ? *metric : *check, Glob::Brackets::kLiteral);

  if (const YAML::Node labels = node["labels"]) {
    file.requireMap(labels, context + " labels");
    for (const auto& label : labels) {
      selector.labels.emplace(file.asString(label.first, context + " label name"),
                              Glob(file.asString(label.second, context + " label value")));
    }
  }

  selector.warn = parseThreshold(file, node, "warn", context);
  selector.crit = parseThreshold(file, node, "crit", context);
  if (check && (selector.warn || selector.crit)) {
    file.fail(node["warn"] ? node["warn"] : node["crit"],
              context + " warn and crit apply to metrics; a check brings its own state");
  }
  if (node["impact"]) {
    selector.impact = parseImpact(file, node["impact"], context);
  }
  selector.weight = parseWeight(file, node, context);
  if (node["stale_after"]) {
    selector.stale_after = file.getDuration(node, "stale_after", std::chrono::milliseconds(0));
    if (selector.stale_after->count() <= 0) {
      file.fail(node["stale_after"], context + " stale_after must be longer than zero");
    }
  }
  return selector;
}

ServiceDef parseService(const ConfigFile& file, const YAML::Node& key, const YAML::Node& body) {
  ServiceDef def;
  def.name = file.asString(key, "a service name");
  def.where = file.where(key);
  if (!validServiceName(def.name)) {
    file.fail(key, "service name '" + def.name +
                       "' must start with a letter or digit and hold only letters, digits, "
                       "'-', '_' and '.' (at most 128)");
  }
  const std::string context = "service '" + def.name + "'";
  file.requireMap(body, context);
  file.rejectUnknownKeys(
      body, {"description", "criticality", "sla", "rule", "count", "depends_on", "components"},
      context);

  def.description = file.getOptionalString(body, "description").value_or("");
  const int64_t criticality = file.getInteger(body, "criticality", def.criticality);
  if (criticality < 1 || criticality > kMaxCriticality) {
    file.fail(body["criticality"], context +
                                       ": criticality must be between 1 (most important) "
                                       "and " +
                                       std::to_string(kMaxCriticality));
  }
  def.criticality = static_cast<int>(criticality);
  if (const YAML::Node sla = body["sla"]) {
    def.sla = SlaPolicy::parse(file, sla, def.name);
  }
  if (const YAML::Node rule = body["rule"]) {
    def.rule = parseRule(file, rule, def.name);
  }
  if (const YAML::Node count = body["count"]) {
    def.counting = parseCounting(file, count, def.name);
  }
  if (const YAML::Node depends_on = body["depends_on"]) {
    def.depends_on = parseDependencies(file, depends_on, def.name);
  }
  if (const YAML::Node components = body["components"]) {
    file.requireSequence(components, context + ": components");
    for (const auto& selector : components) {
      def.components.push_back(parseSelector(file, selector, def.name));
    }
  }
  return def;
}

void parseFile(const ConfigFile& file, std::vector<ServiceDef>& out) {
  const YAML::Node& root = file.root();
  file.requireMap(root, "a service model file");
  file.rejectUnknownKeys(root, {"services"}, "a service model file");
  const YAML::Node services = root["services"];
  if (!services) {
    file.fail(root, "missing required key 'services' (a mapping of service names to services)");
  }
  if (services.IsNull()) {
    return;  // "services:" with nothing under it: a file kept as a placeholder.
  }
  file.requireMap(services, "services");
  for (const auto& entry : services) {
    out.push_back(parseService(file, entry.first, entry.second));
  }
}

// yaml-cpp reports `warn: > 4` as a broken block scalar, which says nothing about the cause.
bool looksLikeUnquotedThreshold(const std::string& text) {
  static const std::regex pattern(R"((warn|crit)\s*:\s*[<>!=])");
  return std::regex_search(text, pattern);
}

ConfigFile parseModelText(const std::string& text, const std::string& name) {
  try {
    return ConfigFile::parse(text, name);
  } catch (const ConfigError& e) {
    if (looksLikeUnquotedThreshold(text)) {
      throw ConfigError(std::string(e.what()) +
                        " (hint: quote thresholds, e.g. warn: \"> 4\"; YAML reads a bare > or < "
                        "as the start of a text block)");
    }
    throw;
  }
}

ConfigFile loadModelFile(const std::string& path) {
  if (std::filesystem::is_directory(path)) {
    throw ConfigError(path + ": is a folder, not a service model file");
  }
  std::ifstream in(path);
  if (!in) {
    throw ConfigError(path + ": cannot read the file");
  }
  std::stringstream text;
  text << in.rdbuf();
  return parseModelText(text.str(), path);
}

std::vector<std::string> expandGlob(const std::string& pattern) {
  glob_t matches{};
  // Without GLOB_ERR: a folder that does not exist is the common typo, and it should read as
  // "matches no file" rather than as a read error.
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
  std::vector<std::string> paths;
  if (rc == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) {
      paths.emplace_back(matches.gl_pathv[i]);
    }
  }
  globfree(&matches);
  if (rc == GLOB_NOMATCH) {
    throw ConfigError("models: '" + pattern +
                      "' matches no file (or a folder on its way cannot be read)");
  }
  if (rc != 0) {
    throw ConfigError("models: cannot expand '" + pattern + "' (out of memory)");
  }
  return paths;
}

}  // namespace

std::string describeDefinition(const ServiceDef& def) {
  std::string text = "description: " + def.description +
                     "\ncriticality: " + std::to_string(def.criticality) +
                     "\nrule: " + def.rule.describe() + "\ncount unknown: ";
  if (def.counting.ignore_unknown) {
    text += "ignore";
  } else {
    text += def.counting.unknown_as ? std::string(toString(*def.counting.unknown_as)) : "unknown";
  }
  text += def.counting.maintenance_as_ok ? "\ncount maintenance: ok" : "";
  if (def.counting.ignore_acknowledged) {
    text += "\ncount acknowledged: ignore";
  } else if (def.counting.acknowledged_as) {
    text += "\ncount acknowledged: " + std::string(toString(*def.counting.acknowledged_as));
  }
  if (def.sla) {
    const SlaPolicy& sla = *def.sla;
    text += fmt::format("\nsla: {} over {} in {}, unknown {}", sla.objective, sla.window.text,
                        sla.time_zone, toString(sla.unknown));
    for (const BusinessHours& hours : sla.business_hours) {
      std::string days;
      for (const bool on : hours.days) {
        days += on ? '1' : '0';
      }
      text += fmt::format("\nsla hours: {} {}-{}", days, hours.from_minute, hours.to_minute);
    }
    for (const ExcludedPeriod& period : sla.exclude) {
      text += fmt::format("\nsla exclude: {}-{} {}", period.span.from_ms, period.span.to_ms,
                          period.reason);
    }
    for (const BurnAlert& alert : sla.burn_alerts) {
      text += fmt::format("\nsla alert: {} {}/{} at {}", alert.name, alert.long_window.count(),
                          alert.short_window.count(), alert.rate);
    }
  }
  for (const auto& dependency : def.depends_on) {
    text += "\ndepends_on: " + dependency.service + " impact " + dependency.impact.describe() +
            " weight " + std::to_string(dependency.weight);
  }
  for (const auto& selector : def.components) {
    text += "\ncomponent: " + selector.describe();
  }
  return text;
}

ServiceModel ServiceModel::load(const std::vector<std::string>& globs) {
  std::vector<ConfigFile> files;
  std::set<std::string> seen;
  for (const auto& pattern : globs) {
    for (const auto& path : expandGlob(pattern)) {
      // Two globs may well cover the same file ("*.yaml" and "shop.yaml"); reading it once
      // keeps that from looking like every service defined twice.
      if (seen.insert(std::filesystem::weakly_canonical(path).string()).second) {
        files.push_back(loadModelFile(path));
      }
    }
  }
  return fromFiles(files);
}

ServiceModel ServiceModel::parse(const std::string& text, const std::string& name) {
  return fromFiles({parseModelText(text, name)});
}

ServiceModel ServiceModel::fromFiles(const std::vector<ConfigFile>& files) {
  ServiceModel model;
  for (const auto& file : files) {
    model.files_.push_back(file.path());
    std::vector<ServiceDef> defs;
    parseFile(file, defs);
    for (auto& def : defs) {
      const auto [it, inserted] = model.index_.emplace(def.name, model.services_.size());
      if (!inserted) {
        throw ConfigError(def.where + ": service '" + def.name + "' is already defined at " +
                          model.services_[it->second].where);
      }
      model.services_.push_back(std::move(def));
    }
  }
  model.validate();
  return model;
}

void ServiceModel::validate() const {
  for (const auto& def : services_) {
    for (const auto& dependency : def.depends_on) {
      if (index_.find(dependency.service) == index_.end()) {
        throw ConfigError(dependency.where + ": service '" + def.name + "' depends on '" +
                          dependency.service + "', which no model file defines");
      }
    }
  }

  // Depth-first search over depends_on edges; meeting a service that is still on the path
  // means the path from it to here is a cycle.
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> marks(services_.size(), Mark::kNew);
  std::vector<size_t> path;
  std::function<void(size_t)> visit = [&](size_t at) {
    marks[at] = Mark::kOnPath;
    path.push_back(at);
    for (const auto& dependency : services_[at].depends_on) {
      const size_t next = index_.at(dependency.service);
      if (marks[next] == Mark::kOnPath) {
        std::string cycle;
        for (auto it = std::find(path.begin(), path.end(), next); it != path.end(); ++it) {
          cycle += services_[*it].name + " -> ";
        }
        throw ConfigError(dependency.where + ": dependency cycle: " + cycle + services_[next].name);
      }
      if (marks[next] == Mark::kNew) {
        visit(next);
      }
    }
    path.pop_back();
    marks[at] = Mark::kDone;
  };
  for (size_t i = 0; i < services_.size(); ++i) {
    if (marks[i] == Mark::kNew) {
      visit(i);
    }
  }
}

const ServiceDef* ServiceModel::find(const std::string& name) const {
  const size_t index = indexOf(name);
  return index == npos ? nullptr : &services_[index];
}

size_t ServiceModel::indexOf(const std::string& name) const {
  const auto found = index_.find(name);
  return found == index_.end() ? npos : found->second;
}

}  // namespace bsm::server
