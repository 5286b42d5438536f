// The roles table: every worker role with its wire name, process name, whether the agent needs it to be
// healthy, and its body (which fixes its settings message). Supervisor, runtime and sandbox read it.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "ipc/message_types.h"

namespace nefia::ipc {

// The body that runs the role (workers/runtime/worker_main.cc's makeBody) and so the ipc::WorkerSettings
// alternative the supervisor sends it (supervisor/core/worker_settings.cc's settingsFor). A worker with a
// body of its own adds a value here; -Wswitch then points at those two places.
enum class BodyKind { kTunnel, kForwarder, kBeacons, kIdle };

struct WorkerRoleSpec {
  Role role;
  std::string_view wireName;     // `nefia-agent worker NAME`, the health file's key, the log component
  std::string_view processName;  // what ps and pgrep show (prctl, at most 15 bytes)
  bool core;                     // the packet path: "ok" needs it ready, and it gets the packet link
  BodyKind body;
};

// clang-format off
// The supervisor starts the workers in this order; the slot of a role is its index here.
inline constexpr auto kWorkerRoles = std::to_array<WorkerRoleSpec>({
  // role             wire name    process name      core   body
  {Role::kTunnel,    "tunnel",    "nefia-tunnel",   true,  BodyKind::kTunnel},
  {Role::kForwarder, "forwarder", "nefia-forward",  true,  BodyKind::kForwarder},
  {Role::kBeacons,   "beacons",   "nefia-beacons",  false, BodyKind::kBeacons},
  {Role::kUpdater,   "updater",   "nefia-updater",  false, BodyKind::kIdle},
});
// clang-format on
inline constexpr std::size_t kWorkerCount = kWorkerRoles.size();

// The row of a worker role; our own bug (abort) for Role::kSupervisor.
const WorkerRoleSpec& roleSpec(Role role);
// The index of `role` in kWorkerRoles.
std::size_t slotOf(Role role);
inline bool isCoreRole(Role role) { return roleSpec(role).core; }

}  // namespace nefia::ipc
