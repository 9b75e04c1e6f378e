#pragma once

#include <memory>
#include <string>

#include <asio/ssl.hpp>

#include "common/result.h"
#include "common/tls_files.h"

namespace bsm {

enum class TlsRole { kServer, kClient };

// A TLS context for the agent stream: TLS 1.2 at least, the peer must present a certificate
// issued by `files.ca`, and ours is loaded from `files.cert`/`files.key`. Fails with an error
// naming the file that could not be used.
Result<std::shared_ptr<asio::ssl::context>> makeTlsContext(const TlsFiles& files, TlsRole role);

// Checks our own certificate before it is used: readable, chains to `files.ca`, valid now,
// and, when `expected_cn` is not empty, issued to that name (an agent's id). The error names
// the file and what is wrong, so --check-config can catch what the handshake would refuse.
Status checkOwnCertificate(const TlsFiles& files, const std::string& expected_cn);

// The subject CN of the peer's certificate on a completed handshake, empty when there is none.
std::string peerCommonName(SSL* ssl);

// Why the peer's certificate was refused, from OpenSSL's verify result ("certificate has
// expired", "unable to get local issuer certificate"...), or empty when it was not refused.
std::string peerVerifyFailure(SSL* ssl);

// OpenSSL's queued errors as one line, for messages; clears the queue.
std::string openSslErrors();

}  // namespace bsm
