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
  const Rule rule = Rule::atLeast(ChildCount::exact(2));
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
  EXPECT_EQ(Rule::atLeast(ChildCount::exact(4)).evaluate(counts({OK, OK, OK})).state, CRIT);
  EXPECT_EQ(rule.describe(), "at_least 2");
}

TEST(RuleTest, PercentRoundsTheNeededCountUp) {
  const Rule half = Rule::atLeast(ChildCount::percent(50));
  EXPECT_EQ(ChildCount::percent(50).resolve(3), 2);
  EXPECT_EQ(ChildCount::percent(50).resolve(4), 2);
  EXPECT_EQ(ChildCount::percent(33.3).resolve(3), 1);
  EXPECT_EQ(ChildCount::percent(100).resolve(7), 7);
  EXPECT_EQ(ChildCount::percent(1).resolve(3), 1);

  EXPECT_EQ(half.evaluate(counts({OK, CRIT, CRIT})).state, CRIT);
  EXPECT_EQ(half.evaluate(counts({OK, WARN, CRIT})).state, WARN);
  EXPECT_EQ(half.evaluate(counts({OK, UNKN, CRIT})).state, UNKN);
  EXPECT_EQ(half.evaluate(counts({OK, OK, CRIT})).state, OK);
  EXPECT_EQ(half.evaluate(counts({OK, OK, CRIT})).reason,
            "2 of 3 children OK, 50% needed, that is 2 (1 CRITICAL, 2 OK)");
  EXPECT_EQ(half.describe(), "at_least 50%");
}

