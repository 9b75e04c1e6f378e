#include "plugins/nagios/nrpe_client.h"

#include <openssl/err.h>

#include <optional>
#include <vector>

#include "common/logging.h"
#include "plugins/nagios/nrpe_packet.h"

namespace bsm::plugins::nagios {

namespace {

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = logging::get("plugin.nagios");
  return log;
}

// nrpe hangs up without a word whenever it refuses a query, so the reasons it may have had go
// into the message: an operator cannot see the server's log from here.
constexpr const char* kRefusalHint =
    "; nrpe hangs up without answering when it refuses a query: arguments it does not accept "
    "(dont_blame_nrpe, or a build without argument support), a character from "
    "nasty_metachars, an address outside allowed_hosts, or TLS on one side only";

// The first bytes of a TLS record (a handshake or an alert) where an NRPE packet was expected.
bool looksLikeTls(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 && (bytes[0] == 0x15 || bytes[0] == 0x16) && bytes[1] == 0x03;
}

Result<NrpeClient::ContextPtr> makeContext(const NrpeClientOptions& options) {
  using ContextPtr = NrpeClient::ContextPtr;
  if (options.tls == NrpeTls::kNone) {
    return ContextPtr(nullptr, &SSL_CTX_free);
  }
  ERR_clear_error();
  ContextPtr context(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!context) {
    return Error{"cannot create a TLS context: " + net::tlsErrors()};
  }
  SSL_CTX* native = context.get();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // Many nrpe servers end a connection without close_notify; that is an end, not an attack,
  // since every NRPE packet carries its own length and CRC.
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);

  if (options.tls == NrpeTls::kAdh) {
    // Anonymous DH exists only up to TLS 1.2 and only at security level 0; nrpe without a
    // certificate offers nothing else, so that is what we must ask for.
    SSL_CTX_set_max_proto_version(native, TLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(native, "ADH:@SECLEVEL=0") != 1) {
      return Error{"this OpenSSL offers no anonymous DH cipher: " + net::tlsErrors()};
    }
    SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
    return context;
  }

  if (SSL_CTX_load_verify_locations(native, options.ca.c_str(), nullptr) != 1) {
    return Error{"cannot load the CA certificate " + options.ca + ": " + net::tlsErrors()};
  }
  if (!options.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(native, options.cert.c_str()) != 1) {
      return Error{"cannot load the certificate " + options.cert + ": " + net::tlsErrors()};
    }
    if (SSL_CTX_use_PrivateKey_file(native, options.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      return Error{"cannot load the private key " + options.key + ": " + net::tlsErrors()};
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      return Error{"the private key " + options.key + " does not belong to the certificate " +
                   options.cert};
    }
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_verify_depth(native, 4);
  ERR_clear_error();
  return context;
}

}  // namespace

// The outcome of one query on one connection.
struct NrpeClient::Attempt {
  std::optional<NrpeReply> reply;
  std::string error;
  bool fallback = false;      // another version may succeed where this one failed
  bool hung_up_mute = false;  // the server hung up before sending a single byte
};

Result<std::unique_ptr<NrpeClient>> NrpeClient::create(NrpeClientOptions options) {
  auto context = makeContext(options);
  if (!context) {
    return context.error();
  }
  if (options.tls == NrpeTls::kCertificate && options.server_name.empty()) {
    options.server_name = options.peer.host;
  }
  return std::unique_ptr<NrpeClient>(
      new NrpeClient(std::move(options), std::move(context).value()));
}

std::string NrpeClient::prefix() const {
  return "NRPE " + options_.peer.toString() + ": ";
}

