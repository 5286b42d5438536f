# The agent sides bench/wan_bench.sh compares: (a) wireguard-go + kernel TCP with BBR, (cubic) the same with
# CUBIC, (b) nefia-agent; and which path (relay or the direct veth) the peers use. Source after topology.sh;
# run_interactive reads wan_bench.sh's settings (dirs, seconds, sessions).
# shellcheck shell=bash disable=SC2154

AGENT_WG_IF=nwa-wg$SUFFIX
CURRENT_SIDE=""
CURRENT_PATH=direct  # start_operator_wireguard points the operator at the direct veth
SIDE_PORT=5201
SIDE_PIDS=()

side_name() {
  case $1 in
    a) echo "wireguard-go + kernel TCP, BBR" ;; cubic) echo "wireguard-go + kernel TCP, CUBIC" ;;
    b) echo nefia-agent ;; *) fail "unknown side '$1' (a, cubic or b)" ;;
  esac
}

listening() { [ -n "$(ag ss -Hltn "sport = :$1")" ]; }
start_agent_iperf3() {
  ag iperf3 -s -B 127.0.0.1 -p 5201 >/dev/null 2>&1 &
  IPERF_PID=$!
  PIDS_TO_KILL+=("$IPERF_PID")
  wait_until 10 listening 5201 || fail "iperf3 server did not start"
}
path_endpoints() {  # path_endpoints relay|direct: "OPERATOR_SENDS_TO AGENT_SENDS_TO"
  if [ "$1" = relay ]; then echo "$RELAY_FOR_OPERATOR $RELAY_FOR_AGENT"; else echo "192.0.2.2:$AGENT_PORT 192.0.2.1:$OP_PORT"; fi
}

point_peers_at() {  # point_peers_at relay|direct: both peers' endpoints (the agent's through a SIGHUP reload)
  [ "$1" = "$CURRENT_PATH" ] && return 0
  local endpoints
  read -r -a endpoints <<< "$(path_endpoints "$1")"
  op wg set "$WG_IF" peer "$AGENT_PUB" endpoint "${endpoints[0]}"
  case $CURRENT_SIDE in
    a | cubic) ag wg set "$AGENT_WG_IF" peer "$OP_PUB" endpoint "${endpoints[1]}" ;;
    b) sed -i "s|^    endpoint: .*|    endpoint: ${endpoints[1]}|" "$WORK/agent.yaml"; kill -HUP "$AGENT_PID" ;;
  esac
  CURRENT_PATH=$1
}

side_reachable() { op ping -c 1 -W 1 -q 10.99.0.2; }

# start_kernel_side bbr|cubic. The namespace keeps the host's default (BBR): a namespace other than the
# first may only pick an algorithm listed in the host's net.ipv4.tcp_allowed_congestion_control (EPERM
# otherwise), so CUBIC is set on the route to the operator (`congctl`), which accepted sockets take too.
start_kernel_side() {
  ip netns exec "$NS_AG" env WG_PROCESS_FOREGROUND=1 wireguard-go "$AGENT_WG_IF" >> "$WORK/wireguard-go-agent.log" 2>&1 &
  SIDE_PIDS=("$!")
  PIDS_TO_KILL+=("$!")
  wait_until 10 ip -n "$NS_AG" link show "$AGENT_WG_IF" || fail "agent-side wireguard-go did not start"
  local endpoints
  read -r -a endpoints <<< "$(path_endpoints "$CURRENT_PATH")"
  ag wg set "$AGENT_WG_IF" private-key "$WORK/agent.key" listen-port "$AGENT_PORT" \
    peer "$OP_PUB" allowed-ips 10.99.0.1/32 endpoint "${endpoints[1]}"
  ip -n "$NS_AG" addr add 10.99.0.2/24 dev "$AGENT_WG_IF"
  ip -n "$NS_AG" link set "$AGENT_WG_IF" mtu 1420 up
  [ "$1" = cubic ] && ip -n "$NS_AG" route replace 10.99.0.0/24 dev "$AGENT_WG_IF" src 10.99.0.2 congctl cubic
  ag sysctl -qw net.ipv4.conf.all.route_localnet=1
  ag iptables -t nat -A PREROUTING -d 10.99.0.2 -p tcp --dport 5201 -j DNAT --to-destination 127.0.0.1:5201
  ag iptables -t nat -A PREROUTING -d 10.99.0.2 -p tcp --dport 22 -j DNAT --to-destination 127.0.0.1:22
  SIDE_PORT=5201
}

