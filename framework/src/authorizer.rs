//! Lambda authorizers served by the app's own function: `#[authorizer]`
//! registers an [`AuthorizerDef`]; API Gateway invokes the function with a
//! TOKEN or REQUEST authorizer event, answered here with the principal, the
//! IAM policy and the context map, or with the `Unauthorized` error API
//! Gateway turns into its 401.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use futures_util::FutureExt as _;
use goblet_core::policy::{Effect, INVOKE_ACTION, OneOrMany, PolicyDocument, Statement};
use goblet_core::{AuthorizerKind, MethodArn, PathTemplate, Segment};
use http::{HeaderMap, HeaderName, HeaderValue};
use lambda_runtime::Diagnostic;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::dispatch::Served;
use crate::error::Error;

/// The future an authorizer's generated wrapper returns.
pub type AuthFuture = Pin<Box<dyn Future<Output = Result<AuthResponse, Error>> + 'static>>;

/// One `#[authorizer]`, as the macro registers it; the same facts go into
/// the binary's manifest record.
#[derive(Debug)]
pub struct AuthorizerDef {
    pub name: &'static str,
    pub kind: AuthorizerKind,
    pub identity_sources: &'static [&'static str],
    pub ttl_seconds: u32,
    /// `module::path::to::authorizer`.
    pub handler_path: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub handler: fn(AuthRequest) -> AuthFuture,
}

inventory::collect!(AuthorizerDef);

/// Every authorizer registered in this binary, in no particular order.
pub(crate) fn registered() -> impl Iterator<Item = &'static AuthorizerDef> {
    inventory::iter::<AuthorizerDef>.into_iter()
}

/// Boxes an authorizer's future; keeps generated code short.
pub fn auth_boxed<F>(future: F) -> AuthFuture
where
    F: Future<Output = Result<AuthResponse, Error>> + 'static,
{
    Box::pin(future)
}

/// What an `#[authorizer]` function may return: `Result<AuthResponse, E>`
/// for any `E` that converts into [`Error`], or an `AuthResponse`.
#[diagnostic::on_unimplemented(
    message = "an #[authorizer] returns `Result<AuthResponse, Error>`, not `{Self}`",
    label = "this authorizer's return type"
)]
pub trait IntoAuthDecision {
    fn into_auth_decision(self) -> Result<AuthResponse, Error>;
}

impl IntoAuthDecision for AuthResponse {
    fn into_auth_decision(self) -> Result<AuthResponse, Error> {
        Ok(self)
    }
}

impl<E: Into<Error>> IntoAuthDecision for Result<AuthResponse, E> {
    fn into_auth_decision(self) -> Result<AuthResponse, Error> {
        self.map_err(Into::into)
    }
}

/// The request API Gateway asks an authorizer about.
///
/// A TOKEN authorizer sees the token (its header's value) and the method
/// ARN; a REQUEST authorizer also sees the headers, query, path parameters,
/// stage variables and request context.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    kind: AuthorizerKind,
    token: String,
    method_arn: String,
    arn: Option<MethodArn>,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    path_params: HashMap<String, String>,
    stage_variables: HashMap<String, String>,
    request_context: Value,
}

impl AuthRequest {
    pub fn kind(&self) -> AuthorizerKind {
        self.kind
    }

    /// The TOKEN authorizer's `authorizationToken` (its header's value, as
    /// sent: a `Bearer ` prefix is still there). For a REQUEST authorizer,
    /// the `Authorization` header, or `""`.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
    pub fn method_arn(&self) -> &str {
        &self.method_arn
    }

    /// The HTTP method the request is for, from the method ARN.
    pub fn method(&self) -> &str {
        self.arn.as_ref().map_or("", |a| a.method.as_str())
    }

    /// The request path, from the method ARN.
    pub fn path(&self) -> &str {
        self.arn.as_ref().map_or("", |a| a.path.as_str())
    }

    /// The request's headers (REQUEST authorizers; empty for TOKEN).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A query parameter's (last) value (REQUEST authorizers).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Path parameters of the matched resource (REQUEST authorizers).
    pub fn path_params(&self) -> &HashMap<String, String> {
        &self.path_params
    }

    /// The stage's variables (REQUEST authorizers).
    pub fn stage_variables(&self) -> &HashMap<String, String> {
        &self.stage_variables
    }

