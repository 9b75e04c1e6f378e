#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/service_engine.h"
#include "server/state_change_sink.h"

namespace bsm {

// Lets gtest print states by name in failures.
inline void PrintTo(CheckState state, std::ostream* out) {
  *out << toString(state);
}

}  // namespace bsm

namespace bsm::server::testing {

// A folder under the system's temp dir, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bsm-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `text` to a file in the folder and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

// Keeps every state change it is given.
class RecordingSink : public StateChangeSink {
 public:
  void record(std::span<const StateChange> changes) override {
    std::lock_guard lock(mutex_);
    changes_.insert(changes_.end(), changes.begin(), changes.end());
  }

  std::vector<StateChange> changes() const {
    std::lock_guard lock(mutex_);
    return changes_;
  }
  std::vector<StateChange> serviceChanges(const std::string& service) const {
    std::vector<StateChange> out;
    for (const auto& change : changes()) {
      if (change.kind == StateChange::Kind::kService && change.service == service) {
        out.push_back(change);
      }
    }
    return out;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    changes_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<StateChange> changes_;
};

// Feeds an engine the way the stream does, one series at a time. The agent is named after the
// host unless given.
class Feeder {
 public:
  explicit Feeder(ServiceEngine& engine) : engine_(engine) {}

  SeriesId defineCheck(const std::string& host, const std::string& name,
                       int64_t interval_ms = 10'000, const std::string& agent = "") {
    SeriesKey key;
    key.agent_id = agent.empty() ? host : agent;
    key.kind = SeriesKind::kCheck;
    key.host = host;
    key.name = name;
    key.interval_ms = interval_ms;
    auto id = engine_.tryDefineSeries(key);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? *id : kNoSeries;
  }

  SeriesId defineMetric(const std::string& host, const std::string& name, Labels labels = {},
                        int64_t interval_ms = 10'000, const std::string& agent = "") {
    SeriesKey key;
    key.agent_id = agent.empty() ? host : agent;
    key.kind = SeriesKind::kMetric;
    key.host = host;
    key.name = name;
    key.labels = std::move(labels);
    key.unit = "";
    key.interval_ms = interval_ms;
    auto id = engine_.tryDefineSeries(key);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? *id : kNoSeries;
  }

  // Applies one check result taken at ts_ms and received at the same time.
  void check(SeriesId id, CheckState state, int64_t ts_ms, const std::string& output = "") {
    CheckPoint point{id, ts_ms, state, output.empty() ? std::string(toString(state)) : output};
    const Status status = engine_.apply({}, std::span<const CheckPoint>(&point, 1), ts_ms);
    EXPECT_TRUE(status.ok()) << status.error().message;
  }

  void metric(SeriesId id, double value, int64_t ts_ms) {
    MetricPoint point;
    point.series = id;
    point.ts_ms = ts_ms;
    point.value = value;
    const Status status = engine_.apply(std::span<const MetricPoint>(&point, 1), {}, ts_ms);
    EXPECT_TRUE(status.ok()) << status.error().message;
  }

  // Defines `host`'s check and applies one result.
  SeriesId check(const std::string& host, const std::string& name, CheckState state,
                 int64_t ts_ms) {
    const SeriesId id = defineCheck(host, name);
    check(id, state, ts_ms);
    return id;
  }

 private:
  ServiceEngine& engine_;
};

// Keeps every notification it is given.
class RecordingNotificationSink : public NotificationSink {
 public:
  void notify(const Notification& notification) override {
    std::lock_guard lock(mutex_);
    notifications_.push_back(notification);
  }
  std::vector<Notification> notifications() const {
    std::lock_guard lock(mutex_);
    return notifications_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    notifications_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Notification> notifications_;
};

// An engine over a model text, without a state store, recording its state changes and
// notifications.
struct EngineHarness {
  explicit EngineHarness(const std::string& model, EngineOptions options = {})
      : engine(ServiceModel::parse(model, "model.yaml"), nullptr, options), feed(engine) {
    engine.addSink(&sink);
    engine.addNotificationSink(&notifications);
  }

  ServiceEngine engine;
  Feeder feed;
  RecordingSink sink;
  RecordingNotificationSink notifications;
};

inline CheckState stateOf(const ServiceEngine& engine, const std::string& service) {
  const auto view = engine.service(service);
  EXPECT_TRUE(view.has_value()) << "no service " << service;
  return view ? view->state : CheckState::kUnknown;
}

inline std::string reasonOf(const ServiceEngine& engine, const std::string& service) {
  const auto view = engine.service(service);
  return view ? view->reason : "";
}

}  // namespace bsm::server::testing
