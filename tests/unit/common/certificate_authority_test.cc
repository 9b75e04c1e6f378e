#include "common/certificate_authority.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace bsm::pki {
namespace {

using std::chrono::days;
using std::chrono::hours;

template <auto kFree>
struct Deleter {
  template <typename T>
  void operator()(T* object) const {
    kFree(object);
  }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreContextPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using SslContextPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL_free>>;

// A directory of its own under the system's temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("bsm-pki-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
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

X509Ptr loadCertificate(const std::string& path) {
  std::unique_ptr<BIO, Deleter<BIO_free_all>> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    return nullptr;
  }
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

KeyPtr loadKey(const std::string& path) {
  std::unique_ptr<BIO, Deleter<BIO_free_all>> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    return nullptr;
  }
  return KeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

// X509_V_OK when `leaf` chains to `ca` for TLS use as `purpose`, else OpenSSL's reason.
int verify(X509* ca, X509* leaf, int purpose = X509_PURPOSE_SSL_SERVER) {
  const StorePtr store(X509_STORE_new());
  const StoreContextPtr context(X509_STORE_CTX_new());
  EXPECT_EQ(X509_STORE_add_cert(store.get(), ca), 1);
  EXPECT_EQ(X509_STORE_CTX_init(context.get(), store.get(), leaf, nullptr), 1);
  EXPECT_EQ(X509_STORE_CTX_set_purpose(context.get(), purpose), 1);
  const int verified = X509_verify_cert(context.get());
  const int error = X509_STORE_CTX_get_error(context.get());
  EXPECT_EQ(verified == 1, error == X509_V_OK) << X509_verify_cert_error_string(error);
  ERR_clear_error();
  return error;
}

std::string commonName(X509* cert) {
  char buffer[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buffer, sizeof(buffer));
  return buffer;
}

// Every subjectAltName as "DNS:name" or "IP:address".
std::set<std::string> subjectAltNames(X509* cert) {
  std::set<std::string> result;
  const GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* text = name->d.dNSName;
      result.insert("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                                         ASN1_STRING_length(text)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* octets = name->d.iPAddress;
      const int family = ASN1_STRING_length(octets) == 4 ? AF_INET : AF_INET6;
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(family, ASN1_STRING_get0_data(octets), text, sizeof(text));
      result.insert(std::string("IP:") + text);
    }
  }
  return result;
}

mode_t fileMode(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

struct Endpoint {
  std::string certificate;
  std::string key;
};

// Runs a TLS handshake in memory between a server and a client that both present a certificate
// and both require the peer's to chain to `ca_path`, as bsm's agent stream does. The client
// also checks that the server's certificate names `server_host`. Returns the client's CN as the
// server saw it, or nothing when the handshake failed.
std::optional<std::string> handshake(const std::string& ca_path, const Endpoint& server_files,
                                     const Endpoint& client_files, const std::string& server_host) {
  const SslContextPtr server_context(SSL_CTX_new(TLS_server_method()));
  const SslContextPtr client_context(SSL_CTX_new(TLS_client_method()));
  const std::pair<SSL_CTX*, const Endpoint*> sides[] = {{server_context.get(), &server_files},
                                                        {client_context.get(), &client_files}};
  for (const auto& [context, files] : sides) {
    EXPECT_EQ(SSL_CTX_use_certificate_file(context, files->certificate.c_str(), SSL_FILETYPE_PEM),
              1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(context, files->key.c_str(), SSL_FILETYPE_PEM), 1);
    EXPECT_EQ(SSL_CTX_load_verify_locations(context, ca_path.c_str(), nullptr), 1);
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  }

  const SslPtr server(SSL_new(server_context.get()));
  const SslPtr client(SSL_new(client_context.get()));
  EXPECT_EQ(SSL_set1_host(client.get(), server_host.c_str()), 1);
  BIO* server_bio = nullptr;
  BIO* client_bio = nullptr;
  EXPECT_EQ(BIO_new_bio_pair(&server_bio, 0, &client_bio, 0), 1);
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_accept_state(server.get());
  SSL_set_connect_state(client.get());

  bool server_done = false;
  bool client_done = false;
  for (int round = 0; round < 50 && !(server_done && client_done); ++round) {
    for (auto [ssl, done] :
         {std::pair{client.get(), &client_done}, std::pair{server.get(), &server_done}}) {
      if (*done) {
        continue;
      }
      const int rc = SSL_do_handshake(ssl);
      if (rc == 1) {
        *done = true;
        continue;
      }
      const int error = SSL_get_error(ssl, rc);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return std::nullopt;
      }
    }
  }
  if (!server_done || !client_done) {
    return std::nullopt;
  }
  X509* peer = SSL_get0_peer_certificate(server.get());
  if (peer == nullptr || SSL_get_verify_result(server.get()) != X509_V_OK) {
    return std::nullopt;
  }
  return commonName(peer);
}

TEST(CertificateAuthorityTest, CreatesCaWithCaExtensions) {
  TempDir dir;
  const auto ca = createCa(dir.str());
  ASSERT_TRUE(ca.ok()) << ca.error().message;
  EXPECT_EQ(ca->certificate_path, dir.file("ca.crt"));
  EXPECT_EQ(ca->key_path, dir.file("ca.key"));

  const X509Ptr cert = loadCertificate(ca->certificate_path);
  const KeyPtr key = loadKey(ca->key_path);
  ASSERT_TRUE(cert && key);
  EXPECT_EQ(commonName(cert.get()), "bsm CA");
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_NE(X509_get_extension_flags(cert.get()) & EXFLAG_CA, 0u);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
  int critical = -1;
  BASIC_CONSTRAINTS* constraints = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert.get(), NID_basic_constraints, &critical, nullptr));
  ASSERT_NE(constraints, nullptr);
  EXPECT_EQ(critical, 1);
  EXPECT_TRUE(constraints->ca);
  BASIC_CONSTRAINTS_free(constraints);
  // Self-signed: it verifies against itself.
  EXPECT_EQ(verify(cert.get(), cert.get(), X509_PURPOSE_ANY), X509_V_OK);

  EXPECT_EQ(fileMode(ca->key_path), 0600u);
  EXPECT_EQ(fileMode(dir.str()), 0700u);
  const auto lifetime = ca->not_after - ca->not_before;
  EXPECT_GE(lifetime, kDefaultCaValidity);
  EXPECT_LE(lifetime, kDefaultCaValidity + hours(2));
}

