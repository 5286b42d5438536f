// Proves per worker role that the sandbox holds, by running sandbox_probe (real processes, real kernel):
// denied files, exec, sockets, ptrace and fork; threads and a libuv loop still work; status and fds.
// Runs as root in CI (privilege drop); never leaves files or processes behind.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "workers/sandbox/landlock_abi.h"
#include "workers/sandbox/sandbox.h"

namespace nefia::sandbox {
namespace {

constexpr int kExitRefused = 3;
constexpr auto kProbeDeadline = std::chrono::seconds(10);

struct ProbeRun {
  bool finished = false;  // false: killed after the deadline
  bool exited = false;
  int exitCode = -1;
  int signal = 0;
  std::string out;
  std::string err;

  bool killedBySeccomp() const { return finished && !exited && signal == SIGSYS; }
  bool refusedWith(int error) const {
    return exited && exitCode == kExitRefused && out.find("errno=" + std::to_string(error) + " ") != std::string::npos;
  }
  bool succeeded() const { return exited && exitCode == 0; }
};

std::ostream& operator<<(std::ostream& stream, const ProbeRun& run) {
  return stream << "finished=" << run.finished << " exited=" << run.exited << " code=" << run.exitCode
                << " signal=" << run.signal << "\nstdout:\n" << run.out << "stderr:\n" << run.err;
}

// Runs the probe with a bounded wait, collecting stdout and stderr.
ProbeRun runProbe(const std::vector<std::string>& arguments) {
  int outPipe[2], errPipe[2];
  if (pipe2(outPipe, O_CLOEXEC) != 0 || pipe2(errPipe, O_CLOEXEC) != 0) return {};
  const pid_t child = fork();
  if (child == 0) {
    const int devNull = open("/dev/null", O_RDONLY);
    dup2(devNull, 0);
    dup2(outPipe[1], 1);
    dup2(errPipe[1], 2);
    std::vector<char*> argv;
    std::string program = NEFIA_SANDBOX_PROBE;
    argv.push_back(program.data());
    std::vector<std::string> copies = arguments;
    for (std::string& argument : copies) argv.push_back(argument.data());
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(outPipe[1]);
  close(errPipe[1]);

  ProbeRun run;
  const auto deadline = std::chrono::steady_clock::now() + kProbeDeadline;
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  int openPipes = 2;
  while (openPipes > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || poll(fds, 2, static_cast<int>(left.count())) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t length = read(fds[i].fd, buffer, sizeof(buffer));
      if (length <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --openPipes;
      } else {
        (i == 0 ? run.out : run.err).append(buffer, static_cast<size_t>(length));
      }
    }
  }
  for (const pollfd& entry : fds) {
    if (entry.fd >= 0) close(entry.fd);
  }
  int status = 0;
  if (openPipes > 0) kill(child, SIGKILL);
  if (waitpid(child, &status, 0) != child) return run;
  run.finished = openPipes == 0;
  run.exited = WIFEXITED(status);
  run.exitCode = run.exited ? WEXITSTATUS(status) : -1;
  run.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return run;
}

// The value of a "Key:\tvalue..." line printed by the probe's status action.
std::string statusField(const std::string& output, const std::string& key) {
  const size_t start = output.find(key + ":");
  if (start == std::string::npos) return "";
  size_t valueStart = output.find_first_not_of(" \t", start + key.size() + 1);
  return output.substr(valueStart, output.find('\n', valueStart) - valueStart);
}

class SandboxTest : public ::testing::TestWithParam<Role> {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nefia-sandbox-staging-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    stagingDir_ = pattern;
    // As the supervisor will: the staging dir belongs to the worker user.
    if (geteuid() == 0) {
      Result<WorkerIdentity> identity = resolveWorkerUser("");
      ASSERT_TRUE(identity.ok()) << identity.error();
      ASSERT_EQ(chown(stagingDir_.c_str(), identity->uid, identity->gid), 0);
    }
  }
  void TearDown() override { std::filesystem::remove_all(stagingDir_); }

