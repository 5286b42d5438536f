#!/usr/bin/env bash
# Live reload (issue 7): SIGHUP with a new private_key and a changed endpoint applies without restarting the
# forwarder; once the operator knows the new public key (wg set), the tunnel re-handshakes and an SSH session
# that was open the whole time keeps running.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"

bring_up_agent
wait_until 20 op_ssh true || fail "ssh through the tunnel does not work"

# A session that prints a line every 0.25 s for 15 s across the key rotation.
op_ssh 'i=0; while [ $i -lt 60 ]; do echo $i; i=$((i+1)); sleep 0.25; done' > "$WORK/session.out" 2> "$WORK/session.err" &
SESSION_PID=$!
PIDS_TO_KILL+=("$SESSION_PID")
wait_until 5 grep -q '^3$' "$WORK/session.out" || fail "the long SSH session did not start"
forwarder_pid=$(health "r['workers']['forwarder']['pid']")
tunnel_pid=$(health "r['workers']['tunnel']['pid']")

# Rotate the agent's key and move the operator's endpoint to a second address; tell the operator first.
old_pub=$AGENT_PUB
(umask 077; wg genkey > "$WORK/agent2.key")
new_pub=$(wg pubkey < "$WORK/agent2.key")
ip -n "$NS_OP" addr add 192.0.2.11/24 dev "nvo$SUFFIX"
op wg set "$WG_IF" peer "$old_pub" remove
op wg set "$WG_IF" peer "$new_pub" allowed-ips 10.99.0.2/32 endpoint "192.0.2.2:$AGENT_PORT"
cp "$WORK/agent2.key" "$WORK/agent.key"
AGENT_PUB=$new_pub
write_agent_config "testing:
  report_interval: 1s"
sed -i "s/endpoint: \"192.0.2.1:$OP_PORT\"/endpoint: \"192.0.2.11:$OP_PORT\"/" "$WORK/agent.yaml"
start=$(now_ms)
kill -HUP "$AGENT_PID"
wait_until 5 grep -q "config reloaded: .*private_key" "$WORK/agent.log" || fail "the reload did not report the key change"
handshake_with_new_key() { op wg show "$WG_IF" latest-handshakes | grep -q "^$new_pub[[:space:]][1-9]"; }
wait_until 20 handshake_with_new_key || fail "no handshake with the new key within 20 s"
echo "measured: new key handshake $(( $(now_ms) - start )) ms after SIGHUP"
[ "$(health "r['workers']['forwarder']['pid']")" = "$forwarder_pid" ] || fail "the forwarder was restarted by the reload"
[ "$(health "r['workers']['tunnel']['pid']")" = "$tunnel_pid" ] || fail "the tunnel worker was restarted by the reload"
grep -q "private key replaced" "$WORK/agent.log" || fail "the tunnel did not take the new key"
pass "SIGHUP with a new private_key and endpoint: re-handshake with the new key, no worker restarted"

wait "$SESSION_PID" || fail "the SSH session open across the key rotation failed"
[ "$(cat "$WORK/session.out")" = "$(seq 0 59)" ] || fail "the session's output is not 0..59 in order"
pass "the SSH session open across the key rotation kept all 60 lines in order"
out=$(op_ssh echo after-rotation) || fail "a new ssh after the rotation failed"
pass "a new session after the rotation works ($out)"