    /// The event's `requestContext` as API Gateway sent it (REQUEST
    /// authorizers; `null` for TOKEN).
    pub fn request_context(&self) -> &Value {
        &self.request_context
    }
}

/// An authorizer's decision: who the caller is, which routes it may call,
/// and the context handlers see.
///
/// API Gateway caches the decision by identity-source value and applies it
/// to every route behind the authorizer, whichever route first asked. So a
/// policy naming only the first route would deny the next one for `ttl`
/// seconds: `allow` covers every route of the stage unless `.routes` names
/// the ones the caller may call.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthResponse {
    principal_id: String,
    effect: Effect,
    routes: Vec<String>,
    context: Map<String, Value>,
}

impl AuthResponse {
    /// The caller may call every route of the stage (or those of `.routes`).
    pub fn allow(principal_id: impl Into<String>) -> AuthResponse {
        AuthResponse::new(principal_id, Effect::Allow)
    }

    /// The caller may call no route of the stage (or none of `.routes`):
    /// API Gateway answers 403 "... with an explicit deny".
    pub fn deny(principal_id: impl Into<String>) -> AuthResponse {
        AuthResponse::new(principal_id, Effect::Deny)
    }

    fn new(principal_id: impl Into<String>, effect: Effect) -> AuthResponse {
        AuthResponse {
            principal_id: principal_id.into(),
            effect,
            routes: Vec::new(),
            context: Map::new(),
        }
    }

    /// The routes the decision covers: a path (`/orders`, any method), a
    /// method and a path (`GET /orders`), with `{param}` or `*` standing for
    /// a segment and a trailing `/*` for everything below. As in any IAM
    /// policy, a `{param}` or `*` also matches several segments:
    /// `GET /orders/{id}` covers `GET /orders/7/items` too.
    pub fn routes<I, S>(mut self, routes: I) -> AuthResponse
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.routes.extend(routes.into_iter().map(Into::into));
        self
    }

    /// A value handlers read from `Context::authorizer`. API Gateway takes
    /// strings, numbers and booleans only.
    pub fn context(
        mut self,
        key: impl Into<String>,
        value: impl Into<ContextValue>,
    ) -> AuthResponse {
        self.context.insert(key.into(), value.into().0);
        self
    }

    pub fn principal_id(&self) -> &str {
        &self.principal_id
    }

    /// The response API Gateway reads, its policy written for the stage of
    /// `arn`.
    pub(crate) fn to_json(&self, arn: &MethodArn) -> Result<Value, String> {
        let prefix = arn.stage_prefix();
        let resources = if self.routes.is_empty() {
            vec![format!("{prefix}/*")]
        } else {
            let mut resources = Vec::new();
            for route in &self.routes {
                resources.extend(route_resources(&prefix, route)?);
            }
            resources
        };
        let policy = PolicyDocument {
            version: Some("2012-10-17".into()),
            statement: OneOrMany::Many(vec![Statement {
                effect: self.effect,
                action: Some(OneOrMany::One(INVOKE_ACTION.into())),
                not_action: None,
                resource: Some(OneOrMany::Many(resources)),
                not_resource: None,
                condition: None,
            }]),
        };
        let mut out = Map::new();
        out.insert(
            "principalId".into(),
            Value::String(self.principal_id.clone()),
        );
        out.insert(
            "policyDocument".into(),
            serde_json::to_value(policy).map_err(|e| e.to_string())?,
        );
        if !self.context.is_empty() {
            out.insert("context".into(), Value::Object(self.context.clone()));
        }
        Ok(Value::Object(out))
    }
}

/// A context value: API Gateway passes strings, numbers and booleans on.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextValue(Value);

macro_rules! context_values {
    ($($ty:ty),*) => {$(
        impl From<$ty> for ContextValue {
            fn from(value: $ty) -> ContextValue {
                ContextValue(Value::from(value))
            }
        }
    )*};
}
context_values!(&str, String, bool, i32, i64, u32, u64, f64);

/// The HTTP methods of a method ARN: a route written without its method
/// stands for each of them. (`{prefix}/*/orders` would also match
/// `GET/users/7/orders`: IAM's `*` matches `/`.)
const ARN_METHODS: [&str; 7] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// `GET /orders/{id}` → `[{prefix}/GET/orders/*]`; `/orders` →
/// `{prefix}/{METHOD}/orders` for every method.
fn route_resources(prefix: &str, route: &str) -> Result<Vec<String>, String> {
    let (method, path) = match route.split_once(' ') {
        Some((method, path)) if method.trim() != "ANY" => (Some(method.trim()), path.trim()),
        Some((_, path)) => (None, path.trim()),
        None => (None, route.trim()),
    };
    match method {
        Some(method) => Ok(vec![route_resource(prefix, method, path, route)?]),
        None => ARN_METHODS
            .iter()
            .map(|method| route_resource(prefix, method, path, route))
            .collect(),
    }
}

