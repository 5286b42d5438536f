#!/usr/bin/env bash
# Where a download through nefia-agent loses time: one iperf3 download (agent -> operator) with per-interval
# throughput, the operator's UDP receive-buffer drops, and (when `perf` is installed) how often lwIP entered
# fast retransmit and how often its retransmission timer fired. Usage: sudo bench/download_diagnostics.sh
# [BUILD_DIR] [SECONDS]. Uses the integration tests' namespaces (192.0.2.0/24, 10.99.0.0/24) and cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-6}
set -- "$PWD/$build/supervisor/nefia-agent"
source tests/integration/lib.sh
source tests/integration/topology.sh
source bench/lwip_probes.sh

make_topology
start_operator_wireguard
start_agent_sshd
ag iperf3 -s -B 127.0.0.1 -p 5201 >/dev/null 2>&1 &
PIDS_TO_KILL+=("$!")
AGENT_SSH_ADDR=127.0.0.1:5201 write_agent_config
start_agent_in_namespace
wait_until 10 all_workers_ready || fail "agent not ready"
wait_until 20 op bash -c 'exec 3<>/dev/tcp/10.99.0.2/22' || fail "the forward does not accept"

add_lwip_probes "nefia_diag$$"
op nstat -n
if [ -n "$probes" ]; then
  # shellcheck disable=SC2086
  perf stat $probes -a -o "$WORK/probes.txt" -- sleep "$seconds" &
  perf_pid=$!
fi
op iperf3 -c 10.99.0.2 -p 22 -t "$seconds" -R -i 1 | grep -E "sec"
[ -n "$probes" ] && wait "$perf_pid"
echo "operator UDP receive-buffer drops: $(op nstat -a | awk '/UdpRcvbufErrors/ {print $2}') (nstat UdpRcvbufErrors)"
if [ -n "$probes" ]; then
  echo "lwIP fast retransmits (recoveries begun): $(awk '$2 ~ /:tcp_rexmit$/ {print $1; exit}' "$WORK/probes.txt")"
  echo "lwIP retransmission timeouts: $(awk '$2 ~ /:tcp_rexmit_rto_commit$/ {print $1; exit}' "$WORK/probes.txt")"
else
  echo "(install perf to count lwIP's fast retransmits and timeouts)"
fi
