#!/usr/bin/env python3
"""Generate SigV4 fixtures for goblet's local API Gateway signature verifier.

Every fixture is a request signed by a real client library and captured *as
received* by a tiny HTTP server on the loopback interface: the method, the
request target (path and raw query), the header lines in order (duplicates
kept, optional whitespace around values trimmed as an HTTP server does) and
the body. The Rust tests in `local/tests/sigv4.rs` replay them through
`local/src/sigv4`.

Clients used:
  * botocore `SigV4Auth` (header signing) and `SigV4QueryAuth` (presigned
    URLs), sent with botocore's own `URLLib3Session`; for a signed User-Agent
    and a repeated header, which that session cannot send (botocore never
    signs User-Agent, and its prepared requests keep one value per header
    name), `SigV4Auth` signs and `http.client` sends the header lines as
    signed;
  * `requests_aws_sign.AWSV4Sign` on a `requests.Request(...).prepare()`,
    sent with a `requests.Session`;
  * awscurl's command line entry point (`awscurl.awscurl.inner_main`), which
    signs and sends with `requests`.

The clock of every client is pinned to FIXED_TIME, so the output is
deterministic (the capture server listens on a fixed loopback port so that
the Host header is stable too).

Usage (from the repository root):

    python3 -m venv .venv
    .venv/bin/pip install -r tests/python/requirements.txt
    .venv/bin/python tests/python/make_sigv4_fixtures.py

It writes `local/tests/fixtures/sigv4/*.json`. Re-run it after upgrading
any of the pinned clients and commit the result.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import http.client
import io
import json
import os
import socket
import sys
import tempfile
import threading
from importlib import metadata
from pathlib import Path
from unittest import mock

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session

import requests
from requests_aws_sign import AWSV4Sign

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "local" / "tests" / "fixtures" / "sigv4"

PORT = int(os.environ.get("SIGV4_FIXTURE_PORT", "48123"))
BASE = f"http://127.0.0.1:{PORT}"
REGION = "us-east-1"
SERVICE = "execute-api"
FIXED_TIME = datetime.datetime(2026, 1, 15, 12, 0, 0, tzinfo=datetime.timezone.utc)
FIXED_TIME_AMZ = FIXED_TIME.strftime("%Y%m%dT%H%M%SZ")

# The AWS documentation's example key pair, and a made-up temporary one whose
# session token carries '+', '/' and '=' so that presigned URLs must encode it.
LONG_TERM = {
    "access_key_id": "AKIDEXAMPLE",
    "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "session_token": None,
}
TEMPORARY = {
    "access_key_id": "ASIAEXAMPLETEMPORARY",
    "secret_access_key": "tEmPoRaRy/SeCrEt+KeY/ExAmPlE0123456789ab",
    "session_token": "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJH+MEUCIQ"
    "Dexample+session/token==",
}


def botocore_credentials(creds: dict) -> Credentials:
    return Credentials(creds["access_key_id"], creds["secret_access_key"], creds["session_token"])


# --------------------------------------------------------------------------
# Capture server: one request per connection, recorded as received.
# --------------------------------------------------------------------------


class CaptureServer:
    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.captured: list[dict] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            # RFC 9110: optional whitespace around a field value is not part of it.
            headers.append([name, value.strip(" \t")])
        length = 0
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value)
        body = rest
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        with self.lock:
            self.captured.append(
                {"method": method, "uri": target, "headers": headers, "body": body}
            )
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
        )

    def take(self) -> dict:
        with self.lock:
            if len(self.captured) != 1:
                raise RuntimeError(f"expected one captured request, got {len(self.captured)}")
            return self.captured.pop()

    def close(self) -> None:
        self.sock.close()


# --------------------------------------------------------------------------
# Clients, each with its clock pinned.
# --------------------------------------------------------------------------


@contextlib.contextmanager
def pinned_clock():
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda: FIXED_TIME):
        yield


def botocore_send(request: AWSRequest) -> None:
    session = URLLib3Session()
    try:
        response = session.send(request.prepare())
        if response.status_code != 200:
            raise RuntimeError(f"capture server answered {response.status_code}")
    finally:
        session.close()


def botocore_header_signed(creds, method, path, headers=None, body=b"") -> None:
    request = AWSRequest(method=method, url=BASE + path, headers=headers or {}, data=body)
    with pinned_clock():
        SigV4Auth(botocore_credentials(creds), SERVICE, REGION).add_auth(request)
    botocore_send(request)


def botocore_date_header_signed(creds, method, path) -> None:
    """SigV4 with a `Date` header instead of `X-Amz-Date`, which the SigV4
    specification allows but `add_auth` never produces: the canonical request,
    string to sign and signature come from botocore's own SigV4Auth methods."""
    request = AWSRequest(method=method, url=BASE + path)
    request.headers["Date"] = FIXED_TIME.strftime("%a, %d %b %Y %H:%M:%S GMT")
    auth = SigV4Auth(botocore_credentials(creds), SERVICE, REGION)
    request.context["timestamp"] = FIXED_TIME_AMZ
    canonical_request = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical_request)
    signature = auth.signature(string_to_sign, request)
    auth._inject_signature_to_request(request, signature)
    botocore_send(request)


