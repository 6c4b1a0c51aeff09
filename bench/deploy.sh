#!/usr/bin/env bash
# AWS API calls and wall time of `goblet deploy` for hello world against moto's
# server on loopback (see BENCHMARKS.md): a first deploy, an unchanged
# redeploy, and a one-route authorization change.
#
# The scenario is tests/tests/deploy.rs, which deploys through a recording
# proxy that classifies every call as mutating or not and asserts the counts;
# this script runs it BENCH_RUNS times and prints the table of each run.
#
# Usage: bash bench/deploy.sh      (BENCH_RUNS=3)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-3}
bash scripts/setup-python.sh
cargo build --release -p helloworld -p showcase -p goblet-cli >&2
cargo test -p goblet-tests --test deploy --no-run >&2

echo "# goblet deploy against moto (hello world)"
echo
echo "Command: \`bash bench/deploy.sh\` (BENCH_RUNS=$RUNS)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- cpus: $(nproc), $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
echo "- moto: $(.venv/bin/python -c 'import moto; print(moto.__version__)')"
for run in $(seq "$RUNS"); do
    echo
    echo "Run $run:"
    cargo test -q -p goblet-tests --test deploy -- --nocapture 2>/dev/null |
        sed -n '/^| hello world vs moto/,/^$/p' | grep '^|'
done
