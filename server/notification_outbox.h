#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

struct sqlite3;

namespace bsm::server {

// One notification waiting for one channel.
struct OutboxEntry {
  int64_t id = 0;  // rises with every entry: delivery order within a channel
  std::string channel;
  int64_t created_ms = 0;
  std::string document;  // the notification document as JSON text
};

// Notifications not yet delivered, kept in SQLite (notifications.db in the data directory, WAL)
// so that a receiver that is down, or a server restart, loses none. An entry is written before
// any attempt and removed once the channel has delivered it, refused it for good, or dropped it
// for age. Channels may also keep a little state of their own here (Alertmanager's firing
// alerts). A file of its own keeps notification traffic out of the state store's transactions.
// Thread-safe; every call is one short transaction.
class NotificationOutbox {
 public:
  static Result<std::unique_ptr<NotificationOutbox>> open(const std::string& data_dir);
  ~NotificationOutbox();
  NotificationOutbox(const NotificationOutbox&) = delete;
  NotificationOutbox& operator=(const NotificationOutbox&) = delete;

  // Stores `document` once per channel, in one transaction; the ids come back in the order of
  // `channels`.
  Result<std::vector<int64_t>> add(const std::vector<std::string>& channels, int64_t created_ms,
                                   const std::string& document);
  Status remove(const std::vector<int64_t>& ids);
  // Every waiting entry, oldest first.
  Result<std::vector<OutboxEntry>> pending();
  // Removes what waits for a channel that is no longer configured; returns how many.
  Result<int64_t> removeChannel(const std::string& channel);

  // A channel's own state: key -> value, replaced or erased one key at a time.
  Result<std::map<std::string, std::string>> channelState(const std::string& channel);
  Status putChannelState(const std::string& channel, const std::string& key,
                         const std::string& value);
  Status eraseChannelState(const std::string& channel, const std::string& key);

  const std::string& path() const { return path_; }

 private:
  NotificationOutbox(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  std::mutex mutex_;
  sqlite3* db_;
  std::string path_;
};

}  // namespace bsm::server
