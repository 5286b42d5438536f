/* lwIP build options for the forwarder's netstack: a single-threaded TCP endpoint behind WireGuard.
 * Every option says why it is set. Must never enable threads, sockets/netconn or timers we do not need:
 * an idle agent must not wake up on lwIP's behalf. */
#ifndef NEFIA_LWIPOPTS_H
#define NEFIA_LWIPOPTS_H

/* ---- Threading and OS integration ---- */
/* No lwIP threads: the forwarder's libuv loop calls lwIP directly and drives its timers. */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
/* Only the raw (callback) API is used; the sequential APIs need NO_SYS=0. */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0
/* lwIP's own timeout list (sys_check_timeouts / sys_timeouts_sleeptime), driven by one uv_timer. */
#define LWIP_TIMERS 1
/* Exposes lwip_cyclic_timer() (nothing else changes in 2.1.3) so the netstack can unregister the
 * neighbour-discovery cyclic timer, which has no work on our point-to-point interface but would
 * wake an idle agent every second. */
#define LWIP_TESTMODE 1

/* ---- Memory ---- */
/* The heap and every pool come from malloc: no fixed pool can be both small when idle and large
 * enough for 100 connections with multi-MiB windows. Memory is bounded per connection and in total:
 * the forwarder autotunes each connection's receive window (TCP_WND at first, up to 8 MiB, via
 * tcp_set_rcv_wnd_max from lwip_patches/0008) and how much of TCP_SND_BUF it lets lwIP hold (256 KiB at
 * first, up to 8 MiB) with the measured bandwidth-delay product, and falls back to the initial sizes after
 * a second without traffic (workers/forwarder/buffer_tuning.h). One cap, kBufferBudgetBytes = 64 MiB in
 * constants.h, bounds all windows and send limits together; the initial sizes of 100 connections (50 MiB)
 * always fit in it. We hold received pbufs until the local socket took them, then tcp_recved, so a
 * connection holds at most its window plus its send limit plus one 64 KiB read chunk: about 64 MiB + 6 MiB
 * for 100 connections all stalled at once, a few KiB for an idle one. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
/* 8 bytes: malloc already returns 16-byte aligned blocks; this keeps pbuf payloads aligned for the
 * checksum loop's 32-bit reads. */
#define MEM_ALIGNMENT 8
/* Only for lwIP-internal PBUF_POOL allocations (we allocate PBUF_RAM of the exact packet size). */
#define PBUF_POOL_SIZE 64
#define PBUF_POOL_BUFSIZE 1536
/* No link-layer header: packets go to the tunnel worker as bare IP. */
#define PBUF_LINK_HLEN 0
#define PBUF_LINK_ENCAPSULATION_HLEN 0
/* Counts only matter for the sanity checks when pools come from malloc; sized for 100 connections
 * plus the listener and TIME_WAIT pcbs. */
#define MEMP_NUM_TCP_PCB 128
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG 32768
#define MEMP_NUM_REASSDATA 0

/* ---- Interfaces and link ---- */
/* Exactly one interface (the tunnel): routing is "everything goes to it" without a table walk. */
#define LWIP_SINGLE_NETIF 1
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
/* Bare IP over a packet socket: no Ethernet, no ARP (their timers and tables are never needed). */
#define LWIP_ETHERNET 0
#define LWIP_ARP 0

/* ---- IPv4 ---- */
#define LWIP_IPV4 1
/* No fragmentation either way: the TCP MSS is clamped to the 1420 MTU, and reassembly would add a
 * cyclic timer and a memory sink for a peer we never need to accept fragments from. */
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define IP_FORWARD 0
#define IP_OPTIONS_ALLOWED 0
#define LWIP_ICMP 1
/* ICMP echo is answered by lwIP itself (ping to the VPN address works). */
#define LWIP_BROADCAST_PING 0
#define LWIP_MULTICAST_PING 0
#define LWIP_RAW 0
/* No UDP service lives in the forwarder (no DNS, DHCP); unknown UDP is simply dropped. */
#define LWIP_UDP 0
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0

/* ---- IPv6 ---- */
#define LWIP_IPV6 1
/* MLD and autoconfiguration only add timers and multicast state; the address is configured. */
#define LWIP_IPV6_MLD 0
#define LWIP_IPV6_AUTOCONFIG 0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0
#define LWIP_IPV6_ADDRESS_LIFETIMES 0
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_REASS 0
#define LWIP_IPV6_FRAG 0
#define LWIP_ND6_QUEUEING 0
#define LWIP_ND6_ALLOW_RA_UPDATES 0
#define LWIP_IPV6_NUM_ADDRESSES 2

/* ---- TCP ---- */
#define LWIP_TCP 1
/* MTU 1420 minus 20 (IPv4) and 20 (TCP) bytes; for IPv6 lwIP clamps further to 1360 from the
 * interface MTU (TCP_CALCULATE_EFF_SEND_MSS). */
