#!/usr/bin/env bash
# The project's one test command (README, .ci/run): install dependencies, build, run every test through ctest.
# Stages and their time budgets on 2 cores (the whole run stays under 45 minutes):
#   setup 3 min | build 7 min | unit 1 min | sandbox 1 min | integration 8 min | sanitizers 6 min | fuzz 4 min
#   package 10 min (release build of nefia-agent, .deb, lintian, apt-get install into a cached clean Debian 12
#   root, install-agent.sh against a local HTTPS server, the unit under systemd booted by systemd-nspawn in that
#   root; the roots are built once per machine, about 1 min)
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
fuzz_seconds=${NEFIA_FUZZ_SECONDS:-15}
summary=()
failed=0

stage() {  # stage NAME COMMAND...: runs a stage, records its time and outcome, never stops the others
  local name=$1; shift
  local start=$SECONDS
  echo "=== stage $name"
  if "$@"; then summary+=("$name: ok ($((SECONDS - start)) s)"); else summary+=("$name: FAILED ($((SECONDS - start)) s)"); failed=1; fi
}

ctest_in() {  # ctest_in BUILD_DIR ARGS...: ctest with its summary line, output shown for failures only
  ctest --test-dir "$1" --output-on-failure --no-tests=error "${@:2}"
}

configure_and_build() {  # configure_and_build DIR [--target T] CMAKE_ARGS...
  local dir=$1 target=(); shift
  if [ "${1:-}" = --target ]; then target=(--target "$2"); shift 2; fi
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null && cmake --build "$dir" -j"$jobs" "${target[@]}"
}

stage setup ./scripts/setup.sh
[ $failed -eq 0 ] || { printf '%s\n' "${summary[@]}"; exit 1; }
stage build configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ $failed -eq 0 ]; then
  stage unit ctest_in build -L unit -j"$jobs" --timeout 120
  stage sandbox ctest_in build -L sandbox --timeout 120
  stage integration ctest_in build -L integration --timeout 600
fi
package_and_check() {  # the .deb of a release build, its contents and lintian, then a clean-root install
  local deb
  deb=$(./scripts/package.sh build-release) &&
    ( cd build-release && bash ../tests/packaging/package_test.sh "../$deb" &&
      bash ../tests/packaging/clean_root_install_test.sh "../$deb" &&
      bash ../tests/packaging/install_agent_test.sh "../$deb" &&
      bash ../tests/packaging/systemd_boot_test.sh "../$deb" )
}
stage package package_and_check
stage sanitizers bash -c "$(declare -f configure_and_build ctest_in); jobs=$jobs; \
  configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DNEFIA_SANITIZE=ON -DNEFIA_INTEGRATION_TESTS=OFF && \
  ctest_in build-asan -L unit -j$jobs --timeout 300"
stage fuzz bash -c "$(declare -f configure_and_build ctest_in); jobs=$jobs; \
  CC=clang CXX=clang++ configure_and_build build-fuzz --target fuzzers -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNEFIA_FUZZ=ON \
    -DNEFIA_FUZZ_SECONDS=$fuzz_seconds -DNEFIA_INTEGRATION_TESTS=OFF && ctest_in build-fuzz -L fuzz -j$jobs"

echo "=== summary"
printf '%s\n' "${summary[@]}"
exit $failed
