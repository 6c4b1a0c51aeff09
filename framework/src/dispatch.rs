//! One route table, built once at start-up from the registered handlers, and
//! the path from a raw event to a shaped proxy reply.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt as _;
use goblet_core::{Manifest, ManifestError, Method, PathMatcher, PathTemplate, Route, cors};
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, StatusCode};

use crate::error::{Error, INTERNAL_MESSAGE, error_response};
use crate::event::{Incoming, RawEvent, UnknownEvent};
use crate::reply::{ProxyReply, shape_reply};
use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::route::RouteDef;

/// All routes of the binary, grouped by resource (path template).
#[derive(Debug)]
pub(crate) struct RouteTable {
    /// The registered handlers as manifest routes, sorted: what the binary's
    /// embedded manifest must say.
    routes: Vec<Route>,
    resources: Vec<Resource>,
    by_template: HashMap<&'static str, usize>,
    matcher: PathMatcher<usize>,
}

#[derive(Debug)]
struct Resource {
    template: &'static str,
    /// The template's parameter names, in template order: events name their
    /// parameters in an object, whose order means nothing.
    param_names: Vec<String>,
    methods: Vec<&'static RouteDef>,
    cors: bool,
}

/// How a request found (or did not find) its handler.
enum Routed {
    Handler(&'static RouteDef, bool),
    Preflight(String),
    MethodNotAllowed(String),
    NotFound,
}

impl RouteTable {
    /// Builds the table, with the same checks `goblet manifest` applies: every
    /// path valid, no (path, method) claimed twice, API Gateway's parameter rules.
    pub(crate) fn build(
        defs: impl IntoIterator<Item = &'static RouteDef>,
    ) -> Result<RouteTable, ManifestError> {
        let defs: Vec<&'static RouteDef> = defs.into_iter().collect();
        let checked = Manifest::new(
            String::new(),
            String::new(),
            defs.iter().map(|d| manifest_route(d)).collect(),
        )?;
        let mut table = RouteTable {
            routes: checked.routes,
            resources: Vec::new(),
            by_template: HashMap::new(),
            matcher: PathMatcher::new(),
        };
        for def in defs {
            let template =
                PathTemplate::parse(def.path).map_err(|error| ManifestError::BadPath {
                    source: format!("{}:{}", def.file, def.line),
                    error,
                })?;
            let next = table.resources.len();
            let index = *table.matcher.entry(&template, || next);
            if index == next {
                table.resources.push(Resource {
                    template: def.path,
                    param_names: template.parameter_names().map(str::to_owned).collect(),
                    methods: Vec::new(),
                    cors: false,
                });
                table.by_template.insert(def.path, index);
            }
            let resource = &mut table.resources[index];
            resource.cors |= def.cors;
            resource.methods.push(def);
        }
        Ok(table)
    }

    pub(crate) fn routes(&self) -> &[Route] {
        &self.routes
    }

    pub(crate) fn matcher(&self) -> &PathMatcher<usize> {
        &self.matcher
    }

    /// Finds the resource: by the resource API Gateway matched when it says
    /// so, otherwise by matching the path the way API Gateway would.
    fn resource_for(&self, incoming: &mut Incoming) -> Option<usize> {
        let named = incoming.routed_resource.as_deref().or_else(|| {
            incoming
                .route_key
                .as_deref()
                .and_then(|key| key.split_once(' ').map(|(_, path)| path))
        });
        if let Some(&index) = named.and_then(|t| self.by_template.get(t)) {
            let order = &self.resources[index].param_names;
            let rank = |name: &str| order.iter().position(|n| n == name).unwrap_or(usize::MAX);
            incoming
                .request
                .path_params
                .sort_by_key(|(name, _)| rank(name));
            return Some(index);
        }
        let found = self.matcher.find(&incoming.request.path)?;
        incoming.request.path_params = found
            .params
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        Some(*found.value)
    }

