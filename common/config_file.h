#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace bsm {

// A configuration mistake. The message starts with "FILE:LINE:COLUMN: " so that editors and
// operators can jump to it. Thrown only while loading configuration, never on the data path.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One parsed YAML file plus the helpers to read typed values from it with errors that name the
// file and line of the offending node.
class ConfigFile {
 public:
  // Throws ConfigError for an unreadable file or a YAML syntax error (with its line).
  static ConfigFile load(const std::string& path);
  // Same, for text that did not come from a file; `name` stands in for the path in errors.
  static ConfigFile parse(const std::string& text, const std::string& name);

  const YAML::Node& root() const { return root_; }
  const std::string& path() const { return path_; }

  // "FILE:LINE:COLUMN" of a node (1-based), or just FILE when the node has no position.
  std::string where(const YAML::Node& node) const;
  [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const;

  // Fails when `map` has a key not in `known`: a misspelt key is a mistake, not a default.
  void rejectUnknownKeys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                         std::string_view context) const;

  void requireMap(const YAML::Node& node, std::string_view what) const;
  void requireSequence(const YAML::Node& node, std::string_view what) const;

  std::string getString(const YAML::Node& map, const std::string& key) const;
  std::optional<std::string> getOptionalString(const YAML::Node& map, const std::string& key) const;
  std::chrono::milliseconds getDuration(const YAML::Node& map, const std::string& key,
                                        std::chrono::milliseconds fallback) const;
  int64_t getInteger(const YAML::Node& map, const std::string& key, int64_t fallback) const;
  double getNumber(const YAML::Node& map, const std::string& key, double fallback) const;
  bool getBool(const YAML::Node& map, const std::string& key, bool fallback) const;

  // A path from the file, taken relative to the file's folder when it is not absolute, so that
  // a deployment folder can move as a whole.
  std::string resolvePath(const std::string& path) const;

  // Reads a scalar as the given type or fails naming the key and the expected type.
  std::string asString(const YAML::Node& node, std::string_view what) const;

 private:
  ConfigFile(YAML::Node root, std::string path) : root_(std::move(root)), path_(std::move(path)) {}

  YAML::Node root_;
  std::string path_;
};

}  // namespace bsm
