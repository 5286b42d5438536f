// The role-specific part of a worker process, driven by the generic worker runtime (worker_main.cc).
// A body never reads files or the config: everything it knows arrives in messages from the supervisor.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "ipc/payloads.h"
#include "ipc/worker_channel.h"

namespace nefia::workers {

class WorkerBody {
 public:
  virtual ~WorkerBody() = default;
  // configure, config_update, hand_over_fd, connect_result (status_request and shutdown are the runtime's).
  virtual void onMessage(ipc::Message&& message) = 0;
  // The role-specific part of a status_report (request_id is filled in by the runtime).
  virtual ipc::StatusReportPayload status() = 0;
  // Finish work within drainMs, close every handle, then call done exactly once.
  virtual void shutdown(uint64_t drainMs, std::function<void()> done) = 0;
};

struct WorkerContext {
  uv_loop_t* loop;
  ipc::WorkerChannel* channel;
  std::string scratchDir = {};  // beacons: the scripts' writable directory (the supervisor's --scratch-dir)
};

// Bodies that have no behaviour of their own yet (the updater until its issue lands): they accept
// their settings, answer status and stop at once.
std::unique_ptr<WorkerBody> makeIdleBody(WorkerContext context, const char* role);
std::unique_ptr<WorkerBody> makeTunnelBody(WorkerContext context);
std::unique_ptr<WorkerBody> makeForwarderBody(WorkerContext context);
// beacons_body.cc: disk_usage, service_check and scripts on the worker's loop; events to the supervisor.
std::unique_ptr<WorkerBody> makeBeaconsBody(WorkerContext context);

}  // namespace nefia::workers
