// ALL WireGuard timer policy for one peer (whitepaper section 6, wireguard-go timers.go): the data path reports
// events through the on...() hooks and asks the should/may questions; nothing else does timer arithmetic.
// Deadlines are on the monotonic clock; the device sleeps until the earliest one (no polling).
#pragma once

#include <array>
#include <chrono>
#include <optional>

#include "workers/tunnel/keypair.h"

namespace nefia::wg {

using SteadyTime = std::chrono::steady_clock::time_point;

// What an expired timer asks the peer to do; implemented by the device for one peer.
class TimerActions {
 public:
  virtual ~TimerActions() = default;
  virtual void retransmitHandshake() = 0;  // resend an initiation (a retry: attempts keep counting)
  virtual void giveUpHandshake() = 0;      // attempts exhausted: drop packets waiting for a session
  virtual void sendKeepalive() = 0;
  virtual void initiateHandshake() = 0;    // a fresh handshake (data went unanswered)
  virtual void zeroKeyMaterial() = 0;
};

enum class TimerKind { kRetransmitHandshake, kSendKeepalive, kNewHandshake, kZeroKeyMaterial, kPersistentKeepalive };
inline constexpr std::size_t kTimerKinds = 5;
const char* toString(TimerKind kind);

class PeerTimers {
 public:
  void setPersistentKeepalive(std::chrono::seconds interval);
  std::chrono::seconds persistentKeepalive() const { return persistentKeepalive_; }

  // Event hooks from the data path (names after wireguard-go's timers*() functions).
  void onDataSent(SteadyTime now);
  void onDataReceived(SteadyTime now);
  void onAuthenticatedPacketSent();
  void onAuthenticatedPacketReceived();
  void onAuthenticatedPacketTraversal(SteadyTime now);
  void onHandshakeInitiated(SteadyTime now);  // an initiation went out
  void onHandshakeComplete();
  void onSessionDerived(SteadyTime now);
  void onFreshHandshakeRequested() { handshakeAttempts_ = 0; }
  void onKeysReplaced();  // our key or the preshared key changed: the next initiation may go out at once

  // Policy questions from the data path.
  bool mayInitiateHandshake(SteadyTime now) const;  // rate limit: one initiation per kRekeyTimeout
  static bool canSendWith(const Keypair& keypair, SteadyTime now);
  static bool canReceiveWith(const Keypair& keypair, SteadyTime now);
  static bool shouldRekeyAfterSending(const Keypair& keypair, SteadyTime now);
  bool shouldRekeyAfterReceiving(const Keypair& keypair, SteadyTime now);  // once per session ("last minute")

  std::optional<SteadyTime> nextDeadline() const;
  // Runs every expired timer once, in a fixed order, through actions.
  void fireDue(SteadyTime now, TimerActions& actions);
  void stopAll();

  std::optional<SteadyTime> deadline(TimerKind kind) const { return deadlines_[static_cast<std::size_t>(kind)]; }
  int handshakeAttempts() const { return handshakeAttempts_; }

 private:
  void arm(TimerKind kind, SteadyTime at) { deadlines_[static_cast<std::size_t>(kind)] = at; }
  void disarm(TimerKind kind) { deadlines_[static_cast<std::size_t>(kind)].reset(); }
  bool armed(TimerKind kind) const { return deadlines_[static_cast<std::size_t>(kind)].has_value(); }

  std::array<std::optional<SteadyTime>, kTimerKinds> deadlines_{};
  std::chrono::seconds persistentKeepalive_{0};
  std::optional<SteadyTime> lastInitiationSent_;
  int handshakeAttempts_ = 0;
  bool needAnotherKeepalive_ = false;
  bool sentLastMinuteHandshake_ = false;
};

}  // namespace nefia::wg
