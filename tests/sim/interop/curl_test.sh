#!/usr/bin/env bash
# Interop: the CoinDCX REST surface of scalper-sim driven by curl, signed with openssl.
#
#   bash curl_test.sh /path/to/scalper-sim
#
# A signed create / cancel / list round trip; the documented error shapes and status codes
# (401 signature, headers, key and stale timestamp; 400 malformed JSON, wrong types and price
# off the tick; 404; 405; 413); the rate limit (429 on the 4th call within a second with
# --rate-limit 3,100); one signed create over TLS verified against the simulator's cert.pem.
set -euo pipefail

NAME=curl_test.sh
SIM=${1:?usage: curl_test.sh /path/to/scalper-sim}
API_KEY=sim-key
API_SECRET=sim-secret
FUTURES=/exchange/v1/derivatives/futures

TMP=$(mktemp -d "${TMPDIR:-/tmp}/scalper-sim-curl.XXXXXX")
PIDS=()
NAMES=()

# stop_sims [check]: SIGTERM, bounded wait, SIGKILL. With "check", fails unless each simulator
# lived to the end and exited 0 (a crash or a sanitizer report fails the test, with its log).
stop_sims() {
  local mode=${1:-} j pid rc problem=""
  for j in "${!PIDS[@]}"; do
    pid=${PIDS[$j]}
    if ! kill -0 "$pid" 2>/dev/null; then
      rc=0
      wait "$pid" 2>/dev/null || rc=$?
      problem+="scalper-sim (${NAMES[$j]}) died during the test (exit $rc): $(<"$TMP/${NAMES[$j]}.log")"$'\n'
      continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      problem+="scalper-sim (${NAMES[$j]}) did not stop within 5 s of SIGTERM"$'\n'
      continue
    fi
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    if [[ $rc -ne 0 ]]; then
      problem+="scalper-sim (${NAMES[$j]}) exited with $rc on SIGTERM: $(<"$TMP/${NAMES[$j]}.log")"$'\n'
    fi
  done
  PIDS=()
  NAMES=()
  if [[ "$mode" == check ]]; then
    [[ -z "$problem" ]] || fail "$problem"
    ok "simulator ran to the end and exited 0 on SIGTERM"
  fi
}
cleanup() {
  stop_sims
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL $NAME: $*" >&2
  exit 1
}
ok() { echo "  ok: $*"; }

[[ -x "$SIM" ]] || fail "simulator binary '$SIM' is missing or not executable"
command -v curl >/dev/null || fail "curl is not installed"
command -v openssl >/dev/null || fail "openssl is not installed"

# start_sim NAME [args...]: starts a simulator on a free port; sets PORT.
start_sim() {
  local name=$1
  shift
  local port_file="$TMP/$name.port"
  "$SIM" --port 0 --port-file "$port_file" "$@" >"$TMP/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  NAMES+=("$name")
  for _ in $(seq 200); do  # polls the port file for at most ~10 s
    if [[ -s "$port_file" ]]; then
      PORT=$(<"$port_file")
      [[ "$PORT" =~ ^[0-9]+$ ]] && return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail "scalper-sim ($name) exited early: $(<"$TMP/$name.log")"
    sleep 0.05
  done
  fail "scalper-sim ($name) wrote no port file within 10 s"
}

now_ms() { date +%s%3N; }
sign() { printf '%s' "$2" | openssl dgst -sha256 -hmac "$1" | awk '{print $NF}'; }

# call METHOD URL BODY [curl args...]: sets STATUS and BODY.
call() {
  local method=$1 url=$2 data=$3
  shift 3
  local args=(-sS --max-time 5 -o "$TMP/body" -w '%{http_code}' -X "$method"
              -H 'Content-Type: application/json')
  [[ -n "$data" ]] && args+=(--data-binary "$data")
  STATUS=$(curl "${args[@]}" "$@" "$url") || fail "curl $method $url failed (exit $?)"
  BODY=$(<"$TMP/body")
}

# signed PATH BODY [key [secret]]: a signed POST to the plain simulator.
signed() {
  local path=$1 data=$2 key=${3:-$API_KEY} secret=${4:-$API_SECRET}
  call POST "http://127.0.0.1:$PORT$path" "$data" \
    -H "X-AUTH-APIKEY: $key" -H "X-AUTH-SIGNATURE: $(sign "$secret" "$data")"
}

