#include "plugins/nagios/plugin_output.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "perf_value_expectations.h"

namespace bsm::plugins::nagios {
namespace {

using namespace std::string_literals;
using testing::expectPerf;
using testing::joined;

// The input of a case in tests/data/real_world_cases.json, without the explanatory lines in
// parentheses that the file adds after the plugin's output.
std::string caseInput(std::string_view id) {
  std::ifstream file(BSM_SOURCE_DIR "/tests/data/real_world_cases.json");
  EXPECT_TRUE(file.is_open()) << "cannot open tests/data/real_world_cases.json";
  const nlohmann::json cases = nlohmann::json::parse(file, nullptr, false);
  EXPECT_FALSE(cases.is_discarded()) << "tests/data/real_world_cases.json is not JSON";
  if (!cases.is_array()) {
    return {};
  }
  for (const auto& entry : cases) {
    if (entry.value("id", "") != id) {
      continue;
    }
    std::istringstream lines(entry.at("input").get<std::string>());
    std::string input;
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("(")) {
        continue;
      }
      input += input.empty() ? line : "\n" + line;
    }
    return input;
  }
  ADD_FAILURE() << "no case " << id;
  return {};
}

// --- the shared real-world cases ---

TEST(PluginOutputCaseTest, Nagios1QuotedLabelWithBlankAndEmptyTrailingFields) {
  const PluginOutput out = parsePluginOutput(caseInput("nagios-1"));
  EXPECT_EQ(out.text, "OK Current SMTP CONNECTIONS=1766");
  ASSERT_EQ(out.perfdata.size(), 1u) << joined(out.problems);
  expectPerf(out.perfdata[0], "SMTP CONNECTIONS", 1766, "", "7000", "10000");
  EXPECT_EQ(out.perfdata[0].warn->plainUpperBound(), 7000);
  EXPECT_EQ(out.perfdata[0].crit->plainUpperBound(), 10000);
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputCaseTest, Nagios2RunOfBlanksSeparatesItems) {
  const PluginOutput out = parsePluginOutput(caseInput("nagios-2"));
  EXPECT_EQ(out.text, "eth0:UP, eth1:UP:2 UP: OK");
  EXPECT_EQ(out.long_text, "");
  ASSERT_EQ(out.perfdata.size(), 3u) << joined(out.problems);
  expectPerf(out.perfdata[0], "eth0_speed_bps", 1000000000, "");
  expectPerf(out.perfdata[1], "eth1_in_octet", 1210083194, "c");
  expectPerf(out.perfdata[2], "eth1_out_octet", 429473467, "c");
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputCaseTest, Nagios3PerfdataOnFirstLineAndAfterLongOutput) {
  const PluginOutput out = parsePluginOutput(caseInput("nagios-3"));
  EXPECT_EQ(out.text, "DISK OK - free space: / 3326 MB (56%);");
  EXPECT_EQ(out.long_text,
            "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n"
            "/var/log 819 MB (84%);");
  ASSERT_EQ(out.perfdata.size(), 4u) << joined(out.problems);
  expectPerf(out.perfdata[0], "/", 2643, "MB", "5948", "5958", 0, 5968);
  expectPerf(out.perfdata[1], "/boot", 68, "MB", "88", "93", 0, 98);
  expectPerf(out.perfdata[2], "/home", 69357, "MB", "253404", "253409", 0, 253414);
  expectPerf(out.perfdata[3], "/var/log", 818, "MB", "970", "975", 0, 980);
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

// --- real lines captured from Debian's monitoring-plugins 2.3.3 (PROTOCOLS.md 1.2) ---

TEST(PluginOutputCapturedTest, CheckLoadWithTrailingSemicolonsAndSpace) {
  const PluginOutput out = parsePluginOutput(
      "LOAD OK - total load average: 0.62, 0.32, 0.14|load1=0.620;5.000;10.000;0; "
      "load5=0.320;4.000;8.000;0; load15=0.140;3.000;6.000;0; \n");
  EXPECT_EQ(out.text, "LOAD OK - total load average: 0.62, 0.32, 0.14");
  EXPECT_EQ(out.long_text, "");
  ASSERT_EQ(out.perfdata.size(), 3u) << joined(out.problems);
  expectPerf(out.perfdata[0], "load1", 0.62, "", "5", "10", 0);
  expectPerf(out.perfdata[1], "load5", 0.32, "", "4", "8", 0);
  expectPerf(out.perfdata[2], "load15", 0.14, "", "3", "6", 0);
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputCapturedTest, CheckLoadScaledWithEmptyThresholds) {
  const PluginOutput out = parsePluginOutput(
      "LOAD WARNING - scaled load average: 0.31, 0.16, 0.07 - total load average: 0.62, 0.32, "
      "0.14|load1=0.620;;;0; scaled_load1=0.310;0.010;100.000;0; load5=0.320;;;0; "
      "scaled_load5=0.160;0.010;100.000;0; load15=0.140;;;0; "
      "scaled_load15=0.070;0.010;100.000;0;   ");
  ASSERT_EQ(out.perfdata.size(), 6u) << joined(out.problems);
  expectPerf(out.perfdata[0], "load1", 0.62, "", std::nullopt, std::nullopt, 0);
  expectPerf(out.perfdata[1], "scaled_load1", 0.31, "", "0.01", "100", 0);
  expectPerf(out.perfdata[5], "scaled_load15", 0.07, "", "0.01", "100", 0);
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputCapturedTest, CheckDiskSlashLabelAfterSemicolonBar) {
  const PluginOutput out = parsePluginOutput(
      "DISK OK - free space: / 81487MiB (83% inode=97%);| "
      "/=17298358272B;216442024755;243497277849;0;270552530944");
  EXPECT_EQ(out.text, "DISK OK - free space: / 81487MiB (83% inode=97%);");
  ASSERT_EQ(out.perfdata.size(), 1u) << joined(out.problems);
  expectPerf(out.perfdata[0], "/", 17298358272.0, "B", "216442024755", "243497277849", 0,
             270552530944.0);
}

TEST(PluginOutputCapturedTest, CheckDiskThresholdBeyondInt64) {
  const PluginOutput out = parsePluginOutput(
      "DISK WARNING - free space: / 79GiB (83% inode=97%);| "
      "/=17179869184B;9223372036854775808;258771779584;0;269509197824");
  ASSERT_EQ(out.perfdata.size(), 1u) << joined(out.problems);
  const PerfValue& disk = out.perfdata[0];
  expectPerf(disk, "/", 17179869184.0, "B", "9223372036854775808", "258771779584", 0,
             269509197824.0);
  EXPECT_EQ(disk.warn->plainUpperBound(), 9223372036854775808.0);
  EXPECT_FALSE(disk.warn->alerts(17179869184.0));
}

TEST(PluginOutputCapturedTest, CheckProcsPlainAndRangeThresholds) {
  PluginOutput out = parsePluginOutput("PROCS OK: 77 processes | procs=77;;;0;");
  EXPECT_EQ(out.text, "PROCS OK: 77 processes");
  ASSERT_EQ(out.perfdata.size(), 1u);
  expectPerf(out.perfdata[0], "procs", 77, "", std::nullopt, std::nullopt, 0);

  out = parsePluginOutput("PROCS OK: 77 processes | procs=77;1:1000;1:2000;0;");
  ASSERT_EQ(out.perfdata.size(), 1u);
  expectPerf(out.perfdata[0], "procs", 77, "", "1:1000", "1:2000", 0);
  EXPECT_FALSE(out.perfdata[0].warn->plainUpperBound());

  out = parsePluginOutput("PROCS WARNING: 75 processes | procs=75;@0:100;@0:50;0;");
  ASSERT_EQ(out.perfdata.size(), 1u);
  expectPerf(out.perfdata[0], "procs", 75, "", "@0:100", "@0:50", 0);
  EXPECT_TRUE(out.perfdata[0].warn->alerts(75));
  EXPECT_FALSE(out.perfdata[0].crit->alerts(75));

  out = parsePluginOutput(
      "VSZ CRITICAL: 15 crit, 0 warn out of 75 processes | procs=75;;;0; procs_warn=0;;;0; "
      "procs_crit=15;;;0;");
  ASSERT_EQ(out.perfdata.size(), 3u);
  expectPerf(out.perfdata[2], "procs_crit", 15, "", std::nullopt, std::nullopt, 0);
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputCapturedTest, CheckUsersWithoutTrailingFields) {
  const PluginOutput out =
      parsePluginOutput("USERS OK - 0 users currently logged in |users=0;5;10;0");
  EXPECT_EQ(out.text, "USERS OK - 0 users currently logged in");
  ASSERT_EQ(out.perfdata.size(), 1u);
  expectPerf(out.perfdata[0], "users", 0, "", "5", "10", 0);
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputCapturedTest, CheckSwapZeroBytes) {
  const PluginOutput out = parsePluginOutput(
      "SWAP CRITICAL - 0% free (0MB out of 0MB) - Swap is either disabled, not present, or of "
      "zero size. |swap=0B;0;0;0;0");
  ASSERT_EQ(out.perfdata.size(), 1u);
  expectPerf(out.perfdata[0], "swap", 0, "B", "0", "0", 0, 0);
}

TEST(PluginOutputCapturedTest, CheckTcpSecondsWithFloatMinMax) {
  const PluginOutput out = parsePluginOutput(
      "TCP OK - 0.000 second response time on 127.0.0.1 port 18080|"
      "time=0.000414s;;;0.000000;10.000000");
  EXPECT_EQ(out.text, "TCP OK - 0.000 second response time on 127.0.0.1 port 18080");
  ASSERT_EQ(out.perfdata.size(), 1u);
  expectPerf(out.perfdata[0], "time", 0.000414, "s", std::nullopt, std::nullopt, 0, 10);
}

TEST(PluginOutputCapturedTest, CheckHttpSecondsAndBytes) {
  for (std::string_view line :
       {"HTTP OK: HTTP/1.0 200 OK - 3803 bytes in 0.002 second response time "
        "|time=0.002258s;;;0.000000;10.000000 size=3803B;;;0;",
        "HTTP OK: HTTP/1.1 200 OK - 3803 bytes in 0.003 second response time "
        "|time=0.002258s;;;0.000000;10.000000 size=3803B;;;0;"}) {
    const PluginOutput out = parsePluginOutput(line);
    ASSERT_EQ(out.perfdata.size(), 2u) << joined(out.problems);
    expectPerf(out.perfdata[0], "time", 0.002258, "s", std::nullopt, std::nullopt, 0, 10);
    expectPerf(out.perfdata[1], "size", 3803, "B", std::nullopt, std::nullopt, 0);
    EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
  }
}

TEST(PluginOutputCapturedTest, CheckPingMillisecondsAndPercent) {
  const PluginOutput out = parsePluginOutput(
      "PING OK - Packet loss = 0%, RTA = 0.28 ms|rta=0.283000ms;100.000000;200.000000;0.000000 "
      "pl=0%;20;50;0;");
  EXPECT_EQ(out.text, "PING OK - Packet loss = 0%, RTA = 0.28 ms");
  ASSERT_EQ(out.perfdata.size(), 2u);
  expectPerf(out.perfdata[0], "rta", 0.283, "ms", "100", "200", 0);
  expectPerf(out.perfdata[1], "pl", 0, "%", "20", "50", 0);
}

TEST(PluginOutputCapturedTest, ErrorLinesWithoutPerfdata) {
  PluginOutput out =
      parsePluginOutput("connect to address 127.0.0.1 and port 18080: Connection refused\n");
  EXPECT_EQ(out.text, "connect to address 127.0.0.1 and port 18080: Connection refused");
  EXPECT_TRUE(out.perfdata.empty());
  EXPECT_TRUE(out.problems.empty());

  out = parsePluginOutput("CRITICAL - Socket timeout after 2 seconds\n");
  EXPECT_EQ(out.text, "CRITICAL - Socket timeout after 2 seconds");
  EXPECT_TRUE(out.perfdata.empty());
}

// --- PROTOCOLS.md 1.6, the parsing edge cases ---

TEST(PluginOutputTest, OutputWithoutBarHasNoPerfdata) {
  const PluginOutput out = parsePluginOutput("OK");
  EXPECT_EQ(out.text, "OK");
  EXPECT_EQ(out.long_text, "");
  EXPECT_TRUE(out.perfdata.empty());
  EXPECT_TRUE(out.problems.empty());
}

TEST(PluginOutputTest, EmptyPerfdataAfterBar) {
  const PluginOutput out = parsePluginOutput("OK|");
  EXPECT_EQ(out.text, "OK");
  EXPECT_TRUE(out.perfdata.empty());
  EXPECT_TRUE(out.problems.empty());
}

TEST(PluginOutputTest, EmptyTextBeforeBar) {
  const PluginOutput out = parsePluginOutput("|a=1");
  EXPECT_EQ(out.text, "");
  ASSERT_EQ(out.perfdata.size(), 1u);
  expectPerf(out.perfdata[0], "a", 1, "");
}

TEST(PluginOutputTest, NoOutputAtAll) {
  for (std::string_view input : {"", "\n", "\r\n", "   \n\n  \n"}) {
    const PluginOutput out = parsePluginOutput(input);
    EXPECT_EQ(out.text, "");
    EXPECT_EQ(out.long_text, "");
    EXPECT_TRUE(out.perfdata.empty());
    EXPECT_TRUE(out.problems.empty());
  }
}

TEST(PluginOutputTest, TrimsSpacesAroundBar) {
  for (std::string_view input : {"X | a=1", "X|a=1", "  X\t|\ta=1  ", "X |a=1 "}) {
    const PluginOutput out = parsePluginOutput(input);
    EXPECT_EQ(out.text, "X") << input;
    ASSERT_EQ(out.perfdata.size(), 1u) << input;
    expectPerf(out.perfdata[0], "a", 1, "");
  }
  const PluginOutput disk = parsePluginOutput("X;| a=1");
  EXPECT_EQ(disk.text, "X;");
  ASSERT_EQ(disk.perfdata.size(), 1u);
}

TEST(PluginOutputTest, LongOutputWithPerfdataOnlyOnFirstLine) {
  const PluginOutput out =
      parsePluginOutput("OK - two disks|a=1 b=2\n  disk a fine\ndisk b fine\n");
  EXPECT_EQ(out.text, "OK - two disks");
  EXPECT_EQ(out.long_text, "  disk a fine\ndisk b fine");
  ASSERT_EQ(out.perfdata.size(), 2u);
  expectPerf(out.perfdata[1], "b", 2, "");
}

TEST(PluginOutputTest, PerfdataOnlyInLaterLines) {
  const PluginOutput out = parsePluginOutput("OK - two disks\ndisk a fine\ndisk b fine|a=1\nb=2\n");
  EXPECT_EQ(out.text, "OK - two disks");
  EXPECT_EQ(out.long_text, "disk a fine\ndisk b fine");
  ASSERT_EQ(out.perfdata.size(), 2u);
  expectPerf(out.perfdata[0], "a", 1, "");
  expectPerf(out.perfdata[1], "b", 2, "");
}

TEST(PluginOutputTest, PerfdataOnFirstAndLaterLinesIsJoined) {
  // The blocks are joined with a space, so the last item of line one and the first of the
  // later block stay apart.
  const PluginOutput out = parsePluginOutput("OK|a=1\nlong|b=2\nc=3 'd e'=4\nf=5|x\n");
  EXPECT_EQ(out.long_text, "long");
  ASSERT_EQ(out.perfdata.size(), 4u) << joined(out.problems);
  expectPerf(out.perfdata[0], "a", 1, "");
  expectPerf(out.perfdata[1], "b", 2, "");
  expectPerf(out.perfdata[2], "c", 3, "");
  expectPerf(out.perfdata[3], "d e", 4, "");
  // After the perfdata has started, a later '|' is no separator: "f=5|x" is one bad item.
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_NE(out.problems[0].find("'f=5|x'"), std::string::npos);
}

TEST(PluginOutputTest, BarInLongOutputStartsPerfdata) {
  const PluginOutput out = parsePluginOutput("OK\nfirst\nsecond | a=1\nthird=3\n");
  EXPECT_EQ(out.long_text, "first\nsecond");
  ASSERT_EQ(out.perfdata.size(), 2u) << joined(out.problems);
  expectPerf(out.perfdata[0], "a", 1, "");
  expectPerf(out.perfdata[1], "third", 3, "");
}

TEST(PluginOutputTest, LineOfOnlyBarEndsLongOutput) {
  const PluginOutput out = parsePluginOutput("OK\nfirst\n|a=1");
  EXPECT_EQ(out.long_text, "first");
  ASSERT_EQ(out.perfdata.size(), 1u);
}

TEST(PluginOutputTest, OnlyFirstBarOfFirstLineSeparates) {
  const PluginOutput out = parsePluginOutput("OK | a=1 | b=2");
  EXPECT_EQ(out.text, "OK");
  ASSERT_EQ(out.perfdata.size(), 2u);
  ASSERT_EQ(out.problems.size(), 1u);  // the lone "|"
}

TEST(PluginOutputTest, CarriageReturnLineEnds) {
  const PluginOutput out =
      parsePluginOutput("WARNING - slow\r\nline two\r\nline three | t=1s;2;3\r\nu=2\r\n");
  EXPECT_EQ(out.text, "WARNING - slow");
  EXPECT_EQ(out.long_text, "line two\nline three");
  ASSERT_EQ(out.perfdata.size(), 2u) << joined(out.problems);
  expectPerf(out.perfdata[0], "t", 1, "s", "2", "3");
  expectPerf(out.perfdata[1], "u", 2, "");
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputTest, UsageTextOverSeveralLines) {
  // check_load -w x, captured from monitoring-plugins 2.3.3 (exit status 3).
  const PluginOutput out = parsePluginOutput(
      "Warning threshold must be float or float triplet!\n\nUsage:\ncheck_load [-r] -w "
      "WLOAD1,WLOAD5,WLOAD15 -c CLOAD1,CLOAD5,CLOAD15 [-n NUMBER_OF_PROCS]\n");
  EXPECT_EQ(out.text, "Warning threshold must be float or float triplet!");
  EXPECT_EQ(out.long_text,
            "Usage:\ncheck_load [-r] -w WLOAD1,WLOAD5,WLOAD15 -c CLOAD1,CLOAD5,CLOAD15 [-n "
            "NUMBER_OF_PROCS]");
  EXPECT_TRUE(out.perfdata.empty());
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputTest, BlankLinesInsideLongOutputStay) {
  const PluginOutput out = parsePluginOutput("OK\n\n  a\n\n  b\n\n\n");
  EXPECT_EQ(out.long_text, "  a\n\n  b");
}

TEST(PluginOutputTest, SurvivesNulAndInvalidUtf8) {
  const std::string input = "O\0K \xff\xfe|a=1 \xc3=2\0 b=3\n\x80\0\n"s;
  const PluginOutput out = parsePluginOutput(input);
  EXPECT_EQ(out.text, "O\0K \xff\xfe"s);
  EXPECT_EQ(out.long_text, "\x80\0"s);
  ASSERT_EQ(out.perfdata.size(), 2u) << joined(out.problems);
  expectPerf(out.perfdata[0], "a", 1, "");
  expectPerf(out.perfdata[1], "b", 3, "");
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_EQ(out.problems[0], "perfdata '\\xc3=2\\x00': value '2\\x00' is not a number");
}

TEST(PluginOutputTest, LongHostileInputsFinishInLinearTime) {
  // Each of these would take minutes with work quadratic in the input; here each is a few
  // passes over 4 MiB.
  const size_t size = 4u << 20;
  for (const std::string& input :
       {std::string(size, '\''), std::string(size, '|'), std::string(size, '\n'),
        std::string(size, ' '), std::string(size, ';'), std::string(size, '='),
        "OK|" + std::string(size, 'x'), "OK|'" + std::string(size, '='),
        [&] {
          std::string text = "OK|";
          while (text.size() < size) {
            text += "'a=1 ";
          }
          return text;
        }(),
        [&] {
          std::string text = "OK|";
          while (text.size() < size) {
            text += "a=1;2;3;4;5;;;;;;;;;;;;;;;;;;; ";
          }
          return text;
        }()}) {
    const PluginOutput out = parsePluginOutput(input);
    EXPECT_LE(out.perfdata.size(), 1000u);
    EXPECT_LE(out.problems.size(), 102u);
  }
}

// --- real plugins from Debian's monitoring-plugins, where installed ---

std::optional<std::string> runPlugin(const std::string& command) {
  const std::string path = "/usr/lib/nagios/plugins/" + command.substr(0, command.find(' '));
  if (::access(path.c_str(), X_OK) != 0) {
    return std::nullopt;
  }
  FILE* pipe = ::popen(("/usr/lib/nagios/plugins/" + command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) {
    return std::nullopt;
  }
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
    output.append(buffer, n);
  }
  ::pclose(pipe);
  return output;
}

TEST(PluginOutputRealPluginTest, CheckLoad) {
  auto output = runPlugin("check_load -w 5,4,3 -c 10,8,6");
  if (!output) {
    GTEST_SKIP() << "monitoring-plugins is not installed";
  }
  const PluginOutput out = parsePluginOutput(*output);
  EXPECT_TRUE(out.text.starts_with("LOAD ")) << out.text;
  ASSERT_EQ(out.perfdata.size(), 3u) << *output;
  expectPerf(out.perfdata[0], "load1", out.perfdata[0].value, "", "5", "10", 0);
  expectPerf(out.perfdata[2], "load15", out.perfdata[2].value, "", "3", "6", 0);
  EXPECT_TRUE(out.perfdata[0].value.has_value());
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputRealPluginTest, CheckProcsWithInsideRanges) {
  auto output = runPlugin("check_procs -w @0:1000000 -c @0:2000000");
  if (!output) {
    GTEST_SKIP() << "monitoring-plugins is not installed";
  }
  const PluginOutput out = parsePluginOutput(*output);
  ASSERT_EQ(out.perfdata.size(), 1u) << *output;
  expectPerf(out.perfdata[0], "procs", out.perfdata[0].value, "", "@0:1000000", "@0:2000000", 0);
  ASSERT_TRUE(out.perfdata[0].value.has_value());
  EXPECT_GT(*out.perfdata[0].value, 0);
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

TEST(PluginOutputRealPluginTest, CheckLoadUsageError) {
  auto output = runPlugin("check_load -w x");
  if (!output) {
    GTEST_SKIP() << "monitoring-plugins is not installed";
  }
  const PluginOutput out = parsePluginOutput(*output);
  EXPECT_EQ(out.text, "Warning threshold must be float or float triplet!");
  EXPECT_TRUE(out.long_text.starts_with("Usage:\ncheck_load")) << out.long_text;
  EXPECT_TRUE(out.perfdata.empty());
  EXPECT_TRUE(out.problems.empty()) << joined(out.problems);
}

}  // namespace
}  // namespace bsm::plugins::nagios
