#include "server/state_store.h"

namespace bsm::server {

Result<std::optional<StateChange>> StateStore::serviceStateAt(const std::string& /*service*/,
                                                              int64_t /*at_ms*/) {
  return Error{"this state store cannot answer the state of a service at a time"};
}

Status StateStore::forEachServiceChange(const std::string& /*service*/, int64_t /*from_ms*/,
                                        int64_t /*to_ms*/,
                                        const std::function<void(int64_t, CheckState)>& /*visit*/) {
  return Error{"this state store cannot stream a service's changes"};
}

Result<std::vector<TimeInterval>> StateStore::plannedMaintenance(const std::string& /*service*/,
                                                                 TimeInterval /*span*/) {
  // A store that keeps no maintenance has none to tell.
  return std::vector<TimeInterval>{};
}

Result<std::vector<StateChange>> StateStore::componentStatesAt(const std::string& /*service*/,
                                                               int64_t /*at_ms*/) {
  return Error{"this state store cannot answer component states at a time"};
}

}  // namespace bsm::server
