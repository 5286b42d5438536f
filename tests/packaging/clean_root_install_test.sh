#!/usr/bin/env bash
# apt-get install of the .deb into a clean Debian 12 root (mmdebstrap from the configured Debian archive,
# cached outside the clone): dependencies resolve, the worker user and the binary slot exist, the service is
# not enabled without a config; remove and purge take the unit, slot and user but keep config and logs.
# Usage: clean_root_install_test.sh PATH_TO_DEB   (root; NEFIA_TEST_ROOT_CACHE overrides the cache directory)
set -euo pipefail
deb=$(realpath "${1:?usage: $0 PATH_TO_DEB}")
cache=${NEFIA_TEST_ROOT_CACHE:-/var/cache/nefia-agent-test}
tarball=$cache/bookworm-apt.tar
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

mkdir -p "$cache"
if [ ! -f "$tarball" ]; then
  echo "building the clean Debian 12 root (once per machine, cached at $tarball)"
  mmdebstrap --quiet --variant=apt --format=tar bookworm "$tarball.tmp" http://deb.debian.org/debian
  mv "$tarball.tmp" "$tarball"
fi
root=$(mktemp -d "$PWD/clean-root.XXXXXX")
unmount_all() {
  for mount in "$root/proc" "$root/dev"; do umount "$mount" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap unmount_all EXIT
tar -C "$root" -xf "$tarball"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

cp "$deb" "$root/tmp/"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" > "$root/tmp/install.log" 2>&1 ||
  { tail -n 30 "$root/tmp/install.log"; fail "apt-get install of the package failed"; }
grep -q "nefia-agent: not started (no config yet)" "$root/tmp/install.log" || fail "postinst does not say the service waits for a config"
in_root /usr/bin/nefia-agent --version | grep -q "^nefia-agent v" || fail "the installed binary does not run"
in_root getent passwd nefia-agent > /dev/null || fail "no nefia-agent user after install"
in_root getent passwd nefia-beacons > /dev/null || fail "no nefia-beacons user after install"
[ "$(readlink "$root/var/lib/nefia-agent/current")" = "$(in_root /usr/bin/nefia-agent --version | sed -n '1s/^nefia-agent //p')" ] ||
  fail "current does not point at the installed version"
cmp -s "$root/usr/bin/nefia-agent" "$root/var/lib/nefia-agent/current/nefia-agent" || fail "the slot's binary differs"
[ "$(in_root stat -c %U /var/lib/nefia-agent/staging)" = nefia-agent ] || fail "staging is not owned by nefia-agent"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/nefia-agent.service" ] || fail "the service was enabled without a config"
pass "installed with its dependencies in a clean Debian 12 root; user, slot, not enabled"

echo "private_key: kept" > "$root/etc/nefia/agent.yaml"
echo "kept" > "$root/var/log/nefia/agent.log"
in_root apt-get install -y -qq --reinstall "/tmp/$(basename "$deb")" > "$root/tmp/upgrade.log" 2>&1 || fail "reinstall failed"
pass "reinstall (the upgrade path) succeeds"
in_root apt-get purge -y -qq nefia-agent > "$root/tmp/purge.log" 2>&1 || { cat "$root/tmp/purge.log"; fail "purge failed"; }
[ ! -e "$root/usr/bin/nefia-agent" ] && [ ! -e "$root/lib/systemd/system/nefia-agent.service" ] || fail "files left after purge"
[ ! -e "$root/var/lib/nefia-agent" ] || fail "the binary slot is left after purge"
! in_root getent passwd nefia-agent > /dev/null || fail "the nefia-agent user is left after purge"
! in_root getent passwd nefia-beacons > /dev/null || fail "the nefia-beacons user is left after purge"
[ -f "$root/etc/nefia/agent.yaml" ] && [ -f "$root/var/log/nefia/agent.log" ] || fail "purge removed config or logs"
grep -q "Kept: the config and keys" "$root/tmp/purge.log" || fail "purge does not say what it kept"
pass "purge removes unit, slot and user, keeps config and logs and says so"
