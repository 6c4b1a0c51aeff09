#!/usr/bin/env bash
# Benchmarks `goblet local` against `chalice local` and `cargo lambda watch` in
# one run on this machine: requests per second and p50/p99 latency of a hello-world GET with
# wrk (8 connections, 2 threads), for
#
#   a. goblet local, an unauthenticated route: examples/showcase `GET /api/`
#      (`#[route("/")] fn index() -> Json {"hello": "world"}`);
#   b. goblet local, an AWS_IAM route: examples/helloworld `GET /api/`, the same
#      body, every request SigV4-signed. The request is signed once (botocore's
#      SigV4Auth, for a test identity given to goblet local with --identities)
#      and wrk sends the same Authorization / X-Amz-Date headers for the whole
#      run: a signature stays valid for 5 minutes and the gateway verifies it
#      again on every request, as API Gateway does;
#   c. chalice local serving the same app (`@app.route('/')` returning
#      {'hello': 'world'}), with keep-alive and with `Connection: close`; its
#      best figure is the reference of the ratios;
#   d. for scale, floors measured by bench/src/bin/loopback-floor.rs: what
#      this machine allows before any API Gateway work. A bare hyper server
#      answering the same body in-process; a hyper reverse proxy in front of
#      it in a second process (one kept-alive HTTP exchange per request); and
#      the Runtime API exchange alone: worker processes each taking one event
#      at a time (a long-polled `next`, then a `response`), running a bare
#      hyper client loop or the showcase binary itself, for one fixed event,
#      with 4 and with 2 workers. That is the floor under goblet local's (a);
#   e. `cargo lambda watch --release --concurrency 4` (cargo-lambda from PyPI)
#      serving the showcase's `GET /` as a function URL (one HTTP API payload
#      2.0 event per request; the showcase answers any event shape). Each of
#      its instances is a `cargo run --release -p showcase` in this target
#      dir, which finds the binary built above fresh and runs it; the script
#      checks that every instance runs a byte-identical copy of the binary
#      goblet local runs, and starts measuring once all 4 instances serve.
#      --ignore-changes: no reload on file changes; --frozen: cargo stays
#      off the network;
#   f. goblet local serving examples/orders, alternating over
#      BENCH_AB_ROUNDS rounds: its open `GET /api/`, `GET /api/orders`
#      behind the TOKEN authorizer with the same bearer token on every request
#      (its policy cached after the first: one invocation per request), and
#      `GET /api/tenants/acme` behind the REQUEST authorizer with `ttl = 0`
#      (two invocations per request: the authorizer's, then the route's);
#   g. goblet local serving examples/members, alternating over
#      BENCH_AB_ROUNDS rounds: its open `GET /api/` and `GET /api/me` behind
#      its Cognito user pool authorizer, with one identity token of `goblet
#      token` on every request: with the authorizer's default ttl = 300 (the
#      checked token cached, as API Gateway caches an authorizer's result;
#      expiry and use still checked per request), and with ttl = 0 (its
#      RS256 signature verified on every request).
#
# goblet local runs with its default --concurrency (4 worker processes) and
# with --concurrency 2 (this machine's core count), its stdout/stderr (the
# START/END/REPORT lines of every invocation) going to a file.
#
# Usage: bash bench/local.sh
#   BENCH_DURATION=10  seconds measured per setup (after BENCH_WARMUP=2 s of warm-up)
#   BENCH_CHALICE_VERSION=1.34.0
#   BENCH_CARGO_LAMBDA_VERSION=1.9.2
#   BENCH_GOBLET_BEFORE=PATH  also measures (a) at the default concurrency with
#     that goblet binary (an older commit's), BENCH_GOBLET_AFTER (default: the
#     one built here), the Runtime API floor with the showcase and cargo lambda
#     watch, one after the other, BENCH_AB_ROUNDS=3 rounds; build both goblets
#     with the same profile settings. Single runs here vary by 10-20 %, cargo
#     lambda watch's by more, from one to the next.
# Besides req/s and latency, the summary gives the server's CPU time per
# request (server process group, user + system), which other work on the
# machine disturbs less than throughput.
# Needs cargo and python3 (with venv); installs wrk with apt-get when missing
# chalice from PyPI into $TARGET/goblet-bench/chalice-venv and cargo-lambda
# into $TARGET/goblet-bench/cargo-lambda-venv. Writes the
# summary to $TARGET/goblet-bench/local-summary.md, everything else (server
# logs, raw wrk output) to $TARGET/goblet-bench/local/.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CHALICE_VERSION=${BENCH_CHALICE_VERSION:-1.34.0}
CARGO_LAMBDA_VERSION=${BENCH_CARGO_LAMBDA_VERSION:-1.9.2}
BEFORE=${BENCH_GOBLET_BEFORE:-}
AB_ROUNDS=${BENCH_AB_ROUNDS:-3}
CONNECTIONS=8
THREADS=2
if ((WARMUP + DURATION >= 290)); then
    # (b) replays one signature, which the gateway accepts for 5 minutes.
    echo "BENCH_WARMUP + BENCH_DURATION must stay under 290 s" >&2
    exit 2
