# Shared helpers for the integration test scripts: temp dirs, keys, configs, bounded waits, health fields,
# and a cleanup trap that stops every process the test started. Source it; never run it.
set -euo pipefail

AGENT=${1:?usage: $0 PATH_TO_NEFIA_AGENT}
WORK=$(mktemp -d /tmp/nefia-it.XXXXXX)
PIDS_TO_KILL=()
NETNS_TO_DELETE=()
PY=/usr/bin/python3

CLEANUP_HOOKS=()  # functions run first by cleanup (e.g. topology.sh's) with the exit status as $1

cleanup() {
  local status=$?
  disown -a 2>/dev/null || true  # the shell would print a "Killed" line for each background job killed below
  for hook in "${CLEANUP_HOOKS[@]}"; do "$hook" "$status" || true; done
  for pid in "${PIDS_TO_KILL[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${PIDS_TO_KILL[@]}"; do pkill -KILL -P "$pid" 2>/dev/null || true; done
  for ns in "${NETNS_TO_DELETE[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ $status -ne 0 ] && [ -f "$WORK/agent.log" ]; then
    echo "---- agent log (last 60 lines) ----"; tail -n 60 "$WORK/agent.log"
  fi
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# wait_until SECONDS COMMAND...: polls every 50 ms until COMMAND succeeds; fails after SECONDS.
wait_until() {
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# write_config FILE [EXTRA_YAML]: a valid config whose peer endpoint is an unused loopback port.
write_config() {
  local file=$1 extra=${2:-}
  local private peer
  private=$(wg genkey)
  peer=$(wg genkey | wg pubkey)
  cat > "$file" <<YAML
private_key: "$private"
listen_port: ${LISTEN_PORT:-51901}
address: 10.99.0.2/24
ssh_addr: 127.0.0.1:22
peers:
  - public_key: "$peer"
    endpoint: 127.0.0.1:${PEER_PORT:-51902}
    vpn_addr: 10.99.0.1
$extra
YAML
  chmod 600 "$file"
}

# health FIELD_EXPRESSION: prints a value from agent-health.json, e.g. health 'r["workers"]["tunnel"]["pid"]'.
health() {
  "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$WORK/agent-health.json" "$1"
}

all_workers_ready() {
  for w in tunnel forwarder beacons updater; do
    [ "$(health "r['workers']['$w']['state']")" = ready ] || return 1
  done
}

start_agent() {  # start_agent [EXTRA_FLAGS...]
  "$AGENT" run --config "$WORK/agent.yaml" --log-file "$WORK/agent.log" "$@" 2>>"$WORK/stderr.log" &
  AGENT_PID=$!
  PIDS_TO_KILL+=("$AGENT_PID")
}
