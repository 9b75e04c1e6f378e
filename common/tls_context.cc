#include "common/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

namespace bsm {

std::string openSslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    out += out.empty() ? "" : "; ";
    out += text;
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

Result<std::shared_ptr<asio::ssl::context>> makeTlsContext(const TlsFiles& files, TlsRole role) {
  auto context = std::make_shared<asio::ssl::context>(
      role == TlsRole::kServer ? asio::ssl::context::tls_server : asio::ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  ERR_clear_error();
  // TLS 1.2 is the floor the design promises; OpenSSL negotiates 1.3 when both sides have it.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);

  if (SSL_CTX_load_verify_locations(native, files.ca.c_str(), nullptr) != 1) {
    return Error{"cannot load the CA certificate " + files.ca + ": " + openSslErrors()};
  }
  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1) {
    return Error{"cannot load the certificate " + files.cert + ": " + openSslErrors()};
  }
  if (SSL_CTX_use_PrivateKey_file(native, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error{"cannot load the private key " + files.key + ": " + openSslErrors()};
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error{"the private key " + files.key + " does not belong to the certificate " +
                 files.cert};
  }

  // Both sides insist on a certificate from the deployment's CA. The server also announces
  // that CA so clients with several certificates pick the right one.
  int mode = SSL_VERIFY_PEER;
  if (role == TlsRole::kServer) {
    mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE;
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
  }
  SSL_CTX_set_verify(native, mode, nullptr);
  SSL_CTX_set_verify_depth(native, 4);
  ERR_clear_error();
  return context;
}

namespace {

std::string commonNameOf(X509* cert) {
  std::string cn;
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length > 0) {
      cn.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
    }
    OPENSSL_free(utf8);
  }
  return cn;
}

}  // namespace

Status checkOwnCertificate(const TlsFiles& files, const std::string& expected_cn) {
  using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;
  using StorePtr = std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)>;
  using ContextPtr = std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)>;
  using FilePtr = std::unique_ptr<FILE, decltype(&fclose)>;

  FilePtr file(fopen(files.cert.c_str(), "r"), &fclose);
  if (!file) {
    return Error{"cannot read the certificate " + files.cert};
  }
  CertPtr cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) {
    return Error{files.cert + " holds no PEM certificate: " + openSslErrors()};
  }
  StorePtr store(X509_STORE_new(), &X509_STORE_free);
  if (X509_STORE_load_file(store.get(), files.ca.c_str()) != 1) {
    return Error{"cannot load the CA certificate " + files.ca + ": " + openSslErrors()};
  }
  ContextPtr context(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  X509_STORE_CTX_init(context.get(), store.get(), cert.get(), nullptr);
  if (X509_verify_cert(context.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(context.get());
    return Error{files.cert + " is not usable with the CA " + files.ca + ": " +
                 X509_verify_cert_error_string(error)};
  }
  if (!expected_cn.empty()) {
    const std::string cn = commonNameOf(cert.get());
    if (cn != expected_cn) {
      return Error{files.cert + " is issued to '" + cn + "' but the agent id is '" + expected_cn +
                   "': the server takes the id from the certificate, so they must match"};
    }
  }
  return Status::success();
}

std::string peerCommonName(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) {
    return {};
  }
  std::string cn = commonNameOf(cert);
  X509_free(cert);
  return cn;
}

std::string peerVerifyFailure(SSL* ssl) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) {
    return {};
  }
  return X509_verify_cert_error_string(result);
}

}  // namespace bsm
