#include "server/server_app.h"

#include <asio/executor_work_guard.hpp>

#include "common/config_file.h"
#include "common/logging.h"
#include "common/tls_context.h"
#include "server/acknowledgement_routes.h"
#include "server/agent_listener.h"
#include "server/analysis_routes.h"
#include "server/http_api.h"
#include "server/maintenance_calendar.h"
#include "server/maintenance_routes.h"
#include "server/notification_dispatcher.h"
#include "server/service_engine.h"
#include "server/service_model.h"
#include "server/sla_ledger.h"
#include "server/sla_routes.h"
#include "server/sqlite_state_store.h"
#include "server/token_file.h"
#include "server/zabbix_push.h"
#include "server/zabbix_webhook.h"

namespace bsm::server {

ServerApp::ServerApp(ServerConfig config) : config_(std::move(config)), tick_timer_(io_) {}

ServerApp::~ServerApp() {
  stop();
}

Result<std::unique_ptr<ServerApp>> ServerApp::create(const ServerConfig& config) {
  auto log = logging::get("server");
  std::unique_ptr<ServerApp> app(new ServerApp(config));

  ServiceModel model = ServiceModel::load(config.model_globs);

  auto tokens = readApiTokens(config.admin_token_file, config.read_token_file);
  if (!tokens) {
    return Error{config.path + ": tokens: " + tokens.error().message};
  }
  for (const auto& warning : tokens->warnings) {
    log->warn("{}", warning);
  }
  auto tls = makeTlsContext(config.tls, TlsRole::kServer);
  if (!tls) {
    return Error{config.path + ": tls: " + tls.error().message};
  }
  if (Status usable = checkOwnCertificate(config.tls, ""); !usable) {
    return Error{config.path + ": tls: " + usable.error().message};
  }
  auto store = SqliteStateStore::open(config.data_dir);
  if (!store) {
    return store.error();
  }
  app->store_ = std::move(store.value());
  auto maintenance = MaintenanceCalendar::open(config.data_dir);
  if (!maintenance) {
    return maintenance.error();
  }
  app->maintenance_ = std::move(maintenance.value());

  EngineOptions options;
  options.agent_grace = config.agent_grace;
  app->engine_ = std::make_unique<ServiceEngine>(std::move(model), app->store_.get(), options);
  if (config.zabbix) {
    app->zabbix_push_ = std::make_unique<ZabbixPush>(*config.zabbix, *app->engine_);
    app->engine_->addSink(app->zabbix_push_.get());
  }
  if (!config.notifications.empty()) {
    NotificationDispatcher::Options notify_options;
    notify_options.data_dir = config.data_dir;
    auto dispatcher = NotificationDispatcher::create(config.notifications, notify_options);
    if (!dispatcher) {
      return Error{config.path + ": notifications: " + dispatcher.error().message};
    }
    app->notifications_ = std::move(dispatcher.value());
    app->engine_->addNotificationSink(app->notifications_.get());
  }

  SessionSettings settings;
  settings.max_frame_bytes = config.max_frame_bytes;
  app->listener_ = std::make_unique<AgentListener>(app->io_, tls.value(), *app->engine_, settings,
                                                   app->store_.get());
  app->http_ = std::make_unique<HttpApi>(*app->engine_, tokens->admin, tokens->read_only);
  addModelRoutes(*app->http_, *app->engine_,
                 [server = app.get()] { return server->reloadModel(); });
  addAcknowledgementRoutes(*app->http_, *app->engine_);
  addMaintenanceRoutes(*app->http_, *app->maintenance_,
                       [server = app.get()] { server->applyMaintenance(); });
  app->applyMaintenance();
  auto model_source = [engine = app->engine_.get()] { return engine->model(); };
  app->sla_ledger_ =
      std::make_unique<SlaLedger>(model_source, *app->store_, [] { return nowMs(); });
  app->sla_routes_ = std::make_unique<SlaRoutes>(model_source, *app->sla_ledger_, *app->store_,
                                                 [] { return nowMs(); });
  app->sla_routes_->registerWith(*app->http_);
  addAnalysisRoutes(*app->http_, *app->engine_, app->sla_ledger_.get());
  if (app->notifications_) {
    // Burn-rate alerts go out through the same channels, and every notification says where
    // its service stands against its SLA.
    app->sla_ledger_->addNotificationSink(app->notifications_.get());
    app->notifications_->setBudgetLookup(
        [ledger = app->sla_ledger_.get()](const std::string& service) {
          return ledger->budget(service);
        });
  }
  app->zabbix_webhook_ = std::make_unique<ZabbixWebhook>(*app->engine_);
  app->http_->addPost(
      ZabbixWebhook::kPath,
      [webhook = app->zabbix_webhook_.get()](const std::string& body, const std::string& client) {
        return webhook->handle(body, client);
      });
  return app;
}

Status ServerApp::validate(const ServerConfig& config) {
  ServiceModel::load(config.model_globs);
  if (auto tokens = readApiTokens(config.admin_token_file, config.read_token_file); !tokens) {
    return Error{config.path + ": tokens: " + tokens.error().message};
  }
  if (auto tls = makeTlsContext(config.tls, TlsRole::kServer); !tls) {
    return Error{config.path + ": tls: " + tls.error().message};
  }
  if (Status usable = checkOwnCertificate(config.tls, ""); !usable) {
    return Error{config.path + ": tls: " + usable.error().message};
  }
  return Status::success();
}

Status ServerApp::start() {
  if (Status listening = listener_->start(config_.agents_listen); !listening) {
    return listening;
  }
  if (Status serving = http_->start(config_.http_listen); !serving) {
    return serving;
  }
  if (zabbix_push_) {
    zabbix_push_->start();
  }
  // Burn-rate alerts read SQLite, so they run on the ledger's thread, never on the I/O thread
  // that serves agents.
  sla_ledger_->start(std::chrono::seconds(30));
  if (notifications_) {
    if (Status delivering = notifications_->start(); !delivering) {
      return delivering;
    }
  }
  if (config_.notification_settle.count() > 0) {
    engine_->holdNotificationsUntil(nowMs() + config_.notification_settle.count());
  }
  armTick();
  io_thread_ = std::thread([this] {
    auto guard = asio::make_work_guard(io_);
    io_.run();
  });
  return Status::success();
}

void ServerApp::stop() {
  if (sla_ledger_) {
    sla_ledger_->stop();
  }
  if (zabbix_push_) {
    zabbix_push_->stop();
  }
  if (http_) {
    http_->stop();
  }
  if (listener_ && io_thread_.joinable()) {
    // Agents get a Goodbye so that they log a shutdown rather than a broken connection; the
    // sessions need a moment on the I/O thread to write it.
    asio::post(io_, [this] { listener_->stop(); });
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (listener_->stats().sessions_active > 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  io_.stop();
  if (io_thread_.joinable()) {
    io_thread_.join();
  }
  // After the I/O thread: notifications the last ingested data caused are still stored.
  if (notifications_) {
    notifications_->stop();
  }
  if (store_) {
    store_->flush();
  }
}

Result<ReloadSummary> ServerApp::reloadModel() {
  std::lock_guard lock(reload_mutex_);
  auto log = logging::get("server");
  try {
    ServiceModel model = ServiceModel::load(config_.model_globs);
    ReloadSummary summary{model.services().size(), model.files().size()};
    engine_->replaceModel(std::move(model), nowMs());
    log->info("service model reloaded services={} files={}", summary.services, summary.files);
    return summary;
  } catch (const ConfigError& e) {
    log->error("service model reload refused, the previous model stays: {}", e.what());
    return Error{e.what()};
  }
}

void ServerApp::applyMaintenance() {
  const int64_t now = nowMs();
  engine_->setMaintenance(maintenance_->active(now), now);
}

uint16_t ServerApp::agentPort() const {
  return listener_->port();
}
uint16_t ServerApp::httpPort() const {
  return http_->port();
}

void ServerApp::armTick() {
  // Staleness and agent grace are judged once a second; states therefore turn UNKNOWN within
  // a second of their deadline.
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const std::error_code& error) {
    if (error) {
      return;
    }
    engine_->tick(nowMs());
    // Windows start and end on the minute at the finest; once a second is plenty, and the
    // engine does nothing when the active set did not change.
    applyMaintenance();
    armTick();
  });
}

}  // namespace bsm::server
