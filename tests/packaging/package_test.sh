#!/usr/bin/env bash
# Checks a built nefia-agent .deb (scripts/package.sh): its files, shlibdeps-computed dependencies, the packaged
# unit's score, a release binary that refuses the `testing:` section, maintainer scripts that never restart the
# service on upgrade, and lintian without errors. Usage: package_test.sh PATH_TO_DEB
set -euo pipefail
deb=${1:?usage: $0 PATH_TO_DEB}
work=$(mktemp -d "$PWD/package-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

dpkg-deb -c "$deb" | awk '{print $6}' > "$work/files"
for file in ./usr/bin/nefia-agent ./lib/systemd/system/nefia-agent.service ./usr/lib/sysusers.d/nefia-agent.conf \
            ./usr/share/doc/nefia-agent/copyright ./usr/share/doc/nefia-agent/changelog.gz; do
  grep -qxF "$file" "$work/files" || fail "the package lacks $file"
done
pass "files: binary, unit in systemd's unit directory, sysusers.d entry, copyright, changelog"

depends=$(dpkg-deb -f "$deb" Depends)
for library in libuv1 libsodium23 libssl3 libseccomp2 libsystemd0 libyaml-cpp0.7 systemd procps; do
  grep -q "\b$library\b" <<<"$depends" || fail "Depends lacks $library: $depends"
done
pass "Depends computed by dpkg-shlibdeps: $depends"

dpkg-deb -x "$deb" "$work/root"
unit=$work/root/lib/systemd/system/nefia-agent.service
grep -qx "ExecStart=/var/lib/nefia-agent/current/nefia-agent run --config /etc/nefia/agent.yaml --log-level info --log-file /var/log/nefia/agent.log --log-max-size 50 --log-max-backups 5 --log-max-age 30" "$unit" \
  || fail "unexpected ExecStart: $(grep ExecStart= "$unit")"
systemd-analyze security --offline=yes --threshold=23 "$unit" | tail -n 1
pass "packaged unit: the slot's binary, /etc/nefia/agent.yaml, exposure at most 2.3"

binary=$work/root/usr/bin/nefia-agent
"$binary" --version | grep -q "^nefia-agent v" || fail "--version does not print the version"
cat > "$work/agent.yaml" <<YAML
private_key: "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
listen_port: 51999
address: 10.99.0.2/24
peers:
  - public_key: "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
    endpoint: 192.0.2.1:51820
    vpn_addr: 10.99.0.1
testing:
  report_interval: 1s
YAML
chmod 600 "$work/agent.yaml"
if "$binary" install-service --dry-run --config "$work/agent.yaml" > "$work/out" 2>&1; then fail "the release binary accepted a testing: section"; fi
grep -q "testing: only accepted by test builds" "$work/out" || fail "no refusal of testing:: $(cat "$work/out")"
pass "the packaged (release) binary refuses a testing: section"

dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  sh -n "$work/control/$script" || fail "$script does not parse"
  # Commands only: message lines (echo, or a quoted continuation) may name `systemctl restart` as advice.
  ! grep -Ev '^[[:space:]]*(echo|")' "$work/control/$script" |
    grep -Eq "systemctl( --system)? (restart|try-restart|reload-or-restart|start)|deb-systemd-invoke (restart|start)" ||
    fail "$script starts or restarts the service"
done
grep -q 'if \[ "$1" = remove \]' "$work/control/prerm" || fail "prerm does not limit stopping to remove"
pass "maintainer scripts parse and never (re)start the service"

lintian --fail-on error --tag-display-limit 0 "$deb" > "$work/lintian" 2>&1 || { cat "$work/lintian"; fail "lintian reports errors"; }
echo "lintian (warnings kept, explained in README):"; sed 's/^/  /' "$work/lintian"
pass "lintian: no errors"
