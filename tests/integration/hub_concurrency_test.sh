#!/usr/bin/env bash
# `nefia vpn hub` under hostile load, in network namespaces with the real agent: a busy refusal (per-address bound)
# with its message and kept enrollment key; 200 idle connections and a byte-dripping client held open while a real
# `nefia-agent enroll` succeeds (timed); ten concurrent enrollments with one token (exactly one succeeds, the rest
# get the reference's reuse error and lose their key file); the dripper cut off at the 10 s deadline; the refusal
# and deadline logs rate-limited. Usage: hub_concurrency_test.sh PATH_TO_NEFIA_AGENT PATH_TO_NEFIA
NEFIA=${2:?usage: $0 PATH_TO_NEFIA_AGENT PATH_TO_NEFIA}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/topology.sh"

HUB_DIR=$WORK/hub
IDLE=200
hub() { op "$NEFIA" --state-dir "$HUB_DIR" "$@"; }
established_on_hub() { op ss -Htn state established '( sport = :19820 )' | wc -l; }

# Background clients run as `ip netns exec ... python` so that $! is the client itself (kill reaches it).
# enroll_run NAME TOKEN: one enrollment from the agent namespace into $WORK/NAME; exit status in $WORK/NAME.rc.
enroll_run() {
  local status=0
  ag timeout 60 "$AGENT" enroll --token "$2" --yes --out-dir "$WORK/$1" > "$WORK/$1.out" 2> "$WORK/$1.err" || status=$?
  echo "$status" > "$WORK/$1.rc"
}

make_topology
start_operator_wireguard_without_peers
hub vpn init --interface "$WG_IF" --address 10.99.0.1/24 --enroll-addr 192.0.2.1 > /dev/null
ip netns exec "$NS_OP" "$NEFIA" --state-dir "$HUB_DIR" vpn hub --listen 192.0.2.1:19820 --rate-burst 20 \
  >> "$WORK/hub.log" 2>&1 &
HUB_PID=$!
PIDS_TO_KILL+=("$HUB_PID")
wait_until 10 op bash -c 'exec 3<>/dev/tcp/192.0.2.1/19820' || { cat "$WORK/hub.log"; fail "hub did not listen"; }
grep -q "at most 512 connections, 16 per address, 10000 ms each" "$WORK/hub.log" ||
  { cat "$WORK/hub.log"; fail "the hub does not announce its connection limits"; }

# 1. Sixteen connections from the agent's address fill its share: the next one, a real enroll, is told the hub is busy.
ip netns exec "$NS_AG" "$PY" -c '
import socket, sys, time
held = [socket.create_connection(("192.0.2.1", 19820), source_address=("192.0.2.2", 0)) for _ in range(16)]
open(sys.argv[1], "w").close()
time.sleep(8)' "$WORK/held16" &
HOLDER=$!
PIDS_TO_KILL+=("$HOLDER")
wait_until 5 test -e "$WORK/held16" || fail "could not open 16 connections to the hub"
BUSY_TOKEN=$(hub vpn invite --name busy1 --os linux)
enroll_run busy "$BUSY_TOKEN"
[ "$(cat "$WORK/busy.rc")" = 1 ] || { cat "$WORK/busy.out" "$WORK/busy.err"; fail "a refused enroll did not exit 1"; }
grep -qF "Error: the hub at 192.0.2.1:19820 is busy: it refused the connection because it already holds its maximum" \
  "$WORK/busy.err" || { cat "$WORK/busy.err"; fail "a busy hub is not reported as busy"; }
! grep -q "is \`nefia vpn hub\` running there" "$WORK/busy.err" || fail "a busy hub is reported as not running"
grep -qF "The enrollment key is kept in $WORK/busy/agent.yaml.enrolling (mode 0600) so that a retry" "$WORK/busy.err" &&
  [ -e "$WORK/busy/agent.yaml.enrolling" ] || { cat "$WORK/busy.err"; fail "the key of a retryable failure is gone"; }
grep -q "INFO hub: refused a connection from 192.0.2.2: 16 connections from this address are open (the limit)" \
  "$WORK/hub.log" || { cat "$WORK/hub.log"; fail "the refusal is not logged at info with the peer address"; }
kill "$HOLDER" 2>/dev/null || true
wait_until 5 bash -c "[ \$(ip netns exec $NS_OP ss -Htn state established '( sport = :19820 )' | wc -l) -eq 0 ]" ||
  fail "the hub still holds the 16 connections after their client exited"
pass "per-address bound: busy message, key kept for the retry, refusal logged at info"

# 2. 200 idle connections from 200 addresses and a dripping client, held (and reopened) while a real enroll runs.
{
  for i in $(seq 10 $((IDLE + 9))); do echo "addr add 192.0.2.$i/32 dev nva$SUFFIX"; done
  echo "addr add 192.0.2.250/32 dev nva$SUFFIX"
} | ip -n "$NS_AG" -batch -
mkdir -p "$WORK/slow"
ip netns exec "$NS_AG" "$PY" "$HERE/hub_slow_clients.py" 192.0.2.1 19820 "$IDLE" 10 192.0.2.250 "$WORK/slow" 45 \
  2>> "$WORK/slow_clients.log" &
