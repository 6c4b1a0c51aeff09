#!/usr/bin/env bash
# Resident memory (VmRSS) of one Lambda execution environment over 100,000
# events, for goblet's helloworld and for baselines measured in the same run:
# a bare `lambda_runtime` hello world (bench/baselines/lambda-runtime-hello)
# and plain lambda_http (bench/baselines/lambda-http-hello). Each binary serves
# the events one after the other through goblet's Lambda Runtime API on
# loopback (bench/src/bin/memory-curve.rs), every event with a trace id of its
# own as on Lambda; VmRSS is read every BENCH_EVERY events (see BENCHMARKS.md,
# "Memory over 100,000 events").
#
# Usage: bash bench/memory.sh     (BENCH_EVENTS=100000 BENCH_EVERY=10000)
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${BENCH_EVENTS:-100000}
EVERY=${BENCH_EVERY:-10000}

# shellcheck source=bench/common.sh
source bench/common.sh

echo "== Building (release profile of the root Cargo.toml)" >&2
build_app helloworld helloworld goblet
build_app lambda-runtime-hello lambda-runtime-hello lambda_runtime
build_app lambda-http-hello lambda-http-hello lambda_http
cargo build --release -p goblet-bench --bin memory-curve >&2
cp "$TARGET/release/memory-curve" "$OUT/bin/memory-curve"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# The apps get only Lambda's environment (plus PATH); keep the host's log
# settings out of it.
table=$(env -u RUST_LOG -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE \
    "$OUT/bin/memory-curve" --events "$EVENTS" --every "$EVERY" \
    goblet="$OUT/bin/goblet" \
    lambda_runtime="$OUT/bin/lambda_runtime" \
    lambda_http="$OUT/bin/lambda_http")

echo "# Memory over $EVENTS events"
echo
echo "Command: \`bash bench/memory.sh\` (BENCH_EVENTS=$EVENTS BENCH_EVERY=$EVERY)"
echo
machine
echo "$table"
