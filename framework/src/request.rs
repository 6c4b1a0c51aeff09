use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{Extensions, HeaderMap, Method, Uri};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::response::Body;
use crate::state::AppState;

pub use goblet_core::EventFormat;

/// Who called, as API Gateway saw it. For `auth = "iam"` routes API Gateway has
/// verified the SigV4 signature and fills in the IAM fields; the network fields
/// are always there when the event carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub access_key: Option<String>,
    pub account_id: Option<String>,
    pub caller: Option<String>,
    pub user: Option<String>,
    pub user_arn: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What API Gateway (or the load balancer) says about the request beyond HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    pub format: EventFormat,
    pub request_id: Option<String>,
    pub stage: Option<String>,
    pub api_id: Option<String>,
    pub account_id: Option<String>,
    pub domain_name: Option<String>,
    /// Milliseconds since the epoch, when the event carries it.
    pub request_time_epoch: Option<i64>,
    pub identity: Identity,
    pub stage_variables: HashMap<String, String>,
    /// What the route's authorizer said about the caller (principal id,
    /// context map, token claims); `None` on routes without one.
    pub authorizer: Option<crate::authorizer::AuthorizerContext>,
}

/// An HTTP request as a handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) resource: Option<&'static str>,
    pub(crate) path_params: Vec<(String, String)>,
    /// `application/x-www-form-urlencoded`, without `?`.
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) context: Arc<RequestContext>,
    /// The app's registered values ([`State`](crate::State)).
    pub(crate) state: AppState,
    /// What middleware attached (`http::Extensions`, as tower layers use them).
    pub(crate) extensions: Extensions,
}

impl Request {
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request path, without the stage, as the event gave it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The route's path template (`/users/{id}`) once routed.
    pub fn resource(&self) -> Option<&'static str> {
        self.resource
    }

    /// Path parameters, decoded, in template order.
    pub fn path_params(&self) -> &[(String, String)] {
        &self.path_params
    }

    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The query string, form-encoded, without the `?`.
    pub fn query_string(&self) -> &str {
        &self.query
    }

    /// Query parameters, decoded, in order; repeated keys appear repeatedly.
    pub fn query_pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        form_urlencoded::parse(self.query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body, base64-decoded when the event said so.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    pub fn identity(&self) -> &Identity {
        &self.context.identity
    }

    /// A value registered with [`App::state`](crate::App::state), for
    /// middleware (handlers take [`State<T>`](crate::State)).
    ///
    /// ```
    /// use goblet::middleware::Next;
    /// use goblet::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct Maintenance(bool);
    ///
    /// async fn closed_for_maintenance(req: Request, next: Next) -> Response {
    ///     if req.state::<Maintenance>().is_some_and(|m| m.0) {
    ///         return (StatusCode::SERVICE_UNAVAILABLE, "Back soon").into_response();
    ///     }
    ///     next.run(req).await
    /// }
    /// # let _ = goblet::App::new()
    /// #     .state(Maintenance(false))
    /// #     .layer(goblet::middleware::from_fn(closed_for_maintenance));
    /// ```
    pub fn state<T: 'static>(&self) -> Option<&T> {
        self.state.get::<T>()
    }

    /// Values middleware attached to the request, by type: how a middleware
    /// hands something to an extractor or to an inner middleware.
    ///
    /// ```
    /// use goblet::middleware::Next;
    /// use goblet::prelude::*;
    ///
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Tenant(String);
    ///
    /// async fn tenant(mut req: Request, next: Next) -> Response {
    ///     let name = req.header("x-tenant").unwrap_or("public").to_owned();
    ///     req.extensions_mut().insert(Tenant(name));
    ///     next.run(req).await
    /// }
    ///
    /// async fn log_tenant(req: Request, next: Next) -> Response {
    ///     // Runs inside `tenant` (added before it): the tenant is there.
    ///     tracing::info!(tenant = ?req.extensions().get::<Tenant>(), "request");
    ///     next.run(req).await
    /// }
    /// # let _ = goblet::App::new()
    /// #     .layer(goblet::middleware::from_fn(log_tenant))
    /// #     .layer(goblet::middleware::from_fn(tenant));
    /// ```
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The extensions, to attach values: see [`extensions`](Request::extensions).
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }

    /// The headers, for middleware to change before the handler sees them.
    ///
    /// ```
    /// use goblet::middleware::Next;
    /// use goblet::prelude::*;
    ///
    /// /// Handlers never see the caller's cookies.
    /// async fn strip_cookies(mut req: Request, next: Next) -> Response {
    ///     req.headers_mut().remove("cookie");
    ///     next.run(req).await
    /// }
    /// # let _ = goblet::App::new().layer(goblet::middleware::from_fn(strip_cookies));
    /// ```
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The request as `http` sees it, for tower layers: what HTTP has no place
    /// for (path parameters, context, state) travels in its extensions.
    pub(crate) fn into_http(self) -> http::Request<Body> {
        let uri = uri_of(&self.path, &self.query);
        let carried = Carried {
            uri: uri.clone(),
            path: self.path,
            resource: self.resource,
            path_params: self.path_params,
            query: self.query,
            context: self.context,
            state: self.state,
        };
        let mut request = http::Request::new(Body::from(self.body));
        *request.method_mut() = self.method;
        *request.uri_mut() = uri;
        *request.headers_mut() = self.headers;
        *request.extensions_mut() = self.extensions;
        request.extensions_mut().insert(carried);
        request
    }

    /// Back from a tower layer, with whatever it changed: method, headers,
    /// body, extensions, and the path and query if it rewrote the URI.
    pub(crate) fn from_http(request: http::Request<Body>) -> Result<Request, MissingParts> {
        let (mut parts, body) = request.into_parts();
        let carried = parts.extensions.remove::<Carried>().ok_or(MissingParts)?;
        let (path, query) = if parts.uri == carried.uri {
            (carried.path, carried.query)
        } else {
            let path = percent_encoding::percent_decode_str(parts.uri.path())
                .decode_utf8_lossy()
                .into_owned();
            (path, parts.uri.query().unwrap_or_default().to_owned())
        };
        Ok(Request {
            method: parts.method,
            path,
            resource: carried.resource,
            path_params: carried.path_params,
            query,
            headers: parts.headers,
            body: body.into_bytes(),
            context: carried.context,
            state: carried.state,
            extensions: parts.extensions,
        })
    }
}

/// A tower layer handed on a request without the extensions goblet put in it.
#[derive(Debug)]
pub(crate) struct MissingParts;

/// The parts of a [`Request`] `http::Request` has no field for.
#[derive(Clone)]
struct Carried {
    /// The URI goblet built, to tell whether a layer rewrote it.
    uri: Uri,
    path: String,
    resource: Option<&'static str>,
    path_params: Vec<(String, String)>,
    query: String,
    context: Arc<RequestContext>,
    state: AppState,
}

/// Bytes that cannot stand in a URI's path or query as received.
const NOT_IN_URI: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The URI of an event's path and query. Events may carry a decoded path
/// (HTTP APIs decode it), so what a URI cannot hold is percent-encoded.
fn uri_of(path: &str, query: &str) -> Uri {
    let mut text = utf8_percent_encode(path, NOT_IN_URI).to_string();
    if !query.is_empty() {
        text.push('?');
        text.extend(utf8_percent_encode(query, NOT_IN_URI));
    }
    text.parse().unwrap_or_else(|_| Uri::from_static("/"))
}
