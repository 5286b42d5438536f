// mac1/mac2 and cookie replies (whitepaper section 5.4.4 and 5.4.7). CookieChecker is the responder side (checks
// MACs, issues cookies bound to the sender's address when under load); CookieGenerator is one per peer on the
// initiator side (adds MACs, stores the cookie from a reply). Never accepts a message without a valid mac1.
#pragma once

#include <chrono>
#include <optional>
#include <span>

#include "workers/tunnel/crypto.h"
#include "workers/tunnel/endpoint.h"
#include "workers/tunnel/messages.h"

namespace nefia::wg {

using SteadyTime = std::chrono::steady_clock::time_point;

class CookieChecker {
 public:
  explicit CookieChecker(const Key32& localPublicKey);
  void setLocalPublicKey(const Key32& localPublicKey);

  // message is a whole initiation or response; its last 32 bytes are mac1 || mac2.
  bool checkMac1(std::span<const uint8_t> message) const;
  bool checkMac2(std::span<const uint8_t> message, const UdpEndpoint& source, SteadyTime now);
  // The reply to send instead of processing message (receiver = the message's sender index).
  MessageCookieReply createReply(std::span<const uint8_t> message, uint32_t receiver, const UdpEndpoint& source,
                                 SteadyTime now);

 private:
  void currentCookie(const UdpEndpoint& source, SteadyTime now, Mac& cookie);

  Key32 mac1Key_;
  Key32 cookieEncryptionKey_;
  Key32 secret_;  // rotated every kCookieRefreshTime
  std::optional<SteadyTime> secretSetAt_;
};

class CookieGenerator {
 public:
  explicit CookieGenerator(const Key32& remotePublicKey);

  // Fills mac1 (always) and mac2 (when a cookie younger than kCookieRefreshTime is stored).
  void addMacs(std::span<uint8_t> message, SteadyTime now);
  // Accepts a cookie reply answering the last message we MACed; false when it does not decrypt.
  bool consumeReply(const MessageCookieReply& reply, SteadyTime now);

 private:
  Key32 mac1Key_;
  Key32 cookieEncryptionKey_;
  std::optional<Mac> lastMac1_;
  Mac cookie_{};
  std::optional<SteadyTime> cookieSetAt_;
};

}  // namespace nefia::wg
