#pragma once

#include <memory>
#include <mutex>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "common/result.h"
#include "server/model_routes.h"
#include "server/server_config.h"

namespace bsm::server {

class AgentListener;
class HttpApi;
class MaintenanceCalendar;
class NotificationDispatcher;
class ServiceEngine;
class SlaLedger;
class SlaRoutes;
class SqliteStateStore;
class ZabbixPush;
class ZabbixWebhook;

// bsm-server assembled from its configuration: state store, service engine, agent listener
// and HTTP API, with the threads that drive them.
class ServerApp {
 public:
  // Loads the model, tokens, TLS files and database; throws ConfigError for a bad model and
  // returns an Error for anything else that stops the server from starting.
  static Result<std::unique_ptr<ServerApp>> create(const ServerConfig& config);
  ~ServerApp();

  // What --check-config checks beyond the files' syntax: the model, the token files and the
  // TLS files. create() runs the same checks.
  static Status validate(const ServerConfig& config);

  Status start();
  void stop();

  // Reads the model files again and swaps the new model in; a model that does not load is
  // refused with the reason and the old one stays. Agent sessions and states are kept. Safe
  // from any thread (SIGHUP, the HTTP API).
  Result<ReloadSummary> reloadModel();

  uint16_t agentPort() const;
  uint16_t httpPort() const;
  ServiceEngine& engine() { return *engine_; }
  // Notifiers register here for burn-rate alerts, and read budgets from it.
  SlaLedger& slaLedger() { return *sla_ledger_; }
  // Null when no notification channel is configured.
  NotificationDispatcher* notifications() { return notifications_.get(); }

 private:
  explicit ServerApp(ServerConfig config);
  void armTick();
  // Hands the engine the maintenance windows active now.
  void applyMaintenance();

  ServerConfig config_;
  std::unique_ptr<SqliteStateStore> store_;
  std::unique_ptr<MaintenanceCalendar> maintenance_;
  // Sinks of the engine are declared before it, so that they outlive it.
  std::unique_ptr<ZabbixPush> zabbix_push_;
  std::unique_ptr<NotificationDispatcher> notifications_;
  std::unique_ptr<ServiceEngine> engine_;
  asio::io_context io_;
  asio::steady_timer tick_timer_;
  std::unique_ptr<AgentListener> listener_;
  std::unique_ptr<ZabbixWebhook> zabbix_webhook_;
  // After the engine and before the API: its thread stops before the engine goes, and its
  // routes outlive the API's.
  std::unique_ptr<SlaLedger> sla_ledger_;
  std::unique_ptr<SlaRoutes> sla_routes_;
  std::unique_ptr<HttpApi> http_;
  std::thread io_thread_;
  std::mutex reload_mutex_;
};

}  // namespace bsm::server
