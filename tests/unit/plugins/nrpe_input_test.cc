#include "plugins/nagios/nrpe_input.h"

#include <gtest/gtest.h>

#include <string>

#include "common/config_file.h"
#include "fake_nrpe_server.h"

namespace bsm::plugins::nagios {
namespace {

using namespace std::chrono_literals;
using testing::FakeNrpeServer;

std::unique_ptr<NrpeInput> makeInput(const std::string& yaml,
                                     const std::string& path = "/etc/bsm/agent.yaml") {
  const ConfigFile file = ConfigFile::parse(yaml, path);
  InputSettings settings;
  settings.plugin = "nrpe";
  settings.name = file.getOptionalString(file.root(), "name").value_or("nrpe");
  settings.host = "agent-host";
  settings.timeout = 5s;
  auto input = NrpeInput::factory()(settings, file, file.root());
  return std::unique_ptr<NrpeInput>(static_cast<NrpeInput*>(input.release()));
}

// The ConfigError's message, or "" when the entry was accepted.
std::string configError(const std::string& yaml, const std::string& path = "/etc/bsm/agent.yaml") {
  try {
    makeInput(yaml, path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string plainEntry(uint16_t port, const std::string& more = "") {
  return "{plugin: nrpe, host: 127.0.0.1, port: " + std::to_string(port) +
         ", tls: none, command: check_load" + more + "}";
}

// A daemon on loopback is this host's: its checks speak for the agent's host, so that agents
// polling their own NRPE do not all report as one host "127.0.0.1".
TEST(NrpeInputTest, ReportsALoopbackDaemonsAnswerForTheAgentsHostUnderTheCommandsName) {
  FakeNrpeServer server({FakeNrpeServer::answerInKind(2, "CRITICAL - load|load1=9")});
  auto input = makeInput(plainEntry(server.port()));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kCritical);
  EXPECT_EQ(run.output, "CRITICAL - load|load1=9");
  EXPECT_EQ(run.host, "agent-host");
  EXPECT_EQ(run.check, "check_load");
  EXPECT_TRUE(run.note.empty());
  EXPECT_GT(run.ts_ms, 0);
}

TEST(NrpeInputTest, NameAndCheckHostOverrideTheDefaults) {
  FakeNrpeServer server({FakeNrpeServer::answerInKind(0, "OK")});
  auto input = makeInput(plainEntry(server.port(), ", name: load, check_host: db-1"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.host, "db-1");
  EXPECT_EQ(run.check, "load");

  // Two inputs polling the same command on two servers: distinct input names, one check name.
  auto second = makeInput(plainEntry(server.port(),
                                     ", name: load-db-2, check: load, "
                                     "check_host: db-2"));
  EXPECT_EQ(second->run().check, "load");
}

TEST(NrpeInputTest, SendsArgumentsJoinedWithBang) {
  std::string asked;
  FakeNrpeServer server({[&](int fd, const NrpePacket& query) {
    asked = query.text;
    testing::sendBytes(fd, testing::response(query.version, 0, "OK"));
  }});
  auto input = makeInput(plainEntry(server.port(), ", args: [20%, 10, /var]"));
  EXPECT_EQ(input->run().state, CheckState::kOk);
  EXPECT_EQ(asked, "check_load!20%!10!/var");
}

TEST(NrpeInputTest, ResultCodeOutOfRangeIsUnknownWithANote) {
  FakeNrpeServer server({FakeNrpeServer::answerInKind(7, "weird plugin")});
  auto input = makeInput(plainEntry(server.port()));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_EQ(run.output, "weird plugin");
  EXPECT_EQ(run.note, "result code 7 out of range");
}

TEST(NrpeInputTest, FailureIsUnknownNamingTheServerAndCounted) {
  FakeNrpeServer server({FakeNrpeServer::silent()});
  const ConfigFile file = ConfigFile::parse(plainEntry(server.port()), "/etc/bsm/agent.yaml");
  InputSettings settings;
  settings.plugin = "nrpe";
  settings.name = "nrpe";
  settings.host = "agent-host";
  settings.timeout = 200ms;
  auto input = NrpeInput::factory()(settings, file, file.root());
  auto& nrpe = static_cast<NrpeInput&>(*input);
  const CheckRun run = nrpe.run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_EQ(run.output, "NRPE 127.0.0.1:" + std::to_string(server.port()) +
                            ": timed out after 200 ms waiting for the response");
  EXPECT_EQ(nrpe.stats().rounds, 1u);
  EXPECT_EQ(nrpe.stats().failures, 1u);
}

TEST(NrpeInputTest, CollectAlwaysEmitsACheckResult) {
  uint16_t port = 0;
  {
    FakeNrpeServer gone({FakeNrpeServer::hangUp()});
    port = gone.port();
  }
  struct Recorder : Emitter {
    void emit(Sample) override { ++samples; }
    void emit(CheckResult result) override { checks.push_back(std::move(result)); }
    int samples = 0;
    std::vector<CheckResult> checks;
  } out;
  makeInput(plainEntry(port))->collect(out);
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].state, CheckState::kUnknown);
  EXPECT_EQ(out.checks[0].output,
            "NRPE 127.0.0.1:" + std::to_string(port) + ": connection refused");
  EXPECT_EQ(out.samples, 0);
}

TEST(NrpeInputTest, RejectsUnknownKeysAndMissingRequiredOnes) {
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, command: c, comand: x}"),
                       "unknown key 'comand'"));
  EXPECT_TRUE(contains(configError("{plugin: nrpe, command: c}"), "missing required key 'host'"));
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h}"), "missing required key 'command'"));
  // The message starts with the file and line, as every config error does.
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, command: c, port: 70000}"),
                       "/etc/bsm/agent.yaml:1:"));
}

