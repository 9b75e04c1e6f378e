#include "server/sqlite_state_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/logging.h"

namespace bsm::server {

namespace {

constexpr int kSchemaVersion = 2;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS transitions (
  id INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,            -- agent clock when a sample caused it, else server clock
  kind TEXT NOT NULL,                -- 'service' or 'component'
  service TEXT NOT NULL,             -- the service, or the one the component belongs to
  component TEXT NOT NULL DEFAULT '',  -- e.g. 'check http on web-1'; '' for a service
  host TEXT NOT NULL DEFAULT '',
  series_kind TEXT NOT NULL DEFAULT '',  -- 'check' or 'metric'
  name TEXT NOT NULL DEFAULT '',     -- check or metric name
  labels TEXT NOT NULL DEFAULT '{}', -- JSON object
  state TEXT NOT NULL,
  previous TEXT NOT NULL,
  reason TEXT NOT NULL,
  maintenance TEXT NOT NULL DEFAULT 'none'  -- services: 'none', 'counted' or 'excluded'
);
CREATE INDEX IF NOT EXISTS transitions_by_service ON transitions(kind, service, ts_ms);
CREATE INDEX IF NOT EXISTS transitions_by_host ON transitions(kind, host, name, ts_ms);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  last_applied_seq INTEGER NOT NULL
);
)sql";

std::shared_ptr<spdlog::logger> storeLog() {
  static const auto logger = logging::get("store");
  return logger;
}

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      error_ = sqlite3_errmsg(db);
      stmt_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  const std::string& error() const { return error_; }

  void bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind(int index, int64_t number) { sqlite3_bind_int64(stmt_, index, number); }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    return data ? std::string(reinterpret_cast<const char*>(data),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  std::string lastError() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
};

Status exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{message ? message : sqlite3_errmsg(db)};
    sqlite3_free(message);
    return error;
  }
  return Status::success();
}

Result<sqlite3*> openConnection(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Error error{"cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
    sqlite3_close(db);
    return error;
  }
  // Readers and the writer share the file; a brief lock (a checkpoint) is waited out rather
  // than reported as an error.
  sqlite3_busy_timeout(db, 5000);
  return db;
}

std::string labelsJson(const Labels& labels) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : labels) {
    object[key] = value;
  }
  return object.dump();
}

Labels parseLabels(const std::string& text) {
  Labels labels;
  const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    for (const auto& [key, value] : parsed.items()) {
      if (value.is_string()) {
        labels.emplace(key, value.get<std::string>());
      }
    }
  }
  return labels;
}

CheckState stateFromText(const std::string& text) {
  return parseCheckState(text).value_or(CheckState::kUnknown);
}

// A row whose columns 1 to 10 are ts_ms, kind, service, host, series_kind, name, labels, state,
// previous, reason (column 0 is left to the query).
StateChange readChange(const Statement& row) {
  StateChange change;
  change.ts_ms = row.integer(1);
  change.kind =
      row.text(2) == "service" ? StateChange::Kind::kService : StateChange::Kind::kComponent;
  change.service = row.text(3);
  change.host = row.text(4);
  change.series_kind = row.text(5) == "check" ? SeriesKind::kCheck : SeriesKind::kMetric;
  change.name = row.text(6);
  change.labels = parseLabels(row.text(7));
  change.state = stateFromText(row.text(8));
  change.previous = stateFromText(row.text(9));
  change.reason = row.text(10);
  return change;
}

}  // namespace

