// Rules, edge maps and counting options on small service graphs, through the engine.

#include <gtest/gtest.h>

#include "common/config_file.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using Harness = testing::EngineHarness;
using testing::reasonOf;
using testing::stateOf;

constexpr auto OK = CheckState::kOk;
constexpr auto WARN = CheckState::kWarning;
constexpr auto CRIT = CheckState::kCritical;
constexpr auto UNKN = CheckState::kUnknown;

constexpr int64_t kT0 = 1'700'000'000'000;

TEST(ServiceRulesTest, OkAndWarnLevelsOverAPool) {
  Harness h(R"(services:
  web:
    rule: {ok_at_least: 3, warn_at_least: 1}
    components: [{host: "web-*", check: http}]
)");
  std::vector<SeriesId> web;
  for (int i = 1; i <= 4; ++i) {
    web.push_back(h.feed.check("web-" + std::to_string(i), "http", OK, kT0));
  }
  EXPECT_EQ(stateOf(h.engine, "web"), OK);
  h.feed.check(web[0], CRIT, kT0 + 1000);
  EXPECT_EQ(stateOf(h.engine, "web"), OK);  // three remain
  h.feed.check(web[1], CRIT, kT0 + 2000);
  EXPECT_EQ(stateOf(h.engine, "web"), WARN);  // redundancy reduced
  h.feed.check(web[2], CRIT, kT0 + 3000);
  EXPECT_EQ(stateOf(h.engine, "web"), WARN);  // one still serves
  h.feed.check(web[3], CRIT, kT0 + 4000);
  EXPECT_EQ(stateOf(h.engine, "web"), CRIT);
}

TEST(ServiceRulesTest, ExactlyOneActiveOfAPair) {
  Harness h(R"(services:
  db-pair:
    rule: {exactly: 1}
    components: [{host: "db-*", check: role_primary}]
)");
  const SeriesId a = h.feed.check("db-a", "role_primary", OK, kT0);
  const SeriesId b = h.feed.check("db-b", "role_primary", CRIT, kT0);
  EXPECT_EQ(stateOf(h.engine, "db-pair"), OK);
  h.feed.check(b, OK, kT0 + 1000);
  EXPECT_EQ(stateOf(h.engine, "db-pair"), WARN);
  EXPECT_EQ(reasonOf(h.engine, "db-pair").rfind("2 of 2 children OK, exactly 1 expected", 0), 0u);
  h.feed.check(a, CRIT, kT0 + 2000);
  h.feed.check(b, CRIT, kT0 + 2000);
  EXPECT_EQ(stateOf(h.engine, "db-pair"), CRIT);
}

TEST(ServiceRulesTest, WeightedOverServicesAndComponents) {
  // The database weighs three, each cache one: losing a cache warns, losing the database fails.
  Harness h(R"(services:
  backend:
    rule: {weighted: {warning: 20%, critical: "60%"}}
    depends_on: [{service: database, weight: 3}]
    components:
      - {host: "cache-*", check: redis}
  database:
    components: [{host: db-1, check: pgsql}]
)");
  const SeriesId db = h.feed.check("db-1", "pgsql", OK, kT0);
  const SeriesId cache1 = h.feed.check("cache-1", "redis", OK, kT0);
  h.feed.check("cache-2", "redis", OK, kT0);
  EXPECT_EQ(stateOf(h.engine, "backend"), OK);
  h.feed.check(cache1, CRIT, kT0 + 1000);
  EXPECT_EQ(stateOf(h.engine, "backend"), WARN);
  h.feed.check(cache1, OK, kT0 + 2000);
  h.feed.check(db, CRIT, kT0 + 2000);
  EXPECT_EQ(stateOf(h.engine, "backend"), CRIT);
  EXPECT_EQ(h.engine.service("backend")->rule, "weighted warning 20% critical 60%");
}

