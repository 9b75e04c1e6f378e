#include "plugins/nagios/file_tail.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "plugins/nagios/file_tail_support.h"

namespace bsm::plugins::nagios {

using namespace file_tail_support;

FileTail::FileTail(FileTailOptions options)
    : options_(std::move(options)),
      reader_(options_.max_line_bytes),
      line_log_(10, std::chrono::minutes(1)) {
  if (!options_.state_file.empty() && !options_.spool_dir.empty()) {
    const std::filesystem::path state(options_.state_file);
    if (state.parent_path().lexically_normal() ==
        std::filesystem::path(options_.spool_dir).lexically_normal()) {
      state_name_in_spool_ = state.filename().string();
    }
  }
}

FileTail::~FileTail() {
  for (auto& [key, tracked] : tracked_) {
    closeFd(tracked);
  }
}

FileTail::Key FileTail::keyOf(const FileIdentity& id) {
  return {static_cast<uint64_t>(id.device), static_cast<uint64_t>(id.inode)};
}

FileTailRound FileTail::poll(const LineHandler& on_line) {
  FileTailRound round;
  if (!loaded_) {
    loadState();
  }
  for (auto& [key, tracked] : tracked_) {
    tracked.seen = false;
    tracked.read_to_end = false;
  }

  scanLiveFiles(round);
  scanSpool(round);
  forgetUnseen();
  stored_by_inode_.clear();  // every stored file was found in the first round or forgotten

  // Oldest first: what was renamed away, then the spool by age, then the live files. A file
  // renamed into the spool is read on from its position there, before its successor.
  std::vector<Tracked*> order;
  std::vector<Tracked*> spool;
  std::vector<Tracked*> live;
  for (auto& [key, tracked] : tracked_) {
    if (tracked.role == Role::kDetached) {
      order.push_back(&tracked);
    } else if (tracked.role == Role::kSpool) {
      spool.push_back(&tracked);
    } else if (tracked.role == Role::kLive) {
      live.push_back(&tracked);
    }
  }
  std::sort(spool.begin(), spool.end(), [](const Tracked* a, const Tracked* b) {
    return std::tie(a->modified, a->spool_name) < std::tie(b->modified, b->spool_name);
  });
  std::sort(live.begin(), live.end(),
            [](const Tracked* a, const Tracked* b) { return a->live_index < b->live_index; });
  order.insert(order.end(), spool.begin(), spool.end());
  order.insert(order.end(), live.begin(), live.end());

  for (Tracked* tracked : order) {
    if (round.bytes >= options_.max_bytes_per_round) {
      round.budget_exhausted = true;
      break;
    }
    readTracked(*tracked, options_.max_bytes_per_round - round.bytes, on_line, round);
  }

  finishRound(round);
  saveState(round);
  return round;
}

void FileTail::loadState() {
  loaded_ = true;
  if (options_.state_file.empty()) {
    return;
  }
  auto state = loadTailState(options_.state_file);
  if (!state) {
    logger()->error(
        "input={} state_file={} cannot be used, so every file is read from its start and lines "
        "forwarded before may be forwarded again: {}",
        options_.name, options_.state_file, state.error().message);
    return;
  }
  for (auto& position : state->files) {
    Tracked tracked;
    tracked.position = position;
    tracked.fresh = false;
    stored_by_inode_.emplace(static_cast<uint64_t>(position.id.inode), keyOf(position.id));
    tracked_.emplace(keyOf(position.id), std::move(tracked));
  }
  gone_ = state->gone;
  saved_ = std::move(*state);
  logger()->debug("input={} state_file={} files={} loaded", options_.name, options_.state_file,
                  tracked_.size());
}

void FileTail::scanLiveFiles(FileTailRound& round) {
  for (size_t i = 0; i < options_.files.size(); ++i) {
    const std::string& path = options_.files[i];
    Tracked* current = nullptr;
    for (auto& [key, tracked] : tracked_) {
      if (tracked.role == Role::kLive && tracked.live_index == i) {
        current = &tracked;
      }
    }

    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      const int error = errno;
      if (current) {
        detach(*current);
      }
      // Missing for a moment is normal: between the processing command's rename and Nagios'
      // reopen, and until the first check result after Nagios starts.
      if (error != ENOENT) {
        ++round.errors;
        warnOnce("stat " + path, fmt::format("input={} file={} cannot be read: {}", options_.name,
                                             path, std::strerror(error)));
      }
      continue;
    }
    if (!S_ISREG(info.st_mode)) {
      if (current) {
        detach(*current);
      }
      ++round.errors;
      warnOnce("type " + path,
               fmt::format("input={} file={} is not a regular file and is not read (a FIFO, from "
                           "*_perfdata_file_mode=p, cannot be tailed: use mode a or w)",
                           options_.name, path));
      continue;
    }
    clearWarning("stat " + path);
    clearWarning("type " + path);

    const FileIdentity id = identityOf(info);
    if (current && !(current->position.id == id)) {
      detach(*current);
    }
    Tracked& tracked = track(id, path, info);
    tracked.role = Role::kLive;
    tracked.live_index = i;
    tracked.position.path = path;
    tracked.fresh = false;
    // Held open from the first sight, so that a rename away never loses the file.
    if (tracked.fd < 0) {
      openTracked(tracked);
    }
  }
}

