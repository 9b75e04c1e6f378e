#include <gtest/gtest.h>

#include "server/sqlite_state_store.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

StateChange serviceChange(const std::string& service, int64_t ts_ms, CheckState state) {
  StateChange change;
  change.kind = StateChange::Kind::kService;
  change.service = service;
  change.ts_ms = ts_ms;
  change.state = state;
  change.reason = "test";
  return change;
}

StateChange componentChange(const std::string& service, const std::string& host, int64_t ts_ms,
                            CheckState state) {
  StateChange change = serviceChange(service, ts_ms, state);
  change.kind = StateChange::Kind::kComponent;
  change.series_kind = SeriesKind::kCheck;
  change.host = host;
  change.name = "http";
  return change;
}

TEST(SqliteStateStoreSlaTest, AnswersTheStateAtATimeAndStreamsARange) {
  TempDir dir;
  auto opened = SqliteStateStore::open(dir.path());
  ASSERT_TRUE(opened.ok());
  auto& store = *opened.value();
  const std::vector<StateChange> changes = {
      serviceChange("shop", kT0, CheckState::kOk),
      serviceChange("other", kT0 + 500, CheckState::kCritical),
      serviceChange("shop", kT0 + 1000, CheckState::kCritical),
      serviceChange("shop", kT0 + 2000, CheckState::kOk),
      serviceChange("shop", kT0 + 3000, CheckState::kWarning),
  };
  store.record(changes);
  store.flush();

  auto before = store.serviceStateAt("shop", kT0 - 1);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->has_value());
  auto at = store.serviceStateAt("shop", kT0 + 1500);
  ASSERT_TRUE(at.ok());
  ASSERT_TRUE(at->has_value());
  EXPECT_EQ((*at)->state, CheckState::kCritical);
  EXPECT_EQ((*at)->ts_ms, kT0 + 1000);
  // At the very millisecond of a change, that change is in force.
  EXPECT_EQ((*store.serviceStateAt("shop", kT0 + 2000))->state, CheckState::kOk);

  std::vector<std::pair<int64_t, CheckState>> seen;
  ASSERT_TRUE(
      store
          .forEachServiceChange("shop", kT0 + 1000, kT0 + 3000,
                                [&](int64_t ts, CheckState state) { seen.emplace_back(ts, state); })
          .ok());
  ASSERT_EQ(seen.size(), 2u);  // from inclusive, to exclusive, other services left out
  EXPECT_EQ(seen[0], std::make_pair(kT0 + 1000, CheckState::kCritical));
  EXPECT_EQ(seen[1], std::make_pair(kT0 + 2000, CheckState::kOk));
}

TEST(SqliteStateStoreSlaTest, AnswersEachComponentsLatestStateAtATime) {
  TempDir dir;
  auto opened = SqliteStateStore::open(dir.path());
  ASSERT_TRUE(opened.ok());
  auto& store = *opened.value();
  const std::vector<StateChange> changes = {
      componentChange("web", "web-1", kT0, CheckState::kOk),
      componentChange("web", "web-2", kT0, CheckState::kOk),
      componentChange("web", "web-1", kT0 + 1000, CheckState::kCritical),
      componentChange("web", "web-1", kT0 + 2000, CheckState::kOk),
      componentChange("other", "web-1", kT0 + 1000, CheckState::kCritical),
  };
  store.record(changes);
  store.flush();

  auto then = store.componentStatesAt("web", kT0 + 1500);
  ASSERT_TRUE(then.ok());
  ASSERT_EQ(then->size(), 2u);
  EXPECT_EQ((*then)[0].host, "web-1");
  EXPECT_EQ((*then)[0].state, CheckState::kCritical);
  EXPECT_EQ((*then)[0].ts_ms, kT0 + 1000);
  EXPECT_EQ((*then)[1].host, "web-2");
  EXPECT_EQ((*then)[1].state, CheckState::kOk);
  EXPECT_EQ((*store.componentStatesAt("web", kT0 + 2500))[0].state, CheckState::kOk);
  EXPECT_TRUE(store.componentStatesAt("web", kT0 - 1)->empty());
}

}  // namespace
}  // namespace bsm::server
