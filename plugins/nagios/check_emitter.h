#pragma once

#include <string>

#include "common/check_state.h"
#include "plugins/input.h"
#include "plugins/nagios/plugin_output.h"

namespace bsm::plugins::nagios {

// What one run of a Nagios-style check produced, wherever it ran (a local plugin, an NRPE
// daemon, a Nagios server's perfdata file).
struct CheckRun {
  std::string host;   // the host the check speaks for
  std::string check;  // the check's name: the component selectors match on it
  CheckState state = CheckState::kUnknown;
  std::string output;  // whole standard output, or the reason there is none
  std::string note;    // bsm's own remark, e.g. "exit status 255 out of range"
  int64_t ts_ms = 0;
};

// Emits the check result (state, first line, long output) and one sample per perfdata value,
// named by the perfdata label with the label check=<check name>. Perfdata items that cannot
// be parsed are skipped, and so are "U" values; each problem is logged with the check's name
// (at most 20 lines a minute across all checks, as the same plugin repeats it every run).
void emitCheckRun(const CheckRun& run, Emitter& out);

}  // namespace bsm::plugins::nagios
