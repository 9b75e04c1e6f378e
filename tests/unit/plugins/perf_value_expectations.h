#pragma once

// Checks shared by the Nagios plugin output and perfdata parser tests.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "plugins/nagios/plugin_output.h"

namespace bsm::plugins::nagios::testing {

inline std::string joined(const std::vector<std::string>& problems) {
  std::string text;
  for (const auto& problem : problems) {
    text += problem + "\n";
  }
  return text;
}

inline NagiosRange range(std::string_view text) {
  auto parsed = NagiosRange::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : NagiosRange::upTo(0);
}

// Checks one item field by field; nullopt arguments mean "must be absent".
inline void expectPerf(const PerfValue& perf, std::string_view label, std::optional<double> value,
                       std::string_view unit, std::optional<std::string_view> warn = std::nullopt,
                       std::optional<std::string_view> crit = std::nullopt,
                       std::optional<double> min = std::nullopt,
                       std::optional<double> max = std::nullopt) {
  SCOPED_TRACE(std::string(label));
  EXPECT_EQ(perf.label, label);
  EXPECT_EQ(perf.value, value);
  EXPECT_EQ(perf.unit, unit);
  if (warn) {
    EXPECT_EQ(perf.warn, range(*warn));
  } else {
    EXPECT_FALSE(perf.warn) << perf.warn->toString();
  }
  if (crit) {
    EXPECT_EQ(perf.crit, range(*crit));
  } else {
    EXPECT_FALSE(perf.crit) << perf.crit->toString();
  }
  EXPECT_EQ(perf.min, min);
  EXPECT_EQ(perf.max, max);
}

}  // namespace bsm::plugins::nagios::testing
