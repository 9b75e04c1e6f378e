#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace bsm::plugins::system {

// One line of /proc/mounts, with the kernel's octal escapes undone.
struct Mount {
  std::string device;       // e.g. /dev/vda1, overlay, server:/export
  std::string mount_point;  // e.g. /, /mnt/backup disk
  std::string fstype;       // e.g. ext4, nfs4, fuse.sshfs
};

// Which mounts an operator does not want reported. Both lists hold fnmatch(3) globs; a `*`
// in a mount glob also matches `/`, so "/var/lib/docker/*" covers everything below it.
struct MountFilter {
  std::vector<std::string> exclude_mounts;
  std::vector<std::string> exclude_fstypes;
};

// The mounts that hold real storage, from <proc_root>/mounts and <proc_root>/filesystems.
class MountTable {
 public:
  MountTable(std::string proc_root, MountFilter filter);

  struct Listing {
    std::vector<Mount> mounts;  // in /proc/mounts order
    size_t skipped_lines = 0;   // lines that did not parse or were too long
  };

  // Keeps a mount when its type is a real filesystem: not marked "nodev" in
  // /proc/filesystems, or one of the network and pooled filesystems that are nodev but hold
  // data (nfs, cifs, zfs...). The root is kept whatever its type (overlay in a container).
  // Of a mount point mounted over, only the last (visible) mount is kept. Excluded mounts and
  // types are dropped. Several mounts of one device (bind mounts) all stay; choosing one is
  // left to the caller, which can then fall back to another when the first cannot be read.
  Result<Listing> read() const;

  // Undoes the \ooo escapes the kernel writes for space, tab, newline and backslash. Any
  // other backslash is kept as it is.
  static std::string unescape(std::string_view field);

 private:
  std::set<std::string, std::less<>> pseudoTypes(size_t& skipped) const;
  bool isReal(const Mount& mount, const std::set<std::string, std::less<>>& pseudo) const;
  bool isExcluded(const Mount& mount) const;

  std::string proc_root_;
  MountFilter filter_;
};

}  // namespace bsm::plugins::system
