// IpcLogSink: a LogSink that sends each log line of a worker to the supervisor as a `log` frame, so the
// supervisor is the only writer of the log file. Never writes to a file, never blocks, never logs itself.
#pragma once

#include <cstdint>
#include <memory>

#include "common/log.h"
#include "ipc/channel.h"
#include "ipc/message_types.h"

namespace nefia::ipc {

class IpcLogSink : public LogSink {
 public:
  // `worker` is this process's role: lines whose component is the role name go as they are, others are
  // prefixed with their component ("noise: handshake completed") because the supervisor logs every line
  // under the worker's name.
  IpcLogSink(std::weak_ptr<IpcChannel> channel, Role worker);

  // Lines that cannot be sent (channel closed, queue full) are counted; the next line that can be sent is
  // preceded by one warning saying how many were lost.
  void write(const LogRecord& record, std::string_view formattedLine) override;
  uint64_t droppedLines() const { return droppedLines_; }

 private:
  bool sendLine(IpcChannel& channel, LogLevel level, std::string_view message);

  std::weak_ptr<IpcChannel> channel_;
  Role worker_;
  uint64_t droppedLines_ = 0;
  uint64_t reportedDrops_ = 0;
  bool writing_ = false;
};

}  // namespace nefia::ipc