  ProbeRun probe(const std::string& action, std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {std::string(toString(GetParam())), action, "--staging", stagingDir_};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return runProbe(arguments);
  }
  bool isAllowListRole() const { return GetParam() != Role::kBeacons; }
  bool createsNoSockets() const { return GetParam() == Role::kTunnel || GetParam() == Role::kForwarder; }

  std::string stagingDir_;
};

TEST_P(SandboxTest, StatusShowsNoNewPrivsSeccompFilterAndUnprivilegedIds) {
  const ProbeRun run = probe("status");
  ASSERT_TRUE(run.succeeded()) << run;
  EXPECT_EQ(statusField(run.out, "NoNewPrivs"), "1") << run;
  EXPECT_EQ(statusField(run.out, "Seccomp"), "2") << run;
  EXPECT_EQ(statusField(run.out, "CapEff"), "0000000000000000") << run;
  EXPECT_EQ(statusField(run.out, "Groups"), "") << run;
  const std::string uids = statusField(run.out, "Uid");  // real, effective, saved, filesystem
  std::istringstream fields(uids);
  int count = 0;
  for (long uid = 0; fields >> uid; ++count) EXPECT_NE(uid, 0) << run;
  EXPECT_EQ(count, 4) << run;
  if (geteuid() == 0) {
    Result<WorkerIdentity> identity = resolveWorkerUser("", GetParam());  // beacons: a user of its own
    ASSERT_TRUE(identity.ok()) << identity.error();
    const std::string expected = std::to_string(identity->uid);
    EXPECT_EQ(uids, expected + "\t" + expected + "\t" + expected + "\t" + expected) << run;
    EXPECT_NE(run.out.find("user=" + identity->name + " "), std::string::npos) << run;
  }
}

TEST_P(SandboxTest, OnlyTheKeptFdsStayOpen) {
  const ProbeRun run = probe("fds");
  ASSERT_TRUE(run.succeeded()) << run;
  EXPECT_NE(run.out.find("fds: 0 1 2 3 4 5 6 7 8 9\n"), std::string::npos) << run;
}

TEST_P(SandboxTest, ReportsTheKernelsLandlockAbi) {
  const long kernelAbi = syscall(landlock::kSysCreateRuleset, nullptr, 0, landlock::kCreateRulesetVersion);
  const ProbeRun run = probe("fds");
  ASSERT_TRUE(run.succeeded()) << run;
  EXPECT_NE(run.out.find("seccomp=1 "), std::string::npos) << run;
  if (kernelAbi > 0) {
    const long expected = std::min<long>(kernelAbi, landlock::kNewestKnownAbi);
    EXPECT_NE(run.out.find("landlock_abi=" + std::to_string(expected) + " "), std::string::npos) << run;
  } else {
    EXPECT_NE(run.out.find("landlock_abi=0 note=Landlock is"), std::string::npos) << run;
  }
}

TEST_P(SandboxTest, CannotOpenEtcShadow) {
  const ProbeRun run = probe("open-shadow");
  EXPECT_TRUE(run.refusedWith(EACCES)) << run;
}

TEST_P(SandboxTest, CannotWriteToTmp) {
  const ProbeRun run = probe("write-tmp");
  EXPECT_TRUE(run.refusedWith(EACCES)) << run;
}

TEST_P(SandboxTest, ThreadsWork) {
  const ProbeRun run = probe("thread");
  EXPECT_TRUE(run.succeeded()) << run;
}

TEST_P(SandboxTest, LibuvLoopWithTimerStreamsUdpPoolAndSignalWorks) {
  const ProbeRun run = probe("uv-loop");
  EXPECT_TRUE(run.succeeded()) << run;
}

TEST_P(SandboxTest, ExecIsKilledExceptForBeacons) {
  const ProbeRun run = probe("exec");
  if (isAllowListRole()) {
    EXPECT_TRUE(run.killedBySeccomp()) << run;
  } else {
    EXPECT_TRUE(run.succeeded()) << run;  // /bin/true replaced the probe and exited 0
  }
}

TEST_P(SandboxTest, ForkIsKilledExceptForBeacons) {
  const ProbeRun run = probe("fork");
  if (isAllowListRole()) {
    EXPECT_TRUE(run.killedBySeccomp()) << run;
  } else {
    EXPECT_TRUE(run.succeeded()) << run;
  }
}

TEST_P(SandboxTest, SocketCreationIsKilledForTunnelAndForwarder) {
  const ProbeRun run = probe("socket");
  if (createsNoSockets()) {
    EXPECT_TRUE(run.killedBySeccomp()) << run;
  } else {
    EXPECT_TRUE(run.succeeded()) << run;
  }
}

TEST_P(SandboxTest, PtraceIsRefused) {
  const ProbeRun run = probe("ptrace");
  if (isAllowListRole()) {
    EXPECT_TRUE(run.killedBySeccomp()) << run;
  } else {
    EXPECT_TRUE(run.refusedWith(EPERM)) << run;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryWorker, SandboxTest,
                         ::testing::Values(Role::kTunnel, Role::kForwarder, Role::kBeacons, Role::kUpdater),
                         [](const ::testing::TestParamInfo<Role>& info) { return std::string(toString(info.param)); });

class UpdaterSandboxTest : public SandboxTest {};

TEST_P(UpdaterSandboxTest, ConnectsOverTcp) { EXPECT_TRUE(probe("connect").succeeded()) << probe("connect"); }
TEST_P(UpdaterSandboxTest, ResolvesNamesFromEtcHosts) { EXPECT_TRUE(probe("dns").succeeded()) << probe("dns"); }
TEST_P(UpdaterSandboxTest, ReadsTheCaBundle) { EXPECT_TRUE(probe("ca-bundle").succeeded()) << probe("ca-bundle"); }
TEST_P(UpdaterSandboxTest, WritesRenamesAndRemovesInItsStagingDir) {
  const ProbeRun run = probe("write-staging");
  EXPECT_TRUE(run.succeeded()) << run;
}

INSTANTIATE_TEST_SUITE_P(Updater, UpdaterSandboxTest, ::testing::Values(Role::kUpdater),
                         [](const ::testing::TestParamInfo<Role>&) { return std::string("updater"); });

class BeaconsSandboxTest : public SandboxTest {};

TEST_P(BeaconsSandboxTest, StatvfsWorks) { EXPECT_TRUE(probe("statvfs").succeeded()) << probe("statvfs"); }
TEST_P(BeaconsSandboxTest, WritesToDevNull) { EXPECT_TRUE(probe("write-devnull").succeeded()) << probe("write-devnull"); }
TEST_P(BeaconsSandboxTest, CannotWriteTheUpdatersStagingDir) {
  // Only /dev/null is writable: the updater's staging dir is not the beacons' to write.
  const ProbeRun run = probe("write-staging");
  EXPECT_TRUE(run.refusedWith(EACCES)) << run;
}

INSTANTIATE_TEST_SUITE_P(Beacons, BeaconsSandboxTest, ::testing::Values(Role::kBeacons),
                         [](const ::testing::TestParamInfo<Role>&) { return std::string("beacons"); });

#ifdef NEFIA_TEST_HOOKS
TEST(SandboxLogOnlyTest, ReportsTheDeniedCallAndKeepsRunning) {
  const ProbeRun run = runProbe({"tunnel", "socket", "--log-only"});
  EXPECT_TRUE(run.refusedWith(ENOSYS)) << run;
  EXPECT_NE(run.err.find("sandbox (log-only): denied system call socket ("), std::string::npos) << run;
}
#endif

}  // namespace
}  // namespace nefia::sandbox
