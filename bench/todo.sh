#!/usr/bin/env bash
# The todo app's cold start and size beside hello world and a plain
# lambda_http hello world, with the DynamoDB client's own init time broken
# out (see BENCHMARKS.md): `init-duration` starts each binary under goblet's
# Runtime API on loopback and times spawn → first /invocation/next. The todo
# app answers nothing here without its table, so the first event is not part
# of its figure; its `main` logs `init_ms`, the time aws-config and the
# client took, which is read from its JSON log line.
#
# Usage: bash bench/todo.sh     (BENCH_RUNS=50 BENCH_WARMUP=3)
# Needs only cargo; no AWS, no network: the SDK resolves its region and
# credentials from the variables Lambda sets (given here as in Lambda).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-50}
WARMUP=${BENCH_WARMUP:-3}

# shellcheck source=bench/common.sh
source bench/common.sh

echo "== Building (release profile of the root Cargo.toml)" >&2
build_app helloworld helloworld goblet
build_app lambda-http-hello lambda-http-hello lambda_http
build_app todo todo todo
cargo build --release -p goblet-bench --bin init-duration >&2
cp "$TARGET/release/init-duration" "$OUT/bin/init-duration"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
summary=$(env -u RUST_LOG -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE \
    -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
    "$OUT/bin/init-duration" --runs "$RUNS" --warmup "$WARMUP" \
    --env TABLE_NAME=todos \
    --env AWS_ACCESS_KEY_ID=ASIAEXAMPLEEXAMPLE00 \
    --env AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
    --env AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE \
    --log-field init_ms \
    goblet="$OUT/bin/goblet" \
    lambda_http="$OUT/bin/lambda_http" \
    todo="$OUT/bin/todo")

{
    echo "# The todo app's cold start"
    echo
    echo "Command: \`bash bench/todo.sh\` (BENCH_RUNS=$RUNS BENCH_WARMUP=$WARMUP)"
    echo
    machine
    echo "$summary"
} | tee "$OUT/todo.md"
