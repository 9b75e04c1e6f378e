#include "common/config_file.h"

#include <fstream>
#include <sstream>

#include "common/duration.h"

namespace bsm {

namespace {

std::string position(const std::string& path, const YAML::Mark& mark) {
  if (mark.is_null()) {
    return path;
  }
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

}  // namespace

ConfigFile ConfigFile::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw ConfigError(path + ": cannot read the file");
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

ConfigFile ConfigFile::parse(const std::string& text, const std::string& name) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) {
      root = YAML::Node(YAML::NodeType::Map);
    }
    return ConfigFile(root, name);
  } catch (const YAML::Exception& e) {
    throw ConfigError(position(name, e.mark) + ": YAML syntax error: " + e.msg);
  }
}

std::string ConfigFile::where(const YAML::Node& node) const {
  return node ? position(path_, node.Mark()) : path_;
}

void ConfigFile::fail(const YAML::Node& at, const std::string& what) const {
  throw ConfigError(where(at) + ": " + what);
}

void ConfigFile::rejectUnknownKeys(const YAML::Node& map,
                                   std::initializer_list<std::string_view> known,
                                   std::string_view context) const {
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    bool found = false;
    for (auto k : known) {
      found = found || key == k;
    }
    if (!found) {
      std::string list;
      for (auto k : known) {
        list += list.empty() ? "" : ", ";
        list += k;
      }
      fail(entry.first,
           "unknown key '" + key + "' in " + std::string(context) + " (known keys: " + list + ")");
    }
  }
}

void ConfigFile::requireMap(const YAML::Node& node, std::string_view what) const {
  if (!node.IsMap()) {
    fail(node, std::string(what) + " must be a mapping of keys to values");
  }
}

void ConfigFile::requireSequence(const YAML::Node& node, std::string_view what) const {
  if (!node.IsSequence()) {
    fail(node, std::string(what) + " must be a list");
  }
}

std::string ConfigFile::resolvePath(const std::string& path) const {
  if (path.empty() || path.front() == '/') {
    return path;
  }
  const auto slash = path_.rfind('/');
  return slash == std::string::npos ? path : path_.substr(0, slash + 1) + path;
}

std::string ConfigFile::asString(const YAML::Node& node, std::string_view what) const {
  if (!node.IsScalar()) {
    fail(node, std::string(what) + " must be a single value, not a list or mapping");
  }
  return node.Scalar();
}

std::string ConfigFile::getString(const YAML::Node& map, const std::string& key) const {
  const YAML::Node node = map[key];
  if (!node) {
    fail(map, "missing required key '" + key + "'");
  }
  return asString(node, "'" + key + "'");
}

std::optional<std::string> ConfigFile::getOptionalString(const YAML::Node& map,
                                                         const std::string& key) const {
  const YAML::Node node = map[key];
  if (!node || node.IsNull()) {
    return std::nullopt;
  }
  return asString(node, "'" + key + "'");
}

std::chrono::milliseconds ConfigFile::getDuration(const YAML::Node& map, const std::string& key,
                                                  std::chrono::milliseconds fallback) const {
  const auto text = getOptionalString(map, key);
  if (!text) {
    return fallback;
  }
  auto parsed = parseDuration(*text);
  if (!parsed) {
    fail(map[key], "'" + key + "': " + parsed.error().message);
  }
  return *parsed;
}

int64_t ConfigFile::getInteger(const YAML::Node& map, const std::string& key,
                               int64_t fallback) const {
  const YAML::Node node = map[key];
  if (!node || node.IsNull()) {
    return fallback;
  }
  try {
    return node.as<int64_t>();
  } catch (const YAML::Exception&) {
    fail(node, "'" + key + "' must be an integer, got '" + asString(node, key) + "'");
  }
}

double ConfigFile::getNumber(const YAML::Node& map, const std::string& key, double fallback) const {
  const YAML::Node node = map[key];
  if (!node || node.IsNull()) {
    return fallback;
  }
  try {
    return node.as<double>();
  } catch (const YAML::Exception&) {
    fail(node, "'" + key + "' must be a number, got '" + asString(node, key) + "'");
  }
}

bool ConfigFile::getBool(const YAML::Node& map, const std::string& key, bool fallback) const {
  const YAML::Node node = map[key];
  if (!node || node.IsNull()) {
    return fallback;
  }
  try {
    return node.as<bool>();
  } catch (const YAML::Exception&) {
    fail(node, "'" + key + "' must be true or false, got '" + asString(node, key) + "'");
  }
}

}  // namespace bsm
