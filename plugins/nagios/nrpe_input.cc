#include "plugins/nagios/nrpe_input.h"

#include <algorithm>
#include <string_view>

#include "common/host_port.h"
#include "common/logging.h"
#include "plugins/nagios/nrpe_packet.h"

namespace bsm::plugins::nagios {

namespace {

constexpr int64_t kDefaultPort = 5666;
// nrpe splits a query on '!' into at most this many arguments (MAX_COMMAND_ARGUMENTS).
constexpr size_t kMaxArguments = 16;
// nrpe's default nasty_metachars: a command name holding one is refused with a hang-up.
constexpr std::string_view kNastyMetachars = "|`&><'\\[]{};\r\n";

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("plugin.nagios");
  return log;
}

std::string readCommand(const ConfigFile& file, const YAML::Node& options) {
  std::string command = file.getString(options, "command");
  if (command.empty()) {
    file.fail(options["command"], "'command' must name a command the NRPE server defines");
  }
  if (command.find('!') != std::string::npos) {
    file.fail(options["command"], "'command' must not contain '!': give arguments in 'args'");
  }
  for (const char c : command) {
    if (c == '\0' || kNastyMetachars.find(c) != std::string_view::npos) {
      file.fail(options["command"],
                "'command' holds a character nrpe refuses by default (see nasty_metachars)");
    }
  }
  return command;
}

std::vector<std::string> readArgs(const ConfigFile& file, const YAML::Node& options) {
  const YAML::Node node = options["args"];
  if (!node || node.IsNull()) {
    return {};
  }
  file.requireSequence(node, "'args'");
  if (node.size() > kMaxArguments) {
    file.fail(node, "'args' has " + std::to_string(node.size()) + " entries; nrpe takes at most " +
                        std::to_string(kMaxArguments));
  }
  std::vector<std::string> args;
  for (const auto& item : node) {
    std::string arg = file.asString(item, "an entry of 'args'");
    if (arg.find('!') != std::string::npos || arg.find('\0') != std::string::npos) {
      file.fail(item, "an entry of 'args' must not contain '!': nrpe splits arguments on it");
    }
    args.push_back(std::move(arg));
  }
  return args;
}

NrpeTls readTls(const ConfigFile& file, const YAML::Node& options) {
  const std::string tls = file.getOptionalString(options, "tls").value_or("adh");
  if (tls == "adh") {
    return NrpeTls::kAdh;
  }
  if (tls == "certificate") {
    return NrpeTls::kCertificate;
  }
  if (tls == "none") {
    return NrpeTls::kNone;
  }
  file.fail(options["tls"],
            "'tls' must be adh (nrpe's default), certificate or none (for a "
            "server started with -n), not '" +
                tls + "'");
}

NrpeVersion readVersion(const ConfigFile& file, const YAML::Node& options) {
  const std::string version = file.getOptionalString(options, "version").value_or("auto");
  if (version == "auto") {
    return NrpeVersion::kAuto;
  }
  if (version == "4") {
    return NrpeVersion::kV4;
  }
  if (version == "2") {
    return NrpeVersion::kV2;
  }
  file.fail(options["version"], "'version' must be auto, 4 or 2, not '" + version +
                                    "' (nrpe 4 refuses version 3 queries)");
}

// The certificate-mode keys; each is refused in the other modes, where it would be ignored.
void readCertificateFiles(const ConfigFile& file, const YAML::Node& options,
                          NrpeClientOptions& client) {
  for (const char* key : {"ca", "cert", "key", "server_name"}) {
    if (client.tls != NrpeTls::kCertificate && options[key]) {
      file.fail(options[key], std::string("'") + key + "' is used only with tls: certificate");
    }
  }
  if (client.tls != NrpeTls::kCertificate) {
    return;
  }
  const auto ca = file.getOptionalString(options, "ca");
  if (!ca || ca->empty()) {
    file.fail(options, "tls: certificate needs 'ca', the CA that issued the server's certificate");
  }
  client.ca = file.resolvePath(*ca);
  const auto cert = file.getOptionalString(options, "cert");
  const auto key = file.getOptionalString(options, "key");
  if (cert.has_value() != key.has_value()) {
    file.fail(options, "'cert' and 'key' go together: give both or neither");
  }
  if (cert) {
    client.cert = file.resolvePath(*cert);
    client.key = file.resolvePath(*key);
  }
  client.server_name = file.getOptionalString(options, "server_name").value_or("");
}

}  // namespace

NrpeInput::NrpeInput(InputSettings settings, NrpeQuery query, std::unique_ptr<NrpeClient> client)
    : Input(std::move(settings)),
      query_(std::move(query)),
      query_text_(nrpeQueryText(query_.command, query_.args)),
      client_(std::move(client)) {}