Result<std::unique_ptr<SqliteStateStore>> SqliteStateStore::open(const std::string& data_dir,
                                                                 Options options) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return Error{"cannot create the data directory " + data_dir + ": " + ec.message()};
  }
  const std::string path = (std::filesystem::path(data_dir) / "bsm.db").string();

  auto writer = openConnection(path);
  if (!writer) {
    return writer.error();
  }
  auto fail = [&](sqlite3* reader, const std::string& what) -> Error {
    const std::string message = path + ": " + what;
    sqlite3_close(*writer);
    sqlite3_close(reader);
    return Error{message};
  };

  // WAL lets the API read history while the writer appends; synchronous=NORMAL is WAL's
  // durable-enough setting: a power cut may lose the last transactions, never corrupts.
  if (auto status = exec(*writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !status) {
    return fail(nullptr, "cannot switch to WAL mode: " + status.error().message);
  }
  {
    Statement version(*writer, "PRAGMA user_version");
    if (!version.ok() || version.step() != SQLITE_ROW) {
      return fail(nullptr, "cannot read the schema version: " + version.lastError());
    }
    if (version.integer(0) > kSchemaVersion) {
      return fail(nullptr, "the database has schema version " + std::to_string(version.integer(0)) +
                               ", newer than this bsm-server understands (" +
                               std::to_string(kSchemaVersion) + ")");
    }
  }
  if (auto status = exec(*writer, kSchema); !status) {
    return fail(nullptr, "cannot create the schema: " + status.error().message);
  }
  // Version 1 had no maintenance column; the rows it holds were recorded outside any
  // maintenance, which the column's default says.
  {
    Statement columns(*writer,
                      "SELECT COUNT(*) FROM pragma_table_info('transitions') "
                      "WHERE name = 'maintenance'");
    if (!columns.ok() || columns.step() != SQLITE_ROW) {
      return fail(nullptr, "cannot read the transitions table's columns: " + columns.lastError());
    }
    if (columns.integer(0) == 0) {
      if (auto status = exec(*writer,
                             "ALTER TABLE transitions ADD COLUMN maintenance TEXT NOT "
                             "NULL DEFAULT 'none'");
          !status) {
        return fail(nullptr, "cannot add the maintenance column: " + status.error().message);
      }
    }
  }
  if (auto status = exec(*writer, "PRAGMA user_version=2"); !status) {
    return fail(nullptr, "cannot record the schema version: " + status.error().message);
  }

  auto reader = openConnection(path);
  if (!reader) {
    return fail(nullptr, reader.error().message);
  }

  std::map<std::string, AgentRecord> agents;
  {
    Statement select(*reader, "SELECT id, address, last_seen_ms, last_applied_seq FROM agents");
    if (!select.ok()) {
      return fail(*reader, "cannot read the agents: " + select.error());
    }
    int rc = SQLITE_ROW;
    while ((rc = select.step()) == SQLITE_ROW) {
      AgentRecord agent{select.text(0), select.text(1), select.integer(2),
                        static_cast<uint64_t>(select.integer(3))};
      agents.emplace(agent.id, agent);
    }
    if (rc != SQLITE_DONE) {
      return fail(*reader, "cannot read the agents: " + select.lastError());
    }
  }

  std::unique_ptr<SqliteStateStore> store(new SqliteStateStore(path, *writer, *reader, options));
  store->agents_ = std::move(agents);
  storeLog()->info("opened state store path={} agents={}", path, store->agents_.size());
  return store;
}

SqliteStateStore::SqliteStateStore(std::string path, sqlite3* writer, sqlite3* reader,
                                   Options options)
    : path_(std::move(path)), options_(options), writer_(writer), reader_(reader) {
  writer_thread_ = std::thread([this] { writerLoop(); });
}

SqliteStateStore::~SqliteStateStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_one();
  writer_thread_.join();
  sqlite3_close(reader_);
  sqlite3_close(writer_);
  if (dropped_ > 0 || failed_ > 0) {
    storeLog()->warn("closed state store path={} dropped_changes={} failed_writes={}", path_,
                     dropped_, failed_);
  }
}

void SqliteStateStore::enqueueLocked(Item item) {
  queue_.push_back(std::move(item));
  ++enqueued_;
}

void SqliteStateStore::record(std::span<const StateChange> changes) {
  if (changes.empty()) {
    return;
  }
  {
    std::lock_guard lock(mutex_);
    for (const auto& change : changes) {
      if (queue_.size() >= options_.max_queue) {
        // Logged on the first drop and then every 10000th, so a slow disk cannot also flood
        // the log.
        if (dropped_ % 10'000 == 0) {
          storeLog()->error(
              "state history queue full, dropping state changes path={} queued={} "
              "dropped_so_far={}",
              path_, queue_.size(), dropped_ + 1);
        }
        ++dropped_;
        continue;
      }
      enqueueLocked(change);
    }
  }
  wake_writer_.notify_one();
}

