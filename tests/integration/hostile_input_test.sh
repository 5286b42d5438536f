#!/usr/bin/env bash
# Hostile input against the real binary (issue 12): configs that used to pass validation and break the agent,
# a key typed into the wrong field on SIGHUP, FIFOs as config and health file, leftovers of a kill -9, a 0644
# log, and the reload refusal's wording. Loopback only; every wait is bounded.
source "$(dirname "$0")/lib.sh"
LISTEN_PORT=51911 PEER_PORT=51912  # its own ports: other loopback tests use the defaults

# A FIFO as config: refused at once (it used to hang in open(2)).
mkfifo "$WORK/fifo.yaml"
set +e; out=$(timeout 10 "$AGENT" run --config "$WORK/fifo.yaml" --log-file "$WORK/fifo.log" 2>&1); code=$?; set -e
[ "$code" = 1 ] || fail "run with a FIFO as config exited $code (124 = hung): $out"
grep -q "fifo.yaml is a FIFO (named pipe), not a regular file" <<<"$out" || fail "no clear FIFO message: $out"
pass "a FIFO as config is refused at once"

# An IPv6 inner address passed validation and left the forwarder without a netstack.
write_config "$WORK/agent.yaml"
sed -i 's|^address: .*|address: fd00::8/64|' "$WORK/agent.yaml"
set +e; out=$(timeout 10 "$AGENT" run --config "$WORK/agent.yaml" --log-file "$WORK/v6.log" 2>&1); code=$?; set -e
[ "$code" = 1 ] || fail "run with an IPv6 address exited $code: $out"
grep -q 'address: "fd00::8/64" is an IPv6 address; the tunnel.s inner address must be IPv4' <<<"$out" \
  || fail "no IPv4-only message: $out"
pass "an IPv6 address is refused at start"

# Leftovers: a temp file of a killed writer, a log file with mode 0644; host_id as enrollment writes it.
write_config "$WORK/agent.yaml" "host_id: host-7f3a
testing:
  report_interval: 1s"
echo '{}' > "$WORK/agent-health.json.tmp.999999999.42"
echo "old line" > "$WORK/agent.log"; chmod 644 "$WORK/agent.log"
start_agent
wait_until 10 all_workers_ready || fail "workers did not all become ready within 10 s"
[ ! -e "$WORK/agent-health.json.tmp.999999999.42" ] || fail "the leftover temp file was not removed"
[ "$(stat -c %a "$WORK/agent.log")" = 600 ] || fail "the log file kept mode $(stat -c %a "$WORK/agent.log")"
grep -q "had mode 0644 (other users could read the agent's log); changed it to 0600" "$WORK/agent.log" \
  || fail "no warning about the log file's mode"
grep -q "not yet supported.*host_id" "$WORK/agent.log" && fail "host_id reported as not yet supported"
pass "leftover temp file removed, 0644 log set to 0600 with a warning, host_id not warned about"

forwarder_pid=$(health "r['workers']['forwarder']['pid']")
cp "$WORK/agent.yaml" "$WORK/agent.good"

# SIGHUP with the IPv6 address: refused, reported, the forwarder keeps running on the old address.
sed -i 's|^address: .*|address: fd00::8/64|' "$WORK/agent.yaml"
kill -HUP "$AGENT_PID"
shows() { "$AGENT" status --config "$WORK/agent.yaml" 2>/dev/null | grep -q "$1"; }
wait_until 5 shows '^Config Error: .*is an IPv6 address' || fail "status does not show the IPv6 refusal"
[ "$(health "r['workers']['forwarder']['pid']")" = "$forwarder_pid" ] || fail "the forwarder was restarted"
[ "$(health "r['workers']['forwarder']['state']")" = ready ] || fail "the forwarder is not ready"
pass "SIGHUP with an IPv6 address: Config Error, forwarder untouched"

# SIGHUP with a private key (one with a '/') in the address field: no part of it anywhere.
until key=$(wg genkey) && [[ $key == */* ]] && [[ ${key%%/*} != "" ]]; do :; done
sed -i "s|^address: .*|address: \"$key\"|" "$WORK/agent.yaml"
kill -HUP "$AGENT_PID"
wait_until 5 shows '^Config Error: .*looks like a key (not shown)' || fail "status does not show the hidden-key error"
before_slash=${key%%/*}; after_slash=${key#*/}
"$AGENT" status --config "$WORK/agent.yaml" > "$WORK/status.out" 2>&1 || true
for where in "$WORK/agent.log" "$WORK/agent-health.json" "$WORK/status.out"; do
  for part in "${key:0:12}" "${after_slash:0:12}" "$before_slash"; do
    [ ${#part} -ge 4 ] || continue
    grep -qF -- "$part" "$where" && fail "a part of the key ($part) appears in $where"
  done
done
pass "a key typed into address appears nowhere: log, agent-health.json, status"

# A refused reload does not say "refusing to start".
cp "$WORK/agent.good" "$WORK/agent.yaml"; chmod 644 "$WORK/agent.yaml"
kill -HUP "$AGENT_PID"
wait_until 5 shows '^Config Error: refusing to load it: ' || fail "the permission refusal on reload is not shown"
grep -q "refusing to start" "$WORK/agent-health.json" && fail "a refused reload says refusing to start"
kill -0 "$AGENT_PID" || fail "the agent died"
pass "a refused reload says refusing to load it and keeps running"

# A FIFO as health file: status answers at once.
kill -TERM "$AGENT_PID"; wait_until 40 bash -c "! kill -0 $AGENT_PID" || fail "the agent did not stop"
rm -f "$WORK/agent-health.json"; mkfifo "$WORK/agent-health.json"
set +e; out=$(timeout 10 "$AGENT" status --config "$WORK/agent.yaml" 2>&1); code=$?; set -e
[ "$code" = 4 ] || fail "status with a FIFO as health file exited $code (124 = hung): $out"
grep -q "is a FIFO (named pipe), not a regular file" <<<"$out" || fail "no clear FIFO message: $out"
pass "a FIFO as health file: status refuses it at once"
