# Two network namespaces joined by a veth pair (192.0.2.1 operator, 192.0.2.2 agent): wireguard-go + wg as the
# operator's WireGuard (10.99.0.1), a real sshd on 127.0.0.1:22 in the agent namespace, and nefia-agent there.
# Source after lib.sh. Everything it starts is registered for lib.sh's cleanup trap.
# OUTER_FAMILY=6 puts the WireGuard UDP path on IPv6 only (2001:db8:99::1 operator, ::2 agent; no IPv4 on the
# veth); NETNS_PREFIX (default nefia) names the namespaces, so concurrent users can keep theirs apart.

SUFFIX=$$
NETNS_PREFIX=${NETNS_PREFIX:-nefia}
NS_OP=$NETNS_PREFIX-op-$SUFFIX
NS_AG=$NETNS_PREFIX-ag-$SUFFIX
OUTER_FAMILY=${OUTER_FAMILY:-4}
case "$OUTER_FAMILY" in 4|6) ;; *) echo "OUTER_FAMILY must be 4 or 6, not '$OUTER_FAMILY'" >&2; exit 2 ;; esac
WG_IF=nwg$SUFFIX  # unique: wireguard-go's control socket path is global, not per namespace
OP_PORT=51821
AGENT_PORT=51820
OP_OUTER4=192.0.2.1
AGENT_OUTER4=192.0.2.2
OP_OUTER6=2001:db8:99::1
AGENT_OUTER6=2001:db8:99::2
# outer_endpoint FAMILY ADDRESS_V4 ADDRESS_V6 PORT: "a.b.c.d:port" or "[v6]:port".
outer_endpoint() { if [ "$1" = 6 ]; then echo "[$3]:$4"; else echo "$2:$4"; fi; }
OP_ENDPOINT=$(outer_endpoint "$OUTER_FAMILY" "$OP_OUTER4" "$OP_OUTER6" "$OP_PORT")
AGENT_ENDPOINT=$(outer_endpoint "$OUTER_FAMILY" "$AGENT_OUTER4" "$AGENT_OUTER6" "$AGENT_PORT")

op() { ip netns exec "$NS_OP" "$@"; }
ag() { ip netns exec "$NS_AG" "$@"; }

cleanup_topology() {  # cleanup_topology STATUS: on failure, first print the state a hang needs explained
  if [ "${1:-0}" != 0 ] && ip netns list | grep -q "^$NS_OP\b"; then
    echo "---- TCP sockets in the operator namespace (ss -tin) ----"; op ss -tin 2>&1 | head -40 || true
    echo "---- TCP sockets in the agent namespace (ss -tin) ----"; ag ss -tin 2>&1 | head -40 || true
    echo "---- operator WireGuard (wg show) ----"; op wg show 2>&1 | grep -v "private key" || true
    echo "---- agent health report ----"; cat "$WORK/agent-health.json" 2>&1 || true; echo
  fi
  rm -f "/var/run/wireguard/$WG_IF.sock"
}
CLEANUP_HOOKS+=(cleanup_topology)

# add_outer_addresses 4|6: the operator's and the agent's veth addresses of that family (IPv6 with nodad, so
# they are usable at once instead of after duplicate address detection).
add_outer_addresses() {
  if [ "$1" = 6 ]; then
    ip netns exec "$NS_OP" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
    ip netns exec "$NS_AG" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
    ip -n "$NS_OP" addr add "$OP_OUTER6/64" dev "nvo$SUFFIX" nodad
    ip -n "$NS_AG" addr add "$AGENT_OUTER6/64" dev "nva$SUFFIX" nodad
  else
    ip -n "$NS_OP" addr add "$OP_OUTER4/24" dev "nvo$SUFFIX"
    ip -n "$NS_AG" addr add "$AGENT_OUTER4/24" dev "nva$SUFFIX"
  fi
}

make_topology() {
  ip netns add "$NS_OP"; NETNS_TO_DELETE+=("$NS_OP")
  ip netns add "$NS_AG"; NETNS_TO_DELETE+=("$NS_AG")
  ip link add "nvo$SUFFIX" type veth peer name "nva$SUFFIX"
  ip link set "nvo$SUFFIX" netns "$NS_OP"
  ip link set "nva$SUFFIX" netns "$NS_AG"
  add_outer_addresses "$OUTER_FAMILY"
  for ns in "$NS_OP" "$NS_AG"; do ip -n "$ns" link set lo up; done
  ip -n "$NS_OP" link set "nvo$SUFFIX" up
  ip -n "$NS_AG" link set "nva$SUFFIX" up
  umask 077
  wg genkey > "$WORK/op.key"
  wg genkey > "$WORK/agent.key"
  umask 022
  OP_PUB=$(wg pubkey < "$WORK/op.key")
  AGENT_PUB=$(wg pubkey < "$WORK/agent.key")
}

