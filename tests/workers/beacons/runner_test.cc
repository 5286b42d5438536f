// ScriptRunner with real processes and hostile scripts: exit codes, signals, output cap, timeouts that
// kill every process of a run (setsid escapees too), a bounded fork bomb, and none of them delaying a
// quick check that runs next to them.
#include <sys/resource.h>

#include <cstdio>
#include <vector>

#include "tests/workers/beacons/runner_fixture.h"
#include "workers/beacons/process_tree.h"

namespace nefia::beacons::testing {
namespace {

using namespace std::chrono_literals;
using ipc::BeaconState;

std::size_t processesOfMyUid() {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || name[0] < '1' || name[0] > '9') continue;
    struct stat info{};
    if (::stat(entry.path().c_str(), &info) == 0 && info.st_uid == ::getuid()) ++count;
  }
  return count;
}

using ScriptRunnerTest = RunnerFixture;

TEST_F(ScriptRunnerTest, ExitCodesGiveOkWarningCritical) {
  const ScriptJob ok = job("ok", "echo fine");
  const ScriptOutcome okEnd = runToEnd(ok);
  EXPECT_EQ(okEnd.end, ScriptEnd::kExited);
  EXPECT_EQ(okEnd.output, "fine\n");
  EXPECT_EQ(observationFor(ok, okEnd).state, BeaconState::kOk);
  const ScriptJob warn = job("warn", "echo low >&2; exit 1");
  const ScriptOutcome warnEnd = runToEnd(warn);
  EXPECT_EQ(warnEnd.output, "low\n") << "stderr is kept with stdout";
  EXPECT_EQ(observationFor(warn, warnEnd).state, BeaconState::kWarning);
  EXPECT_EQ(observationFor(warn, warnEnd).value, 1);
  const ScriptJob crit = job("crit", "exit 7");
  const Observation critical = observationFor(crit, runToEnd(crit));
  EXPECT_EQ(critical.state, BeaconState::kCritical);
  EXPECT_EQ(critical.value, 7);
}

TEST_F(ScriptRunnerTest, ASegfaultIsCriticalWithTheSignalName) {
  const ScriptJob crash = job("crash", "echo before; kill -SEGV $$");
  const ScriptOutcome end = runToEnd(crash);
  ASSERT_EQ(end.end, ScriptEnd::kSignaled);
  const Observation observation = observationFor(crash, end);
  EXPECT_EQ(observation.state, BeaconState::kCritical);
  EXPECT_EQ(observation.reason, "signal");
  EXPECT_EQ(observation.message, "killed by SIGSEGV: before\n");
}

TEST_F(ScriptRunnerTest, OutputIsCappedAtTheFirst4KiBAndTheRestIsDrained) {
  const auto before = Clock::now();
  const ScriptOutcome end = runToEnd(job("flood", "head -c 1073741824 /dev/zero; echo done >&2; exit 0", 60s), 70s);
  EXPECT_EQ(end.end, ScriptEnd::kExited) << "the writer never blocks on a full pipe";
  EXPECT_EQ(end.exitCode, 0);
  EXPECT_EQ(end.output.size(), kOutputCapBytes);
  EXPECT_EQ(end.outputBytes, (1ull << 30) + 5);
  std::printf("drained 1 GiB of script output in %.2f s\n", std::chrono::duration<double>(Clock::now() - before).count());
}

TEST_F(ScriptRunnerTest, AScriptThatNeverExitsTimesOutAndIsKilled) {
  const ScriptJob hang = job("hang", "echo $$ > pid; echo started; sleep 1000", 500ms);
  const ScriptOutcome end = runToEnd(hang);
  ASSERT_EQ(end.end, ScriptEnd::kTimedOut);
  EXPECT_LT(end.elapsed, 1500ms) << "sh dies of SIGTERM right away";
  const Observation observation = observationFor(hang, end);
  EXPECT_EQ(observation.state, BeaconState::kCritical);
  EXPECT_EQ(observation.reason, "timeout");
  EXPECT_EQ(observation.message, "timed out after 0.5 s: started\n");
  runFor(kKillGrace + 300ms);
  EXPECT_FALSE(processExists(std::stoi(readScratch("pid"))));
}

