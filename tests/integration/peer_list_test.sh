#!/usr/bin/env bash
# Large peer lists and names that do not resolve (issue 12 items 4 and 6): 1,000 peers (above the ~440 that
# used to overflow the 64 KiB IPC frame and loop the tunnel) with the first peer's endpoint a name that does
# not resolve. The agent keeps running, the tunnel is configured once and stays, the peer shows UNRESOLVED.
source "$(dirname "$0")/lib.sh"

"$PY" - "$WORK/agent.yaml" <<'PY'
import base64, subprocess, sys
private = subprocess.run(["wg", "genkey"], capture_output=True, text=True, check=True).stdout.strip()
lines = [f'private_key: "{private}"', "listen_port: 51911", "address: 10.99.0.2/16", "ssh_addr: 127.0.0.1:22",
         "peers:"]
for index in range(1000):
    key = base64.b64encode(bytes([index & 0xff, index >> 8]) + bytes([7] * 30)).decode()
    endpoint = "no-such-host.invalid:51912" if index == 0 else f"127.0.0.1:{52000 + index}"
    lines += [f'  - public_key: "{key}"', f"    endpoint: {endpoint}", f"    vpn_addr: 10.99.{index // 250 + 1}.{index % 250 + 1}"]
lines += ["testing:", "  report_interval: 1s"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
chmod 600 "$WORK/agent.yaml"
start_agent
wait_until 15 all_workers_ready || fail "workers did not all become ready within 15 s"
peers_reported() { [ "$(health "len(r['peers'])")" = 1000 ]; }
wait_until 10 peers_reported || fail "the health report does not list 1000 peers: $(health "len(r['peers'])")"
pass "1000 peers configured and reported"

sleep 5  # five report intervals: a restart loop would show in the tunnel's generation
kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent exited: $(tail -n 3 "$WORK/stderr.log")"
[ "$(health "r['workers']['tunnel']['generation']")" = 1 ] || fail "the tunnel restarted: generation $(health "r['workers']['tunnel']['generation']")"
[ "$(health "r['workers']['tunnel']['state']")" = ready ] || fail "the tunnel is not ready"
pass "the tunnel stays in its first incarnation with 1000 peers"

error=$(health "[p['endpoint_error'] for p in r['peers'] if p['endpoint'] == 'no-such-host.invalid:51912'][0]")
case "$error" in "cannot resolve no-such-host.invalid: "*) ;; *) fail "unresolved peer not reported: '$error'";; esac
out=$("$AGENT" status --config "$WORK/agent.yaml")
grep -q "endpoint no-such-host.invalid:51912 .*UNRESOLVED (cannot resolve no-such-host.invalid: " <<< "$out" ||
  fail "status does not show the unresolved peer: $(grep -m1 no-such-host <<< "$out" || true)"
grep -q "retrying in" "$WORK/agent.log" || fail "the log does not say the name is retried"
pass "the unresolved peer is in the health report and status, and retried ($error)"

kill -TERM "$AGENT_PID"
wait_until 40 bash -c "! kill -0 $AGENT_PID 2>/dev/null" || fail "SIGTERM did not stop the agent"
wait "$AGENT_PID" || fail "the agent exited non-zero after SIGTERM"
pass "SIGTERM exits 0"
