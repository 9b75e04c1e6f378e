#pragma once

#include <algorithm>
#include <cstdint>

namespace bsm::server {

// How far planned maintenance covers a component or a service. Ordered: a thing covered by
// windows of both kinds is kExcluded.
enum class MaintenanceCover : uint8_t {
  kNone = 0,
  kCounted = 1,   // in a window that still counts against the SLA
  kExcluded = 2,  // in a window whose time is excluded from the SLA (planned downtime)
};

inline MaintenanceCover strongest(MaintenanceCover a, MaintenanceCover b) {
  return std::max(a, b);
}

// "none", "counted", "excluded".
inline const char* toString(MaintenanceCover cover) {
  switch (cover) {
    case MaintenanceCover::kNone:
      return "none";
    case MaintenanceCover::kCounted:
      return "counted";
    case MaintenanceCover::kExcluded:
      return "excluded";
  }
  return "none";
}

}  // namespace bsm::server
