#include "common/time_format.h"

#include <charconv>
#include <ctime>
#include <optional>

#include <date/date.h>

namespace bsm {

std::string formatRfc3339(int64_t epoch_ms) {
  // Floor division, so that times before 1970 (a bad agent clock) still format sanely.
  int64_t seconds = epoch_ms / 1000;
  int64_t millis = epoch_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

Result<int64_t> parseRfc3339(std::string_view text) {
  const Error bad{"'" + std::string(text) +
                  "' is not an RFC 3339 time such as 2026-03-29T08:00:00Z or "
                  "2026-03-29T10:00:00+02:00"};
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':') {
    return bad;
  }
  const auto number = [&](size_t pos, size_t length) -> std::optional<int> {
    int value = 0;
    const char* begin = text.data() + pos;
    const auto [end, ec] = std::from_chars(begin, begin + length, value);
    if (ec != std::errc() || end != begin + length) {
      return std::nullopt;
    }
    return value;
  };
  const auto year = number(0, 4);
  const auto month = number(5, 2);
  const auto day = number(8, 2);
  const auto hour = number(11, 2);
  const auto minute = number(14, 2);
  const auto second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return bad;
  }
  const date::year_month_day ymd{date::year(*year), date::month(static_cast<unsigned>(*month)),
                                 date::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) {
    return bad;
  }

  size_t pos = 19;
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100;
    const size_t digits_from = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == digits_from) {
      return bad;
    }
  }
  int64_t offset_minutes = 0;
  const std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset_minutes = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const auto hours = number(pos + 1, 2);
    const auto minutes = number(pos + 4, 2);
    if (!hours || !minutes || *hours > 23 || *minutes > 59) {
      return bad;
    }
    offset_minutes = (*hours * 60 + *minutes) * (zone[0] == '-' ? -1 : 1);
  } else {
    return bad;
  }

  const int64_t days = date::sys_days(ymd).time_since_epoch().count();
  const int64_t seconds = days * 86'400 + *hour * 3600 + *minute * 60 + *second;
  return (seconds - offset_minutes * 60) * 1000 + millis;
}

}  // namespace bsm