def botocore_signed_lines(creds, method, path, header_lines, sign_user_agent=False) -> None:
    """SigV4Auth over `header_lines` (name, value) in order, repeated names
    kept, sent line by line with `http.client`. botocore's canonical request
    joins the values of a repeated header with commas. With
    `sign_user_agent`, User-Agent is taken off botocore's list of headers it
    never signs, so that it is signed like any other."""
    request = AWSRequest(method=method, url=BASE + path)
    for name, value in header_lines:
        # HTTPHeaders (an email Message) appends: a repeated name keeps both.
        request.headers[name] = value
    never_signed = [
        h for h in botocore.auth.SIGNED_HEADERS_BLACKLIST
        if not (sign_user_agent and h == "user-agent")
    ]
    with pinned_clock(), mock.patch.object(botocore.auth, "SIGNED_HEADERS_BLACKLIST", never_signed):
        SigV4Auth(botocore_credentials(creds), SERVICE, REGION).add_auth(request)
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in request.headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"capture server answered {response.status}")
    finally:
        connection.close()


def botocore_presigned(creds, method, path, expires) -> None:
    request = AWSRequest(method=method, url=BASE + path)
    with pinned_clock():
        SigV4QueryAuth(botocore_credentials(creds), SERVICE, REGION, expires=expires).add_auth(
            request
        )
    botocore_send(request)


def requests_aws_sign_send(creds, method, path, headers=None, body=None) -> None:
    prepared = requests.Request(method, BASE + path, headers=headers, data=body).prepare()
    auth = AWSV4Sign(botocore_credentials(creds), REGION, SERVICE)
    with pinned_clock():
        prepared = auth(prepared)
    with requests.Session() as session:
        response = session.send(prepared)
    response.raise_for_status()


def awscurl_send(creds, args: list[str]) -> None:
    import awscurl.awscurl as awscurl_module

    argv = [
        "--service", SERVICE,
        "--region", REGION,
        "--access_key", creds["access_key_id"],
        "--secret_key", creds["secret_access_key"],
    ]
    if creds["session_token"]:
        argv += ["--session_token", creds["session_token"]]
    argv += args
    naive_utc = FIXED_TIME.replace(tzinfo=None)
    # A throw-away HOME keeps the user's own ~/.aws out of the picture.
    with tempfile.TemporaryDirectory() as home, mock.patch.dict(
        os.environ, {"HOME": home}, clear=False
    ), mock.patch.object(awscurl_module, "__now", lambda: naive_utc), contextlib.redirect_stdout(
        io.TextIOWrapper(io.BytesIO())
    ):
        code = awscurl_module.inner_main(argv)
    if code != 0:
        raise RuntimeError(f"awscurl exited with {code}")


# --------------------------------------------------------------------------
# The fixtures.
# --------------------------------------------------------------------------


