// Sandbox step 6: the role's seccomp filter from sandbox_policy.h, built with libseccomp. libseccomp
// checks the architecture first (a foreign ABI, e.g. int 0x80 or x32, kills the process); allow-list
// roles kill on anything unlisted. Log-only mode (test-hook builds) reports instead of killing.
#include <seccomp.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "workers/sandbox/sandbox_policy.h"
#include "workers/sandbox/sandbox_steps.h"

namespace nefia::sandbox::detail {

namespace {

using FilterContext = std::unique_ptr<void, void (*)(scmp_filter_ctx)>;

std::string syscallName(int number) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, number);
  std::string text = name != nullptr ? name : "#" + std::to_string(number);
  free(name);
  return text;
}

Status addRule(scmp_filter_ctx context, const policy::SyscallRule& rule, pid_t ownPid) {
  scmp_arg_cmp checks[2] = {};
  for (unsigned i = 0; i < rule.checkCount; ++i) {
    const policy::ArgCheck& check = rule.checks[i];
    checks[i] = scmp_arg_cmp{check.index, check.op,
                             check.datumIsOwnPid ? static_cast<scmp_datum_t>(ownPid) : check.datumA, check.datumB};
  }
  const uint32_t action =
      rule.verdict == policy::Verdict::kAllow ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(static_cast<uint32_t>(rule.errnoValue));
  const int rc = seccomp_rule_add_exact_array(context, action, rule.syscall, rule.checkCount, checks);
  if (rc != 0) {
    return makeError("cannot add the rule for " + syscallName(rule.syscall) + ": " + std::strerror(-rc));
  }
  return Status::success();
}

#ifdef NEFIA_TEST_HOOKS
// Log-only mode: SIGSYS names the denied call on stderr and makes it return -ENOSYS. Names are resolved
// up front because the handler may only use async-signal-safe calls.
constexpr int kNamedSyscalls = 512;
const char* gSyscallNames[kNamedSyscalls] = {};

void writeText(const char* text) {
  const ssize_t ignored = write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void onDeniedSyscall(int, siginfo_t* info, void* rawContext) {
  const int number = info->si_syscall;
  char digits[16];
  int length = 0;
  unsigned value = static_cast<unsigned>(number);
  do {
    digits[length++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && length < 15);
  char reversed[16];
  for (int i = 0; i < length; ++i) reversed[i] = digits[length - 1 - i];
  reversed[length] = '\0';
  writeText("sandbox (log-only): denied system call ");
  writeText(number >= 0 && number < kNamedSyscalls && gSyscallNames[number] ? gSyscallNames[number] : "?");
  writeText(" (");
  writeText(reversed);
  writeText(")\n");
  auto* context = static_cast<ucontext_t*>(rawContext);
#if defined(__x86_64__)
  context->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
  context->uc_mcontext.regs[0] = static_cast<unsigned long long>(-ENOSYS);
#else
#error "log-only sandbox: set the system call return register for this architecture"
#endif
}

Status installDeniedSyscallReporter() {
  for (int number = 0; number < kNamedSyscalls; ++number) {
    // Kept for the life of the process: the handler may run at any time.
    gSyscallNames[number] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, number);
  }
  struct sigaction action {};
  action.sa_sigaction = onDeniedSyscall;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSYS, &action, nullptr) != 0) {
    return makeError(std::string("cannot install the SIGSYS reporter: ") + std::strerror(errno));
  }
  return Status::success();
}
#endif

}  // namespace

Status applySeccomp(Role role, bool logOnly) {
  const policy::SeccompPolicy rolePolicy = policy::seccompPolicyFor(role);
  uint32_t defaultAction = rolePolicy.allowList ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ALLOW;
#ifdef NEFIA_TEST_HOOKS
  if (logOnly && rolePolicy.allowList) defaultAction = SCMP_ACT_TRAP;
#else
  if (logOnly) return makeError("log-only mode exists only in test-hook builds");
#endif

  FilterContext context(seccomp_init(defaultAction), seccomp_release);
  if (!context) return makeError("seccomp_init failed (out of memory or libseccomp unusable)");
  if (int rc = seccomp_attr_set(context.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc != 0) {
    return makeError(std::string("cannot set the bad-architecture action: ") + std::strerror(-rc));
  }
  // Every thread gets the filter, even one a library started behind our back.
  if (int rc = seccomp_attr_set(context.get(), SCMP_FLTATR_CTL_TSYNC, 1); rc != 0) {
    return makeError(std::string("cannot request thread synchronisation: ") + std::strerror(-rc));
  }

  const pid_t ownPid = getpid();
  for (const std::span<const policy::SyscallRule>& group : rolePolicy.ruleGroups) {
    for (const policy::SyscallRule& rule : group) {
      if (rule.syscall < 0) continue;  // the call does not exist on this architecture
      if (Status status = addRule(context.get(), rule, ownPid); !status) return status;
    }
  }

#ifdef NEFIA_TEST_HOOKS
  if (logOnly && rolePolicy.allowList) {
    if (Status status = installDeniedSyscallReporter(); !status) return status;
  }
#endif
  if (int rc = seccomp_load(context.get()); rc != 0) {
    return makeError(std::string("seccomp_load failed: ") + std::strerror(-rc));
  }
  return Status::success();
}

}  // namespace nefia::sandbox::detail
