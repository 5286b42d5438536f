#!/usr/bin/env bash
# The main job, end to end on one machine: sets up dependencies, builds, creates an operator namespace
# (wireguard-go + wg, OpenSSH client) and an agent namespace (real sshd on 127.0.0.1:22, nefia-agent run),
# then runs ssh through the tunnel. Cleans up at the end unless --keep is given.
# Usage (as root): ./scripts/demo.sh [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=1
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }

echo "== 1/4 dependencies (Debian packages, lwIP source)"
./scripts/setup.sh
echo "== 2/4 build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target nefia-agent | tail -1

echo "== 3/4 namespaces, operator WireGuard, sshd, agent"
set -- "$PWD/build/supervisor/nefia-agent"
source tests/integration/lib.sh
source tests/integration/topology.sh
[ $keep = 1 ] && trap - EXIT  # --keep: leave namespaces and processes running
make_topology
start_operator_wireguard
start_agent_sshd
write_agent_config
start_agent_in_namespace
wait_until 15 all_workers_ready || fail "the agent's workers did not become ready; see $WORK/agent.log"

echo "== 4/4 ssh through the tunnel"
handshake_done() { [ "$(op wg show "$WG_IF" latest-handshakes | awk '{print $2}')" -gt 0 ]; }
wait_until 15 handshake_done || fail "no WireGuard handshake; see $WORK/agent.log"
echo "\$ ip netns exec $NS_OP ping -c 2 10.99.0.2"
op ping -c 2 -W 2 10.99.0.2 | sed 's/^/  /'
echo "\$ ip netns exec $NS_OP ssh root@10.99.0.2 'uname -n; id -un; echo via \$SSH_CONNECTION'"
SSH_USER=root op_ssh 'uname -n; id -un; echo via $SSH_CONNECTION' 2>/dev/null | sed 's/^/  /'
connected() { [ "$(health "r['vpn_connected']")" = True ] && [ "$(health "r['status']")" = ok ]; }
wait_until 20 connected || echo "(the health report does not say ok yet; it is written every 10 s)"
echo "\$ nefia-agent status --config $WORK/agent.yaml"
"$AGENT" status --config "$WORK/agent.yaml" | sed 's/^/  /'

cat <<TEXT

What happened: wireguard-go in namespace $NS_OP (192.0.2.1, VPN 10.99.0.1) is the operator. nefia-agent in
namespace $NS_AG (192.0.2.2, VPN 10.99.0.2) runs WireGuard in user space (worker nefia-tunnel) and a TCP/IP
stack (lwIP, worker nefia-forward) that hands each connection to port 22 of 10.99.0.2 to the sshd on
127.0.0.1:22 inside its namespace. No TUN device exists on the agent side.
TEXT
if [ $keep = 1 ]; then
  cat <<TEXT
Left running (--keep). Try it by hand:
  ip netns exec $NS_OP ssh -i $WORK/client_key -o StrictHostKeyChecking=no root@10.99.0.2
  ip netns exec $NS_OP wg show
  $AGENT status --config $WORK/agent.yaml ; tail -f $WORK/agent.log
Clean up: kill $AGENT_PID $WG_PID $SSHD_PID; ip netns del $NS_OP; ip netns del $NS_AG; rm -rf $WORK
TEXT
else
  echo "Cleaning up (run with --keep to leave it running and try it by hand)."
fi
