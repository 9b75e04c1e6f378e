// libFuzzer target: a Nagios plugin's standard output, as the agent takes it apart into output,
// long output and perfdata. Besides crashes and sanitizer reports, it checks the promises the
// parser makes to its callers, and aborts when one is broken.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "plugins/nagios/plugin_output.h"

namespace {

// 1000 items kept, 100 problems listed, plus the two summary lines.
constexpr size_t kMaxPerfValues = 1000;
constexpr size_t kMaxProblems = 102;
// An item and a field quoted at most 120 bytes each (4 bytes per escaped byte), plus words.
constexpr size_t kMaxProblemBytes = 2048;

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

bool isUnit(std::string_view unit) {
  for (char c : unit) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%')) {
      return false;
    }
  }
  return true;
}

void checkRange(const std::optional<bsm::NagiosRange>& range) {
  if (range) {
    auto again = bsm::NagiosRange::parse(range->toString());
    check(again.ok() && *again == *range);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto out = bsm::plugins::nagios::parsePluginOutput(input);

  check(out.text.find('\n') == std::string::npos);
  check(out.text.find('|') == std::string::npos);
  check(out.long_text.find('|') == std::string::npos);
  check(out.text.size() + out.long_text.size() <= size);
  check(out.perfdata.size() <= kMaxPerfValues);
  check(out.problems.size() <= kMaxProblems);
  for (const auto& problem : out.problems) {
    // Problems go to log lines as they are: short, and printable ASCII only.
    check(problem.size() <= kMaxProblemBytes);
    for (char c : problem) {
      check(c >= 0x20 && c < 0x7f);
    }
  }
  for (const auto& perf : out.perfdata) {
    check(!perf.label.empty());
    check(isUnit(perf.unit));
    check(!perf.value || std::isfinite(*perf.value));
    check(!perf.min || std::isfinite(*perf.min));
    check(!perf.max || std::isfinite(*perf.max));
    checkRange(perf.warn);
    checkRange(perf.crit);
  }
  return 0;
}
