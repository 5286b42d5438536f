// The one closed list of every supervisor<->worker message: number, direction, senders, receivers, states, fds.
// Never reuse a number. A new message = a MessageType value, a row in kMessages and a parser in payloads.h
// (-Wswitch then points at inbound_policy.cc's dispatch).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nefia::ipc {

enum class Role : uint8_t { kSupervisor, kTunnel, kForwarder, kBeacons, kUpdater };

// "supervisor", "tunnel", "forwarder", "beacons", "updater" (the worker names used on the command line).
std::string_view toString(Role role);
std::optional<Role> parseWorkerRole(std::string_view name);  // the four workers only

// The supervisor's view of one worker incarnation, as far as message acceptance depends on it.
enum class WorkerState : uint8_t {
  kStarting,  // spawned, has not sent `ready` yet
  kReady,     // sent `ready`
  kStopping,  // the supervisor sent `shutdown` and waits for `shutdown_complete`
};
std::string_view toString(WorkerState state);  // "starting", "ready", "stopping"

enum class Direction : uint8_t { kToWorker, kToSupervisor };

// Wire numbers: supervisor->worker from 1, worker->supervisor from 64, so a direction mix-up is visible in a dump.
enum class MessageType : uint8_t {
  kConfigure = 1,
  kConfigUpdate = 2,
  kHandOverFd = 3,
  kConnectResult = 4,
  kStatusRequest = 5,
  kShutdown = 6,

  kReady = 64,
  kLog = 65,
  kStatusReport = 66,
  kConnectRequest = 67,
  kShutdownComplete = 68,
  kBeaconEvent = 69,
};

using RoleMask = uint8_t;
constexpr RoleMask roleBit(Role role) { return static_cast<RoleMask>(1u << static_cast<unsigned>(role)); }
constexpr RoleMask kSupervisorOnly = roleBit(Role::kSupervisor);
constexpr RoleMask kAnyWorker =
    roleBit(Role::kTunnel) | roleBit(Role::kForwarder) | roleBit(Role::kBeacons) | roleBit(Role::kUpdater);

using StateMask = uint8_t;
constexpr StateMask stateBit(WorkerState state) {
  return static_cast<StateMask>(1u << static_cast<unsigned>(state));
}
constexpr StateMask kAnyState =
    stateBit(WorkerState::kStarting) | stateBit(WorkerState::kReady) | stateBit(WorkerState::kStopping);
// In-flight answers and requests may cross the supervisor's `shutdown`, so stopping accepts what ready accepts.
constexpr StateMask kOnceReady = stateBit(WorkerState::kReady) | stateBit(WorkerState::kStopping);

struct MessageSpec {
  MessageType type;
  std::string_view name;
  Direction direction;
  RoleMask senders;
  RoleMask receivers;
  StateMask acceptedIn;  // states of the worker in which the supervisor accepts it (worker->supervisor only)
  uint8_t minFds;
  uint8_t maxFds;
};

// clang-format off
inline constexpr auto kMessages = std::to_array<MessageSpec>({
  // type                            name                 direction                senders           receivers                                            acceptedIn                    fds
  {MessageType::kConfigure,        "configure",         Direction::kToWorker,     kSupervisorOnly,  kAnyWorker,                                          kAnyState,                    0, 0},
  {MessageType::kConfigUpdate,     "config_update",     Direction::kToWorker,     kSupervisorOnly,  kAnyWorker,                                          kAnyState,                    0, 0},
  {MessageType::kHandOverFd,       "hand_over_fd",      Direction::kToWorker,     kSupervisorOnly,  roleBit(Role::kTunnel) | roleBit(Role::kForwarder),  kAnyState,                    1, 1},
  {MessageType::kConnectResult,    "connect_result",    Direction::kToWorker,     kSupervisorOnly,  roleBit(Role::kForwarder),                           kAnyState,                    0, 1},
  {MessageType::kStatusRequest,    "status_request",    Direction::kToWorker,     kSupervisorOnly,  kAnyWorker,                                          kAnyState,                    0, 0},
  {MessageType::kShutdown,         "shutdown",          Direction::kToWorker,     kSupervisorOnly,  kAnyWorker,                                          kAnyState,                    0, 0},
  {MessageType::kReady,            "ready",             Direction::kToSupervisor, kAnyWorker,       kSupervisorOnly,  stateBit(WorkerState::kStarting) | stateBit(WorkerState::kStopping), 0, 0},
  {MessageType::kLog,              "log",               Direction::kToSupervisor, kAnyWorker,       kSupervisorOnly,                                     kAnyState,                    0, 0},
  {MessageType::kStatusReport,     "status_report",     Direction::kToSupervisor, kAnyWorker,       kSupervisorOnly,                                     kOnceReady,                   0, 0},
  {MessageType::kConnectRequest,   "connect_request",   Direction::kToSupervisor, roleBit(Role::kForwarder), kSupervisorOnly,                            kOnceReady,                   0, 0},
  {MessageType::kShutdownComplete, "shutdown_complete", Direction::kToSupervisor, kAnyWorker,       kSupervisorOnly,                                     stateBit(WorkerState::kStopping), 0, 0},
  {MessageType::kBeaconEvent,      "beacon_event",      Direction::kToSupervisor, roleBit(Role::kBeacons), kSupervisorOnly,                              kOnceReady,                   0, 0},
});
// clang-format on

// The spec for a wire number, or nullptr when the number names no message.
const MessageSpec* findMessage(uint8_t wireType);
const MessageSpec& specOf(MessageType type);
std::string_view toString(MessageType type);

// "the forwarder", "the tunnel or the forwarder", "any worker": for error texts.
std::string describeRoles(RoleMask roles);
// "must not carry any", "must carry exactly 1 file descriptor", "must carry at most 1 file descriptor".
std::string describeFdRule(const MessageSpec& spec);
// "starting", "ready or stopping": for error texts.
std::string describeStates(StateMask states);

}  // namespace nefia::ipc
