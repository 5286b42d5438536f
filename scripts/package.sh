#!/usr/bin/env bash
# Builds the Debian package from a release build (NEFIA_TEST_HOOKS=OFF, its own build directory; -O2 as the
# main build: gcc 12 at -O3 stops on a false -Wrestrict in libstdc++), strips it (cpack) and runs
# lintian on it. Usage: scripts/package.sh [BUILD_DIR]   (default: build-release); prints the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-release}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNEFIA_TEST_HOOKS=OFF -DNEFIA_INTEGRATION_TESTS=OFF >/dev/null
nice -n 5 cmake --build "$build" -j2 --target nefia-agent package_files >&2
( cd "$build" && cpack -G DEB >/dev/null )
deb=$(ls -t "$build"/nefia-agent_*.deb | head -1)
lintian --fail-on error "$deb" >&2
echo "$deb"
