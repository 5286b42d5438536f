#!/usr/bin/env bash
# Interop with the real wireguard-go: wireguard-go + wg play the operator in one network namespace, our Device
# (interop_harness) plays the agent in another, joined by a veth pair on 192.0.2.0/24; VPN 10.99.0.0/24.
#   basic: handshake, ping 10.99.0.2 from the operator, byte counters agree, re-handshake after wireguard-go
#          restarts with the same key.
#   rekey: (> 2 minutes) a second handshake happens on its own (rekey after 120 s).
# Needs root. Never touches anything outside its own namespaces; cleans up on every exit; every wait is bounded.
set -euo pipefail

harness=$1
mode=${2:-basic}
suffix=$$
ns_op=nefia-wgop-$suffix
ns_ag=nefia-wgag-$suffix
veth_op=nwo$suffix
veth_ag=nwa$suffix
wg_if=nwg$suffix  # unique: wireguard-go's control socket (/var/run/wireguard/IF.sock) is not per namespace
work=$(mktemp -d /tmp/nefia-wg-interop.XXXXXX)
wg_pid=""
harness_pid=""

cleanup() {
  set +e
  [ -n "$harness_pid" ] && kill "$harness_pid" 2>/dev/null && wait "$harness_pid" 2>/dev/null
  [ -n "$wg_pid" ] && kill "$wg_pid" 2>/dev/null && wait "$wg_pid" 2>/dev/null
  # Anything still running inside our own namespaces was started by this script.
  for ns in "$ns_op" "$ns_ag"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
  done
  rm -f "/var/run/wireguard/$wg_if.sock"
  ip netns del "$ns_op" 2>/dev/null
  ip netns del "$ns_ag" 2>/dev/null
  ip link del "$veth_op" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- harness status:" >&2; cat "$work/status" 2>/dev/null >&2 || true
  echo "--- wg show:" >&2; ip netns exec "$ns_op" wg show 2>&1 >&2 || true
  echo "--- harness log:" >&2; tail -20 "$work/harness.log" >&2 || true
  echo "--- wireguard-go log:" >&2; tail -20 "$work/wg.log" >&2 || true
  exit 1
}

op() { ip netns exec "$ns_op" "$@"; }

# Value of KEY in the harness status file (0 when absent).
status_value() { awk -v key="$1" '$1 == key { print $2; found = 1 } END { if (!found) print 0 }' "$work/status" 2>/dev/null || echo 0; }

operator_handshake() { op wg show "$wg_if" latest-handshakes | awk '{ print $2 }'; }

start_wireguard_go() {
  local endpoint_args=("$@")
  # Started directly (not through op) so that $! is wireguard-go itself and kill/wait reach it.
  ip netns exec "$ns_op" env WG_PROCESS_FOREGROUND=1 wireguard-go "$wg_if" >>"$work/wg.log" 2>&1 &
  wg_pid=$!
  timeout 10 bash -c "until ip -n $ns_op link show $wg_if >/dev/null 2>&1; do sleep 0.1; done" \
    || fail "wireguard-go did not create $wg_if within 10 s"
  op wg set "$wg_if" private-key "$work/op.key" listen-port 51821 \
    peer "$agent_pub" allowed-ips 10.99.0.2/32 "${endpoint_args[@]}"
  ip -n "$ns_op" addr add 10.99.0.1/24 dev "$wg_if"
  ip -n "$ns_op" link set "$wg_if" mtu 1420 up
}

wait_for_handshake() {  # wait_for_handshake SECONDS NEWER_THAN
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    local value
    value=$(operator_handshake 2>/dev/null || echo 0)
    if [ -n "$value" ] && [ "$value" -gt "$2" ]; then echo "$value"; return 0; fi
    sleep 0.5
  done
  return 1
}