fi

# shellcheck source=bench/common.sh
source bench/common.sh
BENCH="$TARGET/goblet-bench"
OUT="$BENCH/local"
VENV="$BENCH/chalice-venv"
CARGO_LAMBDA_VENV="$BENCH/cargo-lambda-venv"
SUMMARY="$BENCH/local-summary.md"
mkdir -p "$OUT/bin"

log() { echo "== $*" >&2; }

# --- servers: every one started here is stopped on exit ----------------------
SERVERS=()
# The processes of a server started with setsid: its process group (goblet
# local's workers, a floor's other processes even when the leader is gone)
# and the leader's descendants, which may lead groups of their own
# (cargo lambda starts each function instance in a new session).
server_pids() { # pid
    local todo=("$1") p children
    pgrep -g "$1" || true
    while ((${#todo[@]})); do
        p=${todo[-1]}
        unset 'todo[-1]'
        children=$(pgrep -P "$p" || true)
        for p in $children; do
            echo "$p"
            todo+=("$p")
        done
    done
}
stop_server() { # pid
    local pid=$1 others
    others=$(server_pids "$pid" | sort -u)
    if kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    kill -KILL -- "-$pid" 2>/dev/null || true
    # shellcheck disable=SC2086 # one pid a word
    [[ -z "$others" ]] || kill -KILL $others 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in "${SERVERS[@]}"; do
        stop_server "$pid"
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools --------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    log "Installing wrk (apt-get)"
    apt-get install -y wrk >&2 || { apt-get update >&2 && apt-get install -y wrk >&2; }
fi

log "Building (release profile)"
# One package per cargo invocation, as a user builds them (build_app,
# bench/common.sh): goblet-cli's features must not leak into the apps.
build_app goblet-cli goblet goblet
build_app helloworld helloworld helloworld
build_app showcase showcase showcase
build_app orders orders orders
build_app members members members
build_app goblet-bench loopback-floor loopback-floor
GOBLET="$OUT/bin/goblet"
AFTER=${BENCH_GOBLET_AFTER:-$GOBLET}

if [[ ! -x "$VENV/bin/chalice" ]] ||
    [[ "$("$VENV/bin/python" -c 'import chalice; print(chalice.__version__)' 2>/dev/null)" != "$CHALICE_VERSION" ]]; then
    log "Installing chalice==$CHALICE_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "chalice==$CHALICE_VERSION" >&2
fi
PY="$VENV/bin/python" # chalice depends on botocore: it also signs (b)

CARGO_LAMBDA="$CARGO_LAMBDA_VENV/bin/cargo-lambda"
if [[ "$("$CARGO_LAMBDA" lambda --version 2>/dev/null | cut -d' ' -f2)" != "$CARGO_LAMBDA_VERSION" ]]; then
    log "Installing cargo-lambda==$CARGO_LAMBDA_VERSION into $CARGO_LAMBDA_VENV"
    python3 -m venv "$CARGO_LAMBDA_VENV"
    "$CARGO_LAMBDA_VENV/bin/pip" install --quiet --disable-pip-version-check \
        "cargo-lambda==$CARGO_LAMBDA_VERSION" >&2
fi

# --- the chalice app ----------------------------------------------------------
CHALICE_APP="$OUT/chalice-hello"
mkdir -p "$CHALICE_APP/.chalice"
cat >"$CHALICE_APP/app.py" <<'EOF'
from chalice import Chalice

app = Chalice(app_name='hello')


@app.route('/')
def index():
    return {'hello': 'world'}
EOF
cat >"$CHALICE_APP/.chalice/config.json" <<'EOF'
{"version": "2.0", "app_name": "hello", "stages": {"dev": {}}}
EOF

# --- the test identity (local/src/sigv4/identities.rs) ------------------------
ACCESS_KEY=AKIDGOBLETBENCH
SECRET_KEY=goblet-bench-secret-access-key-0123456789
cat >"$OUT/identities.json" <<EOF
[{"access_key_id": "$ACCESS_KEY", "secret_access_key": "$SECRET_KEY",
  "user_arn": "arn:aws:iam::123456789012:user/bench"}]
EOF

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts goblet local; sets URL to its invoke URL.
URL=
start_goblet() { # name binary concurrency [goblet [goblet local's arguments...]]
    local name=$1 binary=$2 concurrency=$3 goblet=${4:-$GOBLET} logfile="$OUT/$1.server.log"
    shift $(($# < 4 ? $# : 4))
    # No host AWS credentials: only the test identity is accepted.
    setsid env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
        -u AWS_PROFILE -u RUST_LOG AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null \
        "$goblet" local --binary "$binary" --port 0 --concurrency "$concurrency" \
        --identities "$OUT/identities.json" "$@" >"$logfile" 2>&1 &
    SERVERS+=("$!")
    URL=
    for _ in $(seq 100); do
        URL=$(sed -n 's/^Invoke URL: //p' "$logfile" 2>/dev/null || true)
        [[ -n "$URL" ]] && return 0
        sleep 0.1
    done
    echo "goblet local ($name) printed no invoke URL:" >&2
    cat "$logfile" >&2
    exit 1
}

start_chalice() {
    local port logfile="$OUT/chalice.server.log"
    port=$(free_port)
    (cd "$CHALICE_APP" && exec setsid "$VENV/bin/chalice" local --host 127.0.0.1 --port "$port") \
        >"$logfile" 2>&1 &
    SERVERS+=("$!")
    URL="http://127.0.0.1:$port/"
    await_server "chalice local" "$URL" "$logfile"
}

# Waits (20 s, or the seconds given, at most) until url answers 2xx while
# the last server started runs; else shows its log and exits.
await_server() { # name url logfile [seconds]
    local deadline=$((SECONDS + ${4:-20}))
    while ((SECONDS < deadline)) && kill -0 "${SERVERS[-1]}" 2>/dev/null; do
        curl -fsS --max-time 1 -o /dev/null "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$1 did not start:" >&2
    cat "$3" >&2
    exit 1
}

# (e): cargo lambda watch serving the showcase as a function URL; sets URL.
start_cargo_lambda() { # concurrency
    local port logfile="$OUT/cargo-lambda.server.log"
    port=$(free_port)
    # Its instances run `cargo run`: the cargo on PATH, this workspace and
    # its target dir, the release profile the binary was built with above.
    # (No --target-dir: cargo-lambda 1.9.2 passes it on to `cargo metadata`,
    # which refuses it.)
    setsid env -u RUST_LOG PATH="$CARGO_LAMBDA_VENV/bin:$PATH" \
        cargo lambda watch --release --package showcase --bin showcase \
        --frozen --ignore-changes --concurrency "$1" \
        --invoke-address 127.0.0.1 --invoke-port "$port" >"$logfile" 2>&1 &
    SERVERS+=("$!")
    URL="http://127.0.0.1:$port/"
    # The first instance is a `cargo run`, which waits for other cargo
    # processes' locks on this machine: give it longer.
    await_server "cargo lambda watch" "$URL" "$logfile" 120
}

# cargo lambda starts instances (up to --concurrency) only while requests
# wait and none is idle: load it until all are up, so that the measured run
# sees them all. Sets INSTANCES to the pids of the instances.
INSTANCES=()
await_cargo_lambda_instances() { # concurrency
    local deadline=$((SECONDS + 120)) p
    while :; do
        INSTANCES=()
        for p in $(server_pids "${SERVERS[-1]}" | sort -u); do
            [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == showcase ]] && INSTANCES+=("$p")
        done
        ((${#INSTANCES[@]} >= $1)) && return 0
        if ((SECONDS >= deadline)); then
            echo "cargo lambda watch started ${#INSTANCES[@]} instances, not $1:" >&2
            cat "$OUT/cargo-lambda.server.log" >&2
            exit 1
        fi
        wrk -t"$THREADS" -c"$CONNECTIONS" -d1s "$URL" >/dev/null
    done
}

# Every instance must run the very binary goblet local and the floors run.
check_same_binary() { # binary pid...
    local binary=$1 pid exe
    shift
    for pid in "$@"; do
        exe=$(readlink "/proc/$pid/exe")
        if ! cmp -s "$exe" "$binary"; then
            echo "instance $pid runs $exe, which differs from $binary" >&2
            exit 1
        fi
    done
}

# (d): one of the floors; sets URL.
start_floor() { # hello | proxy | runtime-bare-c4 | runtime-showcase-c4 | ...-c2
    local floor="$OUT/bin/loopback-floor" port backend logfile="$OUT/floor-$1.server.log"
    port=$(free_port)
    case $1 in
        hello) setsid "$floor" hello "$port" >"$logfile" 2>&1 & ;;
        proxy)
            backend=$(free_port)
            while [[ $backend == "$port" ]]; do backend=$(free_port); done
            setsid bash -c '"$1" hello "$3" & exec "$1" proxy "$2" "$3"' _ "$floor" "$port" "$backend" \
                >"$logfile" 2>&1 &
            ;;
        runtime-bare-c[0-9]) setsid "$floor" runtime "$port" "${1##*-c}" >"$logfile" 2>&1 & ;;
        runtime-showcase-c[0-9])
            setsid "$floor" runtime "$port" "${1##*-c}" "$SHOWCASE" >"$logfile" 2>&1 &
            ;;
        *)
            echo "no such floor: $1" >&2
            exit 2
            ;;
    esac
    SERVERS+=("$!")
    URL="http://127.0.0.1:$port/api/"
    await_server "loopback-floor $1" "$URL" "$logfile"
}

stop_last() {
    stop_server "${SERVERS[-1]}"
    unset 'SERVERS[-1]'
}

# The headers of a GET of $1 signed for execute-api, as wrk -H arguments.
sign() {
    "$PY" - "$1" "$ACCESS_KEY" "$SECRET_KEY" <<'EOF'
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

url, key, secret = sys.argv[1:4]
request = AWSRequest(method="GET", url=url)
SigV4Auth(Credentials(key, secret), "execute-api", "us-east-1").add_auth(request)
for name in ("Authorization", "X-Amz-Date"):
    print(f"{name}: {request.headers[name]}")
EOF
}

# Checks one request's status and body before measuring.
check() { # expected-status url [header...]
    local want=$1 url=$2 got args=()
    shift 2
    local h
    for h in "$@"; do args+=(-H "$h"); done
    got=$(curl -sS -o "$OUT/check.body" -w '%{http_code}' "${args[@]}" "$url")
    if [[ "$got" != "$want" ]]; then
        echo "GET $url answered $got, not $want: $(cat "$OUT/check.body")" >&2
        exit 1
    fi
}

# wrk latency ("512.00us", "1.20ms", "1.01s", "2.00m") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.2f", n }'
}

# CPU time (user + system, in clock ticks) used so far by the server's
# processes (server_pids): the server and its workers or function instances.
TICK_HZ=$(getconf CLK_TCK)
server_ticks() { # pid
    local p sum=0
    for p in $(server_pids "$1" | sort -u); do
        sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$sum"
}

ROWS=() # "name|rps|p50|p99|cpu µs per request|errors"
measure() { # name url [header...]
    local name=$1 url=$2 raw="$OUT/$1.wrk.txt" h rps p50 p99 non2xx sockerr t0 t1 cpu
    shift 2
    local args=()
    for h in "$@"; do args+=(-H "$h"); done
    log "$name: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency $url"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${args[@]}" "$url" >/dev/null
    t0=$(server_ticks "${SERVERS[-1]}")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${args[@]}" "$url" >"$raw"
    t1=$(server_ticks "${SERVERS[-1]}")
    cat "$raw" >&2
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$raw")
    cpu=$(awk -v t=$((t1 - t0)) -v hz="$TICK_HZ" -v n="$(awk '/requests in/ {print $1}' "$raw")" \
        'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$raw")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$raw")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$raw")
    sockerr=$(sed -n 's/^ *Socket errors: //p' "$raw")
    ROWS+=("$name|$rps|$p50|$p99|$cpu|${non2xx:+$non2xx non-2xx; }${sockerr:+socket errors: $sockerr}")
}

SHOWCASE="$OUT/bin/showcase"
HELLO="$OUT/bin/helloworld"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# (a) and (b), with the default concurrency and with --concurrency 2.
for concurrency in 4 2; do
    start_goblet "goblet-unsigned-c$concurrency" "$SHOWCASE" "$concurrency"
    check 200 "$URL"
    measure "goblet-unsigned-c$concurrency" "$URL"
    stop_last

    start_goblet "goblet-signed-c$concurrency" "$HELLO" "$concurrency"
    check 403 "$URL" # the route really is AWS_IAM: unsigned is refused
    mapfile -t SIGNED < <(sign "$URL")
    check 200 "$URL" "${SIGNED[@]}"
    measure "goblet-signed-c$concurrency" "$URL" "${SIGNED[@]}"
    stop_last
done

# Before/after: (a) with two goblet builds, alternating.
if [[ -n "$BEFORE" ]]; then
    for round in $(seq "$AB_ROUNDS"); do
        for side in after before; do
            if [[ $side == after ]]; then goblet=$AFTER; else goblet=$BEFORE; fi
            start_goblet "ab-$side-$round" "$SHOWCASE" 4 "$goblet"
            check 200 "$URL"
            measure "ab-$side-$round" "$URL"
            stop_last
        done
        start_floor runtime-showcase-c4
        check 200 "$URL"
        measure "ab-floor-$round" "$URL"
        stop_last
        start_cargo_lambda 4
        check 200 "$URL"
        await_cargo_lambda_instances 4
        check_same_binary "$SHOWCASE" "${INSTANCES[@]}"
        measure "ab-cargo-lambda-$round" "$URL"
        stop_last
    done
fi

# (f), alternating.
ORDERS="$OUT/bin/orders"
for round in $(seq "$AB_ROUNDS"); do
    start_goblet "auth-open-$round" "$ORDERS" 4
    check 200 "$URL"
    measure "auth-open-$round" "$URL"
    stop_last
    start_goblet "auth-token-$round" "$ORDERS" 4
    check 401 "${URL}orders" # the route really is behind the authorizer
    check 200 "${URL}orders" "Authorization: Bearer alice-token"
    measure "auth-token-$round" "${URL}orders" "Authorization: Bearer alice-token"
    stop_last
    start_goblet "auth-request-$round" "$ORDERS" 4
    check 401 "${URL}tenants/acme"
    check 200 "${URL}tenants/acme?key=acme-key" "X-Tenant: acme"
    measure "auth-request-$round" "${URL}tenants/acme?key=acme-key" "X-Tenant: acme"
    stop_last
done

# (g), alternating. The members project configures the user pool; its own
# JWKS is not reachable here (loopback only, so its endpoint is a closed
# port): goblet local says so and trusts goblet token's key, which signs the
# token.
MEMBERS="$OUT/bin/members"
MEMBERS_PROJECT="$PWD/examples/members"
# The same pool with `ttl = 0`: every request's token checked afresh.
MEMBERS_TTL0="$OUT/members-ttl0"
mkdir -p "$MEMBERS_TTL0"
{
    printf '[package]\nname = "members"\nversion = "0.1.0"\nedition = "2024"\n\n'
    sed -n '/^\[package.metadata.goblet.authorizers.users\]/,$p' "$MEMBERS_PROJECT/Cargo.toml"
    printf 'ttl = 0\n'
} >"$MEMBERS_TTL0/Cargo.toml"
export AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=http://127.0.0.1:9
ID_TOKEN=$("$GOBLET" token --project "$MEMBERS_PROJECT" --authorizer users --expires-in 86400)
for round in $(seq "$AB_ROUNDS"); do
    start_goblet "cognito-open-$round" "$MEMBERS" 4 "$GOBLET" --project "$MEMBERS_PROJECT"
    check 200 "$URL"
    measure "cognito-open-$round" "$URL"
    stop_last
    start_goblet "cognito-me-$round" "$MEMBERS" 4 "$GOBLET" --project "$MEMBERS_PROJECT"
    check 401 "${URL}me"
    check 200 "${URL}me" "Authorization: $ID_TOKEN"
    measure "cognito-me-$round" "${URL}me" "Authorization: $ID_TOKEN"
    stop_last
    start_goblet "cognito-ttl0-$round" "$MEMBERS" 4 "$GOBLET" --project "$MEMBERS_TTL0"
    check 401 "${URL}me"
    check 200 "${URL}me" "Authorization: $ID_TOKEN"
    measure "cognito-ttl0-$round" "${URL}me" "Authorization: $ID_TOKEN"
    stop_last
done
unset AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER

# (e), at goblet local's default concurrency.
start_cargo_lambda 4
check 200 "$URL"
await_cargo_lambda_instances 4
check_same_binary "$SHOWCASE" "${INSTANCES[@]}"
measure cargo-lambda-c4 "$URL"
stop_last

# (c)
start_chalice
check 200 "$URL"
measure chalice-keepalive "$URL"
measure chalice-close "$URL" "Connection: close"
stop_last

# (d)
for floor in hello proxy runtime-bare-c4 runtime-showcase-c4 runtime-showcase-c2; do
    start_floor "$floor"
    check 200 "$URL"
    measure "floor-$floor" "$URL"
    stop_last
done

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- summary --------------------------------------------------------------------
field_of() { # name field-number (2 req/s, 3 p50, 4 p99)
    local row
    for row in "${ROWS[@]}"; do
        [[ "${row%%|*}" == "$1" ]] && { cut -d'|' -f"$2" <<<"$row"; return; }
    done
}
rps_of() { field_of "$1" 2; }
CHALICE_BEST=$(printf '%s\n%s\n' "$(rps_of chalice-keepalive)" "$(rps_of chalice-close)" |
    sort -g | tail -n1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
ratio2() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
describe() {
    case $1 in
        goblet-unsigned-c4) echo "(a) goblet local, no auth (showcase \`GET /api/\`), --concurrency 4 (default)" ;;
        goblet-unsigned-c2) echo "(a) goblet local, no auth (showcase \`GET /api/\`), --concurrency 2" ;;
        goblet-signed-c4) echo "(b) goblet local, AWS_IAM + SigV4 (helloworld \`GET /api/\`), --concurrency 4 (default)" ;;
        goblet-signed-c2) echo "(b) goblet local, AWS_IAM + SigV4 (helloworld \`GET /api/\`), --concurrency 2" ;;
        cargo-lambda-c4) echo "(e) cargo lambda watch $CARGO_LAMBDA_VERSION, the same showcase binary (\`GET /\`, function URL), --concurrency 4" ;;
        chalice-keepalive) echo "(c) chalice local $CHALICE_VERSION \`GET /\`, keep-alive" ;;
        chalice-close) echo "(c) chalice local $CHALICE_VERSION \`GET /\`, Connection: close" ;;
        floor-hello) echo "(d) floor: bare hyper server, the body answered in-process" ;;
        floor-proxy) echo "(d) floor: hyper reverse proxy + that server in a second process" ;;
        floor-runtime-bare-c4) echo "(d) floor: Runtime API exchange alone, 4 workers running a bare hyper client loop" ;;
        floor-runtime-showcase-c4) echo "(d) floor: Runtime API exchange alone, 4 workers running the showcase binary" ;;
        floor-runtime-showcase-c2) echo "(d) floor: Runtime API exchange alone, 2 workers running the showcase binary" ;;
        ab-after-*) echo "(a) at --concurrency 4 with BENCH_GOBLET_AFTER, round ${1##*-}" ;;
        ab-before-*) echo "(a) at --concurrency 4 with BENCH_GOBLET_BEFORE, round ${1##*-}" ;;
        ab-floor-*) echo "(d) floor: Runtime API exchange alone, 4 workers running the showcase binary, round ${1##*-}" ;;
        ab-cargo-lambda-*) echo "(e) cargo lambda watch $CARGO_LAMBDA_VERSION, --concurrency 4, round ${1##*-}" ;;
        auth-open-*) echo "(f) orders \`GET /api/\`, open, round ${1##*-}" ;;
        auth-token-*) echo "(f) orders \`GET /api/orders\`, TOKEN authorizer, cached, round ${1##*-}" ;;
        auth-request-*) echo "(f) orders \`GET /api/tenants/acme\`, REQUEST authorizer, ttl = 0, round ${1##*-}" ;;
        cognito-open-*) echo "(g) members \`GET /api/\`, open, round ${1##*-}" ;;
        cognito-me-*) echo "(g) members \`GET /api/me\`, Cognito user pool authorizer, ttl = 300 (the default: the checked token cached), round ${1##*-}" ;;
        cognito-ttl0-*) echo "(g) members \`GET /api/me\`, Cognito user pool authorizer, ttl = 0 (RS256 verified per request), round ${1##*-}" ;;
    esac
}

