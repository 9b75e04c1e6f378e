// The real binaries on loopback, as a user runs them: bsmctl makes the PKI, bsm-server and
// bsm-agent start from YAML files, the agent streams this host's real metrics, and the state of
// business services is read back over the HTTP API and through bsmctl.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "process.h"
#include "tools/api_client.h"

namespace bsm {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kBin = std::string(BSM_BINARY_DIR) + "/bin/";

uint16_t freePort() {
  // Bind port 0, read the port, close: the window before the server binds it is tiny, and the
  // test runs on loopback only.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

class AgentServerEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bsm-e2e-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "models");
    http_port_ = freePort();
    agent_port_ = freePort();

    const std::string pki = (dir_ / "pki").string();
    for (const std::string& command :
         {kBin + "bsmctl pki new-ca --dir " + pki,
          kBin + "bsmctl pki issue --dir " + pki + " --cn server --san 127.0.0.1",
          kBin + "bsmctl pki issue --dir " + pki + " --cn e2e-agent"}) {
      auto [status, output] = testing::runCommand(command);
      ASSERT_EQ(status, 0) << command << "\n" << output;
    }
    writeFile(dir_ / "admin.token", "e2e-admin-token-0123456789\n");
    fs::permissions(dir_ / "admin.token", fs::perms::owner_read | fs::perms::owner_write);

    writeFile(dir_ / "server.yaml",
              "listen: {agents: 127.0.0.1:" + std::to_string(agent_port_) +
                  ", http: 127.0.0.1:" + std::to_string(http_port_) +
                  "}\n"
                  "tls: {ca: pki/ca.crt, cert: pki/server.crt, key: pki/server.key}\n"
                  "data_dir: data\n"
                  "tokens: {admin_file: admin.token}\n"
                  "models: [\"models/*.yaml\"]\n"
                  "agent_grace: 1s\n");
    // Thresholds chosen so the states are certain on any machine: a host has at least one CPU
    // and its root filesystem is less than 100% used.
    writeFile(dir_ / "models" / "shop.yaml", R"(services:
  shop:
    criticality: 1
    depends_on: [host-health, busy-host]
  host-health:
    components:
      - {metric: system.fs.used_percent, labels: {mount: "/"}, crit: ">= 100"}
      - {metric: system.memory.used_percent, crit: "> 100"}
  busy-host:
    components:
      - {metric: system.cpu.count, warn: ">= 1"}
)");
    writeFile(dir_ / "agent.yaml",
              "agent: {id: e2e-agent}\n"
              "server: {address: 127.0.0.1:" +
                  std::to_string(agent_port_) +
                  ", ca: pki/ca.crt, cert: pki/e2e-agent.crt, "
                  "key: pki/e2e-agent.key}\n"
                  "interval: 1s\n"
                  "inputs: [{plugin: system}]\n");
  }

  void TearDown() override {
    agent_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  void startServer() {
    server_ = std::make_unique<testing::Process>(
        std::vector<std::string>{kBin + "bsm-server", "--config", (dir_ / "server.yaml").string()},
        (dir_ / "server.log").string());
  }
  void startAgent() {
    agent_ = std::make_unique<testing::Process>(
        std::vector<std::string>{kBin + "bsm-agent", "--config", (dir_ / "agent.yaml").string()},
        (dir_ / "agent.log").string());
  }

  // GETs an API path until `accept` likes the answer or 20 s pass; returns the last answer.
  nlohmann::json pollApi(const std::string& path,
                         const std::function<bool(const nlohmann::json&)>& accept) {
    auto client = tools::ApiClient::create("http://127.0.0.1:" + std::to_string(http_port_),
                                           "e2e-admin-token-0123456789");
    EXPECT_TRUE(client.ok());
    nlohmann::json last;
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
      auto answer = client->get(path);
      if (answer.ok()) {
        last = answer.value();
        if (accept(last)) {
          return last;
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    return last;
  }

  static std::string stateOf(const nlohmann::json& services, const std::string& name) {
    for (const auto& service : services["services"]) {
      if (service["name"] == name) {
        return service["state"];
      }
    }
    return "";
  }

  fs::path dir_;
  uint16_t http_port_ = 0;
  uint16_t agent_port_ = 0;
  std::unique_ptr<testing::Process> server_;
  std::unique_ptr<testing::Process> agent_;
};

TEST_F(AgentServerEndToEndTest, RealMetricsDriveServiceStatesAndDisconnectTurnsThemUnknown) {
  startServer();
  startAgent();

  // Before data arrives everything is UNKNOWN; with the real metrics the states settle.
  auto services = pollApi("/api/v1/services", [](const nlohmann::json& answer) {
    return stateOf(answer, "shop") == "WARNING" && stateOf(answer, "host-health") == "OK";
  });
  ASSERT_EQ(stateOf(services, "busy-host"), "WARNING") << services.dump(2) << server_->log();
  EXPECT_EQ(stateOf(services, "host-health"), "OK") << services.dump(2);
  EXPECT_EQ(stateOf(services, "shop"), "WARNING") << services.dump(2);

  // The detail carries the components with the real values the agent measured.
  auto detail = pollApi("/api/v1/services/host-health",
                        [](const nlohmann::json& answer) { return answer.contains("components"); });
  ASSERT_EQ(detail["components"].size(), 2u) << detail.dump(2);
  for (const auto& component : detail["components"]) {
    EXPECT_EQ(component["host"], "e2e-agent");
    EXPECT_EQ(component["state"], "OK");
    ASSERT_TRUE(component["value"].is_number()) << component.dump();
    EXPECT_GE(component["value"].get<double>(), 0.0);
    EXPECT_LT(component["value"].get<double>(), 100.0);
  }

  auto agents = pollApi("/api/v1/agents", [](const nlohmann::json& answer) {
    return !answer["agents"].empty() && answer["agents"][0]["connected"] == true;
  });
  ASSERT_EQ(agents["agents"].size(), 1u);
  EXPECT_EQ(agents["agents"][0]["id"], "e2e-agent");

  // bsmctl reads the same through the API.
  const std::string bsmctl = kBin +
                             "bsmctl --server http://127.0.0.1:" + std::to_string(http_port_) +
                             " --token e2e-admin-token-0123456789 ";
  auto [status, output] = testing::runCommand(bsmctl + "status host-health");
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("system.fs.used_percent"), std::string::npos) << output;
  EXPECT_NE(output.find("e2e-agent"), std::string::npos) << output;

  // The agent stops: past the 1 s grace its components, and the services above, are UNKNOWN
  // with the reason given.
  EXPECT_EQ(agent_->stop(), 0) << agent_->log();
  services = pollApi("/api/v1/services", [](const nlohmann::json& answer) {
    return stateOf(answer, "host-health") == "UNKNOWN";
  });
  EXPECT_EQ(stateOf(services, "host-health"), "UNKNOWN") << services.dump(2);
  detail = pollApi("/api/v1/services/host-health", [](const nlohmann::json&) { return true; });
  ASSERT_FALSE(detail["components"].empty());
  EXPECT_NE(detail["components"][0]["reason"].get<std::string>().find("disconnected"),
            std::string::npos)
      << detail.dump(2);

  // Every transition is in the SQLite history after a clean stop.
  EXPECT_EQ(server_->stop(), 0) << server_->log();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir_ / "data" / "bsm.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* query = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type='table'", -1,
                               &query, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(query), SQLITE_ROW);
  EXPECT_GT(sqlite3_column_int(query, 0), 0);
  sqlite3_finalize(query);
  sqlite3_close(db);
}

