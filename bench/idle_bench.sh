#!/usr/bin/env bash
# Idle cost and restart latency of nefia-agent: sum of PSS over all agent processes, wake-ups per second
# (context switches of every thread over a window), CPU seconds, and worker restart latency after kill -9.
# Usage: sudo bench/idle_bench.sh [BUILD_DIR] [WINDOW_SECONDS]   (defaults: build, 60)
# IDLE_BEACONS=example adds the reference's example beacons section (disk_usage of / and /home every 5m,
# service_check of nginx and postgresql every 30s, one script every 10m) to measure what beacons add.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
window=${2:-60}
agent=$PWD/$build/supervisor/nefia-agent
[ -x "$agent" ] || { echo "build first: cmake --build $build" >&2; exit 1; }
work=$(mktemp -d /tmp/nefia-bench.XXXXXX)
trap 'kill -KILL $agent_pid 2>/dev/null; sleep 0.2; rm -rf "$work"' EXIT

private=$(wg genkey); peer=$(wg genkey | wg pubkey)
cat > "$work/agent.yaml" <<YAML
private_key: "$private"
listen_port: 51911
address: 10.99.0.2/24
peers:
  - public_key: "$peer"
    endpoint: 127.0.0.1:51912
    vpn_addr: 10.99.0.1
testing:
  restart_healthy_period: 2s
YAML
if [ "${IDLE_BEACONS:-}" = example ]; then
  cat >> "$work/agent.yaml" <<'YAML'
beacons:
  disk_usage:
    enabled: true
    interval: "5m"
    warning_percent: 80
    critical_percent: 90
    paths: ["/", "/home"]
  service_check:
    enabled: true
    interval: "30s"
    services: [nginx, postgresql]
  scripts:
    - name: "custom-check"
      command: "/opt/scripts/check.sh"
      interval: "10m"
YAML
fi
chmod 600 "$work/agent.yaml"
"$agent" run --config "$work/agent.yaml" --log-file "$work/agent.log" 2>/dev/null &
agent_pid=$!
sleep 3

agent_pids() { echo "$agent_pid"; pgrep -P "$agent_pid"; }
pss_kib() { local total=0; for p in $(agent_pids); do
  total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"))); done; echo "$total"; }
switches() { local total=0; for p in $(agent_pids); do for t in /proc/$p/task/*/status; do
  total=$((total + $(awk '/ctxt_switches/ {s += $2} END {print s}' "$t"))); done; done; echo "$total"; }
cpu_ticks() { local total=0; for p in $(agent_pids); do
  total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$total"; }

echo "== idle (no peer reachable, no connections), window ${window} s"
sleep "${IDLE_SETTLE_SECONDS:-100}"  # past start-up and the watchdog's first rebuilds (5 s, 10 s, then a 30 min cooldown)
s0=$(switches); c0=$(cpu_ticks)
sleep "$window"
s1=$(switches); c1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
printf 'processes: %s\n' "$(agent_pids | wc -l)"
# Pss_Anon is memory of our own; Pss_File is each process's share of mapped files (the binary, libcrypto,
# libstdc++), which falls when other processes on the host map the same pages and rises when they exit.
field_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/smaps_rollup"; }
anon_total=0; file_total=0
for p in $(agent_pids); do
  printf '  %-14s pss %6s KiB (anon %5s, file %5s)\n' "$(cat /proc/$p/comm)" "$(field_kib "$p" Pss)" \
    "$(field_kib "$p" Pss_Anon)" "$(field_kib "$p" Pss_File)"
  anon_total=$((anon_total + $(field_kib "$p" Pss_Anon))); file_total=$((file_total + $(field_kib "$p" Pss_File)))
done
printf 'total PSS: %s KiB (goal < 16384 KiB): anon %s KiB, shared files %s KiB\n' "$(pss_kib)" "$anon_total" "$file_total"
awk -v s=$((s1 - s0)) -v w="$window" 'BEGIN { printf "wake-ups: %.2f per second over all threads (goal < 2)\n", s / w }'
awk -v c=$((c1 - c0)) -v hz="$hz" -v w="$window" 'BEGIN { printf "CPU: %.3f s in %d s (%.3f%%)\n", c / hz, w, 100 * c / hz / w }'

echo "== worker restart latency (kill -9 after the healthy period; new incarnation ready)"
health() { /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["workers"][sys.argv[2]][sys.argv[3]])' "$work/agent-health.json" "$1" "$2"; }
latencies=()
for round in 1 2 3; do
  for w in tunnel forwarder beacons updater; do
    sleep 2.2
    victim=$(health "$w" pid); start=$(date +%s%N)
    kill -KILL "$victim"
    until [ "$(health "$w" state 2>/dev/null)" = ready ] && [ "$(health "$w" pid 2>/dev/null)" != "$victim" ]; do sleep 0.005; done
    latencies+=($(( ($(date +%s%N) - start) / 1000000 )))
  done
done
sorted=$(printf '%s\n' "${latencies[@]}" | sort -n)
printf 'restart latency over %d kills: min %s ms, median %s ms, max %s ms\n' "${#latencies[@]}" \
  "$(echo "$sorted" | head -1)" "$(echo "$sorted" | sed -n "$(( (${#latencies[@]} + 1) / 2 ))p")" "$(echo "$sorted" | tail -1)"
