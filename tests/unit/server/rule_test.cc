#include "server/rule.h"

#include <initializer_list>

#include <gtest/gtest.h>

#include "server_test_support.h"

namespace bsm::server {
namespace {

constexpr auto OK = CheckState::kOk;
constexpr auto WARN = CheckState::kWarning;
constexpr auto CRIT = CheckState::kCritical;
constexpr auto UNKN = CheckState::kUnknown;

StateCounts counts(std::initializer_list<CheckState> states, int ignored = 0) {
  StateCounts out;
  for (CheckState state : states) {
    out.add(state);
  }
  for (int i = 0; i < ignored; ++i) {
    out.addIgnored();
  }
  return out;
}

TEST(RuleTest, WorstTakesMostSevereChild) {
  const Rule rule = Rule::worst();
  EXPECT_EQ(rule.evaluate(counts({OK, OK, OK})).state, OK);
  EXPECT_EQ(rule.evaluate(counts({OK, WARN, OK})).state, WARN);
  EXPECT_EQ(rule.evaluate(counts({OK, WARN, UNKN})).state, UNKN);
  EXPECT_EQ(rule.evaluate(counts({UNKN, CRIT, WARN})).state, CRIT);
  EXPECT_EQ(rule.evaluate(counts({OK, OK, OK})).reason, "all 3 children OK");
  EXPECT_EQ(rule.evaluate(counts({CRIT, OK, WARN})).reason,
            "worst of 3 children is CRITICAL (1 CRITICAL, 1 WARNING, 1 OK)");
}

TEST(RuleTest, BestTakesLeastSevereChild) {
  const Rule rule = Rule::best();
  EXPECT_EQ(rule.evaluate(counts({CRIT, OK})).state, OK);
  EXPECT_EQ(rule.evaluate(counts({CRIT, WARN})).state, WARN);
  EXPECT_EQ(rule.evaluate(counts({CRIT, UNKN})).state, UNKN);
  EXPECT_EQ(rule.evaluate(counts({CRIT, CRIT})).state, CRIT);
  EXPECT_EQ(rule.evaluate(counts({CRIT, WARN})).reason,
            "best of 2 children is WARNING (1 CRITICAL, 1 WARNING)");
}

TEST(RuleTest, AtLeastBoundaries) {
  const Rule rule = Rule::atLeast(2);
  // Exactly N OK is enough.
  EXPECT_EQ(rule.evaluate(counts({OK, OK, CRIT})).state, OK);
  EXPECT_EQ(rule.evaluate(counts({OK, OK, CRIT})).reason,
            "2 of 3 children OK, at least 2 needed (1 CRITICAL, 2 OK)");
  // One short of N OK, but N are OK or WARNING.
  EXPECT_EQ(rule.evaluate(counts({OK, WARN, CRIT})).state, WARN);
  // Not even that, but N are not CRITICAL: nobody can say it is down.
  EXPECT_EQ(rule.evaluate(counts({OK, UNKN, CRIT})).state, UNKN);
  EXPECT_EQ(rule.evaluate(counts({UNKN, UNKN, CRIT})).state, UNKN);
  // Fewer than N not CRITICAL.
  EXPECT_EQ(rule.evaluate(counts({OK, CRIT, CRIT})).state, CRIT);
  // More needed than there are children: never OK.
  EXPECT_EQ(Rule::atLeast(4).evaluate(counts({OK, OK, OK})).state, CRIT);
  EXPECT_EQ(rule.describe(), "at_least 2");
}

TEST(RuleTest, PercentRoundsTheNeededCountUp) {
  const Rule half = Rule::percent(50);
  EXPECT_EQ(half.needed(3), 2);
  EXPECT_EQ(half.needed(4), 2);
  EXPECT_EQ(Rule::percent(33.3).needed(3), 1);
  EXPECT_EQ(Rule::percent(100).needed(7), 7);
  EXPECT_EQ(Rule::percent(1).needed(3), 1);

  EXPECT_EQ(half.evaluate(counts({OK, CRIT, CRIT})).state, CRIT);
  EXPECT_EQ(half.evaluate(counts({OK, WARN, CRIT})).state, WARN);
  EXPECT_EQ(half.evaluate(counts({OK, UNKN, CRIT})).state, UNKN);
  EXPECT_EQ(half.evaluate(counts({OK, OK, CRIT})).state, OK);
  EXPECT_EQ(half.evaluate(counts({OK, OK, CRIT})).reason,
            "2 of 3 children OK, 50% needed, that is 2 (1 CRITICAL, 2 OK)");
  EXPECT_EQ(half.describe(), "percent 50");
}

TEST(RuleTest, NoChildrenIsUnknown) {
  for (const Rule& rule : {Rule::worst(), Rule::best(), Rule::atLeast(1), Rule::percent(50)}) {
    const RuleOutcome outcome = rule.evaluate(StateCounts());
    EXPECT_EQ(outcome.state, UNKN);
    EXPECT_EQ(outcome.reason, "no components match its selectors yet");
  }
}

TEST(RuleTest, IgnoredChildrenTakeNoPart) {
  const RuleOutcome outcome = Rule::worst().evaluate(counts({OK}, 2));
  EXPECT_EQ(outcome.state, OK);
  EXPECT_EQ(outcome.reason, "its only child is OK; 2 ignored");
  EXPECT_EQ(Rule::worst().evaluate(counts({}, 1)).state, UNKN);
}

}  // namespace
}  // namespace bsm::server
