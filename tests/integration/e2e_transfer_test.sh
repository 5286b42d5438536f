#!/usr/bin/env bash
# End to end, heavy: scp of 256 MiB up and down with equal SHA-256, the same transfer surviving kill -9 of the
# tunnel worker, 100 concurrent SSH sessions with the 101st connection refused, and SIGTERM with open sessions.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"

bring_up_agent
wait_until 20 op_ssh true || fail "ssh through the tunnel does not work"

head -c $((256 * 1024 * 1024)) /dev/urandom > "$WORK/payload"
want=$(sha256sum < "$WORK/payload" | cut -d' ' -f1)

start=$(now_ms)
op_scp "$WORK/payload" "$TEST_USER@10.99.0.2:$WORK/xfer/uploaded" || fail "scp upload failed"
up_ms=$(( $(now_ms) - start ))
[ "$(sha256sum < "$WORK/xfer/uploaded" | cut -d' ' -f1)" = "$want" ] || fail "uploaded file differs"
start=$(now_ms)
op_scp "$TEST_USER@10.99.0.2:$WORK/xfer/uploaded" "$WORK/downloaded" || fail "scp download failed"
down_ms=$(( $(now_ms) - start ))
[ "$(sha256sum < "$WORK/downloaded" | cut -d' ' -f1)" = "$want" ] || fail "downloaded file differs"
pass "scp 256 MiB up ($up_ms ms) and down ($down_ms ms), SHA-256 equal"
rm -f "$WORK/xfer/uploaded" "$WORK/downloaded"

# kill -9 the tunnel worker in the middle of a transfer: TCP state lives in the forwarder, so it completes.
start=$(now_ms)
op_scp "$WORK/payload" "$TEST_USER@10.99.0.2:$WORK/xfer/uploaded" &
scp_pid=$!
PIDS_TO_KILL+=("$scp_pid")
partly_there() { [ -f "$WORK/xfer/uploaded" ] && [ "$(stat -c %s "$WORK/xfer/uploaded")" -gt $((32 * 1024 * 1024)) ]; }
wait_until 60 partly_there || fail "the transfer did not get going"
tunnel_pid=$(health "r['workers']['tunnel']['pid']")
kill -KILL "$tunnel_pid"
echo "killed tunnel worker $tunnel_pid at $(stat -c %s "$WORK/xfer/uploaded") bytes"
wait "$scp_pid" || fail "scp failed after the tunnel worker was killed"
[ "$(sha256sum < "$WORK/xfer/uploaded" | cut -d' ' -f1)" = "$want" ] || fail "file differs after the tunnel restart"
[ "$(health "r['workers']['tunnel']['restarts']")" -ge 1 ] || fail "tunnel restart not counted"
pass "kill -9 of the tunnel worker mid-transfer: transfer completed in $(( $(now_ms) - start )) ms, SHA-256 equal"
rm -f "$WORK/xfer/uploaded" "$WORK/payload"

# 100 SSH sessions at once; the 101st TCP connection is refused with a reset; all recover after.
for i in $(seq 1 100); do
  op_ssh "sleep 25" > /dev/null 2>&1 &
  PIDS_TO_KILL+=("$!")
done
hundred_active() { [ "$(health "r['forwarder']['active_connections']")" -ge 100 ]; }
wait_until 60 hundred_active || fail "100 sessions did not become active (active: $(health "r['forwarder']['active_connections']"))"
refused_before=$(health "r['forwarder']['refused_connections']")
if op timeout 5 bash -c 'exec 3<>/dev/tcp/10.99.0.2/22 && head -c 4 <&3 | grep -q SSH' 2>/dev/null; then
  fail "the 101st connection was accepted"
fi
wait_until 5 bash -c "[ \$($PY -c 'import json;print(json.load(open(\"$WORK/agent-health.json\"))[\"forwarder\"][\"refused_connections\"])') -gt $refused_before ]" \
  || fail "the refused connection is not counted in the health report"
grep -q "refused connection from .*the limit" "$WORK/agent.log" || fail "no log line for the refused connection"
pass "100 concurrent sessions active, the 101st refused and counted"
wait_until 40 bash -c "[ \$($PY -c 'import json;print(json.load(open(\"$WORK/agent-health.json\"))[\"forwarder\"][\"active_connections\"])') -eq 0 ]" \
  || fail "sessions did not end"
out=$(op_ssh echo recovered) || fail "ssh after the burst failed"
pass "after the burst a new session works ($out)"

# SIGTERM with open sessions: they get time to finish (up to 30 s), then the agent exits 0.
op_ssh "sleep 3; echo finished" > "$WORK/late.txt" 2>&1 &
late_pid=$!
wait_until 10 bash -c "[ \$($PY -c 'import json;print(json.load(open(\"$WORK/agent-health.json\"))[\"forwarder\"][\"active_connections\"])') -ge 1 ]" \
  || fail "the late session did not start"
kill -TERM "$AGENT_PID"
start=$(now_ms)
wait "$late_pid" || fail "an open session was cut by SIGTERM"
grep -q finished "$WORK/late.txt" || fail "the open session did not finish its command"
wait_until 40 bash -c "! kill -0 $AGENT_PID" || fail "agent did not exit after SIGTERM"
set +e; wait "$AGENT_PID"; code=$?; set -e
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
pass "SIGTERM let the open session finish, then exited 0 after $(( $(now_ms) - start )) ms"
