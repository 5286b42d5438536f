// Timer policy. Every WireGuard timing rule is here and only here: rekey after 120 s or 2^60 messages, reject
// after 180 s, retransmit every 5 s + jitter for 90 s, keepalive 10 s, new handshake 15 s after unanswered data,
// zero keys 540 s after the last session, persistent keepalive. Must never perform I/O itself.
#include "workers/tunnel/timers.h"

#include "workers/tunnel/constants.h"
#include "workers/tunnel/crypto.h"

namespace nefia::wg {
namespace {

std::chrono::milliseconds jitter() {
  return std::chrono::milliseconds(randomUint32(static_cast<uint32_t>(kRekeyTimeoutJitterMax.count())));
}

}  // namespace

const char* toString(TimerKind kind) {
  switch (kind) {
    case TimerKind::kRetransmitHandshake: return "retransmit-handshake";
    case TimerKind::kSendKeepalive: return "send-keepalive";
    case TimerKind::kNewHandshake: return "new-handshake";
    case TimerKind::kZeroKeyMaterial: return "zero-key-material";
    case TimerKind::kPersistentKeepalive: return "persistent-keepalive";
  }
  return "unknown";
}

void PeerTimers::setPersistentKeepalive(std::chrono::seconds interval) {
  persistentKeepalive_ = interval;
  if (interval.count() == 0) disarm(TimerKind::kPersistentKeepalive);
}

void PeerTimers::onDataSent(SteadyTime now) {
  if (!armed(TimerKind::kNewHandshake)) arm(TimerKind::kNewHandshake, now + kKeepaliveTimeout + kRekeyTimeout + jitter());
}

void PeerTimers::onDataReceived(SteadyTime now) {
  if (!armed(TimerKind::kSendKeepalive)) {
    arm(TimerKind::kSendKeepalive, now + kKeepaliveTimeout);
  } else {
    needAnotherKeepalive_ = true;
  }
}

void PeerTimers::onAuthenticatedPacketSent() { disarm(TimerKind::kSendKeepalive); }

void PeerTimers::onAuthenticatedPacketReceived() { disarm(TimerKind::kNewHandshake); }

void PeerTimers::onAuthenticatedPacketTraversal(SteadyTime now) {
  if (persistentKeepalive_.count() > 0) arm(TimerKind::kPersistentKeepalive, now + persistentKeepalive_);
}

void PeerTimers::onHandshakeInitiated(SteadyTime now) {
  lastInitiationSent_ = now;
  arm(TimerKind::kRetransmitHandshake, now + kRekeyTimeout + jitter());
}

void PeerTimers::onHandshakeComplete() {
  disarm(TimerKind::kRetransmitHandshake);
  handshakeAttempts_ = 0;
  sentLastMinuteHandshake_ = false;
}

void PeerTimers::onKeysReplaced() {
  lastInitiationSent_.reset();
  handshakeAttempts_ = 0;
  sentLastMinuteHandshake_ = false;
  disarm(TimerKind::kRetransmitHandshake);
}

void PeerTimers::onSessionDerived(SteadyTime now) { arm(TimerKind::kZeroKeyMaterial, now + kZeroKeyMaterialAfter); }

bool PeerTimers::mayInitiateHandshake(SteadyTime now) const {
  return !lastInitiationSent_ || now - *lastInitiationSent_ >= kRekeyTimeout;
}

bool PeerTimers::canSendWith(const Keypair& keypair, SteadyTime now) {
  return now - keypair.created < kRejectAfterTime && keypair.sendCounter < kRejectAfterMessages;
}

bool PeerTimers::canReceiveWith(const Keypair& keypair, SteadyTime now) {
  return now - keypair.created < kRejectAfterTime;
}

bool PeerTimers::shouldRekeyAfterSending(const Keypair& keypair, SteadyTime now) {
  return keypair.sendCounter > kRekeyAfterMessages || (keypair.isInitiator && now - keypair.created >= kRekeyAfterTime);
}

bool PeerTimers::shouldRekeyAfterReceiving(const Keypair& keypair, SteadyTime now) {
  if (!keypair.isInitiator || sentLastMinuteHandshake_ || now - keypair.created < kRekeyOnReceiveAge) return false;
  sentLastMinuteHandshake_ = true;
  return true;
}

std::optional<SteadyTime> PeerTimers::nextDeadline() const {
  std::optional<SteadyTime> earliest;
  for (const auto& deadline : deadlines_) {
    if (deadline && (!earliest || *deadline < *earliest)) earliest = deadline;
  }
  return earliest;
}

void PeerTimers::fireDue(SteadyTime now, TimerActions& actions) {
  auto due = [&](TimerKind kind) {
    const auto& deadline = deadlines_[static_cast<std::size_t>(kind)];
    if (!deadline || *deadline > now) return false;
    disarm(kind);
    return true;
  };
  if (due(TimerKind::kRetransmitHandshake)) {
    if (handshakeAttempts_ > kMaxHandshakeAttempts) {
      disarm(TimerKind::kSendKeepalive);
      actions.giveUpHandshake();
      if (!armed(TimerKind::kZeroKeyMaterial)) arm(TimerKind::kZeroKeyMaterial, now + kZeroKeyMaterialAfter);
    } else {
      ++handshakeAttempts_;
      actions.retransmitHandshake();
    }
  }
  if (due(TimerKind::kSendKeepalive)) {
    actions.sendKeepalive();
    if (needAnotherKeepalive_) {
      needAnotherKeepalive_ = false;
      arm(TimerKind::kSendKeepalive, now + kKeepaliveTimeout);
    }
  }
  if (due(TimerKind::kNewHandshake)) actions.initiateHandshake();
  if (due(TimerKind::kZeroKeyMaterial)) actions.zeroKeyMaterial();
  if (due(TimerKind::kPersistentKeepalive) && persistentKeepalive_.count() > 0) actions.sendKeepalive();
}

void PeerTimers::stopAll() {
  for (auto& deadline : deadlines_) deadline.reset();
  needAnotherKeepalive_ = false;
}

}  // namespace nefia::wg
