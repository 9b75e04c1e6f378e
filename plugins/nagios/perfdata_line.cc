#include "plugins/nagios/perfdata_line.h"

#include <charconv>
#include <optional>
#include <utility>
#include <vector>

namespace bsm::plugins::nagios {

namespace {

// A field name as the templates write them: upper-case letters, digits and '_'.
bool isFieldName(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

class Fields {
 public:
  // Splits at TABs. A piece that does not start with "NAME::" continues the value before it:
  // Nagios does not escape a TAB that a plugin printed, and cutting the output there would
  // lose the fields after it.
  explicit Fields(std::string_view line) {
    size_t pos = 0;
    while (pos <= line.size()) {
      const size_t tab = line.find('\t', pos);
      const std::string_view piece =
          line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos);
      pos = tab == std::string_view::npos ? line.size() + 1 : tab + 1;

      const size_t separator = piece.find("::");
      if (separator != std::string_view::npos && isFieldName(piece.substr(0, separator))) {
        fields_.emplace_back(piece.substr(0, separator), std::string(piece.substr(separator + 2)));
      } else if (!fields_.empty()) {
        fields_.back().second.append("\t").append(piece);
      }
    }
  }

  // The first field of that name; the templates never repeat one.
  const std::string* find(std::string_view name) const {
    for (const auto& [key, value] : fields_) {
      if (key == name) {
        return &value;
      }
    }
    return nullptr;
  }

  std::string get(std::string_view name) const {
    const std::string* value = find(name);
    return value ? *value : std::string();
  }

 private:
  std::vector<std::pair<std::string_view, std::string>> fields_;
};

// TIMET is whole seconds from Nagios; Icinga 2's $host.last_check$ may carry a fraction.
std::optional<int64_t> parseTimet(std::string_view text) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  int64_t seconds = 0;
  auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (error != std::errc() || end != whole.data() + whole.size() || seconds < 0 ||
      seconds > int64_t{253402300799}) {  // 9999-12-31T23:59:59Z keeps the product in range
    return std::nullopt;
  }
  int64_t millis = 0;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = text.substr(dot + 1);
    if (fraction.empty()) {
      return std::nullopt;
    }
    int64_t scale = 100;
    for (char c : fraction) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      millis += (c - '0') * scale;
      scale /= 10;
    }
  }
  return seconds * 1000 + millis;
}

std::optional<CheckState> serviceStateFromId(std::string_view text) {
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '3') {
    return static_cast<CheckState>(text[0] - '0');
  }
  return std::nullopt;
}

std::optional<CheckState> hostState(std::string_view text) {
  if (text == "UP") {
    return CheckState::kOk;
  }
  if (text == "DOWN") {
    return CheckState::kCritical;
  }
  if (text == "UNREACHABLE") {
    return CheckState::kUnknown;
  }
  return std::nullopt;
}

std::optional<CheckState> hostStateFromId(std::string_view text) {
  if (text == "0") {
    return CheckState::kOk;
  }
  if (text == "1") {
    return CheckState::kCritical;
  }
  if (text == "2") {
    return CheckState::kUnknown;
  }
  return std::nullopt;
}

// The state of a line: the text field when the template has it, else the numeric one.
Result<CheckState> readState(const Fields& fields, const std::string& text_key,
                             const std::string& id_key, bool host) {
  if (const std::string* text = fields.find(text_key)) {
    if (auto state = host ? hostState(*text) : parseCheckState(*text)) {
      return *state;
    }
    return Error{text_key + " '" + text->substr(0, 40) + "' is not a state Nagios writes"};
  }
  if (const std::string* id = fields.find(id_key)) {
    if (auto state = host ? hostStateFromId(*id) : serviceStateFromId(*id)) {
      return *state;
    }
    return Error{id_key + " '" + id->substr(0, 40) + "' is not a state Nagios writes"};
  }
  return Error{"the line has neither " + text_key + " nor " + id_key};
}

}  // namespace

std::string unescapeNagiosOutput(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      if (text[i + 1] == 'n') {
        out += '\n';
        ++i;
        continue;
      }
      if (text[i + 1] == '\\') {
        out += '\\';
        ++i;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

Result<PerfdataLine> parsePerfdataLine(std::string_view text) {
  if (!text.empty() && text.back() == '\r') {
    text.remove_suffix(1);
  }
  const Fields fields(text);

  PerfdataLine line;
  const std::string* datatype = fields.find("DATATYPE");
  if (!datatype) {
    return Error{"the line has no DATATYPE field"};
  }
  if (*datatype == "SERVICEPERFDATA") {
    line.kind = PerfdataLine::Kind::kService;
  } else if (*datatype == "HOSTPERFDATA") {
    line.kind = PerfdataLine::Kind::kHost;
  } else {
    return Error{"DATATYPE '" + datatype->substr(0, 40) +
                 "' is neither SERVICEPERFDATA nor HOSTPERFDATA"};
  }
  const bool host = line.kind == PerfdataLine::Kind::kHost;

  line.host = fields.get("HOSTNAME");
  if (line.host.empty()) {
    return Error{"the line has no HOSTNAME"};
  }
  if (!host) {
    line.service = fields.get("SERVICEDESC");
    if (line.service.empty()) {
      return Error{"the service line has no SERVICEDESC"};
    }
  }

  const std::string* timet = fields.find("TIMET");
  if (!timet) {
    return Error{"the line has no TIMET"};
  }
  const auto ts_ms = parseTimet(*timet);
  if (!ts_ms) {
    return Error{"TIMET '" + timet->substr(0, 40) + "' is not a time in seconds"};
  }
  line.ts_ms = *ts_ms;

  const std::string prefix = host ? "HOST" : "SERVICE";
  auto state = readState(fields, prefix + "STATE", prefix + "STATEID", host);
  if (!state) {
    return state.error();
  }
  line.state = *state;

  line.output = fields.get(prefix + "OUTPUT");
  line.long_output = unescapeNagiosOutput(fields.get("LONG" + prefix + "OUTPUT"));
  line.perfdata = fields.get(prefix + "PERFDATA");
  return line;
}

CheckRun toCheckRun(const PerfdataLine& line) {
  CheckRun run;
  run.host = line.host;
  run.check = line.kind == PerfdataLine::Kind::kHost ? std::string(kHostCheckName) : line.service;
  run.state = line.state;
  run.ts_ms = line.ts_ms;

  // The perfdata goes on the first line, behind the output: Nagios keeps '|' out of both
  // SERVICEOUTPUT and the long output, so the first '|' is exactly where the perfdata starts
  // and every later line is long output.
  run.output = line.output;
  if (!line.perfdata.empty()) {
    run.output += " | " + line.perfdata;
  }
  if (!line.long_output.empty()) {
    run.output += "\n" + line.long_output;
  }
  return run;
}

}  // namespace bsm::plugins::nagios
