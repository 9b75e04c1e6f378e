#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace bsm {

// A Nagios threshold range, "[@][start:]end", as plugins take it in -w/-c and print it in the
// warn and crit fields of their perfdata. Without '@' a value outside start..end alerts; with
// '@' a value inside (endpoints included) does. A missing start is 0, "~" is minus infinity,
// and an empty end is plus infinity.
class NagiosRange {
 public:
  // Parses `text`; the error names what is wrong with it. Empty text is an error: an absent
  // threshold is an empty optional at the caller, not an empty range.
  static Result<NagiosRange> parse(std::string_view text);
  // The common plain form "N": alert when below 0 or above N.
  static NagiosRange upTo(double end);

  bool alerts(double value) const;
  // "N" for the plain form, which is most perfdata; otherwise the canonical range text.
  std::string toString() const;
  // The upper end when the range is the plain form "N", which is all a consumer that only
  // knows "value above N" can use.
  std::optional<double> plainUpperBound() const;

  bool operator==(const NagiosRange& other) const = default;

 private:
  double start_ = 0;
  double end_ = 0;
  bool start_infinite_ = false;  // "~:"
  bool end_infinite_ = false;    // "N:"
  bool inside_ = false;          // "@": alert inside the range instead of outside
};

}  // namespace bsm
