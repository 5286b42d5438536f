// IPC frame format: u32 length (little endian, counts type + payload) + u8 type + payload, one frame per
// SOCK_SEQPACKET datagram. Pure functions, no I/O; never trust a length field without checking it here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nefia::ipc {

inline constexpr std::size_t kMaxFrameBytes = 64 * 1024;  // whole frame, header included
inline constexpr std::size_t kLengthFieldBytes = 4;
inline constexpr std::size_t kFrameHeaderBytes = kLengthFieldBytes + 1;
inline constexpr std::size_t kMaxPayloadBytes = kMaxFrameBytes - kFrameHeaderBytes;
inline constexpr std::size_t kMaxFdsPerFrame = 1;  // no message carries more than one fd

// One datagram exactly as it came off the socket, not yet checked. Owns the fds that travelled with it
// (closed with the frame unless moved out). The bytes are wiped on destruction: `configure` carries keys.
struct RawFrame {
  RawFrame() = default;
  RawFrame(RawFrame&&) noexcept = default;
  RawFrame& operator=(RawFrame&&) noexcept = default;
  ~RawFrame();

  std::vector<uint8_t> bytes;
  std::vector<UniqueFd> fds;
  bool truncated = false;         // MSG_TRUNC: the datagram was larger than kMaxFrameBytes
  bool controlTruncated = false;  // MSG_CTRUNC: more fds (or other ancillary data) than we accept
};

// A decoded frame; payload points into the datagram it was decoded from.
struct FrameView {
  uint8_t type = 0;
  std::string_view payload;
};

// Errors read as the object of "<peer> sent ...": "a truncated frame (...)".
Result<std::vector<uint8_t>> encodeFrame(uint8_t type, std::string_view payload);
Result<FrameView> decodeFrame(std::span<const uint8_t> datagram);
// decodeFrame plus the receive flags (MSG_TRUNC, MSG_CTRUNC) of a RawFrame.
Result<FrameView> decodeFrame(const RawFrame& frame);

}  // namespace nefia::ipc
