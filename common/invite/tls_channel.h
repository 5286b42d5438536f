// TLS 1.3 for the enrollment exchange (OpenSSL): the hub's self-signed identity, its SHA-256 pin, and framed
// blocking reads/writes on an established connection. No certificate authorities: trust comes only from the pin
// carried by the signed invite token. Never logs key material.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nefia::invite {

struct SslContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslContextPtr = std::unique_ptr<SSL_CTX, SslContextDeleter>;
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

struct TlsIdentity {
  std::string certificatePem;
  std::string privateKeyPem;  // secret: file mode 0600, never logged
};

// A new P-256 key and a self-signed certificate (CN=commonName, valid 10 years).
Result<TlsIdentity> createSelfSignedIdentity(std::string_view commonName);

// Lowercase hex SHA-256 of the DER certificate: what invite tokens pin.
Result<std::string> certificatePemSha256(std::string_view certificatePem);
std::string certificateSha256(X509* certificate);

// Contexts that speak TLS 1.3 only.
Result<SslContextPtr> makeServerContext(const TlsIdentity& identity);
Result<SslContextPtr> makeClientContext();

// The last OpenSSL error as text (or "connection closed"), for messages.
std::string lastTlsError();

// One frame: u32 big-endian length + body. readFrame refuses a body above maxBytes before reading it.
Status writeFrame(SSL* ssl, std::string_view body);
Result<std::string> readFrame(SSL* ssl, std::size_t maxBytes);

}  // namespace nefia::invite
