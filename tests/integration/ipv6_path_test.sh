#!/usr/bin/env bash
# End to end with WireGuard's UDP on IPv6 only (OUTER_FAMILY=6): ssh, status/health endpoints as [addr]:port,
# scp up and down with equal SHA-256, a tunnel-worker kill mid-transfer, an agent address change, and roaming
# between the operator's IPv4 and IPv6 endpoints (IPv4 shown as plain a.b.c.d:port, not ::ffff:). ~40 s.
export OUTER_FAMILY=6
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"

bring_up_agent
wait_until 20 op_ssh true || fail "ssh through the tunnel over IPv6 does not work"
peer_endpoint() { health "r['peers'][0]['endpoint']"; }
wait_until 5 bash -c "[ \"\$($PY -c 'import json;print(json.load(open(\"$WORK/agent-health.json\"))[\"peers\"][0][\"endpoint\"])')\" = '[$OP_OUTER6]:$OP_PORT' ]" \
  || fail "agent-health.json endpoint is '$(peer_endpoint)', want [$OP_OUTER6]:$OP_PORT"
"$AGENT" status --config "$WORK/agent.yaml" | grep -qF "endpoint [$OP_OUTER6]:$OP_PORT" \
  || fail "status does not show endpoint [$OP_OUTER6]:$OP_PORT: $("$AGENT" status --config "$WORK/agent.yaml")"
pass "ssh over the IPv6 path; status and health show [$OP_OUTER6]:$OP_PORT"

# scp both ways. A download stalled here before the padding fix (full-size packets became 1504-byte datagrams).
head -c $((32 * 1024 * 1024)) /dev/urandom > "$WORK/payload"
want=$(sha256sum < "$WORK/payload" | cut -d' ' -f1)
start=$(now_ms)
SCP_TIMEOUT=30 op_scp "$WORK/payload" "$TEST_USER@10.99.0.2:$WORK/xfer/uploaded" || fail "scp upload over IPv6 failed"
up_ms=$(( $(now_ms) - start ))
[ "$(sha256sum < "$WORK/xfer/uploaded" | cut -d' ' -f1)" = "$want" ] || fail "uploaded file differs"
start=$(now_ms)
SCP_TIMEOUT=30 op_scp "$TEST_USER@10.99.0.2:$WORK/xfer/uploaded" "$WORK/downloaded" || fail "scp download over IPv6 failed (30 s)"
down_ms=$(( $(now_ms) - start ))
[ "$(sha256sum < "$WORK/downloaded" | cut -d' ' -f1)" = "$want" ] || fail "downloaded file differs"
! grep -q "larger than the route's MTU" "$WORK/agent.log" || fail "full-size datagrams exceeded the 1500-byte IPv6 link"
pass "scp 32 MiB up ($up_ms ms) and down ($down_ms ms) over IPv6, SHA-256 equal"
rm -f "$WORK/xfer/uploaded" "$WORK/downloaded"

# kill -9 the tunnel worker mid-upload: TCP state lives in the forwarder, the transfer completes.
SCP_TIMEOUT=40 op_scp "$WORK/payload" "$TEST_USER@10.99.0.2:$WORK/xfer/uploaded" &
scp_pid=$!
PIDS_TO_KILL+=("$scp_pid")
partly_there() { [ -f "$WORK/xfer/uploaded" ] && [ "$(stat -c %s "$WORK/xfer/uploaded")" -gt $((8 * 1024 * 1024)) ]; }
wait_until 20 partly_there || fail "the transfer did not get going"
kill -KILL "$(health "r['workers']['tunnel']['pid']")"
wait "$scp_pid" || fail "scp over IPv6 failed after the tunnel worker was killed"
[ "$(sha256sum < "$WORK/xfer/uploaded" | cut -d' ' -f1)" = "$want" ] || fail "file differs after the tunnel restart"
[ "$(health "r['workers']['tunnel']['restarts']")" -ge 1 ] || fail "tunnel restart not counted"
pass "kill -9 of the tunnel worker mid-transfer over IPv6: completed, SHA-256 equal"
rm -f "$WORK/xfer/uploaded"

