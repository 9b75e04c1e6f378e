#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include "common/result.h"
#include "server/state_store.h"

struct sqlite3;

namespace bsm::server {

// The state store in `<data_dir>/bsm.db`, an SQLite database in WAL mode.
//
// Writes go to a queue that one background thread drains, a transaction per drain, so that
// ingest never waits for the disk; the queue is bounded and, when the disk cannot keep up,
// further state changes are dropped and counted rather than taking the server's memory.
// Destruction writes out everything still queued: a clean shutdown loses nothing.
//
// TODO: nothing prunes the transitions table, so it grows for as long as the server runs;
// a retention period has to wait for the SLA ledger, which decides how far back history is
// still needed.
class SqliteStateStore final : public StateStore {
 public:
  struct Options {
    // Queued state changes beyond this are dropped (and counted). At about 300 bytes each,
    // the default bounds the queue near 60 MiB.
    size_t max_queue = 200'000;
  };

  // Opens or creates the database (and data_dir), applies the schema and loads the agents.
  static Result<std::unique_ptr<SqliteStateStore>> open(const std::string& data_dir,
                                                        Options options);
  static Result<std::unique_ptr<SqliteStateStore>> open(const std::string& data_dir) {
    return open(data_dir, Options{});
  }

  ~SqliteStateStore() override;
  SqliteStateStore(const SqliteStateStore&) = delete;
  SqliteStateStore& operator=(const SqliteStateStore&) = delete;

  void record(std::span<const StateChange> changes) override;

  std::vector<AgentRecord> loadAgents() override;
  std::optional<AgentRecord> findAgent(const std::string& id) override;
  void saveAgent(const AgentRecord& agent) override;
  void saveAgentContact(const std::string& id, const std::string& address,
                        int64_t last_seen_ms) override;

  std::vector<StateChange> history(const HistoryQuery& query) override;
  Result<std::optional<StateChange>> serviceStateAt(const std::string& service,
                                                    int64_t at_ms) override;
  Result<std::vector<TimeInterval>> plannedMaintenance(const std::string& service,
                                                       TimeInterval span) override;
  Status forEachServiceChange(const std::string& service, int64_t from_ms, int64_t to_ms,
                              const std::function<void(int64_t, CheckState)>& visit) override;
  Result<std::vector<StateChange>> componentStatesAt(const std::string& service,
                                                     int64_t at_ms) override;
  void flush() override;

  const std::string& path() const { return path_; }
  // State changes dropped because the queue was full, and rows lost to write errors.
  uint64_t droppedChanges() const;
  uint64_t failedWrites() const;

 private:
  using Item = std::variant<StateChange, AgentRecord>;

  SqliteStateStore(std::string path, sqlite3* writer, sqlite3* reader, Options options);

  void writerLoop();
  void writeItems(const std::deque<Item>& items);
  void enqueueLocked(Item item);

  const std::string path_;
  const Options options_;
  sqlite3* writer_;  // used by the writer thread only, after open()
  sqlite3* reader_;  // guarded by reader_mutex_

  mutable std::mutex mutex_;
  std::condition_variable wake_writer_;
  std::condition_variable written_cv_;
  std::deque<Item> queue_;
  uint64_t enqueued_ = 0;
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  uint64_t failed_ = 0;
  bool stopping_ = false;
  std::map<std::string, AgentRecord> agents_;  // what the agents table holds, plus the queue

  std::mutex reader_mutex_;
  std::thread writer_thread_;
};

}  // namespace bsm::server
