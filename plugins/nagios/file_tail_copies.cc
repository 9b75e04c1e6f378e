// FileTail, the part that recognises copies: copytruncate leaves a copy of a live file in the
// spool, and only what was not read from the live file may be read from the copy.
#include "plugins/nagios/file_tail.h"

#include "plugins/nagios/file_tail_support.h"

namespace bsm::plugins::nagios {

using namespace file_tail_support;

namespace {

// Positions of truncated or vanished files kept for spotting copies of them. A copy shows up
// within a rotation or two, so a handful per live file is plenty.
constexpr size_t kMaxGone = 16;

}  // namespace

void FileTail::startFromCopy(Tracked& copy, const std::vector<const Tracked*>& live) {
  // What the new file is compared with: the live files (a copy made before a truncation that
  // has not been seen yet) and files seen truncated or vanished lately.
  const TailPosition* best = nullptr;
  std::optional<FileIdentity> live_original;
  size_t gone_index = 0;
  auto matches = [&](const TailPosition& original) {
    if (original.offset == 0 || original.fingerprint.length == 0 ||
        static_cast<uint64_t>(copy.size) < original.fingerprint.length) {
      return false;
    }
    auto fingerprint = fingerprintOf(copy.fd, original.fingerprint.length);
    return fingerprint && *fingerprint == original.fingerprint &&
           (!best || original.offset > best->offset);
  };
  for (const Tracked* tracked : live) {
    if (tracked != &copy && matches(tracked->position)) {
      best = &tracked->position;
      live_original = tracked->position.id;
    }
  }
  for (size_t i = 0; i < gone_.size(); ++i) {
    if (matches(gone_[i])) {
      best = &gone_[i];
      live_original.reset();
      gone_index = i;
    }
  }
  if (!best) {
    return;
  }

  logger()->info(
      "input={} file={} starts like {}, which was read up to offset {}: taking it for a copy and "
      "reading it from there",
      options_.name, copy.position.path, best->path, best->offset);
  copy.position.offset = best->offset;
  copy.position.fingerprint = best->fingerprint;
  copy.position.skipping = best->skipping;
  copy.copy_of = live_original;
  if (live_original) {
    copies_.insert(keyOf(copy.position.id));
  }
  if (!live_original) {
    gone_.erase(gone_.begin() + static_cast<ptrdiff_t>(gone_index));
  }
}

FileTail::Tracked* FileTail::originalOf(const Tracked& copy) {
  if (!copy.copy_of) {
    return nullptr;
  }
  auto it = tracked_.find(keyOf(*copy.copy_of));
  if (it == tracked_.end() || it->second.role != Role::kLive || it->second.fd < 0) {
    return nullptr;
  }
  // Once the original was truncated and written anew, it starts with other bytes and the two
  // files go separate ways.
  auto start = fingerprintOf(it->second.fd, copy.position.fingerprint.length);
  if (!start || !(*start == copy.position.fingerprint)) {
    return nullptr;
  }
  return &it->second;
}

void FileTail::advanceCopies(const Tracked& original) {
  // Until the original is truncated, a copy and the original hold the same bytes, so a line
  // read from either is read: each goes on from the further of the two positions.
  for (auto key = copies_.begin(); key != copies_.end();) {
    auto it = tracked_.find(*key);
    if (it == tracked_.end() || !it->second.copy_of) {
      key = copies_.erase(key);
      continue;
    }
    Tracked& copy = it->second;
    if (!(*copy.copy_of == original.position.id)) {
      ++key;
      continue;
    }
    if (originalOf(copy) != &original) {
      // Truncated and written anew: the two files go separate ways from now on.
      copy.copy_of.reset();
      key = copies_.erase(key);
      continue;
    }
    if (original.position.offset > copy.position.offset) {
      copy.position.offset = original.position.offset;
      copy.position.skipping = original.position.skipping;
    }
    ++key;
  }
}

void FileTail::advanceOriginal(const Tracked& copy) {
  Tracked* original = originalOf(copy);
  struct stat info {};
  if (original && ::fstat(original->fd, &info) == 0 &&
      static_cast<uint64_t>(info.st_size) >= copy.position.offset &&
      original->position.offset < copy.position.offset) {
    original->position.offset = copy.position.offset;
    original->position.skipping = copy.position.skipping;
  }
}

void FileTail::rememberGone(const TailPosition& position) {
  if (position.offset == 0 || position.fingerprint.length == 0) {
    return;
  }
  gone_.push_back(position);
  if (gone_.size() > kMaxGone) {
    gone_.erase(gone_.begin());
  }
}

}  // namespace bsm::plugins::nagios
