#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/nagios_range.h"

namespace bsm::plugins::nagios {

// One perfdata item: label=value[UOM];[warn];[crit];[min];[max].
struct PerfValue {
  std::string label;            // quotes removed, doubled quotes made single
  std::optional<double> value;  // empty for "U": the plugin could not determine it
  std::string unit;             // as printed: "", "s", "ms", "%", "B", "KB", "c", "KiB", ...
  std::optional<NagiosRange> warn;
  std::optional<NagiosRange> crit;
  std::optional<double> min;
  std::optional<double> max;
};

// A plugin's standard output taken apart the way Nagios Core 4 does: the first line up to its
// first '|' is the output, the lines after it are long output until a line holding a '|',
// and everything after a '|' (on line one, on that line, and every line after) is perfdata.
struct PluginOutput {
  std::string text;       // first line, trimmed
  std::string long_text;  // lines 2..n up to the perfdata, joined with '\n'
  std::vector<PerfValue> perfdata;
  // One entry per perfdata item that was skipped, saying which and why, e.g.
  // "perfdata 'load1=0,5': value '0,5' is not a number". The other items are kept.
  // A bad warn, crit, min or max field loses only that field and adds an entry too ("warn
  // dropped, value kept: ..."). At most 100 entries are listed, then one saying how many
  // more there were, and one when items beyond the first 1000 were dropped. The plugin's
  // bytes are quoted printable: anything else shows as \xNN.
  std::vector<std::string> problems;
};

PluginOutput parsePluginOutput(std::string_view output);

// Parses the perfdata part alone (items separated by runs of blanks); skipped items are
// described in `problems`.
std::vector<PerfValue> parsePerfdata(std::string_view perfdata, std::vector<std::string>& problems);

}  // namespace bsm::plugins::nagios
