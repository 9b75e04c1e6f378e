// bsm-engine-bench: builds a generated fleet and service model in memory (by default 1,000 hosts
// with 100 checks each under 10,000 services), loads it into a ServiceEngine as the server
// would, and measures load time, the cost of one component change, the analysis queries and
// memory. Prints markdown tables. See bench/README.md.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <iostream>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <time.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench/engine/bench_model.h"
#include "bench/process_usage.h"
#include "common/logging.h"
#include "server/service_engine.h"

namespace {

using Clock = std::chrono::steady_clock;
using bsm::CheckState;
using bsm::server::CheckPoint;
using bsm::server::SeriesId;
using bsm::server::ServiceEngine;

// 2026-01-01T00:00:00Z: the benchmark's server clock starts here and moves 1 ms per change.
constexpr int64_t kStartMs = 1'767'225'600'000;
// The agents' check interval: staleness (three intervals) never fires during a run.
constexpr int64_t kCheckIntervalMs = 60'000;

struct Options {
  bsm::bench::FleetShape shape;
  size_t changes = 20'000;
  size_t failing = 100;
  size_t queries = 500;
  std::string log_level = "warn";
};

// One timed call. The machine is shared with other work, so a call may lose the core part-way
// and its wall time then says more about the neighbours than about the engine. The thread's
// context switches and CPU time are read on both sides, outside the timed span, to tell such
// samples apart.
class Stopwatch {
 public:
  struct Reading {
    double wall_us = 0;
    double cpu_us = 0;
    bool preempted = false;  // the thread was switched out at least once during the call
  };

  Stopwatch() : switches_(contextSwitches()), cpu_ns_(threadCpuNs()), start_(Clock::now()) {}

  Reading stop() const {
    const auto end = Clock::now();
    const int64_t cpu_ns = threadCpuNs();
    const long switches = contextSwitches();
    return {std::chrono::duration<double, std::micro>(end - start_).count(),
            static_cast<double>(cpu_ns - cpu_ns_) / 1'000.0, switches != switches_};
  }

 private:
  static long contextSwitches() {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_nvcsw + usage.ru_nivcsw;
  }
  static int64_t threadCpuNs() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
  }

  long switches_;
  int64_t cpu_ns_;
  Clock::time_point start_;
};

double residentMiB() {
  auto usage = bsm::bench::readProcessUsage(0);
  return usage ? static_cast<double>(usage->rss_kib) / 1024.0 : 0.0;
}

double peakMiB() {
  auto usage = bsm::bench::readProcessUsage(0);
  return usage ? static_cast<double>(usage->hwm_kib) / 1024.0 : 0.0;
}

// Latencies in microseconds, with what each call touched. The figures are over the calls that
// kept their core throughout; those that did not are counted, and shown in one p99 of all.
class Samples {
 public:
  void add(const Stopwatch::Reading& reading, size_t touched = 0, size_t causes = 0) {
    all_.push_back(reading.wall_us);
    if (!reading.preempted) {
      kept_.push_back(reading.wall_us);
    }
    touched_ += touched;
    causes_ += causes;
  }
  size_t count() const { return all_.size(); }
  size_t preempted() const { return all_.size() - kept_.size(); }
  double median() const { return percentile(kept_, 0.5); }
  double p99() const { return percentile(kept_, 0.99); }
  double max() const { return kept_.empty() ? 0 : *std::max_element(kept_.begin(), kept_.end()); }
  double p99OfAll() const { return percentile(all_, 0.99); }
  double meanTouched() const {
    return all_.empty() ? 0 : static_cast<double>(touched_) / static_cast<double>(count());
  }
  double meanCauses() const {
    return all_.empty() ? 0 : static_cast<double>(causes_) / static_cast<double>(count());
  }

 private:
  // Nearest rank: the smallest sample with at least `share` of the samples at or below it.
  static double percentile(std::vector<double> samples, double share) {
    if (samples.empty()) {
      return 0;
    }
    const auto rank = static_cast<size_t>(std::ceil(share * static_cast<double>(samples.size())));
    const size_t index = std::min(samples.size() - 1, rank == 0 ? 0 : rank - 1);
    std::nth_element(samples.begin(), samples.begin() + static_cast<long>(index), samples.end());
    return samples[index];
  }

