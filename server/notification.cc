#include "server/notification.h"

namespace bsm::server {

const char* toString(Notification::Kind kind) {
  switch (kind) {
    case Notification::Kind::kStateChange:
      return "state_change";
    case Notification::Kind::kNewCause:
      return "new_cause";
    case Notification::Kind::kBurnRate:
      return "burn_rate";
  }
  return "state_change";
}

}  // namespace bsm::server
