#pragma once

// Debian's real Prometheus Alertmanager as a test peer (../shared/PEERS.md, "Alertmanager"),
// started on a loopback port in a scratch folder and stopped with its process group.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "server/http_post.h"
#include "tests/integration/zabbix_fixture.h"

namespace bsm::testing {

inline constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";

// Alertmanager with one receiver that sends nowhere: the test reads what it holds over its API.
class AlertmanagerPeer {
 public:
  AlertmanagerPeer() : scratch_("bsm-alertmanager") {
    using namespace std::chrono_literals;
    port_ = freeAgentPort();
    std::ofstream(scratch_.file("alertmanager.yml")) << "route:\n"
                                                        "  receiver: nowhere\n"
                                                        "  group_by: [alertname]\n"
                                                        "  group_wait: 1s\n"
                                                        "  group_interval: 1s\n"
                                                        "receivers:\n"
                                                        "  - name: nowhere\n";
    std::filesystem::create_directories(scratch_.file("data"));
    // An empty cluster address turns gossip off, so only the API port is opened.
    pid_ = spawnInOwnGroup({kAlertmanager, "--config.file=" + scratch_.file("alertmanager.yml"),
                            "--storage.path=" + scratch_.file("data"),
                            "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                            "--cluster.listen-address=", "--web.external-url=" + url()},
                           scratch_.file("alertmanager.log"));
  }
  ~AlertmanagerPeer() { stopGroup(pid_); }

  AlertmanagerPeer(const AlertmanagerPeer&) = delete;
  AlertmanagerPeer& operator=(const AlertmanagerPeer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return readWholeFile(scratch_.file("alertmanager.log")); }

  bool waitReady() {
    using namespace std::chrono_literals;
    const auto ready = server::parseHttpUrl(url() + "/-/ready");
    for (int i = 0; i < 300; ++i) {
      if (server::getUrl(*ready, 1s).status == 200) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // The alerts Alertmanager holds for `service` (resolved ones are not listed).
  nlohmann::json alertsFor(const std::string& service) {
    using namespace std::chrono_literals;
    const auto alerts = server::parseHttpUrl(url() + "/api/v2/alerts");
    const server::HttpAnswer answer = server::getUrl(*alerts, 2s);
    nlohmann::json out = nlohmann::json::array();
    const nlohmann::json all = nlohmann::json::parse(answer.body, nullptr, false);
    if (!all.is_array()) {
      return out;
    }
    for (const auto& alert : all) {
      if (alert["labels"].value("service", "") == service) {
        out.push_back(alert);
      }
    }
    return out;
  }

  const ScratchDir& scratch() const { return scratch_; }

 private:
  ScratchDir scratch_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace bsm::testing
