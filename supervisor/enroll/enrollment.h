// `nefia-agent enroll` after its flag checks: parse the token, confirm, generate the WireGuard key pair, enroll
// with the hub directly, write agent.yaml (0600, atomically), prove the tunnel, print the reference's transcript.
// The private key never leaves this process except into the config file; the token is never printed or logged.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>

#include "supervisor/enroll/hub_client.h"

namespace nefia::enroll {

// Exit codes: 0 enrolled and tunnel proven; 1 refused or failed (no config written; the pending key of
// pending_key.h is kept only when a retry with the same token can succeed); 3 enrolled and config written, but no
// WireGuard handshake yet (UDP reachability).
constexpr int kExitEnrolled = 0;
constexpr int kExitFailed = 1;
constexpr int kExitTunnelUnproven = 3;

struct EnrollPlan {
  std::string token;
  std::string configPath;
  std::string sshAddr;
  bool replaceExisting = false;  // --force
  // Asked when --yes was not given (stdin is a terminal); false ends enrollment before anything is sent.
  std::function<bool(const std::string& question)> confirm;
  std::chrono::milliseconds connectTimeout = kConnectTimeout;
  std::chrono::milliseconds exchangeTimeout = kExchangeTimeout;
  std::chrono::milliseconds tunnelDeadline{15000};
};

int runEnrollment(const EnrollPlan& plan, std::ostream& out, std::ostream& err);

}  // namespace nefia::enroll
