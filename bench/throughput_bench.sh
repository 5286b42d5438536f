#!/usr/bin/env bash
# Throughput through the agent, in one run on the same namespaces: the operator is wireguard-go in both cases;
# the agent side is (a) wireguard-go + the kernel's TCP, then (b) nefia-agent (user-space WireGuard + lwIP).
# Prints iperf3 single-stream throughput both ways, scp both ways, agent CPU seconds per GiB (iperf3 part), peak RSS
# of the agent processes, the load average, and the ratios b/a. Usage: sudo [OUTER_FAMILY=6]
# bench/throughput_bench.sh [BUILD_DIR] [SECONDS] [SCP_MIB]; OUTER_FAMILY=6 runs WireGuard's UDP over IPv6 only.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-10}
scp_mib=${3:-256}
set -- "$PWD/$build/supervisor/nefia-agent"
source tests/integration/lib.sh
source tests/integration/topology.sh

hz=$(getconf CLK_TCK)
cpu_ticks() { local total=0; for p in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$total"; }
peak_rss_kib() { local total=0; for p in "$@"; do total=$((total + $(awk '/^VmHWM:/ {print $2}' "/proc/$p/status"))); done; echo "$total"; }

# measure LABEL TARGET_PORT PIDS...: iperf3 upload and download, then scp, with CPU of the given processes.
measure() {
  local label=$1 port=$2; shift 2
  local pids=("$@") c0 c1 up down bytes load
  c0=$(cpu_ticks "${pids[@]}")
  up=$(op iperf3 -c 10.99.0.2 -p "$port" -t "$seconds" -J | $PY -c 'import json,sys; r=json.load(sys.stdin)["end"]; print(r["sum_received"]["bits_per_second"], r["sum_received"]["bytes"])')
  down=$(op iperf3 -c 10.99.0.2 -p "$port" -t "$seconds" -R -J | $PY -c 'import json,sys; r=json.load(sys.stdin)["end"]; print(r["sum_received"]["bits_per_second"], r["sum_received"]["bytes"])')
  c1=$(cpu_ticks "${pids[@]}")
  bytes=$(( ${up#* } + ${down#* } ))
  before_scp
  local start middle end
  start=$(now_ms)
  op_scp "$WORK/payload" "$TEST_USER@10.99.0.2:$WORK/xfer/up" >/dev/null
  middle=$(now_ms)
  op_scp "$TEST_USER@10.99.0.2:$WORK/payload" "$WORK/scp-down" >/dev/null
  end=$(now_ms)
  rm -f "$WORK/xfer/up" "$WORK/scp-down"
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  $PY - "$label" "${up% *}" "${down% *}" "$(( c1 - c0 ))" "$hz" "$bytes" "$scp_mib" "$(( middle - start ))" \
      "$(( end - middle ))" "$(peak_rss_kib "${pids[@]}")" "$load" <<'PY' | tee -a "$WORK/results"
import sys
label, up, down, ticks, hz, nbytes, mib, up_ms, down_ms, rss, load = sys.argv[1:]
cpu_per_gib = int(ticks) / int(hz) / (int(nbytes) / 2**30)
def scp_mbit(ms): return int(mib) * 8 * 1.048576 / (int(ms) / 1000)
print(f"{label}: iperf3 up {float(up)/1e6:.0f} Mbit/s, down {float(down)/1e6:.0f} Mbit/s, "
      f"scp up {scp_mbit(up_ms):.0f} Mbit/s, scp down {scp_mbit(down_ms):.0f} Mbit/s, "
      f"agent CPU {cpu_per_gib:.2f} s/GiB, peak RSS {int(rss)/1024:.1f} MiB (load {load})")
PY
}

echo "WireGuard UDP path: IPv$OUTER_FAMILY (operator $OP_ENDPOINT, agent $AGENT_ENDPOINT); load $(cut -d' ' -f1-3 /proc/loadavg)"
make_topology
start_operator_wireguard
start_agent_sshd
head -c $((scp_mib * 1024 * 1024)) /dev/urandom > "$WORK/payload"
ag iperf3 -s -B 127.0.0.1 -p 5201 >/dev/null 2>&1 &
PIDS_TO_KILL+=("$!")
wait_until 10 ag bash -c 'exec 3<>/dev/tcp/127.0.0.1/5201' || fail "iperf3 server did not start"

# (a) wireguard-go + kernel TCP on the agent side; iperf3 and sshd reached on 10.99.0.2 through a DNAT to
# 127.0.0.1, the same local targets the agent forwards to.
agent_if=nwa-wg$SUFFIX
ip netns exec "$NS_AG" env WG_PROCESS_FOREGROUND=1 wireguard-go "$agent_if" >> "$WORK/wireguard-go-agent.log" 2>&1 &
agent_wg=$!
PIDS_TO_KILL+=("$agent_wg")
wait_until 10 ip -n "$NS_AG" link show "$agent_if" || fail "agent-side wireguard-go did not start"
ag wg set "$agent_if" private-key "$WORK/agent.key" listen-port "$AGENT_PORT" \
  peer "$OP_PUB" allowed-ips 10.99.0.1/32 endpoint "$OP_ENDPOINT"
ip -n "$NS_AG" addr add 10.99.0.2/24 dev "$agent_if"
ip -n "$NS_AG" link set "$agent_if" mtu 1420 up
ag sysctl -qw net.ipv4.conf.all.route_localnet=1
ag iptables -t nat -A PREROUTING -d 10.99.0.2 -p tcp --dport 5201 -j DNAT --to-destination 127.0.0.1:5201
ag iptables -t nat -A PREROUTING -d 10.99.0.2 -p tcp --dport 22 -j DNAT --to-destination 127.0.0.1:22
wait_until 20 op_ssh true || fail "(a) ssh through wireguard-go does not work"
before_scp() { :; }
measure "(a) wireguard-go+kernel" 5201 "$agent_wg"
kill "$agent_wg"; wait "$agent_wg" 2>/dev/null || true
ag iptables -t nat -F

# (b) nefia-agent. Its forwarder serves port 22 only: ssh_addr points at iperf3 for the iperf3 runs, then a
# SIGHUP switches it to sshd for scp (no restart needed, which this also shows).
AGENT_SSH_ADDR=127.0.0.1:5201 write_agent_config
start_agent_in_namespace
wait_until 10 all_workers_ready || fail "(b) agent not ready"
wait_until 20 op bash -c 'exec 3<>/dev/tcp/10.99.0.2/22' || fail "(b) the forward does not accept"
supervisor=$(pgrep -f "run --config $WORK/agent.yaml" | tail -1)
before_scp() {
  sed -i 's/^ssh_addr: .*/ssh_addr: 127.0.0.1:22/' "$WORK/agent.yaml"
  kill -HUP "$supervisor"
  wait_until 15 op_ssh true || fail "(b) ssh after switching ssh_addr with SIGHUP (15 s)"
}
measure "(b) nefia-agent" 22 "$supervisor" $(pgrep -P "$supervisor")
$PY - "$WORK/results" <<'PY'
import re, sys
rows = [l for l in open(sys.argv[1]) if l.strip()]
def nums(line): return [float(x) for x in re.findall(r"([0-9.]+) (?:Mbit/s|s/GiB|MiB)", line)]
a, b = nums(rows[0]), nums(rows[1])
names = ["iperf3 up", "iperf3 down", "scp up", "scp down", "CPU s/GiB", "peak RSS"]
print("ratios b/a: " + ", ".join(f"{n} {y / x:.2f}" for n, x, y in zip(names, a, b) if x))
PY