TEST(RuleTest, NoChildrenIsUnknown) {
  for (const Rule& rule : {Rule::worst(), Rule::best(), Rule::atLeast(ChildCount::exact(1)),
                           Rule::atLeast(ChildCount::percent(50)),
                           Rule::levels(ChildCount::exact(3), ChildCount::exact(1)),
                           Rule::exactly(1), Rule::weighted(25, 50)}) {
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

// Weighted counts: each pair is a state and a weight in whole units.
StateCounts weighted(std::initializer_list<std::pair<CheckState, int>> children) {
  StateCounts out;
  for (const auto& [state, weight] : children) {
    out.add(state, weight * StateCounts::kWeightUnit);
  }
  return out;
}

TEST(RuleTest, LevelsWarnWhileRedundancyIsReduced) {
  // Four web servers: OK with three, WARNING down to one that serves, CRITICAL with none.
  const Rule rule = Rule::levels(ChildCount::exact(3), ChildCount::exact(1));
  EXPECT_EQ(rule.evaluate(counts({OK, OK, OK, CRIT})).state, OK);
  EXPECT_EQ(rule.evaluate(counts({OK, OK, CRIT, CRIT})).state, WARN);
  EXPECT_EQ(rule.evaluate(counts({OK, CRIT, CRIT, CRIT})).state, WARN);
  // A degraded member still serves.
  EXPECT_EQ(rule.evaluate(counts({WARN, CRIT, CRIT, CRIT})).state, WARN);
  // None serves, but one cannot be judged: nobody can say the service is down.
  EXPECT_EQ(rule.evaluate(counts({UNKN, CRIT, CRIT, CRIT})).state, UNKN);
  EXPECT_EQ(rule.evaluate(counts({CRIT, CRIT, CRIT, CRIT})).state, CRIT);
  EXPECT_EQ(rule.evaluate(counts({OK, OK, CRIT, CRIT})).reason,
            "2 of 4 children OK, 3 needed for OK, 1 available for WARNING (2 CRITICAL, 2 OK)");
  EXPECT_EQ(rule.describe(), "ok_at_least 3 warn_at_least 1");

  // Shares resolve against the children that count.
  const Rule shares = Rule::levels(ChildCount::percent(75), ChildCount::percent(50));
  EXPECT_EQ(shares.evaluate(counts({OK, OK, OK, CRIT})).state, OK);
  EXPECT_EQ(shares.evaluate(counts({OK, OK, CRIT, CRIT})).state, WARN);
  EXPECT_EQ(shares.evaluate(counts({OK, CRIT, CRIT, CRIT})).state, CRIT);
  EXPECT_EQ(shares.describe(), "ok_at_least 75% warn_at_least 50%");
}

TEST(RuleTest, ExactlyForActivePassivePairs) {
  const Rule rule = Rule::exactly(1);
  // The passive side reports CRITICAL ("not active") by design.
  EXPECT_EQ(rule.evaluate(counts({OK, CRIT})).state, OK);
  // Both think they are active.
  EXPECT_EQ(rule.evaluate(counts({OK, OK})).state, WARN);
  EXPECT_EQ(rule.evaluate(counts({OK, OK})).reason, "2 of 2 children OK, exactly 1 expected");
  EXPECT_EQ(rule.evaluate(counts({CRIT, CRIT})).state, CRIT);
  // Neither is known active, but the unknown one may be.
  EXPECT_EQ(rule.evaluate(counts({UNKN, CRIT})).state, UNKN);
  EXPECT_EQ(rule.evaluate(counts({WARN, CRIT})).state, CRIT);
  EXPECT_EQ(rule.describe(), "exactly 1");
}

TEST(RuleTest, WeightedThresholdsOnShareOfWeight) {
  // Database 3, two caches 1 each: total 5. Warning at 20%, critical at 60%.
  const Rule rule = Rule::weighted(20, 60);
  EXPECT_EQ(rule.evaluate(weighted({{OK, 3}, {OK, 1}, {OK, 1}})).state, OK);
  // One cache down: exactly 20% not OK reaches warning.
  EXPECT_EQ(rule.evaluate(weighted({{OK, 3}, {CRIT, 1}, {OK, 1}})).state, WARN);
  // The database down: 60% CRITICAL reaches critical.
  EXPECT_EQ(rule.evaluate(weighted({{CRIT, 3}, {OK, 1}, {OK, 1}})).state, CRIT);
  EXPECT_EQ(rule.evaluate(weighted({{CRIT, 3}, {OK, 1}, {OK, 1}})).reason,
            "60% of the weight CRITICAL (critical at 60%), 60% not OK (warning at 20%) "
            "(1 CRITICAL, 2 OK)");
  // Both caches CRITICAL (40%) and the database UNKNOWN: CRITICAL cannot be ruled out.
  EXPECT_EQ(rule.evaluate(weighted({{UNKN, 3}, {CRIT, 1}, {CRIT, 1}})).state, UNKN);
  // Both caches WARNING: 40% not OK, nothing CRITICAL.
  EXPECT_EQ(rule.evaluate(weighted({{OK, 3}, {WARN, 1}, {WARN, 1}})).state, WARN);
  EXPECT_EQ(rule.describe(), "weighted warning 20% critical 60%");
}

TEST(RuleTest, ExplainsOnlyWhatMattersUnderTheRule) {
  const StateCounts mixed = counts({OK, WARN, CRIT});
  // worst: only the children at the service's own level.
  EXPECT_TRUE(Rule::worst().explains(CRIT, CRIT, mixed));
  EXPECT_FALSE(Rule::worst().explains(CRIT, WARN, mixed));
  EXPECT_FALSE(Rule::worst().explains(OK, CRIT, mixed));
  // Redundancy rules: every child that is not OK.
  const Rule pool = Rule::atLeast(ChildCount::exact(3));
  EXPECT_TRUE(pool.explains(WARN, WARN, mixed));
  EXPECT_TRUE(pool.explains(WARN, CRIT, mixed));
  EXPECT_FALSE(pool.explains(WARN, OK, mixed));
  // exactly with too many active: the OK ones.
  EXPECT_TRUE(Rule::exactly(1).explains(WARN, OK, counts({OK, OK})));
  EXPECT_FALSE(Rule::exactly(1).explains(CRIT, OK, counts({OK, CRIT, CRIT})));
  // weighted CRITICAL: the CRITICAL ones.
  EXPECT_TRUE(Rule::weighted(20, 60).explains(CRIT, CRIT, mixed));
  EXPECT_FALSE(Rule::weighted(20, 60).explains(CRIT, WARN, mixed));
}

}  // namespace
}  // namespace bsm::server