InputFactory NrpeInput::factory() {
  return [](const InputSettings& settings, const ConfigFile& file, const YAML::Node& options) {
    file.requireMap(options, "the nrpe input");
    const std::string context = "input '" + settings.name + "' (plugin nrpe)";
    file.rejectUnknownKeys(
        options,
        {"plugin", "name", "interval", "timeout", "host", "port", "command", "args", "check",
         "check_host", "tls", "ca", "cert", "key", "server_name", "version"},
        context);

    NrpeClientOptions client;
    client.peer.host = file.getString(options, "host");
    if (client.peer.host.empty()) {
      file.fail(options["host"], "'host' must name the NRPE server");
    }
    const int64_t port = file.getInteger(options, "port", kDefaultPort);
    if (port < 1 || port > 65535) {
      file.fail(options["port"], "'port' must be from 1 to 65535");
    }
    client.peer.port = static_cast<uint16_t>(port);
    client.tls = readTls(file, options);
    readCertificateFiles(file, options, client);
    client.version = readVersion(file, options);

    NrpeQuery query;
    query.command = readCommand(file, options);
    query.args = readArgs(file, options);
    query.check = file.getOptionalString(options, "check")
                      .value_or(file.getOptionalString(options, "name").value_or(query.command));
    if (query.check.empty()) {
      file.fail(options["check"], "'check' must not be empty");
    }
    // An NRPE daemon on this very host speaks for the agent's host: every agent polling its
    // own 127.0.0.1 must not report as one host named "127.0.0.1".
    query.check_host =
        file.getOptionalString(options, "check_host")
            .value_or(isLoopbackHost(client.peer.host) ? settings.host : client.peer.host);
    if (query.check_host.empty()) {
      file.fail(options["check_host"], "'check_host' must not be empty");
    }
    const size_t length = nrpeQueryText(query.command, query.args).size();
    const size_t limit =
        (client.version == NrpeVersion::kV2 ? kNrpeV2BufferSize : kNrpeMaxBufferLength) - 1;
    if (length > limit) {
      file.fail(options, "the query (command and args) is " + std::to_string(length) +
                             " bytes; this NRPE version takes at most " + std::to_string(limit));
    }

    auto created = NrpeClient::create(client);
    if (!created) {
      file.fail(options[client.tls == NrpeTls::kCertificate ? "ca" : "tls"],
                context + ": " + created.error().message);
    }
    return std::make_unique<NrpeInput>(settings, std::move(query), std::move(created).value());
  };
}

void NrpeInput::collect(Emitter& out) {
  emitCheckRun(run(), out);
}

CheckRun NrpeInput::run() {
  CheckRun run;
  run.host = query_.check_host;
  run.check = query_.check;
  auto reply = client_->query(query_text_, settings().timeout);
  run.ts_ms = nowMs();
  ++rounds_;

  if (!reply) {
    ++failures_;
    // The reason becomes the check's output; a '|' in it would be read as perfdata.
    std::string reason = reply.error().message;
    std::replace(reason.begin(), reason.end(), '|', '/');
    noteFailure(reason);
    run.state = CheckState::kUnknown;
    run.output = std::move(reason);
    return run;
  }
  if (failing_) {
    failing_ = false;
    logger()->info("input={} peer={} command={} answers again", settings().name,
                   client_->options().peer.toString(), query_.command);
  }

  run.output = std::move(reply->text);
  if (reply->result_code >= 0 && reply->result_code <= 3) {
    run.state = static_cast<CheckState>(reply->result_code);
  } else {
    run.state = CheckState::kUnknown;
    run.note = "result code " + std::to_string(reply->result_code) + " out of range";
  }
  if (reply->version == 2 && run.output.size() == kNrpeV2BufferSize - 1) {
    const std::string cut = "NRPE version 2 carries at most 1023 characters, so this may be cut";
    run.note = run.note.empty() ? cut : run.note + "; " + cut;
  }
  return run;
}

void NrpeInput::noteFailure(const std::string& reason) {
  failing_ = true;
  if (uint64_t withheld = 0; failure_log_.allow(withheld)) {
    const std::string withheld_note =
        withheld == 0 ? "" : " (" + std::to_string(withheld) + " similar lines withheld)";
    logger()->warn("input={} command={} check is UNKNOWN: {}{}", settings().name, query_.command,
                   reason, withheld_note);
  } else {
    logger()->debug("input={} command={} still failing: {}", settings().name, query_.command,
                    reason);
  }
}

}  // namespace bsm::plugins::nagios