/// One method's resource: `{prefix}/{method}/{path}`, `{param}` and `*`
/// segments as `*`.
fn route_resource(prefix: &str, method: &str, path: &str, route: &str) -> Result<String, String> {
    if goblet_core::Method::parse(method).is_err() {
        return Err(format!(
            "AuthResponse::routes: `{route}` names no HTTP method (write `GET /orders` or `/orders`)"
        ));
    }
    let mut out = format!("{prefix}/{method}");
    if path == "/" {
        out.push('/');
        return Ok(out);
    }
    if !path.starts_with('/') {
        return Err(format!(
            "AuthResponse::routes: `{route}` is not a path (it starts with `/`)"
        ));
    }
    let (template, tail) = match path.strip_suffix("/*") {
        Some(base) => (base, "/*"),
        None => (path, ""),
    };
    // `GET /*`: every path of the method.
    if template.is_empty() {
        out.push_str(tail);
        return Ok(out);
    }
    let wildcarded = template.replace("/*", "/{any}");
    let parsed = PathTemplate::parse(&wildcarded)
        .map_err(|e| format!("AuthResponse::routes: `{route}`: {e}"))?;
    for segment in parsed.segments() {
        out.push('/');
        match segment {
            Segment::Literal(text) => out.push_str(text),
            _ => out.push('*'),
        }
    }
    out.push_str(tail);
    Ok(out)
}

/// The authorizer event, TOKEN or REQUEST, as API Gateway sends it.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawAuthEvent {
    #[serde(rename = "type")]
    kind: String,
    authorization_token: Option<String>,
    method_arn: String,
    headers: Option<HashMap<String, Option<String>>>,
    multi_value_headers: Option<HashMap<String, Option<Vec<String>>>>,
    query_string_parameters: Option<HashMap<String, Option<String>>>,
    multi_value_query_string_parameters: Option<HashMap<String, Option<Vec<String>>>>,
    path_parameters: Option<HashMap<String, Option<String>>>,
    stage_variables: Option<HashMap<String, Option<String>>>,
    request_context: Value,
}

fn flat(map: Option<HashMap<String, Option<String>>>) -> HashMap<String, String> {
    map.unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

impl RawAuthEvent {
    fn into_request(self) -> Result<AuthRequest, String> {
        let kind = match self.kind.as_str() {
            "TOKEN" => AuthorizerKind::Token,
            "REQUEST" => AuthorizerKind::Request,
            other => return Err(format!("unknown authorizer event type `{other}`")),
        };
        let mut headers = HeaderMap::new();
        let mut add = |name: &str, value: &str| {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(n, v);
            }
        };
        match (self.multi_value_headers, self.headers) {
            (Some(multi), _) if !multi.is_empty() => {
                for (name, values) in multi {
                    for value in values.unwrap_or_default() {
                        add(&name, &value);
                    }
                }
            }
            (_, single) => {
                for (name, value) in flat(single) {
                    add(&name, &value);
                }
            }
        }
        let query = match (
            self.multi_value_query_string_parameters,
            self.query_string_parameters,
        ) {
            (Some(multi), _) if !multi.is_empty() => multi
                .into_iter()
                .flat_map(|(k, vs)| {
                    vs.unwrap_or_default()
                        .into_iter()
                        .map(move |v| (k.clone(), v))
                })
                .collect(),
            (_, single) => flat(single).into_iter().collect(),
        };
        let token = match kind {
            AuthorizerKind::Token => self.authorization_token.unwrap_or_default(),
            AuthorizerKind::Request => headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
        };
        Ok(AuthRequest {
            kind,
            token,
            arn: MethodArn::parse(&self.method_arn),
            method_arn: self.method_arn,
            headers,
            query,
            path_params: flat(self.path_parameters),
            stage_variables: flat(self.stage_variables),
            request_context: self.request_context,
        })
    }
}