void SqliteStateStore::saveAgent(const AgentRecord& agent) {
  {
    std::lock_guard lock(mutex_);
    agents_[agent.id] = agent;
    // Agent rows are few and carry the deduplication sequence: never dropped.
    enqueueLocked(agent);
  }
  wake_writer_.notify_one();
}

void SqliteStateStore::saveAgentContact(const std::string& id, const std::string& address,
                                        int64_t last_seen_ms) {
  {
    std::lock_guard lock(mutex_);
    AgentRecord& agent = agents_[id];
    agent.id = id;
    if (!address.empty()) {
      agent.address = address;
    }
    agent.last_seen_ms = std::max(agent.last_seen_ms, last_seen_ms);
    enqueueLocked(agent);
  }
  wake_writer_.notify_one();
}

std::vector<AgentRecord> SqliteStateStore::loadAgents() {
  std::lock_guard lock(mutex_);
  std::vector<AgentRecord> out;
  out.reserve(agents_.size());
  for (const auto& [id, agent] : agents_) {
    out.push_back(agent);
  }
  return out;
}

std::optional<AgentRecord> SqliteStateStore::findAgent(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto found = agents_.find(id);
  return found == agents_.end() ? std::nullopt : std::optional<AgentRecord>(found->second);
}

void SqliteStateStore::flush() {
  std::unique_lock lock(mutex_);
  const uint64_t target = enqueued_;
  written_cv_.wait(lock, [&] { return written_ >= target; });
}

uint64_t SqliteStateStore::droppedChanges() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

uint64_t SqliteStateStore::failedWrites() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

void SqliteStateStore::writerLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_writer_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      break;  // stopping, and everything is written
    }
    std::deque<Item> items;
    items.swap(queue_);
    lock.unlock();
    writeItems(items);
    lock.lock();
    written_ += items.size();
    written_cv_.notify_all();
  }
}

void SqliteStateStore::writeItems(const std::deque<Item>& items) {
  Statement insert(writer_,
                   "INSERT INTO transitions (ts_ms, kind, service, component, host, series_kind, "
                   "name, labels, state, previous, reason, maintenance) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  Statement upsert(writer_,
                   "INSERT INTO agents (id, address, last_seen_ms, last_applied_seq) "
                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET "
                   "address = excluded.address, last_seen_ms = excluded.last_seen_ms, "
                   "last_applied_seq = excluded.last_applied_seq");
  auto lose = [&](const std::string& what, const std::string& error, uint64_t rows) {
    storeLog()->error("state store write failed, rows lost path={} what={} rows={} error={}", path_,
                      what, rows, error);
    std::lock_guard lock(mutex_);
    failed_ += rows;
  };
  if (!insert.ok() || !upsert.ok()) {
    lose("prepare", insert.ok() ? upsert.error() : insert.error(), items.size());
    return;
  }
  if (auto status = exec(writer_, "BEGIN IMMEDIATE"); !status) {
    lose("begin", status.error().message, items.size());
    return;
  }

  uint64_t failed_rows = 0;
  for (const auto& item : items) {
    Statement* statement = nullptr;
    if (const auto* change = std::get_if<StateChange>(&item)) {
      const bool service = change->kind == StateChange::Kind::kService;
      insert.bind(1, change->ts_ms);
      insert.bind(2, std::string(service ? "service" : "component"));
      insert.bind(3, change->service);
      insert.bind(4, service ? std::string()
                             : describeSeries(change->series_kind, change->host, change->name,
                                              change->labels));
      insert.bind(5, change->host);
      insert.bind(6, std::string(service ? "" : toString(change->series_kind)));
      insert.bind(7, change->name);
      insert.bind(8, labelsJson(change->labels));
      insert.bind(9, std::string(toString(change->state)));
      insert.bind(10, std::string(toString(change->previous)));
      insert.bind(11, change->reason);
      insert.bind(12, std::string(toString(change->maintenance)));
      statement = &insert;
    } else {
      const auto& agent = std::get<AgentRecord>(item);
      upsert.bind(1, agent.id);
      upsert.bind(2, agent.address);
      upsert.bind(3, agent.last_seen_ms);
      upsert.bind(4, static_cast<int64_t>(agent.last_applied_seq));
      statement = &upsert;
    }
    if (statement->step() != SQLITE_DONE) {
      ++failed_rows;
      storeLog()->error("state store row failed path={} error={}", path_, statement->lastError());
    }
    statement->reset();
  }

  if (auto status = exec(writer_, "COMMIT"); !status) {
    // TODO: the rows of a failed transaction are lost; keeping them for a retry needs a bound
    // on how long to hold them, which depends on why the disk refused (full, read-only).
    exec(writer_, "ROLLBACK");
    lose("commit", status.error().message, items.size());
    return;
  }
  if (failed_rows > 0) {
    std::lock_guard lock(mutex_);
    failed_ += failed_rows;
  }
}