# The agent's IPv6 address changes: the monitor rebuilds, wireguard-go roams to the new address.
new_agent6=2001:db8:99::3
rebuilds_before=$(health "r['rebuild_count']")
ip -n "$NS_AG" addr add "$new_agent6/64" dev "nva$SUFFIX" nodad
ip -n "$NS_AG" addr del "$AGENT_OUTER6/64" dev "nva$SUFFIX"
wait_until 15 op_ssh true || fail "no ssh within 15 s of the agent's change to $new_agent6"
wait_until 5 bash -c "ip netns exec $NS_OP wg show $WG_IF endpoints | grep -qF '[$new_agent6]:$AGENT_PORT'" \
  || fail "wireguard-go did not roam to [$new_agent6]:$AGENT_PORT: $(op wg show "$WG_IF" endpoints)"
wait_until 5 bash -c "grep -q 'address removed: $AGENT_OUTER6 on nva$SUFFIX' '$WORK/agent.log'" \
  || fail "the removed IPv6 address was not logged"
[ "$(health "r['rebuild_count']")" -gt "$rebuilds_before" ] || fail "rebuild_count did not grow after the IPv6 change"
pass "agent address $AGENT_OUTER6 -> $new_agent6: rebuilt, wireguard-go roamed, ssh works"

# Roaming between the operator's IPv4 and IPv6 endpoints: the agent's config moves to IPv4 (SIGHUP), then
# the operator moves back to IPv6 (wireguard-go's endpoint; the agent follows its authenticated packets).
add_outer_addresses 4
sed -i "s|endpoint: \".*\"|endpoint: \"$OP_OUTER4:$OP_PORT\"|" "$WORK/agent.yaml"
kill -HUP "$AGENT_PID"
endpoint_is() { [ "$(peer_endpoint)" = "$1" ]; }
wait_until 10 endpoint_is "$OP_OUTER4:$OP_PORT" || fail "after SIGHUP the endpoint is '$(peer_endpoint)', want $OP_OUTER4:$OP_PORT"
wait_until 10 bash -c "ip netns exec $NS_OP wg show $WG_IF endpoints | grep -qF '$AGENT_OUTER4:$AGENT_PORT'" \
  || fail "wireguard-go did not roam to the agent's IPv4 address: $(op wg show "$WG_IF" endpoints)"
op_ssh true || fail "ssh after the move to IPv4 failed"
pass "config endpoint IPv6 -> IPv4: health shows $OP_OUTER4:$OP_PORT, wireguard-go roamed to $AGENT_OUTER4, ssh works"
# A packet the agent sent to the old address just before can make wireguard-go roam back (it follows every
# authenticated packet), so each attempt sets the endpoint again and pings once.
operator_moves_to() {  # operator_moves_to AGENT_ENDPOINT_FOR_WIREGUARD_GO ENDPOINT_THE_AGENT_MUST_SHOW
  op wg set "$WG_IF" peer "$AGENT_PUB" endpoint "$1"
  op ping -c 1 -W 1 10.99.0.2 > /dev/null || return 1
  wait_until 3 endpoint_is "$2"
}
wait_until 20 operator_moves_to "[$new_agent6]:$AGENT_PORT" "[$OP_OUTER6]:$OP_PORT" \
  || fail "the agent did not follow the operator to IPv6: '$(peer_endpoint)'"
op_ssh true || fail "ssh after the operator moved back to IPv6 failed"
wait_until 20 operator_moves_to "$AGENT_OUTER4:$AGENT_PORT" "$OP_OUTER4:$OP_PORT" \
  || fail "IPv4 through the dual-stack socket shows as '$(peer_endpoint)', want $OP_OUTER4:$OP_PORT"
"$AGENT" status --config "$WORK/agent.yaml" | grep -qF "endpoint $OP_OUTER4:$OP_PORT" || fail "status does not show $OP_OUTER4:$OP_PORT"
! grep -q "ffff:" "$WORK/agent.log" "$WORK/agent-health.json" || fail "a v4-mapped address was printed: $(grep "ffff:" "$WORK/agent.log" | head -3)"
pass "operator roamed IPv4 -> IPv6 -> IPv4: the agent followed; IPv4 printed as $OP_OUTER4:$OP_PORT, never ::ffff:"