TEST(NrpeInputTest, RejectsCommandsAndArgumentsNrpeCannotTake) {
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, command: 'a!b'}"), "'args'"));
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, command: 'a;b'}"), "nasty_metachars"));
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, command: c, args: ['x!y']}"),
                       "splits arguments"));
  std::string args = "[";
  for (int i = 0; i < 17; ++i) {
    args += (i == 0 ? "" : ", ") + std::to_string(i);
  }
  args += "]";
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, command: c, args: " + args + "}"),
                       "at most 16"));
  EXPECT_EQ(configError("{plugin: nrpe, host: h, tls: none, command: c, args: " +
                        args.substr(0, args.rfind(',')) + "]}"),
            "");
}

TEST(NrpeInputTest, VersionTwoQueryMustFitItsBuffer) {
  const std::string long_arg(1100, 'a');
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, tls: none, command: c, version: 2, "
                                   "args: [" +
                                   long_arg + "]}"),
                       "at most 1023"));
  EXPECT_EQ(configError("{plugin: nrpe, host: h, tls: none, command: c, args: [" + long_arg + "]}"),
            "");
}

TEST(NrpeInputTest, RejectsUnknownTlsModesAndVersions) {
  EXPECT_TRUE(
      contains(configError("{plugin: nrpe, host: h, command: c, tls: yes}"), "'tls' must be adh"));
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, command: c, version: 3}"),
                       "refuses version 3"));
  EXPECT_EQ(configError("{plugin: nrpe, host: h, command: c, version: 4}"), "");
}

TEST(NrpeInputTest, CertificateKeysBelongToCertificateMode) {
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, command: c, ca: /x/ca.crt}"),
                       "only with tls: certificate"));
  EXPECT_TRUE(
      contains(configError("{plugin: nrpe, host: h, command: c, tls: certificate}"), "needs 'ca'"));
  EXPECT_TRUE(contains(configError("{plugin: nrpe, host: h, command: c, tls: certificate, "
                                   "ca: /x/ca.crt, cert: /x/a.crt}"),
                       "give both or neither"));
}

TEST(NrpeInputTest, CertificateFilesAreResolvedAgainstTheConfigFile) {
  const std::string error =
      configError("{plugin: nrpe, host: h, command: c, tls: certificate, ca: pki/nrpe-ca.crt}",
                  "/nonexistent/bsm/agent.yaml");
  EXPECT_TRUE(contains(error, "/nonexistent/bsm/pki/nrpe-ca.crt")) << error;
}

}  // namespace
}  // namespace bsm::plugins::nagios
