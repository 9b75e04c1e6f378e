// A real Nagios Core 4 runs the real check_bsm as its service check against a real bsm-server
// fed by a real bsm-agent; the states are read back from Nagios' own status.dat.
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "check_bsm_deployment.h"
#include "tests/integration/nagios_core_fixture.h"

namespace bsm {
namespace {

using namespace std::chrono_literals;
using testing::BsmDeployment;
using testing::NagiosCore;
using testing::NagiosCoreOptions;

constexpr const char* kHost = "bsm";

// Nagios objects: one service per business service, each running check_bsm every 2 s.
NagiosCoreOptions nagiosOptions(const BsmDeployment& deployment) {
  NagiosCoreOptions options;
  options.objects =
      NagiosCore::command("check_bsm", deployment.checkBsmCommandLine() + " -t 5 -s $ARG1$") +
      NagiosCore::host(kHost, "check_dummy!0!up") +
      NagiosCore::service(kHost, "shop", "check_bsm!shop") +
      NagiosCore::service(kHost, "storefront", "check_bsm!storefront") +
      NagiosCore::service(kHost, "recommendations", "check_bsm!recommendations") +
      NagiosCore::service(kHost, "missing", "check_bsm!no-such-service");
  // The perfdata spool is not looked at here.
  options.perfdata_rotation_seconds = 0;
  return options;
}

// Waits up to `timeout` for status.dat to show `service` in `state` with a check that ran
// after `after` (epoch seconds); returns the block as last read.
std::map<std::string, std::string> waitForNagiosState(const NagiosCore& nagios,
                                                      const std::string& service,
                                                      const std::string& state, long after = 0,
                                                      std::chrono::seconds timeout = 30s) {
  std::map<std::string, std::string> last;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto block = nagios.status(kHost, service)) {
      last = *block;
      if (last["has_been_checked"] == "1" && last["current_state"] == state &&
          std::stol(last["last_check"]) > after) {
        return last;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  return last;
}

std::string describe(const std::map<std::string, std::string>& block) {
  std::string text;
  for (const auto& [key, value] : block) {
    text += key + "=" + value + "\n";
  }
  return text;
}

TEST(CheckBsmNagiosEndToEndTest, NagiosShowsBusinessStatesFromCheckBsm) {
  if (!NagiosCore::available()) {
    GTEST_FAIL() << "nagios4-core and monitoring-plugins-basic are not installed "
                    "(scripts/install-deps installs them)";
  }
  BsmDeployment deployment("check-bsm-nagios");
  deployment.startServer();
  deployment.startAgent();
  // Nagios checks everything as it starts; the states must be settled by then.
  ASSERT_TRUE(deployment.waitForLiveStates()) << deployment.serverLog();

  NagiosCore nagios(nagiosOptions(deployment));

  auto shop = waitForNagiosState(nagios, "shop", "2");
  ASSERT_EQ(shop["current_state"], "2") << describe(shop);
  EXPECT_EQ(shop["plugin_output"].rfind("BSM CRITICAL - shop: ", 0), 0u) << describe(shop);
  EXPECT_NE(shop["performance_data"].find("children_critical=1;;;0"), std::string::npos)
      << describe(shop);
  // status.dat keeps the long output on one line, with "\n" escaped.
  EXPECT_NE(shop["long_plugin_output"].find("service checkout CRITICAL\\nservice "
                                            "recommendations WARNING"),
            std::string::npos)
      << describe(shop);
  EXPECT_EQ(shop["state_type"], "1") << describe(shop);

  auto storefront = waitForNagiosState(nagios, "storefront", "0");
  EXPECT_EQ(storefront["current_state"], "0") << describe(storefront);
  EXPECT_EQ(storefront["plugin_output"].rfind("BSM OK - storefront: ", 0), 0u)
      << describe(storefront);
  EXPECT_NE(storefront["performance_data"].find("components_ok=1;;;0"), std::string::npos)
      << describe(storefront);

  auto recommendations = waitForNagiosState(nagios, "recommendations", "1");
  EXPECT_EQ(recommendations["current_state"], "1") << describe(recommendations);

  auto missing = waitForNagiosState(nagios, "missing", "3");
  EXPECT_EQ(missing["current_state"], "3") << describe(missing);
  EXPECT_EQ(missing["plugin_output"],
            "BSM UNKNOWN - no-such-service: no service named 'no-such-service'")
      << describe(missing);

  // The agent goes away: past its grace the storefront is UNKNOWN in bsm, and Nagios' next
  // check says so.
  const long before_stop = static_cast<long>(::time(nullptr));
  ASSERT_EQ(deployment.stopAgent(), 0);
  storefront = waitForNagiosState(nagios, "storefront", "3", before_stop);
  EXPECT_EQ(storefront["current_state"], "3") << describe(storefront);
  EXPECT_NE(storefront["long_plugin_output"].find("disconnected"), std::string::npos)
      << describe(storefront);

  // The server goes away: every check is UNKNOWN and says why.
  const long before_server_stop = static_cast<long>(::time(nullptr));
  ASSERT_EQ(deployment.stopServer(), 0);
  shop = waitForNagiosState(nagios, "shop", "3", before_server_stop);
  EXPECT_EQ(shop["current_state"], "3") << describe(shop);
  EXPECT_NE(shop["plugin_output"].find("cannot reach bsm-server"), std::string::npos)
      << describe(shop);

  EXPECT_TRUE(nagios.stop());
}

}  // namespace
}  // namespace bsm