    fn route(&self, incoming: &mut Incoming) -> Routed {
        let Some(index) = self.resource_for(incoming) else {
            return Routed::NotFound;
        };
        let resource = &self.resources[index];
        incoming.request.resource = Some(resource.template);
        let method = incoming.request.method.as_str();
        let exact = resource
            .methods
            .iter()
            .find(|d| d.method.as_str() == method);
        let names = resource.methods.iter().map(|d| d.method.as_str());
        // As on API Gateway, the preflight answer is an OPTIONS method of its
        // own unless the app defines one: it wins over ANY.
        if exact.is_none() && resource.cors && method == "OPTIONS" {
            return Routed::Preflight(cors::allow_methods(names));
        }
        let any = || resource.methods.iter().find(|d| d.method == Method::Any);
        if let Some(def) = exact.or_else(any) {
            return Routed::Handler(def, resource.cors);
        }
        let mut allowed: Vec<&str> = names.collect();
        allowed.sort_unstable();
        Routed::MethodNotAllowed(allowed.join(", "))
    }
}

fn manifest_route(def: &RouteDef) -> Route {
    Route {
        path: def.path.to_owned(),
        method: def.method,
        authorization_type: def.authorization_type,
        api_key_required: def.api_key_required,
        cors: def.cors,
        content_types: def.content_types.iter().map(|s| (*s).to_owned()).collect(),
        handler: def.handler_path.to_owned(),
        path_parameters: Vec::new(),
        name: def.name.to_owned(),
        source: format!("{}:{}", def.file, def.line),
    }
}

/// A raw event in, a shaped reply out. `Err` only for events that are not
/// HTTP requests at all; everything else gets an HTTP answer.
pub(crate) async fn handle(
    table: &RouteTable,
    event: RawEvent,
) -> Result<ProxyReply, UnknownEvent> {
    let mut incoming = match event.into_incoming()? {
        Ok(incoming) => incoming,
        Err(bad) => return Ok(shape_reply(bad.shape, bad.error.into_response())),
    };
    let shape = incoming.shape;
    let response = match table.route(&mut incoming) {
        Routed::Handler(def, cors) => {
            let mut response = match check_content_type(def, &incoming.request) {
                Ok(()) => call(def, incoming.request).await,
                Err(e) => e.into_response(),
            };
            if cors {
                add_cors_headers(&mut response);
            }
            response
        }
        Routed::Preflight(methods) => {
            let mut response = StatusCode::OK.into_response();
            add_cors_headers(&mut response);
            if let Ok(value) = HeaderValue::from_str(&methods) {
                response.headers_mut().insert(
                    HeaderName::from_static("access-control-allow-methods"),
                    value,
                );
            }
            response
        }
        Routed::MethodNotAllowed(allowed) => {
            let message = format!("Unsupported method: {}", incoming.request.method);
            let mut response = Error::MethodNotAllowed(message).into_response();
            if let Ok(value) = HeaderValue::from_str(&allowed) {
                response.headers_mut().insert(ALLOW, value);
            }
            response
        }
        Routed::NotFound => {
            let message = format!("No route for {}", incoming.request.path);
            Error::NotFound(message).into_response()
        }
    };
    Ok(shape_reply(shape, response))
}

/// Runs the handler; a panic becomes a 500 and the process goes on serving.
async fn call(def: &'static RouteDef, request: Request) -> Response {
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| (def.handler)(request))) {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(payload) => Err(payload),
    };
    outcome.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned());
        tracing::error!(handler = def.handler_path, panic = %message, "handler panicked");
        error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            INTERNAL_MESSAGE,
        )
    })
}

/// A body whose Content-Type the route does not accept gets 415. No
/// Content-Type counts as `application/json`, as in Chalice.
fn check_content_type(def: &RouteDef, request: &Request) -> Result<(), Error> {
    if request.body().is_empty() {
        return Ok(());
    }
    let given = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let essence = given.split(';').next().unwrap_or_default().trim();
    let accepted = def
        .content_types
        .iter()
        .any(|allowed| goblet_core::media::range_matches(allowed, essence));
    if accepted {
        Ok(())
    } else {
        Err(Error::UnsupportedMediaType(format!(
            "Unsupported media type: {essence}"
        )))
    }
}

fn add_cors_headers(response: &mut Response) {
    for (name, value) in cors::response_headers() {
        response.headers_mut().insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
}
