// FileTail, the end of a round: letting go of files that were drained, finished or went away,
// deleting spool files once read, and saving the positions.
#include "plugins/nagios/file_tail.h"

#include <unistd.h>

#include "plugins/nagios/file_tail_support.h"

namespace bsm::plugins::nagios {

using namespace file_tail_support;

namespace {

// A file at offset 0 is read from its start anyway; only positions past it are worth keeping.
bool worthSaving(const TailPosition& position) {
  return position.offset > 0 || position.skipping;
}

}  // namespace

void FileTail::finishRound(FileTailRound& round) {
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    Tracked& tracked = it->second;
    bool forget = false;
    if (tracked.role == Role::kDetached && tracked.read_to_end) {
      if (static_cast<int64_t>(tracked.end_offset) == tracked.drained_end) {
        ++tracked.quiet_rounds;
      } else {
        tracked.quiet_rounds = 0;
        tracked.drained_end = static_cast<int64_t>(tracked.end_offset);
      }
      if (tracked.quiet_rounds >= options_.detached_quiet_rounds) {
        if (tracked.partial_bytes > 0) {
          ++round.lost_partials;
          logger()->error(
              "input={} file={} was rotated with an unfinished last line of {} bytes; the "
              "writer has not finished it, so it is discarded",
              options_.name, tracked.position.path, tracked.partial_bytes);
          tracked.position.offset = tracked.end_offset;
          tracked.position.skipping = true;
        }
        logger()->debug("input={} file={} offset={} drained and closed", options_.name,
                        tracked.position.path, tracked.position.offset);
        rememberGone(tracked.position);
        forget = true;
      }
    } else if (tracked.role == Role::kSpool && tracked.read_to_end) {
      finishSpoolFile(tracked, round, forget);
    }

    if (forget) {
      closeFd(tracked);
      it = tracked_.erase(it);
    } else {
      ++it;
    }
  }
}

void FileTail::finishSpoolFile(Tracked& tracked, FileTailRound& round, bool& forget) {
  // A file being copied in still grows; only a settled one is finished.
  if (std::chrono::system_clock::now() - tracked.modified < options_.settle_time) {
    return;
  }
  if (tracked.partial_bytes > 0) {
    ++round.lost_partials;
    logger()->error(
        "input={} file={} ends in an unfinished line of {} bytes and has not changed for {} ms; "
        "the line is discarded",
        options_.name, tracked.position.path, tracked.partial_bytes, options_.settle_time.count());
    // Should the line be finished after all, its rest is a fragment: discard it up to its
    // newline like an overlong line.
    tracked.position.offset = tracked.end_offset;
    tracked.position.skipping = true;
    tracked.partial_bytes = 0;
  }
  if (options_.delete_after_read) {
    // Only the file that was read: something else under the same name is left alone.
    struct stat info {};
    const std::string path = spoolPath(tracked.spool_name);
    if (::lstat(path.c_str(), &info) == 0 && identityOf(info) == tracked.position.id) {
      if (::unlink(path.c_str()) == 0) {
        ++round.deleted;
        forget = true;
        logger()->debug("input={} file={} read and deleted", options_.name, path);
        return;
      }
      ++round.errors;
      warnOnce("unlink " + path, fmt::format("input={} file={} was read but cannot be deleted: {}",
                                             options_.name, path, systemError()));
    }
  }
}

void FileTail::forgetUnseen() {
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    Tracked& tracked = it->second;
    if (tracked.seen) {
      ++it;
      continue;
    }
    if (tracked.fd >= 0) {
      // Out of sight but open: what is left in it can still be read.
      if (tracked.role != Role::kDetached) {
        detach(tracked);
      }
      ++it;
      continue;
    }
    if (tracked.role == Role::kStored) {
      logger()->info(
          "input={} file={} inode={} read up to offset {} before the restart is no longer there; "
          "anything written to it after that offset was not read",
          options_.name, tracked.position.path, tracked.position.id.inode, tracked.position.offset);
    } else {
      logger()->debug("input={} file={} left the spool folder", options_.name,
                      tracked.position.path);
    }
    it = tracked_.erase(it);
  }
}

bool FileTail::stateChanged() const {
  // Compared in place rather than by building the new state: with a spool of thousands of
  // files, most rounds change nothing and should cost no copies.
  if (!saved_ || !(saved_->gone == gone_)) {
    return true;
  }
  size_t index = 0;
  for (const auto& [key, tracked] : tracked_) {
    if (!worthSaving(tracked.position)) {
      continue;
    }
    if (index == saved_->files.size() || !(saved_->files[index] == tracked.position)) {
      return true;
    }
    ++index;
  }
  return index != saved_->files.size();
}

void FileTail::saveState(FileTailRound& round) {
  if (options_.state_file.empty()) {
    return;
  }
  if (!stateChanged()) {
    return;
  }
  TailState state;
  for (const auto& [key, tracked] : tracked_) {
    if (worthSaving(tracked.position)) {
      state.files.push_back(tracked.position);
    }
  }
  state.gone = gone_;
  if (Status saved = saveTailState(options_.state_file, state); !saved) {
    ++round.errors;
    if (uint64_t withheld = 0; line_log_.allow(withheld)) {
      logger()->error(
          "input={} state_file={} cannot be written, so after a restart lines may be forwarded "
          "again: {} (and {} similar lines before)",
          options_.name, options_.state_file, saved.error().message, withheld);
    }
    return;
  }
  saved_ = std::move(state);
}

}  // namespace bsm::plugins::nagios
