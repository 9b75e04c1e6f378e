#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/maintenance_window.h"

namespace bsm::server {

// The maintenance windows: kept in the server's SQLite file (table maintenance_windows), read
// once at start and held in memory, since there are tens of them, not millions. Thread-safe:
// the API adds and removes while the server's tick asks what is active.
class MaintenanceCalendar {
 public:
  // Opens (or creates) the table in <data_dir>/bsm.db.
  static Result<std::unique_ptr<MaintenanceCalendar>> open(const std::string& data_dir);
  ~MaintenanceCalendar();
  MaintenanceCalendar(const MaintenanceCalendar&) = delete;
  MaintenanceCalendar& operator=(const MaintenanceCalendar&) = delete;

  // Stores the window and returns it with its id and creation time.
  Result<MaintenanceWindow> add(MaintenanceWindow window, int64_t now_ms);
  // False when no window has that id.
  Result<bool> remove(int64_t id);
  // Every window, or only those not over by now_ms; by start.
  std::vector<MaintenanceWindow> list(bool include_ended, int64_t now_ms) const;
  ActiveMaintenance active(int64_t now_ms) const;

 private:
  MaintenanceCalendar(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  mutable std::mutex mutex_;
  std::vector<MaintenanceWindow> windows_;
};

}  // namespace bsm::server
