// Acknowledged problems: how long an acknowledgement holds and how services count it.

#include <gtest/gtest.h>

#include "server_test_support.h"

namespace bsm::server {
namespace {

using Harness = testing::EngineHarness;
using testing::stateOf;

constexpr auto OK = CheckState::kOk;
constexpr auto WARN = CheckState::kWarning;
constexpr auto CRIT = CheckState::kCritical;

constexpr int64_t kT0 = 1'700'000'000'000;

constexpr const char* kModel = R"(services:
  strict:
    components: [{host: "db-*", check: pgsql}]
  calm:
    count: {acknowledged: warning}
    components: [{host: "db-*", check: pgsql}]
  quiet:
    count: {acknowledged: ignore}
    components: [{host: "db-*", check: pgsql}]
)";

Acknowledgement ack(bool sticky = false) {
  return {"ops", "failover in progress", sticky, kT0};
}

ComponentQuery db1() {
  return {"db-1", SeriesKind::kCheck, "pgsql", {}};
}

TEST(ServiceAcknowledgementTest, ServicesCountAnAcknowledgedProblemAsTheySay) {
  Harness h(kModel);
  const SeriesId db = h.feed.check("db-1", "pgsql", OK, kT0);
  h.feed.check("db-2", "pgsql", OK, kT0);
  // Nothing to acknowledge while OK.
  EXPECT_EQ(h.engine.acknowledge(db1(), ack(), kT0), 0u);

  h.feed.check(db, CRIT, kT0 + 1000);
  EXPECT_EQ(h.engine.acknowledge(db1(), ack(), kT0 + 2000), 3u);  // one component per service
  EXPECT_EQ(stateOf(h.engine, "strict"), CRIT);
  EXPECT_EQ(stateOf(h.engine, "calm"), WARN);
  EXPECT_EQ(stateOf(h.engine, "quiet"), OK);
  const auto component = h.engine.service("strict")->components[0];
  ASSERT_TRUE(component.acknowledgement.has_value());
  EXPECT_EQ(component.acknowledgement->comment, "failover in progress");

  // Taken back: counted as it is again.
  EXPECT_EQ(h.engine.acknowledge(db1(), std::nullopt, kT0 + 3000), 3u);
  EXPECT_EQ(stateOf(h.engine, "calm"), CRIT);
  EXPECT_FALSE(h.engine.service("calm")->components[0].acknowledgement.has_value());
}

TEST(ServiceAcknowledgementTest, RecoveryEndsItAndANewProblemEndsAPlainOne) {
  Harness h(kModel);
  const SeriesId db = h.feed.check("db-1", "pgsql", WARN, kT0);
  h.engine.acknowledge(db1(), ack(), kT0 + 1000);
  // Its only child is ignored: nothing vouches for the service.
  EXPECT_EQ(stateOf(h.engine, "quiet"), CheckState::kUnknown);
  // WARNING turns CRITICAL: a new problem, the plain acknowledgement is gone.
  h.feed.check(db, CRIT, kT0 + 2000);
  EXPECT_EQ(stateOf(h.engine, "quiet"), CRIT);
  EXPECT_FALSE(h.engine.service("quiet")->components[0].acknowledgement.has_value());

  // A sticky one holds across the change, and ends with recovery.
  h.engine.acknowledge(db1(), ack(true), kT0 + 3000);
  h.feed.check(db, WARN, kT0 + 4000);
  EXPECT_TRUE(h.engine.service("quiet")->components[0].acknowledgement.has_value());
  h.feed.check(db, OK, kT0 + 5000);
  h.feed.check(db, CRIT, kT0 + 6000);
  EXPECT_FALSE(h.engine.service("quiet")->components[0].acknowledgement.has_value());
  EXPECT_EQ(stateOf(h.engine, "quiet"), CRIT);
}

}  // namespace
}  // namespace bsm::server