std::vector<StateChange> SqliteStateStore::history(const HistoryQuery& query) {
  // A series selected by two services makes two components and so two rows per change; a
  // question about the host's check wants each change once.
  const bool by_component = query.service.empty() && !query.host.empty();
  std::string sql =
      "SELECT MIN(id), ts_ms, kind, service, host, series_kind, name, labels, state, previous, "
      "reason FROM transitions WHERE ts_ms >= ?1 AND ts_ms < ?2";
  if (!query.service.empty()) {
    sql += " AND kind = 'service' AND service = ?3";
  } else if (!query.host.empty()) {
    sql += " AND kind = 'component' AND host = ?4";
    if (!query.name.empty()) {
      sql += " AND name = ?5";
    }
    if (query.kind) {
      sql += " AND series_kind = ?6";
    }
  }
  sql +=
      by_component ? " GROUP BY ts_ms, series_kind, name, labels, state, previous" : " GROUP BY id";
  sql += " ORDER BY ts_ms DESC, MIN(id) DESC LIMIT ?7";

  std::lock_guard lock(reader_mutex_);
  Statement select(reader_, sql.c_str());
  if (!select.ok()) {
    storeLog()->error("history query failed path={} error={}", path_, select.error());
    return {};
  }
  select.bind(1, query.from_ms);
  select.bind(2, query.to_ms);
  select.bind(3, query.service);
  select.bind(4, query.host);
  select.bind(5, query.name);
  select.bind(6, std::string(query.kind ? toString(*query.kind) : ""));
  select.bind(7, static_cast<int64_t>(std::min<size_t>(query.limit, 100'000)));

  std::vector<StateChange> out;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    out.push_back(readChange(select));
  }
  if (rc != SQLITE_DONE) {
    storeLog()->error("history query failed path={} error={}", path_, select.lastError());
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<std::optional<StateChange>> SqliteStateStore::serviceStateAt(const std::string& service,
                                                                    int64_t at_ms) {
  // transitions_by_service (kind, service, ts_ms) finds the row with one index seek.
  std::lock_guard lock(reader_mutex_);
  Statement select(reader_,
                   "SELECT id, ts_ms, kind, service, host, series_kind, name, labels, state, "
                   "previous, reason FROM transitions WHERE kind = 'service' AND service = ?1 "
                   "AND ts_ms <= ?2 ORDER BY ts_ms DESC, id DESC LIMIT 1");
  if (!select.ok()) {
    return Error{path_ + ": state of service " + service + ": " + select.error()};
  }
  select.bind(1, service);
  select.bind(2, at_ms);
  const int rc = select.step();
  if (rc == SQLITE_DONE) {
    return std::optional<StateChange>();
  }
  if (rc != SQLITE_ROW) {
    return Error{path_ + ": state of service " + service + ": " + select.lastError()};
  }
  return std::optional<StateChange>(readChange(select));
}

Status SqliteStateStore::forEachServiceChange(
    const std::string& service, int64_t from_ms, int64_t to_ms,
    const std::function<void(int64_t, CheckState)>& visit) {
  // Read straight off transitions_by_service, whose order is (ts_ms, rowid): no sort, and one
  // row in memory at a time. The reader lock is held throughout, so `visit` must be quick.
  std::lock_guard lock(reader_mutex_);
  Statement select(reader_,
                   "SELECT ts_ms, state FROM transitions WHERE kind = 'service' AND service = ?1 "
                   "AND ts_ms >= ?2 AND ts_ms < ?3 ORDER BY ts_ms, id");
  if (!select.ok()) {
    return Error{path_ + ": changes of service " + service + ": " + select.error()};
  }
  select.bind(1, service);
  select.bind(2, from_ms);
  select.bind(3, to_ms);
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    visit(select.integer(0), stateFromText(select.text(1)));
  }
  if (rc != SQLITE_DONE) {
    return Error{path_ + ": changes of service " + service + ": " + select.lastError()};
  }
  return Status::success();
}

Result<std::vector<TimeInterval>> SqliteStateStore::plannedMaintenance(const std::string& service,
                                                                       TimeInterval span) {
  // The service's maintenance in force at the span's start, then every change inside it, off
  // transitions_by_service; spans open while the service was in maintenance excluded from the
  // SLA and close when it left.
  std::lock_guard lock(reader_mutex_);
  Statement select(reader_,
                   "SELECT ts_ms, maintenance FROM (SELECT ts_ms, id, maintenance FROM transitions "
                   "WHERE kind = 'service' AND service = ?1 AND ts_ms <= ?2 "
                   "ORDER BY ts_ms DESC, id DESC LIMIT 1) "
                   "UNION ALL SELECT ts_ms, maintenance FROM (SELECT ts_ms, id, maintenance FROM "
                   "transitions WHERE kind = 'service' AND service = ?1 AND ts_ms > ?2 AND "
                   "ts_ms < ?3 ORDER BY ts_ms, id)");
  if (!select.ok()) {
    return Error{path_ + ": maintenance of service " + service + ": " + select.error()};
  }
  select.bind(1, service);
  select.bind(2, span.from_ms);
  select.bind(3, span.to_ms);
  std::vector<TimeInterval> out;
  bool open = false;  // a planned span started and has not ended yet
  int64_t open_since = 0;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    const int64_t ts = std::max(select.integer(0), span.from_ms);
    const bool planned = select.text(1) == "excluded";
    if (planned && !open) {
      open = true;
      open_since = ts;
    } else if (!planned && open) {
      if (ts > open_since) {
        out.push_back({open_since, ts});
      }
      open = false;
    }
  }
  if (rc != SQLITE_DONE) {
    return Error{path_ + ": maintenance of service " + service + ": " + select.lastError()};
  }
  if (open && span.to_ms > open_since) {
    out.push_back({open_since, span.to_ms});
  }
  return out;
}

Result<std::vector<StateChange>> SqliteStateStore::componentStatesAt(const std::string& service,
                                                                     int64_t at_ms) {
  // SQLite takes the bare columns of a MAX() aggregate from the row holding the maximum, which
  // gives each component's latest change in one pass.
  // TODO: the pass reads every earlier change of the service's components; a service with
  // years of flapping history needs periodic snapshots to keep this quick.
  std::lock_guard lock(reader_mutex_);
  Statement select(reader_,
                   "SELECT MAX(id), ts_ms, kind, service, host, series_kind, name, labels, state, "
                   "previous, reason FROM transitions WHERE kind = 'component' AND service = ?1 "
                   "AND ts_ms <= ?2 GROUP BY component ORDER BY host, name, labels");
  if (!select.ok()) {
    return Error{path_ + ": components of service " + service + ": " + select.error()};
  }
  select.bind(1, service);
  select.bind(2, at_ms);
  std::vector<StateChange> out;
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    out.push_back(readChange(select));
  }
  if (rc != SQLITE_DONE) {
    return Error{path_ + ": components of service " + service + ": " + select.lastError()};
  }
  return out;
}

}  // namespace bsm::server
