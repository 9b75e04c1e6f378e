#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bsm::bench {

// The size of the fleet and of the model to generate.
struct FleetShape {
  size_t hosts = 1'000;
  size_t checks_per_host = 100;
  size_t services = 10'000;  // 80% pools, 18% tiers, 2% applications and business services
  uint64_t seed = 1;
};

// A fleet of hosts grouped in clusters of ten, each host running the same checks, and a service
// model over it as an operator might write one: pools of a check on one cluster at the bottom,
// two tiers of grouping services, applications, and a few business services at the top.
struct BenchModel {
  std::string text;  // the model, one YAML file
  std::vector<std::string> hosts;
  std::vector<std::string> checks;  // the check names every host runs
  size_t pools = 0;                 // leaf services: components only
  size_t tiers = 0;                 // two layers of services over pools and each other
  size_t applications = 0;          // over tiers
  size_t business = 0;              // over applications; nothing depends on them
  size_t selectors = 0;
  size_t glob_selectors = 0;  // selectors whose check name is a glob
  size_t edges = 0;           // depends_on entries
};

// Deterministic for a given shape: the same seed gives the same text.
BenchModel generateModel(const FleetShape& shape);

// Applications and business services: the 2% at the top that a change "reaches the top" of.
bool isTopService(std::string_view name);

}  // namespace bsm::bench
