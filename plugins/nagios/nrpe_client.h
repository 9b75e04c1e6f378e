#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/host_port.h"
#include "common/result.h"
#include "plugins/net/deadline_connection.h"

namespace bsm::plugins::nagios {

enum class NrpeTls {
  kAdh,          // anonymous Diffie-Hellman: nrpe's default; encrypted, but nobody is verified
  kCertificate,  // the server must present a certificate from `ca`; ours is `cert`/`key`
  kNone,         // plaintext, for a server started with `nrpe -n`
};

enum class NrpeVersion {
  kAuto,  // version 4, falling back to 2 when the server hangs up or stops short
  kV4,
  kV2,
};

// Every member has a default, so that a caller can write `{.peer = ..., .tls = ...}`.
struct NrpeClientOptions {
  HostPort peer{};
  NrpeTls tls = NrpeTls::kAdh;
  std::string ca{};    // certificate mode: the CA the server's certificate must chain to
  std::string cert{};  // certificate mode, optional: what we present when the server asks
  std::string key{};
  // Certificate mode: the DNS name or address the server's certificate must carry; empty means
  // the host we connect to.
  std::string server_name{};
  NrpeVersion version = NrpeVersion::kAuto;
};

// What the server answered.
struct NrpeReply {
  int version = 0;          // the packet version that carried it
  int16_t result_code = 0;  // the check's state as nrpe reports it, normally 0..3
  std::string text;
};

// Sends NRPE queries to one server, one connection per query, as check_nrpe does.
//
// In auto mode a query goes out as version 4 first. When the server closes the connection,
// resets it, stops short of a whole packet or answers in another version (what an NRPE 2.x
// server does with a version 4 query), the query is sent again as version 2 on a fresh
// connection, within the same timeout. The version that answered is remembered and tried
// first next time. Not thread-safe: an input makes one query at a time.
class NrpeClient {
 public:
  using ContextPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

  // Builds the TLS context; fails naming a CA, certificate or key file that cannot be used.
  // TODO: the files are read once, here; a renewed certificate or CA takes effect only when
  // the agent restarts. Reloading them when they change would spare that restart.
  static Result<std::unique_ptr<NrpeClient>> create(NrpeClientOptions options);

  // Sends `query` (`command` or `command!arg!...`) and waits for the answer, all within
  // `timeout`. Errors read "NRPE host:port: reason".
  Result<NrpeReply> query(std::string_view query, std::chrono::milliseconds timeout);

  const NrpeClientOptions& options() const { return options_; }
  // The version that answered last, 0 before any answer.
  int workingVersion() const { return working_version_; }

 private:
  struct Attempt;

  NrpeClient(NrpeClientOptions options, ContextPtr tls)
      : options_(std::move(options)), tls_(std::move(tls)) {}

  Attempt exchange(int version, std::string_view query, const net::Deadline& deadline);
  std::string prefix() const;

  NrpeClientOptions options_;
  ContextPtr tls_;
  int working_version_ = 0;
};

}  // namespace bsm::plugins::nagios
