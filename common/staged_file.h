#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.h"

namespace bsm {

// A file written under a temporary name beside its final one and moved into place only once
// complete, so that nobody ever reads half a file (half a private key, say) and a failure leaves
// the earlier file intact. The temporary file is removed on destruction unless published.
class StagedFile {
 public:
  StagedFile() = default;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile();

  // Creates the temporary file for `path`. The mode is given to open(), so a private key is never
  // readable by others, not even between creating the file and a chmod.
  Status create(const std::string& path, mode_t mode);

  // The descriptor to write to, open until finish().
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // Flushes the contents to disk and closes the descriptor.
  Status finish();

  // Moves the finished file to its final name. Without `overwrite`, fails when that name exists.
  Status publish(bool overwrite);

 private:
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
};

// Creates every missing component of `dir` with mode 0700 (the directory is for private keys);
// fails when `dir` exists and is not a directory.
Status ensurePrivateDirectory(const std::string& dir);

// Flushes a directory's entries, so that files renamed into it survive a crash. Best effort.
void syncDirectory(const std::string& dir);

// Whether anything (a file, a directory, a dangling symlink) has this name.
bool pathExists(const std::string& path);

}  // namespace bsm
