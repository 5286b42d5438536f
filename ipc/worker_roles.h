// The roles table: every worker role with its wire name, process name, whether the agent needs it to be
// healthy, and its settings message. Supervisor and runtime read it instead of comparing role names.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "ipc/message_types.h"

namespace nefia::ipc {

enum class SettingsKind { kTunnel, kForwarder, kIdle };  // which ipc::WorkerSettings alternative it gets

struct WorkerRoleSpec {
  Role role;
  std::string_view wireName;     // `nefia-agent worker NAME`, the health file's key, the log component
  std::string_view processName;  // what ps and pgrep show (prctl, at most 15 bytes)
  bool core;                     // the packet path: "ok" needs it ready, and it gets the packet link
  SettingsKind settings;
};

// clang-format off
// The supervisor starts the workers in this order; the slot of a role is its index here.
inline constexpr auto kWorkerRoles = std::to_array<WorkerRoleSpec>({
  // role             wire name    process name      core   settings
  {Role::kTunnel,    "tunnel",    "nefia-tunnel",   true,  SettingsKind::kTunnel},
  {Role::kForwarder, "forwarder", "nefia-forward",  true,  SettingsKind::kForwarder},
  {Role::kBeacons,   "beacons",   "nefia-beacons",  false, SettingsKind::kIdle},
  {Role::kUpdater,   "updater",   "nefia-updater",  false, SettingsKind::kIdle},
});
// clang-format on
inline constexpr std::size_t kWorkerCount = kWorkerRoles.size();

// The row of a worker role; our own bug (abort) for Role::kSupervisor.
const WorkerRoleSpec& roleSpec(Role role);
// The index of `role` in kWorkerRoles.
std::size_t slotOf(Role role);
inline bool isCoreRole(Role role) { return roleSpec(role).core; }

}  // namespace nefia::ipc
