#include "common/certificate_authority.h"

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/certificate_names.h"
#include "common/staged_file.h"

namespace bsm::pki {
namespace {

template <auto kFree>
struct OpensslDeleter {
  template <typename T>
  void operator()(T* object) const {
    kFree(object);
  }
};

using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpensslDeleter<ASN1_TIME_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<BN_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO_free_all>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpensslDeleter<X509_EXTENSION_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpensslDeleter<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpensslDeleter<GENERAL_NAMES_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY_free>>;
// ASN1_OCTET_STRING and ASN1_IA5STRING are both ASN1_STRING underneath.
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, OpensslDeleter<ASN1_STRING_free>>;
using X509Ptr = std::unique_ptr<X509, OpensslDeleter<X509_free>>;

constexpr const char* kCaCertificateFile = "ca.crt";
constexpr const char* kCaKeyFile = "ca.key";
constexpr size_t kMaxSans = 100;
// Issued certificates start this far in the past so that a peer whose clock lags ours does not
// reject a certificate issued a moment ago.
constexpr std::chrono::hours kBackdate{1};

// Drains OpenSSL's per-thread error queue into one line, so that the next failure does not
// report this one's reasons.
std::string opensslReason() {
  std::string reasons;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!reasons.empty()) {
      reasons += "; ";
    }
    reasons += buffer;
  }
  return reasons.empty() ? "OpenSSL gave no reason" : reasons;
}

Error opensslError(const std::string& what) {
  return Error{what + ": " + opensslReason()};
}

std::string formatUtc(Clock::time_point time) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(Clock::to_time_t(time)));
}

std::string pathIn(const std::string& dir, std::string_view name) {
  return (std::filesystem::path(dir) / name).string();
}

struct ValidityWindow {
  Clock::time_point not_before;
  Clock::time_point not_after;
  bool end_derived = false;
};

Result<ValidityWindow> resolveValidity(std::chrono::days days,
                                       const std::optional<Clock::time_point>& not_before,
                                       const std::optional<Clock::time_point>& not_after) {
  using std::chrono::floor;
  using std::chrono::seconds;
  if (!not_after && (days.count() < 1 || days > kMaxValidity)) {
    return Error{fmt::format("a validity of {} days is out of range; give 1 to {} days",
                             days.count(), kMaxValidity.count())};
  }
  const auto now = Clock::now();
  ValidityWindow window;
  window.not_before = floor<seconds>(not_before.value_or(now - kBackdate));
  window.end_derived = !not_after.has_value();
  window.not_after = floor<seconds>(not_after ? *not_after : not_before.value_or(now) + days);
  if (window.not_after <= window.not_before) {
    return Error{fmt::format("the validity ends ({}) before it starts ({})",
                             formatUtc(window.not_after), formatUtc(window.not_before))};
  }
  return window;
}

Result<Clock::time_point> toTimePoint(const ASN1_TIME* time, const std::string& what) {
  struct tm parts {};
  if (ASN1_TIME_to_tm(time, &parts) != 1) {
    return opensslError("cannot read the time in " + what);
  }
  return Clock::from_time_t(timegm(&parts));
}

Status setValidity(X509* cert, const ValidityWindow& window) {
  const Asn1TimePtr start(ASN1_TIME_set(nullptr, Clock::to_time_t(window.not_before)));
  const Asn1TimePtr end(ASN1_TIME_set(nullptr, Clock::to_time_t(window.not_after)));
  if (!start || !end || X509_set1_notBefore(cert, start.get()) != 1 ||
      X509_set1_notAfter(cert, end.get()) != 1) {
    return opensslError("cannot set the validity period");
  }
  return {};
}

// RFC 5280 asks for a positive serial of at most 20 octets that is unique per CA; 128 random
// bits make a collision negligible without keeping a serial database.
Result<std::string> setRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return opensslError("cannot draw a random serial number");
  }
  const BignumPtr number(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  if (!number || !BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(cert))) {
    return opensslError("cannot set the serial number");
  }
  char* hex = BN_bn2hex(number.get());
  if (hex == nullptr) {
    return opensslError("cannot format the serial number");
  }
  std::string serial(hex);
  OPENSSL_free(hex);
  return serial;
}

