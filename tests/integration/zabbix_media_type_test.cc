// The Zabbix webhook media type of packaging/zabbix/ (its JavaScript, run by node in a harness
// that provides what Zabbix provides) against bsm-server's HTTP API and service engine.
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

#include "server/http_api.h"
#include "server/service_engine.h"
#include "server/zabbix_webhook.h"

namespace bsm::server {
namespace {

using nlohmann::json;

constexpr const char* kAdminToken = "media-type-admin-token-0123456789";
constexpr const char* kReadToken = "media-type-read-token-0123456789";

struct ScriptRun {
  int status = -1;
  std::string output;
};

std::string shellQuote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

class ZabbixMediaTypeTest : public ::testing::Test {
 protected:
  ZabbixMediaTypeTest()
      : engine_(ServiceModel::parse(R"(services:
  database:
    components:
      - {host: db-1, check: "MySQL is down"}
)",
                                    "model.yaml"),
                nullptr),
        webhook_(engine_),
        api_(engine_, kAdminToken, kReadToken) {
    api_.addPost(ZabbixWebhook::kPath, [this](const std::string& body, const std::string& client) {
      return webhook_.handle(body, client);
    });
  }

  void SetUp() override {
    if (std::system("command -v node >/dev/null 2>&1") != 0) {
      GTEST_FAIL() << "node is missing: install nodejs (scripts/install-deps does)";
    }
    ASSERT_TRUE(api_.start({"127.0.0.1", 0}).ok());
  }
  void TearDown() override { api_.stop(); }

  // Runs the media type's script as Zabbix would for one event.
  ScriptRun notify(const std::string& value, const std::string& severity,
                   const std::string& token = kAdminToken) {
    const json params = {{"bsm_url", "http://127.0.0.1:" + std::to_string(api_.port()) + "/"},
                         {"bsm_token", token},
                         {"host", "db-1"},
                         {"trigger", "MySQL is down"},
                         {"name", "MySQL is down on db-1"},
                         {"event_id", "4711"},
                         // As Zabbix resolves them: no recovery id in a problem's notification.
                         {"recovery_id", value == "0" ? "4712" : "{EVENT.RECOVERY.ID}"},
                         {"trigger_id", "23001"},
                         {"value", value},
                         {"severity", severity},
                         {"opdata", ""}};
    const std::string command = std::string("node ") +
                                BSM_SOURCE_DIR "/tests/integration/zabbix_media_type_harness.js " +
                                BSM_SOURCE_DIR "/packaging/zabbix/bsm_media_type.yaml " +
                                shellQuote(params.dump()) + " 2>/dev/null";
    ScriptRun run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
      return run;
    }
    char buffer[4096];
    size_t got = 0;
    while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
      run.output.append(buffer, got);
    }
    const int status = pclose(pipe);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
  }

  CheckState databaseState() const {
    const auto view = engine_.service("database");
    return view ? view->state : CheckState::kUnknown;
  }

  ServiceEngine engine_;
  ZabbixWebhook webhook_;
  HttpApi api_;
};

TEST_F(ZabbixMediaTypeTest, ProblemAndRecoveryReachTheService) {
  ScriptRun run = notify("1", "5");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.output, "OK");
  EXPECT_EQ(databaseState(), CheckState::kCritical);

  run = notify("0", "5");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(databaseState(), CheckState::kOk);
  EXPECT_EQ(webhook_.accepted(), 2u);
}

TEST_F(ZabbixMediaTypeTest, WrongOrReadOnlyTokenFailsTheNotification) {
  ScriptRun run = notify("1", "4", "not-the-token");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("HTTP 401"), std::string::npos) << run.output;

  // Zabbix shows what the script threw in its action log, so the reason must be there.
  run = notify("1", "4", kReadToken);
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("HTTP 403"), std::string::npos) << run.output;
  EXPECT_EQ(webhook_.accepted(), 0u);
  EXPECT_EQ(databaseState(), CheckState::kUnknown);
}

TEST_F(ZabbixMediaTypeTest, UnsetParametersAreNamed) {
  const ScriptRun run = notify("1", "4", "<the admin token of bsm-server>");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("bsm_token"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace bsm::server
