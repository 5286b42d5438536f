// WireGuard's plaintext padding (whitepaper section 5.4.6), capped at the MTU like wireguard-go's
// calculatePaddingSize: a packet larger than the MTU is padded in its last MTU-sized unit only.
#include "workers/tunnel/padding.h"

#include "workers/tunnel/constants.h"

namespace nefia::wg {

std::size_t paddedPlaintextSize(std::size_t packetSize, std::size_t mtu) {
  std::size_t lastUnit = packetSize;
  if (mtu != 0 && lastUnit > mtu) lastUnit %= mtu;
  std::size_t paddedUnit = (lastUnit + kPaddingMultiple - 1) / kPaddingMultiple * kPaddingMultiple;
  if (mtu != 0 && paddedUnit > mtu) paddedUnit = mtu;
  return packetSize + (paddedUnit - lastUnit);
}

}  // namespace nefia::wg
