// Feeds arbitrary bytes to the invite token parser/verifier and to the enrollment request/response parsers:
// they must return a value or an error, never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/invite/enroll_protocol.h"
#include "common/invite/invite_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nefia::Key32 secret;
  (void)nefia::invite::parseInviteToken(text);
  (void)nefia::invite::verifyInviteToken(text, secret);
  (void)nefia::invite::parseRequest(text);
  (void)nefia::invite::parseResponse(text);
  return 0;
}