TEST(CertificateAuthorityTest, IssuedCertificateChainsToCaForServerAndClient) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  const auto issued = issueCertificate(dir.str(), {.cn = "web-1"});
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->certificate_path, dir.file("web-1.crt"));
  EXPECT_EQ(issued->key_path, dir.file("web-1.key"));

  const X509Ptr ca = loadCertificate(dir.file("ca.crt"));
  const X509Ptr cert = loadCertificate(issued->certificate_path);
  const KeyPtr key = loadKey(issued->key_path);
  ASSERT_TRUE(ca && cert && key);
  EXPECT_EQ(verify(ca.get(), cert.get(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_EQ(verify(ca.get(), cert.get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(fileMode(issued->key_path), 0600u);
  EXPECT_EQ(commonName(cert.get()), "web-1");

  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()),
            static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  const ASN1_OCTET_STRING* authority_key = X509_get0_authority_key_id(cert.get());
  const ASN1_OCTET_STRING* ca_key = X509_get0_subject_key_id(ca.get());
  ASSERT_TRUE(authority_key && ca_key);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(authority_key, ca_key), 0);
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
  EXPECT_EQ(subjectAltNames(cert.get()), (std::set<std::string>{"DNS:web-1"}));

  const auto lifetime = issued->not_after - issued->not_before;
  EXPECT_GE(lifetime, kDefaultLeafValidity);
  EXPECT_LE(lifetime, kDefaultLeafValidity + hours(2));
}

TEST(CertificateAuthorityTest, SansGoInAsIpOrDns) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  const auto issued = issueCertificate(
      dir.str(), {.cn = "server",
                  .sans = {"bsm.example.net", "127.0.0.1", "::1", "*.svc.example.net", "::1"}});
  ASSERT_TRUE(issued.ok()) << issued.error().message;

  const X509Ptr cert = loadCertificate(issued->certificate_path);
  ASSERT_TRUE(cert);
  EXPECT_EQ(commonName(cert.get()), "server");
  // The CN is not added when SANs are given, and duplicates collapse.
  EXPECT_EQ(subjectAltNames(cert.get()),
            (std::set<std::string>{"DNS:bsm.example.net", "DNS:*.svc.example.net", "IP:127.0.0.1",
                                   "IP:::1"}));
  EXPECT_EQ(X509_check_host(cert.get(), "bsm.example.net", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "a.svc.example.net", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "server", 0, 0, nullptr), 0);
}

TEST(CertificateAuthorityTest, CnBecomesSanOnlyWhenItIsAHostName) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  ASSERT_TRUE(issueCertificate(dir.str(), {.cn = "10.1.2.3"}).ok());
  ASSERT_TRUE(issueCertificate(dir.str(), {.cn = "agent_7"}).ok());
  ASSERT_TRUE(issueCertificate(dir.str(), {.cn = "db-1.example.net"}).ok());

  EXPECT_EQ(subjectAltNames(loadCertificate(dir.file("10.1.2.3.crt")).get()),
            (std::set<std::string>{"IP:10.1.2.3"}));
  EXPECT_EQ(subjectAltNames(loadCertificate(dir.file("agent_7.crt")).get()),
            std::set<std::string>{});
  EXPECT_EQ(subjectAltNames(loadCertificate(dir.file("db-1.example.net.crt")).get()),
            (std::set<std::string>{"DNS:db-1.example.net"}));
}

