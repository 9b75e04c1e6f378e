#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/log_rate_limiter.h"
#include "common/result.h"
#include "plugins/nagios/file_tail_reader.h"
#include "plugins/nagios/file_tail_state.h"

namespace bsm::plugins::nagios {

struct FileTailOptions {
  std::string name;                // the input's name, for log lines
  std::vector<std::string> files;  // files a writer appends to (Nagios' *_perfdata_file)
  std::string spool_dir;           // where rotated files land; empty: no such folder
  bool delete_after_read = false;  // remove spool files once read (never the live files)
  std::string state_file;          // where positions are kept across restarts
  size_t max_line_bytes = 64 * 1024;
  uint64_t max_bytes_per_round = 8 * 1024 * 1024;
  // A spool file is deleted, or its unterminated last line given up, only once it has not
  // been modified for this long: a file still being copied in is not finished.
  std::chrono::milliseconds settle_time{2000};
  // A file renamed away from a live name to a place the tail does not watch is held open and
  // read until it has not grown for this many rounds: a writer may still append to it until
  // it reopens the name.
  int detached_quiet_rounds = 2;
};

// What one poll() did.
struct FileTailRound {
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t long_lines = 0;        // discarded for exceeding max_line_bytes
  uint64_t lost_partials = 0;     // unterminated last lines of finished files, discarded
  uint64_t errors = 0;            // files or folders that could not be read, state not saved
  uint64_t deleted = 0;           // spool files removed after reading
  bool budget_exhausted = false;  // more is waiting; the next round goes on from here
};

// Reads the lines that writers append to a set of files, each line exactly once, across the
// ways such files are rotated and across restarts of the agent:
//
// - Files are followed by identity (device and inode), not by name. A live file renamed into
//   the spool folder (Nagios' process_*_perfdata_file command, Icinga 2's PerfdataWriter) is
//   the same file there and is read on from where it was.
// - A live file renamed to anywhere else stays open and is drained before the file that took
//   its name is read.
// - A live file that shrinks, or whose first bytes change, was truncated (Nagios opening it
//   with mode "w", copy-truncate) and is read again from its start. Its old position is kept
//   for a while, so that a copy of it arriving in the spool folder is read only past it.
// - Positions (identity, offset, a fingerprint of the first bytes to notice an inode number
//   handed to a new file) are saved to the state file, atomically, after each round, that is
//   after every line before those offsets was handed over.
// - A line is handed over only once its '\n' is there; lines over max_line_bytes are discarded
//   and counted. At most max_bytes_per_round are read per poll(); older files come first.
//
// Limits: on a first start (no state file) existing files are read from their start. With
// copytruncate, lines written between the last poll and the truncation are only found if the
// copy lands in the spool folder. Read spool files that are not deleted stay in the state file
// (one line each) for as long as they exist.
//
// Not thread-safe: poll() is called by one thread at a time.
class FileTail {
 public:
  // Receives a line (without '\n') and the path of the file it was read from.
  using LineHandler = std::function<void(std::string_view line, const std::string& path)>;

  explicit FileTail(FileTailOptions options);
  ~FileTail();
  FileTail(const FileTail&) = delete;
  FileTail& operator=(const FileTail&) = delete;

  // Reads what is new, handing over each complete line in order, then saves the positions.
  // Problems with single files are logged and counted; the other files are read regardless.
  FileTailRound poll(const LineHandler& on_line);

  const FileTailOptions& options() const { return options_; }

 private:
  enum class Role {
    kStored,    // known from the state file, not found yet
    kLive,      // under one of the configured names now
    kDetached,  // was live, renamed away out of sight; held open until drained
    kSpool,     // in the spool folder
  };

  struct Tracked {
    TailPosition position;
    Role role = Role::kStored;
    int fd = -1;
    size_t live_index = 0;
    std::string spool_name;  // name in the spool folder, when seen there
    bool fresh = true;       // first seen in this round: no position from before
    bool seen = false;       // found by name in this round's scan
    // From the latest stat: a file whose ctime and size are as they were when it was last read
    // to its end needs no opening.
    off_t size = 0;
    timespec ctime{};
    std::chrono::system_clock::time_point modified;
    bool checked = false;  // read (and its position verified) since the agent started
    timespec checked_ctime{};
    bool read_to_end = false;  // in this round
    uint64_t end_offset = 0;   // where this round's read met the end of the file
    uint64_t partial_bytes = 0;
    int64_t drained_end = -1;  // detached: end_offset of the round before
    int quiet_rounds = 0;
    // A copy of this live file (found in the spool by its first bytes): once read, the live
    // file needs no reading below where the copy ended.
    std::optional<FileIdentity> copy_of;
  };

  using Key = std::pair<uint64_t, uint64_t>;
  static Key keyOf(const FileIdentity& id);

  void loadState();
  void scanLiveFiles(FileTailRound& round);
  void scanSpool(FileTailRound& round);
  void forgetUnseen();
  Tracked& track(const FileIdentity& id, const std::string& path, const struct stat& info);
  void detach(Tracked& tracked);
  void startFromCopy(Tracked& copy, const std::vector<const Tracked*>& live);

  void readTracked(Tracked& tracked, uint64_t budget, const LineHandler& on_line,
                   FileTailRound& round);
  bool openTracked(Tracked& tracked);
  // Checks that a file still holds what was read from it; starts it over when not.
  // Fails only when the file cannot be read to tell.
  Status checkUnchanged(Tracked& tracked, const struct stat& info);
  // The live file `copy` was found to be a copy of, while it still starts with the same bytes.
  Tracked* originalOf(const Tracked& copy);
  void advanceCopies(const Tracked& original);
  void advanceOriginal(const Tracked& copy);
  void finishRound(FileTailRound& round);
  void finishSpoolFile(Tracked& tracked, FileTailRound& round, bool& forget);
  bool stateChanged() const;
  void saveState(FileTailRound& round);

  void closeFd(Tracked& tracked);
  void rememberGone(const TailPosition& position);
  std::string spoolPath(const std::string& name) const;
  bool isOwnStateFile(const std::string& name) const;
  // Logs once per problem until it clears; `key` names the problem.
  void warnOnce(const std::string& key, const std::string& message);
  void clearWarning(const std::string& key);

  FileTailOptions options_;
  FileTailReader reader_;
  std::map<Key, Tracked> tracked_;
  std::multimap<uint64_t, Key> stored_by_inode_;
  std::set<Key> copies_;  // spool files that are copies of a live file  // files from the state
                          // file, until matched
  std::vector<TailPosition> gone_;
  std::optional<TailState> saved_;
  bool loaded_ = false;
  std::string state_name_in_spool_;  // the state file's name when it lives in the spool folder
  std::set<std::string> warned_;
  LogRateLimiter line_log_;
};

}  // namespace bsm::plugins::nagios
