//! The API Gateway side of `goblet local`: one HTTP/1.1 server (hyper, with
//! keep-alive) that routes, authorizes, builds the proxy event, invokes the
//! function through the [`Pool`] and maps its answer back.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::event::{self, ApiInfo, Routed};
use super::live::Live;
use super::pool::{Failure, Logger, Pool};
use super::proxy;
use super::routes::RouteTable;
use super::sigv4::{Rejection, RequestParts, VerifiedCaller, Verifier};
use goblet_core::api::{ApiMethod, Found, Resolved};
use goblet_core::{AuthorizationType, EventFormat, cors};
use subtle::ConstantTimeEq as _;

/// API Gateway's payload limit for REST APIs.
const MAX_BODY: usize = 10 * 1024 * 1024;

/// API Gateway's integration timeout: the client gets its 504 then, even when
/// the function may run longer (it goes on until its own timeout, as on AWS).
pub(crate) const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);

const X_AMZN_REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
const X_AMZN_ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");
const X_AMZ_APIGW_ID: HeaderName = HeaderName::from_static("x-amz-apigw-id");

pub(crate) struct Gateway {
    pub routes: RouteTable,
    /// The deployed API's `DEFAULT_4XX`/`DEFAULT_5XX` gateway responses carry
    /// the CORS headers (goblet-deploy does so when any route has CORS).
    pub cors_on_errors: bool,
    pub format: EventFormat,
    pub api: ApiInfo,
    /// `/api`: the stage as the first path segment.
    pub stage_prefix: String,
    pub verifier: Verifier,
    pub api_keys: Vec<String>,
    pub pool: Arc<Pool>,
    /// How long the client waits for the function: the smaller of the
    /// function's timeout and API Gateway's [`INTEGRATION_TIMEOUT`].
    pub integration_timeout: Duration,
    pub logger: Logger,
}

type Reply = Response<Full<Bytes>>;

/// Marks a reply the gateway made itself, not the function: API Gateway's
/// gateway responses apply to those only.
#[derive(Debug, Clone, Copy)]
struct GatewayMade;

