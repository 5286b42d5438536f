// Resolution lines of the reference's enrollment error table, word for word. Lookup only, no I/O.
#include "common/invite/enroll_errors.h"

#include <array>
#include <utility>

namespace nefia::invite {

std::string_view enrollErrorResolution(std::string_view error) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kTable{{
      {kErrorTokenExpired, "Generate a new token with nefia vpn reinvite"},
      {kErrorNonceReused, "Generate a fresh token -- each token is single-use"},
      {kErrorInvalidSignature, "Copy the full token string again from the operator"},
      {kErrorValidationFailed, "Check the operator logs for details"},
      {kErrorEmptyNonce, "Generate a new token -- this indicates a corrupted or hand-crafted token"},
      {kErrorRateLimited, "Wait 30 seconds and retry"},
  }};
  for (const auto& [text, resolution] : kTable) {
    if (text == error) return resolution;
  }
  return kTable[3].second;
}

}  // namespace nefia::invite
