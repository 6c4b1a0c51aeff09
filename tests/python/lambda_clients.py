#!/usr/bin/env python3
"""boto3's Lambda client against `goblet local`'s Invoke API, for
tests/tests/functions_local.rs.

    lambda_clients.py ENDPOINT < calls.json

Credentials come from the environment; the region is us-east-1. Reads a JSON
array of calls, each {"function": name, "payload": any JSON or absent,
"raw": a string sent as the payload's bytes, "type": InvocationType,
"qualifier": ..., "big": bytes of payload to send}. Prints one JSON array of
results: {"status", "function_error", "executed_version", "payload"} for an
answer, {"status", "code", "message"} for an error.
"""

from __future__ import annotations

import json
import sys

import boto3
import botocore.exceptions
from botocore.config import Config


def main() -> None:
    endpoint = sys.argv[1]
    calls = json.load(sys.stdin)
    client = boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 0}, read_timeout=60),
    )
    results = []
    for call in calls:
        kwargs = {"FunctionName": call["function"]}
        if "payload" in call:
            kwargs["Payload"] = json.dumps(call["payload"]).encode()
        if "raw" in call:
            kwargs["Payload"] = call["raw"].encode()
        if "big" in call:
            kwargs["Payload"] = b'"' + b"x" * call["big"] + b'"'
        if "type" in call:
            kwargs["InvocationType"] = call["type"]
        if "qualifier" in call:
            kwargs["Qualifier"] = call["qualifier"]
        try:
            answer = client.invoke(**kwargs)
            results.append(
                {
                    "status": answer["StatusCode"],
                    "function_error": answer.get("FunctionError"),
                    "executed_version": answer.get("ExecutedVersion"),
                    "payload": answer["Payload"].read().decode(),
                }
            )
        except botocore.exceptions.ClientError as error:
            results.append(
                {
                    "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
                    "code": error.response["Error"]["Code"],
                    "message": error.response["Error"]["Message"],
                }
            )
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
