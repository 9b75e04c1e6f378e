#include "plugins/nagios/plugin_output.h"

#include <charconv>
#include <cmath>
#include <cstddef>

#include <fmt/format.h>

namespace bsm::plugins::nagios {

namespace {

// A plugin's output is untrusted bytes. These bounds keep one broken or hostile plugin from
// making the agent hold or send much more than a real plugin ever prints: Nagios itself reads
// at most 8 KiB, and the busiest real plugins print a few hundred perfdata items.
constexpr size_t kMaxPerfValues = 1000;
constexpr size_t kMaxProblems = 100;
// How much of a bad item a problem quotes: enough to find it in the plugin's output.
constexpr size_t kMaxQuotedBytes = 120;

// The guidelines separate items with spaces; real plugins also print runs of spaces and tabs
// (check_snmp_int.pl), and a stray '\r' or '\n' from a direct caller separates just as well.
bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool isAsciiLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A UOM is any run of letters or '%' ("KiB" and friends are outside the guidelines' list but
// printed by real plugins); the empty string is "no unit".
bool isUnit(std::string_view text) {
  for (char c : text) {
    if (!isAsciiLetter(c) && c != '%') {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && isBlank(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && isBlank(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::string_view trimRight(std::string_view text) {
  while (!text.empty() && isBlank(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

size_t skipBlanks(std::string_view text, size_t pos) {
  while (pos < text.size() && isBlank(text[pos])) {
    ++pos;
  }
  return pos;
}

size_t findBlank(std::string_view text, size_t pos) {
  while (pos < text.size() && !isBlank(text[pos])) {
    ++pos;
  }
  return pos;
}

// Problems end up in log lines, so they quote the plugin's bytes safely:
// printable ASCII as it is, everything else as \xNN, cut short when long.
std::string quote(std::string_view text, size_t max_bytes = kMaxQuotedBytes) {
  std::string quoted;
  const size_t shown = std::min(text.size(), max_bytes);
  for (size_t i = 0; i < shown; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      quoted += static_cast<char>(byte);
    } else {
      quoted += fmt::format("\\x{:02x}", byte);
    }
  }
  if (shown < text.size()) {
    quoted += "...";
  }
  return quoted;
}

struct LeadingNumber {
  double value = 0;
  std::string_view rest;  // what follows the number: the UOM, if the text is well formed
};

// The number at the start of `text`. from_chars takes no locale, so "0,5" stops at the comma
// and the caller sees ",5" as the rest; it also takes "inf" and "nan", which no plugin means
// as a measurement, so those are refused here.
std::optional<LeadingNumber> leadingNumber(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return LeadingNumber{value, text.substr(static_cast<size_t>(end - text.data()))};
}

// One blank-separated item, with its label already taken apart (quotes are what make that
// part of the cutting: a quoted label may hold blanks).
struct Item {
  std::string_view text;  // the whole item as printed, for problems
  std::string label;
  std::string_view fields;  // everything after the '=' that ends the label
  std::string error;        // set when the item cannot be used at all
  size_t end = 0;           // where the next item may start
};

// Reads a quoted label starting at `start` (on the opening quote). A doubled quote inside is
// a literal quote.
Item readQuotedItem(std::string_view text, size_t start) {
  Item item;
  size_t pos = start + 1;
  bool closed = false;
  while (true) {
    const size_t quote_pos = text.find('\'', pos);
    if (quote_pos == std::string_view::npos) {
      break;
    }
    item.label.append(text.substr(pos, quote_pos - pos));
    if (quote_pos + 1 < text.size() && text[quote_pos + 1] == '\'') {
      item.label += '\'';
      pos = quote_pos + 2;
      continue;
    }
    pos = quote_pos + 1;
    closed = true;
    break;
  }

  if (!closed) {
    // Without the closing quote the label would run to the end of the perfdata and swallow
    // every later item. Guess instead that the label ends at its first '=' and the item at
    // the blank after that, as for "'disk usage=50% load=1", so that "load=1" is still read.
    const size_t equals = text.find('=', start + 1);
    item.end = equals == std::string_view::npos ? text.size() : findBlank(text, equals + 1);
    item.text = text.substr(start, item.end - start);
    item.error = "the quoted label has no closing quote";
    return item;
  }

  item.end = findBlank(text, pos);
  item.text = text.substr(start, item.end - start);
  if (pos >= text.size() || text[pos] != '=') {
    item.error = "the quoted label is not followed by '='";
    return item;
  }
  item.fields = text.substr(pos + 1, item.end - pos - 1);
  return item;
}

// Cuts the item that starts at `start` (a non-blank) out of `text`.
Item readItem(std::string_view text, size_t start) {
  if (text[start] == '\'') {
    return readQuotedItem(text, start);
  }
  Item item;
  item.end = findBlank(text, start);
  item.text = text.substr(start, item.end - start);
  const size_t equals = item.text.find('=');
  if (equals == std::string_view::npos) {
    item.error = "there is no '=' between label and value";
    return item;
  }
  // The guidelines forbid "'" in an unquoted label, but the label is still unambiguous (it
  // ends at the first '='), so it is kept as printed rather than losing the value.
  item.label = std::string(item.text.substr(0, equals));
  item.fields = item.text.substr(equals + 1);
  return item;
}

// Collects problems for the caller, keeping at most kMaxProblems of them so that a plugin
// printing thousands of bad items costs a bounded amount.
class ProblemList {
 public:
  explicit ProblemList(std::vector<std::string>& problems) : problems_(problems) {}

  void add(std::string_view item_text, std::string_view reason) {
    if (added_ == kMaxProblems) {
      ++unlisted_;
      return;
    }
    ++added_;
    problems_.push_back(fmt::format("perfdata '{}': {}", quote(item_text), reason));
  }

  void finish() {
    if (unlisted_ > 0) {
      problems_.push_back(fmt::format("perfdata: {} more problems not listed", unlisted_));
    }
  }

 private:
  std::vector<std::string>& problems_;
  size_t added_ = 0;
  size_t unlisted_ = 0;
};

// min and max carry the value's UOM in the guidelines' words; most plugins print them bare
// ("0.000000;10.000000" after "0.000414s"), a few repeat the unit. Both are accepted; any
// other suffix, or a decimal comma, makes the field bad.
std::optional<double> parseBound(std::string_view text, std::string_view unit) {
  auto number = leadingNumber(text);
  if (!number || (!number->rest.empty() && number->rest != unit)) {
    return std::nullopt;
  }
  return number->value;
}

// Turns the fields after the label into a PerfValue, or returns false (with a problem) when
// the value itself is unusable.
//
// What a bad field costs is decided per field: a bad value loses the item, since there is
// nothing to record without it. A bad warn, crit, min or max loses only that field: the
// measurement is still right, and a consumer without a threshold or bound is in the same
// place as when the plugin printed none. Each such loss is recorded in the problems.
bool parseFields(const Item& item, PerfValue& perf, ProblemList& problems) {
  std::string_view fields[5];
  size_t count = 0;
  std::string_view rest = item.fields;
  bool extra = false;
  while (true) {
    const size_t semicolon = rest.find(';');
    const std::string_view field = rest.substr(0, semicolon);
    if (count < 5) {
      fields[count++] = field;
    } else if (!field.empty()) {
      extra = true;
    }
    if (semicolon == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(semicolon + 1);
  }

  const std::string_view value_text = fields[0];
  if (value_text.empty()) {
    problems.add(item.text, "there is no value");
    return false;
  }
  // "U" may carry a unit ("Ums"); a word like "Unknown" therefore reads as "U" with unit
  // "nknown", which costs nothing since an unknown value is never recorded.
  if (value_text.front() == 'U' && isUnit(value_text.substr(1))) {
    perf.unit = std::string(value_text.substr(1));  // "U": unknown, the unit may still follow
  } else {
    auto number = leadingNumber(value_text);
    if (!number || !isUnit(number->rest)) {
      const bool comma = value_text.find(',') != std::string_view::npos;
      problems.add(item.text, fmt::format("value '{}' is not a number{}", quote(value_text),
                                          comma ? " (a decimal comma is not allowed)" : ""));
      return false;
    }
    perf.value = number->value;
    perf.unit = std::string(number->rest);
  }

  const char* const kRangeNames[] = {"warn", "crit"};
  std::optional<NagiosRange>* const ranges[] = {&perf.warn, &perf.crit};
  for (size_t i = 0; i < 2; ++i) {
    const std::string_view text = fields[1 + i];
    if (text.empty()) {
      continue;  // not given
    }
    if (text.size() > kMaxQuotedBytes) {
      // No plugin prints a threshold this long; the range's own error would repeat all of it.
      problems.add(item.text, fmt::format("{} dropped, value kept: {} bytes is too long for a "
                                          "threshold range",
                                          kRangeNames[i], text.size()));
      continue;
    }
    auto range = NagiosRange::parse(text);
    if (!range.ok()) {
      // The range's error repeats the field as printed, so it is quoted like the item.
      problems.add(item.text, fmt::format("{} dropped, value kept: {}", kRangeNames[i],
                                          quote(range.error().message, 4 * kMaxQuotedBytes)));
      continue;
    }
    *ranges[i] = *range;
  }

  const char* const kBoundNames[] = {"min", "max"};
  std::optional<double>* const bounds[] = {&perf.min, &perf.max};
  for (size_t i = 0; i < 2; ++i) {
    const std::string_view text = fields[3 + i];
    if (text.empty()) {
      continue;  // not given
    }
    auto bound = parseBound(text, perf.unit);
    if (!bound) {
      problems.add(item.text, fmt::format("{} '{}' is not a number, dropped, value kept",
                                          kBoundNames[i], quote(text)));
      continue;
    }
    *bounds[i] = *bound;
  }

  if (extra) {
    problems.add(item.text, "fields after max ignored, value kept");
  }
  return true;
}

void appendPerfdata(std::string& perfdata, std::string_view part) {
  if (!perfdata.empty()) {
    perfdata += ' ';
  }
  perfdata.append(part);
}

// Long output loses the blank lines at its ends (a usage text often starts with one) and the
// blanks after its last line; the lines between keep their indentation.
std::string trimLongText(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r\n\v\f");
  if (first == std::string::npos) {
    return {};
  }
  const size_t line_start = text.rfind('\n', first);
  const size_t begin = line_start == std::string::npos ? 0 : line_start + 1;
  const size_t last = text.find_last_not_of(" \t\r\n\v\f");
  return text.substr(begin, last + 1 - begin);
}

}  // namespace

std::vector<PerfValue> parsePerfdata(std::string_view perfdata,
                                     std::vector<std::string>& problems) {
  std::vector<PerfValue> values;
  ProblemList list(problems);
  size_t pos = skipBlanks(perfdata, 0);
  size_t dropped = 0;

  // Each step moves past at least one byte and never looks back before `pos`, except that an
  // unterminated quote is searched for once to the end: the whole parse stays linear.
  while (pos < perfdata.size()) {
    Item item = readItem(perfdata, pos);
    pos = skipBlanks(perfdata, item.end);
    if (values.size() == kMaxPerfValues) {
      ++dropped;
      continue;
    }
    if (!item.error.empty()) {
      list.add(item.text, item.error);
      continue;
    }
    if (item.label.empty()) {
      list.add(item.text, "the label is empty");
      continue;
    }

    PerfValue perf;
    if (!parseFields(item, perf, list)) {
      continue;
    }
    // TODO: labels (like the output text) keep the plugin's bytes, invalid UTF-8 included;
    // protobuf string fields must hold valid UTF-8, so whatever puts them on the wire has to
    // replace bad sequences there, or a serialize fails for the whole batch.
    perf.label = std::move(item.label);
    values.push_back(std::move(perf));
  }

  list.finish();
  if (dropped > 0) {
    problems.push_back(fmt::format("perfdata: only the first {} items are kept, {} more dropped",
                                   kMaxPerfValues, dropped));
  }
  return values;
}

PluginOutput parsePluginOutput(std::string_view output) {
  PluginOutput result;
  std::string perfdata;
  bool in_perfdata = false;
  bool first_line = true;
  bool first_long_line = true;
  size_t pos = 0;

  // Lines as Nagios Core 4 takes them apart (PROTOCOLS.md 1.2). A final '\n' ends the last
  // line rather than starting an empty one, and "\r\n" ends a line like '\n'.
  while (pos < output.size()) {
    const size_t newline = output.find('\n', pos);
    std::string_view line = output.substr(
        pos, newline == std::string_view::npos ? std::string_view::npos : newline - pos);
    pos = newline == std::string_view::npos ? output.size() : newline + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }

    const size_t bar = line.find('|');
    if (first_line) {
      first_line = false;
      result.text = std::string(trim(line.substr(0, bar)));
      if (bar != std::string_view::npos) {
        appendPerfdata(perfdata, line.substr(bar + 1));
      }
    } else if (in_perfdata) {
      appendPerfdata(perfdata, line);
    } else {
      if (!first_long_line) {
        result.long_text += '\n';
      }
      first_long_line = false;
      result.long_text.append(bar == std::string_view::npos ? line
                                                            : trimRight(line.substr(0, bar)));
      if (bar != std::string_view::npos) {
        appendPerfdata(perfdata, line.substr(bar + 1));
        in_perfdata = true;
      }
    }
  }

  result.long_text = trimLongText(result.long_text);
  result.perfdata = parsePerfdata(perfdata, result.problems);
  return result;
}

}  // namespace bsm::plugins::nagios
