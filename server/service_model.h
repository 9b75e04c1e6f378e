#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/rule.h"
#include "server/selector.h"
#include "server/sla_policy.h"

namespace bsm {
class ConfigFile;
}

namespace bsm::server {

// How a child service's state reaches its parent (`impact:` on a depends_on entry).
enum class Impact {
  kNormal,   // as it is
  kWarning,  // capped at WARNING: the parent degrades but never fails because of it
  kIgnore,   // shown with the parent, takes no part in its rule
};

// "normal", "warning" or "ignore".
const char* toString(Impact impact);

struct Dependency {
  std::string service;
  Impact impact = Impact::kNormal;
  std::string where;  // FILE:LINE:COLUMN of the entry
};

// One service as the model defines it.
struct ServiceDef {
  std::string name;
  std::string description;
  int criticality = 3;  // 1 is the most important to the business
  std::optional<SlaPolicy> sla;
  Rule rule = Rule::worst();
  std::vector<Dependency> depends_on;
  std::vector<Selector> components;
  std::string where;  // FILE:LINE:COLUMN of the service's name
};

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
