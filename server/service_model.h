#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/impact.h"
#include "server/rule.h"
#include "server/selector.h"
#include "server/sla_policy.h"

namespace bsm {
class ConfigFile;
}

namespace bsm::server {

// How a service counts its children's UNKNOWN, acknowledged problems and maintenance (`count:` in
// the model). By default UNKNOWN counts as itself; a service can say it means CRITICAL (a check
// that cannot run is a failure), OK, WARNING, or that it takes no part (shown but not counted).
struct ChildCounting {
  std::optional<CheckState> unknown_as;
  bool ignore_unknown = false;
  // `maintenance: ok`: a child in maintenance counts as OK, so planned work below never shows
  // in this service's state. By default it counts as it is and the service is flagged as in
  // maintenance instead (when all its trouble is covered).
  bool maintenance_as_ok = false;
  // `acknowledged:` what an acknowledged problem counts as (ok, warning...), or ignore; by
  // default it counts as it is.
  std::optional<CheckState> acknowledged_as;
  bool ignore_acknowledged = false;
};

struct Dependency {
  std::string service;
  Impact impact = Impact::normal();
  int64_t weight = StateCounts::kWeightUnit;  // for weighted rules
  std::string where;                          // FILE:LINE:COLUMN of the entry
};

// One service as the model defines it.
struct ServiceDef {
  std::string name;
  std::string description;
  int criticality = 3;  // 1 is the most important to the business
  std::optional<SlaPolicy> sla;
  Rule rule = Rule::worst();
  ChildCounting counting;
  std::vector<Dependency> depends_on;
  std::vector<Selector> components;
  std::string where;  // FILE:LINE:COLUMN of the service's name
};

// Everything that defines the service, as one text: two definitions that give the same text
// behave the same (bsmctl model diff compares them).
std::string describeDefinition(const ServiceDef& def);

// The business services, read from one or more YAML files and checked as a whole: names are
// unique across files, every dependency exists and there is no cycle. A model that exists has
// passed all of that, so the engine never meets a half-valid one.
class ServiceModel {
 public:
  // Every file matched by the globs (glob(3)), in name order per glob. Throws ConfigError with
  // FILE:LINE:COLUMN for any mistake; a glob that matches nothing is a mistake too, since a
  // typo in a path would otherwise start a server that watches nothing.
  static ServiceModel load(const std::vector<std::string>& globs);

  // One model text that did not come from a file (tests, `bsmctl model validate` of a
  // request body); `name` stands in for the file name in errors.
  static ServiceModel parse(const std::string& text, const std::string& name);

  // Already parsed files, checked as one model.
  static ServiceModel fromFiles(const std::vector<ConfigFile>& files);

  ServiceModel() = default;

  // In the order the files define them.
  const std::vector<ServiceDef>& services() const { return services_; }
  const ServiceDef* find(const std::string& name) const;
  // Index into services(), or npos.
  size_t indexOf(const std::string& name) const;
  static constexpr size_t npos = static_cast<size_t>(-1);

  // The files the model was read from, for logs and the API.
  const std::vector<std::string>& files() const { return files_; }

 private:
  void validate() const;

  std::vector<ServiceDef> services_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<std::string> files_;
};

}  // namespace bsm::server
