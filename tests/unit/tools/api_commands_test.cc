#include "tools/api_commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/sample.h"
#include "common/time_format.h"
#include "server/http_api.h"
#include "tools/api_client.h"
#include "tools/table.h"

namespace bsm::tools {
namespace {

using server::AgentView;
using server::ChildServiceView;
using server::ComponentView;
using server::ServiceView;

constexpr const char* kAdminToken = "admin-0123456789abcdef0123456789abcdef";
constexpr const char* kReadToken = "read-0123456789abcdef0123456789abcdef";

// Two hours and half a minute before a test starts: far enough from a minute boundary that the
// printed age ("2h0m ago") cannot change while the test runs.
int64_t sinceForTest() {
  return nowMs() - (2 * 3600 + 30) * 1000;
}

class FakeBackend : public server::ApiBackend {
 public:
  std::vector<ServiceView> services() const override {
    std::vector<ServiceView> out;
    for (const auto& [name, service] : services_) {
      out.push_back(service);
    }
    return out;
  }
  std::optional<ServiceView> service(const std::string& name) const override {
    const auto it = services_.find(name);
    return it == services_.end() ? std::nullopt : std::optional<ServiceView>(it->second);
  }
  std::vector<AgentView> agents() const override { return agents_; }

  std::map<std::string, ServiceView> services_;
  std::vector<AgentView> agents_;
};

FakeBackend makeBackend(int64_t since_ms) {
  FakeBackend backend;

  ServiceView checkout;
  checkout.name = "checkout";
  checkout.description = "Takes the money";
  checkout.criticality = 1;
  checkout.rule = "worst";
  checkout.state = CheckState::kCritical;
  checkout.reason = "app-1 system.load1 is CRITICAL";
  checkout.since_ms = since_ms;
  ComponentView load;
  load.host = "app-1";
  load.kind = "metric";
  load.name = "system.load1";
  load.labels = {{"cpu", "all"}};
  load.state = CheckState::kCritical;
  load.reason = "value 9.2 > 8 (crit)";
  load.value = 9.2;
  load.since_ms = since_ms;
  checkout.components.push_back(load);
  ComponentView pgsql;
  pgsql.host = "db-1";
  pgsql.kind = "check";
  pgsql.name = "check_pgsql";
  pgsql.state = CheckState::kOk;
  pgsql.output = "OK - template1\nsecond line";
  checkout.components.push_back(pgsql);
  checkout.children.push_back(ChildServiceView{"payments", CheckState::kWarning, "warning"});
  backend.services_[checkout.name] = checkout;

  ServiceView shop;
  shop.name = "online-shop";
  shop.state = CheckState::kOk;
  backend.services_[shop.name] = shop;

  ServiceView odd;
  odd.name = "web shop/eu";
  odd.state = CheckState::kWarning;
  odd.reason = "one of three frontends down";
  backend.services_[odd.name] = odd;

  backend.agents_.push_back({"app-1", true, since_ms, "127.0.0.1:50000"});
  backend.agents_.push_back({"web-2", false, 0, ""});
  return backend;
}

// How bsmctl shows `since_ms`: "2026-12-03 19:20:00Z (2h0m ago)", always 31 columns.
std::string sinceCell(int64_t since_ms) {
  const std::string rfc3339 = formatRfc3339(since_ms);
  return rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 8) + "Z (2h0m ago)";
}

struct BsmctlRun {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Parses `args` as bsmctl would, with stdout and stderr captured.
BsmctlRun runBsmctl(std::vector<std::string> args) {
  CLI::App app{"bsmctl"};
  app.require_subcommand(1);
  BsmctlRun run;
  addApiCommands(app, run.exit_code);

  args.insert(args.begin(), "bsmctl");
  std::vector<char*> argv;
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }

