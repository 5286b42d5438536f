#!/usr/bin/env bash
# NetworkMonitor in its own network namespace: a netlink event for an added and for a removed address reaches
# it at once (well before the 5 s polling fallback would). Usage: network_monitor_netns_test.sh PROBE_BINARY
set -euo pipefail
PROBE=${1:?usage: $0 PATH_TO_network_monitor_probe}
NS=nefia-netmon-$$
LINK=nmd$$
OUT=$(mktemp /tmp/nefia-netmon.XXXXXX)
PROBE_PID=

cleanup() {
  local status=$?
  [ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  [ $status -ne 0 ] && { echo "---- probe output ----"; cat "$OUT"; }
  rm -f "$OUT"
  exit $status
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_for_line() {  # wait_for_line TEXT SECONDS
  local deadline=$(( $(now_ms) + $2 * 1000 ))
  until grep -qx -- "$1" "$OUT"; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.01
  done
}

ip netns add "$NS"
ip -n "$NS" link add "$LINK" type veth peer name "${LINK}p"  # veth: the dummy module may be missing
ip -n "$NS" link set "$LINK" up
ip -n "$NS" link set "${LINK}p" up
ip netns exec "$NS" "$PROBE" > "$OUT" 2>&1 &
PROBE_PID=$!
wait_for_line "watching netlink" 5 || fail "the monitor did not start on netlink"

started=$(now_ms)
ip -n "$NS" addr add 192.0.2.77/24 dev "$LINK"
wait_for_line "added 192.0.2.77 on $LINK" 2 || fail "no event for the added address within 2 s"
echo "ok: added address reported after $(( $(now_ms) - started )) ms"

started=$(now_ms)
ip -n "$NS" addr del 192.0.2.77/24 dev "$LINK"
wait_for_line "removed 192.0.2.77 on $LINK" 2 || fail "no event for the removed address within 2 s"
echo "ok: removed address reported after $(( $(now_ms) - started )) ms"
grep -q "network: address added: 192.0.2.77 on $LINK" "$OUT" || fail "the added address was not logged"
