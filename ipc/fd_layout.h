// The fds every worker process inherits, written down once: the spawner and the worker both read it here.
// Never let a worker inherit anything else; the sandbox closes every fd not listed.
#pragma once

namespace nefia::ipc {

inline constexpr int kWorkerStdinFd = 0;   // /dev/null
inline constexpr int kWorkerStdoutFd = 1;  // /dev/null
inline constexpr int kWorkerStderrFd = 2;  // /dev/null, or the terminal in debug runs
inline constexpr int kWorkerChannelFd = 3;  // the worker's end of its IpcChannel (SOCK_SEQPACKET)
inline constexpr int kWorkerHighestFixedFd = kWorkerChannelFd;

}  // namespace nefia::ipc