  std::vector<double> all_;
  std::vector<double> kept_;
  size_t touched_ = 0;
  size_t causes_ = 0;
};

std::string latencyRow(const std::string& what, const Samples& samples, const std::string& note) {
  return fmt::format("| {} | {} | {} | {:.1f} | {:.1f} | {:.1f} | {:.1f} | {} |", what,
                     samples.count(), samples.preempted(), samples.median(), samples.p99(),
                     samples.max(), samples.p99OfAll(), note);
}

// A load step's wall and CPU time, in milliseconds.
std::string loadRow(const std::string& what, const Stopwatch::Reading& reading) {
  return fmt::format("| {} | {:.0f} | {:.0f} |\n", what, reading.wall_us / 1'000.0,
                     reading.cpu_us / 1'000.0);
}

// Sees every state change as apply() publishes it, to tell how far each change went.
class PropagationMeter : public bsm::server::StateChangeSink {
 public:
  void record(std::span<const bsm::server::StateChange> changes) override {
    for (const auto& change : changes) {
      if (change.kind != bsm::server::StateChange::Kind::kService) {
        continue;
      }
      ++services_changed_;
      reached_top_ = reached_top_ || bsm::bench::isTopService(change.service);
    }
  }
  void reset() {
    services_changed_ = 0;
    reached_top_ = false;
  }
  size_t servicesChanged() const { return services_changed_; }
  bool reachedTop() const { return reached_top_; }

 private:
  size_t services_changed_ = 0;
  bool reached_top_ = false;
};

// Stands in for the notifier: takes each notification and drops it, so that what is measured
// is the engine building it (ranked causes, impact), not delivering it. Counts the causes the
// engine ranked for each change, since that is what the building costs.
class DiscardingNotificationSink : public bsm::server::NotificationSink {
 public:
  void notify(const bsm::server::Notification& notification) override {
    ++count_;
    causes_ += notification.causes.size();
  }
  size_t count() const { return count_; }
  size_t causes() const { return causes_; }

 private:
  size_t count_ = 0;
  size_t causes_ = 0;
};

// The benchmark's fleet in the engine: every series id by (host, check), and which are failing.
struct Fleet {
  std::vector<SeriesId> ids;  // host * checks_per_host + check
  std::vector<bool> failing;
  std::deque<size_t> failed_order;  // oldest failure first
};

CheckPoint checkResult(SeriesId id, CheckState state, int64_t ts_ms) {
  return CheckPoint{
      id, ts_ms, state,
      state == CheckState::kOk ? "OK - answered in 12 ms" : "CRITICAL - connection refused"};
}

// The cost of single changes, by how far each went.
struct PropagationResult {
  Samples quiet;    // no service changed state
  Samples partial;  // services changed, none at the top
  Samples top;      // an application or business service changed
  Samples all;
};

// One apply() per change, alternating between failing a random healthy check and recovering the
// oldest failed one once `target` are failing, so that the model holds about `target` failures
// throughout, as a large fleet on an ordinary day does.
PropagationResult measureChanges(ServiceEngine& engine, Fleet& fleet, PropagationMeter& meter,
                                 const DiscardingNotificationSink& notifications, size_t changes,
                                 size_t target, int64_t& now_ms, std::mt19937_64& random) {
  PropagationResult result;
  std::uniform_int_distribution<size_t> any(0, fleet.ids.size() - 1);
  // The first `target` changes only fill the model with failures; they are not measured.
  const size_t warmup = target > fleet.failed_order.size() ? target - fleet.failed_order.size() : 0;
  for (size_t step = 0; step < warmup + changes; ++step) {
    size_t index = 0;
    CheckState state = CheckState::kCritical;
    if (fleet.failed_order.size() >= target) {
      index = fleet.failed_order.front();
      fleet.failed_order.pop_front();
      state = CheckState::kOk;
    } else {
      do {
        index = any(random);
      } while (fleet.failing[index]);
      fleet.failed_order.push_back(index);
    }
    fleet.failing[index] = state != CheckState::kOk;

    ++now_ms;
    const CheckPoint point = checkResult(fleet.ids[index], state, now_ms);
    meter.reset();
    const size_t causes_before = notifications.causes();
    const Stopwatch watch;
    const auto status = engine.apply({}, std::span<const CheckPoint>(&point, 1), now_ms);
    const Stopwatch::Reading reading = watch.stop();
    if (!status) {
      throw std::runtime_error("apply failed: " + status.error().message);
    }
    if (step < warmup) {
      continue;
    }
    const size_t touched = meter.servicesChanged();
    const size_t causes = notifications.causes() - causes_before;
    result.all.add(reading, touched, causes);
    if (touched == 0) {
      result.quiet.add(reading, touched, causes);
    } else if (meter.reachedTop()) {
      result.top.add(reading, touched, causes);
    } else {
      result.partial.add(reading, touched, causes);
    }
  }
  return result;
}

void printPropagation(const std::string& title, const PropagationResult& result) {
  auto note = [](const Samples& samples) {
    return fmt::format("{:.1f} services changed, {:.1f} causes ranked for notifications",
                       samples.meanTouched(), samples.meanCauses());
  };
  std::cout << latencyRow(title + ": every change", result.all, note(result.all)) << '\n';
  std::cout << latencyRow(title + ": no service changed", result.quiet, note(result.quiet)) << '\n';
  std::cout << latencyRow(title + ": services changed below the top", result.partial,
                          note(result.partial))
            << '\n';
  std::cout << latencyRow(title + ": reached an application or business service", result.top,
                          note(result.top))
            << '\n';
}

int run(const Options& options) {
  const double rss_start = residentMiB();
  const auto& shape = options.shape;

  Stopwatch watch;
  const bsm::bench::BenchModel generated = bsm::bench::generateModel(shape);
  const Stopwatch::Reading generate = watch.stop();
  const double rss_text = residentMiB();

  // Load, as a user sees it: the model read and checked, the engine built, every series
  // defined by its agent and its first value applied (one batch per host).
  watch = Stopwatch();
  auto model = bsm::server::ServiceModel::parse(generated.text, "bench-model.yaml");
  const Stopwatch::Reading parse = watch.stop();

  watch = Stopwatch();
  auto engine = std::make_unique<ServiceEngine>(std::move(model), nullptr);
  const Stopwatch::Reading construct = watch.stop();
  PropagationMeter meter;
  engine->addSink(&meter);

  Fleet fleet;
  fleet.ids.reserve(shape.hosts * shape.checks_per_host);
  watch = Stopwatch();
  for (const std::string& host : generated.hosts) {
    for (const std::string& check : generated.checks) {
      bsm::server::SeriesKey key;
      key.agent_id = host;
      key.kind = bsm::server::SeriesKind::kCheck;
      key.host = host;
      key.name = check;
      key.interval_ms = kCheckIntervalMs;
      auto id = engine->tryDefineSeries(key);
      if (!id) {
        throw std::runtime_error("defining a series failed: " + id.error().message);
      }
      fleet.ids.push_back(*id);
    }
  }
  const Stopwatch::Reading define = watch.stop();
  fleet.failing.assign(fleet.ids.size(), false);

  int64_t now_ms = kStartMs;
  watch = Stopwatch();
  std::vector<CheckPoint> batch;
  for (size_t h = 0; h < shape.hosts; ++h) {
    batch.clear();
    for (size_t c = 0; c < shape.checks_per_host; ++c) {
      batch.push_back(
          checkResult(fleet.ids[h * shape.checks_per_host + c], CheckState::kOk, now_ms));
    }
    if (auto status = engine->apply({}, batch, now_ms); !status) {
      throw std::runtime_error("first values failed: " + status.error().message);
    }
  }
  const Stopwatch::Reading first_values = watch.stop();
  const double rss_loaded = residentMiB();
  const auto stats = engine->stats();

  std::mt19937_64 random(shape.seed);
  DiscardingNotificationSink notifications;
  const PropagationResult plain = measureChanges(*engine, fleet, meter, notifications,
                                                 options.changes, options.failing, now_ms, random);
  engine->addNotificationSink(&notifications);
  const PropagationResult notified = measureChanges(
      *engine, fleet, meter, notifications, options.changes, options.failing, now_ms, random);

  // Queries, against the model as the changes left it: about `failing` checks down.
  std::vector<std::string> failing_tops;
  for (const auto& view : engine->services()) {
    if (bsm::bench::isTopService(view.name) && view.state != CheckState::kOk) {
      failing_tops.push_back(view.name);
    }
  }
  Samples root_cause;
  for (size_t q = 0; q < options.queries && !failing_tops.empty(); ++q) {
    const std::string& name = failing_tops[q % failing_tops.size()];
    watch = Stopwatch();
    const auto view = engine->rootCause(name);
    root_cause.add(watch.stop(), view ? view->causes.size() : 0);
  }

  std::uniform_int_distribution<size_t> any_host(0, generated.hosts.size() - 1);
  Samples impact;
  Samples what_if;
  for (size_t q = 0; q < options.queries; ++q) {
    bsm::server::ComponentQuery query;
    query.host = generated.hosts[any_host(random)];
    watch = Stopwatch();
    const auto result = engine->impact(query);
    impact.add(watch.stop(), result.services.size());

    bsm::server::WhatIfChange change;
    change.component.host = generated.hosts[any_host(random)];
    change.state = CheckState::kCritical;
    watch = Stopwatch();
    const auto answer = engine->whatIf({change});
    what_if.add(watch.stop(), answer.services.size());
  }

  // A reload of the same model: what SIGHUP costs with nothing changed.
  const auto live = engine->model();
  watch = Stopwatch();
  const auto diff = engine->previewModel(*live);
  const Stopwatch::Reading preview = watch.stop();
  watch = Stopwatch();
  engine->replaceModel(bsm::server::ServiceModel(*live), ++now_ms);
  const Stopwatch::Reading replace = watch.stop();

  std::cout << fmt::format(
      "\nFleet: {} hosts x {} checks = {} series; {} services ({} pools, {} tiers, {} "
      "applications, {} business); {} components; {} selectors ({} by check glob); {} "
      "depends_on edges; model text {:.1f} MiB, generated in {:.0f} ms (not part of load).\n\n",
      shape.hosts, shape.checks_per_host, stats.series, stats.services, generated.pools,
      generated.tiers, generated.applications, generated.business, stats.components,
      generated.selectors, generated.glob_selectors, generated.edges,
      static_cast<double>(generated.text.size()) / (1024.0 * 1024.0), generate.wall_us / 1'000.0);

  Stopwatch::Reading load;
  for (const auto* step : {&parse, &construct, &define, &first_values}) {
    load.wall_us += step->wall_us;
    load.cpu_us += step->cpu_us;
  }
  std::cout << "| load step | wall ms | CPU ms |\n| --- | ---: | ---: |\n";
  std::cout << loadRow("parse + validate the model (`ServiceModel::parse`)", parse);
  std::cout << loadRow("build the engine (`ServiceEngine`)", construct);
  std::cout << loadRow(fmt::format("define {} series (`tryDefineSeries`)", stats.series), define);
  std::cout << loadRow("first value of each (`apply`, one batch per host)", first_values);
  std::cout << loadRow("**load in all**", load);
  std::cout << loadRow("reload the same model: `previewModel`", preview);
  std::cout << loadRow("reload the same model: `replaceModel`", replace) << '\n';

  std::cout << "| per call | samples | preempted | median µs | p99 µs | max µs | p99 of all µs "
               "| note |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
  printPropagation("change, no notification sink", plain);
  printPropagation("change, with a notification sink", notified);
  std::cout << latencyRow("`rootCause` of a failing top service", root_cause,
                          fmt::format("{} failing top services; {:.1f} causes on average",
                                      failing_tops.size(), root_cause.meanTouched()))
            << '\n';
  std::cout << latencyRow("`impact` of a host", impact,
                          fmt::format("{:.1f} services on average", impact.meanTouched()))
            << '\n';
  std::cout << latencyRow(
                   "`whatIf` a host is down", what_if,
                   fmt::format("{:.1f} services would change on average", what_if.meanTouched()))
            << "\n\n";

  std::cout << "| memory (VmRSS) | MiB |\n| --- | ---: |\n";
  std::cout << fmt::format("| at start | {:.1f} |\n", rss_start);
  std::cout << fmt::format("| model text generated | {:.1f} |\n", rss_text);
  std::cout << fmt::format("| after load | {:.1f} |\n", rss_loaded);
  std::cout << fmt::format("| load's share (after load - model text generated) | {:.1f} |\n",
                           rss_loaded - rss_text);
  std::cout << fmt::format("| peak (VmHWM) at the end, after the reload | {:.1f} |\n\n", peakMiB());

  std::cout << fmt::format(
      "Notifications built: {} ({} causes in all). Reload diff: {} changed, {} states.\n",
      notifications.count(), notifications.causes(), diff.changed.size(), diff.states.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "bsm-engine-bench: load a generated fleet and service model into the service engine and "
      "measure load, propagation, queries and memory"};
  Options options;
  app.add_option("--hosts", options.shape.hosts, "hosts, in clusters of ten")
      ->check(CLI::Range(size_t{10}, size_t{100'000}))
      ->capture_default_str();
  app.add_option("--checks-per-host", options.shape.checks_per_host, "checks on every host")
      ->check(CLI::Range(size_t{1}, size_t{1'000}))
      ->capture_default_str();
  app.add_option("--services", options.shape.services,
                 "services: 80% pools, 18% tiers, 2% applications and business services")
      ->check(CLI::Range(size_t{100}, size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--seed", options.shape.seed, "for the model's diamonds and the changes")
      ->capture_default_str();
  app.add_option("--changes", options.changes, "measured changes, each pass")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}))
      ->capture_default_str();
  app.add_option("--failing", options.failing, "checks kept failing while changes run")
      ->check(CLI::Range(size_t{1}, size_t{100'000}))
      ->capture_default_str();
  app.add_option("--queries", options.queries, "samples of each query")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--log-level", options.log_level, "of the engine's logs")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (options.failing * 2 > options.shape.hosts * options.shape.checks_per_host) {
    std::cerr << "--failing must be at most half the series\n";
    return 2;
  }
  bsm::logging::setup(options.log_level);
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::cerr << "bsm-engine-bench: " << error.what() << '\n';
    return 1;
  }
}
