#!/usr/bin/env python3
"""Real AWS clients against `goblet local`, for tests/tests/local.rs.

    local_clients.py SCENARIO URL

Credentials come from the environment (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); the region is us-east-1. Prints one
JSON object: {"status": int, "headers": {lower-case name: value}, "body": str}.

Scenarios:
  requests_aws_sign   GET with requests + requests_aws_sign.AWSV4Sign (boto3 session)
  botocore            GET signed by botocore SigV4Auth
  botocore_query      GET URL?a=1&b=x%20y signed by SigV4Auth
  presigned           GET of a botocore SigV4QueryAuth presigned URL
  tamper_header       signs x-custom: a, sends x-custom: b
  tamper_path         signs URL, sends URL without its trailing slash
  tamper_query        signs ?a=1, sends ?a=2
  tamper_body         signs body "one", sends body "two"
  unknown_key         signs with an access key goblet local does not know
  wrong_secret        signs with the right key and a wrong secret
  malformed           Authorization with only a Credential part
  expired             signed ten minutes ago
  future              signed for ten minutes from now
  wrong_token         temporary credentials sent with another session token
  dot_segments_header     signs URL + "whoami", sends URL + "files/../whoami" byte for byte
  dot_segments_presigned  presigns URL + "whoami", sends it as URL + "files/../whoami"
  repeated_date       signed GET sent with a second, identical X-Amz-Date line
  repeated_token      signed GET (temporary credentials) with a second X-Amz-Security-Token line
  repeated_sha256     GET signing X-Amz-Content-Sha256, sent with a second line of it
  region_mars         signed with the credential scope's region mars-north-1
  bearer              GET with `Authorization: Bearer <token>` (reports its SHA-256, base64)
  bearer_post         the same, as a POST

The dot-segment and repeated-header scenarios send exactly the bytes they
say: http.client neither resolves dot segments nor merges header lines.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.client
import json
import os
import sys
import urllib.parse
from unittest import mock

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "us-east-1"
SERVICE = "execute-api"


def env_credentials(key=None, secret=None) -> Credentials:
    return Credentials(
        key or os.environ["AWS_ACCESS_KEY_ID"],
        secret or os.environ["AWS_SECRET_ACCESS_KEY"],
        os.environ.get("AWS_SESSION_TOKEN") or None,
    )


def send_raw(method: str, url: str, headers, body: bytes | None = None) -> dict:
    """Sends exactly these headers (a dict, or a list of pairs where a name
    may repeat) with http.client (Host included in headers)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in headers.items() if isinstance(headers, dict) else headers:
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    out = {
        "status": response.status,
        "headers": {k.lower(): v for k, v in response.getheaders()},
        "body": response.read().decode("utf-8", "replace"),
    }
    conn.close()
    return out


def signed(method: str, url: str, headers=None, body=None, creds=None, region=REGION) -> AWSRequest:
    request = AWSRequest(method=method, url=url, headers=headers or {}, data=body)
    SigV4Auth(creds or env_credentials(), SERVICE, region).add_auth(request)
    return request


def send_with_extra_line(request: AWSRequest, name: str) -> dict:
    """Sends the signed request with a second, identical `name` header line."""
    headers = list(request.headers.items())
    headers.insert(0, ("Host", urllib.parse.urlsplit(request.url).netloc))
    headers += [(n, v) for n, v in headers if n.lower() == name.lower()]
    return send_raw(request.method, request.url, headers)


def bearer(method: str, url: str) -> dict:
    token = "Bearer secret-token-do-not-echo"
    headers = {"Host": urllib.parse.urlsplit(url).netloc, "Authorization": token}
    result = send_raw(method, url, headers, b"" if method == "POST" else None)
    result["sent_authorization"] = token
    result["authorization_hash"] = base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()
    return result


def send_signed(request: AWSRequest, url=None, headers=None, body=None) -> dict:
    final_headers = dict(request.headers.items())
    final_headers["Host"] = urllib.parse.urlsplit(request.url).netloc
    final_headers.update(headers or {})
    data = request.body if body is None else body
    if isinstance(data, str):
        data = data.encode()
    return send_raw(request.method, url or request.url, final_headers, data or None)


