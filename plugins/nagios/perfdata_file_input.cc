#include "plugins/nagios/perfdata_file_input.h"

#include <set>

#include "common/logging.h"
#include "plugins/nagios/check_emitter.h"
#include "plugins/nagios/perfdata_line.h"

namespace bsm::plugins::nagios {

namespace {

// TODO: the agent has no data folder setting yet, so positions go to a fixed folder; once
// InputSettings carries the agent's data folder the default should live there instead, so
// that a second agent on the same host (or a test) does not share it.
constexpr std::string_view kDefaultStateDir = "/var/lib/bsm/agent";

// How much of a malformed line a log line quotes: enough to recognise the template.
constexpr size_t kQuotedBytes = 160;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("plugin.nagios");
  return log;
}

std::string quoteLine(std::string_view text) {
  std::string quoted;
  for (char c : text.substr(0, kQuotedBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    quoted += c == '\t'                     ? std::string("\\t")
              : byte >= 0x20 && byte < 0x7f ? std::string(1, c)
                                            : fmt::format("\\x{:02x}", byte);
  }
  if (text.size() > kQuotedBytes) {
    quoted += "...";
  }
  return quoted;
}

std::vector<std::string> readFiles(const ConfigFile& file, const YAML::Node& options) {
  const YAML::Node node = options["files"];
  if (!node || node.IsNull()) {
    file.fail(options,
              "missing required key 'files' (e.g. files: [/var/lib/nagios4/"
              "service-perfdata, /var/lib/nagios4/host-perfdata])");
  }
  file.requireSequence(node, "'files'");
  if (node.size() == 0) {
    file.fail(node, "'files' is empty: name the perfdata files Nagios writes");
  }
  std::vector<std::string> files;
  std::set<std::string> distinct;
  for (const auto& item : node) {
    const std::string path = file.asString(item, "an entry of 'files'");
    if (path.empty()) {
      file.fail(item, "an entry of 'files' must not be empty");
    }
    std::string resolved = file.resolvePath(path);
    if (!distinct.insert(resolved).second) {
      file.fail(item, "'" + path + "' is listed twice in 'files'");
    }
    files.push_back(std::move(resolved));
  }
  return files;
}

FileTailOptions named(FileTailOptions options, const std::string& name) {
  options.name = name;
  return options;
}

}  // namespace

std::string defaultPerfdataStateFile(const std::string& input_name) {
  // The input name is the user's text; keep it to one harmless file name.
  std::string safe;
  for (char c : input_name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    safe += plain ? c : '_';
  }
  if (safe.empty() || safe[0] == '.') {
    safe.insert(0, "input");
  }
  return std::string(kDefaultStateDir) + "/" + safe + ".positions";
}

PerfdataFileInput::PerfdataFileInput(InputSettings settings, FileTailOptions options)
    : Input(std::move(settings)),
      tail_(named(std::move(options), this->settings().name)),
      malformed_log_(10, std::chrono::minutes(1)) {}

InputFactory PerfdataFileInput::factory() {
  return [](const InputSettings& settings, const ConfigFile& file, const YAML::Node& options) {
    const std::string context = "input '" + settings.name + "' (plugin nagios_perfdata)";
    file.requireMap(options, context);
    file.rejectUnknownKeys(options,
                           {"plugin", "name", "interval", "timeout", "files", "spool_dir",
                            "delete_after_read", "state_file", "check_interval"},
                           context);
    FileTailOptions parsed;
    parsed.files = readFiles(file, options);
    if (auto spool = file.getOptionalString(options, "spool_dir")) {
      if (spool->empty()) {
        file.fail(options["spool_dir"], "spool_dir must not be empty; leave it out instead");
      }
      parsed.spool_dir = file.resolvePath(*spool);
    }
    parsed.delete_after_read = file.getBool(options, "delete_after_read", false);
    if (parsed.delete_after_read && parsed.spool_dir.empty()) {
      file.fail(options["delete_after_read"],
                "delete_after_read applies to rotated files in spool_dir, and there is no "
                "spool_dir (the live files are never deleted)");
    }
    if (auto state = file.getOptionalString(options, "state_file")) {
      if (state->empty()) {
        file.fail(options["state_file"], "state_file must not be empty; leave it out instead");
      }
      parsed.state_file = file.resolvePath(*state);
    } else {
      parsed.state_file = defaultPerfdataStateFile(settings.name);
    }
    for (const auto& live : parsed.files) {
      if (live == parsed.state_file) {
        file.fail(options["state_file"], "state_file is also one of the perfdata 'files'");
      }
    }
    // Nagios' own default: check_interval 5 with interval_length 60. Results arrive that
    // often, however often the files are read, so staleness is reckoned from it.
    InputSettings forwarded = settings;
    forwarded.report_interval =
        file.getDuration(options, "check_interval", std::chrono::minutes(5));
    if (forwarded.report_interval < std::chrono::seconds(1)) {
      file.fail(options["check_interval"], "check_interval must be at least 1s");
    }
    return std::make_unique<PerfdataFileInput>(forwarded, std::move(parsed));
  };
}

PerfdataFileInput::Stats PerfdataFileInput::stats() const {
  return Stats{rounds_.load(),       check_runs_.load(),    malformed_lines_.load(),
               long_lines_.load(),   lost_partials_.load(), errors_.load(),
               deleted_files_.load()};
}

void PerfdataFileInput::handleLine(std::string_view text, const std::string& path, Emitter& out) {
  if (text.empty() || (text.size() == 1 && text[0] == '\r')) {
    return;  // blank lines carry nothing and are no mistake
  }
  auto line = parsePerfdataLine(text);
  if (!line) {
    ++malformed_lines_;
    // The same broken template repeats every check: a few lines a minute say what is wrong.
    if (uint64_t withheld = 0; malformed_log_.allow(withheld)) {
      logger()->warn("input={} file={} skipped a line: {}: '{}' (and {} similar lines before)",
                     settings().name, path, line.error().message, quoteLine(text), withheld);
    }
    return;
  }
  emitCheckRun(toCheckRun(*line), out);
  ++check_runs_;
}

void PerfdataFileInput::collect(Emitter& out) {
  // TODO: `bsm-agent --once` also saves the positions, so lines it prints are not forwarded by
  // the agent later; the input cannot tell a trial round from a real one until InputSettings
  // says so.
  const FileTailRound round = tail_.poll(
      [&](std::string_view text, const std::string& path) { handleLine(text, path, out); });

  ++rounds_;
  long_lines_ += round.long_lines;
  lost_partials_ += round.lost_partials;
  errors_ += round.errors;
  deleted_files_ += round.deleted;
  logger()->trace("input={} round={} lines={} bytes={} deleted={}", settings().name, rounds_.load(),
                  round.lines, round.bytes, round.deleted);
  if (round.budget_exhausted) {
    logger()->debug(
        "input={} read {} bytes this round, the most per round; the rest waits for "
        "the next",
        settings().name, round.bytes);
  }
}

}  // namespace bsm::plugins::nagios
