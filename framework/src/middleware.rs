//! Middleware: code around the handlers, app-wide
//! ([`App::layer`](crate::App::layer)) or for one route
//! ([`App::route_layer`](crate::App::route_layer)).
//!
//! Two kinds fit: a function of the request and the rest of the chain
//! ([`from_fn`]), and any [`tower::Layer`](tower_layer::Layer) over
//! `http::Request<goblet::Body>` — tower-http's compression, timeouts,
//! request ids, headers and tracing included. A panic in middleware is a 500,
//! as a handler's is, and the function goes on serving.
//!
//! ```
//! use goblet::middleware::{Next, from_fn};
//! use goblet::prelude::*;
//!
//! /// Refuses callers without an API version header, before any handler runs.
//! async fn require_version(req: Request, next: Next) -> Response {
//!     if req.header("x-api-version").is_none() {
//!         return Error::BadRequest("Missing x-api-version header".into()).into_response();
//!     }
//!     let mut response = next.run(req).await;
//!     response
//!         .headers_mut()
//!         .insert("x-served-by", HeaderValue::from_static("goblet"));
//!     response
//! }
//!
//! let app = goblet::App::new().layer(from_fn(require_version));
//! # let _ = app;
//! ```

use std::any::Any;
use std::convert::Infallible;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt as _;
use tower_layer::Layer;
use tower_service::Service;

use crate::app::{BoxError, Wrap};
use crate::error::Error;
use crate::request::Request;
use crate::response::{Body, IntoResponse, Response};
use crate::route::BoxFuture;

/// A handler with everything inside it: what a layer wraps.
pub(crate) type Endpoint = Arc<dyn Fn(Request) -> BoxFuture + Send + Sync>;

/// The rest of the chain, for a [`from_fn`] middleware to call (or not).
///
/// ```
/// use goblet::middleware::Next;
/// use goblet::prelude::*;
///
/// /// Answers HEAD probes of `/health` itself; every other request goes on.
/// async fn health(req: Request, next: Next) -> Response {
///     if req.method() == goblet::http::Method::HEAD && req.path() == "/health" {
///         return StatusCode::NO_CONTENT.into_response();
///     }
///     next.run(req).await
/// }
/// # let _ = goblet::App::new().layer(goblet::middleware::from_fn(health));
/// ```
pub struct Next {
    inner: Endpoint,
}

impl fmt::Debug for Next {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").finish_non_exhaustive()
    }
}

impl Next {
    /// Runs the inner middleware and the handler, with `req` as the
    /// middleware left it.
    ///
    /// ```
    /// use goblet::middleware::Next;
    /// use goblet::prelude::*;
    ///
    /// /// Gives every request an id the handlers can read, if it has none.
    /// async fn request_id(mut req: Request, next: Next) -> Response {
    ///     if req.header("x-request-id").is_none() {
    ///         let id = req.context().request_id.clone().unwrap_or_default();
    ///         if let Ok(value) = HeaderValue::from_str(&id) {
    ///             req.headers_mut().insert("x-request-id", value);
    ///         }
    ///     }
    ///     next.run(req).await
    /// }
    /// # let _ = goblet::App::new().layer(goblet::middleware::from_fn(request_id));
    /// ```
    pub async fn run(self, req: Request) -> Response {
        (self.inner)(req).await
    }
}

/// Middleware from an async function of the [`Request`] and [`Next`]: it may
/// change the request, answer without calling `next` (short-circuit), or
/// change the response. Returns anything [`IntoResponse`].
///
/// ```
/// use goblet::middleware::{Next, from_fn};
/// use goblet::prelude::*;
///
/// /// Turns every 5xx into the same terse body, after logging what it was.
/// async fn hide_errors(req: Request, next: Next) -> Result<Response, Error> {
///     let response = next.run(req).await;
///     if response.status().is_server_error() {
///         tracing::error!(status = response.status().as_u16(), "a handler failed");
///         return Err(Error::internal("the handler failed"));
///     }
///     Ok(response)
/// }
///
/// let app = goblet::App::new().layer(from_fn(hide_errors));
/// # let _ = app;
/// ```
pub fn from_fn<F, Fut, R>(f: F) -> FromFnLayer
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + 'static,
    R: IntoResponse,
{
    let f = Arc::new(f);
    FromFnLayer {
        f: Arc::new(move |req, next| {
            let f = Arc::clone(&f);
            Box::pin(async move { f(req, next).await.into_response() })
        }),
    }
}

/// The layer [`from_fn`] makes. It is also a [`tower::Layer`](tower_layer::Layer)
/// over [`Route`], and cheap to clone: one middleware can wrap several routes.
///
/// ```
/// use goblet::middleware::{FromFnLayer, Next, from_fn};
/// use goblet::prelude::*;
///
/// #[route("/reports/{id}")]
/// fn report(Path(id): Path<u32>) -> String {
///     format!("report {id}")
/// }
///
/// #[route("/exports/{id}")]
/// fn export(Path(id): Path<u32>) -> String {
///     format!("export {id}")
/// }
///
/// async fn audited(req: Request, next: Next) -> Response {
///     tracing::info!(path = req.path(), "audited access");
///     next.run(req).await
/// }
///
/// let audit: FromFnLayer = from_fn(audited);
/// let app = goblet::App::new()
///     .route_layer("/reports/{id}", audit.clone())
///     .route_layer("/exports/{id}", audit);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct FromFnLayer {
    f: Arc<dyn Fn(Request, Next) -> BoxFuture + Send + Sync>,
}

