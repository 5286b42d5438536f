#!/usr/bin/env bash
# Throughput and latency of nefia-cloud's POST /api/hosts/[hostId]/endpoint with HOSTS hosts on loopback: a fresh
# database, HOSTS hosts registered with direct-enrollment tokens, then ROUNDS reports per host (at most 10: the
# per-host limit is 10 a minute, so every answer must be 200) over CONCURRENCY keep-alive TLS connections.
# The per-IP limit is raised (one client address sends everything). Usage: cloud_endpoint_bench.sh BUILD [HOSTS]
# [CONCURRENCY] [ROUNDS] [THREADS]
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR [HOSTS] [CONCURRENCY] [ROUNDS] [THREADS]}
HOSTS=${2:-1000}
CONCURRENCY=${3:-16}
ROUNDS=${4:-10}
THREADS=${5:-2}
CLOUD=$BUILD/operator/cloud/nefia-cloud
LOAD=$BUILD/bench/cloud/cloud_load
WORK=$(mktemp -d /tmp/nefia-cloud-bench.XXXXXX)
CLOUD_PID=
cleanup() { [ -n "$CLOUD_PID" ] && kill "$CLOUD_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
  -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TEAM=$("$CLOUD" team create --db "$WORK/cloud.db" --name bench)
API_KEY=$("$CLOUD" apikey create --db "$WORK/cloud.db" --team "$TEAM")
"$CLOUD" serve --db "$WORK/cloud.db" --listen "127.0.0.1:$PORT" --cert "$WORK/cert.pem" --key "$WORK/key.pem" \
  --threads "$THREADS" --ip-burst 100000000 --ip-refill-ms 1 > "$WORK/out" 2> "$WORK/log" &
CLOUD_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/out" && break; sleep 0.05; done
"$LOAD" 127.0.0.1 "$PORT" "$WORK/cert.pem" register "$API_KEY" "$HOSTS" "$WORK/tokens"
"$LOAD" 127.0.0.1 "$PORT" "$WORK/cert.pem" report "$WORK/tokens" "$CONCURRENCY" "$ROUNDS"
echo "server peak RSS: $(awk '/^VmHWM/ {print $2, $3}' "/proc/$CLOUD_PID/status"); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
