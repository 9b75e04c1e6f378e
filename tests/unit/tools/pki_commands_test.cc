#include "tools/pki_commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace bsm::tools {
namespace {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("bsm-pki-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Parses and runs like bsmctl's main does: a parse error (a missing required option, say)
// yields CLI11's nonzero exit code, a failing command the code it set.
int runBsmctl(const std::vector<std::string>& args) {
  CLI::App app{"bsmctl"};
  app.require_subcommand(1);
  int exit_code = 0;
  addPkiCommands(app, exit_code);
  std::vector<const char*> argv = {"bsmctl"};
  for (const auto& arg : args) {
    argv.push_back(arg.c_str());
  }
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return exit_code;
}

mode_t fileMode(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST(PkiCommandsTest, NewCaAndIssueWriteTheFiles) {
  TempDir dir;
  ASSERT_EQ(runBsmctl({"pki", "new-ca", "--dir", dir.str(), "--cn", "Example CA", "--days", "30"}),
            0);
  EXPECT_TRUE(std::filesystem::exists(dir.file("ca.crt")));
  EXPECT_EQ(fileMode(dir.file("ca.key")), 0600u);

  ASSERT_EQ(runBsmctl({"pki", "issue", "--dir", dir.str(), "--cn", "server", "--san",
                       "bsm.example.net", "--san", "127.0.0.1,::1", "--days", "10"}),
            0);
  EXPECT_EQ(fileMode(dir.file("server.key")), 0600u);
  ASSERT_EQ(runBsmctl({"pki", "issue", "--dir", dir.str(), "--cn", "web-1"}), 0);
  EXPECT_TRUE(std::filesystem::exists(dir.file("web-1.crt")));
  EXPECT_EQ(fileMode(dir.file("web-1.key")), 0600u);

  // The options reached the certificate.
  BIO* bio = BIO_new_file(dir.file("server.crt").c_str(), "r");
  ASSERT_NE(bio, nullptr);
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_host(cert, "bsm.example.net", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
  EXPECT_EQ(X509_cmp_time(X509_get0_notAfter(cert), nullptr), 1);
  time_t in_eleven_days = time(nullptr) + 11 * 24 * 3600;
  EXPECT_EQ(X509_cmp_time(X509_get0_notAfter(cert), &in_eleven_days), -1);
  X509_free(cert);
}

TEST(PkiCommandsTest, MissingCnIsAnError) {
  TempDir dir;
  ASSERT_EQ(runBsmctl({"pki", "new-ca", "--dir", dir.str()}), 0);
  EXPECT_NE(runBsmctl({"pki", "issue", "--dir", dir.str()}), 0);
  EXPECT_NE(runBsmctl({"pki", "issue", "--cn", "web-1"}), 0);
  EXPECT_NE(runBsmctl({"pki", "new-ca"}), 0);
  EXPECT_NE(runBsmctl({"pki"}), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.file("web-1.key")));
}

TEST(PkiCommandsTest, FailuresExitWithOne) {
  TempDir dir;
  EXPECT_EQ(runBsmctl({"pki", "issue", "--dir", dir.str(), "--cn", "web-1"}), 1);  // no CA yet
  ASSERT_EQ(runBsmctl({"pki", "new-ca", "--dir", dir.str()}), 0);
  EXPECT_EQ(runBsmctl({"pki", "new-ca", "--dir", dir.str()}), 1);
  EXPECT_EQ(runBsmctl({"pki", "new-ca", "--dir", dir.str(), "--force"}), 0);
  EXPECT_EQ(runBsmctl({"pki", "issue", "--dir", dir.str(), "--cn", "../escape"}), 1);
  EXPECT_EQ(runBsmctl({"pki", "issue", "--dir", dir.str(), "--cn", "web-1", "--san", "a b"}), 1);
  EXPECT_NE(runBsmctl({"pki", "issue", "--dir", dir.str(), "--cn", "web-1", "--days", "0"}), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.file("web-1.key")));

  ASSERT_EQ(runBsmctl({"pki", "issue", "--dir", dir.str(), "--cn", "web-1"}), 0);
  EXPECT_EQ(runBsmctl({"pki", "issue", "--dir", dir.str(), "--cn", "web-1"}), 1);
  EXPECT_EQ(runBsmctl({"pki", "issue", "--dir", dir.str(), "--cn", "web-1", "--force"}), 0);
}

}  // namespace
}  // namespace bsm::tools
