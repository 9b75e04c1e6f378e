#pragma once

// Small helpers shared by the files that implement FileTail (file_tail.cc, file_tail_copies.cc,
// file_tail_finish.cc); not for use elsewhere.

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "common/logging.h"
#include "plugins/nagios/file_tail_state.h"

namespace bsm::plugins::nagios::file_tail_support {

inline std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("plugin.nagios");
  return log;
}

inline FileIdentity identityOf(const struct stat& info) {
  return FileIdentity{info.st_dev, info.st_ino};
}

inline bool sameTime(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

inline std::chrono::system_clock::time_point modifiedAt(const struct stat& info) {
  using namespace std::chrono;
  return system_clock::time_point(duration_cast<system_clock::duration>(
      seconds(info.st_mtim.tv_sec) + nanoseconds(info.st_mtim.tv_nsec)));
}

inline std::string systemError() {
  return std::strerror(errno);
}

}  // namespace bsm::plugins::nagios::file_tail_support
