#!/usr/bin/env bash
# packaging/install-agent.sh in a clean Debian 12 root (the cached mmdebstrap root plus curl) against a local
# HTTPS server with a test CA: no token is refused, a tampered .deb is refused with nothing installed, the good
# one is installed with apt-get and the script goes on to `enroll --install` (its error shown: no hub here).
# Usage: install_agent_test.sh PATH_TO_DEB   (root; after clean_root_install_test.sh built the cached root)
set -euo pipefail
deb=$(realpath "${1:?usage: $0 PATH_TO_DEB}")
here=$(cd "$(dirname "$0")" && pwd)
tarball=${NEFIA_TEST_ROOT_CACHE:-/var/cache/nefia-agent-test}/bookworm-apt.tar
[ -f "$tarball" ] || { echo "FAIL: no cached root at $tarball (clean_root_install_test.sh builds it)" >&2; exit 1; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

work=$(mktemp -d "$PWD/install-agent.XXXXXX")
root=$work/root
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  for mount in "$root/proc" "$root/dev"; do umount "$mount" 2>/dev/null || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# Releases: a good one and one whose .deb was changed after SHA256SUMS was written.
name=$(basename "$deb")
mkdir -p "$work/good" "$work/tampered" "$root"
cp "$deb" "$work/good/$name"
( cd "$work/good" && sha256sum "$name" > SHA256SUMS )
cp "$work/good/SHA256SUMS" "$work/tampered/"
{ cat "$deb"; printf 'tampered'; } > "$work/tampered/$name"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=test-ca \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cp "$here/../../packaging/install-agent.sh" "$work/install-agent.sh"
python3 "$here/https_release_server.py" "$work" "$work/cert.pem" "$work/key.pem" "$work/port" 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
base=https://127.0.0.1:$(cat "$work/port")

tar -C "$root" -xf "$tarball"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 CURL_CA_BUNDLE=/tmp/ca.pem "$@"; }
in_root apt-get update -qq > "$work/apt.log" 2>&1
in_root apt-get install -y -qq --no-install-recommends curl ca-certificates >> "$work/apt.log" 2>&1
cp "$work/cert.pem" "$root/tmp/ca.pem"
# As the reference runs it: curl -fsSL URL | sh -s -- --token '<TOKEN>'.
run_script() { in_root sh -c 'curl -fsSL "$0/install-agent.sh" | sh -s -- "$@"' "$base" "$@"; }

status=0; run_script > "$work/out" 2>&1 || status=$?
[ "$status" -eq 1 ] && grep -q "refusing to run without an invite token: pass --token" "$work/out" ||
  fail "no-token run: exit $status, $(cat "$work/out")"
pass "refuses to run without a token"

status=0; run_script --token eyJtest --base-url "$base/tampered" > "$work/out" 2>&1 || status=$?
[ "$status" -eq 1 ] && grep -q "SHA-256 mismatch for $name .*: the download is corrupt or tampered with; nothing was installed" "$work/out" ||
  fail "tampered run: exit $status, $(cat "$work/out")"
! in_root dpkg -s nefia-agent > /dev/null 2>&1 || fail "the tampered package was installed"
[ ! -e "$root/usr/bin/nefia-agent" ] && [ ! -e "$root/usr/local/bin/nefia-agent" ] || fail "a binary was installed after a mismatch"
pass "a tampered download is refused and nothing is installed"

status=0; in_root env NEFIA_AGENT_BASE_URL="$base/good" sh -c 'curl -fsSL "$0/install-agent.sh" | sh -s -- --token eyJtest' "$base" > "$work/out" 2>&1 || status=$?
grep -q "will download $name from $base/good, verify its SHA-256, install it with apt-get" "$work/out" || fail "does not say what it will do: $(cat "$work/out")"
grep -q "SHA-256 verified" "$work/out" && in_root dpkg -s nefia-agent > /dev/null || fail "the good package was not installed: $(cat "$work/out")"
grep -q "install-agent: enrolling" "$work/out" || fail "did not go on to enroll"
# The reference's enrollment error table ("Error: ..." / "Resolution: ..."), and the script's exit code is enroll's.
[ "$status" -ne 0 ] && grep -q "^Error: " "$work/out" && grep -q "^Resolution: " "$work/out" ||
  fail "enroll with a bad token did not stop the script: exit $status, $(cat "$work/out")"
pass "good download verified and installed with its dependencies (environment variable base URL), then enroll runs"