void FileTail::scanSpool(FileTailRound& round) {
  if (options_.spool_dir.empty()) {
    return;
  }
  DIR* dir = ::opendir(options_.spool_dir.c_str());
  if (dir == nullptr) {
    ++round.errors;
    warnOnce("spool", fmt::format("input={} spool_dir={} cannot be listed, rotated files are not "
                                  "read until it can: {}",
                                  options_.name, options_.spool_dir, systemError()));
    return;
  }
  clearWarning("spool");

  // The live files, which a new spool file may be a copy of. Map nodes stay put while the
  // scan adds files.
  std::vector<const Tracked*> live;
  for (const auto& [key, tracked] : tracked_) {
    if (tracked.role == Role::kLive) {
      live.push_back(&tracked);
    }
  }

  const int dir_fd = ::dirfd(dir);
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    // Dot files are editors' and copy tools' work in progress, not rotated files.
    if (name.empty() || name[0] == '.' || isOwnStateFile(name)) {
      continue;
    }
    struct stat info {};
    if (::fstatat(dir_fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(info.st_mode)) {
      continue;
    }
    const FileIdentity id = identityOf(info);
    // Empty rotated files are common (Nagios rotates every interval, checks or not) and have
    // nothing to read; one that grows is picked up then. Settled ones go when reading deletes.
    if (info.st_size == 0 && tracked_.count(keyOf(id)) == 0) {
      if (options_.delete_after_read &&
          std::chrono::system_clock::now() - modifiedAt(info) >= options_.settle_time &&
          ::unlinkat(dir_fd, name.c_str(), 0) == 0) {
        ++round.deleted;
      }
      continue;
    }
    Tracked& tracked = track(id, spoolPath(name), info);
    tracked.spool_name = name;
    if (tracked.role != Role::kLive) {
      tracked.role = Role::kSpool;
      tracked.position.path = spoolPath(name);
    }
    // A new file is compared with what was read before it is read; until it can be opened
    // for that, it stays new and unread.
    if (tracked.fresh && openTracked(tracked)) {
      tracked.fresh = false;
      startFromCopy(tracked, live);
      closeFd(tracked);  // a spool may hold thousands of files: no descriptor is kept for one
    }
  }
  ::closedir(dir);
}