TEST(ServiceRulesTest, EdgeMapsIncreaseDecreaseSetAndComponentCap) {
  Harness h(R"(services:
  top:
    depends_on:
      - {service: payments, impact: increase}
      - {service: search, impact: decrease}
      - {service: batch, impact: {set: warning}}
    components:
      - {host: app-1, check: disk, impact: warning}
  payments:
    components: [{host: pay-1, check: http}]
  search:
    components: [{host: search-1, check: http}]
  batch:
    components: [{host: batch-1, check: jobs}]
)");
  const SeriesId pay = h.feed.check("pay-1", "http", OK, kT0);
  const SeriesId search = h.feed.check("search-1", "http", OK, kT0);
  const SeriesId batch = h.feed.check("batch-1", "jobs", OK, kT0);
  const SeriesId disk = h.feed.check("app-1", "disk", OK, kT0);
  EXPECT_EQ(stateOf(h.engine, "top"), OK);

  // A payments WARNING already fails the top.
  h.feed.check(pay, WARN, kT0 + 1000);
  EXPECT_EQ(stateOf(h.engine, "top"), CRIT);
  h.feed.check(pay, OK, kT0 + 2000);

  // A search outage only degrades it; a search WARNING does not even do that.
  h.feed.check(search, CRIT, kT0 + 3000);
  EXPECT_EQ(stateOf(h.engine, "top"), WARN);
  h.feed.check(search, WARN, kT0 + 4000);
  EXPECT_EQ(stateOf(h.engine, "top"), OK);
  h.feed.check(search, OK, kT0 + 5000);

  // Whatever batch's trouble, it counts as WARNING; UNKNOWN too.
  h.feed.check(batch, CRIT, kT0 + 6000);
  EXPECT_EQ(stateOf(h.engine, "top"), WARN);
  h.feed.check(batch, UNKN, kT0 + 7000);
  EXPECT_EQ(stateOf(h.engine, "top"), WARN);
  h.feed.check(batch, OK, kT0 + 8000);

  // The component's own cap.
  h.feed.check(disk, CRIT, kT0 + 9000);
  EXPECT_EQ(stateOf(h.engine, "top"), WARN);

  const auto top = h.engine.service("top");
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(top->children[0].impact, "increase");
  EXPECT_EQ(top->children[1].impact, "decrease");
  EXPECT_EQ(top->children[2].impact, "set WARNING");
}

TEST(ServiceRulesTest, UnknownCountsAsConfigured) {
  Harness h(R"(services:
  strict:
    count: {unknown: critical}
    components: [{host: "web-*", check: http}]
  lenient:
    count: {unknown: ignore}
    components: [{host: "web-*", check: http}]
  pool:
    rule: {at_least: 1}
    count: {unknown: ok}
    components: [{host: "web-*", check: http}]
)");
  const SeriesId web1 = h.feed.check("web-1", "http", OK, kT0);
  const SeriesId web2 = h.feed.check("web-2", "http", OK, kT0);
  h.feed.check(web1, UNKN, kT0 + 1000);
  EXPECT_EQ(stateOf(h.engine, "strict"), CRIT);
  EXPECT_EQ(stateOf(h.engine, "lenient"), OK);
  EXPECT_EQ(reasonOf(h.engine, "lenient"), "its only child is OK; 1 ignored");
  h.feed.check(web2, CRIT, kT0 + 2000);
  EXPECT_EQ(stateOf(h.engine, "lenient"), CRIT);
  EXPECT_EQ(stateOf(h.engine, "pool"), OK);  // the UNKNOWN one counts as serving
  h.feed.check(web1, OK, kT0 + 3000);
  EXPECT_EQ(stateOf(h.engine, "strict"), CRIT);  // web-2 is still down
  h.feed.check(web2, OK, kT0 + 4000);
  EXPECT_EQ(stateOf(h.engine, "strict"), OK);
  EXPECT_EQ(stateOf(h.engine, "lenient"), OK);
}

TEST(ServiceRulesTest, ModelErrorsNameTheirPlace) {
  auto error = [](const std::string& text) {
    try {
      ServiceModel::parse(text, "m.yaml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(
      error("services:\n  a:\n    rule: {ok_at_least: 1, warn_at_least: 2}\n").find("m.yaml:3:"),
      std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    rule: {ok_at_least: 1, warn_at_least: 2}\n")
                .find("warn_at_least must not be above ok_at_least"),
            std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    rule: {ok_at_least: 2}\n").find("needs both"),
            std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    rule: {at_least: \"150%\"}\n").find("at most 100%"),
            std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    rule: {exactly: 0}\n").find("1 or more"),
            std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    rule: {weighted: {warning: 70, critical: 50}}\n")
                .find("must not be above the critical"),
            std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    depends_on: [{service: b, impact: louder}]\n  b: {}\n")
                .find("m.yaml:3:"),
            std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    depends_on: [{service: b, impact: {set: red}}]\n  b: {}\n")
                .find("'red' is not a state"),
            std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    depends_on: [{service: b, weight: 0}]\n  b: {}\n")
                .find("weight must be between"),
            std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    count: {unknown: maybe}\n").find("m.yaml:3:"),
            std::string::npos);
  EXPECT_NE(error("services:\n  a:\n    count: {snoozed: ok}\n").find("unknown key"),
            std::string::npos);
}

}  // namespace
}  // namespace bsm::server