start_operator_wireguard() {
  ip netns exec "$NS_OP" env WG_PROCESS_FOREGROUND=1 wireguard-go "$WG_IF" >> "$WORK/wireguard-go.log" 2>&1 &
  WG_PID=$!
  PIDS_TO_KILL+=("$WG_PID")
  wait_until 10 ip -n "$NS_OP" link show "$WG_IF" || fail "wireguard-go did not create $WG_IF within 10 s"
  op wg set "$WG_IF" private-key "$WORK/op.key" listen-port "$OP_PORT" \
    peer "$AGENT_PUB" allowed-ips 10.99.0.2/32 endpoint "$AGENT_ENDPOINT"
  ip -n "$NS_OP" addr add 10.99.0.1/24 dev "$WG_IF" 2>/dev/null || true
  ip -n "$NS_OP" link set "$WG_IF" mtu 1420 up
}

# The operator's WireGuard with no peers yet: the enrollment hub adds them (`wg set`).
start_operator_wireguard_without_peers() {
  ip netns exec "$NS_OP" env WG_PROCESS_FOREGROUND=1 wireguard-go "$WG_IF" >> "$WORK/wireguard-go.log" 2>&1 &
  WG_PID=$!
  PIDS_TO_KILL+=("$WG_PID")
  wait_until 10 ip -n "$NS_OP" link show "$WG_IF" || fail "wireguard-go did not create $WG_IF within 10 s"
  op wg set "$WG_IF" private-key "$WORK/op.key" listen-port "$OP_PORT"
  ip -n "$NS_OP" addr add 10.99.0.1/24 dev "$WG_IF" 2>/dev/null || true
  ip -n "$NS_OP" link set "$WG_IF" mtu 1420 up
}

# Sessions log in as a dedicated user whose shell is /bin/sh: root's shell start-up files on a developer
# machine (pyenv rehash with a 60 s lock, say) would make timings depend on the host, not on the agent.
TEST_USER=nefia-e2e
ensure_test_user() {
  getent passwd "$TEST_USER" >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
    --shell /bin/sh "$TEST_USER"
  usermod -p '*' "$TEST_USER"  # no password, but not "locked" ('!'), which sshd refuses even for keys
}

start_agent_sshd() {  # a real sshd on 127.0.0.1:22 inside the agent namespace, key auth only
  ensure_test_user
  mkdir -p /run/sshd "$WORK/xfer"
  chmod 1777 "$WORK/xfer"
  chmod 755 "$WORK"
  ssh-keygen -q -t ed25519 -N '' -f "$WORK/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$WORK/client_key"
  cp "$WORK/client_key.pub" "$WORK/authorized_keys"
  cat > "$WORK/sshd_config" <<CONF
ListenAddress 127.0.0.1:22
HostKey $WORK/host_key
AuthorizedKeysFile $WORK/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
MaxStartups 300
MaxSessions 300
Subsystem sftp internal-sftp
CONF
  ag /usr/sbin/sshd -f "$WORK/sshd_config" -D -e >> "$WORK/sshd.log" 2>&1 &
  SSHD_PID=$!
  PIDS_TO_KILL+=("$SSHD_PID")
  wait_until 10 ag bash -c 'exec 3<>/dev/tcp/127.0.0.1/22' || fail "sshd did not listen on 127.0.0.1:22"
}

# write_agent_config [EXTRA_YAML]; AGENT_SSH_ADDR overrides ssh_addr (127.0.0.1:22), AGENT_PEER_ENDPOINT the
# operator's endpoint ($OP_ENDPOINT: 192.0.2.1:$OP_PORT or [2001:db8:99::1]:$OP_PORT; bench/wan_bench.sh points
# it at the relay). Quoted: YAML reads an unquoted [ as the start of a list.
write_agent_config() {
  cat > "$WORK/agent.yaml" <<YAML
private_key: "$(cat "$WORK/agent.key")"
listen_port: $AGENT_PORT
address: 10.99.0.2/24
ssh_addr: ${AGENT_SSH_ADDR:-127.0.0.1:22}
peers:
  - public_key: "$OP_PUB"
    endpoint: "${AGENT_PEER_ENDPOINT:-$OP_ENDPOINT}"
    vpn_addr: 10.99.0.1
${1:-}
YAML
  chmod 600 "$WORK/agent.yaml"
}

