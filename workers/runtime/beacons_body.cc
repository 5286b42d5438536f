// The beacons worker's body: becomes the child subreaper, runs the BeaconsService with the settings the
// supervisor sends, forwards every event as a beacon_event and reports every check's status.
#include "common/log.h"
#include "ipc/settings_payloads.h"
#include "workers/beacons/beacons_service.h"
#include "workers/runtime/worker_body.h"

namespace nefia::workers {
namespace {

constexpr const char* kComponent = "beacons";

class BeaconsBody : public WorkerBody {
 public:
  explicit BeaconsBody(WorkerContext context) : channel_(context.channel) {
    // Processes that leave a script run are adopted by us, not by init, so a timeout can still kill them.
    if (!beacons::ChildReaper::becomeSubreaper()) {
      logWarn(kComponent, "PR_SET_CHILD_SUBREAPER refused: processes that leave a script's session survive its timeout");
    }
    service_.emplace(context.loop, context.scratchDir, [this](const ipc::BeaconEvent& event) { send(event); });
  }

  void onMessage(ipc::Message&& message) override {
    if (message.type != ipc::MessageType::kConfigure && message.type != ipc::MessageType::kConfigUpdate) return;
    auto settings = ipc::parseBeaconsSettings(message.payload);
    if (!settings.ok()) {
      logError(kComponent, "settings rejected: ", settings.error());
      return;
    }
    logInfo(kComponent, "checking ", settings->paths.size() * settings->diskEnabled, " paths, ",
            settings->services.size() * settings->servicesEnabled, " services, ", settings->scripts.size(), " scripts");
    service_->apply(settings.value());
  }

  ipc::StatusReportPayload status() override {
    ipc::StatusReportPayload report;
    report.details = service_->status();
    return report;
  }

  void shutdown(uint64_t, std::function<void()> done) override {
    service_->stop();
    done();
  }

 private:
  void send(const ipc::BeaconEvent& event) {
    Status sent = channel_->send(ipc::MessageType::kBeaconEvent, ipc::toJson(event));
    if (!sent.ok()) logWarn(kComponent, "could not hand an event to the supervisor: ", sent.error());
  }

  ipc::WorkerChannel* channel_;
  std::optional<beacons::BeaconsService> service_;
};

}  // namespace

std::unique_ptr<WorkerBody> makeBeaconsBody(WorkerContext context) { return std::make_unique<BeaconsBody>(context); }

}  // namespace nefia::workers
