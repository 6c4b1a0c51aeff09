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
//! With no credentials at all, a request to a loopback URL (`goblet
//! local`'s: `127.0.0.0/8`, `::1`, `localhost`) is signed with goblet's
//! local development identity ([`crate::local_identity`]), which `goblet
//! local` accepts in that case; no other host ever gets those keys.
//!
//! The signing region: `--region`, else the region of an API Gateway host
//! (`{api}.execute-api.{region}.amazonaws.com`: API Gateway refuses a
//! credential scoped to any other), else the AWS configuration's, else
//! us-east-1.
//!
//! The response body goes to stdout (`-i`: the status line and headers first).
//! Any HTTP status, 4xx and 5xx included, exits 0: only a failed transport
//! (cannot connect, bad URL, no credentials) is an error. `http://` and
//! `https://` ([`transport`]: rustls, the system's roots or `--cacert`).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::SystemTime;

pub(crate) mod transport;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity as SigningIdentity;
use bytes::Bytes;
use clap::Args;
use http::{HeaderName, HeaderValue, Method, Uri};
use http_body_util::Full;

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
    /// The signing region (default: the region of an
    /// `execute-api.{region}.amazonaws.com` host, else the AWS
    /// configuration's, as for `goblet local` and `goblet deploy`:
    /// AWS_REGION, then the profile's `region`; else us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Verify an https server's certificate against the CA certificates of
    /// this PEM file (instead of the system's), e.g. a private CA's.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Connect to ADDR for HOST:PORT, as curl's --resolve (the Host header,
    /// the TLS name and the signature keep HOST); repeatable.
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// The signing service name.
    #[arg(long, default_value = sigv4::SERVICE, value_name = "SERVICE")]
    pub service: String,
    /// The URL, e.g. http://127.0.0.1:8000/api/ or
    /// https://abc123.execute-api.eu-west-1.amazonaws.com/prod/.
    #[arg(value_name = "URL")]
    pub url: String,
}

/// Why `goblet curl` failed before getting a response.
#[derive(Debug, thiserror::Error)]
pub enum CurlError {
    #[error("invalid URL {0:?}: expected http(s)://host[:port]/path")]
    Url(String),
    #[error("goblet curl speaks http and https, not {0}")]
    Scheme(String),
    #[error("invalid --resolve {0:?}: expected HOST:PORT:ADDR")]
    Resolve(String),
    #[error("cannot use the CA certificates of {path}: {message}", path = .0.display(), message = .1)]
    CaCert(PathBuf, String),
    #[error("cannot set up TLS: {0}")]
    TlsSetup(String),
    #[error("TLS with {host} failed: {error}")]
    Tls { host: String, error: std::io::Error },
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
    #[error(transparent)]
    LocalIdentity(#[from] crate::local_identity::LocalIdentityError),
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
    scheme_is_http(&uri, &args.url)?;
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

    let signed = Signed {
        method,
        uri: &uri,
        url: &args.url,
        headers,
        body,
        service: &args.service,
        region: args.region.clone(),
        resolve: &args.resolve,
        cacert: args.cacert.as_deref(),
    };
    let (status, response_headers, body) = send_signed(signed, aws)?;

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

/// `host:port`, or the address a matching `--resolve HOST:PORT:ADDR` gives.
/// `http` or `https`, else the error that says so.
fn scheme_is_http<'u>(uri: &'u Uri, url: &str) -> Result<&'u str, CurlError> {
    match uri.scheme_str() {
        Some(scheme @ ("http" | "https")) => Ok(scheme),
        Some(other) => Err(CurlError::Scheme(other.to_owned())),
        None => Err(CurlError::Url(url.to_owned())),
    }
}

/// One request to sign and send.
pub(crate) struct Signed<'a> {
    pub method: Method,
    pub uri: &'a Uri,
    pub url: &'a str,
    /// `Host` among them.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Vec<u8>,
    pub service: &'a str,
    /// `None`: an API Gateway host's, else the AWS configuration's.
    pub region: Option<String>,
    pub resolve: &'a [String],
    pub cacert: Option<&'a std::path::Path>,
}

