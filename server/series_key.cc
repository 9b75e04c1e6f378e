#include "server/series_key.h"

namespace bsm::server {

const char* toString(SeriesKind kind) {
  return kind == SeriesKind::kCheck ? "check" : "metric";
}

std::string formatLabels(const Labels& labels) {
  std::string text;
  for (const auto& [key, value] : labels) {
    text += text.empty() ? "" : ",";
    text += key + "=" + value;
  }
  return text;
}

std::string describeSeries(SeriesKind kind, const std::string& host, const std::string& name,
                           const Labels& labels) {
  std::string text = kind == SeriesKind::kCheck ? "check " + name : name;
  text += " on " + host;
  if (!labels.empty()) {
    text += " {" + formatLabels(labels) + "}";
  }
  return text;
}

}  // namespace bsm::server
