#!/usr/bin/env bash
# End-to-end enrollment in network namespaces: `nefia vpn hub` + wireguard-go on the operator side, `nefia vpn
# invite` -> `nefia-agent enroll --yes` -> `nefia-agent run` -> ssh through the tunnel with the hub's known_hosts;
# then the reference's exact errors (reuse, expiry, changed byte, empty nonce, burst), a hub restart that keeps
# its nonce store, garbage on the hub's port, peer restore after a WireGuard restart, and a >1 MB hub answer.
# Usage: e2e_enroll_test.sh PATH_TO_NEFIA_AGENT PATH_TO_NEFIA
NEFIA=${2:?usage: $0 PATH_TO_NEFIA_AGENT PATH_TO_NEFIA}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../integration/lib.sh"
source "$HERE/../integration/topology.sh"
# lib.sh's trap runs cleanup, which runs topology.sh's cleanup_topology hook first and keeps the exit status.

HUB_DIR=$WORK/hub
hub() { op "$NEFIA" --state-dir "$HUB_DIR" "$@"; }

start_hub() {  # start_hub [EXTRA_FLAGS...]
  # ip netns exec execs nefia, so HUB_PID is the hub itself (a shell function in between would not pass on TERM).
  ip netns exec "$NS_OP" "$NEFIA" --state-dir "$HUB_DIR" vpn hub --listen 192.0.2.1:19820 --restore-interval 1s "$@" \
    >> "$WORK/hub.log" 2>&1 &
  HUB_PID=$!
  PIDS_TO_KILL+=("$HUB_PID")
  wait_until 10 op bash -c 'exec 3<>/dev/tcp/192.0.2.1/19820' || { cat "$WORK/hub.log"; fail "hub did not listen"; }
}

# enroll_expect_error TOKEN TEXT RESOLUTION: enrollment fails with exit 1, the reference's text and resolution.
enroll_expect_error() {
  local token=$1 text=$2 resolution=$3 status=0
  ag "$AGENT" enroll --token "$token" --yes --out-dir "$WORK/refused" > "$WORK/enroll.out" 2> "$WORK/enroll.err" ||
    status=$?
  [ "$status" -eq 1 ] || { cat "$WORK/enroll.out" "$WORK/enroll.err"; fail "expected exit 1 for '$text', got $status"; }
  grep -qxF "Error: $text" "$WORK/enroll.err" || { cat "$WORK/enroll.err"; fail "missing 'Error: $text'"; }
  grep -qxF "Resolution: $resolution" "$WORK/enroll.err" || { cat "$WORK/enroll.err"; fail "missing resolution"; }
  [ ! -e "$WORK/refused/agent.yaml" ] || fail "a refused enrollment wrote a config"
  pass "$text"
}

# resign_token TOKEN PYTHON_EXPR: re-signs the token's payload p after applying PYTHON_EXPR with the hub's secret.
resign_token() {
  "$PY" - "$1" "$HUB_DIR/hub.secret" "$2" <<'PYEOF'
import base64, hashlib, hmac, json, sys
token, secret_path, change = sys.argv[1], sys.argv[2], sys.argv[3]
body = token.split(".")[0]
p = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
exec(change)
new = base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=")
key = base64.b64decode(open(secret_path).read())
sig = base64.urlsafe_b64encode(hmac.new(key, new, hashlib.sha256).digest()).rstrip(b"=")
print((new + b"." + sig).decode())
PYEOF
}

make_topology
start_operator_wireguard_without_peers
start_agent_sshd

hub vpn init --interface "$WG_IF" --address 10.99.0.1/24 --enroll-addr 192.0.2.1 > /dev/null
start_hub --rate-interval 100ms
TOKEN=$(hub vpn invite --name agent1 --os linux)
[[ $TOKEN == eyJ* ]] || fail "token does not start with eyJ: $TOKEN"

