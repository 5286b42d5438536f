// Unit tests of the sandbox policy tables and helpers, in-process and without applying anything:
// what a security reviewer relies on (no socket/exec rights for tunnel and forwarder, the beacons
// deny-list, Landlock ABI masks, worker user resolution). Never calls applySandbox() successfully.
#include <pwd.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <set>
#include <thread>

#include "workers/sandbox/landlock_abi.h"
#include "workers/sandbox/sandbox.h"
#include "workers/sandbox/sandbox_policy.h"

namespace nefia::sandbox {
namespace {

using policy::SyscallRule;
using policy::Verdict;

// Every rule of a role's policy, flattened.
std::vector<SyscallRule> rulesOf(Role role) {
  std::vector<SyscallRule> rules;
  for (const auto& group : policy::seccompPolicyFor(role).ruleGroups) rules.insert(rules.end(), group.begin(), group.end());
  return rules;
}

bool hasAllowRule(Role role, int syscall) {
  const auto rules = rulesOf(role);
  return std::any_of(rules.begin(), rules.end(),
                     [syscall](const SyscallRule& rule) { return rule.syscall == syscall && rule.verdict == Verdict::kAllow; });
}

bool isDenied(Role role, int syscall) {
  const auto rules = rulesOf(role);
  return std::any_of(rules.begin(), rules.end(), [syscall](const SyscallRule& rule) {
    return rule.syscall == syscall && rule.verdict == Verdict::kErrno && rule.checkCount == 0;
  });
}

TEST(SandboxRoleTest, EveryRoleOfTheRolesTableHasOnePolicyRowAndTheSupervisorNone) {
  for (const ipc::WorkerRoleSpec& spec : ipc::kWorkerRoles) {
    const auto rows = std::count_if(std::begin(policy::kRolePolicies), std::end(policy::kRolePolicies),
                                    [&](const policy::RolePolicy& row) { return row.role == spec.role; });
    EXPECT_EQ(rows, 1) << spec.wireName;
  }
  EXPECT_EQ(policy::policyFor(Role::kSupervisor), nullptr);
}

TEST(SandboxRoleTest, RoleWithoutPolicyRowIsRefused) {
  auto refused = applySandbox(Role::kSupervisor, SandboxOptions{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), "sandbox: supervisor has no row in the sandbox policy table");
}

TEST(SandboxPolicyTest, TunnelAndForwarderCannotCreateSocketsExecOrOpenFiles) {
  for (Role role : {Role::kTunnel, Role::kForwarder}) {
    EXPECT_TRUE(policy::seccompPolicyFor(role).allowList);
    for (int syscall : {SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
                        SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork),
                        SCMP_SYS(vfork), SCMP_SYS(ptrace), SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(openat2),
                        SCMP_SYS(kill), SCMP_SYS(unshare), SCMP_SYS(setuid)}) {
      EXPECT_FALSE(hasAllowRule(role, syscall)) << toString(role) << " may call " << syscall;
    }
  }
}

TEST(SandboxPolicyTest, AllowListRolesCloneOnlyThreadsAndMapNoExecutableMemoryExceptUpdater) {
  for (Role role : {Role::kTunnel, Role::kForwarder, Role::kUpdater}) {
    for (const SyscallRule& rule : rulesOf(role)) {
      if (rule.syscall == SCMP_SYS(clone) && rule.verdict == Verdict::kAllow) {
        ASSERT_EQ(rule.checkCount, 1u);
        EXPECT_EQ(rule.checks[0].op, SCMP_CMP_MASKED_EQ);
        EXPECT_EQ(rule.checks[0].datumA, static_cast<uint64_t>(CLONE_THREAD));
        EXPECT_EQ(rule.checks[0].datumB, static_cast<uint64_t>(CLONE_THREAD));
      }
      if (role != Role::kUpdater && (rule.syscall == SCMP_SYS(mmap) || rule.syscall == SCMP_SYS(mprotect))) {
        ASSERT_EQ(rule.checkCount, 1u);
        EXPECT_EQ(rule.checks[0].datumA, static_cast<uint64_t>(PROT_EXEC));
        EXPECT_EQ(rule.checks[0].datumB, 0u);
      }
    }
    EXPECT_TRUE(isDenied(role, SCMP_SYS(clone3))) << toString(role) << ": clone3 must fail so glibc uses clone";
  }
}

TEST(SandboxPolicyTest, UpdaterCreatesOnlyInternetSockets) {
  std::set<uint64_t> allowedFamilies;
  for (const SyscallRule& rule : rulesOf(Role::kUpdater)) {
    if (rule.syscall == SCMP_SYS(socket) && rule.verdict == Verdict::kAllow) {
      ASSERT_EQ(rule.checkCount, 1u);
      allowedFamilies.insert(rule.checks[0].datumA);
    }
  }
  EXPECT_EQ(allowedFamilies, (std::set<uint64_t>{AF_INET, AF_INET6}));
  EXPECT_FALSE(hasAllowRule(Role::kUpdater, SCMP_SYS(execve)));
  EXPECT_FALSE(hasAllowRule(Role::kUpdater, SCMP_SYS(bind)));
  EXPECT_FALSE(hasAllowRule(Role::kUpdater, SCMP_SYS(listen)));
}

TEST(SandboxPolicyTest, BeaconsDenyTheDangerousCalls) {
  EXPECT_FALSE(policy::seccompPolicyFor(Role::kBeacons).allowList);
  for (int syscall : {SCMP_SYS(ptrace), SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(init_module),
                      SCMP_SYS(finit_module), SCMP_SYS(delete_module), SCMP_SYS(bpf), SCMP_SYS(kexec_load),
                      SCMP_SYS(kexec_file_load), SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key),
                      SCMP_SYS(perf_event_open), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
                      SCMP_SYS(swapon), SCMP_SYS(swapoff), SCMP_SYS(reboot), SCMP_SYS(setns), SCMP_SYS(unshare),
                      SCMP_SYS(pivot_root), SCMP_SYS(chroot), SCMP_SYS(open_by_handle_at), SCMP_SYS(userfaultfd),
                      SCMP_SYS(personality), SCMP_SYS(clone3)}) {
    EXPECT_TRUE(isDenied(Role::kBeacons, syscall)) << "beacons may call " << syscall;
  }
}

