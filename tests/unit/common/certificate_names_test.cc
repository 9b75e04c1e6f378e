#include "common/certificate_names.h"

#include <gtest/gtest.h>

namespace bsm::pki {
namespace {

TEST(CertificateNamesTest, AcceptsHostNames) {
  for (const char* name : {"web-1", "bsm.example.net", "a", "x1.y2", "EXAMPLE.org"}) {
    EXPECT_TRUE(isDnsName(name, false)) << name;
  }
  EXPECT_TRUE(isDnsName(std::string(63, 'a') + ".net", false));
}

TEST(CertificateNamesTest, RefusesMalformedHostNames) {
  for (const char* name : {"", ".", "a.", ".a", "a..b", "-a", "a-", "a_b", "a b", "10.0.0.1",
                           "1.2.3.999", "*", "*.example.net", "x.*.net"}) {
    EXPECT_FALSE(isDnsName(name, false)) << name;
  }
  EXPECT_FALSE(isDnsName(std::string(64, 'a') + ".net", false));
  EXPECT_FALSE(isDnsName(std::string(250, 'a') + ".net", false));
}

TEST(CertificateNamesTest, WildcardOnlyAsWholeLeftmostLabel) {
  EXPECT_TRUE(isDnsName("*.example.net", true));
  EXPECT_FALSE(isDnsName("w*.example.net", true));
  EXPECT_FALSE(isDnsName("*.*.example.net", true));
  EXPECT_FALSE(isDnsName("*", true));
}

TEST(CertificateNamesTest, ParsesIpAddressesToBytes) {
  EXPECT_EQ(parseIpAddress("192.0.2.1"), std::string("\xc0\x00\x02\x01", 4));
  EXPECT_EQ(parseIpAddress("::1")->size(), 16u);
  EXPECT_EQ(parseIpAddress("fe80::1%eth0"), std::nullopt);
  EXPECT_EQ(parseIpAddress("192.0.2"), std::nullopt);
  EXPECT_EQ(parseIpAddress("host"), std::nullopt);
}

TEST(CertificateNamesTest, PrintableEscapesAndCuts) {
  EXPECT_EQ(printable("a\nb"), "'a\\x0ab'");
  EXPECT_EQ(printable("caf\xc3\xa9"), "'caf\\xc3\\xa9'");
  EXPECT_EQ(printable(std::string(200, 'x')), "'" + std::string(80, 'x') + "...'");
}

}  // namespace
}  // namespace bsm::pki