# Without --yes and without a terminal, enrollment is refused before anything is sent.
status=0
ag "$AGENT" enroll --token "$TOKEN" --out-dir "$WORK/noyes" < /dev/null 2> "$WORK/noyes.err" || status=$?
[ "$status" -eq 1 ] && grep -q "pass --yes" "$WORK/noyes.err" || fail "missing --yes was not refused"

start_ms=$(now_ms)
ag "$AGENT" enroll --token "$TOKEN" --yes --out-dir "$WORK/agentcfg" > "$WORK/enroll.out" 2> "$WORK/enroll.err" ||
  { cat "$WORK/enroll.out" "$WORK/enroll.err" "$WORK/hub.log"; fail "enrollment failed"; }
ENROLL_MS=$(( $(now_ms) - start_ms ))
HOST_FP=$(ssh-keygen -lf "$WORK/host_key.pub" | awk '{print $2}')
for line in "Connecting to operator at 192.0.2.1:19820... Direct enrollment succeeded." \
            "Validating invite token... OK" "Key exchange... OK" "VPN tunnel established 10.99.0.2" \
            "SSH host key registered $HOST_FP" "Enrollment successful!" \
            "Config written to $WORK/agentcfg/agent.yaml"; do
  grep -qxF "$line" "$WORK/enroll.out" || { cat "$WORK/enroll.out" "$WORK/enroll.err"; fail "missing line: $line"; }
done
[ "$(stat -c %a "$WORK/agentcfg/agent.yaml")" = 600 ] || fail "agent.yaml is not mode 0600"
pass "enrollment transcript, tunnel proven by a WireGuard handshake (${ENROLL_MS} ms)"

grep -qF "$(cut -d' ' -f1,2 "$WORK/host_key.pub")" "$HUB_DIR/known_hosts" || fail "known_hosts lacks the host key"
pass "operator known_hosts holds the agent's SSH host key"

# ip netns exec execs the agent, so AGENT_PID is the agent itself (SIGTERM below reaches it).
ip netns exec "$NS_AG" "$AGENT" run --config "$WORK/agentcfg/agent.yaml" --log-file "$WORK/agent.log" 2>> "$WORK/stderr.log" &
AGENT_PID=$!
PIDS_TO_KILL+=("$AGENT_PID")
ssh_ok() {
  op timeout 60 ssh -i "$WORK/client_key" -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$HUB_DIR/known_hosts" \
    -o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes "$TEST_USER@10.99.0.2" echo through-the-tunnel > "$WORK/ssh.out"
}
wait_until 30 ssh_ok || fail "ssh through the enrolled tunnel (strict host key checking) did not work"
[ "$(cat "$WORK/ssh.out")" = through-the-tunnel ] || fail "unexpected ssh output: $(cat "$WORK/ssh.out")"
pass "ssh through the tunnel with the hub's known_hosts (StrictHostKeyChecking=yes)"
hub vpn status > "$WORK/status.out"
grep -E '^agent1 +10\.99\.0\.2 +192\.0\.2\.2:51820 +([0-9]+m)?[0-9]+s ago$' "$WORK/status.out" > /dev/null ||
  { cat "$WORK/status.out"; fail "nefia vpn status does not show agent1 with a recent handshake"; }
pass "nefia vpn status lists agent1 with its handshake"

