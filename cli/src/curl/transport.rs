//! The connection `goblet curl` sends its request over: plain TCP for
//! `http://`, TLS (rustls) for `https://`, verified against the system's
//! root certificates (`rustls-native-certs`: the platform's store, or
//! `SSL_CERT_FILE`/`SSL_CERT_DIR`) or, with `--cacert FILE`, against the
//! certificates of that PEM file alone, as curl does.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::CurlError;

/// Where and how to connect.
pub(crate) struct Target<'a> {
    pub tls: bool,
    /// The URL's host, without IPv6 brackets: the TLS server name.
    pub host: &'a str,
    /// `host:port` to connect to (`--resolve` may have changed the host).
    pub connect_to: String,
    pub cacert: Option<&'a Path>,
    /// The most bytes of response body read; `None`: all of it (`goblet
    /// curl` prints what the user asked for).
    pub body_limit: Option<usize>,
}

/// A response, whole.
pub(crate) type Response = (http::StatusCode, http::HeaderMap, Bytes);

/// Connects, sends `request` over HTTP/1.1 and reads the whole response.
pub(crate) async fn send(
    target: Target<'_>,
    request: http::Request<Full<Bytes>>,
) -> Result<Response, CurlError> {
    // The TLS set-up comes first: a bad --cacert is reported without a connection.
    let tls = target.tls.then(|| tls_config(target.cacert)).transpose()?;
    let stream = TcpStream::connect(&target.connect_to)
        .await
        .map_err(|error| CurlError::Connect {
            addr: target.connect_to.clone(),
            error,
        })?;
    let Some(config) = tls else {
        return exchange(stream, request, target.body_limit).await;
    };
    let name = ServerName::try_from(target.host.to_owned())
        .map_err(|_| CurlError::Url(target.host.to_owned()))?;
    let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|error| CurlError::Tls {
            host: target.host.to_owned(),
            error,
        })?;
    exchange(stream, request, target.body_limit).await
}

async fn exchange<S>(
    stream: S,
    request: http::Request<Full<Bytes>>,
    body_limit: Option<usize>,
) -> Result<Response, CurlError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
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
    let body = http_body_util::Limited::new(body, body_limit.unwrap_or(usize::MAX))
        .collect()
        .await
        .map_err(|e| CurlError::Http(e.to_string()))?
        .to_bytes();
    Ok((parts.status, parts.headers, body))
}

/// TLS 1.2 and 1.3 with rustls's safe defaults (aws-lc-rs, the provider the
/// AWS SDK already brings), HTTP/1.1 by ALPN.
fn tls_config(cacert: Option<&Path>) -> Result<ClientConfig, CurlError> {
    let roots = match cacert {
        Some(path) => roots_of_file(path)?,
        None => system_roots()?,
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CurlError::TlsSetup(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn roots_of_file(path: &Path) -> Result<RootCertStore, CurlError> {
    let bad = |message: String| CurlError::CaCert(path.to_owned(), message);
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))? {
        let cert = cert.map_err(|e| bad(e.to_string()))?;
        roots.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("no PEM certificate in it".to_owned()));
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, CurlError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    // Like curl, skip the system's certificates rustls cannot use.
    let (_added, _ignored) = roots.add_parsable_certificates(found.certs);
    if roots.is_empty() {
        let errors: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
        return Err(CurlError::TlsSetup(format!(
            "no trusted root certificates found on this system{}; pass --cacert FILE",
            if errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", errors.join("; "))
            }
        )));
    }
    Ok(roots)
}
