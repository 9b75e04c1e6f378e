#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/check_state.h"
#include "common/result.h"
#include "plugins/nagios/check_emitter.h"

namespace bsm::plugins::nagios {

// The check name under which a host check result is reported: Nagios host checks have no
// service description, and the selector `{host: web-1, check: host}` reads naturally.
inline constexpr std::string_view kHostCheckName = "host";

// One line of a Nagios Core or Icinga 2 perfdata file written in the tab-separated
// `KEY::value` template that PNP4Nagios made the common format:
//
//   DATATYPE::SERVICEPERFDATA<TAB>TIMET::1796324518<TAB>HOSTNAME::web-1<TAB>
//   SERVICEDESC::http<TAB>SERVICESTATE::WARNING<TAB>SERVICEOUTPUT::...<TAB>SERVICEPERFDATA::...
//
// Fields may come in any order; fields bsm does not use (SERVICECHECKCOMMAND, *STATETYPE...)
// are ignored.
struct PerfdataLine {
  enum class Kind { kService, kHost };

  Kind kind = Kind::kService;
  std::string host;     // HOSTNAME, as Nagios names the host
  std::string service;  // SERVICEDESC; empty for host lines
  CheckState state = CheckState::kUnknown;
  int64_t ts_ms = 0;        // TIMET (seconds, Icinga 2 may add a fraction) in milliseconds
  std::string output;       // SERVICEOUTPUT or HOSTOUTPUT; empty when the template lacks it
  std::string long_output;  // LONG*OUTPUT with Nagios' "\n" escapes undone
  std::string perfdata;     // SERVICEPERFDATA or HOSTPERFDATA, as the plugin printed it
};

// Parses one line (without its '\n'; a trailing '\r' is ignored). Fails, saying why, when the
// line has no DATATYPE or an unknown one, no HOSTNAME, no SERVICEDESC on a service line, no
// usable TIMET, or a state that is missing or not one Nagios writes.
//
// States: service lines take SERVICESTATE (OK, WARNING, CRITICAL, UNKNOWN) or, without it,
// SERVICESTATEID (0-3). Host lines take HOSTSTATE or HOSTSTATEID and map them the way
// Nagios' own host check results read: UP (0) -> OK, DOWN (1) -> CRITICAL,
// UNREACHABLE (2) -> UNKNOWN (the host's own state cannot be known behind a failed parent).
Result<PerfdataLine> parsePerfdataLine(std::string_view line);

// The check run one line stands for: check SERVICEDESC (or "host") on host HOSTNAME, and as
// output the text a plugin would have printed, "OUTPUT | PERFDATA\nLONG OUTPUT", which
// parsePluginOutput() takes apart again into text, long text and perfdata values.
CheckRun toCheckRun(const PerfdataLine& line);

// Undoes the escaping Nagios Core applies to long plugin output in macros: "\n" is a newline
// and "\\" a backslash. Any other backslash is kept as it is.
std::string unescapeNagiosOutput(std::string_view text);

}  // namespace bsm::plugins::nagios
