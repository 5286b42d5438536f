#!/usr/bin/env bash
# Beacons in the real agent (issue 15): a disk_usage on a tmpfs of known size filled past warning and then
# critical gives the two state changes in order; hostile scripts (fork bomb, segfault, endless output, never
# exits, daemonizes) all configured at once leave a quick check on time and an SSH session through the
# tunnel echoing every line, without restarting tunnel or forwarder; SIGHUP with a changed beacons section
# applies without restarting any worker; a killed beacons worker comes back and the queue keeps its count;
# a hung FUSE mount (a server that never answers) is unknown with reason timeout.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
NS_OP=bcn-op-$SUFFIX  # this test's namespaces (topology.sh reads the names when it builds them)
NS_AG=bcn-ag-$SUFFIX

DISK=$WORK/disk
unmount_disk() { umount "$DISK" 2>/dev/null || true; }
CLEANUP_HOOKS+=(unmount_disk)
mkdir -p "$DISK"
mount -t tmpfs -o size=4m,mode=0755 bcn-tmpfs "$DISK"

# A hung mount: a FUSE server that never answers (statvfs there blocks in the kernel).
HUNG=$WORK/hung
mkdir -p "$HUNG"
unmount_hung() { kill -KILL "$FUSE_PID" 2>/dev/null || true; umount -l "$HUNG" 2>/dev/null || true; }
CLEANUP_HOOKS+=(unmount_hung)
"$PY" "$(dirname "$0")/hung_fuse_mount.py" "$HUNG" > "$WORK/fuse.out" 2>&1 &
FUSE_PID=$!
wait_until 5 grep -q mounted "$WORK/fuse.out" || fail "the hung FUSE mount did not come up: $(cat "$WORK/fuse.out")"

beacons_yaml() {  # beacons_yaml WARNING CRITICAL HOSTILE(yes|no)
  cat <<YAML
beacons:
  disk_usage:
    enabled: true
    interval: 1s
    warning_percent: $1
    critical_percent: $2
    paths: ["$DISK", "/nonexistent-bcn-mount", "$HUNG"]
  scripts:
    - name: quick
      command: "echo ok"
      interval: 1s
YAML
  [ "$3" = yes ] && cat <<'YAML'
    - name: bomb
      command: "b() { b & b & wait; }; b; exit 2"
      interval: 5s
      timeout: 2s
    - name: segv
      command: "kill -SEGV $$"
      interval: 2s
    - name: flood
      command: "cat /dev/zero"
      interval: 5s
      timeout: 2s
    - name: hang
      command: "sleep 1000"
      interval: 3s
      timeout: 1s
    - name: daemon
      command: "exec >&- 2>&-; setsid sleep 1000 & exit 0"
      interval: 3s
YAML
  printf 'testing:\n  report_interval: 1s\n  beacon_heartbeat_interval: 5s\n'
}

bring_up_agent "$(beacons_yaml 50 80 yes)"
wait_until 20 op_ssh true || fail "ssh through the tunnel does not work"
tunnel_pid=$(health "r['workers']['tunnel']['pid']")
forwarder_pid=$(health "r['workers']['forwarder']['pid']")
uid_of() { awk '/^Uid:/ {print $2}' "/proc/$1/status"; }
beacons_uid=$(uid_of "$(health "r['workers']['beacons']['pid']")")
[ "$beacons_uid" = "$(id -u nefia-beacons)" ] || fail "the beacons worker runs as uid $beacons_uid, not nefia-beacons"
[ "$beacons_uid" != "$(uid_of "$tunnel_pid")" ] && [ "$beacons_uid" != "$(uid_of "$forwarder_pid")" ] ||
  fail "scripts share a uid with the tunnel or forwarder"
pass "the beacons worker (and so every script) runs as nefia-beacons, apart from tunnel and forwarder"
rss_start=$(health "r['workers']['beacons']['rss_kib']")

# An SSH session through the tunnel that prints a timestamp every 0.2 s for 20 s, the whole time.
op_ssh 'i=0; while [ $i -lt 100 ]; do echo "$i $(date +%s%N)"; i=$((i+1)); sleep 0.2; done' \
  > "$WORK/session.out" 2> "$WORK/session.err" &
SESSION_PID=$!
PIDS_TO_KILL+=("$SESSION_PID")

check() {  # check KIND NAME FIELD
  health "next(c['$3'] for c in r['beacons']['checks'] if c['kind']=='$1' and c['name']=='$2')"
}
state_is() { [ "$(check "$1" "$2" state)" = "$3" ]; }  # state_is KIND NAME STATE (re-read on every poll)
wait_until 10 state_is disk_usage "$DISK" ok || fail "the tmpfs is not reported ok"
pass "disk_usage of an empty 4 MiB tmpfs: ok"
[ "$(check disk_usage /nonexistent-bcn-mount state)" = unknown ] || fail "a missing path is not unknown"
grep -q "beacons: disk_usage /nonexistent-bcn-mount: unknown -> unknown (missing)" "$WORK/agent.log" ||
  fail "the missing path gave no event of its own"
pass "a missing path is an unknown beacon of its own (reason missing)"

