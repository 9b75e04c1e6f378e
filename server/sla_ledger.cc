#include "server/sla_ledger.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "common/duration.h"
#include "common/logging.h"
#include "server/sla_calendar.h"

namespace bsm::server {

namespace {

// The distinct alert windows of a policy, shortest first.
std::vector<std::chrono::milliseconds> burnWindows(const SlaPolicy& policy) {
  std::set<std::chrono::milliseconds> windows;
  for (const BurnAlert& alert : policy.burn_alerts) {
    windows.insert(alert.long_window);
    windows.insert(alert.short_window);
  }
  return {windows.begin(), windows.end()};
}

double rateFor(const std::vector<BurnRateView>& rates, std::chrono::milliseconds length) {
  for (const BurnRateView& rate : rates) {
    if (rate.length == length) {
      return rate.rate;
    }
  }
  return 0;
}

}  // namespace

SlaLedger::SlaLedger(ModelSource model, StateStore& store, Clock clock)
    : model_(std::move(model)),
      store_(store),
      clock_(std::move(clock)),
      log_(logging::get("sla")) {}

SlaLedger::~SlaLedger() {
  stop();
}

void SlaLedger::addNotificationSink(NotificationSink* sink) {
  std::lock_guard lock(mutex_);
  sinks_.push_back(sink);
}

void SlaLedger::setExclusionSource(ExclusionSource source) {
  std::lock_guard lock(mutex_);
  exclusion_source_ = std::move(source);
}

std::vector<TimeInterval> SlaLedger::exclusions(const std::string& service,
                                                TimeInterval span) const {
  std::vector<TimeInterval> out =
      exclusion_source_ ? exclusion_source_(service, span) : std::vector<TimeInterval>{};
  // Time the service spent in maintenance excluded from the SLA, as the history recorded it.
  auto planned = store_.plannedMaintenance(service, span);
  if (planned) {
    out.insert(out.end(), planned->begin(), planned->end());
  } else {
    log_->warn(
        "maintenance spans unavailable, counting that time as measured service={} "
        "error=\"{}\"",
        service, planned.error().message);
  }
  return out;
}

Status SlaLedger::replay(const std::string& service, int64_t from_ms, int64_t to_ms,
                         const std::vector<SlaCalculator*>& calculators) {
  auto initial = store_.serviceStateAt(service, from_ms);
  if (!initial) {
    return initial.error();
  }
  if (initial->has_value()) {
    for (SlaCalculator* calculator : calculators) {
      calculator->observe((*initial)->ts_ms, (*initial)->state);
    }
  }
  return store_.forEachServiceChange(service, from_ms, to_ms, [&](int64_t ts, CheckState state) {
    for (SlaCalculator* calculator : calculators) {
      calculator->observe(ts, state);
    }
  });
}

Result<SlaStatus> SlaLedger::status(const std::string& service,
                                    const std::optional<SlaWindow>& window) {
  SlaStatus status;
  status.model = model_();
  const ServiceDef* def = status.model ? status.model->find(service) : nullptr;
  if (def == nullptr) {
    return Error{"no service named '" + service + "'"};
  }
  if (!def->sla) {
    return Error{"service '" + service + "' has no sla in the model"};
  }
  const SlaPolicy& policy = *def->sla;
  status.service = service;
  status.policy = &policy;
  status.window = window.value_or(policy.window);

  const int64_t now = clock_();
  const TimeInterval span = windowAt(status.window, policy.zone, now);
  const std::vector<std::chrono::milliseconds> windows = burnWindows(policy);
  int64_t from = span.from_ms;
  for (const auto length : windows) {
    from = std::min(from, now - length.count());
  }
  std::vector<TimeInterval> extra;
  {
    std::lock_guard lock(mutex_);
    extra = exclusions(service, {from, std::max(span.to_ms, now)});
  }

  // One pass over the history feeds the window and every burn-rate window at once.
  SlaCalculator main(policy, span, now, extra);
  std::vector<SlaCalculator> burn;
  burn.reserve(windows.size());
  for (const auto length : windows) {
    burn.emplace_back(policy, TimeInterval{now - length.count(), now}, now, extra);
  }
  std::vector<SlaCalculator*> all = {&main};
  for (SlaCalculator& calculator : burn) {
    all.push_back(&calculator);
  }
  if (Status replayed = replay(service, from, now, all); !replayed) {
    return replayed.error();
  }

  status.figures = main.finish();
  for (size_t i = 0; i < windows.size(); ++i) {
    status.burn_rates.push_back(
        {formatDuration(windows[i]), windows[i], burn[i].finish().burn_rate});
  }
  for (const BurnAlert& alert : policy.burn_alerts) {
    if (rateFor(status.burn_rates, alert.long_window) >= alert.rate &&
        rateFor(status.burn_rates, alert.short_window) >= alert.rate) {
      status.alerts_firing.push_back(alert.name);
    }
  }
  return status;
}

Result<std::vector<SlaReportRow>> SlaLedger::report(const std::string& service,
                                                    SlaWindow::Calendar period, TimeInterval span) {
  const auto model = model_();
  const ServiceDef* def = model ? model->find(service) : nullptr;
  if (def == nullptr) {
    return Error{"no service named '" + service + "'"};
  }
  if (!def->sla) {
    return Error{"service '" + service + "' has no sla in the model"};
  }
  const SlaPolicy& policy = *def->sla;
  const int64_t now = clock_();
  const std::vector<TimeInterval> periods =
      calendarPeriodsOver(period, policy.zone, span, kMaxReportRows);
  if (periods.empty()) {
    return std::vector<SlaReportRow>{};
  }
  const TimeInterval whole{periods.front().from_ms, periods.back().to_ms};
  std::vector<TimeInterval> extra;
  {
    std::lock_guard lock(mutex_);
    extra = exclusions(service, whole);
  }

  // One pass over the history: the calculator of the period a change falls in takes it, and
  // each new period starts in the state the previous one ended in.
  std::vector<SlaReportRow> rows;
  size_t index = 0;
  std::optional<CheckState> state;
  auto calculator = std::make_unique<SlaCalculator>(policy, periods[0], now, extra);
  auto advanceTo = [&](int64_t ts_ms) {
    while (index < periods.size() && ts_ms >= periods[index].to_ms) {
      rows.push_back({periods[index], calculator->finish()});
      ++index;
      if (index < periods.size()) {
        calculator = std::make_unique<SlaCalculator>(policy, periods[index], now, extra);
        if (state) {
          calculator->observe(periods[index].from_ms, *state);
        }
      }
    }
  };
  auto initial = store_.serviceStateAt(service, whole.from_ms);
  if (!initial) {
    return initial.error();
  }
  if (initial->has_value()) {
    state = (*initial)->state;
    calculator->observe((*initial)->ts_ms, *state);
  }
  Status replayed = store_.forEachServiceChange(service, whole.from_ms, std::min(whole.to_ms, now),
                                                [&](int64_t ts, CheckState next) {
                                                  advanceTo(ts);
                                                  state = next;
                                                  if (index < periods.size()) {
                                                    calculator->observe(ts, next);
                                                  }
                                                });
  if (!replayed) {
    return replayed.error();
  }
  advanceTo(whole.to_ms);
  return rows;
}

std::optional<BudgetView> SlaLedger::budget(const std::string& service) {
  auto status = this->status(service);
  if (!status || !status->figures.availability) {
    return std::nullopt;
  }
  BudgetView view;
  view.objective = status->policy->objective;
  view.window = status->window.text;
  view.availability = *status->figures.availability;
  view.budget_remaining = status->figures.budget_remaining_percent.value_or(0);
  view.budget_remaining_seconds = status->figures.budget_remaining_seconds;
  view.burn_rate =
      status->burn_rates.empty() ? status->figures.burn_rate : status->burn_rates.front().rate;
  return view;
}

void SlaLedger::evaluate() {
  const auto model = model_();
  if (!model) {
    return;
  }
  const int64_t now = clock_();
  for (const ServiceDef& def : model->services()) {
    if (def.sla && !def.sla->burn_alerts.empty()) {
      evaluateService(def, now);
    }
  }
}

void SlaLedger::evaluateService(const ServiceDef& def, int64_t now_ms) {
  auto status = this->status(def.name);
  if (!status) {
    log_->warn("burn-rate alerts not evaluated service={} error=\"{}\"; retrying next round",
               def.name, status.error().message);
    return;
  }
  const SlaPolicy& policy = *def.sla;
  std::vector<Notification> out;
  {
    std::lock_guard lock(mutex_);
    auto& firing = firing_[def.name];
    for (const BurnAlert& alert : policy.burn_alerts) {
      const double long_rate = rateFor(status->burn_rates, alert.long_window);
      const double short_rate = rateFor(status->burn_rates, alert.short_window);
      const bool now_firing = long_rate >= alert.rate && short_rate >= alert.rate;
      bool& was_firing = firing[alert.name];
      if (now_firing == was_firing) {
        continue;
      }
      was_firing = now_firing;

      Notification n;
      n.kind = Notification::Kind::kBurnRate;
      n.ts_ms = now_ms;
      n.service = def.name;
      n.description = def.description;
      n.criticality = def.criticality;
      n.alert = alert.name;
      n.state = now_firing ? alert.severity : CheckState::kOk;
      n.previous = now_firing ? CheckState::kOk : alert.severity;
      const std::string long_text = formatDuration(alert.long_window);
      const std::string short_text = formatDuration(alert.short_window);
      n.reason = fmt::format(
          "error budget {} at {:.1f}x over {} and {:.1f}x over {} ({} fires at {:g}x both)",
          now_firing ? "burning" : "no longer burning fast", long_rate, long_text, short_rate,
          short_text, alert.name, alert.rate);
      n.burn_rates = {{long_text, long_rate}, {short_text, short_rate}};
      if (status->figures.availability) {
        BudgetView budget;
        budget.objective = policy.objective;
        budget.window = status->window.text;
        budget.availability = *status->figures.availability;
        budget.budget_remaining = status->figures.budget_remaining_percent.value_or(0);
        budget.budget_remaining_seconds = status->figures.budget_remaining_seconds;
        budget.burn_rate = status->burn_rates.front().rate;
        n.budget = budget;
      }
      log_->info(
          "burn-rate alert {} service={} alert={} long_rate={:.2f} short_rate={:.2f} "
          "threshold={:g} budget_remaining_percent={:.1f}",
          now_firing ? "fired" : "cleared", def.name, alert.name, long_rate, short_rate, alert.rate,
          status->figures.budget_remaining_percent.value_or(0));
      out.push_back(std::move(n));
    }
    for (const Notification& n : out) {
      for (NotificationSink* sink : sinks_) {
        sink->notify(n);
      }
    }
  }
}

void SlaLedger::start(std::chrono::milliseconds interval) {
  std::lock_guard lock(thread_mutex_);
  if (thread_.joinable()) {
    return;
  }
  stopping_ = false;
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(thread_mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      evaluate();
      lock.lock();
    }
  });
}

void SlaLedger::stop() {
  {
    std::lock_guard lock(thread_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace bsm::server