Status setSubject(X509* cert, const std::string& cn) {
  // MBSTRING_UTF8 makes OpenSSL reject bytes that are not UTF-8 instead of storing them.
  if (X509_NAME_add_entry_by_NID(X509_get_subject_name(cert), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(cn.size()), -1, 0) != 1) {
    return opensslError("cannot set the subject CN " + printable(cn));
  }
  return {};
}

// Adds an extension written in OpenSSL's configuration syntax. Only fixed strings go through
// here; user input (SANs) is built field by field, so a comma in it cannot smuggle in options.
Status addExtension(X509* cert, X509V3_CTX* context, int nid, const char* value) {
  const ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, context, nid, value));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) {
    return opensslError(fmt::format("cannot add the extension {}={}", OBJ_nid2sn(nid), value));
  }
  return {};
}

Result<GeneralNamePtr> makeGeneralName(const std::string& value) {
  GeneralNamePtr name(GENERAL_NAME_new());
  if (!name) {
    return opensslError("cannot allocate a subjectAltName");
  }
  if (const auto address = parseIpAddress(value)) {
    Asn1StringPtr octets(ASN1_OCTET_STRING_new());
    if (!octets ||
        ASN1_OCTET_STRING_set(octets.get(), reinterpret_cast<const unsigned char*>(address->data()),
                              static_cast<int>(address->size())) != 1) {
      return opensslError("cannot encode the IP address " + printable(value));
    }
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, octets.release());
    return name;
  }
  if (!isDnsName(value, /*allow_wildcard=*/true)) {
    return Error{"the subjectAltName " + printable(value) +
                 " is neither an IP address nor a DNS name (letters, digits and '-' in labels "
                 "separated by '.', optionally starting with '*.')"};
  }
  Asn1StringPtr text(ASN1_IA5STRING_new());
  if (!text || ASN1_STRING_set(text.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return opensslError("cannot encode the DNS name " + printable(value));
  }
  GENERAL_NAME_set0_value(name.get(), GEN_DNS, text.release());
  return name;
}

Status addSubjectAltNames(X509* cert, const CertificateOptions& options) {
  std::vector<std::string> values = options.sans;
  if (values.empty() && (parseIpAddress(options.cn) || isDnsName(options.cn, false))) {
    values.push_back(options.cn);
  }
  if (values.empty()) {
    return {};
  }
  if (values.size() > kMaxSans) {
    return Error{
        fmt::format("{} subjectAltNames given; at most {} are allowed", values.size(), kMaxSans)};
  }

  const GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) {
    return opensslError("cannot allocate the subjectAltName list");
  }
  std::vector<std::string> seen;
  for (const auto& value : values) {
    if (std::find(seen.begin(), seen.end(), value) != seen.end()) {
      continue;
    }
    seen.push_back(value);
    auto name = makeGeneralName(value);
    if (!name) {
      return name.error();
    }
    if (sk_GENERAL_NAME_push(names.get(), name->get()) == 0) {
      return opensslError("cannot add the subjectAltName " + printable(value));
    }
    name->release();
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return opensslError("cannot add the subjectAltName extension");
  }
  return {};
}

KeyPtr generateKey() {
  return KeyPtr(EVP_EC_gen("P-256"));
}

// Writes PEM through `writer` into a staged file.
Status writePem(StagedFile& file, const std::string& path, mode_t mode,
                const std::function<int(BIO*)>& writer) {
  if (auto status = file.create(path, mode); !status) {
    return status;
  }
  const BioPtr bio(BIO_new_fd(file.fd(), BIO_NOCLOSE));
  if (!bio || writer(bio.get()) != 1 || BIO_flush(bio.get()) != 1) {
    return opensslError("cannot write " + path);
  }
  return file.finish();
}