TEST_F(AgentServerEndToEndTest, CheckConfigReportsModelErrorsWithFileAndLine) {
  writeFile(dir_ / "models" / "broken.yaml", "services:\n  a:\n    rule: sometimes\n");
  auto [status, output] = testing::runCommand(kBin + "bsm-server --check-config --config " +
                                              (dir_ / "server.yaml").string());
  EXPECT_EQ(status, 1) << output;
  EXPECT_NE(output.find("broken.yaml:3:"), std::string::npos) << output;

  auto [agent_status, agent_output] = testing::runCommand(
      kBin + "bsm-agent --check-config --config " + (dir_ / "agent.yaml").string());
  EXPECT_EQ(agent_status, 0) << agent_output;
}

TEST_F(AgentServerEndToEndTest, OncePrintsRealSamplesAsJsonLines) {
  auto [status, output] = testing::runCommand(kBin + "bsm-agent --once --config " +
                                              (dir_ / "agent.yaml").string() + " 2>/dev/null");
  ASSERT_EQ(status, 0) << output;
  std::istringstream lines(output);
  std::string line;
  int samples = 0;
  bool saw_root = false;
  while (std::getline(lines, line)) {
    const auto json = nlohmann::json::parse(line);
    EXPECT_EQ(json["kind"], "sample");
    EXPECT_EQ(json["host"], "e2e-agent");
    for (const char* key : {"name", "labels", "value", "unit", "ts"}) {
      EXPECT_TRUE(json.contains(key)) << line;
    }
    saw_root = saw_root || (json["name"] == "system.fs.used_percent" &&
                            json["labels"].value("mount", "") == "/");
    samples++;
  }
  EXPECT_GT(samples, 10);
  EXPECT_TRUE(saw_root) << output;
}

