#!/usr/bin/env bash
# Where one transfer through nefia-agent loses time, on the IPv4 or the IPv6 path (OUTER_FAMILY=4|6): bytes per
# second, UDP/IP counters of both namespaces (nstat deltas: receive-buffer drops, fragments, discards), the veth's
# packet counts (`ip -s link`), and with perf lwIP's fast retransmits and retransmission timeouts. Usage: sudo
# [OUTER_FAMILY=6] bench/transfer_diagnostics.sh [BUILD_DIR] [scp|iperf3] [up|down] [MIB_OR_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tool=${2:-scp}
dir=${3:-up}
amount=${4:-64}
set -- "$PWD/$build/supervisor/nefia-agent"
source tests/integration/lib.sh
source tests/integration/topology.sh
source bench/lwip_probes.sh

make_topology
start_operator_wireguard
start_agent_sshd
ag iperf3 -s -B 127.0.0.1 -p 5201 >/dev/null 2>&1 &
PIDS_TO_KILL+=("$!")
if [ "$tool" = iperf3 ]; then AGENT_SSH_ADDR=127.0.0.1:5201 write_agent_config; else write_agent_config; fi
start_agent_in_namespace
wait_until 10 all_workers_ready || fail "agent not ready"
wait_until 20 op bash -c 'exec 3<>/dev/tcp/10.99.0.2/22' || fail "the forward does not accept"

add_lwip_probes "nefia_xfer$$"
counters='TcpRetransSegs|TcpExtTCPTimeouts|TcpExtTCPSackRecovery|Udp.*RcvbufErrors|Udp.*InErrors|Udp.*SndbufErrors|Ip6Frag|Ip6Reasm|IpFrag|IpReasm|Ip6InDiscards|Ip6OutDiscards|Ip6InTooBig|Icmp6.*PktTooBig|IpExtInNoRoutes'
op nstat -n; ag nstat -n
link_counts() {  # link_counts NAMESPACE DEVICE: the veth's packet and drop counters (what `ip -s link` shows)
  local stats=/sys/class/net/$2/statistics
  ip netns exec "$1" sh -c "echo RX packets \$(cat $stats/rx_packets) dropped \$(cat $stats/rx_dropped), TX packets \$(cat $stats/tx_packets) dropped \$(cat $stats/tx_dropped)"
}
veth_before="$(link_counts "$NS_AG" "nva$SUFFIX")"
if [ -n "$probes" ]; then
  # shellcheck disable=SC2086
  perf stat $probes -a -o "$WORK/probes.txt" -- sleep 600 &
  perf_pid=$!
  sleep 0.5
fi
start=$(now_ms)
if [ "$tool" = iperf3 ]; then
  flags=(-c 10.99.0.2 -p 22 -t "$amount" -i 1)
  [ "$dir" = down ] && flags+=(-R)
  op timeout $((amount + 30)) iperf3 "${flags[@]}" | grep -E "sec"
else
  head -c $((amount * 1024 * 1024)) /dev/urandom > "$WORK/payload"
  if [ "$dir" = up ]; then target=$WORK/xfer/up; else target=$WORK/down; fi
  (last=0; while sleep 1; do now=$(stat -c %s "$target" 2>/dev/null || echo 0)
     echo "  second $(( ($(now_ms) - start) / 1000 )): $(( (now - last) * 8 / 1000000 )) Mbit/s"; last=$now; done) &
  sampler=$!
  if [ "$dir" = up ]; then op_scp "$WORK/payload" "$TEST_USER@10.99.0.2:$target"
  else op_scp "$TEST_USER@10.99.0.2:$WORK/payload" "$target"; fi
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  echo "scp $dir of $amount MiB: $(( amount * 8 * 1048576 / ($(now_ms) - start) / 1000 )) Mbit/s"
fi
if [ -n "$probes" ]; then pkill -INT -P "$perf_pid" sleep || true; wait "$perf_pid" || true; fi
echo "IPv$OUTER_FAMILY path, $tool $dir, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "operator namespace (wireguard-go), nstat deltas:"; op nstat | grep -E "$counters" | sed 's/^/  /' || echo "  (none)"
echo "agent namespace (nefia-agent), nstat deltas:"; ag nstat | grep -E "$counters" | sed 's/^/  /' || echo "  (none)"
echo "agent veth before: $veth_before"
echo "agent veth after:  $(link_counts "$NS_AG" "nva$SUFFIX")"
if [ -n "$probes" ]; then
  echo "lwIP fast retransmits: $(awk '$2 ~ /:tcp_rexmit$/ {print $1; exit}' "$WORK/probes.txt")," \
    "retransmission timeouts: $(awk '$2 ~ /:tcp_rexmit_rto_commit$/ {print $1; exit}' "$WORK/probes.txt")"
fi