SLOW=$!
PIDS_TO_KILL+=("$SLOW")
wait_until 20 test -e "$WORK/slow/ready" || { cat "$WORK/slow_clients.log"; fail "the slow clients did not connect"; }
held_before=$(established_on_hub)
[ "$held_before" -ge "$IDLE" ] || fail "the hub holds only $held_before connections, expected at least $IDLE"
hub_rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$HUB_PID/status")
TOKEN=$(hub vpn invite --name agent1 --os linux)
start_ms=$(now_ms)
enroll_run first "$TOKEN"
ENROLL_MS=$(( $(now_ms) - start_ms ))
held_after=$(established_on_hub)
[ "$(cat "$WORK/first.rc")" = 0 ] || { cat "$WORK/first.out" "$WORK/first.err" "$WORK/hub.log"; fail "enroll failed"; }
grep -qxF "Enrollment successful!" "$WORK/first.out" || { cat "$WORK/first.out"; fail "no success line"; }
[ ! -e "$WORK/first/agent.yaml.enrolling" ] || fail "the enrollment key file stayed after success"
[ "$ENROLL_MS" -lt 10000 ] || fail "enroll took ${ENROLL_MS} ms next to $IDLE idle connections"
[ "$held_after" -ge "$IDLE" ] || fail "the hub dropped idle connections during the enroll ($held_after left)"
pass "enroll succeeded in ${ENROLL_MS} ms while the hub held $held_before connections ($IDLE idle + a dripping" \
  "client; hub RSS $((hub_rss_kib / 1024)) MiB)"

# 3. Ten concurrent enrollments with one token: exactly one wins, nine get the reference's reuse error.
RACE_TOKEN=$(hub vpn invite --name agent2 --os linux)
racers=()
for i in $(seq 1 10); do enroll_run "race$i" "$RACE_TOKEN" & racers+=($!); done
for pid in "${racers[@]}"; do wait "$pid"; done
winners=0 reused=0
for i in $(seq 1 10); do
  case "$(cat "$WORK/race$i.rc")" in
    0) winners=$((winners + 1)) ;;
    1) if grep -qxF "Error: token has already been used (nonce reused)" "$WORK/race$i.err"; then
         reused=$((reused + 1))
         grep -qxF "Removed the enrollment key $WORK/race$i/agent.yaml.enrolling: this token cannot succeed any more." \
           "$WORK/race$i.err" || { cat "$WORK/race$i.err"; fail "race$i: no word on its key file"; }
         [ ! -e "$WORK/race$i/agent.yaml.enrolling" ] || fail "race$i: the key of a final failure stayed"
       else
         cat "$WORK/race$i.out" "$WORK/race$i.err"
       fi ;;
    *) cat "$WORK/race$i.out" "$WORK/race$i.err" ;;
  esac
done
[ "$winners" -eq 1 ] && [ "$reused" -eq 9 ] ||
  fail "10 enrollments with one token: $winners succeeded, $reused got the reuse error (expected 1 and 9)"
[ "$(op wg show "$WG_IF" peers | wc -l)" -eq 2 ] || fail "expected 2 peers on the operator's interface"
pass "10 concurrent enrollments with one token: 1 enrolled, 9 'token has already been used (nonce reused)'"

# 4. The dripping client is cut off at the 10 s deadline; the idle ones are too (and come back).
wait_until 20 test -e "$WORK/slow/dripper_closed" || fail "the hub never closed the dripping client"
dripped=$(cat "$WORK/slow/dripper_closed")
"$PY" -c 'import sys; sys.exit(0 if 9.0 <= float(sys.argv[1]) <= 13.0 else 1)' "$dripped" ||
  fail "the dripping client was closed after $dripped s, expected about 10 s"
wait_until 10 test -e "$WORK/slow/reopened" || fail "the hub did not close the idle connections at the deadline"
pass "dripping client closed after $dripped s (deadline 10 s), idle ones closed and reopened"

# 5. What clients cause is logged at most 10 lines per 10 s per kind, the rest summed up in one line.
wait_until 30 grep -q "more messages about expired connections not logged (at most 10 per 10 s)" "$WORK/hub.log" ||
  { tail -n 30 "$WORK/hub.log"; fail "no summary line for the suppressed deadline messages"; }
expired_lines=$(grep -c "connection deadline passed" "$WORK/hub.log" || true)
reopened=$(cat "$WORK/slow/reopened")
[ "$expired_lines" -le 30 ] && [ "$reopened" -ge "$IDLE" ] ||
  fail "$expired_lines deadline lines for $reopened expired connections"
pass "$reopened expired connections gave $expired_lines log lines and a summary"

kill "$SLOW" 2>/dev/null || true
kill -TERM "$HUB_PID"
wait_until 5 bash -c "! kill -0 $HUB_PID" || fail "hub did not stop on SIGTERM"
echo "enroll_ms=$ENROLL_MS held_connections=$held_before hub_rss_kib=$hub_rss_kib dripper_closed_s=$dripped"
