#include "plugins/nagios/perfdata_file_input.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "common/config_file.h"
#include "recording_emitter.h"

namespace bsm::plugins::nagios {
namespace {

namespace fs = std::filesystem;

using testing::RecordingEmitter;

class PerfdataFileInputTest : public ::testing::Test {
 protected:
  PerfdataFileInputTest() {
    std::string pattern = (fs::temp_directory_path() / "bsm-perfdata-input-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
  }
  ~PerfdataFileInputTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Builds the input from `yaml` as if it were an inputs entry of <dir>/agent.yaml.
  std::unique_ptr<Input> make(const std::string& yaml) {
    const auto file = ConfigFile::parse(yaml, (dir_ / "agent.yaml").string());
    InputSettings settings;
    settings.plugin = "nagios_perfdata";
    settings.name = "nagios";
    settings.host = "agent-host";
    return PerfdataFileInput::factory()(settings, file, file.root());
  }

  std::string configError(const std::string& yaml) {
    try {
      make(yaml);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(PerfdataFileInputTest, ForwardsServiceAndHostResultsUnderNagiosHostNames) {
  std::ofstream(dir_ / "service-perfdata")
      << "DATATYPE::SERVICEPERFDATA\tTIMET::1796324518\tHOSTNAME::web-1\tSERVICEDESC::http\t"
         "SERVICEPERFDATA::time=0.5s;1;2;0;\tSERVICESTATE::OK\tSERVICEOUTPUT::HTTP OK\n"
         "no datatype here\n"
         "DATATYPE::HOSTPERFDATA\tTIMET::1796324519\tHOSTNAME::db-1\tHOSTPERFDATA::\t"
         "HOSTSTATE::DOWN\tHOSTOUTPUT::CRITICAL - host unreachable\n";
  auto input = make("{plugin: nagios_perfdata, files: [service-perfdata], state_file: pos}");
  RecordingEmitter out;
  input->collect(out);

  ASSERT_EQ(out.checks.size(), 2u);
  EXPECT_EQ(out.checks[0].host, "web-1");
  EXPECT_EQ(out.checks[0].name, "http");
  EXPECT_EQ(out.checks[0].state, CheckState::kOk);
  EXPECT_EQ(out.checks[0].output, "HTTP OK");
  EXPECT_EQ(out.checks[0].ts_ms, 1796324518000);
  EXPECT_EQ(out.checks[1].host, "db-1");
  EXPECT_EQ(out.checks[1].name, "host");
  EXPECT_EQ(out.checks[1].state, CheckState::kCritical);

  ASSERT_EQ(out.samples.size(), 1u);
  EXPECT_EQ(out.samples[0].host, "web-1");
  EXPECT_EQ(out.samples[0].name, "time");
  EXPECT_DOUBLE_EQ(out.samples[0].value, 0.5);
  EXPECT_EQ(out.samples[0].labels, (Labels{{"check", "http"}}));

  const auto stats = dynamic_cast<PerfdataFileInput&>(*input).stats();
  EXPECT_EQ(stats.check_runs, 2u);
  EXPECT_EQ(stats.malformed_lines, 1u);
  EXPECT_TRUE(fs::exists(dir_ / "pos"));

  RecordingEmitter again;
  input->collect(again);
  EXPECT_TRUE(again.checks.empty());
}

TEST_F(PerfdataFileInputTest, ResolvesPathsAgainstTheConfigFolder) {
  auto input = make(
      "{plugin: nagios_perfdata, files: [a, /abs/b], spool_dir: spool, state_file: s/pos, "
      "delete_after_read: true}");
  ASSERT_TRUE(input);
}

TEST_F(PerfdataFileInputTest, RejectsMistakesWithFileAndLine) {
  EXPECT_NE(configError("{plugin: nagios_perfdata}").find("'files'"), std::string::npos);
  EXPECT_NE(configError("{plugin: nagios_perfdata, files: []}").find("empty"), std::string::npos);
  EXPECT_NE(configError("{plugin: nagios_perfdata, files: [a], spool: x}").find("spool"),
            std::string::npos);
  EXPECT_NE(configError("{plugin: nagios_perfdata, files: [a, a]}").find("twice"),
            std::string::npos);
  const std::string no_spool =
      configError("plugin: nagios_perfdata\nfiles: [a]\ndelete_after_read: true\n");
  EXPECT_NE(no_spool.find("agent.yaml:3:"), std::string::npos) << no_spool;
  EXPECT_NE(no_spool.find("spool_dir"), std::string::npos) << no_spool;
  EXPECT_NE(configError("{plugin: nagios_perfdata, files: [a], state_file: a}").find("state_file"),
            std::string::npos);
}

TEST(PerfdataStateFileTest, DefaultIsOneFileNamedAfterTheInput) {
  EXPECT_EQ(defaultPerfdataStateFile("nagios"), "/var/lib/bsm/agent/nagios.positions");
  EXPECT_EQ(defaultPerfdataStateFile("../x y"), "/var/lib/bsm/agent/input.._x_y.positions");
}

}  // namespace
}  // namespace bsm::plugins::nagios
