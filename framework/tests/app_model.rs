//! The app model through the test client, exactly as the runtime serves it:
//! state registered with `App::state`, `from_fn` middleware and tower layers
//! (app-wide and per route), extractor rejections, `Option` and `Result`
//! extractors, routes from several modules.

use std::io::Read as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use goblet::extract::{FromRequestParts, StateNeeds};
use goblet::middleware::{Next, from_fn};
use goblet::prelude::*;
use goblet::testing::Client;
use goblet::{App, header};
use serde::Deserialize;

/// A fake for what a real app keeps in state (an SDK client, a table name).
#[derive(Clone)]
struct Table {
    name: &'static str,
    reads: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Greeting(&'static str);

/// The order middleware ran in, for the tests that look.
#[derive(Clone, Default)]
struct Trail(Arc<Mutex<Vec<&'static str>>>);

impl Trail {
    fn push(&self, step: &'static str) {
        self.0.lock().unwrap().push(step);
    }
    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

mod users {
    use super::*;

    #[route("/users/{id}")]
    pub async fn get_user(State(table): State<Table>, Path(id): Path<u32>) -> Json<Value> {
        table.reads.fetch_add(1, Ordering::SeqCst);
        Json(json!({"table": table.name, "id": id}))
    }
}

mod orders {
    use super::*;

    #[route("/orders", methods = ["POST"])]
    pub fn create(Json(order): Json<Value>) -> (StatusCode, Json<Value>) {
        (StatusCode::CREATED, Json(order))
    }
}

#[route("/hello")]
fn hello(State(greeting): State<Greeting>, trail: Option<State<Trail>>) -> String {
    if let Some(State(trail)) = trail {
        trail.push("handler");
    }
    format!("{}!", greeting.0)
}

#[derive(Deserialize)]
struct Note {
    text: String,
}

#[derive(Deserialize)]
struct Page {
    page: u32,
}

#[route("/notes", methods = ["POST"])]
fn note(body: Option<Json<Note>>, page: Option<Query<Page>>) -> String {
    let text = body.map_or_else(|| "no body".to_owned(), |Json(n)| n.text);
    let page = page.map_or(0, |Query(p)| p.page);
    format!("{text} p{page}")
}

#[route("/lenient", methods = ["POST"])]
fn lenient(body: Result<Json<Note>, Error>) -> (StatusCode, String) {
    match body {
        Ok(Json(note)) => (StatusCode::OK, note.text),
        Err(rejection) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            rejection.message().to_owned(),
        ),
    }
}

#[route("/admin/{cmd+}")]
fn admin(Path(cmd): Path<String>) -> String {
    cmd
}

/// Big enough for tower-http's compression (which skips bodies under 32 bytes).
#[route("/report")]
fn report(State(table): State<Table>) -> Json<Value> {
    Json(json!({"table": table.name, "rows": vec!["row"; 100]}))
}

#[route("/slow")]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "too late"
}

/// A user-defined extractor that reads state, and says so.
struct Tenant(String);

impl FromRequestParts for Tenant {
    type Rejection = Error;

    async fn from_request_parts(req: &Request) -> Result<Self, Error> {
        let greeting = req.state::<Greeting>().map_or("?", |g| g.0);
        match req.header("x-tenant") {
            Some(tenant) => Ok(Tenant(format!("{greeting} {tenant}"))),
            None => Err(Error::Unauthorized("Missing x-tenant header".into())),
        }
    }

    fn state_needs(needs: &mut StateNeeds) {
        needs.state::<Greeting>();
    }
}

#[route("/tenant")]
fn tenant(Tenant(tenant): Tenant) -> String {
    tenant
}

fn table() -> Table {
    Table {
        name: "todos",
        reads: Arc::new(AtomicUsize::new(0)),
    }
}

/// Everything the routes above need.
fn app() -> App {
    App::new().state(table()).state(Greeting("Hello"))
}

#[tokio::test]
async fn handlers_take_the_registered_state() {
    let table = table();
    let client = Client::from_app(App::new().state(table.clone()).state(Greeting("Hi")));
    let r = client.get("/users/7").send().await;
    assert_eq!(r.status(), 200, "{}", r.text());
    assert_eq!(r.json::<Value>(), json!({"table": "todos", "id": 7}));
    assert_eq!(
        table.reads.load(Ordering::SeqCst),
        1,
        "the handler's state is the app's"
    );
    assert_eq!(client.get("/hello").send().await.text(), "Hi!");
    // A route in another module, with no state.
    let r = client.post("/orders").json(&json!({"n": 1})).send().await;
    assert_eq!(
        (r.status(), r.json::<Value>()),
        (StatusCode::CREATED, json!({"n": 1}))
    );
}

fn start_failure(app: App) -> String {
    let Err(payload) = catch_unwind(AssertUnwindSafe(|| Client::from_app(app))) else {
        panic!("the app started");
    };
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_state_nobody_registered_stops_the_app_at_start_up() {
    let message = start_failure(App::new().state(table()));
    assert!(
        message.contains("the route GET /hello (app_model::hello) takes State<app_model::Greeting>, but no app_model::Greeting was registered"),
        "{message}"
    );
    // Declared by the user's own extractor too.
    assert!(
        message.contains("GET /tenant (app_model::tenant)"),
        "{message}"
    );
    // `Option<State<Trail>>` needs nothing.
    assert!(!message.contains("Trail"), "{message}");
    assert!(
        message.starts_with("goblet: the app would not start: "),
        "{message}"
    );
}

#[test]
fn a_state_registered_twice_is_an_init_error() {
    let message = start_failure(app().state(Greeting("again")));
    assert!(
        message.contains("the state `app_model::Greeting` is registered twice"),
        "{message}"
    );
}

#[test]
fn a_route_layer_for_no_route_is_an_init_error() {
    let message = start_failure(app().route_layer("/admin/{command+}", from_fn(pass)));
    assert!(
        message.contains("App::route_layer names no route: /admin/{command+}"),
        "{message}"
    );
}

async fn pass(req: Request, next: Next) -> Response {
    next.run(req).await
}

#[tokio::test]
async fn from_fn_middleware_changes_responses_and_short_circuits() {
    async fn guard(req: Request, next: Next) -> Response {
        if req.header("x-key") != Some("secret") {
            return Error::Forbidden("Bad key".into()).into_response();
        }
        let mut response = next.run(req).await;
        response
            .headers_mut()
            .insert("x-checked", HeaderValue::from_static("yes"));
        response
    }
    let table = table();
    let client = Client::from_app(
        App::new()
            .state(table.clone())
            .state(Greeting("Hello"))
            .layer(from_fn(guard)),
    );
    let r = client.get("/users/1").send().await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>(),
        json!({"Code": "ForbiddenError", "Message": "Bad key"})
    );
    assert_eq!(
        table.reads.load(Ordering::SeqCst),
        0,
        "the handler did not run"
    );
    let r = client
        .get("/users/1")
        .header("x-key", "secret")
        .send()
        .await;
    assert_eq!(
        (r.status(), r.header("x-checked")),
        (StatusCode::OK, Some("yes"))
    );
    assert_eq!(table.reads.load(Ordering::SeqCst), 1);
    // Routing answers stay API Gateway's, outside the middleware.
    assert_eq!(client.get("/nowhere").send().await.status(), 404);
}

#[tokio::test]
async fn the_layer_added_last_runs_first() {
    async fn outer(req: Request, next: Next) -> Response {
        req.state::<Trail>().unwrap().push("outer");
        next.run(req).await
    }
    async fn inner(req: Request, next: Next) -> Response {
        req.state::<Trail>().unwrap().push("inner");
        next.run(req).await
    }
    async fn admin_only(req: Request, next: Next) -> Response {
        req.state::<Trail>().unwrap().push("route");
        next.run(req).await
    }
    let trail = Trail::default();
    let client = Client::from_app(
        app()
            .state(trail.clone())
            .route_layer("/hello", from_fn(admin_only))
            .layer(from_fn(inner))
            .layer(from_fn(outer)),
    );
    assert_eq!(client.get("/hello").send().await.text(), "Hello!");
    assert_eq!(trail.take(), ["outer", "inner", "route", "handler"]);
    // The route layer is for /hello only.
    assert_eq!(client.get("/users/2").send().await.status(), 200);
    assert_eq!(trail.take(), ["outer", "inner"]);
}

#[tokio::test]
async fn tower_http_layers_apply_to_goblet_routes() {
    use tower_http::compression::CompressionLayer;
    use tower_http::set_header::SetResponseHeaderLayer;
    use tower_http::timeout::TimeoutLayer;

    let client = Client::from_app(
        app()
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            .layer(CompressionLayer::new())
            .route_layer(
                "/slow",
                TimeoutLayer::with_status_code(
                    StatusCode::GATEWAY_TIMEOUT,
                    Duration::from_millis(50),
                ),
            ),
    );
    let r = client.get("/users/3").send().await;
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.json::<Value>()["id"], 3);

    let r = client
        .get("/report")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!(
        r.bytes().len() < 100,
        "compressed: {} bytes",
        r.bytes().len()
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(&r.bytes()[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["table"],
        "todos"
    );

    let r = client.get("/slow").send().await;
    assert_eq!(r.status(), 504, "{}", r.text());
}

#[tokio::test]
async fn a_panic_in_middleware_is_a_500_and_the_next_request_is_served() {
    async fn explode(req: Request, next: Next) -> Response {
        if req.header("x-explode").is_some() {
            panic!("middleware bug");
        }
        next.run(req).await
    }
    let client = Client::from_app(app().layer(from_fn(explode)));
    let r = client.get("/hello").header("x-explode", "1").send().await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.json::<Value>(),
        json!({"Code": "InternalServerError", "Message": "An internal server error occurred."})
    );
    assert_eq!(client.get("/hello").send().await.text(), "Hello!");
}

#[tokio::test]
async fn option_is_none_when_absent_and_a_rejection_when_invalid() {
    let client = Client::from_app(app());
    let r = client.post("/notes").send().await;
    assert_eq!(r.text(), "no body p0");
    let r = client
        .post("/notes?page=3")
        .json(&json!({"text": "hi"}))
        .send()
        .await;
    assert_eq!(r.text(), "hi p3");
    // Present but malformed: the rejection, not a silent None.
    let r = client.post("/notes").body("{not json").send().await;
    assert_eq!(r.status(), 400);
    assert!(
        r.json::<Value>()["Message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid JSON body")
    );
    let r = client.post("/notes?page=x").send().await;
    assert_eq!(r.status(), 400);
    assert!(
        r.json::<Value>()["Message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid query string")
    );
}

#[tokio::test]
async fn a_result_extractor_hands_the_rejection_to_the_handler() {
    let client = Client::from_app(app());
    let r = client
        .post("/lenient")
        .json(&json!({"text": "ok"}))
        .send()
        .await;
    assert_eq!((r.status(), r.text()), (StatusCode::OK, "ok".to_owned()));
    let r = client.post("/lenient").body("[1]").send().await;
    assert_eq!(r.status(), 422);
    assert!(r.text().starts_with("Invalid JSON body"), "{}", r.text());
}

#[tokio::test]
async fn user_extractors_read_state_and_reject() {
    let client = Client::from_app(app());
    let r = client
        .get("/tenant")
        .header("x-tenant", "acme")
        .send()
        .await;
    assert_eq!(r.text(), "Hello acme");
    let r = client.get("/tenant").send().await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>()["Message"], "Missing x-tenant header");
    let r = client.get("/admin/a/b").send().await;
    assert_eq!(r.text(), "a/b");
}
