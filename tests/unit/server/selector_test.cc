#include "server/selector.h"

#include <cmath>

#include <gtest/gtest.h>

#include "server/component_evaluator.h"

namespace bsm::server {
namespace {

TEST(SelectorTest, MatchesHostNameAndLabelGlobs) {
  Selector selector;
  selector.kind = SeriesKind::kMetric;
  selector.host = Glob("web-*");
  selector.name = Glob("disk.*");
  selector.labels.emplace("mount", Glob("/var/*"));

  EXPECT_TRUE(selector.matches(SeriesKind::kMetric, "web-7", "disk.used", {{"mount", "/var/log"}}));
  EXPECT_FALSE(selector.matches(SeriesKind::kCheck, "web-7", "disk.used", {{"mount", "/var/log"}}));
  EXPECT_FALSE(selector.matches(SeriesKind::kMetric, "db-1", "disk.used", {{"mount", "/var/log"}}));
  EXPECT_FALSE(selector.matches(SeriesKind::kMetric, "web-7", "cpu.idle", {{"mount", "/var/log"}}));
  EXPECT_FALSE(selector.matches(SeriesKind::kMetric, "web-7", "disk.used", {{"mount", "/"}}));
  EXPECT_FALSE(selector.matches(SeriesKind::kMetric, "web-7", "disk.used", {}));
  // Labels the selector does not mention do not matter.
  EXPECT_TRUE(selector.matches(SeriesKind::kMetric, "web-7", "disk.used",
                               {{"mount", "/var/lib"}, {"device", "sda1"}}));
}

TEST(SelectorTest, LiteralGlobIsExact) {
  const Glob exact("system.load1");
  EXPECT_TRUE(exact.matches("system.load1"));
  EXPECT_FALSE(exact.matches("system.load15"));
  const Glob range("web-[12]");
  EXPECT_TRUE(range.matches("web-2"));
  EXPECT_FALSE(range.matches("web-3"));
  // "*" crosses dots and slashes: series names are dotted, device names may hold slashes.
  EXPECT_TRUE(Glob("snmp.*").matches("snmp.interfaces.ifInOctets"));
  EXPECT_TRUE(Glob("*").matches("rack/1/sw"));
}

// Zabbix item keys hold brackets, which fnmatch reads as a character class.
TEST(SelectorTest, PatternMatchesTextSpelledLikeIt) {
  const Glob key("system.cpu.load[all,avg1]", Glob::Brackets::kLiteral);
  EXPECT_TRUE(key.matches("system.cpu.load[all,avg1]"));
  EXPECT_FALSE(key.matches("system.cpu.loada"));
  EXPECT_FALSE(key.matches("system.cpu.load[all,avg5]"));
  // Escaped brackets keep wildcards usable inside a key.
  const Glob any_load(R"(system.cpu.load\[all,*\])");
  EXPECT_TRUE(any_load.matches("system.cpu.load[all,avg5]"));
  EXPECT_FALSE(any_load.matches("system.cpu.load[percpu,avg5]"));
}

TEST(SelectorTest, DescribesItself) {
  Selector selector;
  selector.kind = SeriesKind::kMetric;
  selector.name = Glob("system.load1");
  selector.warn = Threshold(Threshold::Op::kGreater, 4);
  EXPECT_EQ(selector.describe(), "{host: *, metric: system.load1, warn: \"> 4\"}");
}

TEST(ComponentEvaluatorTest, UsesSourceThresholdsWhenSelectorHasNone) {
  Selector selector;
  selector.kind = SeriesKind::kMetric;
  selector.name = Glob("load");
  Series series;
  series.kind = SeriesKind::kMetric;
  series.host = "app-1";
  series.name = "load";
  series.has_data = true;
  series.value = 7;
  series.warn = NagiosRange::upTo(5);
  series.crit = NagiosRange::upTo(10);
  series.received_ms = 1000;
  series.interval_ms = 10'000;
  EvaluationContext context;
  context.now_ms = 1000;
  ComponentVerdict verdict = evaluateComponent(selector, series, context);
  EXPECT_EQ(verdict.state, CheckState::kWarning);
  EXPECT_EQ(verdict.reason, "load=7 > 5 (source warn)");

  series.value = std::nan("");
  EXPECT_EQ(evaluateComponent(selector, series, context).state, CheckState::kUnknown);

  // Selector thresholds win over the source's.
  selector.crit = Threshold(Threshold::Op::kGreater, 6);
  series.value = 7;
  series.labels = {{"cpu", "all"}};
  verdict = evaluateComponent(selector, series, context);
  EXPECT_EQ(verdict.state, CheckState::kCritical);
  EXPECT_EQ(verdict.reason, "load{cpu=all}=7 > 6");
}

TEST(ComponentEvaluatorTest, FormatsDurationsForPeople) {
  EXPECT_EQ(humanDuration(500), "500ms");
  EXPECT_EQ(humanDuration(31'000), "31s");
  EXPECT_EQ(humanDuration(303'000), "5m 3s");
  EXPECT_EQ(humanDuration(7'800'000), "2h 10m");
  EXPECT_EQ(humanDuration(3 * 86'400'000LL + 4 * 3'600'000LL), "3d 4h");
  EXPECT_EQ(formatTimestamp(1'700'000'000'000), "2023-11-14T22:13:20Z");
}

TEST(ComponentEvaluatorTest, HonoursSourceRangesOtherThanPlainUpperBounds) {
  Selector selector;
  selector.kind = SeriesKind::kMetric;
  selector.name = Glob("free_pct");
  Series series;
  series.kind = SeriesKind::kMetric;
  series.host = "db-1";
  series.name = "free_pct";
  series.has_data = true;
  series.value = 7;
  series.warn = *NagiosRange::parse("20:");
  series.crit = *NagiosRange::parse("10:");
  series.received_ms = 1000;
  series.interval_ms = 10'000;
  EvaluationContext context;
  context.now_ms = 1000;

  ComponentVerdict verdict = evaluateComponent(selector, series, context);
  EXPECT_EQ(verdict.state, CheckState::kCritical);
  EXPECT_EQ(verdict.reason, "free_pct=7 outside 10: (source crit)");

  series.value = 15;
  EXPECT_EQ(evaluateComponent(selector, series, context).state, CheckState::kWarning);
  series.value = 50;
  EXPECT_EQ(evaluateComponent(selector, series, context).state, CheckState::kOk);
}

}  // namespace
}  // namespace bsm::server
