//! One route table, built once at start-up from the registered handlers, and
//! the path from a raw event to a shaped proxy reply.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt as _;
use goblet_core::api::{Api, Resolved, Resource};
use goblet_core::{Manifest, ManifestError, Method, Route, cors};
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, StatusCode};

use crate::app::App;
use crate::authorizer::AuthorizerDef;
use crate::error::{Error, INTERNAL_MESSAGE, error_response};
use crate::event::{Incoming, RawEvent, UnknownEvent};
use crate::function::Functions;
use crate::middleware::Endpoint;
use crate::reply::{ProxyReply, shape_reply};
use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::route::RouteDef;
use crate::state::{AppState, StateNeeds};

/// The app, ready to serve: its route table, each route's handler inside its
/// middleware, and the state handlers share. Built once, at start-up.
pub(crate) struct Served {
    table: RouteTable,
    functions: Functions,
    /// By manifest route index, as [`RouteTable::handlers`].
    endpoints: Vec<Endpoint>,
    state: AppState,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("table", &self.table)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Served {
    /// Every start-up check of an app: the routes (as `goblet manifest`
    /// checks them), every state a handler takes registered once, every
    /// route layer's path a route. The message says what to fix.
    pub(crate) fn new(
        mut app: App,
        defs: impl IntoIterator<Item = &'static RouteDef>,
    ) -> Result<Served, String> {
        let table =
            RouteTable::build(defs, crate::authorizer::registered()).map_err(|e| e.to_string())?;
        let state = app.take_state()?;
        let functions = Functions::new(crate::function::registered(), state.clone())?;
        let mut missing = Vec::new();
        for def in &table.handlers {
            let mut needs = StateNeeds::default();
            (def.state_needs)(&mut needs);
            for needed in needs.iter().filter(|n| !state.contains(n)) {
                missing.push(format!(
                    "the route {} {} ({}) takes State<{needed}>, but no {needed} was registered: \
                     add `.state(value)` to the App your #[goblet::main] returns",
                    def.method, def.path, def.handler_path
                ));
            }
        }
        missing.dedup();
        if !missing.is_empty() {
            return Err(missing.join("; "));
        }
        let unknown: Vec<&str> = app
            .unknown_route_layers(|path| table.handlers.iter().any(|d| d.path == path))
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "App::route_layer names no route: {} (a route layer takes a path template exactly \
                 as a #[route] declares it, such as \"/users/{{id}}\")",
                unknown.join(", ")
            ));
        }
        let endpoints = table
            .handlers
            .iter()
            .map(|&def| {
                let handler: Endpoint = std::sync::Arc::new(def.handler);
                app.wrap(def.path, handler)
            })
            .collect();
        Ok(Served {
            table,
            functions,
            endpoints,
            state,
        })
    }

    pub(crate) fn table(&self) -> &RouteTable {
        &self.table
    }

    pub(crate) fn functions(&self) -> &Functions {
        &self.functions
    }

    /// The authorizer guarding `method` `path` (an authorizer event's method
    /// ARN); the app's only authorizer when the route names none, since
    /// API Gateway may ask it about any route its cached policy covers.
    pub(crate) fn authorizer_for(
        &self,
        method: &str,
        path: &str,
    ) -> Option<&'static AuthorizerDef> {
        let table = &self.table;
        let named = table
            .api
            .find(path)
            .and_then(|found| match found.resource.resolve(method) {
                Resolved::Method(m) => table.handlers[m.route].authorizer,
                _ => None,
            });
        match named {
            Some(name) => table.authorizers.iter().find(|a| a.name == name).copied(),
            None => match table.authorizers.as_slice() {
                [only] => Some(*only),
                _ => None,
            },
        }
    }
}

/// All routes of the binary: the API model of their manifest, and the
/// handler of each of its methods.
#[derive(Debug)]
pub(crate) struct RouteTable {
    /// The registered handlers as manifest routes, sorted: what the binary's
    /// embedded manifest must say.
    routes: Vec<Route>,
    api: Api,
    /// By manifest route index ([`goblet_core::api::ApiMethod::route`]).
    handlers: Vec<&'static RouteDef>,
    authorizers: Vec<&'static AuthorizerDef>,
}

