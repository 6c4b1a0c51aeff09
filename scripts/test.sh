#!/usr/bin/env bash
# Runs every test of the project on a bare machine: installs what the tests need
# (Python clients from PyPI into ./.venv), builds the release binaries the
# end-to-end tests run, then runs the whole workspace's tests. Each line of the
# tests' output carries the seconds since they started, so slow ones show.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f tests/python/requirements.txt ]; then
    bash scripts/setup-python.sh
fi

stamped() {
    local start=$SECONDS line
    while IFS= read -r line; do
        printf '[%5ds] %s\n' $((SECONDS - start)) "$line"
    done
}

# The end-to-end tests run these release binaries; build them once, together.
build_started=$SECONDS
cargo build --release -p helloworld -p showcase -p raw-proxy-function -p todo -p orders -p members -p catalog -p passport -p pipeline -p jobs -p goblet-cli
echo "release build: $((SECONDS - build_started)) s"
cargo test --workspace 2>&1 | stamped
