#!/usr/bin/env bash
# Watchdog, tunnel rebuild and network monitor against real wireguard-go in namespaces, with the timers of
# the `testing:` section shortened: UDP blocked (stale, back-off, cooldown, recovery once unblocked), the
# agent's address changed (rebuilt at once, new ssh within the 2 s goal), a tunnel that stops answering.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"


FAST_TIMERS="testing:
  report_interval: 1s
  watchdog_healthy_interval: 2s
  watchdog_unhealthy_interval: 500ms
  rebuild_initial_backoff: 300ms
  rebuild_max_backoff: 2s
  rebuild_cooldown: 4s
  rebuild_handshake_deadline: 1500ms
  restart_healthy_period: 1s"

log_has() { grep -q -- "$1" "$WORK/agent.log"; }
handshake_done() { [ "$(op wg show "$WG_IF" latest-handshakes | awk '{print $2}')" -gt 0 ]; }
status_is() { [ "$(health "r['status']")" = "$1" ]; }
# ssh_works_by DEADLINE_MS: retries `ssh true` (1 s connect timeout, 2 s per attempt) until one succeeds.
ssh_works_by() {
  local pid started
  while [ "$(now_ms)" -lt "$1" ]; do
    op ssh -i "$WORK/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
      -o ConnectTimeout=1 -o BatchMode=yes "$TEST_USER@10.99.0.2" true < /dev/null 2>> "$WORK/ssh-tries.log" &
    pid=$!
    started=$(now_ms)
    while kill -0 "$pid" 2>/dev/null && [ $(( $(now_ms) - started )) -lt 2000 ]; do sleep 0.02; done
    kill "$pid" 2>/dev/null || true
    if wait "$pid" 2>/dev/null; then return 0; fi
  done
  return 1
}
stop_agent() {
  kill -TERM "$AGENT_PID"
  wait_until 40 bash -c "! kill -0 $AGENT_PID" || fail "agent did not exit after SIGTERM"
}

make_topology
start_operator_wireguard
start_agent_sshd

# 1. UDP blocked from the start: no endpoint peer ever completes a handshake, so every check is stale.
ag iptables -A INPUT -p udp -j DROP
ag iptables -A OUTPUT -p udp -j DROP
write_agent_config "$FAST_TIMERS"
start_agent_in_namespace
wait_until 10 all_workers_ready || fail "agent workers not ready"
wait_until 20 log_has "cooldown: 2 consecutive rebuilds failed" || fail "no cooldown after 2 failed rebuilds within 20 s"
log_has "every endpoint peer was stale for 2 consecutive checks" || fail "log does not say why the first rebuild happened"
log_has "rebuild 1 in 300ms" || fail "first rebuild did not wait rebuild_initial_backoff"
log_has "rebuild 2 in 600ms" || fail "second rebuild did not wait twice rebuild_initial_backoff"
log_has "rebuild 3 in 4s" || fail "third rebuild did not wait rebuild_cooldown"
wait_until 3 bash -c "[ \"\$($PY -c 'import json;print(json.load(open(\"$WORK/agent-health.json\"))[\"rebuild_count\"])')\" -ge 2 ]" \
  || fail "health report rebuild_count is not 2 during the cooldown"
[ "$(health "r['status']")" = unhealthy ] || fail "status is $(health "r['status']") during the cooldown, want unhealthy"
[ "$(health "r['peers'][0]['stale']")" = True ] || fail "peer not flagged stale in the health report"
[ -n "$(health "r['last_rebuild']")" ] || fail "last_rebuild is empty"
"$AGENT" status --config "$WORK/agent.yaml" | grep -q "STALE" || fail "nefia-agent status does not show STALE"
pass "UDP blocked: stale peer, rebuilds after 300ms and 600ms, then a 4s cooldown ($(health "r['rebuild_count']") rebuilds)"

ag iptables -F INPUT
ag iptables -F OUTPUT
unblocked=$(now_ms)
wait_until 30 log_has "tunnel healthy again" || fail "tunnel did not recover within 30 s after UDP was unblocked"
wait_until 5 status_is ok || fail "status is $(health "r['status']") after recovery, want ok"
[ "$(health "r['peers'][0]['stale']")" = False ] || fail "peer still stale after recovery"
ssh_works_by $(( $(now_ms) + 10000 )) || fail "ssh through the tunnel failed after recovery"
pass "UDP unblocked: recovered by itself in $(( $(now_ms) - unblocked )) ms, status ok, ssh works"
stop_agent

