// The forwarder worker's body: the lwIP Forwarder on the packet link from the tunnel, with the supervisor as
// its connection broker (connect_request / connect_result with the connected fd). Creates no sockets itself.
#include <cstdlib>
#include <unordered_map>

#include "common/log.h"
#include "ipc/settings_payloads.h"
#include "workers/forwarder/forwarder.h"
#include "workers/runtime/worker_body.h"

namespace nefia::workers {
namespace {

constexpr const char* kComponent = "forwarder";

class IpcConnectionBroker final : public forwarder::ConnectionBroker {
 public:
  explicit IpcConnectionBroker(ipc::WorkerChannel& channel) : channel_(channel) {}

  void requestConnection(uint64_t requestId, std::function<void(Result<int>)> done) override {
    Status sent = channel_.send(ipc::MessageType::kConnectRequest, ipc::toJson(ipc::ConnectRequestPayload{requestId}));
    if (!sent.ok()) {
      done(makeError("cannot ask the supervisor for a connection: " + sent.error()));
      return;
    }
    pending_[requestId] = std::move(done);
  }

  void answer(ipc::Message&& message) {
    auto result = ipc::parseConnectResult(message.payload);
    if (!result.ok()) return;
    auto found = pending_.find(result->requestId);
    if (found == pending_.end()) return;  // unknown or already answered: the fd closes with the message
    auto done = std::move(found->second);
    pending_.erase(found);
    if (result->ok && !message.fds.empty()) {
      done(message.fds.front().release());
    } else {
      done(makeError(result->error.empty() ? "the supervisor could not connect" : result->error));
    }
  }

 private:
  ipc::WorkerChannel& channel_;
  std::unordered_map<uint64_t, std::function<void(Result<int>)>> pending_;
};

class ForwarderBody final : public WorkerBody {
 public:
  explicit ForwarderBody(WorkerContext context) : context_(context), broker_(*context.channel) {}

  void onMessage(ipc::Message&& message) override {
    switch (message.type) {
      case ipc::MessageType::kConfigure:
      case ipc::MessageType::kConfigUpdate: {
        auto settings = ipc::parseForwarderSettings(message.payload);
        if (!settings.ok()) {
          logError(kComponent, "settings rejected: ", settings.error());
          return;
        }
        config_.ipv4Cidr = settings->address;
        config_.mtu = static_cast<uint16_t>(settings->mtu);
        listenPort_ = static_cast<uint16_t>(settings->sshPort);
        configured_ = true;
        if (forwarder_ && message.type == ipc::MessageType::kConfigUpdate) {
          logWarn(kComponent, "a new VPN address applies after the forwarder restarts");
        }
        break;
      }
      case ipc::MessageType::kHandOverFd: {
        auto handed = ipc::parseHandOverFd(message.payload);
        if (!handed.ok() || handed->role != ipc::HandedFd::kPacketLink || message.fds.empty()) return;
        const int fd = message.fds.front().release();
        if (forwarder_) {
          forwarder_->replacePacketFd(fd);
          logInfo(kComponent, "packet link replaced (tunnel restarted); connections continue");
          return;
        }
        if (!configured_) {
          ::close(fd);
          logError(kComponent, "packet link arrived before the settings; waiting for the next one");
          return;
        }
        auto created = forwarder::Forwarder::create(context_.loop, config_, fd, broker_, listenPort_);
        if (!created.ok()) {
          // A forwarder without a netstack cannot do its job, so it must not stay "ready": exit, and the
          // supervisor reports it (not ready, last_exit "exit 1", status unhealthy) and restarts it with back-off.
          logError(kComponent, "cannot start the netstack: ", created.error(), "; exiting");
          std::_Exit(1);
        }
        forwarder_ = std::move(created.value());
        break;
      }
      case ipc::MessageType::kConnectResult: broker_.answer(std::move(message)); break;
      default: break;
    }
  }

  ipc::StatusReportPayload status() override {
    ipc::ForwarderStatus status;
    if (forwarder_) {
      const forwarder::ForwarderStats stats = forwarder_->stats();
      status.activeConnections = stats.activeConnections;
      status.refusedConnections = stats.refusedConnections;
    }
    ipc::StatusReportPayload report;
    report.details = status;
    return report;
  }

  void shutdown(uint64_t drainMs, std::function<void()> done) override {
    if (!forwarder_) {
      done();
      return;
    }
    logInfo(kComponent, "draining ", forwarder_->stats().activeConnections, " connection(s) for up to ",
            drainMs / 1000, " s");
    forwarder_->drain(std::chrono::milliseconds(drainMs), [this, done = std::move(done)] {
      forwarder_->close(done);
    });
  }

 private:
  WorkerContext context_;
  IpcConnectionBroker broker_;
  forwarder::NetstackConfig config_;
  uint16_t listenPort_ = forwarder::kDefaultListenPort;
  bool configured_ = false;
  std::unique_ptr<forwarder::Forwarder> forwarder_;
};

}  // namespace

std::unique_ptr<WorkerBody> makeForwarderBody(WorkerContext context) {
  return std::make_unique<ForwarderBody>(context);
}

}  // namespace nefia::workers