impl fmt::Debug for FromFnLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromFnLayer").finish_non_exhaustive()
    }
}

impl FromFnLayer {
    fn wrap(&self, inner: Endpoint) -> Endpoint {
        let f = Arc::clone(&self.f);
        Arc::new(move |req| {
            let next = Next {
                inner: Arc::clone(&inner),
            };
            f(req, next)
        })
    }
}

impl Layer<Route> for FromFnLayer {
    type Service = Route;

    fn layer(&self, inner: Route) -> Route {
        Route(self.wrap(inner.0))
    }
}

/// The routes inside a layer, as a tower [`Service`] of
/// `http::Request<Body>`: what [`App::layer`](crate::App::layer)'s tower
/// layers wrap. A layer of your own names it as its inner service:
///
/// ```
/// use std::task::{Context, Poll};
///
/// use goblet::middleware::Route;
/// use goblet::Body;
/// use tower_layer::layer_fn;
/// use tower_service::Service;
///
/// /// Counts the requests that reach the routes.
/// #[derive(Clone)]
/// struct Counted {
///     inner: Route,
///     seen: std::sync::Arc<std::sync::atomic::AtomicU64>,
/// }
///
/// impl Service<goblet::http::Request<Body>> for Counted {
///     type Response = <Route as Service<goblet::http::Request<Body>>>::Response;
///     type Error = <Route as Service<goblet::http::Request<Body>>>::Error;
///     type Future = <Route as Service<goblet::http::Request<Body>>>::Future;
///
///     fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
///         self.inner.poll_ready(cx)
///     }
///
///     fn call(&mut self, req: goblet::http::Request<Body>) -> Self::Future {
///         self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         self.inner.call(req)
///     }
/// }
///
/// let seen = std::sync::Arc::default();
/// let app = goblet::App::new().layer(layer_fn(move |inner| Counted {
///     inner,
///     seen: std::sync::Arc::clone(&seen),
/// }));
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct Route(Endpoint);

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route").finish_non_exhaustive()
    }
}

impl Service<http::Request<Body>> for Route {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>>>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let inner = Arc::clone(&self.0);
        Box::pin(async move {
            Ok(match Request::from_http(request) {
                Ok(request) => inner(request).await,
                Err(_) => Error::internal("a tower layer dropped the request's extensions")
                    .into_response(),
            })
        })
    }
}

/// What [`App::layer`](crate::App::layer) takes: a [`from_fn`] layer, or a
/// tower layer over [`Route`]. Implemented for every such layer; not meant to
/// be implemented by hand.
pub trait IntoWrap: sealed::Sealed {
    #[doc(hidden)]
    fn into_wrap(self) -> Wrap;
}

mod sealed {
    pub trait Sealed {}
}

impl<L, B> sealed::Sealed for L
where
    L: Layer<Route> + Send + Sync + 'static,
    L::Service: Service<http::Request<Body>, Response = http::Response<B>>,
{
}

impl<L, B> IntoWrap for L
where
    L: Layer<Route> + Send + Sync + 'static,
    L::Service:
        Service<http::Request<Body>, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    <L::Service as Service<http::Request<Body>>>::Error: Into<BoxError>,
    <L::Service as Service<http::Request<Body>>>::Future: 'static,
    B: http_body::Body + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    fn into_wrap(self) -> Wrap {
        // `from_fn` middleware works on goblet's `Request` directly: no trip
        // through `http::Request` and back.
        if let Some(from_fn) = (&self as &dyn Any).downcast_ref::<FromFnLayer>() {
            let from_fn = from_fn.clone();
            return Arc::new(move |inner| from_fn.wrap(inner));
        }
        Arc::new(move |inner| tower_endpoint(self.layer(Route(inner))))
    }
}

/// An endpoint calling a tower service: the request into `http`'s type, the
/// response's body collected (Lambda answers with whole bodies anyway).
fn tower_endpoint<S, B>(service: S) -> Endpoint
where
    S: Service<http::Request<Body>, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: 'static,
    B: http_body::Body + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    Arc::new(move |req: Request| {
        let mut service = service.clone();
        Box::pin(async move {
            if let Err(e) = poll_fn(|cx| service.poll_ready(cx)).await {
                return layer_failed(e.into());
            }
            let response = match service.call(req.into_http()).await {
                Ok(response) => response,
                Err(e) => return layer_failed(e.into()),
            };
            let (parts, body) = response.into_parts();
            match collect(body).await {
                Ok(body) => Response::from_parts(parts, body),
                Err(e) => layer_failed(e),
            }
        })
    })
}

/// A response body, whole. goblet's own [`Body`] is taken as it is.
async fn collect<B>(body: B) -> Result<Body, BoxError>
where
    B: http_body::Body + 'static,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    let mut body = Some(body);
    if let Some(own) = (&mut body as &mut dyn Any).downcast_mut::<Option<Body>>() {
        return Ok(own.take().unwrap_or_default());
    }
    let Some(body) = body else {
        return Ok(Body::empty());
    };
    let mut bytes = bytes::BytesMut::new();
    let mut body = std::pin::pin!(body);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(Into::into)?.into_data() {
            bytes.extend_from_slice(&data.into());
        }
    }
    Ok(Body::from(bytes.freeze()))
}

/// A tower layer's own error (a timeout, an overload): a 500 whose details
/// go to the log, as a handler's error would.
fn layer_failed(error: BoxError) -> Response {
    Error::Internal(error).into_response()
}
