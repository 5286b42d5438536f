// Lookups and names over the message table in message_types.h.
// Never add message knowledge here: the table is the single source.
#include "ipc/message_types.h"

#include <cstdlib>
#include <vector>

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
  switch (role) {
    case Role::kSupervisor: return "supervisor";
    case Role::kTunnel: return "tunnel";
    case Role::kForwarder: return "forwarder";
    case Role::kBeacons: return "beacons";
    case Role::kUpdater: return "updater";
  }
  return "unknown";
}

std::optional<Role> parseWorkerRole(std::string_view name) {
  for (Role role : kAllRoles) {
    if (role != Role::kSupervisor && toString(role) == name) return role;
  }
  return std::nullopt;
}

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
  // A MessageType without a table row is our own broken invariant, not bad input.
  if (spec == nullptr) std::abort();
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