# enroll --install: after a good enrollment the service is installed and "Service installed." ends the
# transcript; a failed install keeps the config and says how to retry. A fake systemctl on PATH records the
# calls and starts the unit's ExecStart (tests/integration/fake_systemctl.sh); the enrollment's tunnel probe
# and the installed agent need port 51820, so the agent started above stops first.
kill -TERM "$AGENT_PID"
agent_status=0; wait "$AGENT_PID" || agent_status=$?
[ "$agent_status" -eq 0 ] || { tail -n 20 "$WORK/agent.log"; fail "the enrolled agent exited $agent_status on SIGTERM"; }
SVC=$(mktemp -d "$PWD/enroll-install.XXXXXX")  # not /tmp: the system unit refuses what PrivateTmp= hides
remove_install_work() { [ -f "$SVC/state/agent.pid" ] && kill -KILL "$(cat "$SVC/state/agent.pid")" 2>/dev/null; rm -rf "$SVC"; }
CLEANUP_HOOKS+=(remove_install_work)
mkdir -p "$SVC/bin" "$SVC/state"
cp "$HERE/../integration/fake_systemctl.sh" "$SVC/bin/systemctl" && chmod +x "$SVC/bin/systemctl"
enroll_install() {  # enroll_install TOKEN OUT_DIR [FAKE_SYSTEMCTL_MODE]
  ag env PATH="$SVC/bin:$PATH" NEFIA_TEST_SERVICE_ROOT="$SVC/root" FAKE_SYSTEMCTL_LOG="$SVC/systemctl.log" \
    FAKE_SYSTEMCTL_STATE="$SVC/state" FAKE_SYSTEMCTL_UNIT="$SVC/root/etc/systemd/system/nefia-agent.service" \
    FAKE_SYSTEMCTL_MODE="${3:-start}" XDG_STATE_HOME="$SVC/logs" \
    "$AGENT" enroll --token "$1" --yes --install --out-dir "$2" > "$SVC/out" 2> "$SVC/err"
}
enroll_install "$(hub vpn invite --name agent-installed --os linux)" "$SVC/installed" ||
  { cat "$SVC/out" "$SVC/err"; fail "enroll --install failed"; }
grep -qxF "Enrollment successful!" "$SVC/out" && [ "$(tail -n 1 "$SVC/out")" = "Service installed." ] ||
  { cat "$SVC/out" "$SVC/err"; fail "the transcript does not end with 'Service installed.'"; }
grep -q "^ExecStart=$SVC/root/var/lib/nefia-agent/current/nefia-agent run --config $SVC/installed/agent.yaml " \
  "$SVC/root/etc/systemd/system/nefia-agent.service" || fail "the unit does not run the enrolled config"
pass "enroll --install: enrolled, unit written, workers ready, 'Service installed.'"
kill -TERM "$(cat "$SVC/state/agent.pid")" && rm -f "$SVC/state/agent.pid"
sleep 1  # the installed agent frees port 51820 for the next enrollment's probe

status=0
enroll_install "$(hub vpn invite --name agent-install-fails --os linux)" "$SVC/kept" fail || status=$?
[ "$status" -eq 1 ] || { cat "$SVC/out" "$SVC/err"; fail "a failed install after enrollment exited $status"; }
[ -f "$SVC/kept/agent.yaml" ] || fail "the config of the good enrollment was not kept"
grep -qxF "nefia-agent enroll: enrollment succeeded and the config is kept at $SVC/kept/agent.yaml, but the service was not installed (see above); retry with: nefia-agent install-service --config $SVC/kept/agent.yaml" "$SVC/err" ||
  { cat "$SVC/err"; fail "no retry message after the failed install"; }
pass "enroll --install with a failing install keeps the config and says how to retry"

enroll_expect_error "$TOKEN" "token has already been used (nonce reused)" \
  "Generate a fresh token -- each token is single-use"
