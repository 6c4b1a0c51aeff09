//! [`App`]: what an app's `#[goblet::main]` builds once, in Lambda's init
//! phase — shared state and middleware — before the first event.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

use crate::middleware::{self, Endpoint};
use crate::state::{AppState, StateType};

/// The box every error of an app's `main` becomes: `?` works on any error type.
///
/// ```
/// fn table() -> Result<(String, u32), goblet::BoxError> {
///     let name = std::env::var("TABLE_NAME")?; // std::env::VarError
///     let page: u32 = "25".parse()?; // std::num::ParseIntError
///     Ok((name, page))
/// }
/// assert!(table().is_err() || std::env::var("TABLE_NAME").is_ok());
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The app as the macros describe it.
#[derive(Debug, Clone, Copy)]
pub struct AppDef {
    /// The app's name: the package name unless `app_name = "..."` says otherwise.
    pub name: &'static str,
}

/// An app: its routes (every `#[route]` in the binary), the state its handlers
/// share and the middleware around them. Built by the app's `#[goblet::main]`
/// function, once per execution environment:
///
/// ```
/// use goblet::middleware::{Next, from_fn};
/// use goblet::prelude::*;
///
/// #[derive(Clone)]
/// struct Table(String);
///
/// async fn audit(req: Request, next: Next) -> Response {
///     let path = req.path().to_owned();
///     let response = next.run(req).await;
///     tracing::info!(%path, status = response.status().as_u16(), "served");
///     response
/// }
///
/// let app = goblet::App::new()
///     .state(Table("todos".into()))
///     .layer(from_fn(audit));
/// # let _ = app;
/// ```
#[derive(Default)]
pub struct App {
    states: Vec<(StateType, Box<dyn Any + Send + Sync>)>,
    /// App-wide layers, innermost first.
    layers: Vec<Wrap>,
    /// Per-route layers by path template, innermost first.
    route_layers: Vec<(String, Wrap)>,
}

/// A layer, ready to wrap an endpoint.
pub(crate) type Wrap = Arc<dyn Fn(Endpoint) -> Endpoint + Send + Sync>;

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let states: Vec<_> = self.states.iter().map(|(t, _)| t.name).collect();
        let routes: Vec<_> = self.route_layers.iter().map(|(p, _)| p.as_str()).collect();
        f.debug_struct("App")
            .field("states", &states)
            .field("layers", &self.layers.len())
            .field("route_layers", &routes)
            .finish()
    }
}

impl App {
    /// An app with no state and no middleware: every `#[route]` of the binary.
    /// What `goblet::app!()` serves.
    ///
    /// ```
    /// let app = goblet::App::new();
    /// assert_eq!(format!("{app:?}"), r#"App { states: [], layers: 0, route_layers: [] }"#);
    /// ```
    pub fn new() -> App {
        App::default()
    }

    /// Registers a value handlers take with [`State<T>`](crate::State), one
    /// per type. Registering a type twice is an init error.
    ///
    /// ```
    /// use goblet::prelude::*;
    ///
    /// #[derive(Clone)]
    /// struct Table(&'static str);
    /// #[derive(Clone)]
    /// struct PageSize(u32);
    ///
    /// #[route("/items")]
    /// fn items(State(table): State<Table>, State(size): State<PageSize>) -> String {
    ///     format!("the first {} items of {}", size.0, table.0)
    /// }
    ///
    /// let app = goblet::App::new().state(Table("items")).state(PageSize(25));
    /// # let _ = app;
    /// ```
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> App {
        self.states.push((StateType::of::<T>(), Box::new(value)));
        self
    }

    /// Wraps every route in `layer`: a [`from_fn`](crate::middleware::from_fn)
    /// middleware, or any [`tower::Layer`](tower_layer::Layer) whose service
    /// takes `http::Request<goblet::Body>` and answers `http::Response<B>` for
    /// any body `B` (tower-http's layers, for instance). The layer added last
    /// runs first, as in axum.
    ///
    /// ```
    /// use goblet::http::{HeaderName, HeaderValue};
    /// use goblet::middleware::{Next, from_fn};
    /// use goblet::prelude::*;
    /// use tower_http::set_header::SetResponseHeaderLayer;
    ///
    /// async fn timed(req: Request, next: Next) -> Response {
    ///     let started = std::time::Instant::now();
    ///     let response = next.run(req).await;
    ///     tracing::info!(elapsed_ms = started.elapsed().as_secs_f64() * 1e3, "served");
    ///     response
    /// }
    ///
    /// let app = goblet::App::new()
    ///     .layer(from_fn(timed))
    ///     // Runs first: the header is set on whatever `timed` returns.
    ///     .layer(SetResponseHeaderLayer::overriding(
    ///         HeaderName::from_static("x-content-type-options"),
    ///         HeaderValue::from_static("nosniff"),
    ///     ));
    /// # let _ = app;
    /// ```
    pub fn layer<L>(mut self, layer: L) -> App
    where
        L: middleware::IntoWrap,
    {
        self.layers.push(layer.into_wrap());
        self
    }