TEST_F(ScriptRunnerTest, AScriptIgnoringSigtermIsKilledTwoSecondsLater) {
  const ScriptOutcome end = runToEnd(job("stubborn", "trap '' TERM; sleep 1000", 300ms));
  EXPECT_EQ(end.end, ScriptEnd::kTimedOut);
  EXPECT_GE(end.elapsed, 300ms + kKillGrace);
  EXPECT_LT(end.elapsed, 300ms + kKillGrace + kAbandonAfterKill);
}

TEST_F(ScriptRunnerTest, ATimeoutKillsProcessesThatLeftTheSessionWithSetsid) {
  const ScriptOutcome end =
      runToEnd(job("escape", "setsid sh -c 'echo $$ > escapee; exec sleep 1000' & sleep 0.2; sleep 1000", 600ms));
  EXPECT_EQ(end.end, ScriptEnd::kTimedOut);
  const pid_t escapee = std::stoi(readScratch("escapee"));
  runFor(kKillGrace + 300ms);
  EXPECT_FALSE(processExists(escapee));
}

TEST_F(ScriptRunnerTest, AScriptThatClosesItsOutputAndDaemonizesEndsAtOnceAndLeavesNothing) {
  const ScriptOutcome end = runToEnd(
      job("daemon", "exec >/dev/null 2>&1; setsid sh -c 'echo $$ > daemon; exec sleep 1000' & sleep 0.2; exit 0", 10s));
  EXPECT_EQ(end.end, ScriptEnd::kExited);
  EXPECT_LT(end.elapsed, 2s);
  const pid_t daemon = std::stoi(readScratch("daemon"));
  runFor(kKillGrace + 300ms);
  EXPECT_FALSE(processExists(daemon)) << "a run's processes do not outlive it";
}

TEST_F(ScriptRunnerTest, AChildHoldingTheOutputOpenDoesNotKeepTheRunGoing) {
  const ScriptOutcome end = runToEnd(job("holder", "sleep 1000 & echo left; exit 0", 10s));
  EXPECT_EQ(end.end, ScriptEnd::kExited);
  EXPECT_EQ(end.output, "left\n");
  EXPECT_LT(end.elapsed, 1s);
}

TEST_F(ScriptRunnerTest, TheScriptInheritsNoDescriptorsAndRunsInItsScratchDirectoryWithLimits) {
  const ScriptOutcome fds = runToEnd(job("fds", "ls /proc/self/fd"));
  EXPECT_EQ(fds.output, "0\n1\n2\n3\n") << "ls's own directory handle is 3";
  const ScriptOutcome where = runToEnd(job("where", "pwd; echo $TMPDIR $HOME $NEFIA_BEACON_NAME; touch mine && echo wrote"));
  EXPECT_EQ(where.output, scratch_ + "\n" + scratch_ + " " + scratch_ + " where\nwrote\n");
  const ScriptOutcome limits = runToEnd(job("limits", "ulimit -n; ulimit -p; ulimit -t; ulimit -v", 5s));
  EXPECT_EQ(limits.output, "64\n40\n6\n1048576\n");
}

TEST_F(ScriptRunnerTest, ACommandThatDoesNotExistIsCriticalWithTheShellsMessage) {
  const ScriptJob missing = job("missing", "/nonexistent/check.sh");
  const Observation observation = observationFor(missing, runToEnd(missing));
  EXPECT_EQ(observation.state, BeaconState::kCritical);
  EXPECT_EQ(observation.value, 127);
  EXPECT_NE(observation.message.find("/nonexistent/check.sh: not found"), std::string::npos) << observation.message;
}