fn json_message(status: StatusCode, message: &str, error_type: Option<&str>) -> Reply {
    let body = serde_json::json!({ "message": message }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.extensions_mut().insert(GatewayMade);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(t) = error_type
        && let Ok(v) = HeaderValue::from_str(t)
    {
        headers.insert(X_AMZN_ERROR_TYPE, v);
    }
    response
}

fn missing_token() -> Reply {
    json_message(
        StatusCode::FORBIDDEN,
        "Missing Authentication Token",
        Some("MissingAuthenticationTokenException"),
    )
}

/// A signature refused, in API Gateway's words.
fn refused(rejection: &Rejection) -> Reply {
    json_message(
        rejection.status,
        &rejection.message,
        Some(rejection.error_type.as_str()),
    )
}

fn internal_error() -> Reply {
    json_message(StatusCode::BAD_GATEWAY, "Internal server error", None)
}

fn add_cors(response: &mut Reply) {
    for (name, value) in cors::response_headers() {
        let name = HeaderName::from_static(name);
        if !response.headers().contains_key(&name) {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
    }
}

impl Gateway {
    /// The path relative to the stage (`/api/users/1` → `/users/1`), if the
    /// request is for this stage.
    fn strip_stage<'p>(&self, path: &'p str) -> Option<&'p str> {
        let rest = path.strip_prefix(self.stage_prefix.as_str())?;
        if rest.is_empty() {
            Some("/")
        } else if rest.starts_with('/') {
            Some(rest)
        } else {
            None
        }
    }

    async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> Reply {
        let request_id = crate::lambda::ids::request_id();
        let mut response = self.respond(req, peer, &request_id).await;
        if self.cors_on_errors && response.extensions().get::<GatewayMade>().is_some() {
            add_cors(&mut response);
        }
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            headers.insert(X_AMZN_REQUEST_ID, v);
        }
        if let Ok(v) = HeaderValue::from_str(&request_id[..8]) {
            headers.insert(X_AMZ_APIGW_ID, v);
        }
        response
    }

    /// The stage's resource and method for a (normalised) request path.
    fn route<'g, 'p>(&'g self, full_path: &'p str, method: &str) -> Routing<'g, 'p> {
        let Some(path) = self.strip_stage(full_path) else {
            return Routing::Missing;
        };
        let Some(found) = self.routes.find(path) else {
            return Routing::Missing;
        };
        // The preflight mock is an OPTIONS method of its own: it wins over ANY.
        match found.resource.resolve(method) {
            Resolved::Method(def) => Routing::Method { path, found, def },
            Resolved::Preflight(allow) => Routing::Preflight(allow),
            Resolved::NotAllowed => Routing::Missing,
        }
    }

    /// A path or method the API does not have. API Gateway still reads an
    /// `Authorization` header there as a SigV4 one, and answers a malformed
    /// or wrong one with its signature error ("Invalid key=value pair ..."
    /// for a bearer token); only then, or with no such header, `Missing
    /// Authentication Token`.
    async fn missing(&self, parts: &http::request::Parts, body: Incoming) -> Reply {
        if !parts.headers.contains_key(AUTHORIZATION) {
            return missing_token();
        }
        let body = match read_body(body).await {
            Ok(body) => body,
            Err(reply) => return reply,
        };
        match self.verify(parts, &body, SystemTime::now()) {
            Ok(_) => missing_token(),
            Err(rejection) => refused(&rejection),
        }
    }

    /// Checks the request's SigV4 signature.
    fn verify(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
        now: SystemTime,
    ) -> Result<VerifiedCaller, Rejection> {
        let target = parts
            .uri
            .path_and_query()
            .map_or(parts.uri.path(), |pq| pq.as_str());
        let request = RequestParts {
            method: parts.method.as_str(),
            uri: target,
            headers: &parts.headers,
            body,
        };
        self.verifier.verify(&request, now)
    }

    async fn respond(&self, req: Request<Incoming>, peer: SocketAddr, request_id: &str) -> Reply {
        let (parts, body) = req.into_parts();
        // Routed on the path the signature covers: SigV4 signs the path with
        // its dot segments resolved, so `/api/admin/x/../../reports/1` signed
        // as `/api/reports/1` must run `/reports/{id}` and nothing else.
        let full_path = goblet_core::request_path::normalize(parts.uri.path());
        let full_path = full_path.as_ref();
        let method = parts.method.as_str();
        let (path, found, def) = match self.route(full_path, method) {
            Routing::Method { path, found, def } => (path, found, def),
            Routing::Preflight(allow) => return preflight(allow),
            Routing::Missing => return self.missing(&parts, body).await,
        };
        let body = match read_body(body).await {
            Ok(body) => body,
            Err(reply) => return reply,
        };
        let now = SystemTime::now();
        let caller = if def.authorization_type == AuthorizationType::AwsIam {
            match self.verify(&parts, &body, now) {
                Ok(caller) => Some(caller),
                Err(rejection) => return refused(&rejection),
            }
        } else {
            None
        };
        if def.api_key_required {
            let given = parts.headers.get("x-api-key").map(HeaderValue::as_bytes);
            let matches =
                |key: &String| bool::from(key.as_bytes().ct_eq(given.unwrap_or_default()));
            if given.is_none() || !self.api_keys.iter().any(matches) {
                return json_message(
                    StatusCode::FORBIDDEN,
                    "Forbidden",
                    Some("ForbiddenException"),
                );
            }
        }
        let source_ip = peer.ip().to_string();
        let routed = Routed {
            request_id,
            method,
            path,
            full_path,
            query: parts.uri.query(),
            headers: &parts.headers,
            body: &body,
            source_ip: &source_ip,
            resource: &found.resource.path,
            route_key: self.routes.route_key(def),
            params: &found.params,
            caller: caller.as_ref(),
            api_key: if def.api_key_required {
                parts.headers.get("x-api-key").and_then(|v| v.to_str().ok())
            } else {
                None
            },
            now,
        };
        let event = event::build(self.format, &self.api, &routed);
        // The invocation is its own task: a client that hangs up does not
        // cancel it (Lambda runs it to the end), and the worker it holds goes
        // back to the pool or is replaced as usual.
        // Waiting for a free execution environment counts towards the
        // integration timeout; a request given up while waiting never runs.
        let deadline = tokio::time::Instant::now() + self.integration_timeout;
        let outcome = match tokio::time::timeout_at(deadline, self.pool.permit()).await {
            Ok(Ok(permit)) => {
                let pool = self.pool.clone();
                let event = Bytes::from(event);
                let invocation = tokio::spawn(async move { pool.invoke(permit, event).await });
                match tokio::time::timeout_at(deadline, invocation).await {
                    Ok(Ok(outcome)) => outcome,
                    Ok(Err(_)) => Err(Failure::Failed),
                    Err(_) => Err(Failure::TimedOut),
                }
            }
            Ok(Err(failure)) => Err(failure),
            Err(_) => Err(Failure::TimedOut),
        };
        let mut response = match outcome {
            Ok(answer) => match proxy::map(self.format, &answer) {
                Ok(mapped) => {
                    let mut response = Response::new(Full::new(mapped.body));
                    *response.status_mut() = mapped.status;
                    for (name, value) in mapped.headers {
                        response.headers_mut().append(name, value);
                    }
                    response
                }
                Err(proxy::Malformed(why)) => {
                    self.logger.line(format!(
                        "goblet local: request {request_id}: Execution failed due to configuration error: \
                         Malformed Lambda proxy response ({why})"
                    ));
                    internal_error()
                }
            },
            Err(Failure::TimedOut) => json_message(
                StatusCode::GATEWAY_TIMEOUT,
                "Endpoint request timed out",
                None,
            ),
            Err(Failure::Failed) => internal_error(),
        };
        if def.cors {
            add_cors(&mut response);
        }
        response
    }
}

/// Where a request goes: a method of a resource of the stage (`path` is
/// relative to the stage), the CORS preflight mock, or nowhere.
enum Routing<'g, 'p> {
    Method {
        path: &'p str,
        found: Found<'g>,
        def: &'g ApiMethod,
    },
    Preflight(&'g str),
    Missing,
}

/// The whole body, within API Gateway's payload limit.
async fn read_body(body: Incoming) -> Result<Bytes, Reply> {
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(json_message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request Too Long",
            None,
        )),
        Err(_) => Err(json_message(StatusCode::BAD_REQUEST, "Bad Request", None)),
    }
}

/// The gateway's own answer to a CORS preflight (a mock integration).
fn preflight(allow_methods: &str) -> Reply {
    let mut response = Response::new(Full::new(Bytes::new()));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(allow_methods) {
        headers.insert(HeaderName::from_static("access-control-allow-methods"), v);
    }
    add_cors(&mut response);
    response
}

/// Accepts connections until `shutdown` completes. Each request is served by
/// the gateway current when it arrives (see [`Live`]).
pub(crate) async fn serve(
    live: Arc<Live<Gateway>>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let _ = stream.set_nodelay(true);
        let live = live.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let gateway = live.current();
                async move { Ok::<_, Infallible>(gateway.handle(req, peer).await) }
            });
            if let Err(e) = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
}