FileTail::Tracked& FileTail::track(const FileIdentity& id, const std::string& path,
                                   const struct stat& info) {
  auto it = tracked_.find(keyOf(id));
  if (it == tracked_.end()) {
    // Some file systems (NFS, btrfs) number their device anew at boot. A file from the state
    // file with the same inode under the same name is taken for this one; its fingerprint is
    // checked when it is opened.
    auto [first, last] = stored_by_inode_.equal_range(static_cast<uint64_t>(id.inode));
    for (auto candidate = first; candidate != last; ++candidate) {
      auto stored = tracked_.find(candidate->second);
      if (stored != tracked_.end() && stored->second.role == Role::kStored &&
          stored->second.position.path == path) {
        Tracked moved = std::move(stored->second);
        tracked_.erase(stored);
        moved.position.id = id;
        it = tracked_.emplace(keyOf(id), std::move(moved)).first;
        break;
      }
    }
  }
  if (it == tracked_.end()) {
    Tracked fresh;
    fresh.position.id = id;
    fresh.position.path = path;
    it = tracked_.emplace(keyOf(id), std::move(fresh)).first;
  }
  Tracked& tracked = it->second;
  tracked.seen = true;
  tracked.size = info.st_size;
  tracked.ctime = info.st_ctim;
  tracked.modified = modifiedAt(info);
  return tracked;
}

void FileTail::detach(Tracked& tracked) {
  logger()->debug("input={} file={} inode={} offset={} was rotated; reading it to its end",
                  options_.name, tracked.position.path, tracked.position.id.inode,
                  tracked.position.offset);
  tracked.role = Role::kDetached;
  tracked.quiet_rounds = 0;
  tracked.drained_end = -1;
}

bool FileTail::openTracked(Tracked& tracked) {
  const bool in_spool = tracked.role == Role::kSpool;
  const std::string path = in_spool ? spoolPath(tracked.spool_name) : tracked.position.path;
  // O_NONBLOCK: should a FIFO take the file's place between stat and open, open must not wait
  // for a writer.
  const int fd = ::open(path.c_str(),
                        O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (in_spool ? O_NOFOLLOW : 0));
  if (fd < 0) {
    if (errno != ENOENT) {
      warnOnce("open " + path, fmt::format("input={} file={} cannot be opened: {}", options_.name,
                                           path, systemError()));
    }
    return false;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      !(identityOf(info) == tracked.position.id)) {
    // Replaced between the scan and the open: the next round's scan finds the new file.
    ::close(fd);
    return false;
  }
  clearWarning("open " + path);
  tracked.fd = fd;
  return true;
}

Status FileTail::checkUnchanged(Tracked& tracked, const struct stat& info) {
  TailPosition& position = tracked.position;
  const char* what = nullptr;
  if (static_cast<uint64_t>(info.st_size) < position.fingerprint.length) {
    what = "it is shorter than its first bytes were (truncated or replaced)";
  } else if (position.fingerprint.length > 0) {
    auto now = fingerprintOf(tracked.fd, position.fingerprint.length);
    if (!now) {
      return now.error();  // a read error says nothing about the file's contents
    }
    if (!(*now == position.fingerprint)) {
      what = "its first bytes changed (rewritten, or a new file under a reused inode number)";
    }
  }
  // A rotated file is not written to any more, so one shorter than the position is a copy
  // still being made, not a truncation.
  if (!what && tracked.role != Role::kSpool &&
      static_cast<uint64_t>(info.st_size) < position.offset) {
    what = "it is shorter than what was read (truncated)";
  }
  if (!what) {
    return {};
  }

  logger()->info("input={} file={} offset={}: {}; reading it from its start", options_.name,
                 position.path, position.offset, what);
  rememberGone(position);
  position.offset = 0;
  position.fingerprint = {};
  position.skipping = false;
  tracked.copy_of.reset();
  return {};
}

