#!/usr/bin/env bash
# nefia-cloud for real, in network namespaces (cld-srv-*, cld-cli-*), driven by curl with a test CA: a bootstrap code
# exchanged once (second time: the exact text), an expired code (TTL shortened by the test hook), a host-id
# mismatch, a session without host id, 50 concurrent exchanges of one code (one token), rotate retried after a lost
# answer (same token, old one refused), the per-IP 429, the service restarted between steps, and 200 idle
# connections plus a byte-dripping client while a real request completes, the per-address connection bound, the
# body and header caps and --self-signed. Usage: cloud_api_test.sh NEFIA_CLOUD
CLOUD=${1:?usage: $0 PATH_TO_NEFIA_CLOUD}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

SUFFIX=$$
NS_SRV=cld-srv-$SUFFIX
NS_CLI=cld-cli-$SUFFIX
URL=https://192.0.2.1:8443
DB=$WORK/cloud.db
KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=  # a syntactically valid WireGuard public key
srv() { ip netns exec "$NS_SRV" "$@"; }
show_cloud_log() { [ "${1:-0}" = 0 ] || { echo "---- nefia-cloud log (last 40 lines) ----"; tail -n 40 "$WORK/cloud.log"; }; }
CLEANUP_HOOKS+=(show_cloud_log)
cli() { ip netns exec "$NS_CLI" "$@"; }

make_namespaces() {
  ip netns add "$NS_SRV"; NETNS_TO_DELETE+=("$NS_SRV")
  ip netns add "$NS_CLI"; NETNS_TO_DELETE+=("$NS_CLI")
  ip link add "cls$SUFFIX" type veth peer name "clc$SUFFIX"
  ip link set "cls$SUFFIX" netns "$NS_SRV"
  ip link set "clc$SUFFIX" netns "$NS_CLI"
  ip -n "$NS_SRV" addr add 192.0.2.1/24 dev "cls$SUFFIX"
  ip -n "$NS_CLI" addr add 192.0.2.2/24 dev "clc$SUFFIX"
  { for i in 3 $(seq 10 209) 250; do echo "addr add 192.0.2.$i/32 dev clc$SUFFIX"; done; } | ip -n "$NS_CLI" -batch -
  for ns in "$NS_SRV" "$NS_CLI"; do ip -n "$ns" link set lo up; done
  ip -n "$NS_SRV" link set "cls$SUFFIX" up
  ip -n "$NS_CLI" link set "clc$SUFFIX" up
}

make_certificates() {  # a test CA and a server certificate for 192.0.2.1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ca.key" -out "$WORK/ca.pem" \
    -days 2 -subj /CN=cld-test-ca 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/server.key" -out "$WORK/server.csr" \
    -subj /CN=192.0.2.1 2>/dev/null
  printf 'subjectAltName=IP:192.0.2.1\n' > "$WORK/san.ext"
  openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
    -extfile "$WORK/san.ext" -out "$WORK/server.pem" 2>/dev/null
}

start_cloud() {  # start_cloud [EXTRA_FLAGS...]; `ip netns exec` itself in the background, so $! is nefia-cloud
  : > "$WORK/cloud.out"
  local burst=(--ip-burst 1000)  # the per-IP limit has its own step (6); the others send more than 20 requests
  [[ " $* " == *" --ip-burst "* ]] && burst=()
  ip netns exec "$NS_SRV" "$CLOUD" serve --db "$DB" --listen 192.0.2.1:8443 --cert "$WORK/server.pem" --key "$WORK/server.key" \
    "${burst[@]}" "$@" > "$WORK/cloud.out" 2>> "$WORK/cloud.log" &
  CLOUD_PID=$!
  PIDS_TO_KILL+=("$CLOUD_PID")
  wait_until 10 grep -q "listening on 192.0.2.1:8443" "$WORK/cloud.out" || { cat "$WORK/cloud.log"; fail "nefia-cloud did not start"; }
}
restart_cloud() {  # restart_cloud [EXTRA_FLAGS...]: SIGTERM, wait for the exit, start again
  kill -TERM "$CLOUD_PID"
  wait "$CLOUD_PID" 2>/dev/null || true
  start_cloud "$@"
}