SHORT=$(hub vpn invite --name agent2 --os linux --ttl 1s)
sleep 2
enroll_expect_error "$SHORT" "token has expired" "Generate a new token with nefia vpn reinvite"
FRESH=$(hub vpn invite --name agent3 --os linux)
sig=${FRESH#*.}
i=$(( ${#sig} / 2 ))
c=${sig:$i:1}; [ "$c" = A ] && r=B || r=A
enroll_expect_error "${FRESH%%.*}.${sig:0:$i}$r${sig:$((i + 1))}" "invalid token signature" \
  "Copy the full token string again from the operator"
enroll_expect_error "$(resign_token "$FRESH" 'p["nonce"] = ""')" "enrollment nonce must not be empty" \
  "Generate a new token -- this indicates a corrupted or hand-crafted token"

# Restart the hub with the default rate limit: the nonce store survives; garbage on the port does not stop it.
kill -TERM "$HUB_PID"
wait_until 5 bash -c "! kill -0 $HUB_PID" || fail "hub did not stop on SIGTERM"
start_hub
op bash -c 'head -c 70000 /dev/urandom > /dev/tcp/192.0.2.1/19820' 2>/dev/null || true
op bash -c 'printf "\x16\x03\x01\xff\xff garbage" > /dev/tcp/192.0.2.1/19820' 2>/dev/null || true
enroll_expect_error "$TOKEN" "token has already been used (nonce reused)" \
  "Generate a fresh token -- each token is single-use"
pass "hub restarted with its nonce store and survived garbage on its port"

limited=0
for attempt in 1 2 3 4 5 6; do
  ag "$AGENT" enroll --token "$TOKEN" --yes --out-dir "$WORK/refused" > /dev/null 2> "$WORK/burst.err" || true
  if grep -qxF "Error: too many enrollment requests" "$WORK/burst.err"; then
    grep -qxF "Resolution: Wait 30 seconds and retry" "$WORK/burst.err" || fail "rate limit without resolution"
    limited=$attempt
    break
  fi
done
[ "$limited" -eq 5 ] || fail "the burst was limited at attempt $limited, expected the 6th request (5th here)"
pass "too many enrollment requests after a burst of 5"

# WireGuard restart: the hub puts the enrolled peer back.
op wg set "$WG_IF" peer "$(awk '/^private_key/ {gsub(/"/, "", $2); print $2}' "$WORK/agentcfg/agent.yaml" |
  wg pubkey)" remove
wait_until 10 bash -c "ip netns exec $NS_OP wg show $WG_IF peers | grep -q ." || fail "hub did not restore the peer"
pass "hub restored the peer removed from the WireGuard interface"

# A hub that answers with more than 1 MB is rejected.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=big -days 1 \
  -keyout "$WORK/big.key" -out "$WORK/big.pem" 2> /dev/null
PIN=$(openssl x509 -in "$WORK/big.pem" -outform DER | sha256sum | cut -d' ' -f1)
cat > "$WORK/big_hub.py" <<'PYEOF'
import socket, ssl, struct, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
server = socket.create_server(("192.0.2.1", 19821))
server.settimeout(30)
size = 1024 * 1024 + 1
for _ in range(3):  # the readiness probe connects without TLS first
    conn, _ = server.accept()
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
        tls.settimeout(10)
        tls.recv(65536)
        tls.sendall(struct.pack(">I", size) + b"{" + b" " * (size - 1))
    except OSError:
        continue
PYEOF
op "$PY" "$WORK/big_hub.py" "$WORK/big.pem" "$WORK/big.key" &
BIG_PID=$!
PIDS_TO_KILL+=("$BIG_PID")
wait_until 10 op bash -c 'exec 3<>/dev/tcp/192.0.2.1/19821' || fail "the oversized test hub did not listen"
BIG=$(resign_token "$FRESH" "p['enroll_addrs'] = ['192.0.2.1:19821']; p['hub_cert_sha256'] = '$PIN'")
status=0
ag "$AGENT" enroll --token "$BIG" --yes --out-dir "$WORK/big" > /dev/null 2> "$WORK/big.err" || status=$?
[ "$status" -eq 1 ] && grep -q "exceeds the limit of 1048576 bytes" "$WORK/big.err" ||
  { cat "$WORK/big.err"; fail "a >1 MB answer was not rejected (exit $status)"; }
[ ! -e "$WORK/big/agent.yaml" ] || fail "config written after an oversized answer"
pass "hub answer above 1 MB rejected"
echo "enroll_ms=$ENROLL_MS"