/// Signs `request` with the user's credentials (goblet's local development
/// identity for a loopback host when there are none) and sends it.
pub(crate) fn send_signed(
    request: Signed<'_>,
    aws: &AwsSettings,
) -> Result<(http::StatusCode, http::HeaderMap, Bytes), CurlError> {
    let Signed {
        method,
        uri,
        url,
        headers,
        body,
        service,
        region,
        resolve,
        cacert,
    } = request;
    let tls = scheme_is_http(uri, url)? == "https";
    let authority = uri
        .authority()
        .ok_or_else(|| CurlError::Url(url.to_owned()))?
        .clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CurlError::Runtime)?;
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let connect_to = connect_address(resolve, authority.host(), port)?;
    let identity = match runtime
        .block_on(aws.user_identity())
        .map_err(CurlError::Credentials)?
    {
        Some(identity) => identity,
        None if is_loopback(host) => {
            crate::local_identity::existing()?
                .ok_or(CurlError::NoCredentials)?
                .identity
        }
        None => return Err(CurlError::NoCredentials),
    };
    let region = region
        .or_else(|| api_gateway_region(host).map(str::to_owned))
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
        .name(service)
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
        url,
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

    let target = transport::Target {
        tls,
        host,
        connect_to,
        cacert,
        body_limit: None,
    };
    let (status, response_headers, body) = runtime.block_on(transport::send(target, request))?;
    Ok((status, response_headers, body))
}

pub(crate) fn connect_address(
    resolve: &[String],
    host: &str,
    port: u16,
) -> Result<String, CurlError> {
    let bare = |h: &str| h.trim_start_matches('[').trim_end_matches(']').to_owned();
    for entry in resolve {
        let bad = || CurlError::Resolve(entry.clone());
        let (name, rest) = entry.split_once(':').ok_or_else(bad)?;
        let (entry_port, addr) = rest.split_once(':').ok_or_else(bad)?;
        let entry_port: u16 = entry_port.parse().map_err(|_| bad())?;
        if addr.is_empty() {
            return Err(bad());
        }
        if name.eq_ignore_ascii_case(&bare(host)) && entry_port == port {
            let addr = bare(addr);
            return Ok(if addr.contains(':') {
                format!("[{addr}]:{port}")
            } else {
                format!("{addr}:{port}")
            });
        }
    }
    Ok(format!("{host}:{port}"))
}

/// `localhost`, `127.0.0.0/8` or `::1`: where `goblet local` listens by default.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The region of an API Gateway invoke host:
/// `{api}.execute-api.{region}.amazonaws.com` (`.com.cn` in China), and the
/// VPC endpoint form `{api}-{vpce}.execute-api.{region}.vpce.amazonaws.com`.
fn api_gateway_region(host: &str) -> Option<&str> {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let at = labels
        .iter()
        .position(|l| l.eq_ignore_ascii_case("execute-api"))?;
    let region = labels.get(at + 1).filter(|r| !r.is_empty())?;
    let domain: Vec<String> = labels[at + 2..]
        .iter()
        .map(|l| l.to_ascii_lowercase())
        .collect();
    let known = [
        &["amazonaws", "com"][..],
        &["amazonaws", "com", "cn"],
        &["vpce", "amazonaws", "com"],
    ];
    (at > 0 && known.iter().any(|k| domain == *k)).then_some(*region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_of_api_gateway_hosts() {
        for (host, region) in [
            (
                "abc123.execute-api.eu-west-1.amazonaws.com",
                Some("eu-west-1"),
            ),
            (
                "abc123.execute-api.cn-north-1.amazonaws.com.cn",
                Some("cn-north-1"),
            ),
            (
                "abc-vpce-1.execute-api.us-east-2.vpce.amazonaws.com",
                Some("us-east-2"),
            ),
            (
                "ABC.EXECUTE-API.ap-south-1.AMAZONAWS.COM",
                Some("ap-south-1"),
            ),
            ("execute-api.eu-west-1.amazonaws.com", None),
            ("abc.execute-api.eu-west-1.example.com", None),
            ("api.example.com", None),
            ("127.0.0.1", None),
        ] {
            assert_eq!(api_gateway_region(host), region, "{host}");
        }
    }

    #[test]
    fn resolve_entries() {
        let resolve = ["a.example:443:127.0.0.1".to_owned(), "b:80:::1".to_owned()];
        assert_eq!(
            connect_address(&resolve, "a.example", 443).unwrap(),
            "127.0.0.1:443"
        );
        assert_eq!(
            connect_address(&resolve, "a.example", 80).unwrap(),
            "a.example:80"
        );
        assert_eq!(connect_address(&resolve, "b", 80).unwrap(), "[::1]:80");
        assert!(connect_address(&["nope".to_owned()], "a", 1).is_err());
        assert!(connect_address(&["a:x:1.2.3.4".to_owned()], "a", 1).is_err());
    }

    #[test]
    fn loopback_hosts() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["10.0.0.1", "example.com", "localhost.example.com"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
