//! `goblet curl`: one SigV4-signed HTTP request, for calling `AWS_IAM`
//! routes of `goblet local` the way an AWS SDK would.
//!
//! Credentials and the signing region come from the command's one AWS
//! configuration ([`AwsSettings`]): `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, else the active profile of
//! `~/.aws/credentials` and `~/.aws/config` (static keys, `credential_process`,
//! `role_arn`); the region as `goblet local` and `goblet deploy` find it. The request is
//! signed by the `aws-sigv4` crate (headers `host;x-amz-date`, plus
//! `x-amz-security-token` with temporary credentials, and the other headers given
//! with `-H`).
//!
//! The response body goes to stdout (`-i`: the status line and headers first).
//! Any HTTP status, 4xx and 5xx included, exits 0: only a failed transport
//! (cannot connect, bad URL, no credentials) is an error. Plain `http://`
//! only: `goblet curl` is meant for `goblet local`.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity as SigningIdentity;
use bytes::Bytes;
use clap::Args;
use http::{HeaderName, HeaderValue, Method, Uri};
use http_body_util::{BodyExt, Full};

use goblet_local::sigv4;

use crate::aws::AwsSettings;

/// `goblet curl` arguments.
#[derive(Debug, Clone, Args)]
pub struct CurlArgs {
    /// The HTTP method (default GET, or POST with -d).
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,
    /// An extra header, `Name: value`; repeatable. Headers given here are signed.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// The request body, or `@FILE` to read it from a file (`@-`: stdin).
    /// Without a Content-Type header, sends `application/x-www-form-urlencoded`, as curl does.
    #[arg(short = 'd', long = "data", value_name = "BODY")]
    pub data: Option<String>,
    /// Print the status line and response headers before the body.
    #[arg(short = 'i', long = "include")]
    pub include: bool,
    /// The signing region (default: the AWS configuration's, as for `goblet
    /// local` and `goblet deploy`: AWS_REGION, then the profile's `region`;
    /// else us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The signing service name.
    #[arg(long, default_value = sigv4::SERVICE, value_name = "SERVICE")]
    pub service: String,
    /// The URL, e.g. http://127.0.0.1:8000/api/.
    #[arg(value_name = "URL")]
    pub url: String,
}

