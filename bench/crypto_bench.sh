#!/usr/bin/env bash
# Crypto micro-benchmark for the tunnel: builds bench/crypto (standalone CMake project) and prints MB/s per
# primitive at 1420-byte packets next to `openssl speed -evp chacha20-poly1305` on the same machine (the
# single-core limit). Run from anywhere; builds into <repo>/build-bench-crypto. Changes nothing else.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench-crypto"

cmake -S "$root/bench/crypto" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target crypto_bench >/dev/null

echo "== nefia crypto_bench (libsodium $(pkg-config --modversion libsodium), $(openssl version | cut -d' ' -f1-2)) =="
"$build/crypto_bench"
echo
echo "== openssl speed -evp chacha20-poly1305, 1420-byte blocks (numbers in 1000s of bytes per second) =="
openssl speed -seconds 3 -bytes 1420 -evp chacha20-poly1305 2>/dev/null | tail -2
echo
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