# api METHOD PATH AUTH BODY [CURL_ARGS...]: prints "<status> <body>" (the client runs in the client namespace).
api() {
  local method=$1 path=$2 auth=$3 body=$4; shift 4
  local file="$WORK/answer.$BASHPID.$RANDOM"
  local args=(-s -o "$file" -w '%{http_code}' --max-time 10 --cacert "$WORK/ca.pem" -X "$method")
  [ -n "$auth" ] && args+=(-H "Authorization: Bearer $auth")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local status
  status=$(cli curl "${args[@]}" "$@" "$URL$path") || true
  echo "$status $(cat "$file" 2>/dev/null)"
  rm -f "$file"
}
json_field() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1].split(" ",1)[1])[sys.argv[2]])' "$1" "$2"; }
expect() {  # expect "<status> <body>" STATUS [ERROR_TEXT]
  local got=$1 status=$2 text=${3:-}
  [ "${got%% *}" = "$status" ] || fail "expected status $status, got: $got"
  [ -z "$text" ] || [ "$(json_field "$got" error)" = "$text" ] || fail "expected error \"$text\", got: $got"
}

create_session() {  # create_session NONCE [EXPECTED_HOST_ID]
  local body="{\"nonce\":\"$1\"${2:+,\"expected_host_id\":\"$2\"}}"
  expect "$(api POST /api/enrollment/sessions "$API_KEY" "$body")" 201
}
submit() {  # submit NONCE [HOST_ID] -> the answer
  api POST "/api/enrollment/sessions/$1/submit" "" \
    "{${2:+\"host_id\":\"$2\",}\"public_key\":\"$KEY\",\"endpoint\":\"198.51.100.7:51820\",\"nat_type\":\"symmetric\",\"invite_token\":\"eyJ\"}"
}
bootstrap_code() {  # bootstrap_code NONCE: polls the result and prints the code
  local answer
  answer=$(api GET "/api/enrollment/sessions/$1/result" "$API_KEY" "")
  expect "$answer" 200
  json_field "$answer" bootstrap_code
}
exchange() {  # exchange CODE NONCE [CURL_ARGS...]
  local code=$1 nonce=$2; shift 2
  api POST /api/agent-tokens/bootstrap/exchange "$API_KEY" "{\"bootstrap_code\":\"$code\",\"nonce\":\"$nonce\"}" "$@"
}
report() { api POST "/api/hosts/$2/endpoint" "$1" '{"endpoint":"198.51.100.8:51820","local_endpoint":"10.0.0.8:51820","nat_type":"none"}'; }
tokens_of_host() { "$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from api_tokens where host_id=?", (sys.argv[2],)).fetchone()[0])' "$DB" "$1"; }

make_namespaces
make_certificates
TEAM=$("$CLOUD" team create --db "$DB" --name cld-test)
API_KEY=$("$CLOUD" apikey create --db "$DB" --team "$TEAM")
grep -q "$API_KEY" "$DB" && fail "the API key is stored in clear text"
start_cloud

