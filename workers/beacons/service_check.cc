// service_check (service_check.h): LoadUnit + the Unit's LoadState/ActiveState over the system bus, in a
// child; active is ok, activating/reloading/deactivating warning, inactive/failed critical, no unit unknown.
#include "workers/beacons/service_check.h"

#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

namespace nefia::beacons {
namespace {

constexpr const char* kDestination = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kUnit = "org.freedesktop.systemd1.Unit";

void say(const std::string& line) {
  const std::string text = line + "\n";
  (void)!::write(STDOUT_FILENO, text.data(), text.size());
}

// "LOAD ACTIVE" for one unit, or an error text.
bool unitState(sd_bus* bus, const std::string& unit, std::string& answer) {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  int rc = sd_bus_call_method(bus, kDestination, kManagerPath, kManager, "LoadUnit", &error, &reply, "s", unit.c_str());
  const char* path = nullptr;
  if (rc >= 0) rc = sd_bus_message_read(reply, "o", &path);
  if (rc < 0) {
    answer = error.message != nullptr ? error.message : std::strerror(-rc);
    const bool noSystemd = sd_bus_error_has_name(&error, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                           sd_bus_error_has_name(&error, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    return !noSystemd;
  }
  const std::string objectPath = path;
  sd_bus_message_unref(reply);
  char* load = nullptr;
  char* active = nullptr;
  if (sd_bus_get_property_string(bus, kDestination, objectPath.c_str(), kUnit, "LoadState", &error, &load) < 0 ||
      sd_bus_get_property_string(bus, kDestination, objectPath.c_str(), kUnit, "ActiveState", &error, &active) < 0) {
    answer = std::string("error ") + (error.message != nullptr ? error.message : "reading the unit's state failed");
  } else {
    answer = std::string(load) + " " + active;
  }
  std::free(load);
  std::free(active);
  sd_bus_error_free(&error);
  return true;
}

ipc::BeaconState stateOfActive(const std::string& active) {
  if (active == "active") return ipc::BeaconState::kOk;
  if (active == "activating" || active == "reloading" || active == "deactivating") return ipc::BeaconState::kWarning;
  if (active == "inactive" || active == "failed") return ipc::BeaconState::kCritical;
  return ipc::BeaconState::kUnknown;
}

Observation unavailable(const std::string& why) {
  return Observation{ipc::BeaconKind::kServiceCheck, kServiceCheckItself, ipc::BeaconState::kUnknown, nullptr,
                     "service_check unavailable: " + why, "unavailable"};
}

}  // namespace

std::string unitName(const std::string& service) {
  return service.find('.') == std::string::npos ? service + ".service" : service;
}

int serviceCheckProbe(const std::vector<std::string>& services) {
  sd_bus* bus = nullptr;
  const int rc = sd_bus_open_system(&bus);
  if (rc < 0) {
    say(std::string("unavailable cannot connect to the system bus (") + std::strerror(-rc) + ")");
    return 0;
  }
  for (const std::string& service : services) {
    std::string answer;
    if (!unitState(bus, unitName(service), answer)) {
      say("unavailable systemd is not on the system bus (" + answer + ")");
      break;
    }
    say("unit " + service + " " + answer);
  }
  sd_bus_flush_close_unref(bus);
  return 0;
}

std::vector<Observation> serviceObservations(const std::vector<std::string>& services, const ProbeOutcome& outcome,
                                             Duration timeout) {
  if (outcome.end == ProbeEnd::kTimedOut || outcome.end == ProbeEnd::kStillHung) {
    Observation hung = unavailable("systemd did not answer within " +
                                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s");
    hung.reason = "timeout";
    return {hung};
  }
  if (outcome.end == ProbeEnd::kNotStarted) return {unavailable("cannot start the probe: " + outcome.error)};
  std::vector<Observation> found;
  std::istringstream lines(outcome.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("unavailable ", 0) == 0) return {unavailable(line.substr(12))};
    std::istringstream words(line);
    std::string tag, name, load, active;
    words >> tag >> name >> load >> active;
    if (tag != "unit") continue;
    Observation unit{ipc::BeaconKind::kServiceCheck, name, ipc::BeaconState::kUnknown, active, "", ""};
    if (load == "not-found") {
      unit.reason = "not_found";
      unit.value = "not-found";
      unit.message = "no unit " + unitName(name) + " is installed";
    } else if (load == "error") {
      unit.reason = "error";
      unit.value = nullptr;
      std::getline(words, unit.message);
    } else {
      unit.state = stateOfActive(active);
      unit.message = unitName(name) + " is " + active;
    }
    found.push_back(std::move(unit));
  }
  if (found.size() != services.size()) return {unavailable("the D-Bus query gave no answer for every unit")};
  return found;
}

void checkServices(ProbeRunner& probes, const std::vector<std::string>& services, Duration timeout,
                   std::function<void(std::vector<Observation>)> done) {
  probes.start("service_check", timeout, [services] { return serviceCheckProbe(services); },
               [services, timeout, done = std::move(done)](ProbeOutcome outcome) {
                 done(serviceObservations(services, outcome, timeout));
               });
}

}  // namespace nefia::beacons
