//! `goblet curl` over https, as against a deployed stage: a TLS server on
//! loopback with a certificate for an API Gateway host name, issued by a
//! test CA made here (rcgen), verifying SigV4 as API Gateway does for that
//! host's region (`goblet_local::sigv4::Verifier`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use goblet_local::sigv4::{Identity, RequestParts, Verifier};
use http_body_util::{BodyExt, Full};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};

const HOST: &str = "abc123def4.execute-api.eu-west-1.amazonaws.com";
const REGION: &str = "eu-west-1";
const KEY: &str = "AKIDHTTPSALICE000001";
const SECRET: &str = "https-alice-secret";
const ARN: &str = "arn:aws:iam::111122223333:user/alice";

/// A test CA (its PEM) and a TLS server on loopback with a certificate for
/// [`HOST`] that the CA issued; the server runs until the test ends.
struct Server {
    ca_pem: String,
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start() -> Server {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "goblet test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec![HOST.to_owned()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(server_cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let verifier = Arc::new(
            Verifier::new([Identity::new(
                KEY,
                SECRET,
                None,
                Some(ARN.into()),
                None,
                "test",
            )])
            .require_region(REGION),
        );

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, verifier) = (acceptor.clone(), verifier.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends here.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |req| {
                        let verifier = verifier.clone();
                        async move { Ok::<_, Infallible>(answer(&verifier, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Server {
            ca_pem: ca_cert.pem(),
            addr,
            _runtime: runtime,
        }
    }

    fn url(&self) -> String {
        format!("https://{HOST}:{}/prod/", self.addr.port())
    }

    fn resolve(&self) -> String {
        format!("{HOST}:{}:127.0.0.1", self.addr.port())
    }
}

/// 200 with the caller's ARN, or API Gateway's 403.
async fn answer(
    verifier: &Verifier,
    req: http::Request<hyper::body::Incoming>,
) -> http::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let request = RequestParts {
        method: parts.method.as_str(),
        uri: target,
        headers: &parts.headers,
        body: &body,
    };
    let (status, error_type, body) = match verifier.verify(&request, SystemTime::now()) {
        Ok(caller) => (200, None, json!({"userArn": &*caller.user_arn}).to_string()),
        Err(r) => (403, Some(r.error_type.as_str()), r.body()),
    };
    let mut response = http::Response::builder().status(status);
    if let Some(error_type) = error_type {
        response = response.header("x-amzn-errortype", error_type);
    }
    response.body(Full::new(Bytes::from(body))).unwrap()
}

/// `goblet curl` with alice's keys in an otherwise empty environment.
fn goblet_curl(home: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(&goblet_tests::build::release().goblet);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .arg("curl")
        .args(args);
    command
}

fn stdout_json(out: &Output) -> Value {
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

#[test]
fn goblet_curl_signs_over_https_for_the_hosts_region() {
    let server = Server::start();
    let home = goblet_tests::build::scratch_dir("curl-https");
    let ca = home.join("test-ca.pem");
    std::fs::write(&ca, &server.ca_pem).unwrap();
    let ca = ca.display().to_string();
    let (url, resolve) = (server.url(), server.resolve());
    let with_ca = [
        "--cacert",
        ca.as_str(),
        "--resolve",
        resolve.as_str(),
        url.as_str(),
    ];

    // No region configured: the host's, eu-west-1, signs.
    let out = goblet_curl(&home, &with_ca).output().unwrap();
    assert_eq!(stdout_json(&out), json!({"userArn": ARN}));
    // A configured region is not the host's: API Gateway would refuse it.
    let out = goblet_curl(&home, &with_ca)
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out), json!({"userArn": ARN}));
    // --region still decides.
    let mut args = vec!["--region", "us-west-2"];
    args.extend_from_slice(&with_ca);
    let out = goblet_curl(&home, &args).output().unwrap();
    assert_eq!(
        stdout_json(&out),
        json!({"message": "Credential should be scoped to a valid region, not 'us-west-2'. "})
    );

    // The test CA is not among the system's roots: refused, clearly.
    let out = goblet_curl(&home, &["--resolve", &resolve, &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("error: TLS with {HOST} failed: "))
            && stderr.contains("UnknownIssuer"),
        "{stderr}"
    );
    // A --cacert that holds no certificate.
    let not_pem = home.join("not-a-cert.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let not_pem = not_pem.display().to_string();
    let out = goblet_curl(&home, &["--cacert", &not_pem, "--resolve", &resolve, &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("cannot use the CA certificates of {not_pem}")),
        "{out:?}"
    );
    let _ = std::fs::remove_dir_all(&home);
}