// Writes the key (0600) and certificate (0644) of one name. When the certificate cannot be put
// in place after a new key was, the new key is taken back out, so no key is left without its
// certificate.
Status writeKeyAndCertificate(const std::string& dir, const std::string& key_path,
                              const std::string& cert_path, EVP_PKEY* key, X509* cert,
                              bool overwrite) {
  StagedFile key_file;
  StagedFile cert_file;
  if (auto status = writePem(key_file, key_path, 0600,
                             [key](BIO* bio) {
                               return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0,
                                                               nullptr, nullptr);
                             });
      !status) {
    return status;
  }
  if (auto status = writePem(cert_file, cert_path, 0644,
                             [cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
      !status) {
    return status;
  }

  if (auto status = key_file.publish(overwrite); !status) {
    return status;
  }
  if (auto status = cert_file.publish(overwrite); !status) {
    if (!overwrite) {
      ::unlink(key_path.c_str());
    }
    return status;
  }
  syncDirectory(dir);
  return {};
}

Status refuseExisting(const std::vector<std::string>& paths, const std::string& remedy) {
  for (const auto& path : paths) {
    if (pathExists(path)) {
      return Error{path + " already exists; " + remedy};
    }
  }
  return {};
}

// No passphrase is ever supplied: without this callback OpenSSL would prompt on the terminal
// when it meets an encrypted key.
int noPassphrase(char*, int, int, void*) {
  return -1;
}

struct LoadedCa {
  X509Ptr certificate;
  KeyPtr key;
  Clock::time_point not_after;
};

Result<LoadedCa> loadCa(const std::string& dir) {
  const std::string cert_path = pathIn(dir, kCaCertificateFile);
  const std::string key_path = pathIn(dir, kCaKeyFile);
  LoadedCa ca;
  if (const BioPtr bio(BIO_new_file(cert_path.c_str(), "r")); !bio) {
    return Error{opensslError("cannot open " + cert_path).message +
                 "; create a CA with 'bsmctl pki new-ca --dir " + dir + "'"};
  } else {
    ca.certificate.reset(PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr));
  }
  if (!ca.certificate) {
    return opensslError(cert_path + " holds no PEM certificate");
  }
  if (const BioPtr bio(BIO_new_file(key_path.c_str(), "r")); !bio) {
    return Error{opensslError("cannot open " + key_path).message +
                 "; issuing needs the CA's key beside its certificate"};
  } else {
    // TODO: accept a passphrase-protected CA key; operators who keep the CA on a shared host
    // must otherwise rely on file modes alone to protect it.
    ca.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
  }
  if (!ca.key) {
    return opensslError(key_path + " holds no unencrypted PEM private key");
  }

  if (X509_check_private_key(ca.certificate.get(), ca.key.get()) != 1) {
    return opensslError(key_path + " is not the key of " + cert_path);
  }
  if (X509_check_ca(ca.certificate.get()) == 0) {
    return Error{cert_path + " is not a CA certificate"};
  }
  auto not_after = toTimePoint(X509_get0_notAfter(ca.certificate.get()), cert_path);
  if (!not_after) {
    return not_after.error();
  }
  ca.not_after = *not_after;
  return ca;
}

Status validateCaName(const std::string& cn) {
  if (cn.empty() || cn.size() > kMaxCommonNameLength) {
    return Error{fmt::format("the CA's CN must be 1 to {} bytes long; got {}", kMaxCommonNameLength,
                             cn.size())};
  }
  for (const char c : cn) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Error{"the CA's CN " + printable(cn) + " contains a control character"};
    }
  }
  return {};
}

// A new key and a certificate for it with everything but extensions and the signature: version,
// serial, subject, issuer (`issuer`'s subject, or its own when null: self-signed), validity.
struct Draft {
  KeyPtr key;
  X509Ptr certificate;
  std::string serial_hex;
};

Result<Draft> draftCertificate(const std::string& cn, const ValidityWindow& window, X509* issuer) {
  Draft draft{generateKey(), X509Ptr(X509_new()), ""};
  X509* cert = draft.certificate.get();
  if (!draft.key || !cert) {
    return opensslError("cannot generate the key for " + printable(cn));
  }
  auto serial = setRandomSerial(cert);
  if (!serial) {
    return serial.error();
  }
  draft.serial_hex = std::move(*serial);
  if (X509_set_version(cert, X509_VERSION_3) != 1 || X509_set_pubkey(cert, draft.key.get()) != 1) {
    return opensslError("cannot build the certificate for " + printable(cn));
  }
  if (auto status = setSubject(cert, cn); !status) {
    return status.error();
  }
  X509* subject_of = issuer != nullptr ? issuer : cert;
  if (X509_set_issuer_name(cert, X509_get_subject_name(subject_of)) != 1) {
    return opensslError("cannot set the issuer of the certificate for " + printable(cn));
  }
  if (auto status = setValidity(cert, window); !status) {
    return status.error();
  }
  return draft;
}

}  // namespace

