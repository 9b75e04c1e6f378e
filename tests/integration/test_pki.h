#pragma once

#include <filesystem>
#include <string>

#include "common/certificate_authority.h"
#include "common/tls_files.h"

namespace bsm::testing {

// A throw-away PKI in a temporary folder: the deployment's CA with a server certificate for
// 127.0.0.1 and agents web-1 and web-2, an expired certificate for agent "old-1", and a second,
// unrelated CA with an agent certificate "rogue". Removed when the object goes.
class TestPki {
 public:
  TestPki() {
    root_ = std::filesystem::temp_directory_path() /
            ("bsm-pki-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(root_);
    must(pki::createCa(dir()));
    must(pki::issueCertificate(dir(), {.cn = "server", .sans = {"127.0.0.1", "localhost"}}));
    must(pki::issueCertificate(dir(), {.cn = "web-1"}));
    must(pki::issueCertificate(dir(), {.cn = "web-2"}));
    const auto now = pki::Clock::now();
    must(pki::issueCertificate(dir(), {.cn = "old-1",
                                       .not_before = now - std::chrono::hours(24 * 10),
                                       .not_after = now - std::chrono::hours(24)}));
    must(pki::createCa(otherDir(), {.cn = "another CA"}));
    must(pki::issueCertificate(otherDir(), {.cn = "rogue"}));
  }
  ~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  std::string dir() const { return (root_ / "ca").string(); }
  std::string otherDir() const { return (root_ / "other").string(); }

  TlsFiles files(const std::string& cn) const { return filesIn(dir(), cn); }
  TlsFiles rogueFiles() const { return filesIn(otherDir(), "rogue"); }
  static TlsFiles filesIn(const std::string& dir, const std::string& cn) {
    return {dir + "/ca.crt", dir + "/" + cn + ".crt", dir + "/" + cn + ".key"};
  }

 private:
  template <typename T>
  static void must(const T& result) {
    if (!result.ok()) {
      throw std::runtime_error("test PKI: " + result.error().message);
    }
  }
  static int& counter() {
    static int value = 0;
    return value;
  }

  std::filesystem::path root_;
};

}  // namespace bsm::testing
