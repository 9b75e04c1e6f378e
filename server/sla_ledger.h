#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "common/result.h"
#include "server/notification.h"
#include "server/service_model.h"
#include "server/sla_calculator.h"
#include "server/state_store.h"

namespace bsm::server {

// The burn rate over one of a policy's alert windows.
struct BurnRateView {
  std::string window;  // "1h", "5m"
  std::chrono::milliseconds length{0};
  double rate = 0;
};

// One service against its SLA now.
struct SlaStatus {
  std::string service;
  const SlaPolicy* policy = nullptr;  // valid while the model it came from is held
  std::shared_ptr<const ServiceModel> model;
  SlaWindow window;  // the policy's, or the one asked for
  SlaFigures figures;
  std::vector<BurnRateView> burn_rates;    // one per distinct alert window, shortest first
  std::vector<std::string> alerts_firing;  // "page", "ticket"
};

// One row of an SLA report: a calendar day, week or month.
struct SlaReportRow {
  TimeInterval period;
  SlaFigures figures;
};

// Answers SLA questions from the state history and the model, and raises burn-rate alerts.
//
// Reads go to the store only, so answers are as fresh as its last write (well under a second);
// nothing here runs on the ingest path. evaluate() runs on the ledger's own thread after
// start(), every `interval`.
class SlaLedger {
 public:
  using ModelSource = std::function<std::shared_ptr<const ServiceModel>()>;
  using Clock = std::function<int64_t()>;
  // More spans that do not count for a service inside `span`: where maintenance windows that
  // do not count against the SLA come in.
  using ExclusionSource =
      std::function<std::vector<TimeInterval>(const std::string& service, TimeInterval span)>;

  // `store` and every sink must outlive the ledger.
  SlaLedger(ModelSource model, StateStore& store, Clock clock);
  ~SlaLedger();
  SlaLedger(const SlaLedger&) = delete;
  SlaLedger& operator=(const SlaLedger&) = delete;

  void addNotificationSink(NotificationSink* sink);
  void setExclusionSource(ExclusionSource source);

  // The service's standing over its policy's window, or `window` instead when given. Fails when
  // the service is unknown, has no SLA, or the store cannot be read.
  Result<SlaStatus> status(const std::string& service,
                           const std::optional<SlaWindow>& window = std::nullopt);

  // One row per calendar period (in the policy's zone) overlapping `span`, at most
  // kMaxReportRows of them.
  static constexpr size_t kMaxReportRows = 1000;
  Result<std::vector<SlaReportRow>> report(const std::string& service, SlaWindow::Calendar period,
                                           TimeInterval span);

  // Where the service stands for a notification; empty without an SLA or without measured time.
  std::optional<BudgetView> budget(const std::string& service);

  // Checks every service's burn-rate alerts and notifies once when one starts firing and once
  // when it clears.
  void evaluate();

  // Runs evaluate() every `interval` on a thread of its own, until stop().
  void start(std::chrono::milliseconds interval = std::chrono::seconds(30));
  void stop();

 private:
  // Feeds the service's history over [from_ms, to_ms) to every calculator.
  Status replay(const std::string& service, int64_t from_ms, int64_t to_ms,
                const std::vector<SlaCalculator*>& calculators);
  std::vector<TimeInterval> exclusions(const std::string& service, TimeInterval span) const;
  void evaluateService(const ServiceDef& def, int64_t now_ms);

  ModelSource model_;
  StateStore& store_;
  Clock clock_;
  std::shared_ptr<spdlog::logger> log_;

  std::mutex mutex_;
  std::vector<NotificationSink*> sinks_;
  ExclusionSource exclusion_source_;
  // Per service, the alerts firing at the last evaluation.
  std::map<std::string, std::map<std::string, bool>> firing_;

  std::mutex thread_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bsm::server