Result<IssuedCertificate> createCa(const std::string& dir, const CaOptions& options) {
  ERR_clear_error();
  if (auto status = validateCaName(options.cn); !status) {
    return status.error();
  }
  auto window = resolveValidity(options.days, options.not_before, options.not_after);
  if (!window) {
    return window.error();
  }
  if (auto status = ensurePrivateDirectory(dir); !status) {
    return status.error();
  }
  IssuedCertificate issued{pathIn(dir, kCaCertificateFile), pathIn(dir, kCaKeyFile), "", {}, {}};
  if (!options.overwrite) {
    if (auto status = refuseExisting({issued.key_path, issued.certificate_path},
                                     "replacing a CA invalidates every certificate it issued; "
                                     "use --force (overwrite) if that is what you want");
        !status) {
      return status.error();
    }
  }

  auto draft = draftCertificate(options.cn, *window, nullptr);
  if (!draft) {
    return draft.error();
  }
  X509* cert = draft->certificate.get();

  X509V3_CTX context;
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  // pathlen:0: this CA signs servers and agents only, never another CA.
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                   std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                                   std::pair{NID_subject_key_identifier, "hash"}}) {
    if (auto status = addExtension(cert, &context, nid, value); !status) {
      return status.error();
    }
  }
  if (X509_sign(cert, draft->key.get(), EVP_sha256()) == 0) {
    return opensslError("cannot sign the CA certificate");
  }

  if (auto status = writeKeyAndCertificate(dir, issued.key_path, issued.certificate_path,
                                           draft->key.get(), cert, options.overwrite);
      !status) {
    return status.error();
  }
  issued.serial_hex = draft->serial_hex;
  issued.not_before = window->not_before;
  issued.not_after = window->not_after;
  return issued;
}

Result<IssuedCertificate> issueCertificate(const std::string& dir,
                                           const CertificateOptions& options) {
  ERR_clear_error();
  if (auto status = validateCommonName(options.cn); !status) {
    return status.error();
  }
  auto window = resolveValidity(options.days, options.not_before, options.not_after);
  if (!window) {
    return window.error();
  }
  auto ca = loadCa(dir);
  if (!ca) {
    return ca.error();
  }
  const std::string ca_path = pathIn(dir, kCaCertificateFile);
  if (window->end_derived && window->not_after > ca->not_after) {
    window->not_after = ca->not_after;
    if (window->not_after <= window->not_before) {
      return Error{"the CA in " + ca_path + " expires (" + formatUtc(ca->not_after) +
                   ") before the certificate would start; create a new CA"};
    }
  }
  IssuedCertificate issued{
      pathIn(dir, options.cn + ".crt"), pathIn(dir, options.cn + ".key"), "", {}, {}};
  if (!options.overwrite) {
    if (auto status = refuseExisting({issued.key_path, issued.certificate_path},
                                     "use --force (overwrite) to replace the key and certificate");
        !status) {
      return status.error();
    }
  }

  auto draft = draftCertificate(options.cn, *window, ca->certificate.get());
  if (!draft) {
    return draft.error();
  }
  X509* cert = draft->certificate.get();

  X509V3_CTX context;
  X509V3_set_ctx(&context, ca->certificate.get(), cert, nullptr, nullptr, 0);
  // keyUsage has no keyEncipherment: the key is EC, which cannot encipher, and RFC 8813 forbids
  // the bit for EC keys. Server and agents use the same kind of certificate, hence both EKUs.
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                                   std::pair{NID_key_usage, "critical,digitalSignature"},
                                   std::pair{NID_ext_key_usage, "serverAuth,clientAuth"},
                                   std::pair{NID_subject_key_identifier, "hash"},
                                   std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (auto status = addExtension(cert, &context, nid, value); !status) {
      return status.error();
    }
  }
  if (auto status = addSubjectAltNames(cert, options); !status) {
    return status.error();
  }
  if (X509_sign(cert, ca->key.get(), EVP_sha256()) == 0) {
    return opensslError("cannot sign the certificate for " + printable(options.cn));
  }

  if (auto status = writeKeyAndCertificate(dir, issued.key_path, issued.certificate_path,
                                           draft->key.get(), cert, options.overwrite);
      !status) {
    return status.error();
  }
  issued.serial_hex = draft->serial_hex;
  issued.not_before = window->not_before;
  issued.not_after = window->not_after;
  return issued;
}

}  // namespace bsm::pki
