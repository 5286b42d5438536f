#!/usr/bin/env bash
# The packaged unit under a real, booted systemd: the cached clean Debian 12 root plus systemd, the .deb
# installed, booted with systemd-nspawn (fallback: unshare + chroot with systemd as PID 1); then install-service,
# ready health, log rotation, SSH through the agent (host wireguard-go + sshd in its netns), reload of a config
# change, kill -9 brings it back (Restart=), stop drains an open session and exits 0, the security score.
# Usage: systemd_boot_test.sh PATH_TO_DEB   (root). If no systemd can be booted here, every attempt and its
# exact error are printed and the test passes with "systemd could not be booted here: <error>".
set -euo pipefail
deb=$(realpath "${1:?usage: $0 PATH_TO_DEB}")
cache=${NEFIA_TEST_ROOT_CACHE:-/var/cache/nefia-agent-test}
base=$cache/bookworm-apt.tar
depends=$(dpkg-deb -f "$deb" Depends)
rig=$cache/bookworm-systemd-$(sha256sum <<<"$depends" | cut -c1-12).tar   # rebuilt when Depends changes
boot_methods=${NEFIA_TEST_BOOT_METHODS:-nspawn unshare}
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
started=$SECONDS

work=$(mktemp -d "$PWD/systemd-boot.XXXXXX")
root=$work/root
machine=nspawn-test-$$
boot_pid="" leader="" method="" operator_pids=()
# nspawn halts the container on SIGTERM. systemd under unshare gets SIGKILL as the namespace's PID 1 (the kernel
# kills the namespace): its own shutdown could detach the host's swaps, loop and DM devices.
stop_signal_sent() {
  if [ "$method" = nspawn ]; then kill -TERM "$boot_pid" 2>/dev/null || true
  elif [ -n "$leader" ]; then kill -KILL "$leader" 2>/dev/null || true; fi
}
unmount_under_root() {  # every mount left below the root, deepest first
  awk -v prefix="$root/" 'index($2, prefix) == 1 {print $2}' /proc/mounts | sort -r |
    while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
}
cleanup() {
  local rc=$?
  set +e
  for pid in "${operator_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${operator_pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [ $rc -ne 0 ] && [ -n "$leader" ] && kill -0 "$leader" 2>/dev/null; then
    echo "---- journal of nefia-agent.service (last 40 lines)"
    in_ct timeout 10 journalctl -u nefia-agent --no-pager -n 40 -o short-precise || true
    echo "---- systemctl status nefia-agent; systemctl --failed"
    in_ct timeout 10 systemctl status --no-pager -n 0 nefia-agent || true
    in_ct timeout 10 systemctl --failed --no-pager || true
  fi
  if [ -n "$boot_pid" ] && kill -0 "$boot_pid" 2>/dev/null; then
    stop_signal_sent
    for _ in $(seq 1 40); do kill -0 "$boot_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$boot_pid" 2>/dev/null || true
    if [ -n "$leader" ]; then kill -KILL "$leader" 2>/dev/null || true; fi
    wait "$boot_pid" 2>/dev/null || true
  fi
  if [ $rc -ne 0 ] && [ -f "$work/boot.log" ]; then echo "---- boot log (last 30 lines)"; tail -n 30 "$work/boot.log"; fi
  if [ $rc -ne 0 ] && [ -f "$root/var/log/nefia/agent.log" ]; then echo "---- agent.log"; tail -n 30 "$root/var/log/nefia/agent.log"; fi
  unmount_under_root
  rm -rf "/run/systemd/nspawn/propagate/$machine" "/run/systemd/nspawn/unix-export/$machine"
  rm -rf --one-file-system "$work"
  exit $rc
}
trap cleanup EXIT

