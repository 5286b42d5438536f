// The beacons worker's engine on a libuv loop: settings -> scheduled checks (scripts, disk_usage,
// service_check), their findings -> the state tracker -> events for the sink, and the status of every check.
// Knows nothing of IPC: the worker body connects it to the supervisor, tests to a vector.
#pragma once

#include <uv.h>

#include <functional>
#include <optional>
#include <string>

#include "ipc/beacon_payloads.h"
#include "ipc/settings_payloads.h"
#include "workers/beacons/child_reaper.h"
#include "workers/beacons/probe_runner.h"
#include "workers/beacons/scheduler.h"
#include "workers/beacons/script_runner.h"
#include "workers/beacons/state_tracker.h"

namespace nefia::beacons {

// statvfs and the D-Bus query answer in milliseconds; more than this is a hung mount or a stuck systemd.
inline constexpr Duration kProbeTimeout{10000};

class BeaconsService {
 public:
  using EventSink = std::function<void(const ipc::BeaconEvent&)>;
  // scratchRoot: the scripts' writable directory (each script gets a subdirectory); empty = "/" as cwd.
  BeaconsService(uv_loop_t* loop, std::string scratchRoot, EventSink sink, ScriptLimits limits = {});
  ~BeaconsService();
  BeaconsService(const BeaconsService&) = delete;
  BeaconsService& operator=(const BeaconsService&) = delete;

  // Applies settings (first or changed): checks that stay keep their timing and state.
  void apply(const ipc::BeaconsSettings& settings);
  ipc::BeaconsStatus status() const;
  // Kills every running script and probe; nothing is reported afterwards.
  void stop();

 private:
  void rearm();
  void onTimer();
  void startCheck(const std::string& id);
  void runScript(const std::string& id, const ipc::BeaconScriptSettings& script);
  void record(Observation observation);
  std::string scratchFor(const std::string& scriptName);

  uv_loop_t* loop_;
  std::string scratchRoot_;
  EventSink sink_;
  ChildReaper reaper_;
  ScriptRunner scripts_;
  ProbeRunner probes_;
  Scheduler scheduler_;
  StateTracker tracker_;
  ipc::BeaconsSettings settings_;
  uv_timer_t* timer_;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // callbacks of runs that outlive a stop
};

}  // namespace nefia::beacons
