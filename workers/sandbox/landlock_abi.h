// Our own copy of the Landlock user-space ABI (syscall numbers, flags, struct layouts) up to ABI 7,
// because Debian 12's <linux/landlock.h> stops at ABI 2. Never include <linux/landlock.h> next to it.
#pragma once

#include <cstdint>

namespace nefia::sandbox::landlock {

// The same numbers on every architecture (allocated after the syscall tables were unified in 5.1).
inline constexpr long kSysCreateRuleset = 444;
inline constexpr long kSysAddRule = 445;
inline constexpr long kSysRestrictSelf = 446;

inline constexpr uint32_t kCreateRulesetVersion = 1U << 0;  // landlock_create_ruleset(NULL, 0, flag) = ABI
inline constexpr uint32_t kRulePathBeneath = 1;

// The newest ABI whose access rights this file knows; a newer kernel is used at this level.
inline constexpr int kNewestKnownAbi = 7;

namespace fs {
inline constexpr uint64_t kExecute = 1ULL << 0;
inline constexpr uint64_t kWriteFile = 1ULL << 1;
inline constexpr uint64_t kReadFile = 1ULL << 2;
inline constexpr uint64_t kReadDir = 1ULL << 3;
inline constexpr uint64_t kRemoveDir = 1ULL << 4;
inline constexpr uint64_t kRemoveFile = 1ULL << 5;
inline constexpr uint64_t kMakeChar = 1ULL << 6;
inline constexpr uint64_t kMakeDir = 1ULL << 7;
inline constexpr uint64_t kMakeReg = 1ULL << 8;
inline constexpr uint64_t kMakeSock = 1ULL << 9;
inline constexpr uint64_t kMakeFifo = 1ULL << 10;
inline constexpr uint64_t kMakeBlock = 1ULL << 11;
inline constexpr uint64_t kMakeSym = 1ULL << 12;
inline constexpr uint64_t kRefer = 1ULL << 13;     // ABI 2
inline constexpr uint64_t kTruncate = 1ULL << 14;  // ABI 3
inline constexpr uint64_t kIoctlDev = 1ULL << 15;  // ABI 5
// The rights a rule on a regular file (not a directory) may carry; others make add_rule fail.
inline constexpr uint64_t kFileOnly = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;
}  // namespace fs

namespace net {
inline constexpr uint64_t kBindTcp = 1ULL << 0;     // ABI 4
inline constexpr uint64_t kConnectTcp = 1ULL << 1;  // ABI 4
}  // namespace net

namespace scope {
inline constexpr uint64_t kAbstractUnixSocket = 1ULL << 0;  // ABI 6
inline constexpr uint64_t kSignal = 1ULL << 1;              // ABI 6
}  // namespace scope

// struct landlock_ruleset_attr; the kernel reads only the first `rulesetAttrSize(abi)` bytes.
struct RulesetAttr {
  uint64_t handledAccessFs;
  uint64_t handledAccessNet;  // ABI 4
  uint64_t scoped;            // ABI 6
};

// struct landlock_path_beneath_attr (packed: 12 bytes).
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowedAccess;
  int32_t parentFd;
};
static_assert(sizeof(PathBeneathAttr) == 12, "landlock_path_beneath_attr is 12 bytes");

// Every filesystem right the given ABI understands (asking for more makes create_ruleset fail).
constexpr uint64_t fsAccessForAbi(int abi) {
  if (abi < 1) return 0;
  uint64_t access = (fs::kMakeSym << 1) - 1;  // ABI 1: bits 0..12
  if (abi >= 2) access |= fs::kRefer;
  if (abi >= 3) access |= fs::kTruncate;
  if (abi >= 5) access |= fs::kIoctlDev;
  return access;
}
constexpr uint64_t netAccessForAbi(int abi) { return abi >= 4 ? net::kBindTcp | net::kConnectTcp : 0; }
constexpr uint64_t scopeForAbi(int abi) { return abi >= 6 ? scope::kAbstractUnixSocket | scope::kSignal : 0; }

// How many bytes of RulesetAttr to pass: an older kernel rejects a larger struct with non-zero tail.
constexpr unsigned long rulesetAttrSize(int abi) {
  if (abi >= 6) return sizeof(RulesetAttr);
  if (abi >= 4) return 2 * sizeof(uint64_t);
  return sizeof(uint64_t);
}

}  // namespace nefia::sandbox::landlock
