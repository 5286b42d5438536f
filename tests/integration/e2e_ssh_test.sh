#!/usr/bin/env bash
# End to end with real components: operator namespace (wireguard-go + wg, OpenSSH client), agent namespace
# (real sshd on 127.0.0.1:22, nefia-agent run). ssh and ping through the tunnel.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"

bring_up_agent

handshake_done() { [ "$(op wg show "$WG_IF" latest-handshakes | awk '{print $2}')" -gt 0 ]; }
wait_until 15 handshake_done || fail "no WireGuard handshake between wireguard-go and the agent within 15 s"
pass "handshake with wireguard-go"

op ping -c 3 -W 2 10.99.0.2 > "$WORK/ping.txt" || { cat "$WORK/ping.txt"; fail "ping 10.99.0.2 from the operator failed"; }
pass "ping through the tunnel: $(grep -o '[0-9]* received' "$WORK/ping.txt")"

out=$(SSH_USER=root op_ssh 'echo hello-from-$(hostname)-$((6*7))') || fail "ssh through the tunnel failed"
[ "$out" = "hello-from-$(hostname)-42" ] || fail "unexpected ssh output: $out"
pass "ssh root@10.99.0.2 runs a command: $out"

wait_until 5 bash -c "[ \"\$($PY -c 'import json;print(json.load(open(\"$WORK/agent-health.json\"))[\"vpn_connected\"])')\" = True ]" \
  || fail "health report does not say vpn_connected"
"$AGENT" status --config "$WORK/agent.yaml" | grep -q "^VPN Connected: true" || fail "status does not show VPN Connected: true"
pass "health report: VPN connected"

kill -TERM "$AGENT_PID"
wait_until 40 bash -c "! kill -0 $AGENT_PID" || fail "agent did not exit after SIGTERM"
