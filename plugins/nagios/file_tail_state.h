#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace bsm::plugins::nagios {

// A file as the kernel knows it, whatever its name: a rename keeps it, a new file under the
// old name does not.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;

  bool operator==(const FileIdentity&) const = default;
};

// A hash of a file's first bytes. An inode number can be handed to a new file once the old
// one is deleted; a new file that starts with other bytes is then told apart from the old one.
struct Fingerprint {
  uint32_t length = 0;  // how many leading bytes the hash covers; 0 matches any file
  uint64_t hash = 0;

  bool operator==(const Fingerprint&) const = default;
};

// How far one file has been read.
struct TailPosition {
  FileIdentity id;
  uint64_t offset = 0;      // bytes consumed: every line before it was handed over or skipped
  Fingerprint fingerprint;  // of the first min(offset, kFingerprintBytes) bytes
  bool skipping = false;    // inside an overlong line: discard up to the next newline
  std::string path;         // where the file was last seen, for log lines

  bool operator==(const TailPosition&) const = default;
};

// What a file tail keeps across restarts: the positions of the files it knows and the
// fingerprints of files that were truncated or went out of sight (so that a copy of one
// appearing later is read only past what was already read).
struct TailState {
  std::vector<TailPosition> files;
  std::vector<TailPosition> gone;

  bool operator==(const TailState&) const = default;
};

// The bytes a fingerprint covers at most. Perfdata lines start with DATATYPE, TIMET, the host
// name and the service description, so a few hundred bytes tell two files apart.
inline constexpr uint32_t kFingerprintBytes = 512;

// FNV-1a over `size` bytes.
uint64_t fingerprintHash(const char* data, size_t size);

// Fingerprints the first `length` bytes of the open file `fd`; fails when it has fewer.
Result<Fingerprint> fingerprintOf(int fd, uint32_t length);

// Reads the state file; a missing file is an empty state. Fails for an unreadable or damaged
// file, saying which line is wrong.
Result<TailState> loadTailState(const std::string& path);

// Replaces the state file in one step (write beside, fsync, rename), creating its folder
// when missing, so that a crash leaves either the old or the new positions, never a mixture.
Status saveTailState(const std::string& path, const TailState& state);

}  // namespace bsm::plugins::nagios