TEST(LandlockAbiTest, AccessRightsGrowWithTheAbi) {
  EXPECT_EQ(landlock::fsAccessForAbi(0), 0u);
  EXPECT_EQ(landlock::fsAccessForAbi(1), 0x1fffu);
  EXPECT_EQ(landlock::fsAccessForAbi(2), 0x3fffu);
  EXPECT_EQ(landlock::fsAccessForAbi(4), 0x7fffu);
  EXPECT_EQ(landlock::fsAccessForAbi(5), 0xffffu);
  EXPECT_EQ(landlock::fsAccessForAbi(7), 0xffffu);
  EXPECT_EQ(landlock::netAccessForAbi(3), 0u);
  EXPECT_EQ(landlock::netAccessForAbi(4), 3u);
  EXPECT_EQ(landlock::scopeForAbi(5), 0u);
  EXPECT_EQ(landlock::scopeForAbi(6), 3u);
  EXPECT_EQ(landlock::rulesetAttrSize(1), 8u);
  EXPECT_EQ(landlock::rulesetAttrSize(4), 16u);
  EXPECT_EQ(landlock::rulesetAttrSize(7), 24u);
}

TEST(LandlockPolicyTest, TunnelAndForwarderGetNoFilesystemAccess) {
  for (Role role : {Role::kTunnel, Role::kForwarder}) {
    const policy::LandlockPolicy rolePolicy = policy::landlockPolicyFor(role);
    EXPECT_TRUE(rolePolicy.paths.empty());
    EXPECT_FALSE(rolePolicy.stagingDirWritable);
    EXPECT_EQ(rolePolicy.handledNet, landlock::net::kBindTcp | landlock::net::kConnectTcp);
  }
}

TEST(LandlockPolicyTest, OnlyTheUpdatersStagingDirAndDevNullAreWritable) {
  for (Role role : {Role::kBeacons, Role::kUpdater}) {
    for (const policy::LandlockPath& entry : policy::landlockPolicyFor(role).paths) {
      const uint64_t rights = policy::rightsFor(entry.access);
      if (std::string(entry.path) == "/dev/null") continue;
      EXPECT_EQ(rights & (landlock::fs::kWriteFile | landlock::fs::kMakeReg | landlock::fs::kRemoveFile), 0u)
          << toString(role) << " may write " << entry.path;
    }
  }
  EXPECT_TRUE(policy::landlockPolicyFor(Role::kUpdater).stagingDirWritable);
  EXPECT_FALSE(policy::landlockPolicyFor(Role::kBeacons).stagingDirWritable);
}

TEST(WorkerUserTest, DefaultIsNefiaAgentOrNobodyAndNeverRoot) {
  Result<WorkerIdentity> identity = resolveWorkerUser("");
  ASSERT_TRUE(identity.ok()) << identity.error();
  EXPECT_TRUE(identity->name == "nefia-agent" || identity->name == "nobody") << identity->name;
  EXPECT_NE(identity->uid, 0u);
  EXPECT_NE(identity->gid, 0u);
}

TEST(WorkerUserTest, BeaconsGetAUserOfTheirOwnApartFromTheOtherWorkers) {
  ASSERT_TRUE(getpwnam(kBeaconsUser) != nullptr) << "scripts/setup.sh creates " << kBeaconsUser;
  Result<WorkerIdentity> beacons = resolveWorkerUser("", Role::kBeacons);
  ASSERT_TRUE(beacons.ok()) << beacons.error();
  EXPECT_EQ(beacons->name, kBeaconsUser);
  Result<WorkerIdentity> tunnel = resolveWorkerUser("", Role::kTunnel);
  ASSERT_TRUE(tunnel.ok());
  EXPECT_NE(beacons->uid, tunnel->uid);
  EXPECT_EQ(resolveWorkerUser("nobody", Role::kBeacons)->name, "nobody") << "a configured user wins";
}

TEST(WorkerUserTest, RootAndUnknownUsersAreRefusedWithAFix) {
  Result<WorkerIdentity> root = resolveWorkerUser("root");
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.error().find("uid or gid 0"), std::string::npos) << root.error();
  Result<WorkerIdentity> missing = resolveWorkerUser("nefia-no-such-user");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("\"nefia-no-such-user\" does not exist"), std::string::npos) << missing.error();
  EXPECT_NE(missing.error().find("useradd"), std::string::npos) << missing.error();
}

TEST(ApplySandboxTest, UpdaterWithoutStagingDirIsRefusedBeforeAnythingChanges) {
  Result<SandboxReport> report = applySandbox(Role::kUpdater, SandboxOptions{{0, 1, 2}, "", "", false});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().find("staging directory"), std::string::npos) << report.error();
}

TEST(ApplySandboxTest, RefusesOnceAThreadIsRunningBeforeAnythingChanges) {
  std::promise<void> release;
  std::thread other([future = release.get_future()]() mutable { future.wait(); });
  Result<SandboxReport> report = applySandbox(Role::kTunnel, SandboxOptions{{0, 1, 2}, "", "", false});
  release.set_value();
  other.join();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().find("before any thread is started"), std::string::npos) << report.error();
  EXPECT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);  // nothing was applied to the test process
}

}  // namespace
}  // namespace nefia::sandbox
