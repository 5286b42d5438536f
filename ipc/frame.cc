// Frame encoding and the framing checks every received datagram passes before its type is even looked at.
// Never read past the datagram, never accept a length that disagrees with the datagram size.
#include "ipc/frame.h"

#include <sodium.h>

#include <string>

namespace nefia::ipc {

RawFrame::~RawFrame() {
  if (!bytes.empty()) sodium_memzero(bytes.data(), bytes.size());
}

Result<std::vector<uint8_t>> encodeFrame(uint8_t type, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) {
    return makeError("a frame of " + std::to_string(payload.size() + kFrameHeaderBytes) + " bytes, above the " +
                     std::to_string(kMaxFrameBytes) + "-byte IPC maximum");
  }
  const auto length = static_cast<uint32_t>(payload.size() + 1);
  std::vector<uint8_t> frame;
  frame.reserve(kFrameHeaderBytes + payload.size());
  for (unsigned shift = 0; shift < 32; shift += 8) frame.push_back(static_cast<uint8_t>(length >> shift));
  frame.push_back(type);
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

Result<FrameView> decodeFrame(std::span<const uint8_t> datagram) {
  if (datagram.size() < kFrameHeaderBytes) {
    return makeError("a truncated frame (" + std::to_string(datagram.size()) + " bytes, shorter than the " +
                     std::to_string(kFrameHeaderBytes) + "-byte header)");
  }
  if (datagram.size() > kMaxFrameBytes) {
    return makeError("a frame larger than the " + std::to_string(kMaxFrameBytes) + "-byte IPC maximum");
  }
  uint32_t length = 0;
  for (std::size_t index = 0; index < kLengthFieldBytes; ++index) {
    length |= static_cast<uint32_t>(datagram[index]) << (8 * index);
  }
  const std::size_t carried = datagram.size() - kLengthFieldBytes;
  if (length > kMaxFrameBytes - kLengthFieldBytes) {
    return makeError("a frame whose header announces " + std::to_string(length) + " bytes, above the " +
                     std::to_string(kMaxFrameBytes) + "-byte IPC maximum");
  }
  if (length > carried) {
    return makeError("a truncated frame (header announces " + std::to_string(length) + " bytes, datagram carries " +
                     std::to_string(carried) + ")");
  }
  if (length < carried) {
    return makeError("a malformed frame (header announces " + std::to_string(length) + " bytes, datagram carries " +
                     std::to_string(carried) + ")");
  }
  FrameView view;
  view.type = datagram[kLengthFieldBytes];
  view.payload = std::string_view(reinterpret_cast<const char*>(datagram.data()) + kFrameHeaderBytes,
                                  datagram.size() - kFrameHeaderBytes);
  return view;
}

Result<FrameView> decodeFrame(const RawFrame& frame) {
  if (frame.truncated) {
    return makeError("a frame larger than the " + std::to_string(kMaxFrameBytes) + "-byte IPC maximum");
  }
  if (frame.controlTruncated) {
    return makeError("a frame with more file descriptors or ancillary data than a frame may carry (at most " +
                     std::to_string(kMaxFdsPerFrame) + " fd)");
  }
  return decodeFrame(std::span<const uint8_t>(frame.bytes));
}

}  // namespace nefia::ipc
