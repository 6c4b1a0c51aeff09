//! The API Gateway side of `goblet local`: one HTTP/1.1 server (hyper, with
//! keep-alive) that routes, authorizes, builds the proxy event, invokes the
//! function through the [`Pool`] and maps its answer back.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONNECTION, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::access_log;
use super::authorizers::{Asking, Authorizers, ErrorDocument, Grant, Refusal};
use super::cognito::{self, CognitoKeys, TokenRefusal, UserPoolAuthorizer};
use super::event::{self, ApiInfo, Routed};
use super::limits;
use super::live::Live;
use super::pool::{Failure, Logger, Pool};
use super::proxy;
use super::routes::RouteTable;
use super::sigv4::{self, Callers, Rejection, RequestParts, VerifiedCaller};
use goblet_core::api::{ApiMethod, Found, Resolved};
use goblet_core::{AuthorizationType, EventFormat, MethodArn, cors};
use subtle::ConstantTimeEq as _;

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
    /// The region in method ARNs (see [`limits::MAX_METHOD_ARN_BYTES`]).
    pub region: String,
    /// `/api`: the stage as the first path segment.
    pub stage_prefix: String,
    pub verifier: Callers,
    /// The app's Lambda authorizers and their cached results.
    pub authorizers: Authorizers,
    /// The configuration's Cognito user pool authorizers, by name, and the
    /// keys their tokens are checked against.
    pub user_pools: HashMap<String, UserPoolAuthorizer>,
    pub cognito_keys: CognitoKeys,
    /// The tokens checked, for their authorizer's TTL.
    pub cognito_cache: cognito::TokenCache,
    pub api_keys: Vec<String>,
    pub pool: Arc<Pool>,
    /// Lambda's Invoke API for this build's functions (the API's and each
    /// event handler's).
    pub functions: crate::invoke::Functions,
    /// The pools of the binaries standing in for external authorizers'
    /// functions (`--authorizer NAME=PATH`), by authorizer name.
    pub authorizer_pools: HashMap<String, Arc<Pool>>,
    /// How long the client waits for the function: API Gateway's
    /// [`INTEGRATION_TIMEOUT`]. The function's own timeout is the pool's:
    /// it runs from the event's hand-over, after any cold start.
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

/// API Gateway's front door's answers (plain text, as it sends them) to a
/// request over its quotas. The payload's is as captured from API Gateway
/// ("HTTP content length exceeded 10485760 bytes.", 413); the header's
/// wording is the one API Gateway users report, its status and the URL's
/// answer are goblet's guess in the same style (unverified).
fn front_door_refusal(status: StatusCode, message: &'static str) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from_static(message.as_bytes())));
    *response.status_mut() = status;
    response.extensions_mut().insert(GatewayMade);
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    // The rest of the request is not read: the connection cannot be reused.
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

fn payload_too_large() -> Reply {
    front_door_refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        "HTTP content length exceeded 10485760 bytes.",
    )
}

/// A head over API Gateway's URL, header or payload quotas, refused before
/// routing and before any of the body is read.
fn oversized_head(parts: &http::request::Parts) -> Option<Reply> {
    let target = parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > limits::MAX_URL_CHARS {
        return Some(front_door_refusal(
            StatusCode::URI_TOO_LONG,
            "HTTP URI is larger than 10240 bytes.",
        ));
    }
    if limits::header_bytes(&parts.headers) > limits::MAX_HEADER_BYTES {
        return Some(front_door_refusal(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "HTTP header is larger than 10240 bytes.",
        ));
    }
    if limits::declared_length_over(&parts.headers, limits::MAX_BODY_BYTES) {
        return Some(payload_too_large());
    }
    None
}

/// The request body, up to API Gateway's payload limit, sent within
/// [`limits::BODY_READ_TIMEOUT`]. An empty body (every GET) sets no timer.
async fn read_body(body: Incoming) -> Result<Bytes, Reply> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let collect = Limited::new(body, limits::MAX_BODY_BYTES).collect();
    match tokio::time::timeout(limits::BODY_READ_TIMEOUT, collect).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(payload_too_large()),
        Ok(Err(_)) => Err(json_message(StatusCode::BAD_REQUEST, "Bad Request", None)),
        Err(_) => {
            let mut response = json_message(StatusCode::REQUEST_TIMEOUT, "Request Timeout", None);
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            Err(response)
        }
    }
}