/// How a request found (or did not find) its handler.
enum Routed {
    /// The route's definition and index, and whether its resource has CORS.
    Handler(&'static RouteDef, usize, bool),
    Preflight(String),
    MethodNotAllowed(String),
    NotFound,
}

impl RouteTable {
    /// Builds the table, with the same checks `goblet manifest` applies: every
    /// path valid, no (path, method) claimed twice, API Gateway's parameter rules.
    pub(crate) fn build(
        defs: impl IntoIterator<Item = &'static RouteDef>,
        authorizers: impl IntoIterator<Item = &'static AuthorizerDef>,
    ) -> Result<RouteTable, ManifestError> {
        let defs: Vec<&'static RouteDef> = defs.into_iter().collect();
        let authorizers: Vec<&'static AuthorizerDef> = authorizers.into_iter().collect();
        let checked = Manifest::with_authorizers(
            String::new(),
            String::new(),
            defs.iter().map(|d| manifest_route(d)).collect(),
            authorizers.iter().map(|a| manifest_authorizer(a)).collect(),
        )?;
        // `Manifest::new` sorts the routes and refuses a (path, method)
        // claimed twice, so each route has exactly one definition.
        let by_route: HashMap<(&str, Method), &'static RouteDef> =
            defs.iter().map(|d| ((d.path, d.method), *d)).collect();
        let handlers = checked
            .routes
            .iter()
            .map(|r| by_route[&(r.path.as_str(), r.method)])
            .collect();
        Ok(RouteTable {
            api: Api::new(&checked),
            routes: checked.routes,
            handlers,
            authorizers,
        })
    }

    pub(crate) fn routes(&self) -> &[Route] {
        &self.routes
    }

    pub(crate) fn api(&self) -> &Api {
        &self.api
    }

    /// Finds the resource: by the resource API Gateway matched when it says
    /// so, otherwise by matching the path the way API Gateway would.
    fn resource_for(&self, incoming: &mut Incoming) -> Option<&Resource> {
        let named = incoming.routed_resource.as_deref().or_else(|| {
            incoming
                .route_key
                .as_deref()
                .and_then(|key| key.split_once(' ').map(|(_, path)| path))
        });
        if let Some(resource) = named.and_then(|t| self.api.resource(t))
            && !resource.methods.is_empty()
        {
            let order = &resource.param_names;
            let rank = |name: &str| order.iter().position(|n| n == name).unwrap_or(usize::MAX);
            incoming
                .request
                .path_params
                .sort_by_key(|(name, _)| rank(name));
            return Some(resource);
        }
        let found = self.api.find(&incoming.request.path)?;
        incoming.request.path_params = found
            .params
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        Some(found.resource)
    }

    fn route(&self, incoming: &mut Incoming) -> Routed {
        let Some(resource) = self.resource_for(incoming) else {
            return Routed::NotFound;
        };
        let index = match resource.resolve(incoming.request.method.as_str()) {
            Resolved::Method(method) => method.route,
            Resolved::Preflight(allow) => return Routed::Preflight(allow.to_owned()),
            Resolved::NotAllowed => {
                let mut allowed: Vec<&str> =
                    resource.methods.iter().map(|m| m.method.as_str()).collect();
                allowed.sort_unstable();
                return Routed::MethodNotAllowed(allowed.join(", "));
            }
        };
        let handler = self.handlers[index];
        // `Resource::path` is the handler's own `&'static` template.
        incoming.request.resource = Some(handler.path);
        Routed::Handler(handler, index, resource.cors())
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
        authorizer: def.authorizer.map(str::to_owned),
        authorization_scopes: def.scopes.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn manifest_authorizer(def: &AuthorizerDef) -> goblet_core::Authorizer {
    goblet_core::Authorizer {
        name: def.name.to_owned(),
        kind: def.kind,
        identity_sources: def
            .identity_sources
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        ttl_seconds: def.ttl_seconds,
        handler: def.handler_path.to_owned(),
        source: format!("{}:{}", def.file, def.line),
    }
}

/// A raw event in, a shaped reply out. `Err` only for events that are not
/// HTTP requests at all; everything else gets an HTTP answer.
pub(crate) async fn handle(served: &Served, event: RawEvent) -> Result<ProxyReply, UnknownEvent> {
    let table = &served.table;
    let mut incoming = match event.into_incoming()? {
        Ok(incoming) => incoming,
        Err(bad) => return Ok(shape_reply(bad.shape, bad.error.into_response())),
    };
    let shape = incoming.shape;
    let response = match table.route(&mut incoming) {
        Routed::Handler(def, index, cors) => {
            let mut response = match check_content_type(def, &incoming.request) {
                Ok(()) => {
                    let mut request = incoming.request;
                    request.state = served.state.clone();
                    call(def, &served.endpoints[index], request).await
                }
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

/// Runs the route's middleware and handler; a panic in either becomes a 500
/// and the process goes on serving.
async fn call(def: &'static RouteDef, endpoint: &Endpoint, request: Request) -> Response {
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| endpoint(request))) {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(payload) => Err(payload),
    };
    outcome.unwrap_or_else(|payload| {
        let message = crate::runtime::panic_message(payload.as_ref());
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