TEST(CertificateAuthorityTest, ExpiredCertificateFailsVerification) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  const auto now = Clock::now();
  const auto issued = issueCertificate(
      dir.str(), {.cn = "expired", .not_before = now - days(10), .not_after = now - days(1)});
  ASSERT_TRUE(issued.ok()) << issued.error().message;

  const X509Ptr ca = loadCertificate(dir.file("ca.crt"));
  const X509Ptr cert = loadCertificate(issued->certificate_path);
  EXPECT_EQ(verify(ca.get(), cert.get()), X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST(CertificateAuthorityTest, NotYetValidCertificateFailsVerification) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  const auto issued =
      issueCertificate(dir.str(), {.cn = "future", .not_before = Clock::now() + days(1)});
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->not_after - issued->not_before, kDefaultLeafValidity);

  const X509Ptr ca = loadCertificate(dir.file("ca.crt"));
  const X509Ptr cert = loadCertificate(issued->certificate_path);
  EXPECT_EQ(verify(ca.get(), cert.get()), X509_V_ERR_CERT_NOT_YET_VALID);
}

TEST(CertificateAuthorityTest, CertificateFromAnotherCaFailsVerification) {
  TempDir dir;
  TempDir other_dir;
  // Same CA name on purpose: trust must follow the key, not the name.
  ASSERT_TRUE(createCa(dir.str()).ok());
  ASSERT_TRUE(createCa(other_dir.str()).ok());
  ASSERT_TRUE(issueCertificate(other_dir.str(), {.cn = "intruder"}).ok());

  const X509Ptr ca = loadCertificate(dir.file("ca.crt"));
  const X509Ptr cert = loadCertificate(other_dir.file("intruder.crt"));
  EXPECT_NE(verify(ca.get(), cert.get()), X509_V_OK);
}

TEST(CertificateAuthorityTest, MutualTlsHandshakeSucceedsAndServerSeesAgentId) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  ASSERT_TRUE(issueCertificate(dir.str(), {.cn = "server", .sans = {"bsm.example.net"}}).ok());
  ASSERT_TRUE(issueCertificate(dir.str(), {.cn = "web-1"}).ok());

  const Endpoint server{dir.file("server.crt"), dir.file("server.key")};
  const Endpoint agent{dir.file("web-1.crt"), dir.file("web-1.key")};
  EXPECT_EQ(handshake(dir.file("ca.crt"), server, agent, "bsm.example.net"), "web-1");
  // The client refuses a server whose certificate does not name the address it dialled.
  EXPECT_EQ(handshake(dir.file("ca.crt"), server, agent, "other.example.net"), std::nullopt);
}

TEST(CertificateAuthorityTest, MutualTlsHandshakeRejectsAgentOfAnotherCa) {
  TempDir dir;
  TempDir other_dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  ASSERT_TRUE(createCa(other_dir.str()).ok());
  ASSERT_TRUE(issueCertificate(dir.str(), {.cn = "server", .sans = {"127.0.0.1"}}).ok());
  ASSERT_TRUE(issueCertificate(other_dir.str(), {.cn = "web-1"}).ok());

  const Endpoint server{dir.file("server.crt"), dir.file("server.key")};
  const Endpoint agent{other_dir.file("web-1.crt"), other_dir.file("web-1.key")};
  EXPECT_EQ(handshake(dir.file("ca.crt"), server, agent, "127.0.0.1"), std::nullopt);
}

