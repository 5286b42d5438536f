// Entry point of `nefia-agent worker NAME` (hidden): process name, signals, sandbox, IPC, then the role body.
// Runs only as a child of the supervisor, with the fd layout of ipc/fd_layout.h.
#pragma once

#include <string>

namespace nefia::workers {

struct WorkerArguments {
  std::string role;        // tunnel, forwarder, beacons, updater
  std::string logLevel;    // the supervisor's --log-level
  std::string stagingDir;  // the updater's writable directory
  std::string scratchDir;  // the beacons' scripts' writable directory
  bool sandboxLogOnly = false;  // NEFIA_TEST_HOOKS builds only
  std::string fault;            // NEFIA_TEST_HOOKS builds only: crash_at_start, hang, garbage
};

int runWorker(const WorkerArguments& arguments);

}  // namespace nefia::workers
