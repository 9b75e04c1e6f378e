#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace bsm::plugins::system {

// Memory and swap from /proc/meminfo, in bytes.
struct MemInfo {
  uint64_t total_bytes = 0;
  uint64_t available_bytes = 0;  // never above total
  uint64_t swap_total_bytes = 0;
  uint64_t swap_free_bytes = 0;  // never above swap total
  size_t skipped_lines = 0;
};

// Reads <proc_root>/meminfo.
class MeminfoReader {
 public:
  explicit MeminfoReader(std::string proc_root);

  // Fails when MemTotal is missing. MemAvailable appeared in Linux 3.14; before it, free +
  // buffers + page cache + reclaimable slab stands in, which is what it approximates.
  Result<MemInfo> read() const;

 private:
  std::string path_;
};

}  // namespace bsm::plugins::system