TEST(CertificateAuthorityTest, RefusesToOverwriteCaUnlessAsked) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  const std::string original = readFile(dir.file("ca.crt"));

  const auto again = createCa(dir.str());
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find(dir.file("ca.key")), std::string::npos)
      << again.error().message;
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  EXPECT_EQ(readFile(dir.file("ca.crt")), original);

  const auto forced = createCa(dir.str(), {.overwrite = true});
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_NE(readFile(dir.file("ca.crt")), original);
  EXPECT_EQ(fileMode(dir.file("ca.key")), 0600u);
  // Only the two files: no temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.str()),
                          std::filesystem::directory_iterator()),
            2);
}

TEST(CertificateAuthorityTest, ReissuingNeedsOverwriteAndRestoresKeyMode) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  ASSERT_TRUE(issueCertificate(dir.str(), {.cn = "web-1"}).ok());
  const std::string original_key = readFile(dir.file("web-1.key"));

  const auto again = issueCertificate(dir.str(), {.cn = "web-1"});
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("web-1.key already exists"), std::string::npos)
      << again.error().message;
  EXPECT_EQ(readFile(dir.file("web-1.key")), original_key);

  // Even when someone loosened the old key's mode, the new key is created 0600.
  ASSERT_EQ(::chmod(dir.file("web-1.key").c_str(), 0644), 0);
  const auto forced = issueCertificate(dir.str(), {.cn = "web-1", .overwrite = true});
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_NE(readFile(dir.file("web-1.key")), original_key);
  EXPECT_EQ(fileMode(dir.file("web-1.key")), 0600u);
  const X509Ptr cert = loadCertificate(dir.file("web-1.crt"));
  const KeyPtr key = loadKey(dir.file("web-1.key"));
  ASSERT_TRUE(cert && key);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
}

TEST(CertificateAuthorityTest, RefusesUnsafeCommonNames) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  const std::vector<std::string> bad = {"",
                                        "/",
                                        "..",
                                        ".",
                                        "a/b",
                                        "../x",
                                        "a\nb",
                                        "tab\there",
                                        "web 1",
                                        "caf\xc3\xa9",
                                        ".hidden",
                                        "-rf",
                                        "ca",
                                        "CA",
                                        std::string(65, 'a'),
                                        std::string("nul\0byte", 8)};
  for (const auto& cn : bad) {
    const auto issued = issueCertificate(dir.str(), {.cn = cn});
    EXPECT_FALSE(issued.ok()) << "accepted CN '" << cn << "'";
    EXPECT_FALSE(validateCommonName(cn).ok()) << cn;
  }
  // Nothing but the CA was written.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.str()),
                          std::filesystem::directory_iterator()),
            2);

  const auto slash = validateCommonName("a/b");
  ASSERT_FALSE(slash.ok());
  EXPECT_NE(slash.error().message.find("letters, digits, '.', '_' and '-'"), std::string::npos)
      << slash.error().message;
  // A control character is shown escaped, not written raw to the operator's terminal.
  const auto control = validateCommonName("a\x1b[2Jb");
  ASSERT_FALSE(control.ok());
  EXPECT_NE(control.error().message.find("\\x1b"), std::string::npos) << control.error().message;

  for (const std::string& good :
       std::vector<std::string>{"web-1", "db_2.example.net", "A.b-c_d", std::string(64, 'z')}) {
    EXPECT_TRUE(validateCommonName(good).ok()) << good;
  }
}

