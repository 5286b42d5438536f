// The seams between the WireGuard device and the outside: clocks, the UDP side ("bind") and the IP-packet side
// toward the netstack ("TUN"). The worker implements them over libuv/sockets; tests use fakes. No I/O here.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "workers/tunnel/endpoint.h"

namespace nefia::wg {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() = 0;        // every timer
  virtual std::chrono::system_clock::time_point wallNow() = 0;    // TAI64N timestamps and reports only
};

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wallNow() override { return std::chrono::system_clock::now(); }
};

class DatagramSender {
 public:
  virtual ~DatagramSender() = default;
  // Must not keep the span: the device reuses its buffer for the next datagram.
  virtual void sendDatagram(const UdpEndpoint& to, std::span<const uint8_t> datagram) = 0;
  // End of a batch (e.g. after receiveDatagram or runDueTimers): a sendmmsg-based sender flushes here.
  virtual void flush() {}
};

class PacketReceiver {
 public:
  virtual ~PacketReceiver() = default;
  // A decrypted, source-checked IP packet for the netstack. Must not keep the span, and must not call back into
  // the Device (queue any answer and send it after receiveDatagram returns).
  virtual void deliverPacket(std::span<const uint8_t> ipPacket) = 0;
};

}  // namespace nefia::wg
