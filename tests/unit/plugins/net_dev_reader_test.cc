#include "plugins/system/net_dev_reader.h"

#include <gtest/gtest.h>

#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

TEST(NetDevReaderTest, ParsesInterfacesAndSkipsLoopback) {
  testing::FixtureRoot root;
  auto snapshot = NetDevReader(root.proc(), false).read();
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  ASSERT_EQ(snapshot->interfaces.size(), 2u);
  const InterfaceCounters& eth0 = snapshot->interfaces.at("eth0");
  EXPECT_EQ(eth0.rx_bytes, 1'000'000u);
  EXPECT_EQ(eth0.rx_packets, 1000u);
  EXPECT_EQ(eth0.rx_errors, 1u);
  EXPECT_EQ(eth0.rx_dropped, 2u);
  EXPECT_EQ(eth0.tx_bytes, 500'000u);
  EXPECT_EQ(eth0.tx_packets, 800u);
  EXPECT_EQ(eth0.tx_errors, 0u);
  EXPECT_EQ(eth0.tx_dropped, 1u);
  // No space between the colon and the first number, as old kernels write it.
  EXPECT_EQ(snapshot->interfaces.at("eth1").rx_bytes, 2000u);
  EXPECT_EQ(snapshot->interfaces.at("eth1").tx_packets, 30u);
  EXPECT_EQ(snapshot->skipped_lines, 0u);
}

TEST(NetDevReaderTest, IncludeLoopbackKeepsLo) {
  testing::FixtureRoot root;
  auto snapshot = NetDevReader(root.proc(), true).read();
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  ASSERT_EQ(snapshot->interfaces.count("lo"), 1u);
  EXPECT_EQ(snapshot->interfaces.at("lo").rx_bytes, 5000u);
}

TEST(NetDevReaderTest, RatesAreExactAndARecreatedInterfaceHasNone) {
  testing::FixtureRoot root;
  NetDevReader reader(root.proc(), false);
  auto first = reader.read();
  root.apply("round2");
  auto second = reader.read();
  root.apply("round3");
  auto third = reader.read();
  ASSERT_TRUE(first.ok() && second.ok() && third.ok());
  EXPECT_EQ(second->skipped_lines, 1u);  // "garbage without a colon"

  auto eth0 = interfaceRates(first->interfaces.at("eth0"), second->interfaces.at("eth0"), 0.5);
  ASSERT_TRUE(eth0.has_value());
  EXPECT_DOUBLE_EQ(eth0->rx_bytes, 1'000'000.0);
  EXPECT_DOUBLE_EQ(eth0->rx_packets, 1000.0);
  EXPECT_DOUBLE_EQ(eth0->rx_errors, 2.0);
  EXPECT_DOUBLE_EQ(eth0->rx_dropped, 0.0);
  EXPECT_DOUBLE_EQ(eth0->tx_bytes, 200'000.0);
  EXPECT_DOUBLE_EQ(eth0->tx_packets, 200.0);
  EXPECT_DOUBLE_EQ(eth0->tx_errors, 0.0);
  EXPECT_DOUBLE_EQ(eth0->tx_dropped, 4.0);

  EXPECT_FALSE(
      interfaceRates(second->interfaces.at("eth1"), third->interfaces.at("eth1"), 10).has_value());
}

TEST(NetDevReaderTest, CountsLinesWithTooFewColumns) {
  testing::FixtureRoot root;
  root.write("net/dev",
             "Inter-|   Receive |  Transmit\n"
             " face |bytes |bytes\n"
             "  eth0: 1 2 3\n"
             "  eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n"
             "  eth2: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
             "\n");
  auto snapshot = NetDevReader(root.proc(), false).read();
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  EXPECT_EQ(snapshot->interfaces.size(), 1u);
  EXPECT_EQ(snapshot->interfaces.at("eth2").tx_bytes, 9u);
  EXPECT_EQ(snapshot->skipped_lines, 2u);
}

}  // namespace
}  // namespace bsm::plugins::system