# 2. The agent's address changes (old removed, new added): the monitor triggers a rebuild at once, the new
# incarnation handshakes from the new address and wireguard-go roams to it.
: > "$WORK/agent.log"
start_agent_in_namespace
wait_until 10 all_workers_ready || fail "agent workers not ready"
wait_until 15 handshake_done || fail "no handshake with wireguard-go within 15 s"
ssh_works_by $(( $(now_ms) + 10000 )) || fail "ssh before the address change failed"
# An SSH session open across the changes: it prints a counter every 200 ms for 16 s.
op ssh -i "$WORK/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -o BatchMode=yes "$TEST_USER@10.99.0.2" 'i=0; while [ $i -lt 80 ]; do echo $i; i=$((i+1)); sleep 0.2; done' \
  < /dev/null > "$WORK/session.out" 2> "$WORK/session.err" &
SESSION_PID=$!
PIDS_TO_KILL+=("$SESSION_PID")
wait_until 10 bash -c "[ \$(wc -l < '$WORK/session.out') -ge 3 ]" || fail "the long SSH session did not start"
# Three changes (.2 -> .3 -> .4 -> .5); the best one must meet the goal: on a loaded machine a single ssh
# start-up can take longer, but a watchdog that waited for its next check or for a keepalive never would.
best=
from=2
for to in 3 4 5; do
  sleep 1.2  # past restart_healthy_period, so the rebuild restarts the tunnel without back-off
  rebuilds_before=$(health "r['rebuild_count']")
  changed=$(now_ms)
  ip -n "$NS_AG" addr del "192.0.2.$from/24" dev "nva$SUFFIX"
  ip -n "$NS_AG" addr add "192.0.2.$to/24" dev "nva$SUFFIX"
  ssh_works_by $(( changed + 15000 )) || fail "no ssh through the tunnel within 15 s of the change to 192.0.2.$to"
  elapsed=$(( $(now_ms) - changed ))
  echo "measured: address 192.0.2.$from -> 192.0.2.$to, then a new ssh command through the tunnel: ${elapsed} ms"
  # The path can recover before the network monitor logs the change (wireguard-go roams on our next packet): wait for the line.
  wait_until 5 log_has "address removed: 192.0.2.$from on nva$SUFFIX" || fail "removed address 192.0.2.$from not logged within 5 s"
  log_has "address added: 192.0.2.$to on nva$SUFFIX" || fail "added address 192.0.2.$to not logged"
  op wg show "$WG_IF" endpoints | grep -q "192.0.2.$to:$AGENT_PORT" || fail "wireguard-go did not roam to 192.0.2.$to"
  wait_until 3 bash -c "[ \"\$($PY -c 'import json;print(json.load(open(\"$WORK/agent-health.json\"))[\"rebuild_count\"])')\" -gt $rebuilds_before ]" \
    || fail "rebuild_count did not grow after the change to 192.0.2.$to"
  if [ -z "$best" ] || [ "$elapsed" -lt "$best" ]; then best=$elapsed; fi
  from=$to
done
[ "$(grep -c "network change: rebuilding the tunnel now" "$WORK/agent.log")" -eq 3 ] \
  || fail "expected one network-change rebuild per address change"
[ "$best" -le 2000 ] || fail "best new ssh after an address change took ${best} ms, goal is 2000 ms"
pass "address changes: rebuilt at once, wireguard-go roamed, best new ssh after ${best} ms (goal 2000 ms)"
wait_until 20 bash -c "! kill -0 $SESSION_PID" || fail "the SSH session did not end after its 80 lines"
[ "$(cat "$WORK/session.out")" = "$(seq 0 79)" ] || fail "the SSH session's output is not 0..79 in order"
pass "the SSH session open across the address changes resumed each time and ended with all 80 lines in order"
stop_agent

# 3. The tunnel worker stops answering status requests (test hook): every peer counts as stale; rebuilt.
: > "$WORK/agent.log"
write_agent_config "${FAST_TIMERS/report_interval: 1s/report_interval: 5s}
  fault: {worker: tunnel, mode: hang}"
start_agent_in_namespace
wait_until 10 all_workers_ready || fail "agent workers not ready"
wait_until 10 log_has "did not answer a status request" || fail "unanswered status requests not noticed"
wait_until 10 log_has "tunnel rebuild by the watchdog" || fail "a tunnel that does not answer was not rebuilt"
pass "tunnel not answering status requests: counted as stale and rebuilt by the watchdog"
stop_agent
