// Trust by public-key pin (see public_key_pin.h). The callback replaces OpenSSL's chain verification and
// reports X509_V_OK only for the pinned key, so libcurl's VERIFYPEER check still sees a real verdict.
#include "workers/updater/public_key_pin.h"

#include <openssl/evp.h>

#include <array>
#include <vector>

namespace nefia::updater {
namespace {

int verifyByPin(X509_STORE_CTX* store, void* arg) {
  auto* check = static_cast<PinCheck*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (leaf != nullptr && !check->pin.empty() && publicKeyPinOf(leaf) == check->pin) {
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
  }
  check->mismatch = true;
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

}  // namespace

std::string publicKeyPinOf(X509* certificate) {
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), nullptr);
  if (length <= 0) return "";
  std::vector<unsigned char> der(static_cast<size_t>(length));
  unsigned char* cursor = der.data();
  if (i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &cursor) != length) return "";
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digestLength = 0;
  if (EVP_Digest(der.data(), der.size(), digest.data(), &digestLength, EVP_sha256(), nullptr) != 1) return "";
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> base64{};
  const int base64Length = EVP_EncodeBlock(base64.data(), digest.data(), static_cast<int>(digestLength));
  return "sha256//" + std::string(reinterpret_cast<char*>(base64.data()), static_cast<size_t>(base64Length));
}

void installPinVerification(SSL_CTX* sslContext, PinCheck* check) {
  SSL_CTX_set_cert_verify_callback(sslContext, &verifyByPin, check);
}

}  // namespace nefia::updater
