#include "server/series_store.h"

#include <fmt/format.h>

namespace bsm::server {

namespace {

// Length-prefixed fields, so that no choice of separator can make two identities collide.
std::string identity(const SeriesKey& key) {
  std::string text;
  auto field = [&text](const std::string& value) {
    text += std::to_string(value.size());
    text += ':';
    text += value;
  };
  text += key.kind == SeriesKind::kCheck ? 'c' : 'm';
  field(key.host);
  field(key.name);
  for (const auto& [label, value] : key.labels) {
    field(label);
    field(value);
  }
  return text;
}

// Control characters would let a peer forge log lines and break the history's text columns.
bool printable(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return false;
    }
  }
  return true;
}

}  // namespace

void RecentValues::push(double value) {
  values_[next_] = value;
  next_ = (next_ + 1) % kCapacity;
  if (size_ < kCapacity) {
    ++size_;
  }
}

std::vector<double> RecentValues::ordered() const {
  std::vector<double> out;
  out.reserve(size_);
  const size_t first = (next_ + kCapacity - size_) % kCapacity;
  for (size_t i = 0; i < size_; ++i) {
    out.push_back(values_[(first + i) % kCapacity]);
  }
  return out;
}

Status SeriesStore::validate(const SeriesKey& key) const {
  auto check = [this](const std::string& value, const char* what, bool required) -> Status {
    if (required && value.empty()) {
      return Error{fmt::format("series {} is empty", what)};
    }
    if (value.size() > limits_.max_text) {
      return Error{fmt::format("series {} is {} bytes, over the limit of {}", what, value.size(),
                               limits_.max_text)};
    }
    if (!printable(value)) {
      return Error{fmt::format("series {} holds control characters", what)};
    }
    return Status::success();
  };
  for (auto status : {check(key.agent_id, "agent id", true), check(key.host, "host", true),
                      check(key.name, "name", true), check(key.unit, "unit", false)}) {
    if (!status) {
      return status;
    }
  }
  if (key.labels.size() > limits_.max_labels) {
    return Error{fmt::format("series {} on {} has {} labels, over the limit of {}", key.name,
                             key.host, key.labels.size(), limits_.max_labels)};
  }
  for (const auto& [label, value] : key.labels) {
    if (auto status = check(label, "label name", true); !status) {
      return status;
    }
    if (auto status = check(value, "label value", false); !status) {
      return status;
    }
  }
  if (key.interval_ms < 0) {
    return Error{fmt::format("series {} on {} has a negative interval", key.name, key.host)};
  }
  return Status::success();
}

Result<SeriesStore::Defined> SeriesStore::define(const SeriesKey& key) {
  if (auto status = validate(key); !status) {
    return status.error();
  }
  const std::string id_text = identity(key);
  if (const auto found = by_identity_.find(id_text); found != by_identity_.end()) {
    Series& series = series_[found->second - 1];
    Defined defined{found->second, false, series.owner};
    series.owner = key.agent_id;
    series.unit = key.unit;
    series.interval_ms = key.interval_ms;
    return defined;
  }
  if (series_.size() >= limits_.max_series) {
    return Error{fmt::format("the server already holds {} series, its limit; {} on {} is refused",
                             series_.size(), key.name, key.host)};
  }

  Series series;
  series.kind = key.kind;
  series.host = key.host;
  series.name = key.name;
  series.labels = key.labels;
  series.owner = key.agent_id;
  series.unit = key.unit;
  series.interval_ms = key.interval_ms;
  series_.push_back(std::move(series));
  const auto id = static_cast<SeriesId>(series_.size());
  by_identity_.emplace(id_text, id);
  return Defined{id, true, ""};
}

Series* SeriesStore::find(SeriesId id) {
  return id == kNoSeries || id > series_.size() ? nullptr : &series_[id - 1];
}

const Series* SeriesStore::find(SeriesId id) const {
  return id == kNoSeries || id > series_.size() ? nullptr : &series_[id - 1];
}

}  // namespace bsm::server
