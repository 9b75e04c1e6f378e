// The nrpe input against Debian's real nrpe daemon (nagios-nrpe-server), started by the test on
// free loopback ports in the foreground: anonymous TLS (nrpe's default), plaintext (-n), and
// certificates from bsm's own PKI.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/config_file.h"
#include "plugins/nagios/nrpe_input.h"
#include "test_pki.h"

namespace bsm::plugins::nagios {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kNrpe = "/usr/sbin/nrpe";
constexpr const char* kPluginDir = "/usr/lib/nagios/plugins";
// nrpe's own limit for a command is this short so that the server-side timeout test is quick.
constexpr int kCommandTimeoutSeconds = 2;

enum class DaemonTls { kAdh, kPlain, kCertificate };

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeFile(const fs::path& path, const std::string& text, fs::perms mode) {
  std::ofstream(path) << text;
  fs::permissions(path, mode);
}

uint16_t freeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool acceptsConnections(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

// One nrpe daemon in the foreground (-f), in a process group of its own so that the children
// it forks per connection, and the plugins they run, go with it.
class NrpeDaemon {
 public:
  NrpeDaemon(DaemonTls tls, const testing::TestPki* pki = nullptr) {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("bsm-nrpe-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
    // nrpe drops to user nagios, which must reach the scripts.
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    const auto executable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec;
    // 60 lines of 40 characters: well over what a version 2 packet carries.
    writeFile(dir_ / "long.sh",
              "#!/bin/sh\necho 'OK - long output | lines=60'\n"
              "i=1; while [ $i -le 60 ]; do printf 'line %02d %s\\n' $i "
              "'abcdefghijklmnopqrstuvwxyz012'; i=$((i+1)); done\n",
              executable);
    writeFile(dir_ / "slow.sh", "#!/bin/sh\nsleep 6\necho 'OK - slow'\n", executable);

    std::string config =
        "server_address=127.0.0.1\n"
        "nrpe_user=nagios\nnrpe_group=nagios\n"
        "allowed_hosts=127.0.0.1\n"
        "dont_blame_nrpe=0\n"
        "command_timeout=" +
        std::to_string(kCommandTimeoutSeconds) +
        "\n"
        "connection_timeout=30\n"
        "disable_syslog=1\n"
        "debug=1\n"
        "log_file=" +
        (dir_ / "nrpe-file.log").string() + "\n" + "pid_file=" + (dir_ / "nrpe.pid").string() +
        "\n" + "command[check_load]=" + kPluginDir +
        "/check_load -w 1000,1000,1000 -c 2000,2000,2000\n"
        "command[long]=" +
        (dir_ / "long.sh").string() +
        "\n"
        "command[slow]=" +
        (dir_ / "slow.sh").string() + "\n";
    if (tls == DaemonTls::kCertificate) {
      const TlsFiles files = pki->files("server");
      config +=
          "ssl_use_adh=0\n"
          "ssl_client_certs=2\n"
          "ssl_cert_file=" +
          files.cert + "\n" + "ssl_privatekey_file=" + files.key + "\n" +
          "ssl_cacert_file=" + files.ca + "\n";
    }
    config_ = std::move(config);
    // Written now so that nrpe, once it runs as nagios, can still append to it.
    writeFile(
        dir_ / "nrpe-file.log", "",
        fs::perms::all & ~fs::perms::owner_exec & ~fs::perms::group_exec & ~fs::perms::others_exec);
    start(tls == DaemonTls::kPlain);
  }

  ~NrpeDaemon() {
    if (pid_ > 0) {
      kill(-pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(20ms);
      }
      if (waitpid(pid_, &status, WNOHANG) == 0) {
        kill(-pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  uint16_t port() const { return port_; }
  bool running() const { return pid_ > 0; }
  std::string log() const { return readFile(dir_ / "nrpe.log") + readFile(dir_ / "nrpe-file.log"); }

 private:
  // Free ports are found by asking the kernel for one, which another process may take before
  // nrpe binds it; a daemon that exits at once is started again on another port.
  void start(bool plaintext) {
    for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt) {
      port_ = freeLoopbackPort();
      const std::string config = (dir_ / "nrpe.cfg").string();
      writeFile(config, config_ + "server_port=" + std::to_string(port_) + "\n",
                fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                    fs::perms::others_read);
      const std::string log = (dir_ / "nrpe.log").string();

      const pid_t pid = fork();
      if (pid == 0) {
        setpgid(0, 0);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(out, 1);
        dup2(out, 2);
        if (plaintext) {
          execl(kNrpe, kNrpe, "-c", config.c_str(), "-n", "-f", static_cast<char*>(nullptr));
        } else {
          execl(kNrpe, kNrpe, "-c", config.c_str(), "-f", static_cast<char*>(nullptr));
        }
        _exit(127);
      }
      setpgid(pid, pid);  // both sides set it, so that neither races the other
      pid_ = pid;
      if (!waitUntilListening()) {
        int status = 0;
        kill(-pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = -1;
      }
    }
  }

  bool waitUntilListening() {
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        return false;
      }
      if (acceptsConnections(port_)) {
        return true;
      }
      std::this_thread::sleep_for(25ms);
    }
    return false;
  }

  fs::path dir_;
  std::string config_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Builds the input the way the agent does: from a YAML entry, through the factory.
std::unique_ptr<NrpeInput> makeInput(const std::string& yaml,
                                     const std::string& config_path = "/tmp/bsm-nrpe-test.yaml") {
  const ConfigFile file = ConfigFile::parse(yaml, config_path);
  InputSettings settings;
  settings.plugin = "nrpe";
  settings.name = file.getOptionalString(file.root(), "name").value_or("nrpe");
  settings.host = "agent-host";
  settings.interval = 30s;
  settings.timeout = file.getDuration(file.root(), "timeout", 10s);
  auto input = NrpeInput::factory()(settings, file, file.root());
  return std::unique_ptr<NrpeInput>(static_cast<NrpeInput*>(input.release()));
}

std::string entry(uint16_t port, const std::string& more) {
  return "{plugin: nrpe, host: 127.0.0.1, port: " + std::to_string(port) + ", " + more + "}";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class Recorder : public Emitter {
 public:
  void emit(Sample sample) override { samples.push_back(std::move(sample)); }
  void emit(CheckResult result) override { checks.push_back(std::move(result)); }
  std::vector<Sample> samples;
  std::vector<CheckResult> checks;
};

class NrpeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // OpenSSL writes to sockets with write(2); a server hanging up must not kill the test.
    signal(SIGPIPE, SIG_IGN);
  }
  void SetUp() override {
    if (!fs::exists(kNrpe) || !fs::exists(std::string(kPluginDir) + "/check_load")) {
      GTEST_FAIL() << kNrpe << " or " << kPluginDir
                   << "/check_load is missing: install nagios-nrpe-server and "
                      "monitoring-plugins (scripts/install-deps does)";
    }
  }

  // Starts a daemon and fails the test, with its log, when it does not come up.
  std::unique_ptr<NrpeDaemon> daemon(DaemonTls tls, const testing::TestPki* pki = nullptr) {
    auto started = std::make_unique<NrpeDaemon>(tls, pki);
    EXPECT_TRUE(started->running()) << "nrpe did not start:\n" << started->log();
    return started;
  }
};

TEST_F(NrpeTest, AnonymousTlsVersionFourReportsTheLoadCheck) {
  auto nrpe = daemon(DaemonTls::kAdh);
  auto input = makeInput(entry(nrpe->port(), "command: check_load"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kOk) << run.output << "\n" << nrpe->log();
  EXPECT_TRUE(contains(run.output, "LOAD OK - total load average")) << run.output;
  EXPECT_TRUE(contains(run.output, "|load1=")) << run.output;
  EXPECT_EQ(run.check, "check_load");
  EXPECT_EQ(run.host, "agent-host");  // a daemon on loopback speaks for the agent's host
}

TEST_F(NrpeTest, CollectEmitsTheCheckAndItsPerfdataForTheCheckHost) {
  auto nrpe = daemon(DaemonTls::kAdh);
  auto input = makeInput(entry(nrpe->port(), "command: check_load, name: load, check_host: web-1"));
  Recorder out;
  input->collect(out);
  ASSERT_EQ(out.checks.size(), 1u);
  EXPECT_EQ(out.checks[0].host, "web-1");
  EXPECT_EQ(out.checks[0].name, "load");
  EXPECT_EQ(out.checks[0].state, CheckState::kOk) << out.checks[0].output;
  ASSERT_EQ(out.samples.size(), 3u);
  EXPECT_EQ(out.samples[0].name, "load1");
  EXPECT_EQ(out.samples[0].host, "web-1");
  EXPECT_EQ(out.samples[0].labels.at("check"), "load");
  EXPECT_GE(out.samples[0].value, 0.0);
}

TEST_F(NrpeTest, AnonymousTlsVersionTwoWorksToo) {
  auto nrpe = daemon(DaemonTls::kAdh);
  auto client = NrpeClient::create(
      {.peer = {"127.0.0.1", nrpe->port()}, .tls = NrpeTls::kAdh, .version = NrpeVersion::kV2});
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto reply = (*client)->query("check_load", 10s);
  ASSERT_TRUE(reply.ok()) << reply.error().message << "\n" << nrpe->log();
  EXPECT_EQ(reply->version, 2);
  EXPECT_EQ(reply->result_code, 0);
  EXPECT_TRUE(contains(reply->text, "LOAD OK")) << reply->text;

  auto hello = (*client)->query("_NRPE_CHECK", 10s);
  ASSERT_TRUE(hello.ok()) << hello.error().message;
  EXPECT_EQ(hello->text, "NRPE v4.1.0");
}

TEST_F(NrpeTest, PlaintextDaemonAnswersBothVersions) {
  auto nrpe = daemon(DaemonTls::kPlain);
  for (const char* version : {"4", "2"}) {
    auto input = makeInput(
        entry(nrpe->port(), std::string("command: check_load, tls: none, version: ") + version));
    const CheckRun run = input->run();
    EXPECT_EQ(run.state, CheckState::kOk) << version << ": " << run.output;
    EXPECT_TRUE(contains(run.output, "LOAD OK")) << version << ": " << run.output;
  }
}

TEST_F(NrpeTest, LongOutputArrivesWholeOverVersionFourAndCutOverVersionTwo) {
  auto nrpe = daemon(DaemonTls::kPlain);
  auto v4 = makeInput(entry(nrpe->port(), "command: long, tls: none"));
  const CheckRun whole = v4->run();
  EXPECT_EQ(whole.state, CheckState::kOk) << whole.output;
  EXPECT_GT(whole.output.size(), 2000u);
  EXPECT_TRUE(contains(whole.output, "line 60 abcdefghijklmnopqrstuvwxyz012")) << whole.output;
  EXPECT_TRUE(whole.note.empty()) << whole.note;

  auto v2 = makeInput(entry(nrpe->port(), "command: long, tls: none, version: 2"));
  const CheckRun cut = v2->run();
  EXPECT_EQ(cut.state, CheckState::kOk) << cut.output;
  EXPECT_EQ(cut.output.size(), 1023u);
  EXPECT_EQ(cut.output, whole.output.substr(0, 1023));
  EXPECT_TRUE(contains(cut.note, "1023")) << cut.note;
}

TEST_F(NrpeTest, UndefinedCommandIsUnknownWithNrpesWords) {
  auto nrpe = daemon(DaemonTls::kAdh);
  auto input = makeInput(entry(nrpe->port(), "command: nosuch"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_EQ(run.output, "NRPE: Command 'nosuch' not defined");
}

TEST_F(NrpeTest, ClientTimeoutIsUnknownAndNamesTheTimeout) {
  auto nrpe = daemon(DaemonTls::kAdh);
  auto input = makeInput(entry(nrpe->port(), "command: slow, timeout: 1s"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_EQ(run.output, "NRPE 127.0.0.1:" + std::to_string(nrpe->port()) +
                            ": timed out after 1 s waiting for the response");
  EXPECT_EQ(input->stats().failures, 1u);
}

TEST_F(NrpeTest, ServerSideCommandTimeoutComesBackAsUnknown) {
  auto nrpe = daemon(DaemonTls::kAdh);
  auto input = makeInput(entry(nrpe->port(), "command: slow, timeout: 8s"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_EQ(run.output,
            "NRPE: Command timed out after " + std::to_string(kCommandTimeoutSeconds) + " seconds");
}

TEST_F(NrpeTest, ArgumentsRefusedByDebiansNrpeGiveUnknownWithTheLikelyReasons) {
  auto nrpe = daemon(DaemonTls::kAdh);
  auto input = makeInput(entry(nrpe->port(), "command: check_load, args: [1, 'hello world']"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_TRUE(contains(run.output, "closed the connection without a response")) << run.output;
  EXPECT_TRUE(contains(run.output, "with version 4 and then 2")) << run.output;
  EXPECT_TRUE(contains(run.output, "dont_blame_nrpe")) << run.output;
}

TEST_F(NrpeTest, PlaintextClientAgainstTlsDaemonIsUnknownWithAReason) {
  auto nrpe = daemon(DaemonTls::kAdh);
  auto input = makeInput(entry(nrpe->port(), "command: check_load, tls: none"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_TRUE(contains(run.output, "NRPE 127.0.0.1:" + std::to_string(nrpe->port()) + ": "))
      << run.output;
  EXPECT_TRUE(contains(run.output, "TLS")) << run.output;
}

TEST_F(NrpeTest, TlsClientAgainstPlaintextDaemonIsUnknownWithAReason) {
  auto nrpe = daemon(DaemonTls::kPlain);
  auto input = makeInput(entry(nrpe->port(), "command: check_load"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_TRUE(contains(run.output, "TLS handshake failed")) << run.output;
  EXPECT_TRUE(contains(run.output, "nrpe -n")) << run.output;
}

TEST_F(NrpeTest, RefusedConnectionIsUnknown) {
  uint16_t port = 0;
  {
    auto nrpe = daemon(DaemonTls::kAdh);
    port = nrpe->port();
  }
  auto input = makeInput(entry(port, "command: check_load"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_EQ(run.output, "NRPE 127.0.0.1:" + std::to_string(port) + ": connection refused");
}

class NrpeCertificateTest : public NrpeTest {
 protected:
  testing::TestPki pki_;
};

TEST_F(NrpeCertificateTest, MutualCertificatesWork) {
  auto nrpe = daemon(DaemonTls::kCertificate, &pki_);
  const TlsFiles agent = pki_.files("web-1");
  auto input =
      makeInput(entry(nrpe->port(), "command: check_load, tls: certificate, ca: " + agent.ca +
                                        ", cert: " + agent.cert + ", key: " + agent.key));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kOk) << run.output << "\n" << nrpe->log();
  EXPECT_TRUE(contains(run.output, "LOAD OK")) << run.output;
}

TEST_F(NrpeCertificateTest, FilesAreTakenRelativeToTheConfigFile) {
  auto nrpe = daemon(DaemonTls::kCertificate, &pki_);
  auto input = makeInput(entry(nrpe->port(),
                               "command: check_load, tls: certificate, "
                               "ca: ca.crt, cert: web-1.crt, key: web-1.key"),
                         pki_.dir() + "/agent.yaml");
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kOk) << run.output;
}

TEST_F(NrpeCertificateTest, ServerFromAnotherCaIsRefused) {
  auto nrpe = daemon(DaemonTls::kCertificate, &pki_);
  const TlsFiles rogue = pki_.rogueFiles();
  auto input =
      makeInput(entry(nrpe->port(), "command: check_load, tls: certificate, ca: " + rogue.ca +
                                        ", cert: " + rogue.cert + ", key: " + rogue.key));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_TRUE(contains(run.output, "TLS handshake failed")) << run.output;
  EXPECT_TRUE(contains(run.output, "certificate verify failed")) << run.output;
}

TEST_F(NrpeCertificateTest, ServerCertificateMustCarryTheExpectedName) {
  auto nrpe = daemon(DaemonTls::kCertificate, &pki_);
  const TlsFiles agent = pki_.files("web-1");
  auto input =
      makeInput(entry(nrpe->port(), "command: check_load, tls: certificate, ca: " + agent.ca +
                                        ", cert: " + agent.cert + ", key: " + agent.key +
                                        ", server_name: nrpe.example.net"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_TRUE(contains(run.output, "hostname mismatch")) << run.output;
}

TEST_F(NrpeCertificateTest, DaemonRequiringAClientCertificateRefusesOneWithout) {
  auto nrpe = daemon(DaemonTls::kCertificate, &pki_);
  auto input = makeInput(
      entry(nrpe->port(), "command: check_load, tls: certificate, ca: " + pki_.files("web-1").ca));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_TRUE(contains(run.output, "NRPE 127.0.0.1:")) << run.output;
}

TEST_F(NrpeCertificateTest, AnonymousClientCannotReachACertificateDaemon) {
  auto nrpe = daemon(DaemonTls::kCertificate, &pki_);
  auto input = makeInput(entry(nrpe->port(), "command: check_load"));
  const CheckRun run = input->run();
  EXPECT_EQ(run.state, CheckState::kUnknown);
  EXPECT_TRUE(contains(run.output, "TLS handshake failed")) << run.output;
}

}  // namespace
}  // namespace bsm::plugins::nagios