# The rig: the clean root plus systemd, dbus and the package's dependencies (built once per machine).
mkdir -p "$cache"
if [ ! -f "$rig" ]; then
  [ -f "$base" ] || mmdebstrap --quiet --variant=apt --format=tar bookworm "$base" http://deb.debian.org/debian
  echo "building the systemd rig (once per machine, cached at $rig)"
  mkdir -p "$work/rig"
  tar -C "$work/rig" -xf "$base"
  mount -t proc proc "$work/rig/proc" && mount --bind /dev "$work/rig/dev"
  cp /etc/resolv.conf "$work/rig/etc/resolv.conf"
  deps=$(echo "$depends" | tr ',' '\n' | sed 's/(.*)//; s/ //g' | grep -v '^$' | tr '\n' ' ')
  # shellcheck disable=SC2086
  chroot "$work/rig" env DEBIAN_FRONTEND=noninteractive sh -c "apt-get update -qq && apt-get install -y -qq \
    --no-install-recommends systemd-sysv dbus $deps" > "$work/rig.log" 2>&1 || { tail -n 30 "$work/rig.log"; fail "rig build failed"; }
  umount "$work/rig/proc" "$work/rig/dev"
  tar -C "$work/rig" -cf "$rig.tmp.$$" . && mv "$rig.tmp.$$" "$rig"   # per-process temp: concurrent builders
  rm -rf --one-file-system "$work/rig"
fi

# A fresh copy per run; the package installed by apt-get in a chroot (before the boot).
mkdir -p "$root"
tar -C "$root" -xf "$rig"
mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev"
cp "$deb" "$root/tmp/"
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" > "$work/install.log" 2>&1 || { tail -n 30 "$work/install.log"; fail "apt-get install failed"; }
umount "$root/proc" "$root/dev"
rm "$root/tmp/$(basename "$deb")"
pass "package installed into the systemd rig ($((SECONDS - started)) s so far)"

# A config that needs no operator: its peer is an unused loopback port (workers get ready without a handshake).
write_config() {  # write_config PEER_PORT
  cat > "$root/etc/nefia/agent.yaml" <<YAML
private_key: "$private_key"
listen_port: 51820
address: 10.99.0.2/24
ssh_addr: 127.0.0.1:22
peers:
  - public_key: "$peer_key"
    endpoint: 127.0.0.1:$1
    vpn_addr: 10.99.0.1
YAML
  chmod 600 "$root/etc/nefia/agent.yaml"
}
private_key=$(wg genkey)
operator_key=$(wg genkey)
peer_key=$(wg pubkey <<<"$operator_key")
mkdir -p "$root/etc/nefia"
write_config 51902

# Boot attempts: each prints what it runs and, on failure, its exact error.
leader_of() {  # leader_of PID: the child of PID that runs systemd (the container's PID 1)
  local child
  for child in $(ps -o pid= --ppid "$1"); do
    [ "$(cat "/proc/$child/comm" 2>/dev/null)" = systemd ] && { echo "$child"; return 0; }
    leader_of "$child" && return 0
  done
  return 1
}
in_ct() { timeout --kill-after=5 120 nsenter --target "$leader" --mount --uts --ipc --net --pid --root --wd -- \
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 SYSTEMD_COLORS=0 SYSTEMD_PAGER= "$@"; }
wait_booted() {  # wait_booted: up to 60 s for systemd to reach running (or degraded) in the container
  local state=""
  for _ in $(seq 1 120); do
    kill -0 "$boot_pid" 2>/dev/null || { boot_error="exited: $(grep -v '^$' "$work/boot.log" | tail -n 3 | tr '\n' ' ')"; return 1; }
    [ -n "$leader" ] || leader=$(leader_of "$boot_pid") || leader=""
    if [ -n "$leader" ]; then
      state=$(in_ct timeout 5 systemctl is-system-running 2>/dev/null) || true
      case $state in running|degraded) return 0 ;; esac
    fi
    sleep 0.5
  done
  boot_error="not running after 60 s (state '${state:-no systemd}'): $(grep -v '^$' "$work/boot.log" | tail -n 3 | tr '\n' ' ')"
  return 1
}
boot_nspawn() {
  # nspawn 252's seccomp allow-list lacks the Landlock calls (the workers would get EPERM): allow them.
  echo "attempt: systemd-nspawn --boot --directory=ROOT --register=no --keep-unit --private-network" \
    "--machine=$machine --system-call-filter='landlock_create_ruleset landlock_add_rule landlock_restrict_self'"
  systemd-nspawn --boot --directory="$root" --register=no --keep-unit --private-network --machine="$machine" \
    --system-call-filter='landlock_create_ruleset landlock_add_rule landlock_restrict_self' \
    --console=passive > "$work/boot.log" 2>&1 &
  boot_pid=$!
}
host_touching_units=(systemd-udevd.service systemd-udev-trigger.service systemd-sysctl.service
  systemd-modules-load.service systemd-binfmt.service getty@tty1.service systemd-udevd-control.socket
  systemd-udevd-kernel.socket)
