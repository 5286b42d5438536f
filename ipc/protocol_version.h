// The IPC protocol version both ends check at hello (the worker's `ready`, the supervisor's first `configure`),
// and the rule for which differences are compatible. Raise kProtocolVersion by the rule below, never by habit.
#pragma once

#include <cstdint>
#include <string>

namespace nefia::ipc {

// Compatibility rule. One integer, raised when a message changes meaning, a field is removed or renamed, a
// field becomes required, or a message is added that the older side would receive. Adding an optional field
// (readers ignore what they do not know, and treat a missing optional field as its documented default) keeps it.
// A supervisor speaks every version from kOldestWorkerProtocol to kProtocolVersion and answers a worker in
// that worker's version (the updater runs a new supervisor against an older worker for a while); a worker
// refuses a supervisor older than itself, since an older supervisor cannot know what the worker expects.
// 2: beacon_event (beacons -> supervisor), the beacons settings and the beacons status report (issue 15).
inline constexpr uint64_t kProtocolVersion = 2;
inline constexpr uint64_t kOldestWorkerProtocol = 1;
inline constexpr uint64_t kMaxProtocolVersion = 1000000;  // bound for the parsers, not a promise

// Supervisor side: is a worker that speaks `workerVersion` one it can run?
constexpr bool supervisorAccepts(uint64_t workerVersion) {
  return workerVersion >= kOldestWorkerProtocol && workerVersion <= kProtocolVersion;
}
// Worker side: is a supervisor that speaks `supervisorVersion` one this worker can run under?
constexpr bool workerAccepts(uint64_t supervisorVersion) { return supervisorVersion >= kProtocolVersion; }

// "IPC protocol 1 (this supervisor runs workers of protocol 1 to 1)": the text of a refusal.
inline std::string describeSupervisorRange() {
  return "this supervisor runs workers of IPC protocol " + std::to_string(kOldestWorkerProtocol) + " to " +
         std::to_string(kProtocolVersion);
}

}  // namespace nefia::ipc
