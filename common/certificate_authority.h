#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/certificate_names.h"
#include "common/result.h"

// The deployment's private PKI: one CA per deployment that signs the server's and every agent's
// certificate. Agents and server authenticate each other by chaining to that CA, and the server
// takes an agent's id from its certificate's CN.
//
// Layout of a PKI directory:
//   DIR/ca.crt, DIR/ca.key        the CA (key mode 0600)
//   DIR/NAME.crt, DIR/NAME.key    one per server or agent, NAME = the certificate's CN
namespace bsm::pki {

using Clock = std::chrono::system_clock;

inline constexpr std::chrono::days kDefaultCaValidity{3650};
inline constexpr std::chrono::days kDefaultLeafValidity{825};
// Longest validity accepted from a caller; a bound on what an operator's typo can produce.
inline constexpr std::chrono::days kMaxValidity{36500};

// Validity works the same for CA and leaf certificates:
//   not_before unset: now minus one hour, so that a peer whose clock is a little behind accepts
//                     a certificate issued a moment ago;
//   not_after unset:  (not_before, or now) plus `days`.
// Setting both lets a test make an expired or a not-yet-valid certificate.
// Every member has a default, so that a test can write `{.cn = "web-1", .overwrite = true}`.
struct CaOptions {
  std::string cn = "bsm CA";
  std::chrono::days days = kDefaultCaValidity;
  std::optional<Clock::time_point> not_before{};
  std::optional<Clock::time_point> not_after{};
  // Replacing a CA invalidates every certificate it issued, so it is refused unless asked for.
  bool overwrite = false;
};

struct CertificateOptions {
  // Also the file name (DIR/cn.crt) and, for an agent, its id; see validateCommonName().
  std::string cn{};
  // Each entry goes in as an IP address if it parses as IPv4 or IPv6, else as a DNS name. With
  // none, the CN itself is used when it is a DNS name or an IP address.
  std::vector<std::string> sans{};
  // When derived from `days`, not_after is cut to the CA's own not_after: a certificate cannot
  // outlive its issuer. An explicit not_after is used as given.
  std::chrono::days days = kDefaultLeafValidity;
  std::optional<Clock::time_point> not_before{};
  std::optional<Clock::time_point> not_after{};
  // Re-issuing replaces the key and certificate of that name; refused unless asked for so that
  // a typo cannot silently replace the server's key.
  bool overwrite = false;
};

// What was written.
struct IssuedCertificate {
  std::string certificate_path;
  std::string key_path;
  std::string serial_hex;
  Clock::time_point not_before;
  Clock::time_point not_after;
};

// Creates DIR (mode 0700) if missing and writes DIR/ca.crt and DIR/ca.key: an EC P-256 key and
// a self-signed certificate (CA:TRUE, pathlen 0, keyCertSign + cRLSign).
Result<IssuedCertificate> createCa(const std::string& dir, const CaOptions& options = {});

// Writes DIR/<cn>.crt and DIR/<cn>.key signed by DIR's CA: EC P-256, usable for TLS server and
// client authentication alike.
// TODO: no revocation yet; a stolen agent key stays trusted until it expires or the CA is
// replaced. A `revoke` that writes a CRL the server loads would let an operator cut off one agent.
Result<IssuedCertificate> issueCertificate(const std::string& dir,
                                           const CertificateOptions& options);

}  // namespace bsm::pki
