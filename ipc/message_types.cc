// Lookups and names over the message table in message_types.h.
// Never add message knowledge here: the table is the single source.
#include "ipc/message_types.h"

#include <vector>

#include "common/panic.h"
#include "ipc/worker_roles.h"

namespace nefia::ipc {
namespace {

constexpr std::array<Role, 5> kAllRoles = {Role::kSupervisor, Role::kTunnel, Role::kForwarder, Role::kBeacons,
                                           Role::kUpdater};
constexpr std::array<WorkerState, 3> kAllStates = {WorkerState::kStarting, WorkerState::kReady,
                                                   WorkerState::kStopping};

std::string joinWithOr(const std::vector<std::string>& words) {
  std::string text;
  for (std::size_t index = 0; index < words.size(); ++index) {
    if (index > 0) text += (index + 1 == words.size()) ? " or " : ", ";
    text += words[index];
  }
  return text;
}

}  // namespace

std::string_view toString(Role role) {
  if (role == Role::kSupervisor) return "supervisor";
  for (const WorkerRoleSpec& spec : kWorkerRoles) {
    if (spec.role == role) return spec.wireName;
  }
  return "unknown";
}

std::optional<Role> parseWorkerRole(std::string_view name) {
  for (const WorkerRoleSpec& spec : kWorkerRoles) {
    if (spec.wireName == name) return spec.role;
  }
  return std::nullopt;
}

std::size_t slotOf(Role role) {
  for (std::size_t slot = 0; slot < kWorkerRoles.size(); ++slot) {
    if (kWorkerRoles[slot].role == role) return slot;
  }
  panic(std::string(toString(role)) + " has no row in the roles table");
}

const WorkerRoleSpec& roleSpec(Role role) { return kWorkerRoles[slotOf(role)]; }

std::string_view toString(WorkerState state) {
  switch (state) {
    case WorkerState::kStarting: return "starting";
    case WorkerState::kReady: return "ready";
    case WorkerState::kStopping: return "stopping";
  }
  return "unknown";
}

const MessageSpec* findMessage(uint8_t wireType) {
  for (const MessageSpec& spec : kMessages) {
    if (static_cast<uint8_t>(spec.type) == wireType) return &spec;
  }
  return nullptr;
}

const MessageSpec& specOf(MessageType type) {
  const MessageSpec* spec = findMessage(static_cast<uint8_t>(type));
  check(spec != nullptr, "a MessageType without a row in kMessages");
  return *spec;
}

std::string_view toString(MessageType type) {
  const MessageSpec* spec = findMessage(static_cast<uint8_t>(type));
  return spec != nullptr ? spec->name : std::string_view("unknown");
}

std::string describeRoles(RoleMask roles) {
  if (roles == kAnyWorker) return "any worker";
  std::vector<std::string> names;
  for (Role role : kAllRoles) {
    if ((roles & roleBit(role)) != 0) names.push_back("the " + std::string(toString(role)));
  }
  return joinWithOr(names);
}

std::string describeFdRule(const MessageSpec& spec) {
  const auto fds = [](unsigned count) {
    return std::to_string(count) + (count == 1 ? " file descriptor" : " file descriptors");
  };
  if (spec.maxFds == 0) return "must not carry any";
  if (spec.minFds == spec.maxFds) return "must carry exactly " + fds(spec.maxFds);
  return "must carry at most " + fds(spec.maxFds);
}

std::string describeStates(StateMask states) {
  std::vector<std::string> names;
  for (WorkerState state : kAllStates) {
    if ((states & stateBit(state)) != 0) names.emplace_back(toString(state));
  }
  return joinWithOr(names);
}

}  // namespace nefia::ipc
