#!/usr/bin/env bash
# A stand-in for systemctl in service_install_test.sh: records every call in $FAKE_SYSTEMCTL_LOG and acts on
# the unit the way systemd would for these tests: enable --now starts ExecStart in the background, try-restart
# restarts it, disable --now stops it. FAKE_SYSTEMCTL_MODE: start (default), nostart, fail.
set -euo pipefail
echo "$*" >> "$FAKE_SYSTEMCTL_LOG"
[ "${1:-}" = --user ] && shift
pidfile=$FAKE_SYSTEMCTL_STATE/agent.pid

stop_agent() {
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile"); rm -f "$pidfile"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

start_agent() {
  [ "${FAKE_SYSTEMCTL_MODE:-start}" = start ] || return 0
  local exec_line; exec_line=$(sed -n 's/^ExecStart=//p' "$FAKE_SYSTEMCTL_UNIT")
  # The test's paths hold no spaces, so word splitting reads the line as systemd would.
  setsid $exec_line </dev/null >>"$FAKE_SYSTEMCTL_STATE/agent.stderr" 2>&1 &
  echo $! > "$pidfile"
}

case "${1:-} ${2:-}" in
  "daemon-reload ") ;;
  "enable --now")
    if [ "${FAKE_SYSTEMCTL_MODE:-start}" = fail ]; then
      echo "Job for nefia-agent.service failed because the control process exited with error code." >&2
      exit 1
    fi
    [ -f "$pidfile" ] || start_agent ;;
  "try-restart nefia-agent.service") if [ -f "$pidfile" ]; then stop_agent; start_agent; fi ;;
  "disable --now") stop_agent ;;
  *) echo "fake systemctl: unexpected arguments: $*" >&2; exit 1 ;;
esac
