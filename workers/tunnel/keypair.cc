// Keypair rotation exactly as wireguard-go's Peer.BeginSymmetricSession/ReceivedWithKeypair, so both ends agree
// which session is live. Must never keep more than three keypairs per peer.
#include "workers/tunnel/keypair.h"

namespace nefia::wg {
namespace {
uint32_t indexOf(const std::unique_ptr<Keypair>& keypair) { return keypair ? keypair->localIndex : 0; }
}  // namespace

Keypairs::Dropped Keypairs::install(std::unique_ptr<Keypair> keypair) {
  Dropped dropped;
  if (keypair->isInitiator) {
    if (next_) {
      dropped.first = indexOf(previous_);
      dropped.second = indexOf(current_);
      previous_ = std::move(next_);
      current_.reset();
    } else {
      dropped.first = indexOf(previous_);
      previous_ = std::move(current_);
    }
    current_ = std::move(keypair);
  } else {
    dropped.first = indexOf(next_);
    dropped.second = indexOf(previous_);
    next_ = std::move(keypair);
    previous_.reset();
  }
  return dropped;
}

bool Keypairs::confirm(const Keypair* keypair, uint32_t& droppedIndex) {
  droppedIndex = 0;
  if (!next_ || next_.get() != keypair) return false;
  droppedIndex = indexOf(previous_);
  previous_ = std::move(current_);
  current_ = std::move(next_);
  return true;
}

void Keypairs::clear() {
  previous_.reset();
  current_.reset();
  next_.reset();
}

}  // namespace nefia::wg
