#!/usr/bin/env bash
# Why a transfer over a long path is slow: one iperf3 run through bench/wan_relay with per-second throughput,
# the operator's kernel TCP state (`ss -tin`: cwnd, the window the agent side advertises, rcv_space), the
# UDP receive-buffer drops per namespace and, for nefia-agent, lwIP's cwnd/ssthresh/peer window (perf probe
# on tcp_output) and how often it entered fast retransmit or timed out. Usage: sudo bench/wan_diagnostics.sh
# /ABSOLUTE/BUILD_DIR [--side a|b] [--rtt MS] [--loss PCT] [--dir up|down] [--seconds N]
set -euo pipefail
build=${1:-}
[[ $build == /* ]] || { echo "wan_diagnostics.sh: BUILD_DIR must be an absolute path" >&2; exit 2; }
shift
side=b rtt=100 loss=0 dir=down seconds=10
while [ $# -ge 2 ]; do
  case $1 in --side) side=$2 ;; --rtt) rtt=$2 ;; --loss) loss=$2 ;; --dir) dir=$2 ;; --seconds) seconds=$2 ;; *) exit 2 ;; esac
  shift 2
done
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
set -- "$build/supervisor/nefia-agent"
source tests/integration/lib.sh
source tests/integration/topology.sh
source bench/wan_sides.sh
source bench/lwip_probes.sh
relay=$build/bench/wan_relay/wan_relay
[ -x "$relay" ] || relay=$repo/build/bench/wan_relay/wan_relay
udp_drops() { "$1" awk '/^Udp:/ { if (!n++) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") f = i } else print $f }' /proc/net/snmp; }

make_topology
make_relay_path
start_operator_wireguard
start_agent_sshd
start_agent_iperf3
start_relay "$relay" --delay "$($PY -c "print($rtt / 2)")" --loss "$loss"
point_peers_at relay
start_side "$side"
# shellcheck disable=SC2119
[ "$side" = b ] || SIDE_PORT=5201

probes=""
if [ "$side" = b ]; then
  add_lwip_probes "nefia_wan$$" "out=tcp_output cwnd=pcb->cwnd ssthresh=pcb->ssthresh snd_wnd=pcb->snd_wnd rcv_wnd=pcb->rcv_wnd"
fi
drops0="$(udp_drops op) $(udp_drops rl) $(udp_drops ag)"
if [ -n "$probes" ]; then
  # shellcheck disable=SC2086
  perf record -q $probes -a -o "$WORK/perf.data" -- sleep $((seconds + 1)) 2>/dev/null &
  perf_pid=$!
  sleep 0.5
fi
(for _ in $(seq 1 "$seconds"); do
   sleep 1
   echo "sample $(date +%s.%N)"; op ss -tin dst 10.99.0.2 | tr -s ' \t' ' '
 done > "$WORK/ss.txt") &
sampler=$!
flags=(-c 10.99.0.2 -p "$SIDE_PORT" -t "$seconds" -J)
[ "$dir" = down ] && flags+=(-R)
op timeout $((seconds + 30)) iperf3 "${flags[@]}" > "$WORK/iperf.json"
wait "$sampler" || true
[ -n "$probes" ] && { wait "$perf_pid" || true; perf script -i "$WORK/perf.data" -F time,event,trace > "$WORK/probes.txt" 2>/dev/null; }
drops1="$(udp_drops op) $(udp_drops rl) $(udp_drops ag)"
echo "side $side ($(side_name "$side")), rtt $rtt ms, loss $loss%, $dir, load $(cut -d' ' -f1-3 /proc/loadavg)"
$PY bench/wan_diagnostics_report.py "$WORK/iperf.json" "$WORK/ss.txt" "$WORK/probes.txt" "$drops0" "$drops1"
