#include "plugins/system/meminfo_reader.h"

#include <algorithm>
#include <map>
#include <optional>

#include "plugins/system/proc_file.h"

namespace bsm::plugins::system {

namespace {

constexpr ReadLimits kMeminfoLimits{.max_bytes = 64 * 1024, .max_line = 256};

// The keys we use; everything else in the file is ignored without parsing its value.
constexpr std::string_view kWanted[] = {"MemTotal", "MemFree",      "MemAvailable", "Buffers",
                                        "Cached",   "SReclaimable", "SwapTotal",    "SwapFree"};

bool wanted(std::string_view key) {
  return std::find(std::begin(kWanted), std::end(kWanted), key) != std::end(kWanted);
}

}  // namespace

MeminfoReader::MeminfoReader(std::string proc_root) : path_(std::move(proc_root) + "/meminfo") {}

Result<MemInfo> MeminfoReader::read() const {
  MemInfo info;
  std::map<std::string_view, uint64_t, std::less<>> kib;
  auto scan = forEachLine(path_, kMeminfoLimits, [&](std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      ++info.skipped_lines;
      return;
    }
    const std::string_view key = line.substr(0, colon);
    if (!wanted(key)) {
      return;
    }
    // "MemTotal:       24683664 kB": every value we use is in KiB, whatever the suffix says.
    const auto fields = splitFields(line.substr(colon + 1));
    const auto value =
        fields.size() == 2 && fields[1] == "kB" ? parseUnsigned(fields[0]) : std::nullopt;
    if (!value || *value > UINT64_MAX / 1024) {
      ++info.skipped_lines;
      return;
    }
    // Keys are compared against our own constants, so the view outlives the line.
    kib[*std::find(std::begin(kWanted), std::end(kWanted), key)] = *value;
  });
  if (!scan) {
    return scan.error();
  }
  info.skipped_lines += scan->overlong;

  auto get = [&](std::string_view key) -> std::optional<uint64_t> {
    auto it = kib.find(key);
    return it == kib.end() ? std::nullopt : std::optional<uint64_t>(it->second * 1024);
  };
  const auto total = get("MemTotal");
  if (!total) {
    return Error{path_ + " has no usable MemTotal line"};
  }
  info.total_bytes = *total;
  if (const auto available = get("MemAvailable")) {
    info.available_bytes = *available;
  } else {
    info.available_bytes = get("MemFree").value_or(0) + get("Buffers").value_or(0) +
                           get("Cached").value_or(0) + get("SReclaimable").value_or(0);
  }
  info.available_bytes = std::min(info.available_bytes, info.total_bytes);
  info.swap_total_bytes = get("SwapTotal").value_or(0);
  info.swap_free_bytes = std::min(get("SwapFree").value_or(0), info.swap_total_bytes);
  return info;
}

}  // namespace bsm::plugins::system
