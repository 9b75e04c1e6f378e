#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/check_state.h"
#include "common/result.h"
#include "server/http_api.h"
#include "server/ingest_target.h"

namespace bsm::server {

// One Zabbix problem event, as the media type in packaging/zabbix/ posts it.
struct ZabbixEvent {
  std::string host;         // {HOST.HOST}
  std::string trigger;      // {TRIGGER.NAME}: the check's name
  std::string name;         // {EVENT.NAME}: the problem as Zabbix words it
  std::string event_id;     // {EVENT.ID}
  std::string trigger_id;   // {TRIGGER.ID}, when given: tells same-named triggers apart
  std::string recovery_id;  // {EVENT.RECOVERY.ID}, in a recovery
  bool problem = true;      // {EVENT.VALUE}: 1 problem, 0 resolved
  int severity = 0;         // {EVENT.NSEVERITY}: 0 not classified .. 5 disaster
  std::string opdata;       // {EVENT.OPDATA}
};

// The state a Zabbix event gives its trigger's component: resolved is OK; a problem is OK for
// Information, WARNING for Not classified, Warning and Average, CRITICAL for High and Disaster.
CheckState stateOf(const ZabbixEvent& event);

// Reads the JSON body the media type posts; the error names the field that is wrong.
Result<ZabbixEvent> parseZabbixEvent(const std::string& body);

// POST /api/v1/ingest/zabbix: turns Zabbix problem events into check results, so that the
// triggers a Zabbix shop already has become components of business services. Each trigger is
// a check named by the trigger's name on the Zabbix host's technical name, owned by the
// pseudo-agent "zabbix-webhook", and labelled trigger_id=<id> when the event carries it.
//
// Zabbix sends notifications from several alerters at once and retries failed ones, so they
// may arrive out of order; each event's id (the recovery's own id for a recovery) orders them,
// and one older than the last applied for its trigger is acknowledged but not applied.
//
// Events come only when a trigger changes, so these series never go stale: a trigger keeps
// its state until Zabbix reports the next change.
//
// TODO: the state lives in memory only; after a server restart a trigger is unknown until its
// next event. Keeping the last event per trigger in the state store would bridge restarts.
class ZabbixWebhook {
 public:
  explicit ZabbixWebhook(IngestTarget& ingest) : ingest_(ingest) {}

  HttpApi::Reply handle(const std::string& body, const std::string& client);

  static constexpr const char* kPath = "/api/v1/ingest/zabbix";
  static constexpr const char* kAgentId = "zabbix-webhook";

  uint64_t accepted() const { return accepted_.load(); }
  uint64_t refused() const { return refused_.load(); }

 private:
  // Whether `event` is newer than the last one applied to its trigger; notes it when it is.
  bool newest(const ZabbixEvent& event);

  IngestTarget& ingest_;
  std::mutex order_mutex_;
  std::unordered_map<std::string, uint64_t> last_applied_;  // host + trigger -> event id
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace bsm::server