expect_status() {  # expect_status CODE WHAT
  [[ "$STATUS" == "$1" ]] || fail "$2: expected HTTP $1, got $STATUS with body $BODY"
}
# expect_error CODE MESSAGE_PART WHAT: the documented {"code":N,"message":...,"status":"error"}.
expect_error() {
  expect_status "$1" "$3"
  [[ "$BODY" =~ ^\{\"code\":$1,\"message\":\".*\",\"status\":\"error\"\}$ ]] ||
    fail "$3: body is not {\"code\":$1,\"message\":...,\"status\":\"error\"}: $BODY"
  [[ "$BODY" == *"$2"* ]] || fail "$3: message does not mention '$2': $BODY"
  ok "$3 -> $1 $BODY"
}

order_json() {  # order_json TIMESTAMP PRICE [QTY] [SIDE]
  printf '{"timestamp":%s,"order":{"side":%s,"pair":"B-ETH_USDT","order_type":"limit_order","price":"%s","total_quantity":%s,"leverage":3,"notification":"no_notification","time_in_force":"good_till_cancel","margin_currency_short_name":"USDT"}}' \
    "$1" "${4:-\"buy\"}" "$2" "${3:-0.01}"
}

# ---- the main simulator (rate limit out of the way of the error checks) --------------------
start_sim main --rate-limit 1000,100000
echo "scalper-sim on port $PORT"

# Signed create -> 200, an array of one order in status initial.
signed "$FUTURES/orders/create" "$(order_json "$(now_ms)" 3400.0)"
expect_status 200 "signed create"
[[ "$BODY" == '[{'* && "$BODY" == *'}]' ]] || fail "create: reply is not a JSON array: $BODY"
[[ "$BODY" == *'"status":"initial"'* ]] || fail "create: order is not in status initial: $BODY"
ORDER_ID=$(grep -o '"id":"[0-9a-f-]*"' <<<"$BODY" | head -1 | cut -d'"' -f4)
[[ "$ORDER_ID" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] ||
  fail "create: id is not a uuid: '$ORDER_ID'"
ok "signed create -> 200, array of one order, status initial, id $ORDER_ID"

# List open orders: the order is there.
signed "$FUTURES/orders" "{\"timestamp\":$(now_ms),\"status\":\"open\",\"page\":\"1\",\"size\":\"10\"}"
expect_status 200 "list open orders"
[[ "$BODY" == '['* && "$BODY" == *"\"id\":\"$ORDER_ID\""* ]] ||
  fail "list open orders: $ORDER_ID is not listed: $BODY"
ok "list open orders -> 200, lists $ORDER_ID"

# Cancel -> the success shape.
signed "$FUTURES/orders/cancel" "{\"timestamp\":$(now_ms),\"id\":\"$ORDER_ID\"}"
expect_status 200 "cancel"
[[ "$BODY" == '{"message":"success","status":200,"code":200}' ]] ||
  fail "cancel: unexpected body $BODY"
ok "cancel -> 200 $BODY"

signed "$FUTURES/orders" "{\"timestamp\":$(now_ms),\"status\":\"open\",\"page\":\"1\",\"size\":\"10\"}"
expect_status 200 "list open orders after cancel"
[[ "$BODY" == '['* && "$BODY" != *"$ORDER_ID"* ]] ||
  fail "list open orders after cancel: $ORDER_ID is still listed: $BODY"
signed "$FUTURES/orders" "{\"timestamp\":$(now_ms),\"status\":\"cancelled\",\"page\":\"1\",\"size\":\"10\"}"
expect_status 200 "list cancelled orders"
[[ "$BODY" == *"\"id\":\"$ORDER_ID\""*'"status":"cancelled"'* ]] ||
  fail "list cancelled orders: $ORDER_ID is not listed as cancelled: $BODY"
ok "list after cancel -> open list no longer has it, cancelled list has it"

# ---- authentication: 401 --------------------------------------------------------------------
URL="http://127.0.0.1:$PORT$FUTURES/orders/create"
BODY_OK=$(order_json "$(now_ms)" 3400.0)
call POST "$URL" "$BODY_OK" -H "X-AUTH-APIKEY: $API_KEY" \
  -H "X-AUTH-SIGNATURE: $(sign wrong-secret "$BODY_OK")"
expect_error 401 "signature" "bad signature"
call POST "$URL" "$BODY_OK" -H "X-AUTH-APIKEY: $API_KEY" \
  -H "X-AUTH-SIGNATURE: $(sign "$API_SECRET" "$BODY_OK ")"
expect_error 401 "signature" "signature of other bytes (a trailing space)"
call POST "$URL" "$BODY_OK"
expect_error 401 "X-AUTH-SIGNATURE" "no authentication headers"
call POST "$URL" "$BODY_OK" -H "X-AUTH-APIKEY: $API_KEY"
expect_error 401 "X-AUTH-SIGNATURE" "no signature header"
call POST "$URL" "$BODY_OK" -H "X-AUTH-SIGNATURE: $(sign "$API_SECRET" "$BODY_OK")"
expect_error 401 "X-AUTH-APIKEY" "no api key header"
signed "$FUTURES/orders/create" "$BODY_OK" other-key
expect_error 401 "API key" "unknown api key"
signed "$FUTURES/orders/create" "$(order_json $(($(now_ms) - 20000)) 3400.0)"
expect_error 401 "timestamp" "stale timestamp (20 s old)"
signed "$FUTURES/orders/create" '{"order":{}}'
expect_error 401 "timestamp" "no timestamp"

# ---- bad bodies: 400 naming the field ---------------------------------------------------------
signed "$FUTURES/orders/create" '{"timestamp":1,"order":{'
expect_error 400 "" "malformed JSON"
signed "$FUTURES/orders/create" "$(order_json "$(now_ms)" 3400.0 '{"x":1}')"
expect_error 400 "total_quantity" "total_quantity as an object"
signed "$FUTURES/orders/create" "$(order_json "$(now_ms)" 3400.0 0.01 7)"
expect_error 400 "side" "side as a number"
signed "$FUTURES/orders/create" "$(order_json "$(now_ms)" 3400.0 0.01 '"up"')"
expect_error 400 "side" "side neither buy nor sell"
signed "$FUTURES/orders/create" "{\"timestamp\":$(now_ms),\"order\":[1]}"
expect_error 400 "order" "order as an array"
signed "$FUTURES/orders/create" "$(order_json "$(now_ms)" 3400.005)"
expect_error 400 "Price should be divisible by 0.01" "price off the 0.01 tick"
signed "$FUTURES/orders/create" "$(order_json "$(now_ms)" 3400.0 0.0105)"
expect_error 400 "Quantity should be divisible by 0.001" "quantity off the 0.001 step"
signed "$FUTURES/orders/create" "$(order_json "$(now_ms)" 2000.0)"
expect_error 400 "higher than" "price below the 8 % band"
signed "$FUTURES/orders/cancel" "{\"timestamp\":$(now_ms),\"id\":42}"
expect_error 400 "id" "cancel with a numeric id"

# ---- routing: 404, 405 ----------------------------------------------------------------------
signed "$FUTURES/orders/nope" "{\"timestamp\":$(now_ms)}"
expect_error 404 "Not Found" "unknown path under the futures API"
call POST "http://127.0.0.1:$PORT/no/such/path" '{}'
expect_error 404 "Not Found" "unknown path"
call GET "$URL" ''
expect_error 405 "Method" "GET on orders/create"

# ---- a body over 64 KiB: 413 ------------------------------------------------------------------
# Exactly 64 KiB is still read (and judged on its signature); one byte more is refused.
head -c 65536 /dev/zero | tr '\0' ' ' >"$TMP/64k.json"
call POST "$URL" "@$TMP/64k.json" -H 'Expect:' -H "X-AUTH-APIKEY: $API_KEY" -H "X-AUTH-SIGNATURE: 00"
expect_error 401 "signature" "65536-byte body (the limit) is read"
head -c 65537 /dev/zero | tr '\0' ' ' >"$TMP/64k1.json"
call POST "$URL" "@$TMP/64k1.json" -H 'Expect:' -H "X-AUTH-APIKEY: $API_KEY" -H "X-AUTH-SIGNATURE: 00"
expect_error 413 "larger than" "65537-byte body"
head -c 70000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
call POST "$URL" "@$TMP/big.json" -H "X-AUTH-APIKEY: $API_KEY" -H "X-AUTH-SIGNATURE: 00"
expect_error 413 "larger than" "70000-byte body (Expect: 100-continue)"
call POST "$URL" "@$TMP/big.json" -H 'Expect:' -H "X-AUTH-APIKEY: $API_KEY" -H "X-AUTH-SIGNATURE: 00"
expect_error 413 "larger than" "70000-byte body sent at once"
call POST "$URL" "@$TMP/big.json" -H 'Expect:' -H 'Transfer-Encoding: chunked' \
  -H "X-AUTH-APIKEY: $API_KEY" -H "X-AUTH-SIGNATURE: 00"
expect_error 413 "larger than" "70000-byte chunked body"

# The simulator still answers after all of it.
call GET "http://127.0.0.1:$PORT/sim/state" ''
expect_status 200 "GET /sim/state after the bad requests"
ok "simulator still serves /sim/state"
stop_sims check

# ---- rate limit: 3 per second, the 4th call in one burst gets 429 -----------------------------
start_sim ratelimit --rate-limit 3,100
echo "scalper-sim --rate-limit 3,100 on port $PORT"
LIST=$(printf '{"timestamp":%s,"status":"open","page":"1","size":"10"}' "$(now_ms)")
SIG=$(sign "$API_SECRET" "$LIST")
RL_URL="http://127.0.0.1:$PORT$FUTURES/orders"
# One curl process sends the 5 calls back to back on one connection: far within a second.
CODES=$(curl -sS --max-time 5 -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
  -D "$TMP/rl.headers" -w '%{http_code}\n' \
  -H 'Content-Type: application/json' -H "X-AUTH-APIKEY: $API_KEY" -H "X-AUTH-SIGNATURE: $SIG" \
  --data-binary "$LIST" "$RL_URL" "$RL_URL" "$RL_URL" "$RL_URL" "$RL_URL" | tr '\n' ' ') ||
  fail "curl burst failed"
[[ "$CODES" == "200 200 200 429 429 " ]] ||
  fail "rate limit 3/s: expected '200 200 200 429 429' for a burst of 5, got '$CODES'"
grep -qi '^Retry-After: [0-9]' "$TMP/rl.headers" || fail "429 without a Retry-After header"
grep -q '{"code":429,"message":"Too many requests","status":"error"}' <(
  curl -sS --max-time 5 -H "X-AUTH-APIKEY: $API_KEY" -H "X-AUTH-SIGNATURE: $SIG" \
    --data-binary "$LIST" "$RL_URL" "$RL_URL" "$RL_URL" "$RL_URL") ||
  fail "rate limit: no 429 error body {\"code\":429,...} in a second burst"
ok "rate limit 3/s: burst of 5 -> $CODES(with Retry-After)"
stop_sims check

# ---- TLS: one signed create, the certificate verified (no -k) -------------------------------
start_sim tls --tls --cert-dir "$TMP/tls"
echo "scalper-sim --tls on port $PORT"
[[ -s "$TMP/tls/cert.pem" ]] || fail "--tls wrote no $TMP/tls/cert.pem"
BODY_TLS=$(order_json "$(now_ms)" 3400.0)
call POST "https://localhost:$PORT$FUTURES/orders/create" "$BODY_TLS" --cacert "$TMP/tls/cert.pem" \
  -H "X-AUTH-APIKEY: $API_KEY" -H "X-AUTH-SIGNATURE: $(sign "$API_SECRET" "$BODY_TLS")"
expect_status 200 "signed create over TLS"
[[ "$BODY" == '[{'* && "$BODY" == *'"status":"initial"'* ]] || fail "TLS create: unexpected body $BODY"
ok "signed create over https://localhost with --cacert cert.pem -> 200, status initial"
if curl -sS --max-time 5 -o /dev/null "https://localhost:$PORT/sim/state" 2>"$TMP/tls.err"; then
  fail "TLS without --cacert was accepted: the certificate should not be trusted by default"
fi
ok "without --cacert curl refuses the self-signed certificate ($(head -1 "$TMP/tls.err" | cut -c1-80))"
stop_sims check

echo "PASS $NAME"
