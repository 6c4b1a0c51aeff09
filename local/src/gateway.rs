//! The API Gateway side of `goblet local`: one HTTP/1.1 server (hyper, with
//! keep-alive) that routes, authorizes, builds the proxy event, invokes the
//! function through the [`Pool`] and maps its answer back.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::event::{self, ApiInfo, Routed};
use super::pool::{Failure, Logger, Pool};
use super::proxy;
use super::routes::RouteTable;
use super::sigv4::{Callers, RequestParts};
use goblet_core::api::Resolved;
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
    pub verifier: Callers,
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

    async fn respond(&self, req: Request<Incoming>, peer: SocketAddr, request_id: &str) -> Reply {
        let (parts, body) = req.into_parts();
        let full_path = parts.uri.path();
        let Some(path) = self.strip_stage(full_path) else {
            return missing_token();
        };
        let Some(found) = self.routes.find(path) else {
            return missing_token();
        };
        let method = parts.method.as_str();
        // The preflight mock is an OPTIONS method of its own: it wins over ANY.
        let def = match found.resource.resolve(method) {
            Resolved::Method(def) => def,
            Resolved::Preflight(allow) => return preflight(allow),
            Resolved::NotAllowed => return missing_token(),
        };
        let body = match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return json_message(StatusCode::PAYLOAD_TOO_LARGE, "Request Too Long", None);
            }
            Err(_) => return json_message(StatusCode::BAD_REQUEST, "Bad Request", None),
        };
        let now = SystemTime::now();
        let caller = if def.authorization_type == AuthorizationType::AwsIam {
            let target = parts
                .uri
                .path_and_query()
                .map_or(full_path, |pq| pq.as_str());
            let request = RequestParts {
                method,
                uri: target,
                headers: &parts.headers,
                body: &body,
            };
            match self.verifier.verify(&request, now).await {
                Ok(caller) => Some(caller),
                Err(rejection) => {
                    return json_message(
                        rejection.status,
                        &rejection.message,
                        Some(rejection.error_type.as_str()),
                    );
                }
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

/// Accepts connections until `shutdown` completes.
pub(crate) async fn serve(
    gateway: Arc<Gateway>,
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
        let gateway = gateway.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let gateway = gateway.clone();
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
