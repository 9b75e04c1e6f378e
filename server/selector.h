#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "common/sample.h"
#include "server/impact.h"
#include "server/rule.h"
#include "server/series_key.h"
#include "server/threshold.h"

namespace bsm::server {

// A shell-style glob (fnmatch(3): *, ?, [abc], and a backslash that makes the next character
// stand for itself). It remembers whether it has any wildcard, so that the common case of an
// exact name costs one string comparison.
class Glob {
 public:
  // In names of checks and metrics brackets stand for themselves (Brackets::kLiteral): Zabbix
  // item keys ("vfs.fs.size[/,pused]") are names that hold them, and "vfs.fs.size[*,pused]"
  // should select the used percentage of every file system, not a character class.
  enum class Brackets { kClass, kLiteral };

  explicit Glob(std::string pattern = "*", Brackets brackets = Brackets::kClass);

  bool matches(const std::string& text) const;
  const std::string& pattern() const { return pattern_; }
  // True when the pattern has no wildcard and matches only itself.
  bool literal() const { return literal_; }

 private:
  std::string pattern_;
  bool literal_;
  std::string fnmatch_pattern_;  // the pattern as fnmatch(3) reads it
};

// One entry of a service's `components:` list. Every series it matches becomes one component
// of the service, so a host that appears later joins by itself.
struct Selector {
  SeriesKind kind = SeriesKind::kMetric;
  Glob host;
  Glob name;                           // metric or check name; brackets are literal
  std::map<std::string, Glob> labels;  // each key must be present and its value match
  std::optional<Threshold> warn;       // metrics only
  std::optional<Threshold> crit;       // metrics only
  // No data for this long (server clock) makes a component UNKNOWN; when absent, three
  // intervals of the series.
  std::optional<std::chrono::milliseconds> stale_after;
  Impact impact = Impact::normal();           // how its state reaches the service
  int64_t weight = StateCounts::kWeightUnit;  // for weighted rules
  std::string where;                          // FILE:LINE:COLUMN in the model, for messages

  bool matches(SeriesKind series_kind, const std::string& series_host,
               const std::string& series_name, const Labels& series_labels) const;

  // The selector as written, e.g. "{host: web-*, check: http}".
  std::string describe() const;
};

}  // namespace bsm::server
