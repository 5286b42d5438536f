// The body of workers whose features come in later issues (the updater): it keeps its settings,
// answers status requests and stops at once. It has nothing to drain.
#include "common/log.h"
#include "ipc/settings_payloads.h"
#include "workers/runtime/worker_body.h"

namespace nefia::workers {
namespace {

class IdleBody : public WorkerBody {
 public:
  explicit IdleBody(const char* role) : role_(role) {}

  void onMessage(ipc::Message&& message) override {
    if (message.type != ipc::MessageType::kConfigure && message.type != ipc::MessageType::kConfigUpdate) return;
    auto settings = ipc::parseIdleSettings(message.payload);
    if (!settings.ok()) {
      logError(role_, "settings rejected: ", settings.error());
      return;
    }
    logDebug(role_, "settings received");
  }
  ipc::StatusReportPayload status() override { return {}; }
  void shutdown(uint64_t, std::function<void()> done) override { done(); }

 private:
  const char* role_;
};

}  // namespace

std::unique_ptr<WorkerBody> makeIdleBody(WorkerContext, const char* role) { return std::make_unique<IdleBody>(role); }

}  // namespace nefia::workers