start_agent_side() {  # the forwarder serves one target: iperf3 first, switch_side_to_sshd moves it to sshd
  local endpoints
  read -r -a endpoints <<< "$(path_endpoints "$CURRENT_PATH")"
  AGENT_SSH_ADDR=127.0.0.1:5201 AGENT_PEER_ENDPOINT=${endpoints[1]} write_agent_config
  start_agent_in_namespace
  wait_until 10 all_workers_ready || fail "(b) agent not ready"
  SIDE_PIDS=("$AGENT_PID")
  SIDE_PORT=22
}

start_side() {
  CURRENT_SIDE=$1
  case $1 in a) start_kernel_side bbr ;; cubic) start_kernel_side cubic ;; b) start_agent_side ;; esac
  wait_until 20 side_reachable || fail "($1) no ping through the tunnel"
}

# All processes of the side: for (b) the supervisor and its workers.
side_pids() { echo "${SIDE_PIDS[@]}" "$(pgrep -P "${SIDE_PIDS[0]}" | paste -sd" " || true)"; }

switch_side_to_sshd() {
  if [ "$1" = b ]; then
    sed -i 's/^ssh_addr: .*/ssh_addr: 127.0.0.1:22/' "$WORK/agent.yaml"
    kill -HUP "$AGENT_PID"
  fi
  SIDE_PORT=22
  wait_until 20 op_ssh true || fail "($1) ssh through the tunnel does not work"
}

stop_side() {
  local pid=${SIDE_PIDS[0]}
  kill -TERM "$pid" 2>/dev/null || true
  wait_until 15 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$1" != b ]; then
    ag iptables -t nat -F
    rm -f "/var/run/wireguard/$AGENT_WG_IF.sock"
  fi
  CURRENT_SIDE=""
}
cleanup_agent_wireguard_socket() { rm -f "/var/run/wireguard/$AGENT_WG_IF.sock"; }
CLEANUP_HOOKS+=(cleanup_agent_wireguard_socket)

# run_interactive SCENARIO SIDE: --sessions ssh sessions echoing while one bulk download (and, with --dir up,
# one upload) runs; records echo p50/p99, the bulk rate and the side's PSS per open connection.
run_interactive() {
  local scenario=$1 side=$2 dir json
  for dir in ${dirs//,/ }; do
    json=$(op timeout $((seconds * 2 + sessions + 120)) "$PY" bench/wan_interactive.py --sessions "$sessions" --seconds $((seconds * 2)) --bulk "$dir" \
      --pss-pids "$(side_pids | tr ' ' ,)" -- ssh -i "$WORK/client_key" -o StrictHostKeyChecking=no \
      -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 -o BatchMode=yes \
      "$TEST_USER@10.99.0.2") || { record "$scenario" interactive "$dir" "$side" fail - "load=$(cut -d' ' -f1 /proc/loadavg)"; continue; }
    $PY - "$json" "$sessions" <<'PY' | while IFS=$'\t' read -r tool value unit extra; do record "$scenario" "$tool" "$dir" "$side" "$value" "$unit" "$extra"; done
import json, sys
r, n = json.loads(sys.argv[1]), int(sys.argv[2])
load = open("/proc/loadavg").read().split()[0]
extra = f"echoes={r['echoes']} unanswered={r['unanswered']} load={load}"
print(f"echo p50\t{r['echo_p50_ms']}\tms\t{extra}")
print(f"echo p99\t{r['echo_p99_ms']}\tms\t{extra}")
print(f"bulk\t{r['bulk_mbit']}\tMbit/s\t{n} sessions open")
print(f"PSS/conn\t{(r['pss_open_kib'] - r['pss_idle_kib']) / (n + 1):.0f}\tKiB\tidle {r['pss_idle_kib']} KiB, {n + 1} open {r['pss_open_kib']} KiB")
PY
  done
}
