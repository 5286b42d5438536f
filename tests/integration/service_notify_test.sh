#!/usr/bin/env bash
# sd_notify with the real binary, as systemd's Type=notify + WatchdogSec= sees it: READY=1 only after the
# health report says every worker is ready, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 on SIGTERM.
source "$(dirname "$0")/lib.sh"

"$PY" "$(dirname "$0")/notify_listener.py" "$WORK/notify.sock" "$WORK/notify.log" &
PIDS_TO_KILL+=($!)
wait_until 5 test -S "$WORK/notify.sock" || fail "the notify listener did not start"

free_udp_port() { "$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
LISTEN_PORT=$(free_udp_port) PEER_PORT=$(free_udp_port) write_config "$WORK/agent.yaml"
# WATCHDOG_PID must be the supervisor's own pid, as systemd sets it: exec keeps the shell's pid.
NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=1000000 \
  bash -c 'export WATCHDOG_PID=$$; exec "$0" run --config "$1" --log-file "$2"' \
  "$AGENT" "$WORK/agent.yaml" "$WORK/agent.log" 2>>"$WORK/stderr.log" &
AGENT_PID=$!
PIDS_TO_KILL+=("$AGENT_PID")

# The supervisor writes the report on each worker's change before it notifies: right after READY=1 it is all-ready.
wait_until 15 grep -q " READY=1" "$WORK/notify.log" || true
grep -q " READY=1" "$WORK/notify.log" || fail "no READY=1 within 15 s"
all_workers_ready || fail "READY=1 arrived while the health report does not say every worker is ready"
[ "$(grep -c " READY=1" "$WORK/notify.log")" = 1 ] || fail "more than one READY=1"
pass "READY=1 once, with every worker ready in the health report"

three_watchdog_pings() { [ "$(grep -c ' WATCHDOG=1' "$WORK/notify.log")" -ge 3 ]; }
wait_until 5 three_watchdog_pings || fail "WATCHDOG=1 not every 0.5 s: $(cat "$WORK/notify.log")"
grep -q "feeding the service manager's watchdog every 500 ms" "$WORK/agent.log" || fail "the watchdog interval is not logged as 500 ms"
pass "WATCHDOG=1 every 500 ms (half of WATCHDOG_USEC)"

kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "the agent exited $? after SIGTERM"
grep -q " STOPPING=1" "$WORK/notify.log" || fail "no STOPPING=1 on SIGTERM"
pass "STOPPING=1 on SIGTERM, exit 0"
