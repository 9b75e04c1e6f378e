#include "plugins/system/system_input.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "common/config_file.h"
#include "system_fixture.h"

namespace bsm::plugins::system {
namespace {

using namespace std::chrono_literals;

InputSettings settingsFor(std::chrono::milliseconds timeout) {
  InputSettings settings;
  settings.plugin = "system";
  settings.name = "system";
  settings.host = "web-1";
  settings.interval = 10s;
  settings.timeout = timeout;
  return settings;
}

// The fixture tree, a fake clock and a fake statvfs wired into one input.
struct Harness {
  Harness(SystemOptions options = {}, std::chrono::milliseconds timeout = 10s) {
    clock = std::make_shared<testing::FakeClock>();
    statvfs.set("/", 4096, 1000, 400, 300, 100, 25);
    statvfs.set("/boot/efi", 512, 100, 50, 50, 0, 0);
    statvfs.set("/mnt/backup disk", 1024, 2000, 1000, 1000, 0, 0);
    statvfs.set("/mnt/share", 65536, 100, 100, 100, 10, 10);
    statvfs.fail("/mnt/locked", EACCES);
    statvfs.set("/snap/core/1", 4096, 10, 0, 0, 10, 0);
    options.proc_root = root.proc();
    options.sys_root = root.sys();
    input = std::make_unique<SystemInput>(settingsFor(timeout), std::move(options),
                                          SystemHooks{clock, statvfs.fn()});
  }

  testing::FixtureRoot root;
  std::shared_ptr<testing::FakeClock> clock;
  testing::FakeStatvfs statvfs;
  std::unique_ptr<SystemInput> input;
};

double valueOf(const testing::RecordingEmitter& out, const std::string& name,
               const Labels& labels = {}) {
  const Sample* sample = out.find(name, labels);
  EXPECT_NE(sample, nullptr) << name;
  return sample == nullptr ? NAN : sample->value;
}

TEST(SystemInputTest, FirstRoundMeasuresRatesAcrossAShortPause) {
  SystemOptions options;
  options.mounts.exclude_fstypes = {"squashfs"};
  Harness h(options);
  h.clock->on_sleep = [&] { h.root.apply("round2"); };
  testing::RecordingEmitter out;
  h.input->collect(out);

  ASSERT_EQ(h.clock->slept, (std::vector<std::chrono::milliseconds>{500ms}));
  for (const auto& s : out.samples) {
    EXPECT_EQ(s.host, "web-1") << s.name;
    EXPECT_EQ(s.ts_ms, 1'700'000'000'500) << s.name;
    EXPECT_TRUE(std::isfinite(s.value)) << s.name;
  }

  // CPU over the 2000 ticks between the fixture's two readings.
  EXPECT_DOUBLE_EQ(valueOf(out, "system.cpu.utilization"), 50.0);
  EXPECT_EQ(out.find("system.cpu.utilization")->unit, "percent");
  EXPECT_DOUBLE_EQ(valueOf(out, "system.cpu.state_percent", {{"state", "user"}}), 30.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.cpu.state_percent", {{"state", "system"}}), 10.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.cpu.state_percent", {{"state", "idle"}}), 45.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.cpu.state_percent", {{"state", "iowait"}}), 5.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.cpu.state_percent", {{"state", "steal"}}), 5.0);
  EXPECT_EQ(out.count("system.cpu.state_percent"), 8u);
  EXPECT_EQ(valueOf(out, "system.cpu.count"), 2.0);

  EXPECT_EQ(valueOf(out, "system.load1"), 0.5);
  EXPECT_EQ(valueOf(out, "system.load5"), 1.25);
  EXPECT_EQ(valueOf(out, "system.load15"), 2.0);

