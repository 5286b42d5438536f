// Recomputes the handshake described by handshake_vectors.py's file with nefia_wireguard and compares every
// message and key with the Python computation. Test-only program run by ctest; exits 1 on any difference.
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "tests/workers/tunnel/test_util.h"
#include "workers/tunnel/cookie.h"
#include "workers/tunnel/noise_protocol.h"

namespace nefia::wg {
namespace {

using testing_util::fromHex;
using testing_util::toHex;

class Vectors {
 public:
  explicit Vectors(const char* path) {
    std::ifstream in(path);
    std::string name;
    std::string hex;
    while (in >> name >> hex) values_[name] = hex;
  }
  std::vector<uint8_t> bytes(const std::string& name) const {
    const auto found = values_.find(name);
    return found == values_.end() ? std::vector<uint8_t>{} : fromHex(found->second);
  }
  Key32 key(const std::string& name) const {
    Key32 key;
    const std::vector<uint8_t> value = bytes(name);
    if (value.size() == key.size()) std::copy(value.begin(), value.end(), key.data());
    return key;
  }
  uint32_t index(const std::string& name) const {
    const std::vector<uint8_t> value = bytes(name);
    return value.size() == 4 ? uint32_t{value[0]} | uint32_t{value[1]} << 8 | uint32_t{value[2]} << 16 |
                                   uint32_t{value[3]} << 24
                             : 0;
  }
  std::string hex(const std::string& name) const {
    const auto found = values_.find(name);
    return found == values_.end() ? "" : found->second;
  }

 private:
  std::map<std::string, std::string> values_;
};

int failures = 0;
int checks = 0;

void check(const char* what, const std::string& ours, const std::string& expected) {
  ++checks;
  if (ours == expected && !expected.empty()) {
    std::printf("ok       %s\n", what);
    return;
  }
  ++failures;
  std::printf("MISMATCH %s\n  ours     %s\n  expected %s\n", what, ours.c_str(), expected.c_str());
}

int run(const char* path) {
  const Vectors vectors(path);
  StaticIdentity initiator{vectors.key("initiator_private"), {}};
  initiator.publicKey = publicKeyFor(initiator.privateKey);
  StaticIdentity responder{vectors.key("responder_private"), {}};
  responder.publicKey = publicKeyFor(responder.privateKey);
  check("initiator public key", toHex(initiator.publicKey.data(), 32), vectors.hex("initiator_public"));
  check("responder public key", toHex(responder.publicKey.data(), 32), vectors.hex("responder_public"));
  const auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));

  Handshake initiatorSide;
  initiatorSide.remoteStatic = responder.publicKey;
  initiatorSide.presharedKey = vectors.key("preshared_key");
  if (!sharedSecret(initiator.privateKey, responder.publicKey.data(), initiatorSide.precomputedStaticStatic)) return 1;
  MessageInitiation initiation;
  const std::vector<uint8_t> timestamp = vectors.bytes("timestamp");
  if (timestamp.size() != kTimestampSize ||
      !createInitiation(initiator, initiatorSide, vectors.key("initiator_ephemeral"), Tai64n::fromBytes(timestamp.data()),
                        vectors.index("initiator_index"), initiation)) {
    std::printf("createInitiation failed\n");
    return 1;
  }
  std::array<uint8_t, kMessageInitiationSize> initiationWire;
  serialize(initiation, initiationWire);
  CookieGenerator(responder.publicKey).addMacs(initiationWire, now);
  check("initiation (148 bytes, mac1)", toHex(initiationWire.data(), initiationWire.size()), vectors.hex("initiation"));

  const std::vector<uint8_t> expectedInitiation = vectors.bytes("initiation");
  const std::optional<MessageInitiation> parsed = parseInitiation(expectedInitiation);
  InitiationProgress progress;
  Handshake responderSide;
  responderSide.remoteStatic = initiator.publicKey;
  responderSide.presharedKey = vectors.key("preshared_key");
  if (!parsed || !CookieChecker(responder.publicKey).checkMac1(expectedInitiation) ||
      !beginConsumingInitiation(responder, *parsed, progress) ||
      !sharedSecret(responder.privateKey, initiator.publicKey.data(), responderSide.precomputedStaticStatic) ||
      finishConsumingInitiation(progress, *parsed, responderSide, now) != ConsumeResult::kAccepted) {
    std::printf("consuming the Python initiation failed\n");
    return 1;
  }
  check("initiator static key recovered", toHex(progress.remoteStatic.data(), 32), vectors.hex("initiator_public"));

  MessageResponse response;
  if (!createResponse(responderSide, vectors.key("responder_ephemeral"), vectors.index("responder_index"), response)) {
    std::printf("createResponse failed\n");
    return 1;
  }
  std::array<uint8_t, kMessageResponseSize> responseWire;
  serialize(response, responseWire);
  CookieGenerator(initiator.publicKey).addMacs(responseWire, now);
  check("response (92 bytes, mac1)", toHex(responseWire.data(), responseWire.size()), vectors.hex("response"));

  const std::vector<uint8_t> expectedResponse = vectors.bytes("response");
  const std::optional<MessageResponse> parsedResponse = parseResponse(expectedResponse);
  SessionKeys initiatorKeys;
  SessionKeys responderKeys;
  if (!parsedResponse || !consumeResponse(initiator, initiatorSide, *parsedResponse) ||
      !deriveSessionKeys(initiatorSide, initiatorKeys) || !deriveSessionKeys(responderSide, responderKeys)) {
    std::printf("completing the handshake failed\n");
    return 1;
  }
  check("initiator send key", toHex(initiatorKeys.sendKey.data(), 32), vectors.hex("initiator_send_key"));
  check("initiator receive key", toHex(initiatorKeys.receiveKey.data(), 32), vectors.hex("initiator_receive_key"));
  check("responder receive key", toHex(responderKeys.receiveKey.data(), 32), vectors.hex("initiator_send_key"));
  check("responder send key", toHex(responderKeys.sendKey.data(), 32), vectors.hex("initiator_receive_key"));

  std::vector<uint8_t> padded = vectors.bytes("transport_plaintext");
  padded.resize((padded.size() + 15) / 16 * 16, 0);
  std::vector<uint8_t> transport(kMessageTransportHeaderSize + padded.size() + kAeadTagSize);
  serialize(TransportHeader{initiatorKeys.remoteIndex, 0},
            std::span<uint8_t, kMessageTransportHeaderSize>(transport.data(), kMessageTransportHeaderSize));
  aeadSeal(initiatorKeys.sendKey, 0, padded, {}, transport.data() + kMessageTransportHeaderSize);
  check("first transport message", toHex(transport.data(), transport.size()), vectors.hex("transport"));

  std::printf("handshake vectors: %d of %d values differ from the Python computation\n", failures, checks);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace nefia::wg

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s VECTORS_FILE (written by handshake_vectors.py)\n", argv[0]);
    return 2;
  }
  return nefia::wg::run(argv[1]);
}