dd if=/dev/zero of="$DISK/fill1" bs=64k count=40 status=none  # 2.5 MiB of 4: ~63%
wait_until 10 state_is disk_usage "$DISK" warning || fail "63% full is not warning"
dd if=/dev/zero of="$DISK/fill2" bs=64k count=20 status=none  # 3.75 MiB: ~94%
wait_until 10 state_is disk_usage "$DISK" critical || fail "94% full is not critical"
grep -o "beacons: disk_usage $DISK: [a-z]* -> [a-z]*" "$WORK/agent.log" > "$WORK/disk.events"
[ "$(cat "$WORK/disk.events")" = "beacons: disk_usage $DISK: unknown -> ok
beacons: disk_usage $DISK: ok -> warning
beacons: disk_usage $DISK: warning -> critical" ] || fail "disk events not ok, warning, critical in order: $(cat "$WORK/disk.events")"
pass "tmpfs filled past warning (50%) and critical (80%): the two state changes in order"

# The hostile scripts have run a few times meanwhile; give them one more cycle.
sleep 4
for name in bomb segv flood hang; do
  [ "$(check script $name state)" = critical ] || fail "hostile script $name is $(check script $name state), not critical"
done
grep -q "beacons: script segv: unknown -> critical (signal)" "$WORK/agent.log" || fail "segv is not critical by signal"
grep -q "beacons: script hang: unknown -> critical (timeout)" "$WORK/agent.log" || fail "hang is not critical by timeout"
[ "$(check script daemon state)" = ok ] || fail "the daemonizing script is not ok"
pass "fork bomb, segfault, endless output, never-exiting: critical; the daemonizing script: ok"
quick_runs=$(check script quick runs)
quick_skips=$(check script quick skips)
elapsed=$(( $(health "r['uptime_seconds']") ))
[ "$quick_skips" = 0 ] || fail "the quick check was skipped $quick_skips times next to the hostile scripts"
[ "$quick_runs" -ge $(( elapsed - 3 )) ] || fail "the quick check ran $quick_runs times in $elapsed s (1 s interval)"
rss_now=$(health "r['workers']['beacons']['rss_kib']")
echo "measured: beacons worker RSS ${rss_start} KiB at start, ${rss_now} KiB after the hostile scripts"
[ $(( rss_now - rss_start )) -lt 1024 ] || fail "the beacons worker grew by $(( rss_now - rss_start )) KiB"
pass "the quick 1 s check ran $quick_runs times in ${elapsed} s of uptime with 0 skips next to the hostile scripts"
leftovers=$(ps -eo args | grep -c '^sleep 1000$' || true)
[ "$leftovers" -le 2 ] || fail "$leftovers 'sleep 1000' processes left behind by script runs"

wait_until 15 grep -q "beacons: disk_usage $HUNG: unknown -> unknown (timeout)" "$WORK/agent.log" ||
  fail "the hung FUSE mount did not give unknown (timeout)"
pass "a hung FUSE mount is unknown with reason timeout; the other checks kept their schedule"

wait "$SESSION_PID" || fail "the SSH session through the tunnel failed while the hostile scripts ran"
[ "$(cut -d' ' -f1 "$WORK/session.out")" = "$(seq 0 99)" ] || fail "the SSH session lost or reordered lines"
worst=$("$PY" -c '
import sys
stamps=[int(l.split()[1]) for l in open(sys.argv[1])]
print(max(b-a for a,b in zip(stamps,stamps[1:]))//1000000)' "$WORK/session.out")
echo "measured: largest gap between the session's 0.2 s lines: $worst ms"
[ "$worst" -lt 1000 ] || fail "the SSH session stalled $worst ms"
pass "an SSH session kept echoing all 100 lines in order next to the hostile scripts"
[ "$(health "r['workers']['tunnel']['pid']")" = "$tunnel_pid" ] || fail "the tunnel worker was restarted"
[ "$(health "r['workers']['forwarder']['pid']")" = "$forwarder_pid" ] || fail "the forwarder was restarted"
pass "tunnel and forwarder untouched"

"$AGENT" status --config "$WORK/agent.yaml" > "$WORK/status.out"
grep -q "^Beacon disk_usage $DISK  critical  last run .* runs [0-9]*  skips 0$" "$WORK/status.out" || fail "status has no disk line: $(cat "$WORK/status.out")"
grep -q "^Beacon script hang  critical" "$WORK/status.out" || fail "status has no line for the hang script"
grep -q "^Beacon Events: queued [1-9][0-9]*  delivered 0  dropped 0$" "$WORK/status.out" || fail "status has no event counters"
pass "nefia-agent status prints one line per beacon and the queue counters"

# SIGHUP: the hostile scripts go, warning moves to 99/100: the tmpfs becomes ok; no worker restarts.
beacons_pid=$(health "r['workers']['beacons']['pid']")
write_agent_config "$(beacons_yaml 98 99 no)"
kill -HUP "$AGENT_PID"
wait_until 5 grep -q "config reloaded: beacons" "$WORK/agent.log" || fail "the reload did not report the beacons change"
wait_until 10 state_is disk_usage "$DISK" ok || fail "the new thresholds were not applied"
[ "$(health "len(r['beacons']['checks'])")" = 4 ] || fail "removed scripts are still reported"
for w in tunnel forwarder beacons; do
  pid_now=$(health "r['workers']['$w']['pid']")
  case $w in tunnel) want=$tunnel_pid ;; forwarder) want=$forwarder_pid ;; beacons) want=$beacons_pid ;; esac
  [ "$pid_now" = "$want" ] || fail "$w was restarted by the beacons reload"
done
pass "SIGHUP with a changed beacons section applied (critical -> ok at 98/99%) without restarting any worker"

queued=$(health "r['beacons']['queued']")
kill -KILL "$beacons_pid"
wait_until 15 all_workers_ready || fail "the beacons worker did not come back"
[ "$(health "r['workers']['beacons']['pid']")" != "$beacons_pid" ] || fail "the beacons worker was not restarted"
[ "$(health "r['beacons']['queued']")" -ge "$queued" ] || fail "the queue lost events when the beacons worker died"
out=$(op_ssh echo still-there) || fail "ssh after the beacons worker restart failed"
pass "a killed beacons worker is restarted, the queue keeps its $queued+ events, SSH works ($out)"