ip netns add "$ns_op"
ip netns add "$ns_ag"
ip link add "$veth_op" type veth peer name "$veth_ag"
ip link set "$veth_op" netns "$ns_op"
ip link set "$veth_ag" netns "$ns_ag"
ip -n "$ns_op" addr add 192.0.2.1/24 dev "$veth_op"
ip -n "$ns_ag" addr add 192.0.2.2/24 dev "$veth_ag"
for ns in "$ns_op" "$ns_ag"; do ip -n "$ns" link set lo up; done
ip -n "$ns_op" link set "$veth_op" up
ip -n "$ns_ag" link set "$veth_ag" up

umask 077
wg genkey >"$work/op.key"
wg genkey >"$work/agent.key"
operator_pub=$(wg pubkey <"$work/op.key")
agent_pub=$(wg pubkey <"$work/agent.key")

start_wireguard_go endpoint 192.0.2.2:51820

ip netns exec "$ns_ag" "$harness" --private-key-file "$work/agent.key" --listen 192.0.2.2:51820 \
  --peer-public-key "$operator_pub" --peer-endpoint 192.0.2.1:51821 --peer-allowed-ip 10.99.0.1/32 \
  --vpn-addr 10.99.0.2 --status-file "$work/status" --ping-peer 10.99.0.1 --run-seconds 400 \
  >"$work/harness.log" 2>&1 &
harness_pid=$!

first=$(wait_for_handshake 15 0) || fail "no handshake with wireguard-go within 15 s"
echo "ok: handshake with wireguard-go (latest-handshake $first)"

if [ "$mode" = rekey ]; then
  second=$(wait_for_handshake 200 "$first") || fail "no rekey handshake within 200 s of the first"
  echo "ok: rekey handshake after $((second - first)) s"
  [ $((second - first)) -ge 115 ] || fail "second handshake came after only $((second - first)) s, not a rekey"
  echo "interop rekey: all checks passed"
  exit 0
fi

op timeout 15 ping -c 3 -W 2 10.99.0.2 >"$work/ping.log" 2>&1 || { cat "$work/ping.log" >&2; fail "ping 10.99.0.2 failed"; }
grep -q " 0% packet loss" "$work/ping.log" || { cat "$work/ping.log" >&2; fail "ping lost packets"; }
echo "ok: ping 10.99.0.2 from the operator got 3 replies"
[ "$(timeout 10 bash -c "until [ \"\$(awk '\$1==\"echo_replies\"{print \$2}' $work/status)\" -gt 0 ] 2>/dev/null; do sleep 0.2; done; echo yes")" = yes ] \
  || fail "the harness's own pings to 10.99.0.1 got no replies"
echo "ok: pings from the agent side to 10.99.0.1 answered by the operator's kernel"

# Byte counters: what one side sent is what the other received (retry while a datagram may be in flight).
agreed=no
for _ in $(seq 1 30); do
  read -r _ op_rx op_tx < <(op wg show "$wg_if" transfer)
  ag_rx=$(status_value rx_bytes)
  ag_tx=$(status_value tx_bytes)
  if [ "$op_rx" = "$ag_tx" ] && [ "$op_tx" = "$ag_rx" ] && [ "$op_rx" != 0 ]; then agreed=yes; break; fi
  sleep 0.3
done
[ $agreed = yes ] || fail "byte counters disagree: operator rx=$op_rx tx=$op_tx, agent rx=$ag_rx tx=$ag_tx"
echo "ok: byte counters agree (operator rx=$op_rx tx=$op_tx)"

# Restart wireguard-go with the same key and no endpoint for the agent: only the agent can re-establish.
kill "$wg_pid"; wait "$wg_pid" 2>/dev/null || true; wg_pid=""
timeout 10 bash -c "while ip -n $ns_op link show "$wg_if" >/dev/null 2>&1; do sleep 0.1; done" || fail "$wg_if did not go away"
start_wireguard_go
again=$(wait_for_handshake 45 0) || fail "the agent did not re-handshake within 45 s after wireguard-go restarted"
echo "ok: the agent re-handshook with the restarted wireguard-go"
op timeout 15 ping -c 2 -W 2 10.99.0.2 >"$work/ping2.log" 2>&1 || { cat "$work/ping2.log" >&2; fail "ping after restart failed"; }
echo "ok: ping after restart"
echo "interop basic: all checks passed"