boot_unshare() {  # container=unshare: systemd then acts as in a container (no device detach at shutdown)
  echo "attempt: unshare --pid --fork --mount --uts --ipc --net --cgroup, ROOT bind-mounted on itself, its /proc" \
    "mounted, /proc/sys read-only," \
    "udev/sysctl/modules masked, chroot ROOT env container=unshare /lib/systemd/systemd"
  local unit
  for unit in "${host_touching_units[@]}"; do ln -sf /dev/null "$root/etc/systemd/system/$unit"; done
  # shellcheck disable=SC2016  # $1 is expanded by the inner sh
  unshare --pid --fork --mount --uts --ipc --net --cgroup sh -c \
    'mount --bind "$1" "$1" && mount -t proc proc "$1/proc" && mount --bind "$1/proc/sys" "$1/proc/sys" &&
     mount -o remount,bind,ro "$1/proc/sys" &&
     exec chroot "$1" env -i container=unshare /lib/systemd/systemd --system --log-target=console' sh "$root" \
    > "$work/boot.log" 2>&1 < /dev/null &
  boot_pid=$!
}
stop_attempt() {
  stop_signal_sent
  for _ in $(seq 1 20); do kill -0 "$boot_pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$boot_pid" 2>/dev/null || true
  if [ -n "$leader" ]; then kill -KILL "$leader" 2>/dev/null || true; fi
  wait "$boot_pid" 2>/dev/null || true
  boot_pid="" leader=""
  for unit in "${host_touching_units[@]}"; do rm -f "$root/etc/systemd/system/$unit"; done
  unmount_under_root
}
booted="" errors=()
for method in $boot_methods; do
  leader=""
  boot_error=""
  if ! command -v "$( [ "$method" = nspawn ] && echo systemd-nspawn || echo unshare )" > /dev/null; then
    boot_error="not installed"
  else
    "boot_$method"
    sleep 0.5   # the boot command forks the namespace's PID 1
    if wait_booted; then booted=$method; break; fi
    stop_attempt
  fi
  echo "attempt $method failed: $boot_error"
  errors+=("$method: $boot_error")
done
if [ -z "$booted" ]; then
  echo "systemd could not be booted here: $(printf '%s; ' "${errors[@]}")"
  echo "(the unit was not run under systemd; the other packaging checks are separate tests and still run)"
  exit 0
fi
boot_seconds=$((SECONDS - started))
pass "systemd booted with $booted ($(in_ct systemctl is-system-running || true)), $boot_seconds s since the start"

# install-service inside: the unit is written, enabled, started, and the workers report ready.
unit_prop() { in_ct systemctl show -p "$1" --value nefia-agent; }
health_ready() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
sys.exit(0 if all(r["workers"][w]["state"] == "ready" for w in ("tunnel", "forwarder", "beacons", "updater")) else 1)' \
    "$root/etc/nefia/agent-health.json" 2>/dev/null
}
wait_for() {  # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.5; done
}
# A log just under --log-max-size 1 (MiB): the service's first line rotates it (rename, gzip on a helper thread).
mkdir -p "$root/var/log/nefia"
head -c 1048000 < <(yes "filler line from before the service started, to be rotated by it") > "$root/var/log/nefia/agent.log"
chmod 600 "$root/var/log/nefia/agent.log"
in_ct timeout 90 nefia-agent install-service --config /etc/nefia/agent.yaml --log-file /var/log/nefia/agent.log \
  --log-max-size 1 > "$work/install-service.out" 2>&1 ||
  { cat "$work/install-service.out"; in_ct journalctl -u nefia-agent --no-pager -n 30 || true; fail "install-service failed under systemd"; }
[ -f "$root/etc/systemd/system/nefia-agent.service" ] || fail "install-service wrote no unit"
[ "$(in_ct systemctl is-active nefia-agent)" = active ] || fail "the service is not active after install-service"
[ "$(in_ct systemctl is-enabled nefia-agent)" = enabled ] || fail "the service is not enabled"
health_ready || fail "the health report does not show every worker ready"
main_pid=$(unit_prop MainPID)
pass "install-service under systemd: active, enabled, all workers ready (MainPID $main_pid in the container)"