/// Whether a parsed event is an authorizer's: a `type` of TOKEN or REQUEST
/// and a `methodArn`, which no HTTP event has.
pub(crate) fn is_authorizer_event(kind: Option<&str>, method_arn: bool) -> bool {
    method_arn && matches!(kind, Some("TOKEN" | "REQUEST"))
}

/// The error API Gateway answers 401 for: the message must be exactly this.
const UNAUTHORIZED: &str = "Unauthorized";

/// Runs the authorizer the event is for and writes API Gateway's answer.
pub(crate) async fn handle(served: &Served, payload: &[u8]) -> Result<Vec<u8>, Diagnostic> {
    let config_error = |message: String| Diagnostic {
        error_type: "goblet.AuthorizerError".to_owned(),
        error_message: message,
    };
    let raw: RawAuthEvent = serde_json::from_slice(payload)
        .map_err(|e| config_error(format!("goblet: a malformed authorizer event: {e}")))?;
    let request = raw.into_request().map_err(config_error)?;
    let Some(arn) = request.arn.clone() else {
        return Err(config_error(format!(
            "goblet: the authorizer event's methodArn `{}` is not an execute-api method ARN",
            request.method_arn
        )));
    };
    let def = served
        .authorizer_for(&arn.method, &arn.path)
        .ok_or_else(|| {
            config_error(format!(
                "goblet: no #[authorizer] guards {} {}",
                arn.method, arn.path
            ))
        })?;
    if def.kind != request.kind() {
        return Err(config_error(format!(
            "goblet: a {} authorizer event for {} {}, whose #[authorizer] {} is a {} authorizer",
            request.kind().as_str(),
            arn.method,
            arn.path,
            def.name,
            def.kind.as_str()
        )));
    }
    let future = std::panic::catch_unwind(AssertUnwindSafe(|| (def.handler)(request)));
    let outcome = match future {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(payload) => Err(payload),
    };
    let decision = outcome.map_err(|payload| {
        let message = crate::runtime::panic_message(payload.as_ref());
        tracing::error!(authorizer = def.handler_path, panic = %message, "authorizer panicked");
        config_error(format!("the authorizer {} panicked: {message}", def.name))
    })?;
    match decision {
        Ok(response) => {
            let json = response.to_json(&arn).map_err(config_error)?;
            serde_json::to_vec(&json).map_err(|e| config_error(e.to_string()))
        }
        Err(Error::Unauthorized(reason)) => {
            tracing::info!(authorizer = def.name, %reason, "unauthorized");
            Err(Diagnostic {
                error_type: UNAUTHORIZED.to_owned(),
                error_message: UNAUTHORIZED.to_owned(),
            })
        }
        Err(other) => {
            let message = match &other {
                Error::Internal(source) => source.to_string(),
                e => e.message().to_owned(),
            };
            tracing::error!(authorizer = def.name, error = %message, "authorizer failed");
            Err(config_error(format!(
                "the authorizer {} failed: {message}",
                def.name
            )))
        }
    }
}

/// What an authorizer told API Gateway about the caller, as handlers see it
/// in [`RequestContext::authorizer`](crate::RequestContext::authorizer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizerContext {
    /// The authorizer's `principalId` (empty where the event has none).
    pub principal_id: String,
    /// The context map the authorizer returned.
    pub context: Map<String, Value>,
    /// A Cognito or JWT authorizer's token claims.
    pub claims: Map<String, Value>,
    /// A JWT authorizer's scopes (HTTP APIs).
    pub scopes: Vec<String>,
}

