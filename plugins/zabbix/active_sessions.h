#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

namespace bsm::plugins::zabbix {

// Remembers, for each active agent's session, the highest value id already taken in, so that
// values an agent sends again (it resends when our answer did not reach it) are taken once.
// An agent numbers its values from 1 in a session token that lasts as long as its process, so
// a restarted agent arrives with a new session and starts afresh.
//
// Bounded: past `capacity` sessions, the one heard from least recently is forgotten.
class ActiveSessions {
 public:
  explicit ActiveSessions(size_t capacity = 4096) : capacity_(capacity) {}

  // True when the value with `id` in `session` is new; it then counts as taken.
  bool take(const std::string& session, uint64_t id);

  size_t size() const { return sessions_.size(); }

 private:
  struct Session {
    uint64_t highest_id = 0;
    std::list<std::string>::iterator recency;
  };

  size_t capacity_;
  std::unordered_map<std::string, Session> sessions_;
  std::list<std::string> recency_;  // most recently heard from first
};

}  // namespace bsm::plugins::zabbix
