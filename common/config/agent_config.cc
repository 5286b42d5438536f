// Small helpers that belong to the config types themselves (keyring references, fault names, secrets).
// Must stay free of YAML and I/O so every process can link it.
#include "common/config/agent_config.h"

#include <array>
#include <utility>

#include "common/log.h"

namespace nefia {
namespace {

constexpr std::array<std::pair<FaultWorker, const char*>, 4> kFaultWorkers{{
    {FaultWorker::kTunnel, "tunnel"},
    {FaultWorker::kForwarder, "forwarder"},
    {FaultWorker::kBeacons, "beacons"},
    {FaultWorker::kUpdater, "updater"},
}};

constexpr std::array<std::pair<FaultMode, const char*>, 3> kFaultModes{{
    {FaultMode::kCrashAtStart, "crash_at_start"},
    {FaultMode::kHang, "hang"},
    {FaultMode::kGarbage, "garbage"},
}};

template <typename Enum, std::size_t N>
const char* nameOf(const std::array<std::pair<Enum, const char*>, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> valueOf(const std::array<std::pair<Enum, const char*>, N>& table, std::string_view text) {
  for (const auto& [candidate, name] : table) {
    if (text == name) return candidate;
  }
  return std::nullopt;
}

}  // namespace

bool isKeyringReference(std::string_view value) {
  return value.size() > kKeyringPrefix.size() && value.substr(0, kKeyringPrefix.size()) == kKeyringPrefix;
}

void registerConfigSecrets(const AgentConfig& config) {
  Logger& logger = Logger::instance();
  for (const std::string* secret : {&config.privateKey, &config.agentToken}) {
    if (!secret->empty() && !isKeyringReference(*secret)) logger.registerSecret(*secret);
  }
}

const char* toString(FaultWorker worker) { return nameOf(kFaultWorkers, worker); }
const char* toString(FaultMode mode) { return nameOf(kFaultModes, mode); }
std::optional<FaultWorker> parseFaultWorker(std::string_view text) { return valueOf(kFaultWorkers, text); }
std::optional<FaultMode> parseFaultMode(std::string_view text) { return valueOf(kFaultModes, text); }

}  // namespace nefia
