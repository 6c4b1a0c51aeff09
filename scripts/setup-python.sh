#!/usr/bin/env bash
# The real AWS clients the tests sign requests with (boto3/botocore,
# requests-aws-sign, awscurl, ...), pinned, into ./.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum tests/python/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
    echo "$want" > "$stamp"
fi