TEST(CertificateAuthorityTest, RefusesBadSansAndValidity) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  for (const std::string& san :
       std::vector<std::string>{"not a name", "1.2.3.999", "fe80::1%eth0", "-bad.example.net",
                                "a..b", "*", "x.*.example.net", "name,DNS:evil.example.net"}) {
    const auto issued = issueCertificate(dir.str(), {.cn = "web-1", .sans = {san}});
    ASSERT_FALSE(issued.ok()) << "accepted SAN '" << san << "'";
    EXPECT_NE(issued.error().message.find("neither an IP address nor a DNS name"),
              std::string::npos)
        << issued.error().message;
  }
  const auto now = Clock::now();
  EXPECT_FALSE(issueCertificate(dir.str(), {.cn = "a", .not_before = now, .not_after = now}).ok());
  EXPECT_FALSE(issueCertificate(dir.str(), {.cn = "a", .days = days(0)}).ok());
  EXPECT_FALSE(issueCertificate(dir.str(), {.cn = "a", .days = kMaxValidity + days(1)}).ok());
  EXPECT_FALSE(createCa(dir.str() + "/sub", {.cn = ""}).ok());
  EXPECT_FALSE(createCa(dir.str() + "/sub", {.cn = "bad\x01name"}).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.file("a.key")));
}

TEST(CertificateAuthorityTest, LeafValidityIsCutToTheCas) {
  TempDir dir;
  const auto ca = createCa(dir.str(), {.days = days(30)});
  ASSERT_TRUE(ca.ok());
  const auto issued = issueCertificate(dir.str(), {.cn = "web-1"});
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->not_after, ca->not_after);
  const X509Ptr cert = loadCertificate(issued->certificate_path);
  const X509Ptr ca_cert = loadCertificate(ca->certificate_path);
  EXPECT_EQ(ASN1_TIME_compare(X509_get0_notAfter(cert.get()), X509_get0_notAfter(ca_cert.get())),
            0);

  // An explicit end is honoured, so that a test can make a certificate outlive its CA.
  const auto explicit_end = Clock::now() + days(60);
  const auto longer = issueCertificate(dir.str(), {.cn = "web-2", .not_after = explicit_end});
  ASSERT_TRUE(longer.ok());
  EXPECT_GT(longer->not_after, ca->not_after);
}

TEST(CertificateAuthorityTest, IssuingWithoutCaNamesTheMissingFile) {
  TempDir dir;
  const auto issued = issueCertificate(dir.str(), {.cn = "web-1"});
  ASSERT_FALSE(issued.ok());
  EXPECT_NE(issued.error().message.find(dir.file("ca.crt")), std::string::npos)
      << issued.error().message;
  EXPECT_NE(issued.error().message.find("bsmctl pki new-ca"), std::string::npos);
}

TEST(CertificateAuthorityTest, RefusesCaKeyThatDoesNotMatchItsCertificate) {
  TempDir dir;
  TempDir other_dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  ASSERT_TRUE(createCa(other_dir.str()).ok());
  std::filesystem::copy_file(other_dir.file("ca.key"), dir.file("ca.key"),
                             std::filesystem::copy_options::overwrite_existing);

  const auto issued = issueCertificate(dir.str(), {.cn = "web-1"});
  ASSERT_FALSE(issued.ok());
  EXPECT_NE(issued.error().message.find("is not the key of"), std::string::npos)
      << issued.error().message;
}

TEST(CertificateAuthorityTest, CreatesMissingDirectoriesPrivate) {
  TempDir dir;
  const std::string nested = dir.file("a/b/pki");
  const auto ca = createCa(nested);
  ASSERT_TRUE(ca.ok()) << ca.error().message;
  EXPECT_EQ(fileMode(nested), 0700u);
  EXPECT_EQ(fileMode(dir.file("a")), 0700u);

  ASSERT_TRUE(std::ofstream(dir.file("plain")).good());
  const auto not_a_dir = createCa(dir.file("plain"));
  ASSERT_FALSE(not_a_dir.ok());
  EXPECT_NE(not_a_dir.error().message.find("not a directory"), std::string::npos)
      << not_a_dir.error().message;
}

TEST(CertificateAuthorityTest, SerialsAreRandomAndDistinct) {
  TempDir dir;
  ASSERT_TRUE(createCa(dir.str()).ok());
  std::set<std::string> serials;
  for (int i = 0; i < 5; ++i) {
    const auto issued = issueCertificate(dir.str(), {.cn = "agent-" + std::to_string(i)});
    ASSERT_TRUE(issued.ok());
    EXPECT_GE(issued->serial_hex.size(), 24u) << issued->serial_hex;
    serials.insert(issued->serial_hex);
  }
  EXPECT_EQ(serials.size(), 5u);
}

}  // namespace
}  // namespace bsm::pki
