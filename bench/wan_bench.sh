#!/usr/bin/env bash
# Throughput over distance: the operator (wireguard-go) reaches the agent through bench/wan_relay, which adds
# one-way delay and random loss. Each scenario is measured in the same run against the same operator with the
# agent side as (a) wireguard-go + kernel TCP (BBR), (c) the same with CUBIC, (b) nefia-agent, with ratios.
# Usage: sudo bench/wan_bench.sh /ABSOLUTE/BUILD_DIR [OPTIONS]   (BUILD_DIR holds supervisor/nefia-agent)
#   --rtt LIST        round-trip times in ms (default 0,20,50,100,150); "direct" = no relay, veth only
#   --loss LIST       random loss in % per direction (default 0.1,1), measured at --loss-rtt (default 50)
#                     (giving only --rtt or only --loss drops the other list's default)
#   --dir LIST        up (operator sends), down (agent sends); default up,down
#   --tool LIST       iperf3, iperf3x4 (4 parallel streams), scp, interactive; default all
#   --sides LIST      a, cubic, b; default a,cubic,b
#   --seconds N       per iperf3 run (default 8); scp runs at most 2N s (partial transfers are counted)
#   --scp-mib N       scp file size (default 256)   --jitter MS  relay jitter (default 0)
#   --sessions N      interactive sessions next to the bulk transfer (default 99)
#   --interactive-rtt LIST  RTTs for the interactive scenario (default 50, or --rtt's list when given)
#   --relay PATH      wan_relay binary (default BUILD_DIR's, else this checkout's build/, else compiled here)
# Example (~40 s): sudo bench/wan_bench.sh /work/wt/lwip/build --rtt 100 --dir down --tool iperf3 --sides a,b
set -euo pipefail
usage() { sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
build=${1:-}
[[ $build == /* ]] || { echo "wan_bench.sh: BUILD_DIR must be an absolute path, got '$build'" >&2; usage; }
shift
rtts=0,20,50,100,150 losses=0.1,1 loss_rtt=50 dirs=up,down tools=iperf3,iperf3x4,scp,interactive
sides=a,cubic,b seconds=8 scp_mib=256 jitter=0 sessions=99 interactive_rtts=50 relay="" rtt_set="" loss_set="" interactive_set=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case $1 in
    --rtt) rtts=$2; rtt_set=1 ;; --loss) losses=$2; loss_set=1 ;; --loss-rtt) loss_rtt=$2 ;;
    --dir) dirs=$2 ;; --tool) tools=$2 ;; --sides) sides=$2 ;; --seconds) seconds=$2 ;;
    --scp-mib) scp_mib=$2 ;; --jitter) jitter=$2 ;; --sessions) sessions=$2 ;;
    --interactive-rtt) interactive_rtts=$2 interactive_set=1 ;; --relay) relay=$2 ;;
    *) usage ;;
  esac
  shift 2
done
[ -n "$rtt_set" ] && [ -z "$loss_set" ] && losses=""
[ -n "$loss_set" ] && [ -z "$rtt_set" ] && rtts=""
[ -n "$rtt_set" ] && [ -z "$interactive_set" ] && interactive_rtts=$rtts
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
[ -x "$build/supervisor/nefia-agent" ] || { echo "wan_bench.sh: no $build/supervisor/nefia-agent" >&2; exit 2; }
set -- "$build/supervisor/nefia-agent"
source tests/integration/lib.sh
source tests/integration/topology.sh
source bench/wan_sides.sh

if [ -z "$relay" ]; then
  for candidate in "$build/bench/wan_relay/wan_relay" "$repo/build/bench/wan_relay/wan_relay"; do
    [ -x "$candidate" ] && { relay=$candidate; break; }
  done
fi
if [ -z "$relay" ]; then  # another worktree's build without bench/wan_relay: compile it (CLI11 is header-only)
  echo "compiling wan_relay into $WORK"
  c++ -O2 -std=c++20 "$repo/bench/wan_relay/wan_relay.cc" -o "$WORK/wan_relay" || fail "cannot compile wan_relay"
  relay=$WORK/wan_relay
fi
has() { [[ ,$1, == *,$2,* ]]; }
hz=$(getconf CLK_TCK)
cpu_ticks() { local total=0 p; for p in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$total"; }
udp_drops() { "$1" awk '/^Udp:/ { if (!n++) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") f = i } else print $f }' /proc/net/snmp; }

# record SCENARIO TOOL DIR SIDE VALUE UNIT EXTRA: one result line, also printed as it comes.
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$WORK/results"
  printf '  %-14s %-11s %-4s %-5s %9s %-7s %s\n' "$@"
}

iperf_rate() {  # iperf_rate PORT STREAMS up|down: Mbit/s received, or "fail"
  local flags=(-c 10.99.0.2 -p "$1" -t "$seconds" -P "$2" -J)
  [ "$3" = down ] && flags+=(-R)
  op timeout $((seconds + 30)) iperf3 "${flags[@]}" > "$WORK/iperf.json" 2>&1 || { echo "fail($(grep -o '"error":.*' "$WORK/iperf.json" | head -1 | tr -d ' '))"; return; }
  $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["end"]["sum_received"]; print("%.1f" % (r["bits_per_second"] / 1e6))' \
    "$WORK/iperf.json" 2>/dev/null || echo fail
}

scp_rate() {  # scp_rate up|down: Mbit/s of the payload; a transfer still running after 2x --seconds counts what arrived
  local target source start end bytes
  rm -f "$WORK/xfer/scp-up" "$WORK/scp-down"
  if [ "$1" = up ]; then source=$WORK/payload target=$WORK/xfer/scp-up; else source=$TEST_USER@10.99.0.2:$WORK/payload target=$WORK/scp-down; fi
  [ "$1" = up ] && target_arg=$TEST_USER@10.99.0.2:$target || target_arg=$target
  start=$(now_ms)
  op timeout $((seconds * 2)) scp -i "$WORK/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o ConnectTimeout=10 -o BatchMode=yes "$source" "$target_arg" >/dev/null 2>&1 || true
  end=$(now_ms)
  bytes=$(stat -c %s "$target" 2>/dev/null || echo 0)
  rm -f "$target"
  [ "$bytes" -gt 0 ] || { echo fail; return; }
  $PY -c 'import sys; print(f"{int(sys.argv[1]) * 8 / 1e6 / (int(sys.argv[2]) / 1000):.1f}")' "$bytes" "$((end - start))"
}

# measure SCENARIO TOOL DIR SIDE: one run, with the relay's CPU, UDP receive-buffer drops (operator/relay/agent
# namespaces), the load average, and for the kernel sides the congestion control ss saw mid-run.
measure() {
  local scenario=$1 tool=$2 dir=$3 side=$4 value r0 r1 t0 t1 d0 d1 sampler="" port=$SIDE_PORT
  d0="$(udp_drops op) $(udp_drops rl) $(udp_drops ag)"
  r0=$(cpu_ticks "$RELAY_PID"); t0=$(now_ms)
  if [ "$side" != b ]; then
    (sleep $((seconds / 2)); ag ss -tin > "$WORK/ss-mid.txt" 2>&1) & sampler=$!
  fi
  case $tool in
    iperf3) value=$(iperf_rate "$port" 1 "$dir") ;;
    iperf3x4) value=$(iperf_rate "$port" 4 "$dir") ;;
    scp) value=$(scp_rate "$dir") ;;
  esac
  r1=$(cpu_ticks "$RELAY_PID"); t1=$(now_ms)
  d1="$(udp_drops op) $(udp_drops rl) $(udp_drops ag)"
  local cc=""
  if [ -n "$sampler" ]; then
    wait "$sampler" || true
    cc=$(grep -owE 'bbr|cubic' "$WORK/ss-mid.txt" 2>/dev/null | sort -u | paste -sd/ || true)
  fi
  local extra
  extra=$($PY - "$d0" "$d1" "$((r1 - r0))" "$hz" "$((t1 - t0))" "$cc" <<'PY'
import sys
d0, d1 = [list(map(int, x.split())) for x in sys.argv[1:3]]
ticks, hz, ms, cc = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
drops = "/".join(str(b - a) for a, b in zip(d0, d1))
print(f"relay_cpu={100 * ticks / hz / (ms / 1000):.0f}% udp_drops(op/relay/agent)={drops} load={open('/proc/loadavg').read().split()[0]}"
      + (f" cc={cc}" if cc else ""))
PY
)
  record "$scenario" "$tool" "$dir" "$side" "$value" Mbit/s "$extra"
}

# run_scenario SIDE RTT LOSS TOOLS: (re)starts the relay for this RTT and loss, then runs TOOLS in each --dir.
run_scenario() {
  local side=$1 rtt=$2 loss=$3 scenario tool dir
  scenario="rtt=$rtt"; [ "$loss" != 0 ] && scenario+=" loss=$loss%"
  # Datagrams still in the relay's delay line would make the operator roam back to it: stop it before
  # the peers take the direct veth.
  stop_relay
  if [ "$rtt" = direct ]; then point_peers_at direct; else
    start_relay "$relay" --delay "$($PY -c "print($rtt / 2)")" --jitter "$jitter" --loss "$loss"
    point_peers_at relay
  fi
  wait_until 20 side_reachable || fail "($side) $scenario: the agent is not reachable"
  for tool in ${4//,/ }; do
    if [ "$tool" = interactive ]; then run_interactive "$scenario" "$side"; continue; fi
    for dir in ${dirs//,/ }; do measure "$scenario" "$tool" "$dir" "$side"; done
  done
}

# run_side SIDE: every scenario on one agent side; iperf3 tools first, then (b)'s SIGHUP switch to sshd.
run_side() {
  local side=$1 phase rtt loss phase_tools
  start_side "$side"
  for phase in iperf ssh; do
    [ "$phase" = ssh ] && switch_side_to_sshd "$side"
    for rtt in ${rtts//,/ }; do
      phase_tools=$(phase_tools "$phase" "$rtt")
      [ -n "$phase_tools" ] && run_scenario "$side" "$rtt" 0 "$phase_tools"
    done
    for loss in ${losses//,/ }; do
      phase_tools=$(phase_tools "$phase" none)
      [ -n "$phase_tools" ] && run_scenario "$side" "$loss_rtt" "$loss" "$phase_tools"
    done
  done
  stop_side "$side"
}

phase_tools() {  # phase_tools iperf|ssh RTT: the selected tools of that phase, comma-separated
  local out=() tool
  for tool in ${tools//,/ }; do
    case $phase:$tool in
      iperf:iperf3 | iperf:iperf3x4 | ssh:scp) out+=("$tool") ;;
      ssh:interactive) has "$interactive_rtts" "$2" && out+=(interactive) ;;
    esac
  done
  (IFS=,; echo "${out[*]}")
}

report_partial() {  # on failure, what was measured until then
  [ "$1" != 0 ] && [ -s "$WORK/results" ] && { echo "---- measured before the failure ----"; $PY bench/wan_report.py "$WORK/results" "$WORK/relay.log"; }
  return 0
}
CLEANUP_HOOKS=(report_partial "${CLEANUP_HOOKS[@]}")
echo "wan_bench: build $build, relay $relay; $(uptime)"
make_topology
make_relay_path
start_operator_wireguard
start_agent_sshd
start_agent_iperf3
head -c $((scp_mib * 1024 * 1024)) /dev/urandom > "$WORK/payload"
chmod 644 "$WORK/payload"
start_relay "$relay"
point_peers_at relay
for side in ${sides//,/ }; do
  echo "== side $side ($(side_name "$side")), load $(cut -d' ' -f1-3 /proc/loadavg)"
  run_side "$side"
done
stop_relay
echo "wan_bench: done; $(uptime)"
$PY bench/wan_report.py "$WORK/results" "$WORK/relay.log"