# 1. Exchange once; the service restarted between every step; the second exchange gets the exact text.
create_session nonce-cld-once-000001 h-1
restart_cloud
expect "$(submit nonce-cld-once-000001 h-1)" 200
restart_cloud
CODE=$(bootstrap_code nonce-cld-once-000001)
restart_cloud
first=$(exchange "$CODE" nonce-cld-once-000001)
expect "$first" 200
TOKEN=$(json_field "$first" agent_token)
[ ${#TOKEN} -eq 43 ] || fail "agent token is not 43 base64url characters: $TOKEN"
grep -q "$TOKEN" "$DB" "$DB-wal" 2>/dev/null && fail "the agent token is stored in clear text"
restart_cloud
expect "$(exchange "$CODE" nonce-cld-once-000001)" 409 "Bootstrap code has already been exchanged"
pass "exchanged once; second time: Bootstrap code has already been exchanged (restarted between steps)"

# 2. Host-id mismatch, and a session whose agent reported no host id.
create_session nonce-cld-mismatch-01 h-2
expect "$(submit nonce-cld-mismatch-01 h-other)" 403 "host_id does not match the enrollment session's expected_host_id"
create_session nonce-cld-nohost-0001
expect "$(submit nonce-cld-nohost-0001)" 200
expect "$(exchange "$(bootstrap_code nonce-cld-nohost-0001)" nonce-cld-nohost-0001)" 400 \
  "Enrollment session is missing agent_host_id"
pass "host-id mismatch refused; session without host id: Enrollment session is missing agent_host_id"

# 3. An expired code (the test hook shortens the TTL to 2 s).
restart_cloud --test-bootstrap-ttl-seconds 2
create_session nonce-cld-expired-001 h-3
expect "$(submit nonce-cld-expired-001 h-3)" 200
CODE=$(bootstrap_code nonce-cld-expired-001)
sleep 3
expect "$(exchange "$CODE" nonce-cld-expired-001)" 401 "Invalid bootstrap code"
restart_cloud
pass "expired bootstrap code: Invalid bootstrap code"

# 4. Fifty concurrent exchanges of one code from fifty addresses (16 per address is the connection bound): one token.
create_session nonce-cld-race-000001 h-race
expect "$(submit nonce-cld-race-000001 h-race)" 200
CODE=$(bootstrap_code nonce-cld-race-000001)
mkdir -p "$WORK/race"
for i in $(seq 1 50); do exchange "$CODE" nonce-cld-race-000001 --interface "192.0.2.$((9 + i))" > "$WORK/race/$i" & done
wait_until 30 bash -c "[ \$(ls '$WORK/race' | wc -l) -eq 50 ] && ! grep -L . '$WORK'/race/* | grep -q ." ||
  fail "the 50 exchanges did not all answer"
sleep 0.5
ok=$(grep -l '^200 ' "$WORK"/race/* | wc -l)
replayed=$(grep -l '^409 {"error":"Bootstrap code has already been exchanged"}' "$WORK"/race/* | wc -l)
[ "$ok" -eq 1 ] && [ "$replayed" -eq 49 ] || { head -3 "$WORK"/race/*; fail "50 exchanges: $ok succeeded, $replayed refused"; }
[ "$(tokens_of_host h-race)" -eq 1 ] || fail "the store holds $(tokens_of_host h-race) tokens for h-race"
pass "50 concurrent exchanges: 1 token, 49 x Bootstrap code has already been exchanged"

# 5. Rotation whose answer is lost: the retry gets the same token; the old one is refused for anything else.
expect "$(report "$TOKEN" h-1)" 200
api POST /api/agent-tokens/rotate "$TOKEN" '{"request_id":"cld-rotation-0000001"}' > /dev/null  # answer "lost"
restart_cloud
retried=$(api POST /api/agent-tokens/rotate "$TOKEN" '{"request_id":"cld-rotation-0000001"}')
expect "$retried" 200
NEW_TOKEN=$(json_field "$retried" agent_token)
again=$(api POST /api/agent-tokens/rotate "$TOKEN" '{"request_id":"cld-rotation-0000001"}')
[ "$(json_field "$again" agent_token)" = "$NEW_TOKEN" ] || fail "a second retry gave another token"
expect "$(api POST /api/agent-tokens/rotate "$TOKEN" '{"request_id":"cld-rotation-0000002"}')" 401 \
  "Agent token is invalid, expired or revoked"
expect "$(report "$TOKEN" h-1)" 401 "Agent token is invalid, expired or revoked"
expect "$(report "$NEW_TOKEN" h-1)" 200
pass "rotate retried after a lost answer: same token; old token refused afterwards"

# 6. Per-IP limit: a burst of 3, the 4th answer is 429 with Retry-After.
restart_cloud --ip-burst 3 --ip-refill-ms 5000
for i in 1 2 3; do expect "$(api GET /api/nothing "" "")" 404; done
limited=$(api GET /api/nothing "" "" -D "$WORK/headers")
expect "$limited" 429 "too many enrollment requests"
grep -qi '^Retry-After: 5' "$WORK/headers" || { cat "$WORK/headers"; fail "no Retry-After: 5 on the 429"; }
restart_cloud
pass "per-IP limit: 429 too many enrollment requests, Retry-After: 5"

# 7. 200 idle connections (half of them after a TLS handshake) and a byte-dripping client; a real request from
#    another address still completes within a few seconds; the dripper is cut at the 10 s connection deadline.
mkdir -p "$WORK/slow"
ip netns exec "$NS_CLI" "$PY" "$HERE/hub_slow_clients.py" 192.0.2.1 8443 200 10 192.0.2.250 "$WORK/slow" 25 2>> "$WORK/slow.log" &
PIDS_TO_KILL+=($!)
wait_until 20 test -e "$WORK/slow/ready" || { cat "$WORK/slow.log"; fail "the slow clients did not connect"; }
sleep 1
held=$(srv ss -Htn state established '( sport = :8443 )' | wc -l)
[ "$held" -ge 190 ] || fail "only $held connections held open by the slow clients"
start_ms=$(now_ms)
expect "$(report "$NEW_TOKEN" h-1 --interface 192.0.2.3)" 200
elapsed=$(( $(now_ms) - start_ms ))
[ "$elapsed" -lt 3000 ] || fail "the real request took $elapsed ms with $held connections held"
wait_until 20 test -e "$WORK/slow/dripper_closed" || fail "nefia-cloud never closed the dripping client"
dripped=$(cat "$WORK/slow/dripper_closed")
"$PY" -c 'import sys; sys.exit(0 if 9.0 <= float(sys.argv[1]) <= 14.0 else 1)' "$dripped" ||
  fail "the dripper was closed after $dripped s, not at the 10 s deadline"
pass "real request in $elapsed ms with $held idle connections held; dripper closed after $dripped s"

# 7b. Sixteen connections held from one address fill its share: a 17th from there gets no answer, another address does.
ip netns exec "$NS_CLI" "$PY" -c '
import socket, sys, time
held = [socket.create_connection(("192.0.2.1", 8443), source_address=("192.0.2.2", 0)) for _ in range(16)]
open(sys.argv[1], "w").close()
time.sleep(8)
' "$WORK/held16" &
PIDS_TO_KILL+=($!)
wait_until 5 test -e "$WORK/held16" || fail "could not hold 16 connections"
sleep 0.3
refused=$(api GET /api/nothing "" "" --interface 192.0.2.2 --max-time 3)
[ "${refused%% *}" = "000" ] || fail "a 17th connection from one address was answered: $refused"
expect "$(api GET /api/nothing "" "" --interface 192.0.2.3)" 404 "no such endpoint"
pass "17th connection from one address refused while another address is served"

# 8. Nothing lost across restarts: the endpoint reported before is stored, the rotated token still works.
restart_cloud
expect "$(report "$NEW_TOKEN" h-1 --interface 192.0.2.3)" 200
stored=$("$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select endpoint from hosts where host_id=?", ("h-1",)).fetchone()[0])' "$DB")
[ "$stored" = "198.51.100.8:51820" ] || fail "stored endpoint is '$stored'"
pass "after restarts: host endpoint stored, rotated token accepted"

# 9. Request bounds: a body over 64 KiB and a header over 8 KiB are refused with their texts; TLS 1.2 is served.
head -c 70000 /dev/zero | tr '\0' 'a' > "$WORK/big.body"
expect "$(api POST /api/agent-tokens/rotate "$NEW_TOKEN" "" --data-binary "@$WORK/big.body")" 413 "request body too large"
expect "$(api GET /api/nothing "" "" -H "X-Filler: $(head -c 9000 /dev/zero | tr '\0' 'b')")" 431 "request header too large"
expect "$(api GET /api/nothing "" "" --tlsv1.2 --tls-max 1.2)" 404 "no such endpoint"
pass "body over 64 KiB: 413; header over 8 KiB: 431; TLS 1.2 accepted"

# 10. --self-signed prints the SHA-256 of the certificate it serves.
kill -TERM "$CLOUD_PID"; wait "$CLOUD_PID" 2>/dev/null || true
ip netns exec "$NS_SRV" "$CLOUD" serve --db "$DB" --listen 192.0.2.1:8443 --self-signed > "$WORK/cloud.out" \
  2>> "$WORK/cloud.log" &
CLOUD_PID=$!
PIDS_TO_KILL+=("$CLOUD_PID")
wait_until 10 grep -q "listening on" "$WORK/cloud.out" || fail "nefia-cloud --self-signed did not start"
printed=$(sed -n 's/^certificate sha256 //p' "$WORK/cloud.out")
served=$(cli openssl s_client -connect 192.0.2.1:8443 < /dev/null 2>/dev/null | openssl x509 -outform der | sha256sum | cut -d' ' -f1)
[ -n "$printed" ] && [ "$printed" = "$served" ] || fail "--self-signed printed '$printed', serves '$served'"
pass "--self-signed prints the served certificate's SHA-256"