def main() -> None:
    scenario, url = sys.argv[1], sys.argv[2]
    if scenario == "requests_aws_sign":
        import boto3
        import requests
        from requests_aws_sign import AWSV4Sign

        session = boto3.session.Session()
        auth = AWSV4Sign(session.get_credentials(), REGION, SERVICE)
        r = requests.get(url, auth=auth, timeout=30)
        result = {"status": r.status_code, "headers": {k.lower(): v for k, v in r.headers.items()}, "body": r.text}
    elif scenario == "botocore":
        result = send_signed(signed("GET", url))
    elif scenario == "botocore_query":
        result = send_signed(signed("GET", url + "?a=1&b=x%20y"))
    elif scenario == "presigned":
        request = AWSRequest(method="GET", url=url)
        SigV4QueryAuth(env_credentials(), SERVICE, REGION, expires=300).add_auth(request)
        result = send_raw("GET", request.url, {"Host": urllib.parse.urlsplit(url).netloc})
    elif scenario == "tamper_header":
        request = signed("GET", url, headers={"x-custom": "a"})
        result = send_signed(request, headers={"x-custom": "b"})
    elif scenario == "tamper_path":
        request = signed("GET", url)
        result = send_signed(request, url=url.rstrip("/"))
    elif scenario == "tamper_query":
        request = signed("GET", url + "?a=1")
        result = send_signed(request, url=url + "?a=2")
    elif scenario == "tamper_body":
        request = signed("GET", url, body=b"one")
        result = send_signed(request, body=b"two")
    elif scenario == "unknown_key":
        creds = Credentials("AKIDUNKNOWNUNKNOWN00", "secret", None)
        result = send_signed(signed("GET", url, creds=creds))
    elif scenario == "wrong_secret":
        creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], "not-the-secret", os.environ.get("AWS_SESSION_TOKEN"))
        result = send_signed(signed("GET", url, creds=creds))
    elif scenario == "malformed":
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        key = os.environ["AWS_ACCESS_KEY_ID"]
        auth = f"AWS4-HMAC-SHA256 Credential={key}/{now[:8]}/{REGION}/{SERVICE}/aws4_request"
        host = urllib.parse.urlsplit(url).netloc
        result = send_raw("GET", url, {"Host": host, "X-Amz-Date": now, "Authorization": auth})
        result["sent_authorization"] = auth
        result["authorization_hash"] = base64.b64encode(hashlib.sha256(auth.encode()).digest()).decode()
    elif scenario == "expired":
        past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda: past):
            request = signed("GET", url)
        result = send_signed(request)
        result["sent_date"] = request.headers["X-Amz-Date"]
    elif scenario == "future":
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=10)
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda: later):
            request = signed("GET", url)
        result = send_signed(request)
        result["sent_date"] = request.headers["X-Amz-Date"]
    elif scenario == "wrong_token":
        creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], "not-the-token")
        result = send_signed(signed("GET", url, creds=creds))
    elif scenario == "dot_segments_header":
        result = send_signed(signed("GET", url + "whoami"), url=url + "files/../whoami")
    elif scenario == "dot_segments_presigned":
        request = AWSRequest(method="GET", url=url + "whoami")
        SigV4QueryAuth(env_credentials(), SERVICE, REGION, expires=300).add_auth(request)
        query = urllib.parse.urlsplit(request.url).query
        sent = url + "files/../whoami?" + query
        result = send_raw("GET", sent, {"Host": urllib.parse.urlsplit(url).netloc})
    elif scenario == "repeated_date":
        request = signed("GET", url)
        result = send_with_extra_line(request, "X-Amz-Date")
        result["sent_date"] = request.headers["X-Amz-Date"]
    elif scenario == "repeated_token":
        result = send_with_extra_line(signed("GET", url), "X-Amz-Security-Token")
    elif scenario == "repeated_sha256":
        empty = hashlib.sha256(b"").hexdigest()
        request = signed("GET", url, headers={"X-Amz-Content-Sha256": empty})
        assert "x-amz-content-sha256" in request.headers["Authorization"]
        result = send_with_extra_line(request, "X-Amz-Content-Sha256")
    elif scenario == "region_mars":
        result = send_signed(signed("GET", url, region="mars-north-1"))
    elif scenario == "bearer":
        result = bearer("GET", url)
    elif scenario == "bearer_post":
        result = bearer("POST", url)
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