impl AuthorizerContext {
    /// A context value as text: API Gateway REST APIs hand every value over
    /// as a string; HTTP APIs keep the JSON type.
    pub fn get(&self, key: &str) -> Option<String> {
        match self.context.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// Reads `requestContext.authorizer` of a REST v1 event (principal id,
    /// `claims`, the context's keys at the top) or of an HTTP API v2 event
    /// (`lambda`, `jwt`). `None` when no authorizer ran.
    pub(crate) fn from_event(mut raw: Map<String, Value>) -> Option<AuthorizerContext> {
        let mut out = AuthorizerContext::default();
        let text = |v: Value| match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        if let Some(principal) = raw.remove("principalId") {
            out.principal_id = text(principal);
        }
        if let Some(Value::Object(lambda)) = raw.remove("lambda") {
            out.context = lambda;
        }
        if let Some(Value::Object(mut jwt)) = raw.remove("jwt") {
            if let Some(Value::Object(claims)) = jwt.remove("claims") {
                out.claims = claims;
            }
            if let Some(Value::Array(scopes)) = jwt.remove("scopes") {
                out.scopes = scopes.into_iter().map(text).collect();
            }
        }
        if let Some(Value::Object(claims)) = raw.remove("claims") {
            out.claims = claims;
        }
        raw.remove("integrationLatency");
        out.context.extend(raw);
        let ran = !out.principal_id.is_empty() || !out.context.is_empty() || !out.claims.is_empty();
        ran.then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn arn() -> MethodArn {
        MethodArn::parse("arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/orders/7").unwrap()
    }

    #[test]
    fn routes_become_method_arns() {
        let prefix = "arn:aws:execute-api:us-east-1:1:abc/dev";
        let one = [
            ("GET /orders", "/GET/orders"),
            ("GET /orders/{id}", "/GET/orders/*"),
            ("DELETE /orders/{id}/items/*", "/DELETE/orders/*/items/*"),
            ("PUT /files/{path+}", "/PUT/files/*"),
            ("GET /", "/GET/"),
            ("GET /*", "/GET/*"),
        ];
        for (route, expected) in one {
            assert_eq!(
                route_resources(prefix, route).unwrap(),
                [format!("{prefix}{expected}")],
                "{route}"
            );
        }
        // Without a method (or ANY): every method, never `*/path`.
        let every = [
            ("/orders", "/orders"),
            ("/orders/*", "/orders/*"),
            ("/orders/{id}", "/orders/*"),
            ("/", "/"),
            ("ANY /x", "/x"),
        ];
        for (route, expected) in every {
            let want: Vec<String> = ARN_METHODS
                .iter()
                .map(|m| format!("{prefix}/{m}{expected}"))
                .collect();
            assert_eq!(route_resources(prefix, route).unwrap(), want, "{route}");
        }
        for bad in ["orders", "FETCH /orders", "/orders/", "GET orders"] {
            assert!(route_resources(prefix, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn responses_are_api_gateway_shaped() {
        let allow = AuthResponse::allow("alice")
            .routes(["/orders", "GET /orders/{id}"])
            .context("tier", "gold")
            .context("level", 3)
            .context("admin", false);
        assert_eq!(
            allow.to_json(&arn()).unwrap(),
            json!({
                "principalId": "alice",
                "policyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "execute-api:Invoke",
                    "Resource": ARN_METHODS
                        .iter()
                        .map(|m| format!("arn:aws:execute-api:us-east-1:123456789012:abc/dev/{m}/orders"))
                        .chain(["arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/orders/*".to_owned()])
                        .collect::<Vec<_>>()
                }]},
                "context": {"tier": "gold", "level": 3, "admin": false}
            })
        );
        let deny = AuthResponse::deny("mallory").to_json(&arn()).unwrap();
        assert_eq!(
            deny["policyDocument"]["Statement"][0],
            json!({"Effect": "Deny", "Action": "execute-api:Invoke",
                   "Resource": ["arn:aws:execute-api:us-east-1:123456789012:abc/dev/*"]})
        );
        assert!(deny.get("context").is_none());
        // The policy goblet writes is one goblet's own evaluator reads the same way.
        let policy: PolicyDocument =
            serde_json::from_value(allow.to_json(&arn()).unwrap()["policyDocument"].clone())
                .unwrap();
        let decide = |arn: &str| policy.evaluate(INVOKE_ACTION, arn);
        use goblet_core::policy::Decision;
        assert_eq!(decide(&arn().to_string()), Decision::Allow);
        assert_eq!(
            decide("arn:aws:execute-api:us-east-1:123456789012:abc/dev/POST/orders"),
            Decision::Allow
        );
        assert_eq!(
            decide("arn:aws:execute-api:us-east-1:123456789012:abc/dev/POST/orders/7"),
            Decision::ImplicitDeny
        );
        // `/orders` is not any path ending in /orders.
        assert_eq!(
            decide("arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/users/7/orders"),
            Decision::ImplicitDeny
        );
        assert_eq!(
            AuthResponse::allow("a")
                .routes(["orders"])
                .to_json(&arn())
                .unwrap_err(),
            "AuthResponse::routes: `orders` is not a path (it starts with `/`)"
        );
    }

    /// What `aws_lambda_events` reads as an authorizer's answer, for the
    /// method ARNs of AWS's own samples (a `*` stage, the root path).
    #[test]
    fn responses_read_as_aws_lambda_events_reads_them() {
        use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerResponse;
        for sample in [
            "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/",
            "arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/GET/request",
        ] {
            let arn = MethodArn::parse(sample).unwrap();
            let json = AuthResponse::allow("user|a1b2c3d4")
                .context("stringKey", "value")
                .context("numberKey", 1)
                .context("booleanKey", true)
                .to_json(&arn)
                .unwrap();
            let read: ApiGatewayCustomAuthorizerResponse = serde_json::from_value(json).unwrap();
            assert_eq!(
                read.principal_id.as_deref(),
                Some("user|a1b2c3d4"),
                "{sample}"
            );
            let statement = &read.policy_document.statement[0];
            assert_eq!(
                statement.effect,
                aws_lambda_events::iam::IamPolicyEffect::Allow
            );
            assert_eq!(statement.action, ["execute-api:Invoke"]);
            let stage_prefix = &sample[..sample.find("/GET/").unwrap()];
            assert_eq!(
                statement.resource,
                [format!("{stage_prefix}/*")],
                "{sample}"
            );
            assert_eq!(
                read.context,
                json!({"stringKey": "value", "numberKey": 1, "booleanKey": true})
            );
        }
    }

    #[test]
    fn events_become_requests() {
        let token: RawAuthEvent = serde_json::from_value(json!({
            "type": "TOKEN", "authorizationToken": "Bearer abc",
            "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/orders/7"
        }))
        .unwrap();
        let req = token.into_request().unwrap();
        assert_eq!(req.kind(), AuthorizerKind::Token);
        assert_eq!(req.token(), "Bearer abc");
        assert_eq!((req.method(), req.path()), ("GET", "/orders/7"));
        assert!(req.headers().is_empty());

        let request: RawAuthEvent = serde_json::from_value(json!({
            "type": "REQUEST",
            "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/orders/7",
            "resource": "/orders/{id}", "path": "/orders/7", "httpMethod": "GET",
            "headers": {"Authorization": "t1", "X-Tenant": "acme"},
            "multiValueHeaders": {"Authorization": ["t1"], "X-Tenant": ["acme"]},
            "queryStringParameters": {"q": "2"},
            "multiValueQueryStringParameters": {"q": ["1", "2"]},
            "pathParameters": {"id": "7"},
            "stageVariables": {"tier": "gold"},
            "requestContext": {"stage": "dev", "identity": {"sourceIp": "10.0.0.1"}}
        }))
        .unwrap();
        let req = request.into_request().unwrap();
        assert_eq!(req.token(), "t1");
        assert_eq!(req.header("x-tenant"), Some("acme"));
        assert_eq!(req.query_param("q"), Some("2"));
        assert_eq!(req.path_params()["id"], "7");
        assert_eq!(req.stage_variables()["tier"], "gold");
        assert_eq!(req.request_context()["identity"]["sourceIp"], "10.0.0.1");

        let other: RawAuthEvent =
            serde_json::from_value(json!({"type": "WEBSOCKET", "methodArn": "x"})).unwrap();
        assert!(other.into_request().is_err());
    }

    #[test]
    fn handlers_read_the_authorizer_of_every_event_format() {
        let obj = |v: Value| v.as_object().unwrap().clone();
        let rest = AuthorizerContext::from_event(obj(json!({
            "principalId": "alice", "integrationLatency": 12, "tier": "gold", "level": "3"
        })))
        .unwrap();
        assert_eq!(rest.principal_id, "alice");
        assert_eq!(rest.get("tier").as_deref(), Some("gold"));
        assert_eq!(rest.get("level").as_deref(), Some("3"));
        assert!(!rest.context.contains_key("integrationLatency"));

        let cognito = AuthorizerContext::from_event(obj(json!({
            "claims": {"sub": "u-1", "email": "a@example.com"}
        })))
        .unwrap();
        assert_eq!(cognito.claims["sub"], "u-1");

        let v2 = AuthorizerContext::from_event(obj(json!({
            "lambda": {"tier": "gold", "level": 3}
        })))
        .unwrap();
        assert_eq!(v2.get("level").as_deref(), Some("3"));

        let jwt = AuthorizerContext::from_event(obj(json!({
            "jwt": {"claims": {"sub": "u-2"}, "scopes": ["orders/read"]}
        })))
        .unwrap();
        assert_eq!(jwt.scopes, ["orders/read"]);
        assert!(AuthorizerContext::from_event(Map::new()).is_none());
    }
}
