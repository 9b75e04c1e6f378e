#include "plugins/input_registry.h"

#include "plugins/nagios/nagios_input.h"
#include "plugins/nagios/nrpe_input.h"
#include "plugins/nagios/perfdata_file_input.h"
#include "plugins/system/system_input.h"
#include "plugins/zabbix/trapper_input.h"
#include "plugins/zabbix/zabbix_input.h"

namespace bsm::plugins {

void InputRegistry::add(const std::string& plugin, InputFactory factory) {
  factories_[plugin] = std::move(factory);
}

bool InputRegistry::has(const std::string& plugin) const {
  return factories_.count(plugin) != 0;
}

std::vector<std::string> InputRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, factory] : factories_) {
    out.push_back(name);
  }
  return out;
}

std::unique_ptr<Input> InputRegistry::create(const InputSettings& settings, const ConfigFile& file,
                                             const YAML::Node& options) const {
  auto it = factories_.find(settings.plugin);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& name : names()) {
      known += known.empty() ? name : ", " + name;
    }
    file.fail(options["plugin"],
              "unknown plugin '" + settings.plugin + "' (this build has: " + known + ")");
  }
  return it->second(settings, file, options);
}

const InputRegistry& builtinInputs() {
  static const InputRegistry registry = [] {
    InputRegistry r;
    r.add("system", system::SystemInput::factory());
    r.add("nagios", nagios::NagiosInput::factory());
    r.add("nrpe", nagios::NrpeInput::factory());
    r.add("nagios_perfdata", nagios::PerfdataFileInput::factory());
    r.add("zabbix", zabbix::ZabbixInput::factory());
    r.add("zabbix_trapper", zabbix::TrapperInput::factory());
    return r;
  }();
  return registry;
}

}  // namespace bsm::plugins
