#!/usr/bin/env bash
# Hostile or broken workers (NEFIA_TEST_HOOKS faults): a worker crashing at start is throttled, not hot-looped;
# a worker sending garbage is killed with one log line; a worker that stops answering is restarted.
source "$(dirname "$0")/lib.sh"

run_with_fault() {  # run_with_fault WORKER MODE SECONDS
  rm -f "$WORK/agent.log" "$WORK/agent-health.json"
  write_config "$WORK/agent.yaml" "testing:
  report_interval: 500ms
  fault: {worker: $1, mode: $2}"
  start_agent
  sleep "$3"
  kill -0 "$AGENT_PID" || fail "the supervisor died with a $2 $1 worker"
  kill -TERM "$AGENT_PID"
  wait_until 40 bash -c "! kill -0 $AGENT_PID" || fail "no exit after SIGTERM"
  set +e; wait "$AGENT_PID"; code=$?; set -e
  [ "$code" = 0 ] || fail "exit code $code after SIGTERM with a $2 $1 worker"
}

run_with_fault beacons crash_at_start 6
restarts=$(grep -c "worker beacons exited (exit 1); restarting in" "$WORK/agent.log" || true)
[ "$restarts" -ge 3 ] && [ "$restarts" -le 7 ] || fail "beacons crashing at start restarted $restarts times in 6 s (want 3-7: throttled)"
grep -q "restarting in 1000 ms" "$WORK/agent.log" || fail "no 1000 ms throttle in the log"
pass "crash at start is throttled ($restarts restarts in 6 s, back-off in the log)"

run_with_fault updater garbage 3
grep -q "worker updater sent .*; restarting it" "$WORK/agent.log" || fail "no log line naming the garbage"
grep -q "started worker updater (pid [0-9]*, generation 2)" "$WORK/agent.log" || fail "the updater was not restarted"
pass "garbage from a worker: logged once per incarnation, worker restarted, supervisor alive"

run_with_fault forwarder hang 4
grep -q "worker forwarder stopped answering status requests; restarting it" "$WORK/agent.log" || fail "a hung forwarder was not detected"
pass "a worker that stops answering is restarted"
