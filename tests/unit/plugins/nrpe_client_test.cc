// NrpeClient against a scripted fake server on loopback (the real nrpe is in
// tests/integration/nrpe_test.cc).
#include "plugins/nagios/nrpe_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_nrpe_server.h"
#include "plugins/nagios/nrpe_packet.h"

namespace bsm::plugins::nagios {
namespace {

using namespace std::chrono_literals;
using testing::Bytes;
using testing::FakeNrpeServer;
using testing::response;

std::unique_ptr<NrpeClient> plainClient(uint16_t port, NrpeVersion version = NrpeVersion::kAuto) {
  auto client =
      NrpeClient::create({.peer = {"127.0.0.1", port}, .tls = NrpeTls::kNone, .version = version});
  EXPECT_TRUE(client.ok());
  return std::move(client).value();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(NrpeClientTest, AsksInVersionFourAndTakesTheAnswer) {
  FakeNrpeServer server({FakeNrpeServer::answerInKind(1, "WARNING - load|load1=5")});
  auto client = plainClient(server.port());
  auto reply = client->query("check_load", 5s);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->version, 4);
  EXPECT_EQ(reply->result_code, 1);
  EXPECT_EQ(reply->text, "WARNING - load|load1=5");
  EXPECT_EQ(server.versionsAsked(), (std::vector<int>{4}));
}

TEST(NrpeClientTest, FallsBackToVersionTwoWhenTheServerHangsUpAndRemembersIt) {
  FakeNrpeServer server({FakeNrpeServer::hangUp(), FakeNrpeServer::answerInKind(0, "OK v2")});
  auto client = plainClient(server.port());
  auto reply = client->query("check_load", 5s);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->version, 2);
  EXPECT_EQ(reply->text, "OK v2");
  EXPECT_EQ(client->workingVersion(), 2);

  // The next round goes straight to the version that worked.
  ASSERT_TRUE(client->query("check_load", 5s).ok());
  EXPECT_EQ(server.versionsAsked(), (std::vector<int>{4, 2, 2}));
}

TEST(NrpeClientTest, PinnedVersionDoesNotFallBack) {
  FakeNrpeServer server({FakeNrpeServer::hangUp()});
  auto client = plainClient(server.port(), NrpeVersion::kV4);
  auto reply = client->query("check_load", 5s);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "NRPE 127.0.0.1:" + std::to_string(server.port()) +
                                                  ": the server closed the connection without"))
      << reply.error().message;
  EXPECT_TRUE(contains(reply.error().message, "allowed_hosts")) << reply.error().message;
  EXPECT_EQ(server.versionsAsked(), (std::vector<int>{4}));
}

TEST(NrpeClientTest, ShortHeaderFailsBothVersionsWithTheCount) {
  FakeNrpeServer server({FakeNrpeServer::sendRaw({0, 4, 0, 2, 1, 2, 3})});
  auto client = plainClient(server.port());
  auto reply = client->query("check_load", 5s);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "sent 7 bytes and then closed"))
      << reply.error().message;
  EXPECT_TRUE(contains(reply.error().message, "with version 4 and then 2"))
      << reply.error().message;
  EXPECT_EQ(server.versionsAsked(), (std::vector<int>{4, 2}));
}

TEST(NrpeClientTest, HangUpInTheMiddleOfTheBodyIsAShortRead) {
  Bytes whole = response(4, 0, std::string(99, 'z'));
  Bytes cut(whole.begin(), whole.begin() + 36);
  FakeNrpeServer server({FakeNrpeServer::sendRaw(cut)});
  auto client = plainClient(server.port(), NrpeVersion::kV4);
  auto reply = client->query("check_load", 5s);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "sent 36 of the 116 bytes")) << reply.error().message;
}

TEST(NrpeClientTest, AnswerInAnotherVersionIsAskedAgainInThatVersion) {
  // An NRPE 2 server answering a version 4 query in version 2: refused, then asked in 2.
  FakeNrpeServer server({FakeNrpeServer::answer(2, 0, "NRPE v2.15")});
  auto client = plainClient(server.port());
  auto reply = client->query("_NRPE_CHECK", 5s);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->version, 2);
  EXPECT_EQ(reply->text, "NRPE v2.15");
  EXPECT_EQ(server.versionsAsked(), (std::vector<int>{4, 2}));
}

TEST(NrpeClientTest, DamagedPacketIsRefusedWithoutRetry) {
  Bytes damaged = response(4, 0, "OK - fine");
  damaged.back() = 'X';  // the NUL: the text would run on, and the CRC no longer fits
  FakeNrpeServer server({FakeNrpeServer::sendRaw(damaged)});
  auto client = plainClient(server.port());
  auto reply = client->query("check_load", 5s);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "CRC mismatch")) << reply.error().message;
  EXPECT_EQ(server.versionsAsked(), (std::vector<int>{4}));
}

TEST(NrpeClientTest, SilentServerTimesOutWithinTheTimeout) {
  FakeNrpeServer server({FakeNrpeServer::silent()});
  auto client = plainClient(server.port());
  auto reply = client->query("check_load", 300ms);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "timed out after 300 ms waiting for the response"))
      << reply.error().message;
  // A timeout spends the budget: there is no second attempt.
  EXPECT_EQ(server.versionsAsked(), (std::vector<int>{4}));
}

TEST(NrpeClientTest, TlsAlertToAPlaintextClientSaysTheServerWantsTls) {
  FakeNrpeServer server({FakeNrpeServer::sendRaw({0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})});
  auto client = plainClient(server.port());
  auto reply = client->query("check_load", 5s);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "drop tls: none")) << reply.error().message;
}

TEST(NrpeClientTest, RefusedConnectionIsNamed) {
  uint16_t port = 0;
  {
    FakeNrpeServer closed({FakeNrpeServer::hangUp()});
    port = closed.port();
  }
  auto client = plainClient(port);
  auto reply = client->query("check_load", 5s);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().message,
            "NRPE 127.0.0.1:" + std::to_string(port) + ": connection refused");
}

TEST(NrpeClientTest, VersionTwoFallbackCannotCarryAnOverlongQuery) {
  FakeNrpeServer server({FakeNrpeServer::hangUp()});
  auto client = plainClient(server.port());
  auto reply = client->query("check_x!" + std::string(1100, 'a'), 5s);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "does not fit a version 2 packet"))
      << reply.error().message;
  EXPECT_EQ(server.versionsAsked(), (std::vector<int>{4}));
}

TEST(NrpeClientTest, ResolvesAHostNameAndTriesEachAddress) {
  // localhost may resolve to ::1 first, where nothing listens; 127.0.0.1 must still be tried.
  FakeNrpeServer server({FakeNrpeServer::answerInKind(0, "OK - by name")});
  auto client = NrpeClient::create(
      {.peer = {"localhost", server.port()}, .tls = NrpeTls::kNone, .version = NrpeVersion::kV4});
  ASSERT_TRUE(client.ok());
  auto reply = (*client)->query("check_load", 5s);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->text, "OK - by name");
}

TEST(NrpeClientTest, CertificateModeNeedsAReadableCa) {
  auto client = NrpeClient::create(
      {.peer = {"127.0.0.1", 5666}, .tls = NrpeTls::kCertificate, .ca = "/nonexistent/bsm/ca.crt"});
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(contains(client.error().message, "/nonexistent/bsm/ca.crt"))
      << client.error().message;
}

}  // namespace
}  // namespace bsm::plugins::nagios