start_agent_in_namespace() {
  ip netns exec "$NS_AG" "$AGENT" run --config "$WORK/agent.yaml" --log-file "$WORK/agent.log" "$@" >>"$WORK/stderr.log" 2>&1 &
  AGENT_PID=$!
  PIDS_TO_KILL+=("$AGENT_PID")
}

# ssh from the operator namespace to the agent's VPN address (as $SSH_USER, default the test user). Bounded
# (SSH_TIMEOUT, default 120 s): ConnectTimeout covers only the handshake, and a session that hangs must fail
# the test with the agent's log instead of running into ctest's timeout.
op_ssh() {
  op timeout "${SSH_TIMEOUT:-120}" ssh -i "$WORK/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ConnectTimeout=10 -o BatchMode=yes "${SSH_USER:-$TEST_USER}@10.99.0.2" "$@"
}
op_scp() {  # bounded (SCP_TIMEOUT, default 240 s): a hang fails the test with the agent's log, not ctest's timeout
  op timeout "${SCP_TIMEOUT:-240}" scp -i "$WORK/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ConnectTimeout=10 -o BatchMode=yes "$@"
}

# The whole set-up most end-to-end tests start from: both namespaces, the operator's wireguard-go, sshd and
# a running agent whose workers are all ready (report interval 1 s unless EXTRA_YAML says otherwise).
bring_up_agent() {  # bring_up_agent [EXTRA_YAML]
  make_topology
  start_operator_wireguard
  start_agent_sshd
  write_agent_config "${1:-testing:
  report_interval: 1s}"
  start_agent_in_namespace
  wait_until 10 all_workers_ready || fail "agent workers not ready"
}

# For WAN benchmarks: a third namespace with bench/wan_relay between the two WireGuard peers. Operator
# 198.51.100.1 <-> relay 198.51.100.2 | relay 203.0.113.1 <-> agent 203.0.113.2 (documentation ranges, inside
# the namespaces only). The direct veth stays; peers whose endpoints point at the relay ($RELAY_FOR_OPERATOR,
# $RELAY_FOR_AGENT) send through it. Call after make_topology.
NS_RL=$NETNS_PREFIX-rl-$SUFFIX
RELAY_PORT=51830
RELAY_FOR_OPERATOR=198.51.100.2:$RELAY_PORT
RELAY_FOR_AGENT=203.0.113.1:$RELAY_PORT
rl() { ip netns exec "$NS_RL" "$@"; }

make_relay_path() {
  ip netns add "$NS_RL"; NETNS_TO_DELETE+=("$NS_RL")
  ip link add "nro$SUFFIX" type veth peer name "nrr$SUFFIX"
  ip link add "nrg$SUFFIX" type veth peer name "nra$SUFFIX"
  ip link set "nro$SUFFIX" netns "$NS_OP"
  ip link set "nrr$SUFFIX" netns "$NS_RL"
  ip link set "nrg$SUFFIX" netns "$NS_RL"
  ip link set "nra$SUFFIX" netns "$NS_AG"
  ip -n "$NS_OP" addr add 198.51.100.1/24 dev "nro$SUFFIX"
  ip -n "$NS_RL" addr add 198.51.100.2/24 dev "nrr$SUFFIX"
  ip -n "$NS_RL" addr add 203.0.113.1/24 dev "nrg$SUFFIX"
  ip -n "$NS_AG" addr add 203.0.113.2/24 dev "nra$SUFFIX"
  ip -n "$NS_RL" link set lo up
  for link in "$NS_OP nro" "$NS_RL nrr" "$NS_RL nrg" "$NS_AG nra"; do
    ip -n "${link% *}" link set "${link#* }$SUFFIX" up
  done
}

# start_relay RELAY_BINARY [wan_relay OPTIONS...]: side a = the operator's wireguard-go, side b = the agent's
# WireGuard port. Its counters go to $WORK/relay.log when stop_relay ends it.
start_relay() {
  local binary=$1; shift
  ip netns exec "$NS_RL" "$binary" --listen-a "$RELAY_FOR_OPERATOR" --peer-a "198.51.100.1:$OP_PORT" \
    --listen-b "$RELAY_FOR_AGENT" --peer-b "203.0.113.2:$AGENT_PORT" "$@" >> "$WORK/relay.log" 2>&1 &
  RELAY_PID=$!
  PIDS_TO_KILL+=("$RELAY_PID")
  wait_until 5 relay_bound || fail "wan_relay did not bind its two sockets within 5 s (see $WORK/relay.log)"
}

relay_bound() { [ "$(rl ss -Huan | grep -c ":$RELAY_PORT ")" -ge 2 ]; }

stop_relay() {
  kill -TERM "$RELAY_PID" 2>/dev/null || true
  wait "$RELAY_PID" 2>/dev/null || true
}