Result<NrpeReply> NrpeClient::query(std::string_view query, std::chrono::milliseconds timeout) {
  const net::Deadline deadline = net::Deadline::in(timeout);
  std::vector<int> versions;
  switch (options_.version) {
    case NrpeVersion::kV4:
      versions = {4};
      break;
    case NrpeVersion::kV2:
      versions = {2};
      break;
    case NrpeVersion::kAuto:
      versions = working_version_ == 2 ? std::vector<int>{2, 4} : std::vector<int>{4, 2};
      break;
  }

  std::vector<Attempt> failed;
  for (const int version : versions) {
    Attempt attempt = exchange(version, query, deadline);
    if (attempt.reply) {
      if (working_version_ != version) {
        logger()->debug("peer={} answers NRPE version {}", options_.peer.toString(), version);
      }
      working_version_ = version;
      return std::move(*attempt.reply);
    }
    failed.push_back(std::move(attempt));
    if (!failed.back().fallback || deadline.passed()) {
      break;
    }
    logger()->debug("peer={} version={} failed, trying the other version: {}",
                    options_.peer.toString(), version, failed.back().error);
  }

  const Attempt& last = failed.back();
  std::string message = prefix() + last.error;
  if (failed.size() > 1) {
    const Attempt& first = failed.front();
    message += first.error == last.error
                   ? " (with version " + std::to_string(versions[0]) + " and then " +
                         std::to_string(versions[1]) + ")"
                   : " (version " + std::to_string(versions[1]) + "; version " +
                         std::to_string(versions[0]) + " before it: " + first.error + ")";
  }
  if (last.hung_up_mute) {
    message += kRefusalHint;
  }
  return Error{message};
}

NrpeClient::Attempt NrpeClient::exchange(int version, std::string_view query,
                                         const net::Deadline& deadline) {
  Attempt attempt;
  auto packet = encodeNrpePacket({version, NrpePacketType::kQuery, 0, std::string(query)});
  if (!packet) {
    attempt.error = packet.error().message;
    return attempt;
  }
  auto connection =
      net::DeadlineConnection::open(options_.peer, tls_.get(), options_.server_name, deadline);
  if (!connection) {
    attempt.error = connection.error().message;
    if (attempt.error.ends_with(net::kPlaintextPeerHint)) {
      attempt.error.resize(attempt.error.size() - net::kPlaintextPeerHint.size());
      attempt.error += " (a server started with 'nrpe -n' takes no TLS: then set tls: none)";
    }
    return attempt;
  }
  if (Status sent = (*connection)->writeAll(*packet, deadline); !sent) {
    attempt.error = sent.error().message;
    return attempt;
  }

  // The header says how long the rest is; both sizes are checked before anything is kept.
  std::vector<uint8_t> bytes(kNrpeHeaderSize);
  auto header = (*connection)->readFull(bytes, deadline);
  if (!header) {
    attempt.error = header.error().message;
    return attempt;
  }
  const std::span<const uint8_t> received(bytes.data(), header->bytes);
  const bool plaintext = options_.tls == NrpeTls::kNone;
  const char* tls_hint = plaintext && looksLikeTls(received)
                             ? " (that was TLS: the server wants it, so drop tls: none)"
                             : "";
  if (header->bytes == 0) {
    attempt.error = "the server " + header->ended + " the connection without a response";
    attempt.fallback = true;
    attempt.hung_up_mute = true;
    return attempt;
  }
  if (header->bytes < kNrpeHeaderSize) {
    attempt.error = "the server sent " + std::to_string(header->bytes) + " bytes and then " +
                    header->ended + " the connection" + tls_hint;
    attempt.fallback = true;
    return attempt;
  }
  auto size = nrpePacketSize(bytes);
  if (!size) {
    attempt.error = size.error().message + tls_hint;
    return attempt;
  }
  // nrpe answers in the version it was asked in; an old server that knows only version 2 may
  // answer a version 4 query in version 2, and is then asked again in its own version.
  const int answered = (bytes[0] << 8) | bytes[1];
  attempt.fallback = answered != version;

  bytes.resize(*size);
  auto body = (*connection)->readFull(std::span(bytes).subspan(kNrpeHeaderSize), deadline);
  if (!body) {
    attempt.error = body.error().message;
    return attempt;
  }
  if (!body->ended.empty()) {
    attempt.error = "the server sent " + std::to_string(kNrpeHeaderSize + body->bytes) +
                    " of the " + std::to_string(*size) + " bytes of its response and then " +
                    body->ended + " the connection";
    attempt.fallback = true;
    return attempt;
  }
  auto response = decodeNrpeResponse(bytes, version);
  if (!response) {
    attempt.error = response.error().message;
    return attempt;
  }
  attempt.reply = NrpeReply{response->version, response->result_code, std::move(response->text)};
  return attempt;
}

}  // namespace bsm::plugins::nagios
