// mac1 = MAC(HASH("mac1----" || responder public key), msg up to mac1); mac2 = MAC(cookie, msg up to mac2);
// cookie = MAC(secret, source address || port), sent encrypted with XChaCha20-Poly1305 under
// HASH("cookie--" || responder public key) with mac1 as associated data. Must compare MACs in constant time.
#include "workers/tunnel/cookie.h"

#include <sodium.h>

#include <cstring>
#include <string_view>

#include "workers/tunnel/constants.h"

namespace nefia::wg {
namespace {

Bytes labelBytes(std::string_view label) {
  return Bytes(reinterpret_cast<const uint8_t*>(label.data()), label.size());
}

void deriveKeys(const Key32& publicKey, Key32& mac1Key, Key32& cookieEncryptionKey) {
  blake2s256(labelBytes(kLabelMac1), bytesOf(publicKey), mac1Key.data());
  blake2s256(labelBytes(kLabelCookie), bytesOf(publicKey), cookieEncryptionKey.data());
}

// The bytes mac1 covers and the position of mac1 inside message (mac2 follows it).
std::size_t mac1Offset(std::span<const uint8_t> message) { return message.size() - 2 * kMacSize; }

}  // namespace

CookieChecker::CookieChecker(const Key32& localPublicKey) { setLocalPublicKey(localPublicKey); }

void CookieChecker::setLocalPublicKey(const Key32& localPublicKey) {
  deriveKeys(localPublicKey, mac1Key_, cookieEncryptionKey_);
}

bool CookieChecker::checkMac1(std::span<const uint8_t> message) const {
  if (message.size() < 2 * kMacSize) return false;
  const std::size_t offset = mac1Offset(message);
  Mac expected;
  keyedBlake2s(bytesOf(mac1Key_), message.first(offset), {}, expected.data(), kMacSize);
  return sodium_memcmp(expected.data(), message.data() + offset, kMacSize) == 0;
}

void CookieChecker::currentCookie(const UdpEndpoint& source, SteadyTime now, Mac& cookie) {
  if (!secretSetAt_ || now - *secretSetAt_ >= kCookieRefreshTime) {
    randomBytes(secret_.data(), secret_.size());
    secretSetAt_ = now;
  }
  uint8_t identity[18];
  const std::size_t size = source.identityBytes(identity);
  keyedBlake2s(bytesOf(secret_), Bytes(identity, size), {}, cookie.data(), kMacSize);
}

bool CookieChecker::checkMac2(std::span<const uint8_t> message, const UdpEndpoint& source, SteadyTime now) {
  if (message.size() < 2 * kMacSize) return false;
  Mac cookie;
  currentCookie(source, now, cookie);
  const std::size_t mac2Offset = message.size() - kMacSize;
  Mac expected;
  keyedBlake2s(bytesOf(cookie), message.first(mac2Offset), {}, expected.data(), kMacSize);
  return sodium_memcmp(expected.data(), message.data() + mac2Offset, kMacSize) == 0;
}

MessageCookieReply CookieChecker::createReply(std::span<const uint8_t> message, uint32_t receiver,
                                              const UdpEndpoint& source, SteadyTime now) {
  MessageCookieReply reply;
  reply.receiver = receiver;
  randomBytes(reply.nonce.data(), reply.nonce.size());
  Mac cookie;
  currentCookie(source, now, cookie);
  const Bytes mac1 = message.subspan(mac1Offset(message), kMacSize);
  xaeadSeal(cookieEncryptionKey_, reply.nonce.data(), bytesOf(cookie), mac1, reply.encryptedCookie.data());
  return reply;
}

CookieGenerator::CookieGenerator(const Key32& remotePublicKey) {
  deriveKeys(remotePublicKey, mac1Key_, cookieEncryptionKey_);
}

void CookieGenerator::addMacs(std::span<uint8_t> message, SteadyTime now) {
  const std::size_t offset = message.size() - 2 * kMacSize;
  Mac mac1;
  keyedBlake2s(bytesOf(mac1Key_), message.first(offset), {}, mac1.data(), kMacSize);
  std::memcpy(message.data() + offset, mac1.data(), kMacSize);
  lastMac1_ = mac1;
  uint8_t* mac2 = message.data() + offset + kMacSize;
  if (cookieSetAt_ && now - *cookieSetAt_ < kCookieRefreshTime) {
    keyedBlake2s(bytesOf(cookie_), message.first(offset + kMacSize), {}, mac2, kMacSize);
  } else {
    std::memset(mac2, 0, kMacSize);
  }
}

bool CookieGenerator::consumeReply(const MessageCookieReply& reply, SteadyTime now) {
  if (!lastMac1_) return false;
  Mac cookie;
  if (!xaeadOpen(cookieEncryptionKey_, reply.nonce.data(), bytesOf(reply.encryptedCookie), bytesOf(*lastMac1_),
                 cookie.data())) {
    return false;
  }
  cookie_ = cookie;
  cookieSetAt_ = now;
  lastMac1_.reset();
  return true;
}

}  // namespace nefia::wg
