#include "server/exec_channel.h"

#include "server/json_views.h"
#include "server/notification_document.h"

namespace bsm::server {

namespace {

constexpr size_t kMaxOutputInLog = 200;

}  // namespace

ExecChannel::ExecChannel(std::vector<std::string> command, std::chrono::milliseconds timeout)
    : command_(std::move(command)), timeout_(timeout) {}

std::map<std::string, std::string> ExecChannel::environment(const nlohmann::json& document) {
  std::map<std::string, std::string> env = {
      {"BSM_KIND", documentText(document, "kind")},
      {"BSM_TIME", documentText(document, "time")},
      {"BSM_SERVICE", documentText(document, "service")},
      {"BSM_DESCRIPTION", documentText(document, "description")},
      {"BSM_CRITICALITY", documentText(document, "criticality")},
      {"BSM_STATE", documentText(document, "state")},
      {"BSM_PREVIOUS_STATE", documentText(document, "previous_state")},
      {"BSM_REASON", documentText(document, "reason")},
      {"BSM_ROOT_CAUSE", rootCauseLine(document)},
  };
  if (document.contains("alert")) {
    env["BSM_ALERT"] = documentText(document, "alert");
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
