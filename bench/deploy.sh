#!/usr/bin/env bash
# AWS API calls and wall time of `goblet deploy` against moto's server on
# loopback (see BENCHMARKS.md):
# - the showcase (CORS, API key, ANY, greedy, binary and IAM routes): a first
#   deploy, an unchanged redeploy, a one-route authorization change
#   (deploy/tests/moto.rs);
# - apps of 10, 100 and 400 routes: the calls of a first deploy and of a
#   one-route change, and the time API Gateway's quotas alone impose on them
#   (deploy/tests/moto_scale.rs).
#
# Both scenarios deploy through the recording proxy, which classifies every
# call as mutating or not, and assert the counts; this script runs them
# BENCH_RUNS times and prints their tables.
#
# Usage: bash bench/deploy.sh      (BENCH_RUNS=2)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-2}
bash scripts/setup-python.sh
cargo build --release -p helloworld -p showcase -p goblet-cli >&2
cargo test -p goblet-deploy --test moto --test moto_scale --no-run >&2

echo "# goblet deploy against moto"
echo
echo "Command: \`bash bench/deploy.sh\` (BENCH_RUNS=$RUNS)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- cpus: $(nproc), $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
echo "- moto: $(.venv/bin/python -c 'import moto; print(moto.__version__)')"
for run in $(seq "$RUNS"); do
    echo
    echo "Run $run:"
    echo
    cargo test -q -p goblet-deploy --test moto -- --nocapture 2>/dev/null |
        sed -n '/^| showcase/,/^$/p' | grep '^|'
done
echo
echo "By number of routes (calls are the same in every run):"
echo
cargo test -q -p goblet-deploy --test moto_scale -- --nocapture 2>/dev/null |
    sed -n '/^| routes/,/^$/p' | grep '^|'
