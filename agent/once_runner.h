#pragma once

#include <ostream>

#include "agent/agent_config.h"

namespace bsm::agent {

// `bsm-agent --once`: runs every polled input one round, in parallel, and prints each value
// as one JSON object a line. Returns the number of inputs that failed.
int runOnce(AgentConfig& config, std::ostream& out);

}  // namespace bsm::agent
