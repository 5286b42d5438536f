// The per-role sandbox policy as declarative tables: seccomp rules, Landlock paths, process limits.
// A security reviewer reads this file (and POLICY.md) to know what each worker may do; the mechanism
// files only interpret it. Never grant a right here without the reason next to it.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <span>

#include "ipc/worker_roles.h"
#include "workers/sandbox/landlock_abi.h"
#include "workers/sandbox/sandbox.h"

namespace nefia::sandbox::policy {

// ---------------------------------------------------------------------------------------------------
// seccomp: a rule is {system call, verdict, up to two argument checks}. Allow-list roles kill the
// process on anything not listed; the deny-list role (beacons) allows anything not listed.

enum class Verdict { kAllow, kErrno };

struct ArgCheck {
  unsigned index = 0;
  scmp_compare op = SCMP_CMP_EQ;
  uint64_t datumA = 0;
  uint64_t datumB = 0;
  bool datumIsOwnPid = false;  // datumA is replaced by getpid() when the filter is built
};

struct SyscallRule {
  int syscall;  // SCMP_SYS(name): negative when the call does not exist on this architecture
  Verdict verdict;
  int errnoValue;
  std::array<ArgCheck, 2> checks;
  unsigned checkCount;
};

constexpr ArgCheck argEquals(unsigned index, uint64_t value) { return {index, SCMP_CMP_EQ, value, 0, false}; }
constexpr ArgCheck argMaskedEquals(unsigned index, uint64_t mask, uint64_t value) {
  return {index, SCMP_CMP_MASKED_EQ, mask, value, false};
}
constexpr ArgCheck argIsOwnPid(unsigned index) { return {index, SCMP_CMP_EQ, 0, 0, true}; }

constexpr SyscallRule allow(int syscall) { return {syscall, Verdict::kAllow, 0, {}, 0}; }
constexpr SyscallRule allowIf(int syscall, ArgCheck check) { return {syscall, Verdict::kAllow, 0, {check, {}}, 1}; }
constexpr SyscallRule allowIf(int syscall, ArgCheck first, ArgCheck second) {
  return {syscall, Verdict::kAllow, 0, {first, second}, 2};
}
constexpr SyscallRule fail(int syscall, int errnoValue) { return {syscall, Verdict::kErrno, errnoValue, {}, 0}; }
constexpr SyscallRule failIf(int syscall, int errnoValue, ArgCheck check) {
  return {syscall, Verdict::kErrno, errnoValue, {check, {}}, 1};
}

// What a libuv event loop with threads (libuv's pool, glibc's pthread_create) needs, for every
// allow-list role. Process creation is limited to threads by the clone flags, not RLIMIT_NPROC (which
// counts every process of the shared unprivileged user).
inline constexpr SyscallRule kEventLoopRules[] = {
    // I/O on descriptors the worker already holds.
    allow(SCMP_SYS(read)), allow(SCMP_SYS(write)), allow(SCMP_SYS(readv)), allow(SCMP_SYS(writev)),
    allow(SCMP_SYS(close)), allow(SCMP_SYS(pipe2)), allow(SCMP_SYS(eventfd2)),
    allowIf(SCMP_SYS(fcntl), argEquals(1, F_GETFD)), allowIf(SCMP_SYS(fcntl), argEquals(1, F_SETFD)),
    allowIf(SCMP_SYS(fcntl), argEquals(1, F_GETFL)), allowIf(SCMP_SYS(fcntl), argEquals(1, F_SETFL)),
    allowIf(SCMP_SYS(fcntl), argEquals(1, F_DUPFD_CLOEXEC)),
    // libuv sets O_NONBLOCK and FD_CLOEXEC with ioctl; stdio asks isatty(), which must just say no.
    allowIf(SCMP_SYS(ioctl), argEquals(1, FIONBIO)), allowIf(SCMP_SYS(ioctl), argEquals(1, FIOCLEX)),
    allowIf(SCMP_SYS(ioctl), argEquals(1, FIONCLEX)), allowIf(SCMP_SYS(ioctl), argEquals(1, FIONREAD)),
    failIf(SCMP_SYS(ioctl), ENOTTY, argEquals(1, TCGETS)),
    // The event loop.
    allow(SCMP_SYS(epoll_create1)), allow(SCMP_SYS(epoll_ctl)), allow(SCMP_SYS(epoll_wait)),
    allow(SCMP_SYS(epoll_pwait)), allow(SCMP_SYS(epoll_pwait2)), allow(SCMP_SYS(poll)), allow(SCMP_SYS(ppoll)),
    // libuv >= 1.45 probes io_uring, which would bypass this filter; ENOSYS makes it use epoll.
    fail(SCMP_SYS(io_uring_setup), ENOSYS),
    // Time, randomness, identity.
    allow(SCMP_SYS(clock_gettime)), allow(SCMP_SYS(clock_getres)), allow(SCMP_SYS(clock_nanosleep)),
    allow(SCMP_SYS(nanosleep)), allow(SCMP_SYS(gettimeofday)), allow(SCMP_SYS(getrandom)),
    allow(SCMP_SYS(getpid)), allow(SCMP_SYS(gettid)), allow(SCMP_SYS(getppid)), allow(SCMP_SYS(getuid)),
    allow(SCMP_SYS(geteuid)), allow(SCMP_SYS(getgid)), allow(SCMP_SYS(getegid)), allow(SCMP_SYS(uname)),
    allow(SCMP_SYS(getrusage)), allow(SCMP_SYS(getrlimit)),
    // Reading limits only (libuv sizes thread stacks from RLIMIT_STACK): pid 0, no new limit.
    allowIf(SCMP_SYS(prlimit64), argEquals(0, 0), argEquals(2, 0)),
    // Signals; tgkill only at our own process (abort(), raise()), never at a sibling worker.
    allow(SCMP_SYS(rt_sigaction)), allow(SCMP_SYS(rt_sigprocmask)), allow(SCMP_SYS(rt_sigreturn)),
    allow(SCMP_SYS(sigaltstack)), allowIf(SCMP_SYS(tgkill), argIsOwnPid(0)),
    // Threads: clone only with CLONE_THREAD; clone3 hides its flags in memory, so ENOSYS makes glibc
    // fall back to clone, where the flags are visible.
    allowIf(SCMP_SYS(clone), argMaskedEquals(0, CLONE_THREAD, CLONE_THREAD)), fail(SCMP_SYS(clone3), ENOSYS),
    allow(SCMP_SYS(futex)), allow(SCMP_SYS(set_robust_list)), allow(SCMP_SYS(rseq)),
    allow(SCMP_SYS(sched_yield)), allow(SCMP_SYS(sched_getaffinity)),
    allow(SCMP_SYS(exit)), allow(SCMP_SYS(exit_group)), allow(SCMP_SYS(restart_syscall)),
    // Only naming the process or thread (nefia-tunnel, ...).
    allowIf(SCMP_SYS(prctl), argEquals(0, PR_SET_NAME)), allowIf(SCMP_SYS(prctl), argEquals(0, PR_GET_NAME)),
    // Sockets handed in by the supervisor (UDP, packet socketpair, forwarded TCP, IPC).
    allow(SCMP_SYS(recvfrom)), allow(SCMP_SYS(sendto)), allow(SCMP_SYS(recvmsg)), allow(SCMP_SYS(sendmsg)),
    allow(SCMP_SYS(recvmmsg)), allow(SCMP_SYS(sendmmsg)), allow(SCMP_SYS(getsockopt)),
    allow(SCMP_SYS(setsockopt)), allow(SCMP_SYS(getsockname)), allow(SCMP_SYS(getpeername)),
    allow(SCMP_SYS(shutdown)),
    // Memory management that never maps executable code (mmap/mprotect are in the memory tables).
    allow(SCMP_SYS(brk)), allow(SCMP_SYS(munmap)), allow(SCMP_SYS(mremap)), allow(SCMP_SYS(madvise)),
};

// Tunnel and forwarder: no new executable memory (W^X), nothing is loaded after start-up.
inline constexpr SyscallRule kNoExecMemoryRules[] = {
    allowIf(SCMP_SYS(mmap), argMaskedEquals(2, PROT_EXEC, 0)),
    allowIf(SCMP_SYS(mprotect), argMaskedEquals(2, PROT_EXEC, 0)),
};

// Tunnel and forwarder: no filesystem. fstat() on held fds is fine; opening a path fails with EACCES
// rather than killing, so a library that probes a config file degrades instead of crash-looping.
inline constexpr SyscallRule kNoFilesystemRules[] = {
    allow(SCMP_SYS(fstat)),
    allowIf(SCMP_SYS(newfstatat), argMaskedEquals(3, AT_EMPTY_PATH, AT_EMPTY_PATH)),
    failIf(SCMP_SYS(newfstatat), EACCES, argMaskedEquals(3, AT_EMPTY_PATH, 0)),
    allowIf(SCMP_SYS(statx), argMaskedEquals(2, AT_EMPTY_PATH, AT_EMPTY_PATH)),
    failIf(SCMP_SYS(statx), EACCES, argMaskedEquals(2, AT_EMPTY_PATH, 0)),
    fail(SCMP_SYS(open), EACCES), fail(SCMP_SYS(openat), EACCES),
};

// Updater: HTTPS client. It loads libcurl at run time (dlopen maps code), reads CA certificates and
// resolver files, writes its staging dir. Landlock decides which paths; seccomp which operations.
inline constexpr SyscallRule kUpdaterRules[] = {
    allow(SCMP_SYS(mmap)), allow(SCMP_SYS(mprotect)),
    allow(SCMP_SYS(open)), allow(SCMP_SYS(openat)), allow(SCMP_SYS(fstat)), allow(SCMP_SYS(newfstatat)),
    allow(SCMP_SYS(statx)), allow(SCMP_SYS(stat)), allow(SCMP_SYS(lstat)), allow(SCMP_SYS(lseek)),
    allow(SCMP_SYS(pread64)), allow(SCMP_SYS(pwrite64)), allow(SCMP_SYS(getdents64)),
    allow(SCMP_SYS(readlink)), allow(SCMP_SYS(readlinkat)), allow(SCMP_SYS(access)),
    allow(SCMP_SYS(faccessat)), allow(SCMP_SYS(faccessat2)), allow(SCMP_SYS(fsync)),
    allow(SCMP_SYS(fdatasync)), allow(SCMP_SYS(ftruncate)), allow(SCMP_SYS(fchmod)),
    allow(SCMP_SYS(rename)), allow(SCMP_SYS(renameat)), allow(SCMP_SYS(renameat2)), allow(SCMP_SYS(unlink)),
    allow(SCMP_SYS(unlinkat)), allow(SCMP_SYS(mkdir)), allow(SCMP_SYS(mkdirat)), allow(SCMP_SYS(rmdir)),
    allow(SCMP_SYS(statfs)), allow(SCMP_SYS(fstatfs)),  // free space in the staging dir before a download
    // Outbound TCP (HTTPS) and UDP (DNS) only; no bind, no listen, no accept.
    allowIf(SCMP_SYS(socket), argEquals(0, AF_INET)), allowIf(SCMP_SYS(socket), argEquals(0, AF_INET6)),
    allow(SCMP_SYS(connect)),
    // glibc tries nscd over AF_UNIX and reads interface addresses over netlink while resolving; both
    // have a fallback, so they fail cleanly instead of widening the policy.
    failIf(SCMP_SYS(socket), EACCES, argEquals(0, AF_UNIX)),
    failIf(SCMP_SYS(socket), EAFNOSUPPORT, argEquals(0, AF_NETLINK)),
};

// Beacons runs operator-configured scripts that inherit this filter, so it is a deny-list of calls
// that attack the kernel or other processes. They fail with EPERM (scripts see an ordinary error).
inline constexpr SyscallRule kBeaconsDenyRules[] = {
    fail(SCMP_SYS(ptrace), EPERM), fail(SCMP_SYS(process_vm_readv), EPERM),
    fail(SCMP_SYS(process_vm_writev), EPERM), fail(SCMP_SYS(pidfd_getfd), EPERM),
    fail(SCMP_SYS(process_madvise), EPERM), fail(SCMP_SYS(kcmp), EPERM),
    fail(SCMP_SYS(mount), EPERM), fail(SCMP_SYS(umount2), EPERM), fail(SCMP_SYS(pivot_root), EPERM),
    fail(SCMP_SYS(chroot), EPERM), fail(SCMP_SYS(fsopen), EPERM), fail(SCMP_SYS(fsconfig), EPERM),
    fail(SCMP_SYS(fsmount), EPERM), fail(SCMP_SYS(fspick), EPERM), fail(SCMP_SYS(move_mount), EPERM),
    fail(SCMP_SYS(open_tree), EPERM), fail(SCMP_SYS(mount_setattr), EPERM),
    fail(SCMP_SYS(init_module), EPERM), fail(SCMP_SYS(finit_module), EPERM),
    fail(SCMP_SYS(delete_module), EPERM), fail(SCMP_SYS(bpf), EPERM), fail(SCMP_SYS(kexec_load), EPERM),
    fail(SCMP_SYS(kexec_file_load), EPERM), fail(SCMP_SYS(keyctl), EPERM), fail(SCMP_SYS(add_key), EPERM),
    fail(SCMP_SYS(request_key), EPERM), fail(SCMP_SYS(perf_event_open), EPERM),
    fail(SCMP_SYS(swapon), EPERM), fail(SCMP_SYS(swapoff), EPERM), fail(SCMP_SYS(reboot), EPERM),
    fail(SCMP_SYS(setns), EPERM), fail(SCMP_SYS(unshare), EPERM),
    // New namespaces through clone, like unshare (one rule per flag: any of them is refused).
    failIf(SCMP_SYS(clone), EPERM, argMaskedEquals(0, CLONE_NEWNS, CLONE_NEWNS)),
    failIf(SCMP_SYS(clone), EPERM, argMaskedEquals(0, CLONE_NEWUSER, CLONE_NEWUSER)),
    failIf(SCMP_SYS(clone), EPERM, argMaskedEquals(0, CLONE_NEWPID, CLONE_NEWPID)),
    failIf(SCMP_SYS(clone), EPERM, argMaskedEquals(0, CLONE_NEWNET, CLONE_NEWNET)),
    failIf(SCMP_SYS(clone), EPERM, argMaskedEquals(0, CLONE_NEWUTS, CLONE_NEWUTS)),
    failIf(SCMP_SYS(clone), EPERM, argMaskedEquals(0, CLONE_NEWIPC, CLONE_NEWIPC)),
    failIf(SCMP_SYS(clone), EPERM, argMaskedEquals(0, CLONE_NEWCGROUP, CLONE_NEWCGROUP)),
    fail(SCMP_SYS(clone3), ENOSYS),  // flags hidden in memory: glibc falls back to the checked clone
    fail(SCMP_SYS(open_by_handle_at), EPERM), fail(SCMP_SYS(name_to_handle_at), EPERM),
    fail(SCMP_SYS(userfaultfd), EPERM), fail(SCMP_SYS(personality), EPERM),
    fail(SCMP_SYS(io_uring_setup), ENOSYS), fail(SCMP_SYS(io_uring_enter), EPERM),
    fail(SCMP_SYS(io_uring_register), EPERM), fail(SCMP_SYS(iopl), EPERM), fail(SCMP_SYS(ioperm), EPERM),
    fail(SCMP_SYS(acct), EPERM), fail(SCMP_SYS(quotactl), EPERM), fail(SCMP_SYS(syslog), EPERM),
    fail(SCMP_SYS(uselib), EPERM), fail(SCMP_SYS(vhangup), EPERM),
    // Injecting keystrokes into a terminal the agent was started from.
    failIf(SCMP_SYS(ioctl), EPERM, argEquals(1, TIOCSTI)), failIf(SCMP_SYS(ioctl), EPERM, argEquals(1, TIOCLINUX)),
};

struct SeccompPolicy {
  bool allowList;  // true: default kill; false: default allow (deny-list)
  std::array<std::span<const SyscallRule>, 3> ruleGroups;
};

inline constexpr SeccompPolicy kPacketPathSeccomp{true, {kEventLoopRules, kNoExecMemoryRules, kNoFilesystemRules}};
inline constexpr SeccompPolicy kUpdaterSeccomp{true, {kEventLoopRules, kUpdaterRules, {}}};
inline constexpr SeccompPolicy kBeaconsSeccomp{false, {kBeaconsDenyRules, {}, {}}};

// ---------------------------------------------------------------------------------------------------
// Landlock: every filesystem right the kernel knows is handled (denied) and then granted back per path.

enum class PathAccess { kReadOnly, kReadExecute, kReadWrite, kDevNull };

constexpr uint64_t rightsFor(PathAccess access) {
  using namespace landlock::fs;
  switch (access) {
    case PathAccess::kReadOnly: return kReadFile | kReadDir;
    case PathAccess::kReadExecute: return kReadFile | kReadDir | kExecute;
    case PathAccess::kReadWrite:
      return kReadFile | kReadDir | kWriteFile | kTruncate | kMakeReg | kMakeDir | kRemoveFile | kRemoveDir | kRefer;
    case PathAccess::kDevNull: return kReadFile | kWriteFile | kTruncate | kIoctlDev;
  }
  return 0;
}

struct LandlockPath {
  const char* path;
  PathAccess access;
};

// The updater's TLS and name resolution read these; a path missing on this host is skipped.
inline constexpr LandlockPath kUpdaterReadPaths[] = {
    {"/etc/ssl", PathAccess::kReadOnly},                    // CA bundle, openssl.cnf
    {"/usr/share/ca-certificates", PathAccess::kReadOnly},  // targets of /etc/ssl/certs symlinks
    {"/etc/resolv.conf", PathAccess::kReadOnly},
    {"/etc/hosts", PathAccess::kReadOnly},
    {"/etc/nsswitch.conf", PathAccess::kReadOnly},
    {"/etc/host.conf", PathAccess::kReadOnly},
    {"/etc/gai.conf", PathAccess::kReadOnly},
    {"/etc/ld.so.cache", PathAccess::kReadOnly},  // dlopen of libcurl
    {"/usr/lib", PathAccess::kReadOnly},
    {"/lib", PathAccess::kReadOnly},
    {"/dev/null", PathAccess::kDevNull},
};

// Beacons: scripts may live anywhere and need their interpreters and libraries, so everything is
// readable and executable (file permissions still apply: the worker is unprivileged); only /dev/null
// and the scratch directory the supervisor creates (cwd, HOME and TMPDIR of every script) are writable.
// statvfs is not a Landlock right and keeps working.
inline constexpr LandlockPath kBeaconsPaths[] = {
    {"/", PathAccess::kReadExecute},
    {"/dev/null", PathAccess::kDevNull},
};

struct LandlockPolicy {
  std::span<const LandlockPath> paths;
  bool stagingDirWritable;  // the updater's SandboxOptions::updaterStagingDir, which must exist
  uint64_t handledNet;      // TCP rights denied outright (no port rules are added)
  uint64_t scoped;          // IPC scopes: no abstract unix sockets or signals outside the worker
  bool scratchDirWritable = false;  // beacons: SandboxOptions::beaconsScratchDir, the scripts' only writable dir
};

inline constexpr uint64_t kAllScopes = landlock::scope::kAbstractUnixSocket | landlock::scope::kSignal;
inline constexpr LandlockPolicy kPacketPathLandlock{{}, false, landlock::net::kBindTcp | landlock::net::kConnectTcp,
                                                    kAllScopes};
// Connect stays open: release and API servers are configurable (ports other than 443).
inline constexpr LandlockPolicy kUpdaterLandlock{kUpdaterReadPaths, true, landlock::net::kBindTcp, kAllScopes};
inline constexpr LandlockPolicy kBeaconsLandlock{kBeaconsPaths, false, landlock::net::kBindTcp, kAllScopes, true};

// ---------------------------------------------------------------------------------------------------
// Process limits: no core files (they would hold keys); open files bounded per role. Limits are only
// ever lowered, never raised above what the worker inherited.

struct ProcessLimits {
  rlim_t openFiles;
};

// ---------------------------------------------------------------------------------------------------
// The sandbox policy table: one row per worker role of ipc/worker_roles.h (a new worker adds its row here).

struct RolePolicy {
  Role role;
  SeccompPolicy seccomp;
  LandlockPolicy landlock;
  ProcessLimits limits;
};

// clang-format off
inline constexpr RolePolicy kRolePolicies[] = {
  // role              seccomp             landlock             limits
  {Role::kTunnel,    kPacketPathSeccomp, kPacketPathLandlock, {256}},   // UDP sockets, packet socketpair, IPC, loop
  {Role::kForwarder, kPacketPathSeccomp, kPacketPathLandlock, {256}},   // up to 100 forwarded connections, one fd each
  {Role::kBeacons,   kBeaconsSeccomp,    kBeaconsLandlock,    {1024}},  // scripts inherit it
  {Role::kUpdater,   kUpdaterSeccomp,    kUpdaterLandlock,    {256}},   // parallel HTTPS transfers, resolver, CA files
};
// clang-format on

// The row of `role`, or nullptr (the supervisor, or a worker whose row is missing: applySandbox refuses it).
constexpr const RolePolicy* policyFor(Role role) {
  for (const RolePolicy& row : kRolePolicies) {
    if (row.role == role) return &row;
  }
  return nullptr;
}
// Compares roles, not row pointers: gcc's UBSan build cannot fold a pointer-to-nullptr test in a static_assert.
constexpr bool hasPolicyRow(Role role) {
  for (const RolePolicy& row : kRolePolicies) {
    if (row.role == role) return true;
  }
  return false;
}
constexpr bool everyWorkerHasAPolicyRow() {
  for (const ipc::WorkerRoleSpec& spec : ipc::kWorkerRoles) {
    if (!hasPolicyRow(spec.role)) return false;
  }
  return true;
}
static_assert(everyWorkerHasAPolicyRow(), "a role of ipc/worker_roles.h has no row in kRolePolicies");
constexpr SeccompPolicy seccompPolicyFor(Role role) { return policyFor(role)->seccomp; }
constexpr LandlockPolicy landlockPolicyFor(Role role) { return policyFor(role)->landlock; }
constexpr ProcessLimits processLimitsFor(Role role) { return policyFor(role)->limits; }

}  // namespace nefia::sandbox::policy