{
    echo "# goblet local vs cargo lambda watch and chalice local"
    echo
    echo "Command: \`bash bench/local.sh\` (BENCH_DURATION=$DURATION BENCH_WARMUP=$WARMUP BENCH_CHALICE_VERSION=$CHALICE_VERSION BENCH_CARGO_LAMBDA_VERSION=$CARGO_LAMBDA_VERSION)."
    echo "Each setup: \`wrk -t$THREADS -c$CONNECTIONS -d${WARMUP}s\` warm-up, then \`wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency URL\`;"
    echo "wrk, the server and its workers share this machine's CPUs. All responses are \`{\"hello\":\"world\"}\`."
    echo
    echo "| setup | req/s | p50 (ms) | p99 (ms) | × chalice best | server CPU per request (µs) | errors |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
    for row in "${ROWS[@]}"; do
        IFS='|' read -r name rps p50 p99 cpu errors <<<"$row"
        echo "| $(describe "$name") | $(printf '%.0f' "$rps") | $p50 | $p99 | $(ratio "$rps" "$CHALICE_BEST") | $cpu | ${errors:-none} |"
    done
    echo
    echo "Server CPU per request: user + system time of the server's processes (goblet local and its"
    echo "worker processes; cargo lambda and its function instances; chalice local) during the measured"
    echo "run, divided by the requests answered —"
    echo "less sensitive than req/s to other work on the machine. With \`Connection: close\` wrk counts every"
    echo "connection the server closes as a socket read error; those requests were answered in full."
    echo
    for c in 4 2; do
        echo "- signed vs unsigned, --concurrency $c: unsigned/signed throughput = $(awk -v u="$(rps_of "goblet-unsigned-c$c")" -v s="$(rps_of "goblet-signed-c$c")" 'BEGIN { printf "%.2f", u / s }')× (goal ≤ 1.5×)"
    done
    echo "- goblet local (a) vs cargo lambda watch (e), both --concurrency 4: $(ratio2 "$(rps_of goblet-unsigned-c4)" "$(rps_of cargo-lambda-c4)")× the requests/s (goal ≥ 1.5×)"
    echo "- goblet local (a) vs the Runtime API floor with the same binary and workers, --concurrency 4: $(ratio2 "$(rps_of goblet-unsigned-c4)" "$(rps_of floor-runtime-showcase-c4)")× (goal ≥ 0.9×); --concurrency 2: $(ratio2 "$(rps_of goblet-unsigned-c2)" "$(rps_of floor-runtime-showcase-c2)")×"
    echo "- goblet local's p99 at the default concurrency: (a) $(field_of goblet-unsigned-c4 4) ms, (b) $(field_of goblet-signed-c4 4) ms (goal ≤ 2 ms)"
    auth=$(for row in "${ROWS[@]}"; do
        IFS='|' read -r name rps _ _ _ _ <<<"$row"
        case $name in auth-*) n=${name#auth-}; echo "${n%-*} $rps" ;; esac
    done | awk '{ r[$1] += $2 } END { printf "%.2f %.2f", r["token"] / r["open"], r["request"] / r["open"] }')
    read -r auth_token auth_request <<<"$auth"
    echo "- (f) a route behind a TOKEN authorizer, warm cache, vs the open route, summed over $AB_ROUNDS rounds: ${auth_token}× the requests/s (goal ≥ 0.8×); behind a REQUEST authorizer with ttl = 0: ${auth_request}×"
    cognito=$(for row in "${ROWS[@]}"; do
        IFS='|' read -r name rps _ _ _ _ <<<"$row"
        case $name in cognito-*) n=${name#cognito-}; echo "${n%-*} $rps" ;; esac
    done | awk '{ r[$1] += $2 } END { printf "%.2f %.2f", r["me"] / r["open"], r["ttl0"] / r["open"] }')
    read -r cognito_cached cognito_fresh <<<"$cognito"
    echo "- (g) a route behind a Cognito user pool authorizer vs the open route, summed over $AB_ROUNDS rounds: with RS256 verified per request (ttl = 0) ${cognito_fresh}× the requests/s (goal ≥ 0.8×); with the default ttl = 300 ${cognito_cached}×"
    if [[ -n "$BEFORE" ]]; then
        sums=$(for row in "${ROWS[@]}"; do
            IFS='|' read -r name rps _ _ cpu _ <<<"$row"
            case $name in
                ab-after-*) echo "after $rps $cpu" ;;
                ab-before-*) echo "before $rps $cpu" ;;
                ab-floor-*) echo "floor $rps $cpu" ;;
                ab-cargo-lambda-*) echo "cargo-lambda $rps $cpu" ;;
            esac
        done | awk '{ r[$1] += $2; c[$1] += $3 }
            END { printf "%.3f %.3f %.3f %.3f", r["after"] / r["before"], c["after"] / c["before"],
                r["after"] / r["floor"], r["after"] / r["cargo-lambda"] }')
        read -r ab_rps ab_cpu ab_floor ab_cargo_lambda <<<"$sums"
        echo "- after vs before ($AFTER vs $BEFORE), summed over $AB_ROUNDS rounds: requests/s ${ab_rps}×, server CPU per request ${ab_cpu}×"
        echo "- after vs the Runtime API floor (same binary, 4 workers), summed over $AB_ROUNDS rounds: ${ab_floor}× the requests/s (goal ≥ 0.9×)"
        echo "- after vs cargo lambda watch (same binary, --concurrency 4), summed over $AB_ROUNDS rounds: ${ab_cargo_lambda}× the requests/s (goal ≥ 1.5×)"
    fi
    echo
    echo "Machine:"
    echo
    machine
    echo "- chalice $("$PY" -c 'import chalice; print(chalice.__version__)'), $("$PY" --version)"
    echo "- $("$CARGO_LAMBDA" lambda --version)"
    echo "- $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2)"
} | tee "$SUMMARY"
echo >&2
echo "summary: $SUMMARY; wrk output and server logs: $OUT/" >&2
