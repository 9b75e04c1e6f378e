#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "server/http_post.h"
#include "server/notification_channel.h"

namespace bsm::server {

class NotificationOutbox;

// Sends notifications to Prometheus Alertmanager as alerts (POST /api/v2/alerts), to every
// configured Alertmanager of a cluster as Prometheus does; one that accepts is enough.
//
// A failing service is one alert, labelled alertname=BusinessServiceState, service, severity
// (critical or warning) and criticality; a burn-rate alert is alertname=ErrorBudgetBurn with
// burn_alert=page or ticket. Annotations carry summary, description and root_cause. When the
// service is OK again the alert is sent with endsAt now, which resolves it. A change of
// severity changes the alert's labels, so the old alert is resolved in the same request.
//
// Alertmanager resolves an alert by itself when its endsAt passes, so a firing alert carries an
// endsAt a few resend intervals ahead and is sent again every resend interval. If bsm-server
// stops for longer, its alerts resolve rather than fire forever. Firing alerts are kept in the
// outbox's channel state, so a restart goes on refreshing them.
class AlertmanagerChannel final : public NotificationChannel {
 public:
  struct Settings {
    std::vector<HttpUrl> urls;  // each an Alertmanager's /api/v2/alerts
    std::chrono::milliseconds timeout{10'000};
    std::chrono::milliseconds resend_interval{60'000};
    std::string external_url;                    // this server's API, for generatorURL
    std::map<std::string, std::string> headers;  // e.g. for a proxy in front of Alertmanager
    std::string ca_file;                         // empty: the system's CA store
  };

  // `state` (may be null in tests) keeps the firing alerts across restarts.
  AlertmanagerChannel(std::string name, Settings settings, NotificationOutbox* state);

  Delivery deliver(const nlohmann::json& document) override;
  std::chrono::milliseconds refreshInterval() const override { return settings_.resend_interval; }
  void refresh() override;

  // The alert a notification document stands for, without startsAt/endsAt.
  nlohmann::json alertFor(const nlohmann::json& document) const;
  // The alerts now firing, by key (tests).
  const std::map<std::string, nlohmann::json>& firing() const { return firing_; }

 private:
  Delivery post(const nlohmann::json& alerts);
  void remember(const std::string& key, const nlohmann::json& alert);
  void forget(const std::string& key);

  const std::string name_;
  const Settings settings_;
  NotificationOutbox* const state_;
  // Alerts now firing, keyed by what they are about ("service:NAME", "burn:page:NAME"), each
  // as last sent (labels, annotations, startsAt, generatorURL).
  std::map<std::string, nlohmann::json> firing_;
};

}  // namespace bsm::server
