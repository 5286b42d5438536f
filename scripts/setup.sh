#!/usr/bin/env bash
# Installs every build and test dependency from Debian packages and fetches lwIP's Debian source.
# Idempotent: a second run only checks; it never adds third-party sources.
set -euo pipefail

cd "$(dirname "$0")/.."
project_root=$(pwd)

packages=(
  build-essential cmake ninja-build pkg-config ccache clang libclang-rt-14-dev dpkg-dev patch
  libuv1-dev libssl-dev libsodium-dev libyaml-cpp-dev libsecret-1-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libseccomp-dev zlib1g-dev libcurl4-openssl-dev libcli11-dev libsystemd-dev
  wireguard-go wireguard-tools openssh-server openssh-client iperf3 iproute2 iptables nftables
  python3 python3-cryptography procps psmisc netcat-openbsd iputils-ping
  lintian mmdebstrap systemd-container
  libsqlite3-dev libjwt-dev libboost-dev openssl curl
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ "$(id -u)" -ne 0 ] && [ ${#missing[@]} -gt 0 ]; then
  echo "setup: missing packages (${missing[*]}); run this script as root" >&2
  exit 1
fi

# deb-src for the Debian archive that is already configured (never a third-party source).
ensure_deb_src() {
  local sources=/etc/apt/sources.list.d/debian.sources
  local ours=/etc/apt/sources.list.d/nefia-deb-src.sources
  [ -f "$ours" ] && return 0
  if grep -Rqs '^deb-src .*debian' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
     || grep -qs '^Types:.*deb-src' "$sources"; then
    return 0
  fi
  if [ -f "$sources" ]; then
    # Copy the first stanza whose URIs name the main Debian archive, switching its type to deb-src.
    awk 'BEGIN{RS=""; ORS="\n\n"} /URIs:[^\n]*debian/ && !/security/ { sub(/Types: *deb/, "Types: deb-src"); print; exit }' \
      "$sources" > "$ours"
  elif [ -f /etc/apt/sources.list ]; then
    grep -E '^deb [^ ]*debian[^ ]* ' /etc/apt/sources.list | grep -v security | head -1 \
      | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/nefia-deb-src.list
  fi
  [ -s "$ours" ] || [ -s /etc/apt/sources.list.d/nefia-deb-src.list ] || {
    echo "setup: no Debian archive configured in /etc/apt; cannot add a deb-src entry for lwip" >&2; exit 1; }
  need_update=1
}

need_update=0
lwip_dir="$project_root/third_party_src"
if [ ! -f "$lwip_dir/.lwip-ready" ]; then
  [ "$(id -u)" -eq 0 ] && ensure_deb_src
fi

if [ ${#missing[@]} -gt 0 ] || [ $need_update -eq 1 ]; then
  echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ ${#missing[@]} -gt 0 ] && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# lwIP from Debian's source package, unpacked into an ignored folder; CMake builds it with our lwipopts.h.
if [ ! -f "$lwip_dir/.lwip-ready" ]; then
  mkdir -p "$lwip_dir"
  ( cd "$lwip_dir" && rm -rf lwip-* lwip_* && apt-get source -qq lwip >/dev/null 2>&1 ) || {
    ( cd "$lwip_dir" && apt-get update -qq && apt-get source -qq lwip ) ; }
  src=$(find "$lwip_dir" -maxdepth 1 -type d -name 'lwip-*' | head -1)
  [ -n "$src" ] && [ -f "$src/src/core/tcp.c" ] || { echo "setup: apt-get source lwip did not produce src/core/tcp.c" >&2; exit 1; }
  ln -sfn "$(basename "$src")" "$lwip_dir/lwip"
  touch "$lwip_dir/.lwip-ready"
fi

# Worker processes drop to these users when the agent runs as root; beacon scripts get a user of their own.
for user in nefia-agent nefia-beacons; do
  if [ "$(id -u)" -eq 0 ] && ! getent passwd "$user" >/dev/null; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  fi
done

echo "setup: dependencies ready (lwIP source: $lwip_dir/lwip)"