  EXPECT_EQ(valueOf(out, "system.memory.total_bytes"), 16'777'216'000.0);
  EXPECT_EQ(valueOf(out, "system.memory.available_bytes"), 4'194'304'000.0);
  EXPECT_EQ(valueOf(out, "system.memory.used_bytes"), 12'582'912'000.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.memory.used_percent"), 75.0);
  EXPECT_EQ(valueOf(out, "system.swap.total_bytes"), 2'147'483'648.0);
  EXPECT_EQ(valueOf(out, "system.swap.used_bytes"), 536'870'912.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.swap.used_percent"), 25.0);

  const Labels root_fs = {{"mount", "/"}, {"device", "/dev/vda1"}, {"fstype", "ext4"}};
  EXPECT_EQ(valueOf(out, "system.fs.size_bytes", root_fs), 4'096'000.0);
  EXPECT_EQ(valueOf(out, "system.fs.used_bytes", root_fs), 2'457'600.0);
  EXPECT_EQ(valueOf(out, "system.fs.free_bytes", root_fs), 1'228'800.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.fs.used_percent", root_fs), 100.0 * 600 / 900);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.fs.inodes_used_percent", root_fs), 75.0);
  const Labels backup = {
      {"mount", "/mnt/backup disk"}, {"device", "/dev/sdb1"}, {"fstype", "ext4"}};
  EXPECT_DOUBLE_EQ(valueOf(out, "system.fs.used_percent", backup), 50.0);
  EXPECT_EQ(out.find("system.fs.inodes_used_percent", backup), nullptr);  // no inode table
  // "/", /boot/efi, the backup disk and the NFS share; not the bind mount, the locked mount
  // or the excluded squashfs.
  EXPECT_EQ(out.count("system.fs.size_bytes"), 4u);

  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.read_bytes_rate", {{"device", "vda"}}), 1'024'000.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.write_bytes_rate", {{"device", "vda"}}), 409'600.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.read_ops_rate", {{"device", "vda"}}), 200.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.write_ops_rate", {{"device", "vda"}}), 100.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.io_time_percent", {{"device", "vda"}}), 50.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.io_time_percent", {{"device", "sdb"}}), 100.0);
  EXPECT_EQ(out.count("system.disk.read_bytes_rate"), 3u);  // vda, sdb, nvme0n1

  const Labels eth0 = {{"interface", "eth0"}};
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.rx_bytes_rate", eth0), 1'000'000.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.tx_bytes_rate", eth0), 200'000.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.rx_packets_rate", eth0), 1000.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.tx_packets_rate", eth0), 200.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.rx_errors_rate", eth0), 2.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.tx_errors_rate", eth0), 0.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.rx_dropped_rate", eth0), 0.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.tx_dropped_rate", eth0), 4.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.tx_bytes_rate", {{"interface", "eth1"}}), 600.0);
  EXPECT_EQ(out.find("system.net.rx_bytes_rate", {{"interface", "lo"}}), nullptr);

  EXPECT_EQ(valueOf(out, "system.processes.count"), 3.0);
  EXPECT_EQ(valueOf(out, "system.processes.running"), 5.0);
  EXPECT_EQ(valueOf(out, "system.processes.blocked"), 0.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.uptime_seconds"), 12345.67);

  const auto stats = h.input->stats();
  EXPECT_EQ(stats.rounds, 1u);
  EXPECT_EQ(stats.failed_reads, 0u);
  EXPECT_EQ(stats.skipped_mounts, 1u);  // /mnt/locked
  EXPECT_EQ(stats.skipped_lines, 2u);   // the broken mounts line, the net/dev garbage line
}

TEST(SystemInputTest, LaterRoundsMeasureAgainstThePreviousOneAndSkipResetCounters) {
  Harness h;
  h.clock->on_sleep = [&] { h.root.apply("round2"); };
  testing::RecordingEmitter first;
  h.input->collect(first);

  h.clock->advance(10s);
  h.root.apply("round3");
  testing::RecordingEmitter out;
  h.input->collect(out);
  EXPECT_EQ(h.clock->slept.size(), 1u);  // only the first round pauses

  // iowait went back by 10 ticks: counted as zero, the rest of the round stands.
  EXPECT_DOUBLE_EQ(valueOf(out, "system.cpu.utilization"), 75.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.cpu.state_percent", {{"state", "iowait"}}), 0.0);

  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.read_bytes_rate", {{"device", "vda"}}), 512'000.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.read_ops_rate", {{"device", "vda"}}), 50.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.io_time_percent", {{"device", "vda"}}), 30.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.disk.read_ops_rate", {{"device", "nvme0n1"}}), 0.0);
  // sdb was reset and sdc is new: neither has a rate this round.
  EXPECT_EQ(out.count("system.disk.read_bytes_rate"), 2u);
  EXPECT_EQ(out.find("system.disk.io_time_percent", {{"device", "sdb"}}), nullptr);

  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.rx_bytes_rate", {{"interface", "eth0"}}), 100'000.0);
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.tx_packets_rate", {{"interface", "eth0"}}), 10.0);
  // eth1 was re-created and wg0 is new.
  EXPECT_EQ(out.count("system.net.rx_bytes_rate"), 1u);

  // The third round measures sdb, sdc and eth1 again.
  h.clock->advance(10s);
  testing::RecordingEmitter third;
  h.input->collect(third);
  EXPECT_EQ(third.count("system.disk.read_bytes_rate"), 4u);
  EXPECT_EQ(third.count("system.net.rx_bytes_rate"), 3u);
  EXPECT_EQ(valueOf(third, "system.disk.read_bytes_rate", {{"device", "sdb"}}), 0.0);
}

TEST(SystemInputTest, ShortTimeoutShortensThePause) {
  Harness h({}, 400ms);
  testing::RecordingEmitter out;
  h.input->collect(out);
  EXPECT_EQ(h.clock->slept, (std::vector<std::chrono::milliseconds>{100ms}));
  // Nothing moved during the pause: rates are zero, and CPU has no tick to divide.
  EXPECT_DOUBLE_EQ(valueOf(out, "system.net.rx_bytes_rate", {{"interface", "eth0"}}), 0.0);
  EXPECT_EQ(out.find("system.cpu.utilization"), nullptr);
  EXPECT_EQ(valueOf(out, "system.cpu.count"), 2.0);
}

TEST(SystemInputTest, AnUnreadableSourceDropsOnlyItsOwnMetrics) {
  Harness h;
  h.root.remove("diskstats");
  h.root.remove("meminfo");
  h.root.write("loadavg", "garbage\n");
  testing::RecordingEmitter out;
  h.input->collect(out);
  EXPECT_EQ(out.count("system.disk.read_bytes_rate"), 0u);
  EXPECT_EQ(out.count("system.memory.total_bytes"), 0u);
  EXPECT_EQ(out.count("system.load1"), 0u);
  EXPECT_EQ(out.count("system.net.rx_bytes_rate"), 2u);
  EXPECT_EQ(out.count("system.fs.size_bytes"), 5u);
  EXPECT_EQ(valueOf(out, "system.processes.count"), 3.0);
  EXPECT_EQ(valueOf(out, "system.cpu.count"), 2.0);
  // diskstats twice (baseline and second reading), meminfo and loadavg once.
  EXPECT_EQ(h.input->stats().failed_reads, 4u);

  // The source comes back: its metrics do too.
  h.root.apply("base");
  h.clock->advance(10s);
  testing::RecordingEmitter later;
  h.input->collect(later);
  EXPECT_EQ(later.count("system.memory.total_bytes"), 1u);
  EXPECT_EQ(later.count("system.load1"), 1u);
}

TEST(SystemInputTest, ProcessCountFallsBackToLoadavgTasks) {
  Harness h;
  for (const char* pid : {"1", "42", "314"}) {
    std::filesystem::remove_all(h.root.proc() + "/" + pid);
  }
  h.root.write("loadavg", "0.1 0.2 0.3 1/77 99\n");
  testing::RecordingEmitter out;
  h.input->collect(out);
  EXPECT_EQ(valueOf(out, "system.processes.count"), 77.0);

  // With neither source there is no count at all, rather than a zero.
  h.root.remove("loadavg");
  h.clock->advance(10s);
  testing::RecordingEmitter none;
  h.input->collect(none);
  EXPECT_EQ(none.find("system.processes.count"), nullptr);
  EXPECT_NE(none.find("system.processes.running"), nullptr);
}

// The real /proc and /sys of the machine running the test.
TEST(SystemInputTest, RealHostGivesSaneValues) {
  SystemInput input(settingsFor(400ms));
  testing::RecordingEmitter out;
  input.collect(out);

  for (const auto& s : out.samples) {
    EXPECT_TRUE(std::isfinite(s.value)) << s.name;
    EXPECT_GE(s.value, 0.0) << s.name;
    if (s.unit == "percent") {
      EXPECT_LE(s.value, 100.0 + 1e-9) << s.name;
    }
  }
  if (out.find("system.cpu.utilization") != nullptr) {
    double sum = 0;
    for (const auto& s : out.samples) {
      sum += s.name == "system.cpu.state_percent" ? s.value : 0;
    }
    EXPECT_NEAR(sum, 100.0, 1e-6);
  }
  EXPECT_EQ(valueOf(out, "system.cpu.count"), static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_GT(valueOf(out, "system.memory.total_bytes"), 64.0 * 1024 * 1024);
  EXPECT_LE(valueOf(out, "system.memory.used_bytes"), valueOf(out, "system.memory.total_bytes"));
  EXPECT_GT(valueOf(out, "system.uptime_seconds"), 0.0);
  EXPECT_GE(valueOf(out, "system.processes.count"), 1.0);
  EXPECT_GE(valueOf(out, "system.processes.running"), 1.0);  // this test is running
  EXPECT_NE(out.find("system.load1"), nullptr);

  bool root_seen = false;
  for (const auto& s : out.samples) {
    if (s.name == "system.fs.size_bytes" && s.labels.at("mount") == "/") {
      root_seen = true;
      EXPECT_GT(s.value, 0.0);
    }
    if (s.name == "system.net.rx_bytes_rate") {
      EXPECT_NE(s.labels.at("interface"), "lo");
    }
  }
  EXPECT_TRUE(root_seen);
  EXPECT_EQ(input.stats().skipped_lines, 0u);
}

YAML::Node firstInput(const ConfigFile& file) {
  return file.root()["inputs"][0];
}

TEST(SystemInputTest, FactoryRejectsAnUnknownKeyWithFileAndLine) {
  const auto file = ConfigFile::parse(
      "inputs:\n"
      "  - plugin: system\n"
      "    exclude_mount: [/srv]\n",
      "agent.yaml");
  InputSettings settings = settingsFor(1s);
  try {
    SystemInput::factory()(settings, file, firstInput(file));
    FAIL() << "the misspelt key was accepted";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("agent.yaml:3:", 0), 0u) << message;
    EXPECT_NE(message.find("exclude_mount"), std::string::npos) << message;
    EXPECT_NE(message.find("exclude_mounts"), std::string::npos) << message;
  }
}

TEST(SystemInputTest, FactoryRejectsOptionsOfTheWrongShape) {
  const auto expectError = [](const std::string& text, const std::string& needle) {
    const auto file = ConfigFile::parse(text, "agent.yaml");
    try {
      SystemInput::factory()(settingsFor(1s), file, firstInput(file));
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expectError("inputs:\n  - plugin: system\n    exclude_mounts: /srv\n",
              "agent.yaml:3:21: 'exclude_mounts' must be a list");
  expectError("inputs:\n  - plugin: system\n    exclude_fstypes: [[tmpfs]]\n",
              "an entry of 'exclude_fstypes'");
  expectError("inputs:\n  - plugin: system\n    exclude_fstypes: ['']\n", "must not be empty");
  expectError("inputs:\n  - plugin: system\n    include_loopback: perhaps\n",
              "'include_loopback' must be true or false");
}

TEST(SystemInputTest, FactoryAppliesItsOptionsOnTheRealHost) {
  const auto file = ConfigFile::parse(
      "inputs:\n"
      "  - plugin: system\n"
      "    name: sys\n"
      "    interval: 10s\n"
      "    timeout: 200ms\n"
      "    include_loopback: true\n"
      "    exclude_mounts: ['/']\n"
      "    exclude_fstypes: [ext4, xfs]\n",
      "agent.yaml");
  auto input = builtinInputs().create(settingsFor(200ms), file, firstInput(file));
  ASSERT_NE(input, nullptr);
  testing::RecordingEmitter out;
  input->collect(out);
  bool loopback = false;
  for (const auto& s : out.samples) {
    if (s.name == "system.net.rx_bytes_rate" && s.labels.at("interface") == "lo") {
      loopback = true;
    }
    if (s.name == "system.fs.size_bytes") {
      EXPECT_NE(s.labels.at("mount"), "/");
      EXPECT_NE(s.labels.at("fstype"), "ext4");
    }
  }
  EXPECT_TRUE(loopback);
}

}  // namespace
}  // namespace bsm::plugins::system
