// PacketLink: moves whole IP packets over the SOCK_SEQPACKET socket shared with the tunnel worker, bundled
// (packet_bundle.h) and in batches (recvmmsg/sendmmsg), driven by a uv_poll. Never interprets packets beyond
// the framing and never blocks the loop.
#pragma once

#include <sys/uio.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "common/unique_fd.h"
#include "common/uv_handle.h"

namespace nefia::forwarder {

// Packets moved per recvmmsg/sendmmsg call on the packet socket.
inline constexpr std::size_t kPacketBatch = 64;
// Outbound packets held while the peer worker is slow or restarting; beyond that they are dropped
// (lwIP retransmits on the forwarder's side, WireGuard's peers on the tunnel's).
inline constexpr std::size_t kMaxQueuedOutboundPackets = 512;

struct PacketLinkStats {
  uint64_t packetsIn = 0;
  uint64_t packetsOut = 0;
  uint64_t droppedOutbound = 0;  // queue full or link down: lwIP retransmits
  uint64_t droppedInbound = 0;   // messages truncated by the kernel or with a malformed bundle
};

// How log lines name this end and its peer (the tunnel worker uses the same link toward the forwarder).
struct PacketLinkNames {
  const char* component = "forwarder";
  const char* peer = "the tunnel worker";
  const char* whileDown = "open connections wait (lwIP retransmits) until the supervisor hands over a new link";
};

class PacketLink {
 public:
  using PacketHandler = std::function<void(std::span<const uint8_t> packet)>;

  // Takes ownership of fd. maxPacketBytes is the largest packet accepted or sent (the MTU).
  PacketLink(uv_loop_t* loop, int fd, std::size_t maxPacketBytes, PacketLinkNames names = {});
  PacketLink(const PacketLink&) = delete;
  PacketLink& operator=(const PacketLink&) = delete;
  ~PacketLink();

  // Starts delivering received packets to onPacket (one call per packet, in order).
  void start(PacketHandler onPacket);
  // The tunnel worker restarted: poll the new fd, close the old one. Queued outbound packets are
  // dropped (lwIP retransmits what mattered).
  void replaceFd(int fd);
  // Queues one packet made of the concatenated pieces; sent before the loop next blocks or when a batch
  // is full. Returns false when the packet was dropped (queue full, too large, link down).
  bool send(std::span<const iovec> pieces);
  // Sends what is queued now (called automatically before the loop blocks).
  void flush();
  // Closes both uv handles and the fd; done runs once libuv released them.
  void close(std::function<void()> done);

  const PacketLinkStats& stats() const { return stats_; }
  bool linkUp() const { return linkUp_; }

 private:
  static void onPoll(uv_poll_t* handle, int status, int events);
  static void beforeBlocking(uv_prepare_t* handle);
  void startPolling();
  void updatePollEvents();
  void readBatches();
  void markLinkDown(const char* why, int error);

  uv_loop_t* loop_;
  PacketLinkNames names_;
  UniqueFd fd_;
  std::size_t slotBytes_;
  PacketHandler onPacket_;
  UvHandle<uv_poll_t> poll_;
  UvHandle<uv_prepare_t> beforeBlocking_;
  bool linkUp_ = true;
  bool waitingWritable_ = false;
  int pollEvents_ = 0;

  // Receive side: kInboundMessages message buffers filled by one recvmmsg.
  // Buffers and slots are left uninitialised (make_unique_for_overwrite): an idle link touches none of their pages.
  std::size_t inboundMessageBytes_;
  std::unique_ptr<uint8_t[]> inbound_;
  std::vector<iovec> inboundIov_;
  std::vector<mmsghdr> inboundMessages_;

  // Send side: a ring of fixed-size slots, each a 2-byte length then the packet; head_ is the oldest unsent one.
  std::size_t slotStride_;
  std::unique_ptr<uint8_t[]> outbound_;
  std::vector<std::size_t> outboundLength_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;

  PacketLinkStats stats_;
};

}  // namespace nefia::forwarder
