// The four WireGuard wire messages as plain structs, with bounds-checked parsing and serialisation.
// Parsers never trust a length they did not check and never allocate; they are the libFuzzer entry points.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "workers/tunnel/constants.h"
#include "workers/tunnel/crypto.h"
#include "workers/tunnel/tai64n.h"

namespace nefia::wg {

struct MessageInitiation {
  uint32_t sender = 0;
  std::array<uint8_t, kKeySize> ephemeral{};
  std::array<uint8_t, kKeySize + kAeadTagSize> encryptedStatic{};
  std::array<uint8_t, kTimestampSize + kAeadTagSize> encryptedTimestamp{};
  Mac mac1{};
  Mac mac2{};
};

struct MessageResponse {
  uint32_t sender = 0;
  uint32_t receiver = 0;
  std::array<uint8_t, kKeySize> ephemeral{};
  std::array<uint8_t, kAeadTagSize> encryptedNothing{};
  Mac mac1{};
  Mac mac2{};
};

struct MessageCookieReply {
  uint32_t receiver = 0;
  std::array<uint8_t, kXNonceSize> nonce{};
  std::array<uint8_t, kMacSize + kAeadTagSize> encryptedCookie{};
};

// Header of a transport message; the ciphertext (padded plaintext + tag) follows it.
struct TransportHeader {
  uint32_t receiver = 0;
  uint64_t counter = 0;
};

// Where mac1 and mac2 start inside initiation and response messages (each MAC covers everything before it).
inline constexpr std::size_t kInitiationMac1Offset = kMessageInitiationSize - 2 * kMacSize;
inline constexpr std::size_t kResponseMac1Offset = kMessageResponseSize - 2 * kMacSize;

// The 32-bit little-endian type field (type byte plus three reserved zero bytes), or nullopt when the datagram
// is shorter than that; a non-zero reserved byte yields a type no parser accepts.
std::optional<uint32_t> messageType(std::span<const uint8_t> datagram);

std::optional<MessageInitiation> parseInitiation(std::span<const uint8_t> datagram);
std::optional<MessageResponse> parseResponse(std::span<const uint8_t> datagram);
std::optional<MessageCookieReply> parseCookieReply(std::span<const uint8_t> datagram);
// Accepts datagrams of at least kMessageTransportMinSize bytes; the payload is datagram[16..].
std::optional<TransportHeader> parseTransportHeader(std::span<const uint8_t> datagram);

void serialize(const MessageInitiation& message, std::span<uint8_t, kMessageInitiationSize> out);
void serialize(const MessageResponse& message, std::span<uint8_t, kMessageResponseSize> out);
void serialize(const MessageCookieReply& message, std::span<uint8_t, kMessageCookieReplySize> out);
void serialize(const TransportHeader& header, std::span<uint8_t, kMessageTransportHeaderSize> out);

}  // namespace nefia::wg