/// Why `goblet curl` failed before getting a response.
#[derive(Debug, thiserror::Error)]
pub enum CurlError {
    #[error("invalid URL {0:?}: expected http://host[:port]/path")]
    Url(String),
    #[error("goblet curl speaks plain HTTP only (for goblet local), not {0}")]
    Scheme(String),
    #[error("invalid method {0:?}")]
    Method(String),
    #[error("invalid header {0:?}: expected `Name: value`")]
    Header(String),
    #[error("cannot read the body from {path}: {error}", path = .0.display(), error = .1)]
    Body(PathBuf, std::io::Error),
    #[error("{0}")]
    Credentials(String),
    #[error(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
         (and AWS_SESSION_TOKEN for temporary ones), or configure a profile in ~/.aws/credentials"
    )]
    NoCredentials,
    #[error("cannot sign the request: {0}")]
    Sign(String),
    #[error("cannot connect to {addr}: {error}")]
    Connect { addr: String, error: std::io::Error },
    #[error("the request failed: {0}")]
    Http(String),
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Sends the signed request and prints the response.
pub fn run(args: CurlArgs, aws: &AwsSettings) -> Result<(), CurlError> {
    let uri: Uri = args
        .url
        .parse()
        .map_err(|_| CurlError::Url(args.url.clone()))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some(other) => return Err(CurlError::Scheme(other.to_owned())),
        None => return Err(CurlError::Url(args.url.clone())),
    }
    let authority = uri
        .authority()
        .ok_or_else(|| CurlError::Url(args.url.clone()))?
        .clone();
    let body = match args.data.as_deref() {
        None => Vec::new(),
        Some("@-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| CurlError::Body(PathBuf::from("-"), e))?;
            buf
        }
        Some(d) => match d.strip_prefix('@') {
            Some(path) => std::fs::read(path).map_err(|e| CurlError::Body(path.into(), e))?,
            None => d.as_bytes().to_vec(),
        },
    };
    let method_name = args
        .method
        .clone()
        .unwrap_or_else(|| if args.data.is_some() { "POST" } else { "GET" }.to_owned());
    let method = Method::from_bytes(method_name.as_bytes())
        .map_err(|_| CurlError::Method(method_name.clone()))?;

    let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
    headers.push((
        http::header::HOST,
        HeaderValue::from_str(authority.as_str()).map_err(|_| CurlError::Url(args.url.clone()))?,
    ));
    headers.push((
        http::header::USER_AGENT,
        HeaderValue::from_static(concat!("goblet-curl/", env!("CARGO_PKG_VERSION"))),
    ));
    for h in &args.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| CurlError::Header(h.clone()))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| CurlError::Header(h.clone()))?;
        let value =
            HeaderValue::from_str(value.trim()).map_err(|_| CurlError::Header(h.clone()))?;
        if name == http::header::HOST || name == http::header::USER_AGENT {
            headers.retain(|(n, _)| *n != name);
        }
        headers.push((name, value));
    }
    if args.data.is_some() && !headers.iter().any(|(n, _)| n == http::header::CONTENT_TYPE) {
        headers.push((
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        ));
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CurlError::Runtime)?;
    let identity = runtime
        .block_on(aws.user_identity())
        .map_err(CurlError::Credentials)?
        .ok_or(CurlError::NoCredentials)?;
    let region = args
        .region
        .clone()
        .unwrap_or_else(|| aws.region_or_fallback());
    let signing: SigningIdentity = Credentials::new(
        identity.access_key_id,
        identity.secret_access_key,
        identity.session_token,
        None,
        "goblet-curl",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&signing)
        .region(&region)
        .name(&args.service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| CurlError::Sign(e.to_string()))?
        .into();
    let header_text: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str(), v)))
        .collect();
    let signable = SignableRequest::new(
        method.as_str(),
        args.url.as_str(),
        header_text.into_iter(),
        SignableBody::Bytes(&body),
    )
    .map_err(|e| CurlError::Sign(e.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| CurlError::Sign(e.to_string()))?
        .into_parts();

    let target = uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let mut request = http::Request::builder()
        .method(method)
        .uri(target)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| CurlError::Http(e.to_string()))?;
    for (name, value) in headers {
        request.headers_mut().append(name, value);
    }
    instructions.apply_to_request_http1x(&mut request);

    let addr = format!(
        "{}:{}",
        authority.host(),
        authority.port_u16().unwrap_or(80)
    );
    let (status, response_headers, body) = runtime.block_on(send(addr, request))?;

    let mut out = std::io::stdout().lock();
    let mut text = Vec::new();
    if args.include {
        text.extend_from_slice(
            format!(
                "HTTP/1.1 {} {}\r\n",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .as_bytes(),
        );
        for (name, value) in &response_headers {
            text.extend_from_slice(name.as_str().as_bytes());
            text.extend_from_slice(b": ");
            text.extend_from_slice(value.as_bytes());
            text.extend_from_slice(b"\r\n");
        }
        text.extend_from_slice(b"\r\n");
    }
    text.extend_from_slice(&body);
    match out.write_all(&text).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CurlError::Output(e)),
        _ => Ok(()),
    }
}

async fn send(
    addr: String,
    request: http::Request<Full<Bytes>>,
) -> Result<(http::StatusCode, http::HeaderMap, Bytes), CurlError> {
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .map_err(|error| CurlError::Connect {
            addr: addr.clone(),
            error,
        })?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| CurlError::Http(e.to_string()))?;
    tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| CurlError::Http(e.to_string()))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| CurlError::Http(e.to_string()))?
        .to_bytes();
    Ok((parts.status, parts.headers, body))
}