// The agent config with Nagios plugin checks instead of the system input.
std::string pluginAgentYaml(uint16_t agent_port, const std::string& inputs) {
  return "agent: {id: e2e-agent}\n"
         "server: {address: 127.0.0.1:" +
         std::to_string(agent_port) +
         ", ca: pki/ca.crt, cert: pki/e2e-agent.crt, key: pki/e2e-agent.key}\n"
         "interval: 1s\n"
         "inputs:\n" +
         inputs;
}

TEST_F(AgentServerEndToEndTest, OncePrintsPluginChecksAndTheirPerfdataAsJsonLines) {
  writeFile(
      dir_ / "plugins.yaml",
      pluginAgentYaml(agent_port_,
                      "  - plugin: nagios\n"
                      "    name: disk\n"
                      "    shell: true\n"
                      "    command: \"echo \\\"DISK WARNING - / is 91% full | "
                      "'/ used'=91%;80;90;0;100 inodes=5%;20:;10:\\\"; "
                      "echo 'second line'; exit 1\"\n"
                      "  - plugin: nagios\n"
                      "    command: [/usr/lib/nagios/plugins/check_dummy, '2', 'told so']\n"));
  auto [status, output] = testing::runCommand(kBin + "bsm-agent --once --config " +
                                              (dir_ / "plugins.yaml").string() + " 2>/dev/null");
  ASSERT_EQ(status, 0) << output;
  std::vector<nlohmann::ordered_json> lines;
  std::istringstream stream(output);
  for (std::string line; std::getline(stream, line);) {
    lines.push_back(nlohmann::ordered_json::parse(line));
  }
  ASSERT_EQ(lines.size(), 4u) << output;

  // The keys in the documented order, each line whole.
  auto keys = [](const nlohmann::ordered_json& line) {
    std::vector<std::string> out;
    for (const auto& item : line.items()) {
      out.push_back(item.key());
    }
    return out;
  };
  const auto& check = lines[0];
  EXPECT_EQ(keys(check),
            (std::vector<std::string>{"kind", "host", "name", "state", "output", "ts"}));
  EXPECT_EQ(check["kind"], "check");
  EXPECT_EQ(check["host"], "e2e-agent");
  EXPECT_EQ(check["name"], "disk");
  EXPECT_EQ(check["state"], "WARNING");
  EXPECT_EQ(check["output"], "DISK WARNING - / is 91% full\nsecond line");

  const auto& used = lines[1];
  EXPECT_EQ(keys(used), (std::vector<std::string>{"kind", "host", "name", "labels", "value", "unit",
                                                  "ts", "warn", "crit", "min", "max"}));
  EXPECT_EQ(used["name"], "/ used");
  EXPECT_EQ(used["labels"].dump(), R"({"check":"disk"})");
  EXPECT_EQ(used["value"], 91);
  EXPECT_EQ(used["unit"], "%");
  EXPECT_EQ(used["warn"], 80);
  EXPECT_EQ(used["crit"], 90);
  EXPECT_EQ(used["min"], 0);
  EXPECT_EQ(used["max"], 100);

  // A range other than the plain "N" prints as its text; absent fields are left out.
  const auto& inodes = lines[2];
  EXPECT_EQ(inodes["name"], "inodes");
  EXPECT_EQ(inodes["warn"], "20:");
  EXPECT_EQ(inodes["crit"], "10:");
  EXPECT_FALSE(inodes.contains("min"));

  EXPECT_EQ(lines[3]["name"], "check_dummy");
  EXPECT_EQ(lines[3]["state"], "CRITICAL");
  EXPECT_EQ(lines[3]["output"], "CRITICAL: told so");
}

