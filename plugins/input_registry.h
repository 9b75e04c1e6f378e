#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config_file.h"
#include "plugins/input.h"

namespace bsm::plugins {

// Builds an input from its settings and its entry in the agent config. Throws ConfigError,
// naming the file and line, when the options are wrong.
using InputFactory = std::function<std::unique_ptr<Input>(
    const InputSettings& settings, const ConfigFile& file, const YAML::Node& options)>;

// Plugin name -> factory. The built-in set is registered by builtinInputs(); later plugins add
// themselves there.
class InputRegistry {
 public:
  void add(const std::string& plugin, InputFactory factory);
  bool has(const std::string& plugin) const;
  std::vector<std::string> names() const;
  std::unique_ptr<Input> create(const InputSettings& settings, const ConfigFile& file,
                                const YAML::Node& options) const;

 private:
  std::map<std::string, InputFactory> factories_;
};

// Every input plugin compiled into this build.
const InputRegistry& builtinInputs();

}  // namespace bsm::plugins
