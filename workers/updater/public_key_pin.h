// Trust by public-key pin: the server's leaf certificate is accepted only when the SHA-256 of its
// SubjectPublicKeyInfo equals the pin. This replaces CA path checks for that connection; it never accepts more.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

namespace nefia::updater {

// "sha256//<base64>" (libcurl's CURLOPT_PINNEDPUBLICKEY form) of a certificate's public key, "" on failure.
std::string publicKeyPinOf(X509* certificate);

struct PinCheck {
  std::string pin;        // "sha256//..."
  bool mismatch = false;  // set when a server presented another key
};

// Makes every handshake on sslContext verify the peer by check->pin (which must outlive the context's use).
void installPinVerification(SSL_CTX* sslContext, PinCheck* check);

}  // namespace nefia::updater
