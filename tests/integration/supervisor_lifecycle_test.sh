#!/usr/bin/env bash
# Supervisor lifecycle with the real binary: workers start sandboxed, SIGHUP reaches only the supervisor,
# kill -9 of each worker restarts only that worker within 1 s, a broken reload keeps the agent running
# and shows `Config Error:`, SIGTERM exits 0 with a final health report.
source "$(dirname "$0")/lib.sh"

write_config "$WORK/agent.yaml" "testing:
  report_interval: 1s
  restart_healthy_period: 2s"
start_agent
wait_until 10 all_workers_ready || fail "workers did not all become ready within 10 s"
pass "four workers ready"

# Process names and sandbox, as an admin would check them.
# Other agents may run on a developer's machine: look only at our supervisor and its children.
pgrep -x nefia-agent | grep -qx "$AGENT_PID" || fail "pgrep nefia-agent does not match the supervisor ($AGENT_PID)"
[ -z "$(pgrep -x -P "$AGENT_PID" nefia-agent)" ] || fail "a worker matches pgrep nefia-agent: $(pgrep -x -P "$AGENT_PID" nefia-agent | tr '\n' ' ')"
for name in nefia-tunnel nefia-forward nefia-beacons nefia-updater; do
  pid=$(pgrep -x -P "$AGENT_PID" "$name") || fail "no process named $name"
  grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" || fail "$name lacks NoNewPrivs"
  grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status" || fail "$name has no seccomp filter"
  uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
  [ "$uid" != 0 ] || fail "$name runs as root"
done
pass "workers named, NoNewPrivs 1, Seccomp 2, non-root"

declare -A before
for w in tunnel forwarder beacons updater; do before[$w]=$(health "r['workers']['$w']['pid']"); done

kill -HUP $(pgrep -x -P $$ nefia-agent)  # the reference's `kill -HUP $(pgrep nefia-agent)`, limited to ours
wait_until 5 grep -q "config reloaded: nothing" "$WORK/agent.log" || fail "SIGHUP did not reach the supervisor"
for w in tunnel forwarder beacons updater; do
  [ "$(health "r['workers']['$w']['pid']")" = "${before[$w]}" ] || fail "SIGHUP restarted worker $w"
done
pass "SIGHUP reloads in the supervisor only"

# kill -9 each worker after a healthy period: a new incarnation within 1 s, the others keep their PIDs.
latencies=()
for w in tunnel forwarder beacons updater; do
  sleep 2.2  # longer than restart_healthy_period: this crash restarts at once
  victim=$(health "r['workers']['$w']['pid']")
  start=$(now_ms)
  kill -KILL "$victim"
  new_incarnation_ready() {
    [ "$(health "r['workers']['$w']['state']")" = ready ] && [ "$(health "r['workers']['$w']['pid']")" != "$victim" ]
  }
  wait_until 5 new_incarnation_ready || fail "worker $w was not restarted within 5 s"
  latency=$(( $(now_ms) - start ))
  latencies+=("$latency")
  [ "$latency" -lt 1000 ] || fail "worker $w took $latency ms to come back (limit 1000 ms)"
  [ "$(health "r['workers']['$w']['restarts']")" = 1 ] || fail "restart count of $w is not 1"
  [ "$(health "r['workers']['$w']['last_exit']")" = "signal 9" ] || fail "last_exit of $w is not 'signal 9'"
  for other in tunnel forwarder beacons updater; do
    [ "$other" = "$w" ] && continue
    current=$(health "r['workers']['$other']['pid']")
    [ "$current" = "${before[$other]}" ] || fail "killing $w restarted $other"
  done
  before[$w]=$(health "r['workers']['$w']['pid']")
  echo "restart latency $w: $latency ms"
done
pass "kill -9 restarts only the killed worker, within 1 s (${latencies[*]} ms)"

# A broken config on SIGHUP: the agent keeps running and status shows the error; fixing it clears the error.
cp "$WORK/agent.yaml" "$WORK/agent.good"
printf 'listen_port: 99999\n' >> "$WORK/agent.yaml"
kill -HUP "$AGENT_PID"
shows_config_error() {
  local out; out=$("$AGENT" status --config "$WORK/agent.yaml" || true)
  grep -q '^Config Error: ' <<<"$out" && grep -q 'listen_port: appears twice' <<<"$out"
}
wait_until 5 shows_config_error || fail "status did not show the Config Error line naming listen_port"
kill -0 "$AGENT_PID" || fail "the agent died on a broken reload"
cp "$WORK/agent.good" "$WORK/agent.yaml"
kill -HUP "$AGENT_PID"
wait_until 5 bash -c "! '$AGENT' status --config '$WORK/agent.yaml' | grep -q '^Config Error:'" \
  || fail "a good reload did not clear the Config Error line"
pass "broken reload keeps running and reports Config Error; a good reload clears it"

# SIGTERM: exit 0 within the drain bound, a final report, no worker left.
worker_pids=$(pgrep -P "$AGENT_PID")
kill -TERM "$AGENT_PID"
start=$(now_ms)
wait_until 40 bash -c "! kill -0 $AGENT_PID" || fail "the agent did not exit within 40 s of SIGTERM"
set +e; wait "$AGENT_PID"; code=$?; set -e
[ "$code" = 0 ] || fail "exit code after SIGTERM was $code"
for pid in $worker_pids; do kill -0 "$pid" 2>/dev/null && fail "worker $pid still running after shutdown"; done
[ "$(health "r['workers']['tunnel']['state']")" = stopped ] || fail "final health report does not show stopped workers"
pass "SIGTERM: exit 0 after $(( $(now_ms) - start )) ms, final health report written"
