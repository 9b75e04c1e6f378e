#include "common/staged_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include <fmt/format.h>

namespace bsm {
namespace {

Error systemError(const std::string& what, int error_number) {
  return Error{what + ": " + std::strerror(error_number)};
}

}  // namespace

StagedFile::~StagedFile() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
  }
}

Status StagedFile::create(const std::string& path, mode_t mode) {
  // O_EXCL on a random name: a file planted in advance under a predictable name cannot be
  // opened instead of ours.
  std::random_device random;
  const std::string temp_path = fmt::format("{}.tmp-{:08x}{:08x}", path, random(), random());
  const int fd =
      ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    return systemError("cannot create " + temp_path, errno);
  }
  path_ = path;
  temp_path_ = temp_path;
  fd_ = fd;
  return {};
}

Status StagedFile::finish() {
  // A CA key lost to a crash right after "written" was printed would orphan every certificate
  // it signed.
  const int sync_result = ::fsync(fd_);
  const int sync_errno = errno;
  const int close_result = ::close(fd_);
  fd_ = -1;
  if (sync_result != 0) {
    return systemError("cannot write " + path_, sync_errno);
  }
  if (close_result != 0) {
    return systemError("cannot write " + path_, errno);
  }
  return {};
}

Status StagedFile::publish(bool overwrite) {
  if (!overwrite) {
    // link() fails atomically when the final name exists, where a check followed by rename()
    // could replace a file created in between.
    if (::link(temp_path_.c_str(), path_.c_str()) == 0) {
      ::unlink(temp_path_.c_str());
      temp_path_.clear();
      return {};
    }
    if (errno == EEXIST) {
      return Error{path_ + " already exists"};
    }
    // Some file systems (FAT, some FUSE mounts) have no hard links; fall back to checking.
    if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS) {
      return systemError("cannot create " + path_, errno);
    }
    if (pathExists(path_)) {
      return Error{path_ + " already exists"};
    }
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return systemError("cannot create " + path_, errno);
  }
  temp_path_.clear();
  return {};
}

Status ensurePrivateDirectory(const std::string& dir) {
  if (dir.empty()) {
    return Error{"the directory name is empty; give a path"};
  }
  std::filesystem::path partial;
  for (const auto& component : std::filesystem::path(dir)) {
    partial /= component;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return systemError("cannot create the directory " + partial.string(), errno);
    }
  }
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    return systemError("cannot use the directory " + dir, errno);
  }
  if (!S_ISDIR(info.st_mode)) {
    return Error{dir + " exists and is not a directory"};
  }
  return {};
}

void syncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

bool pathExists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

}  // namespace bsm
