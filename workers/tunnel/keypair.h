// Transport sessions of one peer: the current, previous and next keypair (whitepaper section 6.1), each with
// its send counter (the nonce) and replay window. Never reuses a nonce; wipes keys when a keypair is dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "workers/tunnel/crypto.h"
#include "workers/tunnel/replay_window.h"

namespace nefia::wg {

struct Keypair {
  Key32 sendKey;
  Key32 receiveKey;
  uint64_t sendCounter = 0;  // next nonce to use
  ReplayWindow replayWindow;
  std::chrono::steady_clock::time_point created;
  bool isInitiator = false;
  uint32_t localIndex = 0;
  uint32_t remoteIndex = 0;
};

class Keypairs {
 public:
  // A new session from a completed handshake. The initiator uses it at once (current); the responder keeps it as
  // next until the initiator proves it has it by sending with it. Returns the local indices of the keypairs that
  // were dropped (0 when none) so the device can free them.
  struct Dropped {
    uint32_t first = 0;
    uint32_t second = 0;
  };
  Dropped install(std::unique_ptr<Keypair> keypair);
  // Called after a packet authenticated with keypair: promotes next to current when it was next.
  // Returns true when that promotion happened (the responder's handshake is now complete) and the dropped index.
  bool confirm(const Keypair* keypair, uint32_t& droppedIndex);
  void clear();  // wipes all three

  Keypair* current() const { return current_.get(); }
  Keypair* previous() const { return previous_.get(); }
  Keypair* next() const { return next_.get(); }

 private:
  std::unique_ptr<Keypair> previous_;
  std::unique_ptr<Keypair> current_;
  std::unique_ptr<Keypair> next_;
};

}  // namespace nefia::wg
