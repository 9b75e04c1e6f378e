#include "plugins/nagios/nagios_input.h"

#include <string_view>

#include "common/time_format.h"

namespace bsm::plugins::nagios {

namespace {

// Characters that mean something to a shell: a command given as one string without
// `shell: true` must not hold them, or the user would expect a shell that is not there.
constexpr std::string_view kShellCharacters = "'\"\\$|&;<>*?()`{}~#";

std::vector<std::string> splitWords(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
      ++i;
    }
    size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') {
      ++end;
    }
    if (end > i) {
      words.emplace_back(text.substr(i, end - i));
    }
    i = end;
  }
  return words;
}

std::vector<std::string> readArgv(const ConfigFile& file, const YAML::Node& options, bool shell) {
  const YAML::Node node = options["command"];
  if (!node || node.IsNull()) {
    file.fail(options,
              "missing required key 'command' (the plugin and its arguments, e.g. "
              "[/usr/lib/nagios/plugins/check_load, -w, \"4,3,2\", -c, \"8,6,4\"])");
  }
  if (shell) {
    if (!node.IsScalar()) {
      file.fail(node, "with shell: true, 'command' is one string: the shell command line");
    }
    const std::string line = file.asString(node, "'command'");
    if (line.find_first_not_of(" \t") == std::string::npos) {
      file.fail(node, "'command' is empty");
    }
    return {"/bin/sh", "-c", line};
  }
  std::vector<std::string> argv;
  if (node.IsScalar()) {
    const std::string line = file.asString(node, "'command'");
    if (line.find_first_of(kShellCharacters) != std::string::npos) {
      file.fail(node,
                "'command' holds quotes or shell characters, but no shell runs it: give "
                "it as a list of arguments, or set shell: true");
    }
    argv = splitWords(line);
  } else {
    file.requireSequence(node, "'command'");
    for (const auto& item : node) {
      argv.push_back(file.asString(item, "an entry of 'command'"));
      if (argv.back().find('\0') != std::string::npos) {
        file.fail(item, "an entry of 'command' holds a NUL byte");
      }
    }
  }
  if (argv.empty() || argv[0].empty()) {
    file.fail(node, "'command' is empty");
  }
  return argv;
}

std::map<std::string, std::string> readEnv(const ConfigFile& file, const YAML::Node& options) {
  const YAML::Node node = options["env"];
  std::map<std::string, std::string> env;
  if (!node || node.IsNull()) {
    return env;
  }
  file.requireMap(node, "'env'");
  for (const auto& entry : node) {
    const std::string key = file.asString(entry.first, "a key of 'env'");
    if (key.empty() || key.find('=') != std::string::npos) {
      file.fail(entry.first, "an 'env' name must be non-empty and hold no '='");
    }
    env[key] = file.asString(entry.second, "a value of 'env'");
  }
  return env;
}

}  // namespace

NagiosInput::NagiosInput(InputSettings settings, PluginCommand command, std::string check,
                         std::string check_host, CheckRunner& runner)
    : Input(std::move(settings)),
      command_(std::move(command)),
      check_(std::move(check)),
      check_host_(std::move(check_host)),
      runner_(runner) {}

NagiosInput::~NagiosInput() {
  stop();
}

InputFactory NagiosInput::factory() {
  return [](const InputSettings& settings, const ConfigFile& file, const YAML::Node& options) {
    file.requireMap(options, "the nagios input");
    const std::string context = "input '" + settings.name + "' (plugin nagios)";
    file.rejectUnknownKeys(options,
                           {"plugin", "name", "interval", "timeout", "command", "shell", "env",
                            "kill_grace", "check", "check_host"},
                           context);
    PluginCommand command;
    command.argv = readArgv(file, options, file.getBool(options, "shell", false));
    command.env = readEnv(file, options);
    command.timeout = settings.timeout;
    command.kill_grace = file.getDuration(options, "kill_grace", std::chrono::seconds(2));
    std::string check_host = file.getOptionalString(options, "check_host").value_or(settings.host);
    if (check_host.empty()) {
      file.fail(options["check_host"], "'check_host' must not be empty");
    }
    std::string check = file.getOptionalString(options, "check").value_or(settings.name);
    if (check.empty()) {
      file.fail(options["check"], "'check' must not be empty");
    }
    return std::make_unique<NagiosInput>(settings, std::move(command), std::move(check),
                                         std::move(check_host), CheckRunner::shared());
  };
}

void NagiosInput::start(Emitter& out) {
  std::lock_guard lock(mutex_);
  if (scheduled_) {
    return;
  }
  schedule_id_ = runner_.schedule(
      settings().name, command_, settings().interval,
      [this, &out](const PluginOutcome& outcome) { emitCheckRun(toCheckRun(outcome), out); });
  scheduled_ = true;
}

void NagiosInput::stop() {
  std::lock_guard lock(mutex_);
  if (scheduled_) {
    runner_.unschedule(schedule_id_);
    scheduled_ = false;
  }
}

void NagiosInput::collect(Emitter& out) {
  emitCheckRun(toCheckRun(runner_.runNow(command_)), out);
}

CheckRun NagiosInput::toCheckRun(const PluginOutcome& outcome) const {
  CheckRun run;
  run.host = check_host_;
  run.check = check_;
  run.state = outcome.state;
  run.output = outcome.output;
  run.note = outcome.note;
  run.ts_ms = nowMs();
  return run;
}

}  // namespace bsm::plugins::nagios
