#!/usr/bin/env bash
# Runs every test of the project on a bare machine: installs what the tests need
# (Python clients from PyPI into ./.venv), builds the release binaries the
# end-to-end tests run, then runs the whole workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f tests/python/requirements.txt ]; then
    bash scripts/setup-python.sh
fi

# The end-to-end tests run these release binaries; build them once, together.
cargo build --release -p helloworld -p showcase -p raw-proxy-function -p todo -p orders -p members -p catalog -p passport -p pipeline -p jobs -p goblet-cli
cargo test --workspace
