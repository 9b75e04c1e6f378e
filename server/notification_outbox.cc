#include "server/notification_outbox.h"

#include <sqlite3.h>

#include <filesystem>

namespace bsm::server {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so ids keep the order of arrival
  channel TEXT NOT NULL,
  created_ms INTEGER NOT NULL,           -- server clock when the notification was queued
  document TEXT NOT NULL                 -- the notification document (JSON)
);
CREATE INDEX IF NOT EXISTS outbox_by_channel ON outbox(channel, id);
CREATE TABLE IF NOT EXISTS channel_state (
  channel TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (channel, key)
);
)sql";

// A prepared statement that finalizes itself; every call site checks ok() or step().
class Query {
 public:
  Query(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      stmt_ = nullptr;
    }
  }
  ~Query() { sqlite3_finalize(stmt_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  void bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind(int index, int64_t number) { sqlite3_bind_int64(stmt_, index, number); }
  int step() { return sqlite3_step(stmt_); }
  void reset() { sqlite3_reset(stmt_); }
  int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    return data ? std::string(reinterpret_cast<const char*>(data),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  Error error(const std::string& what) const {
    return Error{"notification outbox: cannot " + what + ": " + sqlite3_errmsg(db_)};
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

Status exec(sqlite3* db, const char* sql, const std::string& what) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{"notification outbox: cannot " + what + ": " +
                (message ? message : sqlite3_errmsg(db))};
    sqlite3_free(message);
    return error;
  }
  return Status::success();
}

// Rolls back unless committed, so that an early return leaves no transaction open.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Status begin() {
    Status status = exec(db_, "BEGIN IMMEDIATE", "begin a transaction");
    open_ = status.ok();
    return status;
  }
  Status commit() {
    Status status = exec(db_, "COMMIT", "commit");
    open_ = !status.ok();
    return status;
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace

Result<std::unique_ptr<NotificationOutbox>> NotificationOutbox::open(const std::string& data_dir) {
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  const std::string path = (std::filesystem::path(data_dir) / "notifications.db").string();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Error failed{"cannot open the notification outbox " + path + ": " +
                 (db ? sqlite3_errmsg(db) : "out of memory")};
    sqlite3_close(db);
    return failed;
  }
  std::unique_ptr<NotificationOutbox> outbox(new NotificationOutbox(db, path));
  sqlite3_busy_timeout(db, 5000);
  // WAL with synchronous=NORMAL: a crash of the server loses nothing committed; a power cut may
  // lose the last moments, which is acceptable for notifications about those same moments.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"}) {
    if (Status done = exec(db, pragma, "set up " + path); !done) {
      return done.error();
    }
  }
  if (Status created = exec(db, kSchema, "create its tables in " + path); !created) {
    return created.error();
  }
  return outbox;
}

NotificationOutbox::~NotificationOutbox() {
  sqlite3_close(db_);
}

Result<std::vector<int64_t>> NotificationOutbox::add(const std::vector<std::string>& channels,
                                                     int64_t created_ms,
                                                     const std::string& document) {
  std::lock_guard lock(mutex_);
  Transaction transaction(db_);
  if (Status begun = transaction.begin(); !begun) {
    return begun.error();
  }
  Query insert(db_, "INSERT INTO outbox (channel, created_ms, document) VALUES (?, ?, ?)");
  if (!insert.ok()) {
    return insert.error("prepare an insert");
  }
  std::vector<int64_t> ids;
  for (const auto& channel : channels) {
    insert.reset();
    insert.bind(1, channel);
    insert.bind(2, created_ms);
    insert.bind(3, document);
    if (insert.step() != SQLITE_DONE) {
      return insert.error("store a notification for channel=" + channel);
    }
    ids.push_back(sqlite3_last_insert_rowid(db_));
  }
  if (Status committed = transaction.commit(); !committed) {
    return committed.error();
  }
  return ids;
}

Status NotificationOutbox::remove(const std::vector<int64_t>& ids) {
  std::lock_guard lock(mutex_);
  Transaction transaction(db_);
  if (Status begun = transaction.begin(); !begun) {
    return begun;
  }
  Query erase(db_, "DELETE FROM outbox WHERE id = ?");
  if (!erase.ok()) {
    return erase.error("prepare a delete");
  }
  for (int64_t id : ids) {
    erase.reset();
    erase.bind(1, id);
    if (erase.step() != SQLITE_DONE) {
      return erase.error("remove a delivered notification");
    }
  }
  return transaction.commit();
}

Result<std::vector<OutboxEntry>> NotificationOutbox::pending() {
  std::lock_guard lock(mutex_);
  Query select(db_, "SELECT id, channel, created_ms, document FROM outbox ORDER BY id");
  if (!select.ok()) {
    return select.error("prepare a select");
  }
  std::vector<OutboxEntry> out;
  int step;
  while ((step = select.step()) == SQLITE_ROW) {
    out.push_back(
        OutboxEntry{select.integer(0), select.text(1), select.integer(2), select.text(3)});
  }
  if (step != SQLITE_DONE) {
    return select.error("read waiting notifications");
  }
  return out;
}

Result<int64_t> NotificationOutbox::removeChannel(const std::string& channel) {
  std::lock_guard lock(mutex_);
  Query erase(db_, "DELETE FROM outbox WHERE channel = ?");
  if (!erase.ok()) {
    return erase.error("prepare a delete");
  }
  erase.bind(1, channel);
  if (erase.step() != SQLITE_DONE) {
    return erase.error("remove the notifications of channel=" + channel);
  }
  const int64_t removed = sqlite3_changes(db_);
  Query state(db_, "DELETE FROM channel_state WHERE channel = ?");
  if (state.ok()) {
    state.bind(1, channel);
    state.step();
  }
  return removed;
}

Result<std::map<std::string, std::string>> NotificationOutbox::channelState(
    const std::string& channel) {
  std::lock_guard lock(mutex_);
  Query select(db_, "SELECT key, value FROM channel_state WHERE channel = ?");
  if (!select.ok()) {
    return select.error("prepare a select");
  }
  select.bind(1, channel);
  std::map<std::string, std::string> out;
  int step;
  while ((step = select.step()) == SQLITE_ROW) {
    out.emplace(select.text(0), select.text(1));
  }
  if (step != SQLITE_DONE) {
    return select.error("read the state of channel=" + channel);
  }
  return out;
}

Status NotificationOutbox::putChannelState(const std::string& channel, const std::string& key,
                                           const std::string& value) {
  std::lock_guard lock(mutex_);
  Query upsert(db_, "INSERT OR REPLACE INTO channel_state (channel, key, value) VALUES (?, ?, ?)");
  if (!upsert.ok()) {
    return upsert.error("prepare an insert");
  }
  upsert.bind(1, channel);
  upsert.bind(2, key);
  upsert.bind(3, value);
  if (upsert.step() != SQLITE_DONE) {
    return upsert.error("store the state of channel=" + channel);
  }
  return Status::success();
}

Status NotificationOutbox::eraseChannelState(const std::string& channel, const std::string& key) {
  std::lock_guard lock(mutex_);
  Query erase(db_, "DELETE FROM channel_state WHERE channel = ? AND key = ?");
  if (!erase.ok()) {
    return erase.error("prepare a delete");
  }
  erase.bind(1, channel);
  erase.bind(2, key);
  if (erase.step() != SQLITE_DONE) {
    return erase.error("erase the state of channel=" + channel);
  }
  return Status::success();
}

}  // namespace bsm::server