backup_gzipped() { compgen -G "$root/var/log/nefia/agent-*.log.gz" > /dev/null; }
wait_for 10 backup_gzipped || fail "the log was not rotated and gzipped under the unit: $(ls "$root/var/log/nefia")"
[ "$(zcat "$root"/var/log/nefia/agent-*.log.gz | grep -c "filler line")" -gt 10000 ] || fail "the gzipped backup does not hold the old log"
! grep -q "filler line" "$root/var/log/nefia/agent.log" || fail "the new agent.log still holds the old lines"
pass "log rotation under the unit: $(cd "$root/var/log/nefia" && echo agent-*.log.gz) written, agent.log fresh"

# SSH through the agent: the host's wireguard-go as the operator (10.99.0.1, 127.0.0.1:51902) and the host's
# sshd on 127.0.0.1:22, both in the booted system's network namespace; ssh to 10.99.0.2 crosses the unit's agent.
in_net() { timeout --kill-after=5 90 nsenter --no-fork --net="/proc/$leader/ns/net" -- "$@"; }   # no fork: $! is the program
wg_if=nspwg$$
net_ns=/proc/$leader/ns/net   # background programs: nsenter directly (a function would run in a subshell)
nsenter --no-fork --net="$net_ns" -- env WG_PROCESS_FOREGROUND=1 wireguard-go "$wg_if" > "$work/wireguard-go.log" 2>&1 &
operator_pids+=($!)
wait_for 10 in_net ip link show "$wg_if" > /dev/null 2>&1 || fail "wireguard-go did not create $wg_if"
in_net wg set "$wg_if" private-key <(echo "$operator_key") listen-port 51902 \
  peer "$(wg pubkey <<<"$private_key")" allowed-ips 10.99.0.2/32 endpoint 127.0.0.1:51820
in_net ip addr add 10.99.0.1/24 dev "$wg_if"
in_net ip link set "$wg_if" mtu 1420 up
ssh_user=nefia-e2e   # /bin/sh, no start-up files (as tests/integration/topology.sh)
getent passwd "$ssh_user" > /dev/null || useradd --system --no-create-home --home-dir /nonexistent --shell /bin/sh "$ssh_user"
usermod -p '*' "$ssh_user"
mkdir -p "$work/ssh" /run/sshd && chmod 755 "$work" "$work/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/host_key" && ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/client_key"
cp "$work/ssh/client_key.pub" "$work/ssh/authorized_keys"
printf '%s\n' "ListenAddress 127.0.0.1:22" "HostKey $work/ssh/host_key" "AuthorizedKeysFile $work/ssh/authorized_keys" \
  "PasswordAuthentication no" "KbdInteractiveAuthentication no" "UsePAM no" "StrictModes no" "PidFile none" > "$work/ssh/sshd_config"
