// BeaconsService (beacons_service.h): one timer for the whole schedule and the heartbeat, check ids
// "script:NAME", "disk_usage:PATH", "service_check", and the status the health file shows.
#include "workers/beacons/beacons_service.h"

#include <sys/stat.h>

#include <chrono>
#include <set>

#include "workers/beacons/disk_usage.h"
#include "workers/beacons/service_check.h"

namespace nefia::beacons {
namespace {

constexpr std::string_view kScriptPrefix = "script:";
constexpr std::string_view kDiskPrefix = "disk_usage:";
constexpr std::string_view kServicesId = "service_check";

uint64_t wallNowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::vector<CheckSpec> checksOf(const ipc::BeaconsSettings& settings) {
  std::vector<CheckSpec> specs;
  if (settings.diskEnabled) {
    for (const std::string& path : settings.paths) {
      specs.push_back({std::string(kDiskPrefix) + path, Duration(settings.diskIntervalMs)});
    }
  }
  if (settings.servicesEnabled && !settings.services.empty()) {
    specs.push_back({std::string(kServicesId), Duration(settings.servicesIntervalMs)});
  }
  for (const ipc::BeaconScriptSettings& script : settings.scripts) {
    specs.push_back({std::string(kScriptPrefix) + script.name, Duration(script.intervalMs)});
  }
  return specs;
}

// A script name as one safe path component for its scratch subdirectory.
std::string directoryName(const std::string& name) {
  std::string safe;
  for (char c : name) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return safe.empty() ? "_" : safe;
}

}  // namespace

BeaconsService::BeaconsService(uv_loop_t* loop, std::string scratchRoot, EventSink sink, ScriptLimits limits)
    : loop_(loop),
      scratchRoot_(std::move(scratchRoot)),
      sink_(std::move(sink)),
      reaper_(loop),
      scripts_(loop, reaper_, limits),
      probes_(loop, reaper_),
      tracker_(kDefaultHeartbeatInterval, Clock::now()),
      timer_(new uv_timer_t) {
  uv_timer_init(loop_, timer_);
  timer_->data = this;
}

BeaconsService::~BeaconsService() {
  stop();
  timer_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void BeaconsService::stop() {
  stopped_ = true;
  *alive_ = false;
  uv_timer_stop(timer_);
  scripts_.killAll();
}

void BeaconsService::apply(const ipc::BeaconsSettings& settings) {
  settings_ = settings;
  const TimePoint now = Clock::now();
  scheduler_.setChecks(checksOf(settings), now);
  tracker_.setHeartbeatInterval(Duration(settings.heartbeatMs), now);
  std::set<std::pair<ipc::BeaconKind, std::string>> keep;
  if (settings.diskEnabled) {
    for (const std::string& path : settings.paths) keep.insert({ipc::BeaconKind::kDiskUsage, path});
  }
  if (settings.servicesEnabled) {
    for (const std::string& service : settings.services) keep.insert({ipc::BeaconKind::kServiceCheck, service});
    keep.insert({ipc::BeaconKind::kServiceCheck, kServiceCheckItself});
  }
  for (const auto& script : settings.scripts) keep.insert({ipc::BeaconKind::kScript, script.name});
  tracker_.retainOnly(keep);
  rearm();
}

void BeaconsService::rearm() {
  if (stopped_) return;
  TimePoint next = tracker_.nextHeartbeat();
  if (auto due = scheduler_.nextDue(); due && *due < next) next = *due;
  const auto delay = std::chrono::duration_cast<Duration>(next - Clock::now());
  uv_timer_start(timer_, [](uv_timer_t* timer) {
    if (timer->data != nullptr) static_cast<BeaconsService*>(timer->data)->onTimer();
  }, static_cast<uint64_t>(std::max<int64_t>(delay.count(), 0)), 0);
}

void BeaconsService::onTimer() {
  const TimePoint now = Clock::now();
  for (const std::string& id : scheduler_.takeDue(now)) startCheck(id);
  for (const ipc::BeaconEvent& beat : tracker_.heartbeatIfDue(now, wallNowMs())) sink_(beat);
  rearm();
}

void BeaconsService::startCheck(const std::string& id) {
  std::weak_ptr<bool> alive = alive_;
  auto finished = [this, alive, id] {
    if (alive.lock() && *alive.lock()) scheduler_.finished(id);
  };
  if (id.starts_with(kScriptPrefix)) {
    for (const auto& script : settings_.scripts) {
      if (std::string(kScriptPrefix) + script.name == id) return runScript(id, script);
    }
  } else if (id.starts_with(kDiskPrefix)) {
    const std::string path = id.substr(kDiskPrefix.size());
    const DiskThresholds thresholds{settings_.warningPercent, settings_.criticalPercent};
    return checkDiskUsage(probes_, path, thresholds, kProbeTimeout, [this, alive, finished](Observation found) {
      if (!alive.lock() || !*alive.lock()) return;
      finished();
      record(std::move(found));
    });
  } else if (id == kServicesId) {
    return checkServices(probes_, settings_.services, kProbeTimeout, [this, alive, finished](std::vector<Observation> found) {
      if (!alive.lock() || !*alive.lock()) return;
      finished();
      for (Observation& observation : found) record(std::move(observation));
    });
  }
  scheduler_.finished(id);  // removed meanwhile: nothing to run
}

void BeaconsService::runScript(const std::string& id, const ipc::BeaconScriptSettings& script) {
  const ScriptJob job{script.name, script.command, Duration(script.timeoutMs), scratchFor(script.name)};
  std::weak_ptr<bool> alive = alive_;
  scripts_.start(job, [this, alive, id, job](ScriptOutcome outcome) {
    if (!alive.lock() || !*alive.lock()) return;
    scheduler_.finished(id);
    record(observationFor(job, outcome));
  });
}

std::string BeaconsService::scratchFor(const std::string& scriptName) {
  if (scratchRoot_.empty()) return "/";
  const std::string directory = scratchRoot_ + "/" + directoryName(scriptName);
  (void)::mkdir(directory.c_str(), 0700);  // exists after the first run; a failure shows as the script's error
  return directory;
}

void BeaconsService::record(Observation observation) {
  if (auto event = tracker_.record(std::move(observation), wallNowMs())) sink_(*event);
}

ipc::BeaconsStatus BeaconsService::status() const {
  ipc::BeaconsStatus status;
  const auto add = [&](ipc::BeaconKind kind, const std::string& name, const std::string& id) {
    const ScheduledCheck* check = scheduler_.find(id);
    const TrackedBeacon* tracked = tracker_.find(kind, name);
    if (status.checks.size() >= ipc::kMaxReportedBeacons) return;
    status.checks.push_back({kind, name, tracked ? tracked->last.state : ipc::BeaconState::kUnknown,
                             tracked ? tracked->lastRunUnixMs : 0, check ? check->runs : 0, check ? check->skips : 0});
  };
  if (settings_.diskEnabled) {
    for (const std::string& path : settings_.paths) add(ipc::BeaconKind::kDiskUsage, path, std::string(kDiskPrefix) + path);
  }
  if (settings_.servicesEnabled && !settings_.services.empty()) {
    // While the bus is unavailable (and no unit was ever seen) the one line is service_check itself.
    if (tracker_.find(ipc::BeaconKind::kServiceCheck, kServiceCheckItself) != nullptr &&
        tracker_.find(ipc::BeaconKind::kServiceCheck, settings_.services.front()) == nullptr) {
      add(ipc::BeaconKind::kServiceCheck, kServiceCheckItself, std::string(kServicesId));
    } else {
      for (const std::string& service : settings_.services) add(ipc::BeaconKind::kServiceCheck, service, std::string(kServicesId));
    }
  }
  for (const auto& script : settings_.scripts) add(ipc::BeaconKind::kScript, script.name, std::string(kScriptPrefix) + script.name);
  return status;
}

}  // namespace nefia::beacons
