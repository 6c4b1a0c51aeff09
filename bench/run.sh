#!/usr/bin/env bash
# Benchmarks goblet against lambda_http (plain, and with axum) in one run on
# this machine, and prints a summary with the ratios (see BENCHMARKS.md):
#
#   1. per-event dispatch cost: criterion (`cargo bench -p goblet-bench`),
#      also inside apps of 10, 100 and 400 routes (`dispatch_routes_*`);
#   2. cold start and stripped release binary size: bench/src/bin/lambda-lifecycle.rs
#      spawns each binary under goblet's Lambda Runtime API on loopback (the
#      apps of 10, 100 and 400 routes too: bench/apps/routes-app);
#   3. peak RSS (VmHWM) after BENCH_EVENTS events, same tool.
#
# Usage: bash bench/run.sh     (BENCH_RUNS=50 BENCH_WARMUP=3 BENCH_EVENTS=10000)
# Needs only cargo; writes the summary to $TARGET/goblet-bench/summary.md and
# the raw figures to $TARGET/goblet-bench/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-50}
WARMUP=${BENCH_WARMUP:-3}
EVENTS=${BENCH_EVENTS:-10000}

# shellcheck source=bench/common.sh
source bench/common.sh

echo "== Building (release profile of the root Cargo.toml)" >&2
build_app helloworld helloworld goblet
build_app lambda-http-hello lambda-http-hello lambda_http
build_app axum-hello axum-hello lambda_http_axum
# The same app shape at 10, 100 and 400 routes (bench/routes_gen.rs).
for routes in 10 100 400; do
    GOBLET_BENCH_ROUTES=$routes build_app routes-app routes-app "routes_$routes"
done
cargo build --release -p goblet-bench --bin lambda-lifecycle >&2
cp "$TARGET/release/lambda-lifecycle" "$OUT/bin/lambda-lifecycle"

# Other work on the machine skews every figure: say how busy it was.
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== Per-event dispatch: cargo bench -p goblet-bench --bench dispatch" >&2
rm -rf "$TARGET/criterion/dispatch"
cargo bench -p goblet-bench --bench dispatch >&2
# The app model: State<T> through one from_fn middleware, and axum's same.
cargo bench -p goblet-bench --bench dispatch_app >&2
for routes in 10 100 400; do
    cargo bench -p goblet-bench --bench "dispatch_routes_$routes" >&2
done

echo "== Cold start, size and memory: lambda-lifecycle" >&2
# The apps get only Lambda's environment (plus PATH); keep the host's log
# settings out of it.
summary=$(env -u RUST_LOG -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE \
    "$OUT/bin/lambda-lifecycle" \
    --runs "$RUNS" --warmup "$WARMUP" --events "$EVENTS" \
    --criterion "$TARGET/criterion" --json "$OUT/results.json" \
    goblet="$OUT/bin/goblet" \
    lambda_http="$OUT/bin/lambda_http" \
    lambda_http_axum="$OUT/bin/lambda_http_axum" \
    routes_10="$OUT/bin/routes_10" \
    routes_100="$OUT/bin/routes_100" \
    routes_400="$OUT/bin/routes_400")

{
    echo "# goblet benchmarks"
    echo
    echo "Command: \`bash bench/run.sh\` (BENCH_RUNS=$RUNS BENCH_WARMUP=$WARMUP BENCH_EVENTS=$EVENTS)"
    echo
    machine
    echo "$summary"
} | tee "$OUT/summary.md"
echo >&2
echo "summary: $OUT/summary.md, raw figures: $OUT/results.json" >&2
