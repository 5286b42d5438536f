// The redaction rule for text a user or operator sees (error messages, agent-health.json, `status`): a value
// that could be a secret key is never echoed, not even in part. Registered secrets are the logger's (log.h).
#pragma once

#include <string>
#include <string_view>

namespace nefia {

inline constexpr std::string_view kRedactedText = "[redacted]";

// A run of base64 characters (either alphabet) at least this long may be a key or a token, or most of one.
inline constexpr std::size_t kSecretLikeRunLength = 32;

// True when text holds a run of kSecretLikeRunLength or more base64 characters (A-Z a-z 0-9 + / - _ =):
// a WireGuard key, an agent token, or a truncated one. Such a value is described, never quoted.
bool mayHoldSecret(std::string_view text);

// "\"text\"", or `a value that looks like a key (not shown)` when mayHoldSecret(text). For every error
// message that echoes a config value.
std::string quoteUnlessSecret(std::string_view text);

// Replaces every 32-byte base64 key in text (standard or URL-safe alphabet, with or without '=' padding, alone
// or inside a longer run of base64 characters) by [redacted]. Afterwards no substring of the result decodes as
// a 32-byte key. Public keys are keys too: use this on error texts, not on logs that name peers on purpose.
std::string redactKeys(std::string_view text);

}  // namespace nefia
