// The generic worker runtime: name the process, ignore SIGHUP, sandbox before reading any input, open the
// IPC channel, log through the supervisor, dispatch messages to the role body, answer status and shutdown.
#include "workers/runtime/worker_main.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/log.h"
#include "ipc/fd_layout.h"
#include "ipc/ipc_log_sink.h"
#include "ipc/protocol_version.h"
#include "ipc/settings_payloads.h"
#include "ipc/worker_roles.h"
#include "ipc/worker_channel.h"
#include "workers/runtime/worker_body.h"
#include "workers/sandbox/sandbox.h"

namespace nefia::workers {
namespace {

std::unique_ptr<WorkerBody> makeBody(ipc::Role role, WorkerContext context) {
  switch (ipc::roleSpec(role).body) {
    case ipc::BodyKind::kTunnel: return makeTunnelBody(context);
    case ipc::BodyKind::kForwarder: return makeForwarderBody(context);
    case ipc::BodyKind::kBeacons: return makeBeaconsBody(context);
    case ipc::BodyKind::kIdle: break;
  }
  return makeIdleBody(context, ipc::roleSpec(role).wireName.data());
}

// Messages of a dying worker go to the inherited stderr: the IPC channel may be what failed.
[[noreturn]] void dieEarly(const std::string& role, const std::string& message) {
  std::fprintf(stderr, "nefia-agent worker %s: %s\n", role.c_str(), message.c_str());
  std::_Exit(1);
}

class WorkerRuntime {
 public:
  WorkerRuntime(uv_loop_t* loop, const WorkerArguments& arguments) : loop_(loop), arguments_(arguments) {}

  void start(std::unique_ptr<ipc::WorkerChannel> channel, ipc::Role role, const sandbox::SandboxReport& sandbox) {
    channel_ = std::move(channel);
    role_ = role;
    body_ = makeBody(role, WorkerContext{loop_, channel_.get(), arguments_.scratchDir});
    channel_->onMessage([this](ipc::Message&& message) { handle(std::move(message)); });
    channel_->onClosed([this](std::string reason) {
      // Without its supervisor a worker has no reason to live; it must not linger as an orphan.
      std::fprintf(stderr, "nefia-agent worker %s: supervisor channel closed (%s); exiting\n", arguments_.role.c_str(),
                   reason.c_str());
      std::_Exit(0);
    });
    ipc::ReadyPayload ready;
    ready.protocolVersion = ipc::kProtocolVersion;
    ready.pid = static_cast<uint64_t>(::getpid());
    ready.sandbox = {sandbox.seccomp, static_cast<uint64_t>(sandbox.landlockAbi), sandbox.workerUser};
    (void)channel_->send(ipc::MessageType::kReady, ipc::toJson(ready));
    if (arguments_.fault == "garbage") sendGarbage();
  }

 private:
  void sendGarbage() {
    // A frame whose type the table does not know: the supervisor must kill us, not crash.
    auto raw = channel_->channel().lock();
    if (raw) (void)raw->sendBytes(static_cast<ipc::MessageType>(200), "\xff\xfe garbage");
  }

  void handle(ipc::Message&& message) {
    switch (message.type) {
      case ipc::MessageType::kStatusRequest: {
        if (arguments_.fault == "hang") return;  // the test hook: a worker that stops answering
        auto request = ipc::parseStatusRequest(message.payload);
        if (!request.ok()) return;
        ipc::StatusReportPayload report = body_->status();
        report.requestId = request->requestId;
        for (const nlohmann::json& part : ipc::toJsonParts(report, ipc::kMaxPayloadBytes)) {
          if (!channel_->send(ipc::MessageType::kStatusReport, part).ok()) break;
        }
        return;
      }
      case ipc::MessageType::kShutdown: {
        auto request = ipc::parseShutdown(message.payload);
        const uint64_t drainMs = request.ok() ? request->drainMs : 0;
        body_->shutdown(drainMs, [this] {
          (void)channel_->send(ipc::MessageType::kShutdownComplete, nlohmann::json::object());
          // Give the frame to the kernel, then leave; the supervisor reaps us.
          uv_stop(loop_);
        });
        return;
      }
      case ipc::MessageType::kConfigure:
      case ipc::MessageType::kConfigUpdate: {
        auto version = ipc::readProtocolVersion(message.payload);
        if (!version.ok() || !ipc::workerAccepts(*version)) {
          dieEarly(arguments_.role, "the supervisor speaks an older IPC protocol than this worker (" +
                                        std::to_string(ipc::kProtocolVersion) +
                                        "); install matching nefia-agent binaries");
        }
        body_->onMessage(std::move(message));
        return;
      }
      default:
        body_->onMessage(std::move(message));
        return;
    }
  }

