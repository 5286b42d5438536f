// OpenSSL plumbing for the enrollment channel. Every OpenSSL object is owned by a unique_ptr; the private key PEM
// only travels in memory buffers that the caller stores with mode 0600.
#include "common/invite/tls_channel.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <array>
#include <cstdio>

#include "common/invite/enroll_protocol.h"

namespace nefia::invite {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

constexpr long kCertificateLifetimeSeconds = 10L * 365 * 24 * 3600;

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<X509Ptr> parseCertificate(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!certificate) return makeError("not a PEM certificate: " + lastTlsError());
  return certificate;
}

Status restrictToTls13(SSL_CTX* context) {
  if (SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) != 1) {
    return makeError("OpenSSL refused TLS 1.3 only: " + lastTlsError());
  }
  return Status::success();
}

Status writeAll(SSL* ssl, const void* data, std::size_t size) {
  std::size_t written = 0;
  if (size > 0 && SSL_write_ex(ssl, data, size, &written) != 1) return makeError("TLS write failed: " + lastTlsError());
  return Status::success();
}

Status readExactly(SSL* ssl, void* data, std::size_t size) {
  auto* cursor = static_cast<uint8_t*>(data);
  while (size > 0) {
    std::size_t got = 0;
    if (SSL_read_ex(ssl, cursor, size, &got) != 1) return makeError("TLS read failed: " + lastTlsError());
    cursor += got;
    size -= got;
  }
  return Status::success();
}

}  // namespace

std::string lastTlsError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "connection closed or timed out";
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

Result<TlsIdentity> createSelfSignedIdentity(std::string_view commonName) {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  X509Ptr certificate(X509_new());
  if (!key || !certificate) return makeError("cannot create the hub's TLS key: " + lastTlsError());
  std::array<uint8_t, 16> serial{};
  if (RAND_bytes(serial.data(), serial.size()) != 1) return makeError("no randomness for the certificate serial");
  serial[0] &= 0x7f;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serialNumber(BN_bin2bn(serial.data(), serial.size(), nullptr), BN_free);
  const std::string name(commonName);
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  if (!serialNumber || X509_set_version(certificate.get(), 2) != 1 ||
      !BN_to_ASN1_INTEGER(serialNumber.get(), X509_get_serialNumber(certificate.get())) ||
      !X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kCertificateLifetimeSeconds) ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(name.c_str()),
                                 -1, -1, 0) != 1 ||
      X509_set_issuer_name(certificate.get(), subject) != 1 || X509_set_pubkey(certificate.get(), key.get()) != 1 ||
      X509_sign(certificate.get(), key.get(), EVP_sha256()) == 0) {
    return makeError("cannot create the hub's TLS certificate: " + lastTlsError());
  }
  BioPtr certificateBio(BIO_new(BIO_s_mem()));
  BioPtr keyBio(BIO_new(BIO_s_mem()));
  if (!certificateBio || !keyBio || PEM_write_bio_X509(certificateBio.get(), certificate.get()) != 1 ||
      PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return makeError("cannot encode the hub's TLS identity: " + lastTlsError());
  }
  return TlsIdentity{bioText(certificateBio.get()), bioText(keyBio.get())};
}

std::string certificateSha256(X509* certificate) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (certificate == nullptr || X509_digest(certificate, EVP_sha256(), digest.data(), &length) != 1) return "";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    std::array<char, 3> pair{};
    std::snprintf(pair.data(), pair.size(), "%02x", digest[i]);
    hex += pair.data();
  }
  return hex;
}

Result<std::string> certificatePemSha256(std::string_view certificatePem) {
  Result<X509Ptr> certificate = parseCertificate(certificatePem);
  if (!certificate.ok()) return makeError(certificate.error());
  return certificateSha256(certificate->get());
}

Result<SslContextPtr> makeServerContext(const TlsIdentity& identity) {
  SslContextPtr context(SSL_CTX_new(TLS_server_method()));
  if (!context) return makeError("cannot create a TLS server context: " + lastTlsError());
  if (Status status = restrictToTls13(context.get()); !status.ok()) return makeError(status.error());
  Result<X509Ptr> certificate = parseCertificate(identity.certificatePem);
  if (!certificate.ok()) return makeError("hub certificate: " + certificate.error());
  BioPtr keyBio(BIO_new_mem_buf(identity.privateKeyPem.data(), static_cast<int>(identity.privateKeyPem.size())));
  KeyPtr key(keyBio ? PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return makeError("hub private key is not a PEM key: " + lastTlsError());
  if (SSL_CTX_use_certificate(context.get(), certificate->get()) != 1 ||
      SSL_CTX_use_PrivateKey(context.get(), key.get()) != 1 || SSL_CTX_check_private_key(context.get()) != 1) {
    return makeError("hub certificate and key do not belong together: " + lastTlsError());
  }
  return context;
}

Result<SslContextPtr> makeClientContext() {
  SslContextPtr context(SSL_CTX_new(TLS_client_method()));
  if (!context) return makeError("cannot create a TLS client context: " + lastTlsError());
  if (Status status = restrictToTls13(context.get()); !status.ok()) return makeError(status.error());
  // The certificate is self-signed: it is checked against the token's pin right after the handshake.
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  return context;
}

Status writeFrame(SSL* ssl, std::string_view body) {
  const auto header = frameHeader(body.size());
  std::string message(reinterpret_cast<const char*>(header.data()), header.size());
  message.append(body);
  return writeAll(ssl, message.data(), message.size());
}

Result<std::string> readFrame(SSL* ssl, std::size_t maxBytes) {
  std::array<uint8_t, kFrameHeaderBytes> header{};
  if (Status status = readExactly(ssl, header.data(), header.size()); !status.ok()) return makeError(status.error());
  Result<std::size_t> length = frameLength(header, maxBytes);
  if (!length.ok()) return makeError(length.error());
  std::string body(length.value(), '\0');
  if (Status status = readExactly(ssl, body.data(), body.size()); !status.ok()) return makeError(status.error());
  return body;
}

}  // namespace nefia::invite
