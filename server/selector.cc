#include "server/selector.h"

#include <fnmatch.h>

namespace bsm::server {

Glob::Glob(std::string pattern)
    : pattern_(std::move(pattern)),
      literal_(pattern_.find_first_of("*?[\\") == std::string::npos) {}

bool Glob::matches(const std::string& text) const {
  if (literal_) {
    return text == pattern_;
  }
  // No FNM_PATHNAME or FNM_PERIOD: series names are dotted and hosts may hold slashes (SNMP
  // devices named after a path), and "*" should cross both.
  return fnmatch(pattern_.c_str(), text.c_str(), 0) == 0;
}

bool Selector::matches(SeriesKind series_kind, const std::string& series_host,
                       const std::string& series_name, const Labels& series_labels) const {
  if (series_kind != kind || !name.matches(series_name) || !host.matches(series_host)) {
    return false;
  }
  for (const auto& [key, glob] : labels) {
    const auto found = series_labels.find(key);
    if (found == series_labels.end() || !glob.matches(found->second)) {
      return false;
    }
  }
  return true;
}

std::string Selector::describe() const {
  std::string text = "{host: " + host.pattern() + ", " + toString(kind) + ": " + name.pattern();
  if (!labels.empty()) {
    text += ", labels: {";
    bool first = true;
    for (const auto& [key, glob] : labels) {
      text += first ? "" : ", ";
      text += key + ": " + glob.pattern();
      first = false;
    }
    text += "}";
  }
  if (warn) {
    text += ", warn: \"" + warn->toString() + "\"";
  }
  if (crit) {
    text += ", crit: \"" + crit->toString() + "\"";
  }
  return text + "}";
}

}  // namespace bsm::server
