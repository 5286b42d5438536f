// Byte layout of WireGuard messages (whitepaper section 5.4): little-endian integers, fixed offsets.
// Must never read past the span it was given; every size check happens before the first read.
#include "workers/tunnel/messages.h"

#include <cstring>

namespace nefia::wg {
namespace {

uint32_t readLe32(const uint8_t* bytes) {
  return static_cast<uint32_t>(bytes[0]) | static_cast<uint32_t>(bytes[1]) << 8 |
         static_cast<uint32_t>(bytes[2]) << 16 | static_cast<uint32_t>(bytes[3]) << 24;
}

uint64_t readLe64(const uint8_t* bytes) {
  return static_cast<uint64_t>(readLe32(bytes)) | static_cast<uint64_t>(readLe32(bytes + 4)) << 32;
}

void writeLe32(uint8_t* bytes, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
}

void writeLe64(uint8_t* bytes, uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
}

// Sequential reader/writer over a fixed-size message whose size was checked up front.
template <typename Byte>
class Cursor {
 public:
  explicit Cursor(Byte* bytes) : bytes_(bytes) {}
  Byte* take(std::size_t count) {
    Byte* at = bytes_ + offset_;
    offset_ += count;
    return at;
  }

 private:
  Byte* bytes_;
  std::size_t offset_ = 0;
};

template <std::size_t N>
void copyOut(Cursor<const uint8_t>& cursor, std::array<uint8_t, N>& field) {
  std::memcpy(field.data(), cursor.take(N), N);
}

template <std::size_t N>
void copyIn(Cursor<uint8_t>& cursor, const std::array<uint8_t, N>& field) {
  std::memcpy(cursor.take(N), field.data(), N);
}

}  // namespace

std::optional<uint32_t> messageType(std::span<const uint8_t> datagram) {
  if (datagram.size() < 4) return std::nullopt;
  return readLe32(datagram.data());
}

std::optional<MessageInitiation> parseInitiation(std::span<const uint8_t> datagram) {
  if (datagram.size() != kMessageInitiationSize || readLe32(datagram.data()) != kMessageInitiationType) {
    return std::nullopt;
  }
  Cursor<const uint8_t> cursor(datagram.data() + 4);
  MessageInitiation message;
  message.sender = readLe32(cursor.take(4));
  copyOut(cursor, message.ephemeral);
  copyOut(cursor, message.encryptedStatic);
  copyOut(cursor, message.encryptedTimestamp);
  copyOut(cursor, message.mac1);
  copyOut(cursor, message.mac2);
  return message;
}

std::optional<MessageResponse> parseResponse(std::span<const uint8_t> datagram) {
  if (datagram.size() != kMessageResponseSize || readLe32(datagram.data()) != kMessageResponseType) {
    return std::nullopt;
  }
  Cursor<const uint8_t> cursor(datagram.data() + 4);
  MessageResponse message;
  message.sender = readLe32(cursor.take(4));
  message.receiver = readLe32(cursor.take(4));
  copyOut(cursor, message.ephemeral);
  copyOut(cursor, message.encryptedNothing);
  copyOut(cursor, message.mac1);
  copyOut(cursor, message.mac2);
  return message;
}

std::optional<MessageCookieReply> parseCookieReply(std::span<const uint8_t> datagram) {
  if (datagram.size() != kMessageCookieReplySize || readLe32(datagram.data()) != kMessageCookieReplyType) {
    return std::nullopt;
  }
  Cursor<const uint8_t> cursor(datagram.data() + 4);
  MessageCookieReply message;
  message.receiver = readLe32(cursor.take(4));
  copyOut(cursor, message.nonce);
  copyOut(cursor, message.encryptedCookie);
  return message;
}

std::optional<TransportHeader> parseTransportHeader(std::span<const uint8_t> datagram) {
  if (datagram.size() < kMessageTransportMinSize || readLe32(datagram.data()) != kMessageTransportType) {
    return std::nullopt;
  }
  return TransportHeader{readLe32(datagram.data() + 4), readLe64(datagram.data() + 8)};
}

void serialize(const MessageInitiation& message, std::span<uint8_t, kMessageInitiationSize> out) {
  Cursor<uint8_t> cursor(out.data());
  writeLe32(cursor.take(4), kMessageInitiationType);
  writeLe32(cursor.take(4), message.sender);
  copyIn(cursor, message.ephemeral);
  copyIn(cursor, message.encryptedStatic);
  copyIn(cursor, message.encryptedTimestamp);
  copyIn(cursor, message.mac1);
  copyIn(cursor, message.mac2);
}

void serialize(const MessageResponse& message, std::span<uint8_t, kMessageResponseSize> out) {
  Cursor<uint8_t> cursor(out.data());
  writeLe32(cursor.take(4), kMessageResponseType);
  writeLe32(cursor.take(4), message.sender);
  writeLe32(cursor.take(4), message.receiver);
  copyIn(cursor, message.ephemeral);
  copyIn(cursor, message.encryptedNothing);
  copyIn(cursor, message.mac1);
  copyIn(cursor, message.mac2);
}

void serialize(const MessageCookieReply& message, std::span<uint8_t, kMessageCookieReplySize> out) {
  Cursor<uint8_t> cursor(out.data());
  writeLe32(cursor.take(4), kMessageCookieReplyType);
  writeLe32(cursor.take(4), message.receiver);
  copyIn(cursor, message.nonce);
  copyIn(cursor, message.encryptedCookie);
}

void serialize(const TransportHeader& header, std::span<uint8_t, kMessageTransportHeaderSize> out) {
  writeLe32(out.data(), kMessageTransportType);
  writeLe32(out.data() + 4, header.receiver);
  writeLe64(out.data() + 8, header.counter);
}

}  // namespace nefia::wg
