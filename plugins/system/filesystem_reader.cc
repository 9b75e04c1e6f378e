#include "plugins/system/filesystem_reader.h"

#include <map>
#include <optional>

#include "common/logging.h"

namespace bsm::plugins::system {

namespace {

// Fallback rounds per read: enough for "permission denied, then a file bind mount, then the
// real one", without walking through hundreds of bind mounts of one busy device.
constexpr size_t kMaxWaves = 4;
// Devices reported per round; more would flood the server with series nobody watches.
constexpr size_t kMaxDevices = 1024;

}  // namespace

FilesystemReader::FilesystemReader(std::string proc_root, MountFilter filter,
                                   StatvfsProbe::StatFn stat)
    : table_(std::move(proc_root), std::move(filter)), probe_(std::move(stat)) {}

Result<FilesystemReader::Listing> FilesystemReader::read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto log = logging::get("plugin.system");
  auto table = table_.read();
  if (!table) {
    return table.error();
  }
  const std::vector<Mount>& mounts = table->mounts;

  Listing listing;
  listing.skipped_lines = table->skipped_lines;

  // Candidates per device, in the order we try them.
  std::vector<std::vector<size_t>> devices;
  std::map<std::string, size_t, std::less<>> device_index;
  for (size_t i = 0; i < mounts.size(); ++i) {
    auto [it, added] = device_index.try_emplace(mounts[i].device, devices.size());
    if (added) {
      if (devices.size() == kMaxDevices) {
        log->debug("more than {} filesystems; skipping mount={}", kMaxDevices,
                   mounts[i].mount_point);
        ++listing.skipped_mounts;
        device_index.erase(it);
        continue;
      }
      devices.emplace_back();
    }
    auto& candidates = devices[it->second];
    if (mounts[i].mount_point == "/") {
      candidates.insert(candidates.begin(), i);
    } else {
      candidates.push_back(i);
    }
  }

  std::vector<std::optional<FsUsage>> chosen(devices.size());
  std::vector<size_t> chosen_mount(devices.size(), 0);
  std::vector<size_t> next(devices.size(), 0);
  std::vector<size_t> pending(devices.size());
  for (size_t d = 0; d < devices.size(); ++d) {
    pending[d] = d;
  }

  for (size_t wave = 0; wave < kMaxWaves && !pending.empty(); ++wave) {
    std::vector<std::string> paths;
    for (size_t d : pending) {
      paths.push_back(mounts[devices[d][next[d]]].mount_point);
    }
    auto results = probe_.probe(paths, deadline);

    std::vector<size_t> retry;
    for (size_t k = 0; k < pending.size(); ++k) {
      const size_t d = pending[k];
      const Mount& mount = mounts[devices[d][next[d]]];
      if (results[k] && results[k]->size_bytes > 0) {
        chosen[d] = *results[k];
        chosen_mount[d] = devices[d][next[d]];
        continue;
      }
      log->debug("skipping filesystem mount=\"{}\" device={} fstype={}: {}", mount.mount_point,
                 mount.device, mount.fstype,
                 results[k] ? "it reports a size of zero" : results[k].error().message);
      ++listing.skipped_mounts;
      if (++next[d] < devices[d].size()) {
        retry.push_back(d);
      }
    }
    pending = std::move(retry);
  }

  for (size_t d = 0; d < devices.size(); ++d) {
    if (chosen[d]) {
      listing.filesystems.push_back(FilesystemReport{mounts[chosen_mount[d]], *chosen[d]});
    }
  }
  return listing;
}

}  // namespace bsm::plugins::system
