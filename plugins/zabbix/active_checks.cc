#include "plugins/zabbix/active_checks.h"

#include <fnmatch.h>

#include <set>

namespace bsm::plugins::zabbix {

std::vector<ActiveItem> ActiveChecks::itemsFor(const std::string& host) const {
  std::vector<ActiveItem> out;
  std::set<std::string> keys;
  for (const auto& entry : entries_) {
    if (fnmatch(entry.host_glob.c_str(), host.c_str(), 0) != 0) {
      continue;
    }
    for (const auto& item : entry.items) {
      if (keys.insert(item.key).second) {
        out.push_back(item);
      }
    }
  }
  return out;
}

std::optional<int64_t> ActiveChecks::delayOf(const std::string& host,
                                             const std::string& key) const {
  for (const auto& entry : entries_) {
    if (fnmatch(entry.host_glob.c_str(), host.c_str(), 0) != 0) {
      continue;
    }
    for (const auto& item : entry.items) {
      if (item.key == key) {
        return item.delay_seconds;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> ActiveChecks::keyOf(const std::string& host, uint64_t itemid) const {
  for (const auto& entry : entries_) {
    if (fnmatch(entry.host_glob.c_str(), host.c_str(), 0) != 0) {
      continue;
    }
    for (const auto& item : entry.items) {
      if (item.itemid() == itemid) {
        return item.key;
      }
    }
  }
  return std::nullopt;
}

}  // namespace bsm::plugins::zabbix
