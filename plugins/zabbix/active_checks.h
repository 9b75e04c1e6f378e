#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugins/zabbix/trapper_protocol.h"

namespace bsm::plugins::zabbix {

// Which items active Zabbix agents are told to send, by host name: what a Zabbix server keeps
// as "Zabbix agent (active)" items on its hosts. Hosts are globs ("web-*"), so one entry serves
// every web server; a host matching several entries gets every item of each, once.
class ActiveChecks {
 public:
  struct Entry {
    std::string host_glob;
    std::vector<ActiveItem> items;
  };

  ActiveChecks() = default;
  explicit ActiveChecks(std::vector<Entry> entries) : entries_(std::move(entries)) {}

  // The items for `host`, in configuration order; empty when no entry matches.
  std::vector<ActiveItem> itemsFor(const std::string& host) const;

  // The delay of `key` for `host` in seconds, when it is one of that host's items.
  std::optional<int64_t> delayOf(const std::string& host, const std::string& key) const;

  // The key of the item with `itemid` (ActiveItem::itemid()) among `host`'s items.
  std::optional<std::string> keyOf(const std::string& host, uint64_t itemid) const;

 private:
  std::vector<Entry> entries_;
};

}  // namespace bsm::plugins::zabbix
