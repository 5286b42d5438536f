#!/bin/sh
# install-agent.sh: `curl -fsSL URL/install-agent.sh | sh -s -- --token '<TOKEN>'`. Downloads the agent for
# this OS and architecture over HTTPS with its SHA256SUMS, verifies it (installs nothing on a mismatch),
# installs it, then runs `nefia-agent enroll --token ... --install --yes`. Stops at the first failure.
# Where apt-get exists (Debian, Ubuntu) it installs the .deb with apt-get, so the shared libraries come from
# the distribution; elsewhere it installs the bare binary to /usr/local/bin/nefia-agent (temp file + rename).
# A SHA-256 from the same server proves integrity, not origin: signature checks come with the updater.
set -eu

default_base_url="https://www.nefia.ai/releases/latest"
base_url=${NEFIA_AGENT_BASE_URL:-$default_base_url}
token=""

say() { printf '%s\n' "install-agent: $*"; }
die() { printf '%s\n' "install-agent: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --token) [ $# -ge 2 ] || die "--token needs a value"; token=$2; shift 2 ;;
    --token=*) token=${1#--token=}; shift ;;
    --base-url) [ $# -ge 2 ] || die "--base-url needs a value"; base_url=$2; shift 2 ;;
    --base-url=*) base_url=${1#--base-url=}; shift ;;
    -h|--help) echo "usage: install-agent.sh --token TOKEN [--base-url HTTPS_URL]  (or NEFIA_AGENT_BASE_URL)"; exit 0 ;;
    *) die "unknown argument: $1 (usage: install-agent.sh --token TOKEN [--base-url HTTPS_URL])" ;;
  esac
done
[ -n "$token" ] || die "refusing to run without an invite token: pass --token '<TOKEN>' (from \`nefia vpn invite\`)"
case $base_url in https://*) ;; *) die "--base-url must be an https:// URL, got: $base_url" ;; esac
[ "$(id -u)" -eq 0 ] || die "run as root (it installs a system service): curl -fsSL ... | sudo sh -s -- --token ..."

os=$(uname -s)
case $os in Linux) ;; *) die "this script installs on Linux; on $os see the reference's installation section" ;; esac
case $(uname -m) in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "unsupported architecture: $(uname -m) (amd64 and arm64 are built)" ;;
esac
if command -v apt-get >/dev/null 2>&1; then kind=deb; else kind=binary; fi
for tool in curl sha256sum; do command -v "$tool" >/dev/null 2>&1 || die "$tool is required but not installed"; done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() {  # fetch NAME: from the base URL into the work directory, HTTPS only, bounded time
  curl --proto '=https' --tlsv1.2 -fsSL --max-time 300 -o "$work/$1" "$base_url/$1" ||
    die "download of $base_url/$1 failed"
}

fetch SHA256SUMS
if [ "$kind" = deb ]; then
  file=$(awk -v a="$arch" '$2 ~ "^nefia-agent_.*_" a "\\.deb$" {print $2; exit}' "$work/SHA256SUMS")
  [ -n "$file" ] || die "SHA256SUMS at $base_url lists no .deb for $arch"
  say "will download $file from $base_url, verify its SHA-256, install it with apt-get (with its dependencies),"
else
  file=nefia-agent-linux-$arch
  say "will download $file from $base_url, verify its SHA-256, install it to /usr/local/bin/nefia-agent,"
fi
say "then enroll with the token and install the service (nefia-agent enroll --token ... --install --yes)"
fetch "$file"
expected=$(awk -v f="$file" '$2 == f || $2 == "*" f {print $1; exit}' "$work/SHA256SUMS")
[ -n "$expected" ] || die "SHA256SUMS at $base_url has no entry for $file; nothing was installed"
actual=$(sha256sum "$work/$file" | cut -d' ' -f1)
[ "$actual" = "$expected" ] ||
  die "SHA-256 mismatch for $file (expected $expected, got $actual): the download is corrupt or tampered with; nothing was installed"
say "SHA-256 verified: $actual"

if [ "$kind" = deb ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$work/$file" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; die "apt-get install of $file failed"; }
  agent=/usr/bin/nefia-agent
  say "installed $file ($agent)"
else
  install -d /usr/local/bin
  install -m 0755 "$work/$file" /usr/local/bin/.nefia-agent.new
  mv -f /usr/local/bin/.nefia-agent.new /usr/local/bin/nefia-agent
  agent=/usr/local/bin/nefia-agent
  say "installed $agent"
fi

say "enrolling"
"$agent" enroll --token "$token" --install --yes
