#include "server/sqlite_state_store.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "server/service_engine.h"
#include "server_test_support.h"

namespace bsm::server {
namespace {

using testing::Feeder;
using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

std::unique_ptr<SqliteStateStore> openStore(const std::string& dir) {
  auto store = SqliteStateStore::open(dir);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(store.value()) : nullptr;
}

constexpr const char* kModel = R"(services:
  shop:
    depends_on: [web, search]
  web:
    components: [{host: "web-*", check: http}]
  search:
    components: [{host: "web-*", check: http}]
)";

TEST(SqliteStateStoreTest, StateChangesOutliveTheEngine) {
  TempDir dir;
  {
    auto store = openStore(dir.path());
    ASSERT_TRUE(store);
    ServiceEngine engine(ServiceModel::parse(kModel, "model.yaml"), store.get());
    Feeder feed(engine);
    const SeriesId http = feed.check("web-1", "http", CheckState::kOk, kT0);
    feed.check(http, CheckState::kCritical, kT0 + 5000, "HTTP CRITICAL - 503");
    // Store destroyed after the engine, without an explicit flush: nothing may be lost.
  }

  auto store = openStore(dir.path());
  ASSERT_TRUE(store);
  HistoryQuery query;
  query.service = "shop";
  const auto shop = store->history(query);
  ASSERT_EQ(shop.size(), 2u);
  EXPECT_EQ(shop[0].state, CheckState::kOk);
  EXPECT_EQ(shop[0].previous, CheckState::kUnknown);
  EXPECT_EQ(shop[0].ts_ms, kT0);
  EXPECT_EQ(shop[1].state, CheckState::kCritical);
  EXPECT_EQ(shop[1].previous, CheckState::kOk);
  EXPECT_EQ(shop[1].ts_ms, kT0 + 5000);
  EXPECT_EQ(shop[1].kind, StateChange::Kind::kService);
  // The reason as it stood at the change: web went first, search followed a moment later.
  EXPECT_EQ(shop[1].reason, "worst of 2 children is CRITICAL (1 CRITICAL, 1 OK)");

  // The component is selected by two services, and its history holds each change once.
  HistoryQuery component;
  component.host = "web-1";
  component.kind = SeriesKind::kCheck;
  component.name = "http";
  const auto http = store->history(component);
  ASSERT_EQ(http.size(), 2u);
  EXPECT_EQ(http[1].kind, StateChange::Kind::kComponent);
  EXPECT_EQ(http[1].state, CheckState::kCritical);
  EXPECT_EQ(http[1].reason, "HTTP CRITICAL - 503");
  EXPECT_EQ(http[1].host, "web-1");
  EXPECT_EQ(http[1].series_kind, SeriesKind::kCheck);

  // Time range and limit.
  HistoryQuery late = query;
  late.from_ms = kT0 + 1;
  EXPECT_EQ(store->history(late).size(), 1u);
  HistoryQuery newest = query;
  newest.limit = 1;
  ASSERT_EQ(store->history(newest).size(), 1u);
  EXPECT_EQ(store->history(newest)[0].state, CheckState::kCritical);
}

TEST(SqliteStateStoreTest, DatabaseIsInWalMode) {
  TempDir dir;
  auto store = openStore(dir.path());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->path(), dir.path() + "/bsm.db");

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store->path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteStateStoreTest, AgentsSurviveRestart) {
  TempDir dir;
  {
    auto store = openStore(dir.path());
    ASSERT_TRUE(store);
    store->saveAgent({"web-1", "192.0.2.1:5000", kT0, 41});
    store->saveAgent({"web-1", "192.0.2.1:5000", kT0 + 1000, 42});
    // A contact update keeps the sequence the stream stored.
    store->saveAgentContact("web-1", "192.0.2.1:6000", kT0 + 2000);
    store->saveAgentContact("db-1", "192.0.2.9:7000", kT0);
    EXPECT_EQ(store->findAgent("web-1")->last_applied_seq, 42u);
  }
  auto store = openStore(dir.path());
  ASSERT_TRUE(store);
  const auto agents = store->loadAgents();
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0].id, "db-1");
  EXPECT_EQ(agents[0].last_applied_seq, 0u);
  EXPECT_EQ(agents[1].id, "web-1");
  EXPECT_EQ(agents[1].address, "192.0.2.1:6000");
  EXPECT_EQ(agents[1].last_seen_ms, kT0 + 2000);
  EXPECT_EQ(agents[1].last_applied_seq, 42u);
  EXPECT_FALSE(store->findAgent("nobody").has_value());
}

TEST(SqliteStateStoreTest, EngineListsAgentsFromEarlierRuns) {
  TempDir dir;
  {
    auto store = openStore(dir.path());
    ServiceEngine engine(ServiceModel::parse(kModel, "model.yaml"), store.get());
    engine.agentConnected("web-1", "192.0.2.1:5000", kT0);
    engine.agentDisconnected("web-1", kT0 + 9000);
  }
  auto store = openStore(dir.path());
  ServiceEngine engine(ServiceModel::parse(kModel, "model.yaml"), store.get());
  const auto agents = engine.agents();
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].id, "web-1");
  EXPECT_FALSE(agents[0].connected);
  EXPECT_EQ(agents[0].address, "192.0.2.1:5000");
  EXPECT_EQ(agents[0].last_seen_ms, kT0 + 9000);
}

TEST(SqliteStateStoreTest, FlushMakesQueuedChangesReadable) {
  TempDir dir;
  auto store = openStore(dir.path());
  ASSERT_TRUE(store);
  std::vector<StateChange> changes(500);
  for (size_t i = 0; i < changes.size(); ++i) {
    changes[i].service = "svc";
    changes[i].ts_ms = kT0 + static_cast<int64_t>(i);
    changes[i].state = i % 2 ? CheckState::kOk : CheckState::kCritical;
    changes[i].reason = "step " + std::to_string(i);
  }
  store->record(changes);
  store->flush();
  HistoryQuery query;
  query.service = "svc";
  query.limit = 10'000;
  const auto history = store->history(query);
  ASSERT_EQ(history.size(), 500u);
  EXPECT_EQ(history.front().reason, "step 0");
  EXPECT_EQ(history.back().reason, "step 499");
  EXPECT_EQ(store->droppedChanges(), 0u);
}

TEST(SqliteStateStoreTest, FullQueueDropsAndCounts) {
  TempDir dir;
  SqliteStateStore::Options options;
  options.max_queue = 0;  // nothing fits: every change is dropped
  auto store = SqliteStateStore::open(dir.path(), options);
  ASSERT_TRUE(store.ok());
  std::vector<StateChange> changes(3);
  (*store)->record(changes);
  (*store)->flush();
  EXPECT_EQ((*store)->droppedChanges(), 3u);
  // Agent rows are never dropped: they carry the deduplication sequence.
  (*store)->saveAgent({"web-1", "", kT0, 7});
  (*store)->flush();
  EXPECT_EQ((*store)->findAgent("web-1")->last_applied_seq, 7u);
}

TEST(SqliteStateStoreTest, OpenFailsClearlyWhenDataDirIsAFile) {
  TempDir dir;
  const std::string file = dir.write("not-a-dir", "x");
  auto store = SqliteStateStore::open(file);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find(file), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace bsm::server
