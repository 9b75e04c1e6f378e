#include "server/maintenance_calendar.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "common/time_format.h"

namespace bsm::server {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS maintenance_windows ("
    " id INTEGER PRIMARY KEY,"
    " created_ms INTEGER NOT NULL,"
    " window TEXT NOT NULL)";  // the window as the API writes it (JSON)

std::shared_ptr<spdlog::logger> maintenanceLog() {
  static const auto logger = logging::get("maintenance");
  return logger;
}

std::string lastError(sqlite3* db) {
  return db != nullptr ? sqlite3_errmsg(db) : "out of memory";
}

}  // namespace

Result<std::unique_ptr<MaintenanceCalendar>> MaintenanceCalendar::open(
    const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  const std::string path = (std::filesystem::path(data_dir) / "bsm.db").string();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Error error{"cannot open " + path + ": " + lastError(db)};
    sqlite3_close(db);
    return error;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<MaintenanceCalendar> calendar(new MaintenanceCalendar(db, path));
  char* message = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{path + ": cannot create the maintenance_windows table: " +
                (message != nullptr ? message : "unknown error")};
    sqlite3_free(message);
    return error;
  }

  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT id, created_ms, window FROM maintenance_windows", -1, &select,
                         nullptr) != SQLITE_OK) {
    return Error{path + ": cannot read the maintenance windows: " + lastError(db)};
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
    const int64_t id = sqlite3_column_int64(select, 0);
    const char* text = reinterpret_cast<const char*>(sqlite3_column_text(select, 2));
    const nlohmann::json body = nlohmann::json::parse(text != nullptr ? text : "", nullptr, false);
    // Stored windows were valid when added; one that no longer reads (a time zone the
    // system's database dropped) is skipped with a warning rather than stopping the server.
    auto window = MaintenanceWindow::fromJson(body, 0);
    if (!window) {
      maintenanceLog()->warn("maintenance window skipped, it no longer reads id={} error=\"{}\"",
                             id, window.error().message);
      continue;
    }
    window->id = id;
    window->created_ms = sqlite3_column_int64(select, 1);
    calendar->windows_.push_back(std::move(*window));
  }
  sqlite3_finalize(select);
  if (rc != SQLITE_DONE) {
    return Error{path + ": cannot read the maintenance windows: " + lastError(db)};
  }
  maintenanceLog()->info("maintenance calendar opened path={} windows={}", path,
                         calendar->windows_.size());
  return calendar;
}

MaintenanceCalendar::~MaintenanceCalendar() {
  sqlite3_close(db_);
}

Result<MaintenanceWindow> MaintenanceCalendar::add(MaintenanceWindow window, int64_t now_ms) {
  window.created_ms = now_ms;
  nlohmann::json stored = window.toJson();
  // What fromJson() reads back: the id and creation time live in their own columns.
  stored.erase("id");
  stored.erase("created");
  if (stored["end"].is_null()) {
    stored.erase("end");
  }

  std::lock_guard lock(mutex_);
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT INTO maintenance_windows (created_ms, window) VALUES (?, ?)",
                         -1, &insert, nullptr) != SQLITE_OK) {
    return Error{path_ + ": cannot store the maintenance window: " + lastError(db_)};
  }
  const std::string text = stored.dump();
  sqlite3_bind_int64(insert, 1, now_ms);
  sqlite3_bind_text(insert, 2, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(insert);
  sqlite3_finalize(insert);
  if (rc != SQLITE_DONE) {
    return Error{path_ + ": cannot store the maintenance window: " + lastError(db_)};
  }
  window.id = sqlite3_last_insert_rowid(db_);
  windows_.push_back(window);
  maintenanceLog()->info(
      "maintenance window added id={} target=\"{}\" start={} end={} weekly={} "
      "counts_against_sla={} author=\"{}\" reason=\"{}\"",
      window.id, window.target.describe(), formatRfc3339(window.start_ms),
      window.end_ms == 0 ? std::string("never") : formatRfc3339(window.end_ms),
      window.weekly.size(), window.counts_against_sla, window.author, window.reason);
  return window;
}

Result<bool> MaintenanceCalendar::remove(int64_t id) {
  std::lock_guard lock(mutex_);
  const auto found = std::find_if(windows_.begin(), windows_.end(),
                                  [id](const MaintenanceWindow& w) { return w.id == id; });
  if (found == windows_.end()) {
    return false;
  }
  sqlite3_stmt* erase = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM maintenance_windows WHERE id = ?", -1, &erase,
                         nullptr) != SQLITE_OK) {
    return Error{path_ + ": cannot remove the maintenance window: " + lastError(db_)};
  }
  sqlite3_bind_int64(erase, 1, id);
  const int rc = sqlite3_step(erase);
  sqlite3_finalize(erase);
  if (rc != SQLITE_DONE) {
    return Error{path_ + ": cannot remove the maintenance window: " + lastError(db_)};
  }
  maintenanceLog()->info("maintenance window removed id={} target=\"{}\"", id,
                         found->target.describe());
  windows_.erase(found);
  return true;
}

std::vector<MaintenanceWindow> MaintenanceCalendar::list(bool include_ended, int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  std::vector<MaintenanceWindow> out;
  for (const MaintenanceWindow& window : windows_) {
    if (include_ended || !window.endedBy(now_ms)) {
      out.push_back(window);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.start_ms, a.id) < std::tie(b.start_ms, b.id);
  });
  return out;
}

ActiveMaintenance MaintenanceCalendar::active(int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  return activeMaintenance(windows_, now_ms);
}

}  // namespace bsm::server