nsenter --no-fork --net="$net_ns" -- /usr/sbin/sshd -f "$work/ssh/sshd_config" -D -e > "$work/sshd.log" 2>&1 &
operator_pids+=($!)
wait_for 10 in_net bash -c 'exec 3<>/dev/tcp/127.0.0.1/22' 2>/dev/null || fail "sshd did not listen in the container's namespace"
ssh_through() { in_net timeout 60 ssh -i "$work/ssh/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o LogLevel=ERROR -o ConnectTimeout=20 -o BatchMode=yes "$ssh_user@10.99.0.2" "$@"; }
ssh_start=$SECONDS
answer=$(ssh_through 'echo through-the-agent') ||
  { tail -n 5 "$work/sshd.log" "$work/wireguard-go.log"; fail "ssh through the agent under systemd failed"; }
[ "$answer" = through-the-agent ] || fail "ssh through the agent answered '$answer'"
pass "ssh $ssh_user@10.99.0.2 through the service's agent (wireguard-go operator): '$answer' in $((SECONDS - ssh_start)) s"

# Reload: a changed peer endpoint is applied by SIGHUP (ExecReload=), the supervisor keeps running.
log=$root/var/log/nefia/agent.log
[ -f "$log" ] || fail "no agent log at /var/log/nefia/agent.log"
landlock=$(grep -m1 -o "landlock: .*" "$log" || echo "no warning: the workers' Landlock rulesets are in force")
echo "info: under $booted, workers report $landlock"
reloads_before=$(grep -c "config reloaded:" "$log" || true)
write_config 51903
in_ct timeout 30 systemctl reload nefia-agent || fail "systemctl reload failed"
reloaded() { [ "$(grep -c 'config reloaded:' "$log")" -gt "$reloads_before" ]; }
wait_for 10 reloaded || fail "the reload was not applied"
grep "config reloaded:" "$log" | tail -n 1 | grep -qv "config reloaded: nothing" || fail "the reload saw no change"
[ "$(unit_prop MainPID)" = "$main_pid" ] || fail "the reload restarted the supervisor"
pass "systemctl reload applied the config change: $(grep "config reloaded:" "$log" | tail -n 1 | sed 's/.*config reloaded/config reloaded/')"

# kill -9 of the supervisor: Restart=on-failure starts it again (RestartSec=5) and the workers get ready.
restarts_before=$(unit_prop NRestarts)
kill_time=$SECONDS kill_epoch=$(date +%s)
in_ct kill -KILL "$main_pid"
restarted() { [ "$(unit_prop MainPID)" != "$main_pid" ] && [ "$(in_ct systemctl is-active nefia-agent)" = active ]; }
wait_for 30 restarted ||
  fail "kill -9 of the supervisor did not bring the service back within 30 s ($(in_ct systemctl is-active nefia-agent || true))"
[ "$(unit_prop NRestarts)" -gt "$restarts_before" ] || fail "NRestarts did not count the restart"
wait_for 30 health_ready || fail "the workers are not ready after the restart"
new_pid=$(unit_prop MainPID)
pass "kill -9 of MainPID $main_pid: Restart= brought it back as $new_pid in $((SECONDS - kill_time)) s, workers ready"
[ "$(stat -c %Y "$root/etc/nefia/agent-health.json")" -ge "$kill_epoch" ] || fail "the restarted agent did not rewrite the health report"
[ "$(ssh_through 'echo again')" = again ] || fail "ssh through the restarted agent failed"
pass "ssh through the restarted agent works"

# Stop: SIGTERM to the supervisor only (KillMode=mixed), drain, exit 0 within TimeoutStopSec.
# An open SSH session during the stop: the forwarder drains it (the session finishes) before the exit.
ssh_through 'echo started; sleep 4; echo finished' > "$work/session.out" 2>&1 &
session_pid=$!
operator_pids+=("$session_pid")
wait_for 30 grep -q started "$work/session.out" || fail "the SSH session for the drain did not start"
drains_before=$(grep -c "forwarder: drain complete" "$log" || true)
stop_start=$SECONDS
in_ct timeout 60 systemctl stop nefia-agent || fail "systemctl stop failed"
stop_seconds=$((SECONDS - stop_start))
[ "$(in_ct systemctl is-active nefia-agent || true)" = inactive ] || fail "the service is not inactive after stop"
[ "$(unit_prop Result)" = success ] || fail "stop result is $(unit_prop Result), not success"
[ "$(unit_prop ExecMainStatus)" = 0 ] || fail "the supervisor exited with $(unit_prop ExecMainStatus) at stop"
[ "$(grep -c "forwarder: drain complete" "$log")" -gt "$drains_before" ] || fail "the forwarder did not drain at stop"
wait "$session_pid" || fail "the SSH session open during the stop failed: $(cat "$work/session.out")"
grep -q finished "$work/session.out" || fail "the SSH session was cut by the stop: $(cat "$work/session.out")"
grep -q "draining 1 connection" "$log" || fail "the forwarder did not report the open connection at stop"
[ $stop_seconds -ge 2 ] || fail "stop took $stop_seconds s: it did not wait for the open session"
[ $stop_seconds -le 45 ] || fail "stop took $stop_seconds s, above TimeoutStopSec=45"
pass "systemctl stop with an open SSH session: the session finished, forwarder drained, exit 0, result success, in $stop_seconds s"

# The exposure score of the installed unit, as systemd inside sees it.
score=$(in_ct systemd-analyze security nefia-agent 2>&1 | grep "Overall exposure level" || true)
[ -n "$score" ] || fail "systemd-analyze security printed no score"
echo "in-container systemd-analyze security nefia-agent: ${score##*: }"
pass "the unit ran under systemd $booted; the test took $((SECONDS - started)) s"