def versions() -> dict:
    return {name: metadata.version(name) for name in ("botocore", "requests", "requests-aws-sign", "awscurl")}


CASES = [
    # (name, client, description, credentials, action)
    (
        "botocore_get_plain",
        "botocore SigV4Auth",
        "GET without query",
        LONG_TERM,
        lambda: botocore_header_signed(LONG_TERM, "GET", "/prod/pets"),
    ),
    (
        "botocore_get_non_ascii_path",
        "botocore SigV4Auth",
        "percent-encoded non-ASCII path segments",
        LONG_TERM,
        lambda: botocore_header_signed(LONG_TERM, "GET", "/prod/caf%C3%A9/%E2%9C%93/na%C3%AFve"),
    ),
    (
        "botocore_get_encoded_slash",
        "botocore SigV4Auth",
        "an encoded slash inside a path segment",
        LONG_TERM,
        lambda: botocore_header_signed(LONG_TERM, "GET", "/prod/files/a%2Fb.txt"),
    ),
    (
        "botocore_get_dot_segments",
        "botocore SigV4Auth",
        "dot segments in the path, normalised before signing",
        LONG_TERM,
        lambda: botocore_header_signed(LONG_TERM, "GET", "/prod/a/./b/../c"),
    ),
    (
        "botocore_get_query_repeated_unsorted",
        "botocore SigV4Auth",
        "query with repeated, unsorted and empty keys and an encoded space",
        LONG_TERM,
        lambda: botocore_header_signed(
            LONG_TERM, "GET", "/prod/items?zeta=1&alpha=2&alpha=1&m=x%20y&empty=&tilde=~a"
        ),
    ),
    (
        "botocore_post_json",
        "botocore SigV4Auth",
        "POST with a JSON body and a signed Content-Type",
        LONG_TERM,
        lambda: botocore_header_signed(
            LONG_TERM,
            "POST",
            "/prod/pets",
            headers={"Content-Type": "application/json"},
            body=b'{"name":"Rex","tags":["dog","good boy"],"age":3}',
        ),
    ),
    (
        "botocore_session_token",
        "botocore SigV4Auth",
        "temporary credentials: X-Amz-Security-Token signed",
        TEMPORARY,
        lambda: botocore_header_signed(TEMPORARY, "GET", "/prod/pets?limit=10"),
    ),
    (
        "botocore_header_inner_spaces",
        "botocore SigV4Auth",
        "signed custom headers whose values have inner runs of spaces",
        LONG_TERM,
        lambda: botocore_header_signed(
            LONG_TERM,
            "GET",
            "/prod/pets",
            headers={"X-Custom-Header": "a   b    c  d", "X-Trace-Note": "one  two"},
        ),
    ),
    (
        "botocore_user_agent_signed",
        "botocore SigV4Auth",
        "a signed User-Agent (botocore's never-signed list without user-agent), sent by http.client",
        LONG_TERM,
        lambda: botocore_signed_lines(
            LONG_TERM,
            "DELETE",
            "/prod/things/42?force=true",
            [("User-Agent", "my-client/1.0")],
            sign_user_agent=True,
        ),
    ),
    (
        "botocore_repeated_header",
        "botocore SigV4Auth",
        "one header name sent twice and signed, its values joined with a comma, sent by http.client",
        LONG_TERM,
        lambda: botocore_signed_lines(
            LONG_TERM,
            "GET",
            "/prod/things",
            [("X-Tag", "one"), ("X-Tag", "two")],
        ),
    ),
    (
        "botocore_date_header",
        "botocore SigV4Auth (canonical_request/string_to_sign/signature)",
        "signed with a Date header instead of X-Amz-Date",
        LONG_TERM,
        lambda: botocore_date_header_signed(LONG_TERM, "GET", "/prod/pets"),
    ),
    (
        "botocore_presigned_plain",
        "botocore SigV4QueryAuth",
        "presigned URL without other query parameters",
        LONG_TERM,
        lambda: botocore_presigned(LONG_TERM, "GET", "/prod/pets", 300),
    ),
    (
        "botocore_presigned_with_query",
        "botocore SigV4QueryAuth",
        "presigned URL with its own query parameters",
        LONG_TERM,
        lambda: botocore_presigned(LONG_TERM, "GET", "/prod/items?b=2&a=1&q=hello%20world", 900),
    ),
    (
        "botocore_presigned_session_token",
        "botocore SigV4QueryAuth",
        "presigned URL with temporary credentials (X-Amz-Security-Token in the query)",
        TEMPORARY,
        lambda: botocore_presigned(TEMPORARY, "GET", "/prod/pets", 3600),
    ),
    (
        "requests_aws_sign_get_query",
        "requests_aws_sign AWSV4Sign",
        "GET with an unsorted query",
        LONG_TERM,
        lambda: requests_aws_sign_send(LONG_TERM, "GET", "/prod/items?z=last&a=first&a=again"),
    ),
    (
        "requests_aws_sign_post_session_token",
        "requests_aws_sign AWSV4Sign",
        "POST JSON with temporary credentials",
        TEMPORARY,
        lambda: requests_aws_sign_send(
            TEMPORARY,
            "POST",
            "/prod/orders",
            headers={"Content-Type": "application/json"},
            body=b'{"item":"book","qty":2}',
        ),
    ),
    (
        "awscurl_get_query",
        "awscurl",
        "GET with a query (awscurl signs content-type and x-amz-content-sha256)",
        LONG_TERM,
        lambda: awscurl_send(LONG_TERM, ["-X", "GET", BASE + "/prod/items?b=2&a=1"]),
    ),
    (
        "awscurl_post",
        "awscurl",
        "POST with a JSON body",
        LONG_TERM,
        lambda: awscurl_send(
            LONG_TERM, ["-X", "POST", "-d", '{"hello":"world"}', BASE + "/prod/echo"]
        ),
    ),
    (
        "awscurl_post_session_token",
        "awscurl",
        "POST with temporary credentials",
        TEMPORARY,
        lambda: awscurl_send(
            TEMPORARY, ["-X", "POST", "-d", '{"a":1}', BASE + "/prod/echo"]
        ),
    ),
]

