// bsm-server assembled with a notifications list: the dispatcher is created, fed by the engine's
// sink and started with the server, and its outbox lives in the data directory.
#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/sample.h"
#include "server/notification_dispatcher.h"
#include "server/server_app.h"
#include "test_pki.h"

namespace bsm::server {
namespace {

using namespace std::chrono_literals;

TEST(ServerNotificationsTest, TheServerDeliversThroughItsConfiguredChannels) {
  bsm::testing::TestPki pki;
  const std::filesystem::path dir = std::filesystem::path(pki.dir()).parent_path() / "server";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "admin.token") << "an-admin-token-of-some-length\n";
  std::filesystem::permissions(dir / "admin.token", std::filesystem::perms::owner_read |
                                                        std::filesystem::perms::owner_write);
  std::ofstream(dir / "services.yaml") << "services:\n"
                                          "  online-shop:\n"
                                          "    components:\n"
                                          "      - {host: web-1, check: http}\n";

  httplib::Server receiver;
  std::mutex mutex;
  std::vector<std::string> bodies;
  receiver.Post("/hook", [&](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex);
    bodies.push_back(request.body);
    response.status = 200;
  });
  const int port = receiver.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { receiver.listen_after_bind(); });
  for (int i = 0; i < 500 && !receiver.is_running(); ++i) {
    std::this_thread::sleep_for(2ms);
  }

  ServerConfig config;
  config.path = (dir / "server.yaml").string();
  config.agents_listen = HostPort{"127.0.0.1", 0};
  config.http_listen = HostPort{"127.0.0.1", 0};
  config.tls = pki.files("server");
  config.data_dir = (dir / "data").string();
  config.admin_token_file = (dir / "admin.token").string();
  config.model_globs = {(dir / "services.yaml").string()};
  NotificationChannelConfig hook;
  hook.name = "ops";
  hook.type = NotificationChannelConfig::Type::kWebhook;
  hook.urls = {"http://127.0.0.1:" + std::to_string(port) + "/hook"};
  config.notifications = {hook};

  auto app = ServerApp::create(config);
  ASSERT_TRUE(app.ok()) << app.error().message;
  ASSERT_NE((*app)->notifications(), nullptr);
  ASSERT_TRUE((*app)->start());
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "notifications.db"));

  // What the engine does on a state change, through the sink it was given.
  Notification change;
  change.ts_ms = nowMs();
  change.service = "online-shop";
  change.state = CheckState::kCritical;
  change.previous = CheckState::kOk;
  (*app)->notifications()->notify(change);
  for (int i = 0; i < 500; ++i) {
    std::lock_guard lock(mutex);
    if (!bodies.empty()) {
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  (*app)->stop();
  receiver.stop();
  serving.join();

  ASSERT_EQ(bodies.size(), 1u);
  const auto document = nlohmann::json::parse(bodies[0]);
  EXPECT_EQ(document["service"], "online-shop");
  EXPECT_EQ(document["state"], "CRITICAL");
}

}  // namespace
}  // namespace bsm::server