TEST_F(ScriptRunnerTest, HostileScriptsTogetherDoNotDelayAQuickCheckBeyondItsTimeout) {
  ASSERT_NE(::geteuid(), 0u) << "RLIMIT_NPROC does not bind root: the fork bomb would be unbounded";
  const std::size_t baseline = processesOfMyUid();
  std::vector<std::shared_ptr<std::optional<ScriptOutcome>>> hostile = {
      start(job("bomb", "b() { b & b & wait; }; b", 3s)),
      start(job("segv", "kill -SEGV $$", 3s)),
      // exec: dash forks a plain last command, and a fork can fail while the bomb holds RLIMIT_NPROC (shared by
      // all scripts of the beacons user), which ended "hang" at once with dash's "Cannot fork" (flaky).
      start(job("flood", "exec cat /dev/zero", 3s)),
      start(job("hang", "exec sleep 1000", 3s)),
      start(job("daemon", "exec >&-; setsid sleep 1000 & exit 0", 3s)),
  };
  Duration slowest{0};
  std::size_t peak = 0;
  for (int round = 0; round < 8; ++round) {
    peak = std::max(peak, processesOfMyUid());
    const auto quick = start(job("quick" + std::to_string(round), "echo ok", 1s));
    ASSERT_TRUE(runUntil([&] { return quick->has_value(); }, 2s));
    EXPECT_EQ((*quick)->end, ScriptEnd::kExited) << "round " << round;
    EXPECT_EQ((*quick)->output, "ok\n");
    slowest = std::max(slowest, (*quick)->elapsed);
    runFor(200ms);
  }
  std::printf("slowest quick check next to the hostile scripts: %lld ms\n", static_cast<long long>(slowest.count()));
  EXPECT_LT(slowest, 1s);
  std::printf("processes of the test uid: %zu before, %zu at the peak (RLIMIT_NPROC 40)\n", baseline, peak);
  EXPECT_LE(peak, 41u) << "RLIMIT_NPROC bounds it";
  ASSERT_TRUE(runUntil([&] {
    for (const auto& slot : hostile) {
      if (!slot->has_value()) return false;
    }
    return true;
  }, 10s));
  // dash gives up a shell whose fork failed, so the bomb collapses once RLIMIT_NPROC stops it.
  EXPECT_NE((*hostile[0])->output.find("Cannot fork"), std::string::npos) << "RLIMIT_NPROC stopped the fork bomb";
  EXPECT_EQ((*hostile[1])->end, ScriptEnd::kSignaled);
  EXPECT_EQ((*hostile[2])->end, ScriptEnd::kTimedOut);
  EXPECT_LE((*hostile[2])->output.size(), kOutputCapBytes);
  EXPECT_EQ((*hostile[3])->end, ScriptEnd::kTimedOut);
  EXPECT_EQ((*hostile[4])->end, ScriptEnd::kExited);
  ASSERT_TRUE(runUntil([&] { return processesOfMyUid() <= baseline; }, kKillGrace + 3s))
      << processesOfMyUid() << " processes of the test uid remain, " << baseline << " before";
}

TEST(ProcessTree, ParsesStatLinesWithHostileCommandNames) {
  ProcessEntry entry;
  ASSERT_TRUE(parseProcStat("4242 (a) b (c)) S 17 4242 4242 0 -1 4194560", entry));
  EXPECT_EQ(entry.pid, 4242);
  EXPECT_EQ(entry.parent, 17);
  EXPECT_EQ(entry.session, 4242);
  EXPECT_FALSE(parseProcStat("garbage", entry));
  EXPECT_FALSE(parseProcStat("12 (x) S", entry));
}

TEST(ProcessTree, PicksTheSessionTheLineageAndStrayOrphansButNotOtherRuns) {
  const pid_t self = 100;
  const std::vector<ProcessEntry> processes = {
      {100, 1, 50},   // the worker
      {200, 100, 200},  // this run's root
      {201, 200, 200},  // its child
      {202, 1, 200},    // left the lineage, kept the session
      {203, 201, 203},  // called setsid, parent still alive
      {204, 203, 204},  // and forked again
      {300, 100, 300},  // another live run's root
      {301, 100, 300},  // an orphan of that run, still in its session
      {400, 100, 400},  // a setsid escapee adopted by the worker, no live run
      {401, 400, 400},
      {500, 1, 500},    // unrelated
  };
  EXPECT_EQ(runProcesses(processes, 200, self, {200, 300}),
            (std::vector<pid_t>{200, 201, 202, 203, 204, 400, 401}));
}

}  // namespace
}  // namespace nefia::beacons::testing