#define TCP_MSS 1380
#define TCP_CALCULATE_EFF_SEND_MSS 1
/* Window scaling so an autotuned receive window can reach 8 MiB: shift 7 allows 0xffff << 7. */
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 7
/* The initial receive window of every connection (256 KiB, ~40 Mbit/s at 50 ms RTT); the forwarder grows
 * it per connection with the delivered bandwidth-delay product (see Memory above). */
#define TCP_WND (256 * 1024)
/* lwIP's own send buffer is the largest autotuned send limit (8 MiB); the relay lets lwIP hold only the
 * connection's tuned limit of it (connection_buffers.cc). */
#define TCP_SND_BUF (8 * 1024 * 1024)
/* Segments in the send queue: lwIP requires at least 2 * TCP_SND_BUF / TCP_MSS; 4x leaves room for
 * the small segments of interactive SSH. */
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
/* Only used by the netconn "writable" notion, but it must fit lwIP's u16 sanity check. */
#define TCP_SNDLOWAT (16 * TCP_MSS)
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
/* Keep out-of-order segments (loss in the tunnel) within one window so recovery needs no resend of
 * what already arrived; SACK tells the peer exactly what we hold. */
#define TCP_QUEUE_OOSEQ 1
/* Out-of-order data lies within the window: at most the largest autotuned one. */
#define TCP_OOSEQ_MAX_BYTES (8 * 1024 * 1024)
#define TCP_OOSEQ_MAX_PBUFS 8192
#define LWIP_TCP_SACK_OUT 1
/* lwIP's TCP timer period (default 250 ms; the retransmission timer runs at twice this). lwIP 2.1 leaves
 * fast recovery on the first new ACK and ignores duplicate ACKs that carry a window update (Linux
 * receivers send those all the time), so a loss burst in the tunnel (e.g. the operator's wireguard-go
 * overflowing its UDP receive buffer) is repaired by the retransmission timeout. With 500 ms ticks one
 * such episode stalled a download for a second (31 Mbit/s measured); 20 ms ticks give 283 Mbit/s on the
 * same path (bench/throughput_bench.sh). Cost: 100 timer wake-ups per second, only while at least one
 * connection is open; an agent without connections still sleeps (the timer is stopped). */
#define TCP_TMR_INTERVAL 10
#define LWIP_TCP_MAX_SACK_NUM 4
/* Congestion control from the forwarder's BBR-style path model (bbr_model.h, congestion_hook.h):
 * lwip_patches/0009 calls the first hook after every ACK, 0010 the second before tcp_output sends a
 * segment (pacing); a connection's model hangs on its pcb in extension argument slot 0. */
#define LWIP_TCP_PCB_NUM_EXT_ARGS 1
#include "../congestion_hook.h"
#define LWIP_HOOK_TCP_ACK_PROCESSED(pcb, delivered, highest) nefia_tcp_ack_processed((pcb), (delivered), (highest))
#define LWIP_HOOK_TCP_PACING_ALLOWS(pcb, length) nefia_tcp_pacing_allows((pcb), (length))
/* Preallocate one MSS per write so consecutive small writes fill segments instead of chaining. */
#define TCP_OVERSIZE TCP_MSS
/* Established connections are limited by the forwarder (kMaxAgentConnections, refused with RST); the
 * backlog bounds half-open ones (SYN received, handshake not finished), which are malloc'd pcbs. */
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 255
/* The tunnel peer keeps retransmitting through a tunnel-worker restart: the default 12 retries
 * (minutes with backoff) is what lets SSH sessions survive it. */
#define TCP_MAXRTX 12
#define TCP_SYNMAXRTX 6
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_TCP_KEEPALIVE 0
#define LWIP_CALLBACK_API 1
#define LWIP_EVENT_API 0

/* ---- Checksums ---- */
/* Inbound verification off: every packet was authenticated by the WireGuard AEAD (Poly1305) in the
 * tunnel worker, so a bad checksum can only come from the authenticated peer itself. */
#define CHECKSUM_CHECK_IP 0
#define CHECKSUM_CHECK_TCP 0
#define CHECKSUM_CHECK_ICMP 0
#define CHECKSUM_CHECK_ICMP6 0
/* Outbound checksums are real: the operator's kernel verifies them. */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_GEN_ICMP6 1
/* Compute the TCP payload checksum while tcp_write copies the data (one pass over the bytes). */
#define LWIP_CHECKSUM_ON_COPY 1
/* Every checksum goes through our loop (internet_checksum.cc, four 64-bit accumulators): lwIP's
 * fastest portable loop (algorithm 3, kept compiled as the reference the unit test compares with) took
 * 12% of the forwarder's CPU in a download. */
#define LWIP_CHKSUM_ALGORITHM 3
#include "../internet_checksum.h"
#define LWIP_CHKSUM nefia_internet_checksum

/* ---- Diagnostics ---- */
/* Statistics cost a counter update per packet; the forwarder keeps its own counters. LWIP_DEBUG
 * stays undefined (lwIP tests it with #ifdef). */
#define LWIP_STATS 0
#define LWIP_PERF 0

#endif /* NEFIA_LWIPOPTS_H */
