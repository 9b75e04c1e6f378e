#pragma once

// A real bsm-server and bsm-agent on loopback with a model whose states are certain on any
// machine, for running the real check_bsm against: the agent's real CPU count (at least 1)
// decides them through thresholds. Stopping the agent turns everything UNKNOWN after the 1 s
// grace, starting it again brings the states back; stopping the server takes the API away.
//
//   shop (worst, criticality 1)         CRITICAL
//   |- storefront                       OK        cpu.count < 1 would be CRITICAL
//   |- checkout                         CRITICAL  cpu.count >= 1 is CRITICAL
//   `- recommendations (impact warning) WARNING   cpu.count >= 1 is WARNING

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "process.h"
#include "tools/api_client.h"

namespace bsm::testing {

inline const std::string kBinDir = std::string(BSM_BINARY_DIR) + "/bin/";

// Bind port 0, read the port, close: the window before the server binds it is tiny, and the
// test runs on loopback only.
inline uint16_t freeLoopbackPort() {
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

// What a command printed on each stream, and its exit status.
struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs a shell command line and keeps its stdout, its stderr (through `err_path`) and its exit
// status apart.
inline CommandRun runCommand(const std::string& command, const std::string& err_path) {
  CommandRun run;
  FILE* pipe = popen((command + " 2>" + err_path).c_str(), "r");
  if (pipe == nullptr) {
    return run;
  }
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) {
    run.out.append(buffer, n);
  }
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  run.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  return run;
}

class BsmDeployment {
 public:
  static constexpr const char* kAdminToken = "e2e-admin-token-0123456789";
  static constexpr const char* kReadToken = "e2e-read-token-0123456789";

  // Writes the PKI, tokens and configs into a scratch folder named after `tag`.
  explicit BsmDeployment(const std::string& tag) {
    dir_ = std::filesystem::temp_directory_path() / ("bsm-" + tag + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "models");
    http_port_ = freeLoopbackPort();
    agent_port_ = freeLoopbackPort();

    const std::string pki = (dir_ / "pki").string();
    for (const std::string& command :
         {kBinDir + "bsmctl pki new-ca --dir " + pki,
          kBinDir + "bsmctl pki issue --dir " + pki + " --cn server --san 127.0.0.1",
          kBinDir + "bsmctl pki issue --dir " + pki + " --cn e2e-agent"}) {
      const auto [status, output] = runCommand(command);
      if (status != 0) {
        ADD_FAILURE() << command << "\n" << output;
      }
    }
    writePrivate("admin.token", std::string(kAdminToken) + "\n");
    writePrivate("read.token", std::string(kReadToken) + "\n");
    writePrivate("wrong.token", "e2e-not-a-token-0123456789\n");

    write("server.yaml", "listen: {agents: 127.0.0.1:" + std::to_string(agent_port_) +
                             ", http: 127.0.0.1:" + std::to_string(http_port_) +
                             "}\n"
                             "tls: {ca: pki/ca.crt, cert: pki/server.crt, key: pki/server.key}\n"
                             "data_dir: data\n"
                             "tokens: {admin_file: admin.token, read_file: read.token}\n"
                             "models: [\"models/*.yaml\"]\n"
                             "agent_grace: 1s\n");
    write("models/shop.yaml", R"(services:
  shop:
    criticality: 1
    depends_on: [storefront, checkout, {service: recommendations, impact: warning}]
  storefront:
    components:
      - {metric: system.cpu.count, crit: "< 1"}
  checkout:
    components:
      - {metric: system.cpu.count, crit: ">= 1"}
      - {metric: system.memory.used_percent, crit: "> 100"}
  recommendations:
    components:
      - {metric: system.cpu.count, warn: ">= 1"}
)");
    write("agent.yaml",
          "agent: {id: e2e-agent}\n"
          "server: {address: 127.0.0.1:" +
              std::to_string(agent_port_) +
              ", ca: pki/ca.crt, cert: pki/e2e-agent.crt, key: pki/e2e-agent.key}\n"
              "interval: 1s\n"
              "inputs: [{plugin: system}]\n");
  }

  ~BsmDeployment() {
    agent_.reset();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  BsmDeployment(const BsmDeployment&) = delete;
  BsmDeployment& operator=(const BsmDeployment&) = delete;

  void startServer() {
    server_ = std::make_unique<Process>(
        std::vector<std::string>{kBinDir + "bsm-server", "--config", path("server.yaml")},
        path("server.log"));
  }
  void startAgent() {
    agent_ = std::make_unique<Process>(
        std::vector<std::string>{kBinDir + "bsm-agent", "--config", path("agent.yaml")},
        path("agent.log"));
  }
  // Exit statuses; 0 is a clean stop.
  int stopAgent() { return agent_ ? agent_->stop() : 0; }
  int stopServer() { return server_ ? server_->stop() : 0; }

  std::string serverLog() const { return server_ ? server_->log() : ""; }

  // Polls GET /api/v1/services until every service in `expected` has its state there, for up
  // to 20 s; returns whether they all did.
  bool waitForStates(const std::map<std::string, std::string>& expected) {
    auto client =
        tools::ApiClient::create("http://127.0.0.1:" + std::to_string(http_port_), kReadToken);
    if (!client) {
      return false;
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      auto answer = client->get("/api/v1/services");
      if (answer && answer->contains("services")) {
        size_t matching = 0;
        for (const auto& service : (*answer)["services"]) {
          const auto it = expected.find(service.value("name", ""));
          matching += it != expected.end() && service.value("state", "") == it->second;
        }
        if (matching == expected.size()) {
          return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // The states the model settles in while the agent streams.
  bool waitForLiveStates() {
    return waitForStates({{"shop", "CRITICAL"},
                          {"storefront", "OK"},
                          {"checkout", "CRITICAL"},
                          {"recommendations", "WARNING"}});
  }

  // check_bsm against this server with the read-only token, then `args`; stdout and stderr
  // apart, because Zabbix would mix stderr into the value.
  CommandRun checkBsm(const std::vector<std::string>& args,
                      const std::string& token_file = "read.token") const {
    std::string command = checkBsmCommandLine(token_file);
    for (const std::string& arg : args) {
      command += " '" + arg + "'";
    }
    return runCommand(command, path("check_bsm.err"));
  }

  // "…/check_bsm -H 127.0.0.1 -p PORT --token-file …/read.token", without -s.
  std::string checkBsmCommandLine(const std::string& token_file = "read.token") const {
    return kBinDir + "check_bsm -H 127.0.0.1 -p " + std::to_string(http_port_) + " --token-file " +
           path(token_file);
  }

  std::string path(const std::string& relative) const { return (dir_ / relative).string(); }
  uint16_t httpPort() const { return http_port_; }

 private:
  void write(const std::string& relative, const std::string& text) const {
    std::ofstream(path(relative)) << text;
  }
  void writePrivate(const std::string& relative, const std::string& text) const {
    write(relative, text);
    chmod(path(relative).c_str(), 0600);
  }

  std::filesystem::path dir_;
  uint16_t http_port_ = 0;
  uint16_t agent_port_ = 0;
  std::unique_ptr<Process> server_;
  std::unique_ptr<Process> agent_;
};

}  // namespace bsm::testing