# Requests the verifier is known to reject although the client signed them:
# botocore signs a raw '+' or '*' in a URL's query as it is, while aws-sigv4
# (following the SigV4 specification) canonicalises the query by decoding and
# re-encoding it. Kept so that the divergence stays visible in the tests.
DIVERGENT_CASES = [
    (
        "divergent_botocore_raw_plus_in_query",
        "botocore SigV4Auth",
        "raw '+' in the URL's query, signed as-is by botocore",
        LONG_TERM,
        lambda: botocore_header_signed(LONG_TERM, "GET", "/prod/search?q=a+b"),
    ),
    (
        "divergent_botocore_raw_star_in_query",
        "botocore SigV4Auth",
        "raw '*' in the URL's query, signed as-is by botocore",
        LONG_TERM,
        lambda: botocore_header_signed(LONG_TERM, "GET", "/prod/search?q=a*"),
    ),
]


def main() -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    server = CaptureServer(PORT)
    client_versions = versions()
    written = 0
    try:
        for cases, expect_valid in ((CASES, True), (DIVERGENT_CASES, False)):
            for name, client, description, creds, action in cases:
                action()
                captured = server.take()
                fixture = {
                    "name": name,
                    "client": client,
                    "client_versions": client_versions,
                    "description": description,
                    "now": FIXED_TIME_AMZ,
                    "now_unix": int(FIXED_TIME.timestamp()),
                    "region": REGION,
                    "expect_valid": expect_valid,
                    "credentials": creds,
                    "request": {
                        "method": captured["method"],
                        "uri": captured["uri"],
                        "headers": captured["headers"],
                        "body_b64": base64.b64encode(captured["body"]).decode("ascii"),
                    },
                }
                path = OUT_DIR / f"{name}.json"
                path.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n")
                written += 1
    finally:
        server.close()
    print(f"wrote {written} fixtures to {OUT_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
