#include "server/selector.h"

#include <fnmatch.h>

namespace bsm::server {

namespace {

std::string escapeBrackets(const std::string& pattern) {
  std::string out;
  out.reserve(pattern.size() + 8);
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[++i];
    } else if (c == '[' || c == ']') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Glob::Glob(std::string pattern, Brackets brackets)
    : pattern_(std::move(pattern)),
      literal_(pattern_.find_first_of(brackets == Brackets::kLiteral ? "*?\\" : "*?[\\") ==
               std::string::npos),
      fnmatch_pattern_(literal_                         ? std::string()
                       : brackets == Brackets::kLiteral ? escapeBrackets(pattern_)
                                                        : pattern_) {}

bool Glob::matches(const std::string& text) const {
  if (literal_) {
    return text == pattern_;
  }
  // No FNM_PATHNAME or FNM_PERIOD: series names are dotted and hosts may hold slashes (SNMP
  // devices named after a path), and "*" should cross both.
  return fnmatch(fnmatch_pattern_.c_str(), text.c_str(), 0) == 0;
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
  if (stale_after) {
    text += ", stale_after: " + std::to_string(stale_after->count()) + "ms";
  }
  if (impact != Impact::normal()) {
    text += ", impact: " + impact.describe();
  }
  if (weight != StateCounts::kWeightUnit) {
    text += ", weight: " + std::to_string(weight / static_cast<double>(StateCounts::kWeightUnit));
  }
  return text + "}";
}

}  // namespace bsm::server