/// API Gateway's answer when the event would exceed Lambda's payload limit,
/// as captured from API Gateway in front of Lambda (413,
/// `BadRequestException`, "Request Too Long").
fn request_too_long() -> Reply {
    json_message(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request Too Long",
        Some("BadRequestException"),
    )
}

/// A Lambda authorizer's refusal, in API Gateway's words (its 403 bodies
/// say `Message`, capitalised, unlike its other gateway responses).
fn authorizer_refusal(refusal: &Refusal) -> Reply {
    let (status, body, error_type) = match refusal {
        // goblet local's own answer (API Gateway would call the function):
        // it says why, so that nobody takes it for the authorizer's.
        Refusal::NotRunnable(reason) => {
            return json_message(
                StatusCode::INTERNAL_SERVER_ERROR,
                reason,
                Some("AuthorizerConfigurationException"),
            );
        }
        Refusal::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            r#"{"message":"Unauthorized"}"#,
            "UnauthorizedException",
        ),
        Refusal::ExplicitDeny => (
            StatusCode::FORBIDDEN,
            r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#,
            "AccessDeniedException",
        ),
        Refusal::NotAllowed => (
            StatusCode::FORBIDDEN,
            r#"{"Message":"User is not authorized to access this resource"}"#,
            "AccessDeniedException",
        ),
        Refusal::Configuration(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"message":null}"#,
            "AuthorizerConfigurationException",
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.extensions_mut().insert(GatewayMade);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(X_AMZN_ERROR_TYPE, HeaderValue::from_static(error_type));
    response
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
        let started = Instant::now();
        let received = SystemTime::now();
        let request_id = crate::lambda::ids::request_id();
        // Cheap copies for the access log line: a standard method and a
        // `Uri` (reference-counted) allocate nothing.
        let (method, uri, version) = (req.method().clone(), req.uri().clone(), req.version());
        let invoke = uri.path().starts_with(crate::invoke::PREFIX);
        let mut response = if invoke {
            self.functions.handle(req).await
        } else {
            self.respond(req, peer, &request_id, received).await
        };
        if self.cors_on_errors && response.extensions().get::<GatewayMade>().is_some() {
            add_cors(&mut response);
        }
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            headers.insert(X_AMZN_REQUEST_ID, v);
        }
        if !invoke && let Ok(v) = HeaderValue::from_str(&request_id[..8]) {
            headers.insert(X_AMZ_APIGW_ID, v);
        }
        self.logger.line(access_log::line(&access_log::Entry {
            source_ip: peer.ip(),
            received,
            method: &method,
            path: uri.path(),
            version,
            status: response.status(),
            response_bytes: response.body().size_hint().exact(),
            request_id: &request_id,
            duration: started.elapsed(),
        }));
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
        match self.verify(parts, &body, SystemTime::now()).await {
            Ok(_) => missing_token(),
            Err(rejection) => refused(&rejection),
        }
    }

    /// Checks the request's SigV4 signature.
    async fn verify(
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
        self.verifier.verify(&request, now).await
    }

    async fn respond(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        request_id: &str,
        now: SystemTime,
    ) -> Reply {
        let (parts, body) = req.into_parts();
        // API Gateway's front door refuses these before any routing.
        if let Some(refused) = oversized_head(&parts) {
            return refused;
        }
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
        let iam = def.authorization_type == AuthorizationType::AwsIam;
        let custom = def.authorization_type == AuthorizationType::Custom;
        let user_pool = def.authorization_type == AuthorizationType::CognitoUserPools;
        // What the head decides is decided before the body is read.
        if iam || custom || user_pool {
            let presigned = parts.uri.query().is_some_and(sigv4::is_presigned);
            if iam && !parts.headers.contains_key(AUTHORIZATION) && !presigned {
                return missing_token();
            }
            let arn = limits::method_arn_len(
                &self.region,
                &self.api.account_id,
                &self.api.api_id,
                &self.api.stage,
                method,
                path,
            );
            if arn > limits::MAX_METHOD_ARN_BYTES {
                return json_message(StatusCode::URI_TOO_LONG, "Request-URI Too Long", None);
            }
        }
        let source_ip = peer.ip().to_string();
        // What the head of the request says: what an authorizer is asked
        // about, and the event's fields but the body and what was verified.
        let head = Routed {
            request_id,
            method,
            path,
            full_path,
            query: parts.uri.query(),
            headers: &parts.headers,
            body: &[],
            source_ip: &source_ip,
            resource: &found.resource.path,
            route_key: self.routes.route_key(def),
            params: &found.params,
            caller: None,
            api_key: None,
            grant: None,
            token: None,
            now,
        };
        let grant = if custom {
            match self.authorize(def, &head).await {
                Ok(grant) => Some(grant),
                Err(refusal) => {
                    match &refusal {
                        Refusal::Configuration(reason) => self.logger.line(format!(
                            "goblet local: request {request_id}: Execution failed due to \
                             configuration error: Authorizer error ({reason})"
                        )),
                        Refusal::NotRunnable(reason) => self
                            .logger
                            .line(format!("goblet local: request {request_id}: {reason}")),
                        _ => {}
                    }
                    let mut refused = authorizer_refusal(&refusal);
                    if def.cors {
                        add_cors(&mut refused);
                    }
                    return refused;
                }
            }
        } else {
            None
        };
        let verified = if user_pool {
            match self.check_token(def, &parts.headers) {
                Ok(verified) => Some(verified),
                Err(refusal) => {
                    let mut refused = token_refusal(refusal);
                    if def.cors {
                        add_cors(&mut refused);
                    }
                    return refused;
                }
            }
        } else {
            None
        };
        let body = match read_body(body).await {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        let caller = if iam {
            match self.verify(&parts, &body, now).await {
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
        // The event is built once an execution environment is free, so that
        // events in memory are bounded by `--concurrency`, not by clients.
        // Waiting for one counts towards the integration timeout; a request
        // given up while waiting never runs.
        let deadline = tokio::time::Instant::now() + self.integration_timeout;
        let permit = match tokio::time::timeout_at(deadline, self.pool.permit()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(failure)) => Err(failure),
            Err(_) => Err(Failure::TimedOut),
        };
        let outcome = match permit {
            Ok(permit) => {
                let routed = Routed {
                    body: &body,
                    caller: caller.as_ref(),
                    api_key: if def.api_key_required {
                        parts.headers.get("x-api-key").and_then(|v| v.to_str().ok())
                    } else {
                        None
                    },
                    grant: grant.as_ref().map(|(g, ms)| (&**g, *ms)),
                    token: verified.as_deref(),
                    ..head
                };
                let event = event::build(self.format, &self.api, &routed);
                drop(body);
                if event.len() > limits::MAX_EVENT_BYTES {
                    // Lambda refuses the invocation; API Gateway answers 413.
                    let mut refused = request_too_long();
                    if def.cors {
                        add_cors(&mut refused);
                    }
                    return refused;
                }
                Self::invoke_detached(&self.pool, permit, event, deadline).await
            }
            Err(failure) => Err(failure),
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
            Err(Failure::Failed | Failure::FunctionError(_)) => internal_error(),
        };
        if def.cors {
            add_cors(&mut response);
        }
        response
    }
}

/// A Cognito token refused, in API Gateway's words.
fn token_refusal(refusal: TokenRefusal) -> Reply {
    let message = match refusal {
        TokenRefusal::Unauthorized => "Unauthorized",
        TokenRefusal::Expired => "The incoming token has expired",
    };
    json_message(
        StatusCode::UNAUTHORIZED,
        message,
        Some("UnauthorizedException"),
    )
}

impl Gateway {
    /// Checks the token of a `COGNITO_USER_POOLS` method.
    fn check_token(
        &self,
        def: &ApiMethod,
        headers: &http::HeaderMap,
    ) -> Result<Arc<cognito::Verified>, TokenRefusal> {
        let authorizer = self
            .routes
            .authorizer(def)
            .and_then(|name| self.user_pools.get(name))
            .ok_or(TokenRefusal::Unauthorized)?;
        cognito::verify(
            &self.cognito_keys,
            &self.cognito_cache,
            authorizer,
            self.routes.scopes(def),
            headers,
        )
    }

    /// Runs the method's Lambda authorizer (or takes its cached result) and
    /// evaluates the policy for the request's method ARN. Returns the grant
    /// and how long the authorizer took (0 from the cache).
    /// Invokes the function with `event` until `deadline`. The invocation
    /// is its own task: a client that hangs up does not cancel it (Lambda
    /// runs it to the end), and the worker it holds goes back to the pool or
    /// is replaced.
    async fn invoke_detached(
        pool: &Arc<Pool>,
        permit: OwnedSemaphorePermit,
        event: Vec<u8>,
        deadline: tokio::time::Instant,
    ) -> Result<Bytes, Failure> {
        let pool = pool.clone();
        let event = Bytes::from(event);
        let invocation = tokio::spawn(async move { pool.invoke(permit, event).await });
        match tokio::time::timeout_at(deadline, invocation).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(Failure::Failed),
            Err(_) => Err(Failure::TimedOut),
        }
    }

    async fn authorize(
        &self,
        def: &ApiMethod,
        asking: &Routed<'_>,
    ) -> Result<(Arc<Grant>, u64), Refusal> {
        let authorizer = self
            .routes
            .authorizer(def)
            .and_then(|name| self.authorizers.get(name))
            .ok_or_else(|| Refusal::Configuration("the route's authorizer is unknown".into()))?;
        // The app's function answers its own authorizers; an external one's
        // function is another binary's, when one was given.
        let pool = match self.authorizers.external_function(&authorizer.name) {
            None => &self.pool,
            Some(function) => self.authorizer_pools.get(&authorizer.name).ok_or_else(|| {
                Refusal::NotRunnable(format!(
                    "goblet local cannot run the authorizer `{}`: its function {function} is not \
                     this app's. Start goblet local with --authorizer {}=PATH, PATH a goblet \
                     binary whose #[authorizer] stands in for it",
                    authorizer.name, authorizer.name
                ))
            })?,
        };
        let identity = self.authorizers.identity(
            authorizer,
            &Asking {
                headers: asking.headers,
                query: asking.query,
                source_ip: asking.source_ip,
                stage: &self.api.stage,
                method: asking.method,
            },
        )?;
        let method_arn = MethodArn {
            partition: "aws".into(),
            region: self.region.clone(),
            account: self.api.account_id.clone(),
            api_id: self.api.api_id.clone(),
            stage: self.api.stage.clone(),
            method: asking.method.to_owned(),
            path: asking.path.to_owned(),
        }
        .to_string();
        if let Some(grant) = self.authorizers.cached(authorizer, &identity) {
            grant.permits(&method_arn)?;
            return Ok((grant, 0));
        }
        let token = match authorizer.kind {
            goblet_core::AuthorizerKind::Token => identity.first().map_or("", String::as_str),
            goblet_core::AuthorizerKind::Request => "",
        };
        let event = event::authorizer_event(authorizer.kind, &method_arn, token, &self.api, asking);
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + self.integration_timeout;
        let outcome = match tokio::time::timeout_at(deadline, pool.permit()).await {
            Ok(Ok(permit)) => Self::invoke_detached(pool, permit, event, deadline).await,
            Ok(Err(failure)) => Err(failure),
            Err(_) => Err(Failure::TimedOut),
        };
        let outcome = match outcome {
            Ok(body) => Ok(body),
            Err(Failure::FunctionError(body)) => Err(ErrorDocument(body)),
            Err(Failure::TimedOut) => {
                return Err(Refusal::Configuration("the authorizer timed out".into()));
            }
            Err(Failure::Failed) => {
                return Err(Refusal::Configuration(
                    "the authorizer's function failed".into(),
                ));
            }
        };
        let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let grant = Arc::new(super::authorizers::read_answer(outcome)?);
        self.authorizers
            .remember(authorizer, identity, grant.clone());
        grant.permits(&method_arn)?;
        Ok((grant, latency))
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

/// Accepts connections until `shutdown` completes, at most
/// [`limits::MAX_CONNECTIONS`] at a time, each with hyper's head timeout
/// (which also ends idle keep-alive connections) and head size bounds. Each
/// request is served by the gateway current when it arrives (see [`Live`]).
pub(crate) async fn serve(
    live: Arc<Live<Gateway>>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(limits::HEADER_READ_TIMEOUT)
        .max_buf_size(limits::MAX_HEAD_BUFFER)
        .max_headers(limits::MAX_HEADERS);
    let connections = Arc::new(Semaphore::new(limits::MAX_CONNECTIONS));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = connections.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
            () = &mut shutdown => return,
        };
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
        let connection = http.serve_connection(
            TokioIo::new(stream),
            service_fn(move |req| {
                let gateway = live.current();
                async move { Ok::<_, Infallible>(gateway.handle(req, peer).await) }
            }),
        );
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
            drop(slot);
        });
    }
}