  std::ostringstream out;
  std::ostringstream err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    run.exit_code = app.exit(e, out, err);
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* name) : name_(name) {
    if (const char* value = std::getenv(name)) {
      saved_ = value;
    }
    unsetenv(name);
  }
  ~ScopedEnv() {
    if (saved_) {
      setenv(name_, saved_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

class ApiCommandsTest : public testing::Test {
 protected:
  void SetUp() override {
    api_ = std::make_unique<server::HttpApi>(backend_, kAdminToken, kReadToken);
    const Status started = api_->start({"127.0.0.1", 0});
    ASSERT_TRUE(started.ok()) << started.error().message;
    url_ = "http://127.0.0.1:" + std::to_string(api_->port());
  }

  void TearDown() override { api_->stop(); }

  // `command` with --server and the read-only token after it.
  BsmctlRun runCommand(std::vector<std::string> command) {
    command.insert(command.end(), {"--server", url_, "--token", kReadToken});
    return runBsmctl(command);
  }

  // What the server answers to `path`, for comparing with --json output.
  nlohmann::json serverJson(const std::string& path) {
    Result<ApiClient> client = ApiClient::create(url_, kReadToken);
    EXPECT_TRUE(client.ok());
    Result<nlohmann::json> body = client->get(path);
    EXPECT_TRUE(body.ok()) << body.error().message;
    return body.ok() ? *body : nlohmann::json();
  }

  ScopedEnv env_server_{"BSM_SERVER"};
  ScopedEnv env_token_{"BSM_TOKEN"};
  const int64_t since_ms_ = sinceForTest();
  FakeBackend backend_ = makeBackend(since_ms_);
  std::unique_ptr<server::HttpApi> api_;
  std::string url_;
};

TEST_F(ApiCommandsTest, ServicesPrintsAlignedTable) {
  const BsmctlRun run = runCommand({"services"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  const std::string since_cell = sinceCell(since_ms_);
  const std::string expected =
      "NAME         STATE     SINCE                            REASON\n"
      "checkout     CRITICAL  " +
      since_cell +
      "  app-1 system.load1 is CRITICAL\n"
      "online-shop  OK        never                            -\n"
      "web shop/eu  WARNING   never                            one of three frontends down\n";
  EXPECT_EQ(run.out, expected);
}

TEST_F(ApiCommandsTest, ServicesJsonPrintsTheServersAnswerPretty) {
  const BsmctlRun run = runCommand({"services", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out), serverJson("/api/v1/services"));
  EXPECT_NE(run.out.find("\n  \"services\": ["), std::string::npos) << run.out;
}

TEST_F(ApiCommandsTest, StatusPrintsServiceComponentsAndChildren) {
  const BsmctlRun run = runCommand({"status", "checkout"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string since_cell = sinceCell(since_ms_);
  const std::string expected =
      "Service:      checkout\n"
      "State:        CRITICAL since " +
      since_cell +
      "\n"
      "Reason:       app-1 system.load1 is CRITICAL\n"
      "Description:  Takes the money\n"
      "Criticality:  1\n"
      "Rule:         worst\n"
      "\n"
      "Components:\n"
      "HOST   CHECK/METRIC           STATE     VALUE  REASON\n"
      "app-1  system.load1{cpu=all}  CRITICAL  9.2    value 9.2 > 8 (crit)\n"
      "db-1   check_pgsql            OK        -      OK - template1\n"
      "\n"
      "Child services:\n"
      "NAME      STATE    IMPACT\n"
      "payments  WARNING  warning\n";
  EXPECT_EQ(run.out, expected);
}

TEST_F(ApiCommandsTest, StatusJsonPrintsTheServersAnswer) {
  const BsmctlRun run = runCommand({"status", "checkout", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out), serverJson("/api/v1/services/checkout"));
}

TEST_F(ApiCommandsTest, StatusEncodesTheNameInThePath) {
  const BsmctlRun run = runCommand({"status", "web shop/eu", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["name"], "web shop/eu");
}

TEST_F(ApiCommandsTest, StatusOfUnknownServicePrintsTheServersError) {
  const BsmctlRun run = runCommand({"status", "nope"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "bsmctl: no service named 'nope'\n");
}

TEST_F(ApiCommandsTest, StatusRefusesAnEmptyName) {
  const BsmctlRun run = runCommand({"status", ""});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "bsmctl: the service name is empty\n");
}

TEST_F(ApiCommandsTest, AgentsPrintsTable) {
  const BsmctlRun run = runCommand({"agents"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string since_cell = sinceCell(since_ms_);
  const std::string expected =
      "ID     CONNECTED  LAST SEEN                        ADDRESS\n"
      "app-1  yes        " +
      since_cell +
      "  127.0.0.1:50000\n"
      "web-2  no         never                            -\n";
  EXPECT_EQ(run.out, expected);
}

TEST_F(ApiCommandsTest, AgentsJsonPrintsTheServersAnswer) {
  const BsmctlRun run = runCommand({"agents", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out), serverJson("/api/v1/agents"));
}

TEST_F(ApiCommandsTest, OptionsWorkBeforeTheSubcommand) {
  const BsmctlRun run = runBsmctl({"--server", url_, "--token", kAdminToken, "agents", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["agents"].size(), 2u);
}

TEST_F(ApiCommandsTest, ServerAndTokenComeFromTheEnvironment) {
  setenv("BSM_SERVER", url_.c_str(), 1);
  setenv("BSM_TOKEN", kReadToken, 1);
  const BsmctlRun run = runBsmctl({"services", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["services"].size(), 3u);
}

TEST_F(ApiCommandsTest, TokenOptionOverridesTheEnvironment) {
  setenv("BSM_TOKEN", "wrong-token", 1);
  const BsmctlRun run = runCommand({"agents"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

TEST_F(ApiCommandsTest, ReadsTheTokenFromAFile) {
  std::string dir = testing::TempDir() + "api_commands_test.XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/read.token";
  std::ofstream(path) << kReadToken << "\n";
  chmod(path.c_str(), 0600);

  const BsmctlRun run = runBsmctl({"agents", "--server", url_, "--token-file", path});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");

  const BsmctlRun missing = runBsmctl({"agents", "--server", url_, "--token-file", dir + "/nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot read token file '" + dir + "/nope'"), std::string::npos)
      << missing.err;
  std::filesystem::remove_all(dir);
}

TEST_F(ApiCommandsTest, TokenAndTokenFileExcludeEachOther) {
  const BsmctlRun run = runBsmctl({"agents", "--token", "a", "--token-file", "/nonexistent"});
  EXPECT_NE(run.exit_code, 0);
}

TEST_F(ApiCommandsTest, WrongTokenIsOneClearLine) {
  const BsmctlRun run = runBsmctl({"services", "--server", url_, "--token", "not-the-token"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "bsmctl: the server refused the token: invalid token\n");
}

TEST_F(ApiCommandsTest, MissingTokenSaysHowToGiveOne) {
  const BsmctlRun run = runBsmctl({"services", "--server", url_});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "bsmctl: no API token: give --token-file FILE or --token TOKEN, or set BSM_TOKEN\n");
}

TEST_F(ApiCommandsTest, UnreachableServerNamesTheUrl) {
  // A port that was just in use and is now closed refuses connections.
  const std::string closed_url = url_;
  api_->stop();
  const BsmctlRun run = runBsmctl({"agents", "--server", closed_url, "--token", kReadToken});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err.rfind("bsmctl: cannot reach bsm-server at " + closed_url + ": ", 0), 0u)
      << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1);
}

TEST_F(ApiCommandsTest, WrongUrlPrefixIsExplained) {
  const BsmctlRun run =
      runBsmctl({"services", "--server", url_ + "/elsewhere", "--token", kReadToken});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("answered 404 for /elsewhere/api/v1/services; is that bsm-server's"),
            std::string::npos)
      << run.err;
}

TEST_F(ApiCommandsTest, InvalidServerUrlIsRefused) {
  const BsmctlRun run = runBsmctl({"services", "--server", "127.0.0.1:9440", "--token", "t"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("invalid server URL '127.0.0.1:9440'"), std::string::npos) << run.err;
}

TEST(ServerUrlTest, ParsesHostPortAndPrefix) {
  const Result<ServerUrl> plain = parseServerUrl("http://127.0.0.1:9440");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->origin(), "http://127.0.0.1:9440");
  EXPECT_EQ(plain->prefix, "");

  const Result<ServerUrl> v6 = parseServerUrl("https://[::1]/bsm/");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 443);
  EXPECT_EQ(v6->prefix, "/bsm");
  EXPECT_EQ(v6->origin(), "https://[::1]:443");

  EXPECT_FALSE(parseServerUrl("ftp://host:1").ok());
  EXPECT_FALSE(parseServerUrl("http://:9440").ok());
  EXPECT_FALSE(parseServerUrl("http://host:99999").ok());
  EXPECT_FALSE(parseServerUrl("http://host:0").ok());
  EXPECT_FALSE(parseServerUrl("http://[::1:9440").ok());
}

TEST(ServerUrlTest, EncodesPathSegments) {
  EXPECT_EQ(encodePathSegment("online-shop_2.v~1"), "online-shop_2.v~1");
  EXPECT_EQ(encodePathSegment("web shop/eu?%+"), "web%20shop%2Feu%3F%25%2B");
  EXPECT_EQ(encodePathSegment("caf\xc3\xa9"), "caf%C3%A9");
}

TEST(TableTest, AlignsColumnsAndMarksEmptyCells) {
  Table table({"NAME", "STATE", "REASON"});
  table.addRow({"a", "OK", ""});
  table.addRow({"longer-name", "CRITICAL", "down"});
  table.addRow({"short"});
  EXPECT_EQ(table.render(),
            "NAME         STATE     REASON\n"
            "a            OK        -\n"
            "longer-name  CRITICAL  down\n"
            "short        -         -\n");
}

TEST(TableTest, ReplacesControlCharactersAndCountsUtf8AsOneColumn) {
  Table table({"NAME", "OUTPUT"});
  table.addRow({"caf\xc3\xa9", "line one\nline two\x1b[31m"});
  table.addRow({"x", "y"});
  EXPECT_EQ(table.render(),
            "NAME  OUTPUT\n"
            "caf\xc3\xa9  line one line two [31m\n"
            "x     y\n");
  EXPECT_EQ(displayWidth("caf\xc3\xa9"), 4u);
}

}  // namespace
}  // namespace bsm::tools
