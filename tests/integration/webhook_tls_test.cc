// The webhook channel over HTTPS to a local receiver whose certificate comes from a throw-away CA:
// delivered with that CA as the channel's `ca`, refused by verification (and retried) without.
#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/notification_document.h"
#include "server/webhook_channel.h"
#include "test_pki.h"

namespace bsm::server {
namespace {

using namespace std::chrono_literals;

class TlsReceiver {
 public:
  explicit TlsReceiver(const TlsFiles& files) : server_(files.cert.c_str(), files.key.c_str()) {
    server_.Post("/hook", [this](const httplib::Request&, httplib::Response& response) {
      ++received_;
      response.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(2ms);
    }
  }
  ~TlsReceiver() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  int received() const { return received_.load(); }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> received_{0};
};

Notification change() {
  Notification n;
  n.ts_ms = 1'700'000'000'000;
  n.service = "online-shop";
  n.state = CheckState::kCritical;
  n.previous = CheckState::kOk;
  return n;
}

TEST(WebhookTlsTest, DeliversOverHttpsWithTheChannelsCa) {
  bsm::testing::TestPki pki;
  TlsReceiver receiver(pki.files("server"));
  ASSERT_TRUE(receiver.url().starts_with("https://"));
  auto url = parseHttpUrl(receiver.url());
  ASSERT_TRUE(url.ok());

  WebhookChannel trusted(*url, {}, 5s, pki.files("server").ca);
  const Delivery delivered = trusted.deliver(notificationDocument(change()));
  EXPECT_EQ(delivered.outcome, Delivery::Outcome::kDelivered) << delivered.detail;
  EXPECT_EQ(receiver.received(), 1);

  // The system store does not know the throw-away CA: the handshake fails before any request.
  WebhookChannel untrusted(*url, {}, 5s);
  const Delivery refused = untrusted.deliver(notificationDocument(change()));
  EXPECT_EQ(refused.outcome, Delivery::Outcome::kRetry);
  EXPECT_NE(refused.detail.find("certificate is not trusted"), std::string::npos) << refused.detail;
  EXPECT_EQ(receiver.received(), 1);
}

}  // namespace
}  // namespace bsm::server
