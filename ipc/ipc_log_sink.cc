// IpcLogSink: worker log records to `log` frames, with loss accounting when the channel cannot take them.
// Never recurse into the logger (a failing send must not log), never send an unbounded or raw line.
#include "ipc/ipc_log_sink.h"

#include <string>

#include "ipc/payloads.h"

namespace nefia::ipc {

IpcLogSink::IpcLogSink(std::weak_ptr<IpcChannel> channel, Role worker)
    : channel_(std::move(channel)), worker_(worker) {}

bool IpcLogSink::sendLine(IpcChannel& channel, LogLevel level, std::string_view message) {
  return channel.send(MessageType::kLog, toJson(makeLogPayload(level, message))).ok();
}

void IpcLogSink::write(const LogRecord& record, std::string_view) {
  if (writing_) return;
  writing_ = true;
  std::shared_ptr<IpcChannel> channel = channel_.lock();
  if (!channel || !channel->isOpen()) {
    ++droppedLines_;
    writing_ = false;
    return;
  }
  if (droppedLines_ > reportedDrops_) {
    const uint64_t lost = droppedLines_ - reportedDrops_;
    if (sendLine(*channel, LogLevel::kWarn,
                 std::to_string(lost) + " log lines were lost because the channel to the supervisor was full or closed")) {
      reportedDrops_ = droppedLines_;
    }
  }
  std::string message = record.message;
  if (record.component != toString(worker_)) message = record.component + ": " + message;
  if (!sendLine(*channel, record.level, message)) ++droppedLines_;
  writing_ = false;
}

}  // namespace nefia::ipc
