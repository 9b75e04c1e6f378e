// The real check_bsm against a real bsm-server fed by a real bsm-agent on loopback: exit codes,
// output and perfdata as Nagios would see them, and every failure as UNKNOWN.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "check_bsm_deployment.h"

namespace bsm {
namespace {

using testing::BsmDeployment;
using testing::CommandRun;

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CheckBsmEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deployment_.startServer();
    deployment_.startAgent();
    ASSERT_TRUE(deployment_.waitForLiveStates()) << deployment_.serverLog();
  }

  BsmDeployment deployment_{"check-bsm-e2e"};
};

TEST_F(CheckBsmEndToEndTest, OkServiceExitsZeroWithCountsAsPerfdata) {
  const CommandRun run = deployment_.checkBsm({"-s", "storefront"});
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_TRUE(startsWith(run.out, "BSM OK - storefront: ")) << run.out;
  EXPECT_TRUE(contains(run.out,
                       " | components_ok=1;;;0 components_warning=0;;;0 "
                       "components_critical=0;;;0 components_unknown=0;;;0 "
                       "children_ok=0;;;0"))
      << run.out;
  // One line: nothing is wrong, so there is no long output. The server has no SLA endpoint
  // yet, so there is no availability either.
  EXPECT_EQ(run.out.find('\n'), run.out.size() - 1) << run.out;
  EXPECT_FALSE(contains(run.out, "availability")) << run.out;
  EXPECT_EQ(run.err, "");
}

TEST_F(CheckBsmEndToEndTest, DegradedServiceExitsWithItsStateAndNamesTheCauses) {
  CommandRun run = deployment_.checkBsm({"-s", "shop"});
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_TRUE(startsWith(run.out, "BSM CRITICAL - shop: ")) << run.out;
  EXPECT_TRUE(contains(run.out,
                       "children_ok=1;;;0 children_warning=1;;;0 "
                       "children_critical=1;;;0 children_unknown=0;;;0\n"))
      << run.out;
  // Worst first, one per line after the first.
  EXPECT_TRUE(contains(run.out, "\nservice checkout CRITICAL\nservice recommendations WARNING\n"))
      << run.out;
  EXPECT_EQ(run.err, "");

  run = deployment_.checkBsm({"-s", "checkout"});
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_TRUE(contains(run.out, "\ne2e-agent system.cpu.count CRITICAL: system.cpu.count="))
      << run.out;
  EXPECT_TRUE(contains(run.out,
                       "components_ok=1;;;0 components_warning=0;;;0 "
                       "components_critical=1;;;0"))
      << run.out;

  run = deployment_.checkBsm({"-s", "recommendations"});
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_TRUE(startsWith(run.out, "BSM WARNING - recommendations: ")) << run.out;
}

TEST_F(CheckBsmEndToEndTest, ZabbixModePrintsOnlyTheStateNumber) {
  CommandRun run = deployment_.checkBsm({"-s", "shop", "--zabbix"});
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, "2\n");
  EXPECT_EQ(run.err, "");

  run = deployment_.checkBsm({"-s", "no-such-service", "--zabbix"});
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, "3\n");
  EXPECT_EQ(run.err, "");
}

TEST_F(CheckBsmEndToEndTest, UnknownServiceIsUnknown) {
  const CommandRun run = deployment_.checkBsm({"-s", "no-such-service"});
  EXPECT_EQ(run.status, 3);
  EXPECT_EQ(run.out, "BSM UNKNOWN - no-such-service: no service named 'no-such-service'\n");
}

TEST_F(CheckBsmEndToEndTest, WrongTokenIsUnknown) {
  const CommandRun run = deployment_.checkBsm({"-s", "shop"}, "wrong.token");
  EXPECT_EQ(run.status, 3);
  EXPECT_EQ(run.out, "BSM UNKNOWN - shop: the server refused the token: invalid token\n");
}

TEST_F(CheckBsmEndToEndTest, StoppedAgentTurnsTheServiceUnknownAndBack) {
  ASSERT_EQ(deployment_.stopAgent(), 0);
  ASSERT_TRUE(deployment_.waitForStates({{"storefront", "UNKNOWN"}}));
  CommandRun run = deployment_.checkBsm({"-s", "storefront"});
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_TRUE(startsWith(run.out, "BSM UNKNOWN - storefront: ")) << run.out;
  EXPECT_TRUE(contains(run.out,
                       "\ne2e-agent system.cpu.count UNKNOWN: agent e2e-agent "
                       "disconnected since "))
      << run.out;
  EXPECT_TRUE(contains(run.out, "components_unknown=1;;;0")) << run.out;

  deployment_.startAgent();
  ASSERT_TRUE(deployment_.waitForStates({{"storefront", "OK"}}));
  run = deployment_.checkBsm({"-s", "storefront"});
  EXPECT_EQ(run.status, 0) << run.out;
}

TEST_F(CheckBsmEndToEndTest, ServerDownIsUnknown) {
  ASSERT_EQ(deployment_.stopServer(), 0);
  const CommandRun run = deployment_.checkBsm({"-s", "shop"});
  EXPECT_EQ(run.status, 3);
  EXPECT_TRUE(startsWith(run.out,
                         "BSM UNKNOWN - shop: cannot reach bsm-server at "
                         "http://127.0.0.1:" +
                             std::to_string(deployment_.httpPort()) + ": "))
      << run.out;
  EXPECT_EQ(run.out.find('\n'), run.out.size() - 1) << run.out;
}

TEST_F(CheckBsmEndToEndTest, SilentServerTimesOutAsUnknown) {
  // A socket that listens but never accepts: connecting succeeds (the kernel queues the
  // connection), and no answer ever comes.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const std::string port = std::to_string(ntohs(address.sin_port));

  const auto started = std::chrono::steady_clock::now();
  const auto [status, output] =
      testing::runCommand(testing::kBinDir + "check_bsm -H 127.0.0.1 -p " + port +
                          " -s shop -t 1 --token-file " + deployment_.path("read.token"));
  const auto took = std::chrono::steady_clock::now() - started;
  close(fd);

  EXPECT_EQ(status, 3) << output;
  EXPECT_EQ(output, "BSM UNKNOWN - shop: no answer from bsm-server at http://127.0.0.1:" + port +
                        " within the timeout of 1 s\n");
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(CheckBsmEndToEndTest, UsageErrorIsUnknownWithUsage) {
  const auto [status, output] = testing::runCommand(testing::kBinDir + "check_bsm -H 127.0.0.1");
  EXPECT_EQ(status, 3) << output;
  EXPECT_TRUE(startsWith(output, "BSM UNKNOWN - usage error: --service is required\nUsage: "))
      << output;
}

}  // namespace
}  // namespace bsm
