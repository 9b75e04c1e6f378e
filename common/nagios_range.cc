#include "common/nagios_range.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace bsm {

namespace {

// A whole field as a finite number, or nothing. from_chars takes no leading '+', which
// plugins do not print anyway, and no locale: "0,5" fails here, as it should.
std::optional<double> parseNumber(std::string_view text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string formatBound(double value) {
  return fmt::format("{}", value);
}

}  // namespace

Result<NagiosRange> NagiosRange::parse(std::string_view text) {
  NagiosRange range;
  const std::string_view original = text;
  if (text.empty()) {
    return Error{"empty threshold range"};
  }
  if (text.front() == '@') {
    range.inside_ = true;
    text.remove_prefix(1);
  }

  std::string_view start_text;
  std::string_view end_text = text;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    start_text = text.substr(0, colon);
    end_text = text.substr(colon + 1);
    if (start_text == "~") {
      range.start_infinite_ = true;
    } else if (!start_text.empty()) {
      auto start = parseNumber(start_text);
      if (!start) {
        return Error{
            fmt::format("threshold range '{}': start '{}' is not a number", original, start_text)};
      }
      range.start_ = *start;
    }
    if (end_text.empty()) {
      range.end_infinite_ = true;
    }
  } else if (end_text.empty()) {
    return Error{fmt::format("threshold range '{}' has no end", original)};
  }

  if (!range.end_infinite_) {
    auto end = parseNumber(end_text);
    if (!end) {
      return Error{
          fmt::format("threshold range '{}': end '{}' is not a number", original, end_text)};
    }
    range.end_ = *end;
  }
  if (!range.start_infinite_ && !range.end_infinite_ && range.start_ > range.end_) {
    return Error{fmt::format("threshold range '{}': start is greater than end", original)};
  }
  return range;
}

NagiosRange NagiosRange::upTo(double end) {
  NagiosRange range;
  range.end_ = end;
  return range;
}

bool NagiosRange::alerts(double value) const {
  const bool above_start = start_infinite_ || value >= start_;
  const bool below_end = end_infinite_ || value <= end_;
  const bool inside = above_start && below_end;
  return inside_ ? inside : !inside;
}

std::string NagiosRange::toString() const {
  if (auto plain = plainUpperBound()) {
    return formatBound(*plain);
  }
  std::string text = inside_ ? "@" : "";
  if (start_infinite_) {
    text += "~";
  } else {
    text += formatBound(start_);
  }
  text += ":";
  if (!end_infinite_) {
    text += formatBound(end_);
  }
  return text;
}

std::optional<double> NagiosRange::plainUpperBound() const {
  if (inside_ || start_infinite_ || end_infinite_ || start_ != 0) {
    return std::nullopt;
  }
  return end_;
}

}  // namespace bsm
