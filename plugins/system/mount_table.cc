#include "plugins/system/mount_table.h"

#include <fnmatch.h>

#include <map>

#include "common/logging.h"
#include "plugins/system/proc_file.h"

namespace bsm::plugins::system {

namespace {

// Container hosts and Kubernetes nodes carry thousands of mounts, and overlay's option field
// alone can run to kilobytes of lowerdir paths.
constexpr ReadLimits kMountsLimits{.max_bytes = 8 << 20, .max_line = 64 * 1024};
constexpr ReadLimits kFilesystemsLimits{.max_bytes = 64 * 1024, .max_line = 256};

// nodev types that still hold user data and that df shows: a full NFS share or ZFS dataset is
// exactly what an operator wants to hear about.
const std::set<std::string, std::less<>> kStorageWithoutDevice = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "zfs", "fuse.glusterfs", "fuse.sshfs"};

// Used only when /proc/filesystems cannot be read: the pseudo filesystems every Linux has.
const std::set<std::string, std::less<>> kFallbackPseudo = {
    "proc",       "sysfs",   "tmpfs",   "devtmpfs",    "devpts",     "cgroup",  "cgroup2",
    "securityfs", "debugfs", "tracefs", "pstore",      "bpf",        "mqueue",  "hugetlbfs",
    "configfs",   "fusectl", "autofs",  "binfmt_misc", "rpc_pipefs", "overlay", "ramfs",
    "fuse",       "nsfs",    "rootfs",  "efivarfs",    "selinuxfs"};

bool isOctal(char c) {
  return c >= '0' && c <= '7';
}

bool matchesAny(const std::vector<std::string>& globs, const std::string& text) {
  for (const auto& glob : globs) {
    if (::fnmatch(glob.c_str(), text.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

MountTable::MountTable(std::string proc_root, MountFilter filter)
    : proc_root_(std::move(proc_root)), filter_(std::move(filter)) {}

std::string MountTable::unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && isOctal(field[i + 1]) &&
        isOctal(field[i + 2]) && isOctal(field[i + 3])) {
      const int code = (field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0');
      if (code > 0 && code < 256) {
        out.push_back(static_cast<char>(code));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

std::set<std::string, std::less<>> MountTable::pseudoTypes(size_t& skipped) const {
  const std::string path = proc_root_ + "/filesystems";
  std::set<std::string, std::less<>> pseudo;
  auto scan = forEachLine(path, kFilesystemsLimits, [&](std::string_view line) {
    const auto fields = splitFields(line);
    if (fields.size() == 2 && fields[0] == "nodev") {
      pseudo.emplace(fields[1]);
    } else if (fields.size() != 1) {
      ++skipped;
    }
  });
  if (!scan || pseudo.empty()) {
    logging::get("plugin.system")
        ->debug("cannot use {}, falling back to a built-in list of pseudo filesystems: {}", path,
                scan ? "no nodev entries" : scan.error().message);
    return kFallbackPseudo;
  }
  skipped += scan->overlong;
  return pseudo;
}

bool MountTable::isReal(const Mount& mount,
                        const std::set<std::string, std::less<>>& pseudo) const {
  if (mount.mount_point == "/") {
    return true;
  }
  if (kStorageWithoutDevice.count(mount.fstype) != 0) {
    return true;
  }
  // FUSE mounts show as "fuse.<subtype>"; /proc/filesystems knows only "fuse" and "fuseblk".
  const std::string_view base = std::string_view(mount.fstype).substr(0, mount.fstype.find('.'));
  return pseudo.find(base) == pseudo.end();
}

bool MountTable::isExcluded(const Mount& mount) const {
  return matchesAny(filter_.exclude_mounts, mount.mount_point) ||
         matchesAny(filter_.exclude_fstypes, mount.fstype);
}

Result<MountTable::Listing> MountTable::read() const {
  Listing listing;
  const auto pseudo = pseudoTypes(listing.skipped_lines);

  std::vector<Mount> all;
  const std::string path = proc_root_ + "/mounts";
  auto scan = forEachLine(path, kMountsLimits, [&](std::string_view line) {
    const auto fields = splitFields(line);
    if (fields.size() < 3 || fields[1].front() != '/') {
      ++listing.skipped_lines;
      return;
    }
    all.push_back(Mount{unescape(fields[0]), unescape(fields[1]), unescape(fields[2])});
  });
  if (!scan) {
    return scan.error();
  }
  listing.skipped_lines += scan->overlong + (scan->truncated ? 1 : 0);

  // A later mount on the same point hides the earlier one; statvfs sees only the last.
  std::map<std::string, size_t, std::less<>> last_on_point;
  for (size_t i = 0; i < all.size(); ++i) {
    last_on_point[all[i].mount_point] = i;
  }
  for (size_t i = 0; i < all.size(); ++i) {
    Mount& mount = all[i];
    if (last_on_point[mount.mount_point] != i || !isReal(mount, pseudo) || isExcluded(mount)) {
      continue;
    }
    listing.mounts.push_back(std::move(mount));
  }
  return listing;
}

}  // namespace bsm::plugins::system