TEST_F(AgentServerEndToEndTest, APluginsStateAndPerfdataDriveAService) {
  const fs::path state_file = dir_ / "app.state";
  writeFile(state_file, "1\n");
  writeFile(dir_ / "agent.yaml", pluginAgentYaml(agent_port_,
                                                 "  - plugin: nagios\n"
                                                 "    name: app-health\n"
                                                 "    interval: 1s\n"
                                                 "    shell: true\n"
                                                 "    command: \"s=$(cat " +
                                                     state_file.string() +
                                                     "); echo \\\"APP state $s | queue=$((s * 50))"
                                                     ";;;0\\\"; exit $s\"\n"));
  writeFile(dir_ / "models" / "shop.yaml", R"(services:
  app:
    components:
      - {host: e2e-agent, check: app-health}
  queue:
    components:
      - {host: e2e-agent, metric: queue, labels: {check: app-health}, crit: "> 75"}
)");
  startServer();
  startAgent();

  auto services = pollApi("/api/v1/services", [](const nlohmann::json& answer) {
    return stateOf(answer, "app") == "WARNING" && stateOf(answer, "queue") == "OK";
  });
  ASSERT_EQ(stateOf(services, "app"), "WARNING") << services.dump(2) << agent_->log();
  EXPECT_EQ(stateOf(services, "queue"), "OK") << services.dump(2);

  writeFile(state_file, "2\n");
  services = pollApi("/api/v1/services", [](const nlohmann::json& answer) {
    return stateOf(answer, "app") == "CRITICAL" && stateOf(answer, "queue") == "CRITICAL";
  });
  EXPECT_EQ(stateOf(services, "app"), "CRITICAL") << services.dump(2);
  EXPECT_EQ(stateOf(services, "queue"), "CRITICAL") << services.dump(2);
  auto detail = pollApi("/api/v1/services/app", [](const nlohmann::json& answer) {
    return answer.contains("components") && !answer["components"].empty();
  });
  ASSERT_FALSE(detail["components"].empty()) << detail.dump(2);
  EXPECT_NE(detail["components"][0].dump().find("APP state 2"), std::string::npos)
      << detail.dump(2);

  writeFile(state_file, "0\n");
  services = pollApi("/api/v1/services", [](const nlohmann::json& answer) {
    return stateOf(answer, "app") == "OK" && stateOf(answer, "queue") == "OK";
  });
  EXPECT_EQ(stateOf(services, "app"), "OK") << services.dump(2);
  EXPECT_EQ(stateOf(services, "queue"), "OK") << services.dump(2);
}

// How many processes have exactly this command line (as pgrep -f would list them).
int processesRunning(const std::string& command_line) {
  int found = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    std::ifstream in(entry.path() / "cmdline");
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(raw.begin(), raw.end(), '\0', ' ');
    std::ifstream status(entry.path() / "status");
    std::string text((std::istreambuf_iterator<char>(status)), std::istreambuf_iterator<char>());
    if (raw == command_line + " " && text.find("State:\tZ") == std::string::npos) {
      found++;
    }
  }
  return found;
}

TEST_F(AgentServerEndToEndTest, NoPluginProcessOutlivesItsCheckOrTheAgent) {
  // One plugin leaves a process behind in a session of its own, out of its group's reach; the
  // other hangs until the agent stops.
  writeFile(
      dir_ / "agent.yaml",
      pluginAgentYaml(agent_port_,
                      "  - plugin: nagios\n"
                      "    name: escapes\n"
                      "    interval: 1h\n"
                      "    shell: true\n"
                      "    command: \"setsid sh -c 'echo $$ > " +
                          (dir_ / "escaped.pid").string() +
                          "; exec sleep 4242.4242' </dev/null >/dev/null 2>&1 & while [ ! -s " +
                          (dir_ / "escaped.pid").string() +
                          " ]; do sleep 0.05; done; echo OK\"\n"
                          "  - plugin: nagios\n"
                          "    name: hangs\n"
                          "    timeout: 1h\n"
                          "    interval: 1h\n"
                          "    command: [sleep, '4343.4343']\n"));
  writeFile(dir_ / "models" / "shop.yaml", R"(services:
  app:
    components:
      - {host: e2e-agent, check: escapes}
)");
  startServer();
  startAgent();
  auto services = pollApi("/api/v1/services", [](const nlohmann::json& answer) {
    return stateOf(answer, "app") == "OK";
  });
  ASSERT_EQ(stateOf(services, "app"), "OK") << services.dump(2) << agent_->log();

  // The runner sweeps every 5 s for such leftovers.
  for (int i = 0; i < 150 && processesRunning("sleep 4242.4242") > 0; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(processesRunning("sleep 4242.4242"), 0) << agent_->log();
  EXPECT_NE(agent_->log().find("left it running outside its process group"), std::string::npos)
      << agent_->log();

  EXPECT_EQ(processesRunning("sleep 4343.4343"), 1) << "the hanging plugin should be running";
  EXPECT_EQ(agent_->stop(), 0) << agent_->log();
  EXPECT_EQ(processesRunning("sleep 4343.4343"), 0) << "the agent left its plugin behind";
}

}  // namespace
}  // namespace bsm
