#include "server/exec_channel.h"

#include "server/json_views.h"

namespace bsm::server {

namespace {

constexpr size_t kMaxOutputInLog = 200;

std::string text(const nlohmann::json& document, const char* key) {
  const auto it = document.find(key);
  if (it == document.end() || it->is_null()) {
    return {};
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// "check http on web-1: CRITICAL - connection refused", the most likely cause in one line.
std::string rootCause(const nlohmann::json& document) {
  const auto causes = document.find("causes");
  if (causes == document.end() || !causes->is_array() || causes->empty()) {
    return {};
  }
  const nlohmann::json& cause = causes->front();
  const bool check = cause.contains("check");
  std::string out = std::string(check ? "check " : "metric ") +
                    text(cause, check ? "check" : "metric") + " on " + text(cause, "host") +
                    " is " + text(cause, "state");
  const std::string detail = check ? text(cause, "output") : text(cause, "reason");
  if (!detail.empty()) {
    out += ": " + detail;
  }
  return out;
}

}  // namespace

ExecChannel::ExecChannel(std::vector<std::string> command, std::chrono::milliseconds timeout)
    : command_(std::move(command)), timeout_(timeout) {}

std::map<std::string, std::string> ExecChannel::environment(const nlohmann::json& document) {
  std::map<std::string, std::string> env = {
      {"BSM_KIND", text(document, "kind")},
      {"BSM_TIME", text(document, "time")},
      {"BSM_SERVICE", text(document, "service")},
      {"BSM_DESCRIPTION", text(document, "description")},
      {"BSM_CRITICALITY", text(document, "criticality")},
      {"BSM_STATE", text(document, "state")},
      {"BSM_PREVIOUS_STATE", text(document, "previous_state")},
      {"BSM_REASON", text(document, "reason")},
      {"BSM_ROOT_CAUSE", rootCause(document)},
  };
  if (document.contains("alert")) {
    env["BSM_ALERT"] = text(document, "alert");
  }
  return env;
}

Delivery ExecChannel::deliver(const nlohmann::json& document) {
  plugins::nagios::PluginCommand command;
  command.argv = command_;
  command.env = environment(document);
  command.timeout = timeout_;
  command.stdin_data = dumpJson(document) + "\n";

  const plugins::nagios::PluginOutcome outcome = runner_.runNow(command);
  // The runner reports exit status 0 as OK and everything else (another status, a signal, the
  // timeout, a command that cannot start) as another state with a note.
  if (outcome.state == CheckState::kOk) {
    return Delivery::delivered();
  }
  std::string why = outcome.note.empty()
                        ? "exit status " + std::to_string(static_cast<int>(outcome.state))
                        : outcome.note;
  std::string output = outcome.output.substr(0, kMaxOutputInLog);
  // The runner's stand-in text for a silent command says nothing here.
  if (!output.empty() && !output.starts_with("(No output")) {
    for (char& c : output) {
      c = c == '\n' ? ' ' : c;
    }
    why += ", output: " + output;
  }
  return Delivery::retry(why);
}

}  // namespace bsm::server