void FileTail::readTracked(Tracked& tracked, uint64_t budget, const LineHandler& on_line,
                           FileTailRound& round) {
  bool reopened = false;
  if (tracked.fresh) {
    return;
  }
  if (tracked.fd < 0) {
    // A file read to its end before and not changed since: nothing to open.
    if (tracked.checked && sameTime(tracked.ctime, tracked.checked_ctime) &&
        static_cast<uint64_t>(tracked.size) <= tracked.position.offset) {
      tracked.read_to_end = true;
      tracked.partial_bytes = 0;
      tracked.end_offset = tracked.position.offset;
      return;
    }
    if (!openTracked(tracked)) {
      return;
    }
    reopened = true;
  }
  // A spool may hold thousands of files: no descriptor is kept for one past its reading. It is
  // reopened, and its fingerprint checked, if it changes.
  struct CloseSpoolFile {
    FileTail& tail;
    Tracked& tracked;
    ~CloseSpoolFile() {
      if (tracked.role == Role::kSpool) {
        tail.closeFd(tracked);
      }
    }
  } close_spool_file{*this, tracked};

  struct stat info {};
  if (::fstat(tracked.fd, &info) != 0) {
    ++round.errors;
    warnOnce("read " + tracked.position.path,
             fmt::format("input={} file={} cannot be read: {}", options_.name,
                         tracked.position.path, systemError()));
    return;
  }
  // Only a live file can be truncated under an open descriptor; anything reopened may be
  // another file by now.
  if (reopened || tracked.role == Role::kLive) {
    if (Status checked = checkUnchanged(tracked, info); !checked) {
      ++round.errors;
      warnOnce("read " + tracked.position.path,
               fmt::format("input={} file={} cannot be read: {}", options_.name,
                           tracked.position.path, checked.error().message));
      return;
    }
  }

  const std::string& path = tracked.position.path;
  auto read = reader_.read(tracked.fd, tracked.position, budget,
                           [&](std::string_view line) { on_line(line, path); });
  if (!read) {
    ++round.errors;
    warnOnce("read " + path, fmt::format("input={} file={} cannot be read: {}", options_.name, path,
                                         read.error().message));
    return;
  }
  clearWarning("read " + path);
  tracked.checked = true;
  tracked.checked_ctime = info.st_ctim;
  tracked.size = info.st_size;

  round.bytes += read->bytes;
  round.lines += read->lines;
  round.long_lines += read->long_lines;
  tracked.read_to_end = read->at_end;
  round.budget_exhausted = round.budget_exhausted || !read->at_end;
  tracked.partial_bytes = read->partial_bytes;
  tracked.end_offset = tracked.position.offset + read->partial_bytes;
  if (read->long_lines > 0) {
    if (uint64_t withheld = 0; line_log_.allow(withheld)) {
      logger()->warn(
          "input={} file={} discarded {} lines longer than {} bytes (and {} similar lines before)",
          options_.name, path, read->long_lines, options_.max_line_bytes, withheld);
    }
  }

  const uint64_t covered = std::min<uint64_t>(tracked.position.offset, kFingerprintBytes);
  if (tracked.position.fingerprint.length < covered) {
    if (auto fingerprint = fingerprintOf(tracked.fd, static_cast<uint32_t>(covered))) {
      tracked.position.fingerprint = *fingerprint;
    }
  }
  advanceOriginal(tracked);
  if (tracked.role == Role::kLive && !copies_.empty()) {
    advanceCopies(tracked);
  }
}

void FileTail::closeFd(Tracked& tracked) {
  if (tracked.fd >= 0) {
    ::close(tracked.fd);
    tracked.fd = -1;
  }
}

std::string FileTail::spoolPath(const std::string& name) const {
  return options_.spool_dir + "/" + name;
}

bool FileTail::isOwnStateFile(const std::string& name) const {
  // StagedFile writes "<state>.tmp-<random>" beside the state file before renaming it.
  return !state_name_in_spool_.empty() &&
         (name == state_name_in_spool_ || name.rfind(state_name_in_spool_ + ".tmp-", 0) == 0);
}

void FileTail::warnOnce(const std::string& key, const std::string& message) {
  if (warned_.insert(key).second) {
    logger()->warn("{}", message);
  }
}

void FileTail::clearWarning(const std::string& key) {
  if (warned_.erase(key) != 0) {
    logger()->info("input={} {}: works again", options_.name, key);
  }
}

}  // namespace bsm::plugins::nagios
