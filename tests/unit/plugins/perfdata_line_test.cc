#include "plugins/nagios/perfdata_line.h"

#include <gtest/gtest.h>

#include "plugins/nagios/plugin_output.h"

namespace bsm::plugins::nagios {
namespace {

// Lines exactly as Nagios Core 4.4.6 wrote them with the PNP4Nagios-style templates
// (PEERS.md, "Peer fixtures 2").
constexpr std::string_view kServiceLine =
    "DATATYPE::SERVICEPERFDATA\tTIMET::1796324518\tHOSTNAME::localhost\t"
    "SERVICEDESC::custom-script\tSERVICEPERFDATA::queue=7;5;10;0; latency=0.123s;;;0;\t"
    "SERVICECHECKCOMMAND::check_custom\tHOSTSTATE::UP\tHOSTSTATETYPE::HARD\t"
    "SERVICESTATE::WARNING\tSERVICESTATETYPE::HARD\tSERVICEOUTPUT::CUSTOM WARNING - queue depth 7";
constexpr std::string_view kHostLine =
    "DATATYPE::HOSTPERFDATA\tTIMET::1796324518\tHOSTNAME::localhost\tHOSTPERFDATA::\t"
    "HOSTCHECKCOMMAND::check_dummy!0!host up\tHOSTSTATE::UP\tHOSTSTATETYPE::HARD\t"
    "HOSTOUTPUT::OK: host up";

std::string hostLineWithState(std::string_view state) {
  return "DATATYPE::HOSTPERFDATA\tTIMET::1\tHOSTNAME::db-1\tHOSTSTATE::" + std::string(state) +
         "\tHOSTOUTPUT::x";
}

TEST(PerfdataLineTest, ParsesNagiosServiceLine) {
  auto line = parsePerfdataLine(kServiceLine);
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(line->kind, PerfdataLine::Kind::kService);
  EXPECT_EQ(line->host, "localhost");
  EXPECT_EQ(line->service, "custom-script");
  EXPECT_EQ(line->state, CheckState::kWarning);
  EXPECT_EQ(line->ts_ms, 1796324518000);
  EXPECT_EQ(line->output, "CUSTOM WARNING - queue depth 7");
  EXPECT_EQ(line->perfdata, "queue=7;5;10;0; latency=0.123s;;;0;");
  EXPECT_EQ(line->long_output, "");
}

TEST(PerfdataLineTest, ParsesNagiosHostLineAsOk) {
  auto line = parsePerfdataLine(kHostLine);
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(line->kind, PerfdataLine::Kind::kHost);
  EXPECT_EQ(line->host, "localhost");
  EXPECT_EQ(line->service, "");
  EXPECT_EQ(line->state, CheckState::kOk);
  EXPECT_EQ(line->output, "OK: host up");
  EXPECT_EQ(line->perfdata, "");
}

TEST(PerfdataLineTest, MapsHostStatesToCheckStates) {
  EXPECT_EQ(parsePerfdataLine(hostLineWithState("UP"))->state, CheckState::kOk);
  EXPECT_EQ(parsePerfdataLine(hostLineWithState("DOWN"))->state, CheckState::kCritical);
  EXPECT_EQ(parsePerfdataLine(hostLineWithState("UNREACHABLE"))->state, CheckState::kUnknown);
}

TEST(PerfdataLineTest, TakesStateIdsWhenTheTemplateHasNoStateText) {
  auto service = parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATEID::2");
  ASSERT_TRUE(service) << service.error().message;
  EXPECT_EQ(service->state, CheckState::kCritical);

  auto host = parsePerfdataLine("DATATYPE::HOSTPERFDATA\tTIMET::5\tHOSTNAME::h\tHOSTSTATEID::2");
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_EQ(host->state, CheckState::kUnknown);
}

TEST(PerfdataLineTest, IgnoresHostStateOnServiceLines) {
  // Service lines carry the host's state too; the service's own state is what counts.
  auto line = parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICEDESC::s\tHOSTSTATE::DOWN\t"
      "SERVICESTATE::OK");
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(line->state, CheckState::kOk);
}

TEST(PerfdataLineTest, RejectsLinesWithoutDatatype) {
  auto line = parsePerfdataLine("TIMET::5\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATE::OK");
  ASSERT_FALSE(line);
  EXPECT_NE(line.error().message.find("DATATYPE"), std::string::npos);
  EXPECT_FALSE(parsePerfdataLine("garbage"));
  EXPECT_FALSE(parsePerfdataLine(""));
  EXPECT_FALSE(parsePerfdataLine("DATATYPE::EVENTDATA\tTIMET::5\tHOSTNAME::h"));
}

TEST(PerfdataLineTest, RejectsUnknownStates) {
  auto service = parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATE::PENDING");
  ASSERT_FALSE(service);
  EXPECT_NE(service.error().message.find("PENDING"), std::string::npos);
  EXPECT_FALSE(parsePerfdataLine(hostLineWithState("OK")));
  EXPECT_FALSE(parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATEID::4"));
  EXPECT_FALSE(
      parsePerfdataLine("DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICEDESC::s"));
}

TEST(PerfdataLineTest, RejectsLinesMissingHostServiceOrTime) {
  EXPECT_FALSE(
      parsePerfdataLine("DATATYPE::SERVICEPERFDATA\tTIMET::5\tSERVICEDESC::s\tSERVICESTATE::OK"));
  EXPECT_FALSE(
      parsePerfdataLine("DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICESTATE::OK"));
  EXPECT_FALSE(parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATE::OK"));
  EXPECT_FALSE(parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::soon\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATE::OK"));
  EXPECT_FALSE(parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::-5\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATE::OK"));
  EXPECT_FALSE(
      parsePerfdataLine("DATATYPE::SERVICEPERFDATA\tTIMET::99999999999999999999\t"
                        "HOSTNAME::h\tSERVICEDESC::s\tSERVICESTATE::OK"));
}

TEST(PerfdataLineTest, TakesFractionalTimetFromIcinga) {
  // Icinga 2's default template uses $host.last_check$, a floating-point time.
  auto line = parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::1700000000.123456\tHOSTNAME::web-1\t"
      "SERVICEDESC::http\tSERVICEPERFDATA::time=0.01s\tSERVICECHECKCOMMAND::http\t"
      "HOSTSTATE::UP\tHOSTSTATETYPE::HARD\tSERVICESTATE::OK\tSERVICESTATETYPE::HARD");
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(line->ts_ms, 1700000000123);
  EXPECT_EQ(line->output, "");
  EXPECT_EQ(line->perfdata, "time=0.01s");
}

TEST(PerfdataLineTest, UnescapesLongOutput) {
  auto line = parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATE::OK\t"
      "SERVICEOUTPUT::first\tLONGSERVICEOUTPUT::second\\nthird C:\\\\temp \\x");
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(line->long_output, "second\nthird C:\\temp \\x");
}

TEST(PerfdataLineTest, KeepsTabPrintedByThePluginInsideTheOutput) {
  auto line = parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICEDESC::s\t"
      "SERVICEOUTPUT::col1\tcol2 a::b\tSERVICESTATE::CRITICAL\r");
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(line->output, "col1\tcol2 a::b");
  EXPECT_EQ(line->state, CheckState::kCritical);
}

TEST(PerfdataLineTest, CheckRunHasNagiosNamesAndTime) {
  const CheckRun service = toCheckRun(*parsePerfdataLine(kServiceLine));
  EXPECT_EQ(service.host, "localhost");
  EXPECT_EQ(service.check, "custom-script");
  EXPECT_EQ(service.state, CheckState::kWarning);
  EXPECT_EQ(service.ts_ms, 1796324518000);

  const CheckRun host = toCheckRun(*parsePerfdataLine(kHostLine));
  EXPECT_EQ(host.check, "host");
  EXPECT_EQ(host.state, CheckState::kOk);
  EXPECT_EQ(host.output, "OK: host up");
}

TEST(PerfdataLineTest, CheckRunOutputParsesBackIntoTextLongTextAndPerfdata) {
  auto line = parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICEDESC::disk\t"
      "SERVICESTATE::WARNING\tSERVICEOUTPUT::DISK WARNING\t"
      "LONGSERVICEOUTPUT::/ 91%\\n/var 40%\tSERVICEPERFDATA::/=91%;90;95 /var=40%;90;95");
  ASSERT_TRUE(line) << line.error().message;
  const CheckRun run = toCheckRun(*line);
  EXPECT_EQ(run.output, "DISK WARNING | /=91%;90;95 /var=40%;90;95\n/ 91%\n/var 40%");

  const PluginOutput parsed = parsePluginOutput(run.output);
  EXPECT_EQ(parsed.text, "DISK WARNING");
  EXPECT_EQ(parsed.long_text, "/ 91%\n/var 40%");
  ASSERT_EQ(parsed.perfdata.size(), 2u);
  EXPECT_EQ(parsed.perfdata[0].label, "/");
  EXPECT_EQ(parsed.perfdata[1].label, "/var");
  EXPECT_TRUE(parsed.problems.empty());
}

TEST(PerfdataLineTest, CheckRunWithoutPerfdataIsJustTheOutput) {
  auto line = parsePerfdataLine(
      "DATATYPE::SERVICEPERFDATA\tTIMET::5\tHOSTNAME::h\tSERVICEDESC::s\tSERVICESTATE::OK\t"
      "SERVICEPERFDATA::\tSERVICEOUTPUT::OK: all good");
  ASSERT_TRUE(line);
  EXPECT_EQ(toCheckRun(*line).output, "OK: all good");
}

}  // namespace
}  // namespace bsm::plugins::nagios