    /// Wraps the routes of one path template (all their methods), such as
    /// `"/admin/{cmd+}"`, in `layer`, inside the app-wide layers. A template
    /// no route has is an init error.
    ///
    /// ```
    /// use goblet::middleware::{Next, from_fn};
    /// use goblet::prelude::*;
    ///
    /// #[route("/admin/{cmd+}", methods = ["POST"])]
    /// fn admin(Path(cmd): Path<String>) -> String {
    ///     format!("ran {cmd}")
    /// }
    ///
    /// /// Only callers signed as an IAM user reach the admin commands.
    /// async fn iam_users_only(req: Request, next: Next) -> Response {
    ///     if req.identity().user_arn.is_none() {
    ///         return Error::Forbidden("Admins only".into()).into_response();
    ///     }
    ///     next.run(req).await
    /// }
    ///
    /// let app = goblet::App::new().route_layer("/admin/{cmd+}", from_fn(iam_users_only));
    /// # let _ = app;
    /// ```
    pub fn route_layer<L>(mut self, path: &str, layer: L) -> App
    where
        L: middleware::IntoWrap,
    {
        self.route_layers.push((path.to_owned(), layer.into_wrap()));
        self
    }

    /// The states, checked: each type registered once.
    pub(crate) fn take_state(&mut self) -> Result<AppState, String> {
        let mut seen: Vec<StateType> = Vec::new();
        for (ty, _) in &self.states {
            if seen.contains(ty) {
                return Err(format!(
                    "the state `{ty}` is registered twice with App::state; register each type once \
                     (wrap one of them in a type of its own)"
                ));
            }
            seen.push(*ty);
        }
        let values = std::mem::take(&mut self.states)
            .into_iter()
            .map(|(ty, value)| (ty.id, value))
            .collect::<Vec<(TypeId, _)>>();
        Ok(AppState::new(values))
    }

    /// The endpoint of one route: its handler inside the route's layers, then
    /// the app's.
    pub(crate) fn wrap(&self, path: &str, handler: Endpoint) -> Endpoint {
        let route_layers = self
            .route_layers
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, w)| w);
        route_layers
            .chain(&self.layers)
            .fold(handler, |inner, wrap| wrap(inner))
    }

    /// Route-layer templates that name no route.
    pub(crate) fn unknown_route_layers<'a>(
        &'a self,
        mut known: impl FnMut(&str) -> bool + 'a,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.route_layers
            .iter()
            .map(|(p, _)| p.as_str())
            .filter(move |p| !known(p))
    }
}

/// What an app's `#[goblet::main]` function may return: an [`App`], or a
/// `Result` whose error becomes the init error.
///
/// ```no_run
/// // src/main.rs
/// #[goblet::main]
/// async fn main() -> Result<goblet::App, goblet::BoxError> {
///     let table = std::env::var("TABLE_NAME")?; // unset: the function's init error
///     Ok(goblet::App::new().state(table))
/// }
/// ```
///
/// `async fn main() -> goblet::App` is the form for a `main` that cannot fail.
#[diagnostic::on_unimplemented(
    message = "`#[goblet::main]` must return the app, not `{Self}`",
    label = "not an app",
    note = "return `goblet::App` or `Result<goblet::App, E>` where `E` converts into `goblet::BoxError`"
)]
pub trait IntoApp {
    fn into_app(self) -> Result<App, BoxError>;
}

impl IntoApp for App {
    fn into_app(self) -> Result<App, BoxError> {
        Ok(self)
    }
}

impl<E: Into<BoxError>> IntoApp for Result<App, E> {
    fn into_app(self) -> Result<App, BoxError> {
        self.map_err(Into::into)
    }
}