  uv_loop_t* loop_;
  const WorkerArguments& arguments_;
  std::unique_ptr<ipc::WorkerChannel> channel_;
  std::unique_ptr<WorkerBody> body_;
  ipc::Role role_ = ipc::Role::kBeacons;
};

}  // namespace

int runWorker(const WorkerArguments& arguments) {
  const auto role = ipc::parseWorkerRole(arguments.role);
  if (role) ::prctl(PR_SET_NAME, std::string(ipc::roleSpec(*role).processName).c_str(), 0, 0, 0);
  ::signal(SIGHUP, SIG_IGN);  // `kill -HUP $(pgrep nefia-agent)` is for the supervisor alone
  ::signal(SIGPIPE, SIG_IGN);
  // Ctrl-C in a terminal and a service manager's group-wide SIGTERM reach every process; the supervisor
  // decides the order of the shutdown (forwarder drains while the tunnel still runs).
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  if (arguments.fault == "crash_at_start") dieEarly(arguments.role, "crashing at start (test hook)");

  if (!role) dieEarly(arguments.role, "unknown worker role");
  if (auto level = parseLogLevel(arguments.logLevel)) Logger::instance().setLevel(*level);

  sandbox::SandboxOptions options;
  options.keepFds = {ipc::kWorkerStdinFd, ipc::kWorkerStdoutFd, ipc::kWorkerStderrFd, ipc::kWorkerChannelFd};
  options.updaterStagingDir = arguments.stagingDir;
  if (*role == ipc::Role::kBeacons) options.beaconsScratchDir = arguments.scratchDir;
  options.logOnly = arguments.sandboxLogOnly;
  Result<sandbox::SandboxReport> sandboxed = sandbox::applySandbox(*role, options);
  if (!sandboxed.ok()) dieEarly(arguments.role, sandboxed.error());

  uv_loop_t loop;
  uv_loop_init(&loop);
  auto channel = ipc::WorkerChannel::open(&loop, *role, UniqueFd(ipc::kWorkerChannelFd));
  if (!channel.ok()) dieEarly(arguments.role, "cannot open the IPC channel: " + channel.error());
  Logger::instance().clearSinks();
  Logger::instance().addSink(std::make_shared<ipc::IpcLogSink>(channel.value()->channel(), *role));
  if (!sandboxed->landlockNote.empty()) logWarn(arguments.role, "landlock: ", sandboxed->landlockNote);
  if (*role == ipc::Role::kBeacons && (sandboxed->workerUser == "nefia-agent" || sandboxed->workerUser == "nobody")) {
    logWarn(arguments.role, "no user ", sandbox::kBeaconsUser, ": scripts run as ", sandboxed->workerUser,
            " like the other workers; create it: useradd --system --no-create-home --shell /usr/sbin/nologin ",
            sandbox::kBeaconsUser);
  }

  WorkerRuntime runtime(&loop, arguments);
  runtime.start(std::move(channel.value()), *role, sandboxed.value());
  uv_run(&loop, UV_RUN_DEFAULT);
  // Leaving without tearing down handles is deliberate: the body already closed what mattered, and the
  // kernel frees the rest; a worker must not hang in exit paths.
  std::_Exit(0);
}

}  // namespace nefia::workers
