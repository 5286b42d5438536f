// Test-only probe: `sandbox_probe <role> <action> [--staging DIR] [--log-only]` sets up fds like a
// worker, applies the role's sandbox, then tries one action and reports it (exit 0 = done, 3 = refused
// with an errno, death by SIGSYS = killed by seccomp). Never installed; never used by the agent.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "workers/sandbox/sandbox.h"

namespace {

using nefia::sandbox::Role;

// The probe's fd layout after set-up; the sandbox keeps exactly these.
constexpr int kStatusFd = 3;        // /proc/self/status, opened before the sandbox, read after it
constexpr int kStreamWriterFd = 4;  // stream socketpair (like the IPC channel)
constexpr int kStreamReaderFd = 5;
constexpr int kUdpFd = 6;       // UDP socket bound on 127.0.0.1 (like the tunnel's)
constexpr int kListenerFd = 7;  // TCP listener on 127.0.0.1 (for the updater's connect)
constexpr int kTcpClientFd = 8;    // a connected TCP pair, like the fds the supervisor's broker hands
constexpr int kTcpAcceptedFd = 9;  // the forwarder
constexpr int kLeakedFds[] = {11, 42, 200};

constexpr int kExitDone = 0;
constexpr int kExitUsage = 2;
constexpr int kExitRefused = 3;
constexpr int kExitSandboxFailed = 4;
constexpr int kExitBroken = 5;

[[noreturn]] void fatal(const std::string& what) {
  std::fprintf(stderr, "sandbox_probe: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(kExitBroken);
}

void placeAt(int fd, int target) {
  if (fd < 0) fatal("creating fd " + std::to_string(target));
  const int parked = fcntl(fd, F_DUPFD, 300);  // out of the way of every target
  close(fd);
  if (parked < 0 || dup2(parked, target) != target) fatal("placing fd " + std::to_string(target));
  close(parked);
}

int boundLoopbackSocket(int type) {
  const int fd = socket(AF_INET, type, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) fatal("binding loopback");
  return fd;
}

void setUpFds() {
  placeAt(open("/proc/self/status", O_RDONLY), kStatusFd);
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) fatal("socketpair");
  placeAt(pair[0], kStreamWriterFd);
  placeAt(pair[1], kStreamReaderFd);
  placeAt(boundLoopbackSocket(SOCK_DGRAM), kUdpFd);
  const int listener = boundLoopbackSocket(SOCK_STREAM);
  if (listen(listener, 4) != 0) fatal("listen");
  placeAt(listener, kListenerFd);
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  if (client < 0 || getsockname(kListenerFd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      connect(client, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    fatal("connecting to the loopback listener");
  }
  placeAt(client, kTcpClientFd);
  placeAt(accept(kListenerFd, nullptr, nullptr), kTcpAcceptedFd);
  for (int fd : kLeakedFds) {
    if (dup2(kStatusFd, fd) != fd) fatal("leaking fd " + std::to_string(fd));
  }
}

int reportErrno(const char* action) {
  const int error = errno;
  std::printf("%s: refused errno=%d (%s)\n", action, error, std::strerror(error));
  return kExitRefused;
}

int done(const char* action) {
  std::printf("%s: done\n", action);
  return kExitDone;
}

int checked(const char* action, bool succeeded) { return succeeded ? done(action) : reportErrno(action); }

// ---- actions --------------------------------------------------------------------------------------

int openShadow() {
  const int fd = open("/etc/shadow", O_RDONLY);
  if (fd >= 0) close(fd);
  return checked("open-shadow", fd >= 0);
}

int writeTmp() {
  const std::string path = "/tmp/nefia-sandbox-probe-" + std::to_string(getpid());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return reportErrno("write-tmp");
  close(fd);
  unlink(path.c_str());
  return done("write-tmp");
}

int execTrue() {
  char program[] = "/bin/true";
  char* const arguments[] = {program, nullptr};
  char* const environment[] = {nullptr};
  execve(program, arguments, environment);
  return reportErrno("exec");
}

int createSocket() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd >= 0) close(fd);
  return checked("socket", fd >= 0);
}

int ptraceSelf() { return checked("ptrace", ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == 0); }

int forkChild() {
  const pid_t child = fork();
  if (child < 0) return reportErrno("fork");
  if (child == 0) _exit(0);
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return reportErrno("fork");
  return done("fork");
}

int startThread() {
  int value = 0;
  std::thread worker([&value] { value = 42; });
  worker.join();
  return value == 42 ? done("thread") : kExitBroken;
}

int printStatus() {
  char buffer[8192];
  // Never read before: the kernel renders the status now, with the sandbox in place.
  const ssize_t length = read(kStatusFd, buffer, sizeof(buffer) - 1);
  if (length <= 0) return reportErrno("status");
  buffer[length] = '\0';
  for (std::string_view rest(buffer); !rest.empty();) {
    const size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    if (line.starts_with("NoNewPrivs:") || line.starts_with("Seccomp:") || line.starts_with("Uid:") ||
        line.starts_with("Gid:") || line.starts_with("Groups:") || line.starts_with("CapEff:")) {
      std::printf("%.*s\n", static_cast<int>(line.size()), line.data());
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return done("status");
}

int listFds() {
  std::string open;
  for (int fd = 0; fd < 1024; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) open += (open.empty() ? "" : " ") + std::to_string(fd);
  }
  std::printf("fds: %s\n", open.c_str());
  return done("fds");
}

int connectLoopback() {
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  if (getsockname(kListenerFd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return reportErrno("connect");
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reportErrno("connect");
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), length) == 0;
  const int error = errno;
  close(fd);
  errno = error;
  return checked("connect", connected);
}

int resolveLocalhost() {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo("localhost", "443", &hints, &result);
  if (rc != 0) {
    std::printf("dns: refused (%s)\n", gai_strerror(rc));
    return kExitRefused;
  }
  freeaddrinfo(result);
  return done("dns");
}

int readCaBundle() {
  const int fd = open("/etc/ssl/certs/ca-certificates.crt", O_RDONLY);
  if (fd < 0) return reportErrno("ca-bundle");
  char buffer[64];
  const bool readSome = read(fd, buffer, sizeof(buffer)) > 0;
  close(fd);
  return checked("ca-bundle", readSome);
}

// What the updater does with a download: write a temp file, fsync, rename into place, remove.
int writeStaging(const std::string& stagingDir) {
  const std::string temporary = stagingDir + "/download.partial";
  const std::string final = stagingDir + "/nefia-agent.new";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  if (fd < 0) return reportErrno("write-staging");
  const bool written = write(fd, "binary", 6) == 6 && fsync(fd) == 0;
  close(fd);
  if (!written || rename(temporary.c_str(), final.c_str()) != 0 || unlink(final.c_str()) != 0) {
    return reportErrno("write-staging");
  }
  return done("write-staging");
}

int statvfsRoot() {
  struct statvfs info {};
  return checked("statvfs", statvfs("/", &info) == 0);
}

int writeDevNull() {
  const int fd = open("/dev/null", O_WRONLY | O_TRUNC);
  if (fd < 0) return reportErrno("write-devnull");
  const bool written = write(fd, "x", 1) == 1;
  close(fd);
  return checked("write-devnull", written);
}

// ---- uv-loop: the event loop a worker runs, after sandboxing ----------------------------------------

struct LoopProbe {
  uv_loop_t loop;
  uv_timer_t timer;
  uv_pipe_t writer, reader;
  uv_tcp_t tcpClient, tcpAccepted;
  uv_poll_t udp;
  uv_async_t async;
  uv_signal_t signal;
  uv_work_t work;
  uv_write_t writeRequest;
  uv_write_t tcpWriteRequest;
  char buffer[65536];
  int timerTicks = 0;
  bool streamRead = false, tcpRead = false, datagramRead = false, workDone = false, asyncSeen = false,
       signalSeen = false;
  bool allSeen() const { return streamRead && tcpRead && datagramRead && workDone && asyncSeen && signalSeen; }
};

LoopProbe* loopProbe(void* data) { return static_cast<LoopProbe*>(data); }

void allocate(uv_handle_t* handle, size_t, uv_buf_t* buffer) {
  LoopProbe* probe = loopProbe(handle->data);
  *buffer = uv_buf_init(probe->buffer, sizeof(probe->buffer));
}

void closeAll(LoopProbe* probe) {
  uv_handle_t* handles[] = {reinterpret_cast<uv_handle_t*>(&probe->timer), reinterpret_cast<uv_handle_t*>(&probe->writer),
                            reinterpret_cast<uv_handle_t*>(&probe->reader), reinterpret_cast<uv_handle_t*>(&probe->udp),
                            reinterpret_cast<uv_handle_t*>(&probe->async), reinterpret_cast<uv_handle_t*>(&probe->signal),
                            reinterpret_cast<uv_handle_t*>(&probe->tcpClient),
                            reinterpret_cast<uv_handle_t*>(&probe->tcpAccepted)};
  for (uv_handle_t* handle : handles) {
    if (!uv_is_closing(handle)) uv_close(handle, nullptr);
  }
}

int runLoop() {
  static LoopProbe probe;
  void* data = &probe;
  if (uv_loop_init(&probe.loop) != 0) return reportErrno("uv-loop");
  uv_timer_init(&probe.loop, &probe.timer);
  uv_pipe_init(&probe.loop, &probe.writer, 0);
  uv_pipe_init(&probe.loop, &probe.reader, 0);
  uv_tcp_init(&probe.loop, &probe.tcpClient);
  uv_tcp_init(&probe.loop, &probe.tcpAccepted);
  uv_signal_init(&probe.loop, &probe.signal);
  uv_async_init(&probe.loop, &probe.async, [](uv_async_t* handle) { loopProbe(handle->data)->asyncSeen = true; });
  for (uv_handle_t* handle : {reinterpret_cast<uv_handle_t*>(&probe.timer), reinterpret_cast<uv_handle_t*>(&probe.writer),
                              reinterpret_cast<uv_handle_t*>(&probe.reader), reinterpret_cast<uv_handle_t*>(&probe.udp),
                              reinterpret_cast<uv_handle_t*>(&probe.async), reinterpret_cast<uv_handle_t*>(&probe.signal),
                              reinterpret_cast<uv_handle_t*>(&probe.tcpClient),
                              reinterpret_cast<uv_handle_t*>(&probe.tcpAccepted)}) {
    handle->data = data;
  }
  probe.work.data = data;

  // Stream: a write on one end of the socketpair is read on the other.
  if (uv_pipe_open(&probe.writer, kStreamWriterFd) != 0 || uv_pipe_open(&probe.reader, kStreamReaderFd) != 0) {
    return reportErrno("uv-loop");
  }
  uv_read_start(reinterpret_cast<uv_stream_t*>(&probe.reader), allocate,
                [](uv_stream_t* stream, ssize_t length, const uv_buf_t* buffer) {
                  if (length == 4 && std::memcmp(buffer->base, "ping", 4) == 0) loopProbe(stream->data)->streamRead = true;
                });
  uv_buf_t ping = uv_buf_init(const_cast<char*>("ping"), 4);
  uv_write(&probe.writeRequest, reinterpret_cast<uv_stream_t*>(&probe.writer), &ping, 1, nullptr);

  // TCP: a connected pair handed in, like the forwarder relaying a connection the supervisor opened.
  if (uv_tcp_open(&probe.tcpClient, kTcpClientFd) != 0 || uv_tcp_open(&probe.tcpAccepted, kTcpAcceptedFd) != 0 ||
      uv_tcp_nodelay(&probe.tcpClient, 1) != 0) {
    return reportErrno("uv-loop");
  }
  uv_read_start(reinterpret_cast<uv_stream_t*>(&probe.tcpAccepted), allocate,
                [](uv_stream_t* stream, ssize_t length, const uv_buf_t* buffer) {
                  if (length == 4 && std::memcmp(buffer->base, "tcp!", 4) == 0) loopProbe(stream->data)->tcpRead = true;
                });
  uv_buf_t tcpData = uv_buf_init(const_cast<char*>("tcp!"), 4);
  uv_write(&probe.tcpWriteRequest, reinterpret_cast<uv_stream_t*>(&probe.tcpClient), &tcpData, 1, nullptr);

  // Datagrams the way the tunnel moves them: uv_poll plus raw sendmmsg/recvmmsg on a handed-in socket.
  // (libuv's uv_udp_t would first probe mmsg support with a new socket, which the tunnel may not create.)
  sockaddr_in self{};
  socklen_t selfLength = sizeof(self);
  if (uv_poll_init(&probe.loop, &probe.udp, kUdpFd) != 0 ||
      getsockname(kUdpFd, reinterpret_cast<sockaddr*>(&self), &selfLength) != 0) {
    return reportErrno("uv-loop");
  }
  probe.udp.data = data;
  uv_poll_start(&probe.udp, UV_READABLE, [](uv_poll_t* poll, int status, int) {
    char first[16], second[16];
    iovec vectors[2] = {{first, sizeof(first)}, {second, sizeof(second)}};
    mmsghdr messages[2] = {};
    messages[0].msg_hdr.msg_iov = &vectors[0];
    messages[0].msg_hdr.msg_iovlen = 1;
    messages[1].msg_hdr.msg_iov = &vectors[1];
    messages[1].msg_hdr.msg_iovlen = 1;
    if (status == 0 && recvmmsg(kUdpFd, messages, 2, MSG_DONTWAIT, nullptr) == 2 && messages[0].msg_len == 4 &&
        std::memcmp(first, "dgr1", 4) == 0 && std::memcmp(second, "dgr2", 4) == 0) {
      loopProbe(poll->data)->datagramRead = true;
    }
  });
  char first[] = "dgr1", second[] = "dgr2";
  iovec vectors[2] = {{first, 4}, {second, 4}};
  mmsghdr messages[2] = {};
  for (int i = 0; i < 2; ++i) {
    messages[i].msg_hdr.msg_name = &self;
    messages[i].msg_hdr.msg_namelen = selfLength;
    messages[i].msg_hdr.msg_iov = &vectors[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  if (sendmmsg(kUdpFd, messages, 2, 0) != 2) return reportErrno("uv-loop");

  // Thread pool (threads through clone) and a wake-up from it (eventfd).
  uv_queue_work(&probe.loop, &probe.work, [](uv_work_t* work) { uv_async_send(&loopProbe(work->data)->async); },
                [](uv_work_t* work, int status) { loopProbe(work->data)->workDone = status == 0; });

  // Signals through libuv (its signal pipe and raise() at our own pid).
  uv_signal_start(&probe.signal, [](uv_signal_t* handle, int) { loopProbe(handle->data)->signalSeen = true; }, SIGUSR1);
  raise(SIGUSR1);

  // Polls every 5 ms, gives up after 2 s.
  uv_timer_start(&probe.timer, [](uv_timer_t* timer) {
    LoopProbe* state = loopProbe(timer->data);
    if (state->allSeen() || ++state->timerTicks >= 400) closeAll(state);
  }, 5, 5);

  uv_run(&probe.loop, UV_RUN_DEFAULT);
  const bool closed = uv_loop_close(&probe.loop) == 0;
  if (!probe.allSeen() || !closed) {
    std::printf("uv-loop: incomplete stream=%d tcp=%d datagram=%d work=%d async=%d signal=%d closed=%d\n",
                probe.streamRead, probe.tcpRead, probe.datagramRead, probe.workDone, probe.asyncSeen, probe.signalSeen,
                closed);
    return kExitBroken;
  }
  return done("uv-loop");
}

int runAction(std::string_view action, const std::string& stagingDir) {
  if (action == "open-shadow") return openShadow();
  if (action == "write-tmp") return writeTmp();
  if (action == "exec") return execTrue();
  if (action == "socket") return createSocket();
  if (action == "ptrace") return ptraceSelf();
  if (action == "fork") return forkChild();
  if (action == "thread") return startThread();
  if (action == "uv-loop") return runLoop();
  if (action == "status") return printStatus();
  if (action == "fds") return listFds();
  if (action == "connect") return connectLoopback();
  if (action == "dns") return resolveLocalhost();
  if (action == "ca-bundle") return readCaBundle();
  if (action == "write-staging") return writeStaging(stagingDir);
  if (action == "statvfs") return statvfsRoot();
  if (action == "write-devnull") return writeDevNull();
  std::fprintf(stderr, "sandbox_probe: unknown action \"%.*s\"\n", static_cast<int>(action.size()), action.data());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: sandbox_probe <tunnel|forwarder|beacons|updater> <action> [--staging DIR] [--log-only]\n");
    return kExitUsage;
  }
  const std::optional<Role> role = nefia::ipc::parseWorkerRole(argv[1]);
  if (!role) {
    std::fprintf(stderr, "sandbox_probe: unknown role \"%s\"\n", argv[1]);
    return kExitUsage;
  }
  nefia::sandbox::SandboxOptions options;
  options.keepFds = {0, 1, 2, kStatusFd, kStreamWriterFd, kStreamReaderFd, kUdpFd, kListenerFd, kTcpClientFd,
                     kTcpAcceptedFd};
  for (int i = 3; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--log-only") {
      options.logOnly = true;
    } else if (argument == "--staging" && i + 1 < argc) {
      options.updaterStagingDir = argv[++i];
    } else {
      std::fprintf(stderr, "sandbox_probe: unknown argument \"%s\"\n", argv[i]);
      return kExitUsage;
    }
  }

  setUpFds();
  const nefia::Result<nefia::sandbox::SandboxReport> report = nefia::sandbox::applySandbox(*role, options);
  if (!report) {
    std::fprintf(stderr, "sandbox_probe: %s\n", report.error().c_str());
    return kExitSandboxFailed;
  }
  std::printf("report: user=%s seccomp=%d landlock_abi=%d note=%s\n", report->workerUser.c_str(), report->seccomp,
              report->landlockAbi, report->landlockNote.c_str());
  std::fflush(stdout);
  const int result = runAction(argv[2], options.updaterStagingDir);
  std::fflush(stdout);
  return result;
}
