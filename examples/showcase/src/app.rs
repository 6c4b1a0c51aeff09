use std::collections::BTreeMap;
use std::time::Duration;

use goblet::http::header;
use goblet::prelude::*;
use serde::Deserialize;

/// A 1×1 transparent PNG.
pub const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

#[route("/")]
fn index() -> Json<Value> {
    Json(json!({"hello": "world"}))
}

/// Who called: API Gateway fills this in after verifying the SigV4 signature.
#[route("/whoami", auth = "iam")]
async fn whoami(ctx: Context) -> Json<Value> {
    let id = &ctx.identity;
    Json(json!({
        "userArn": id.user_arn, "accessKey": id.access_key, "accountId": id.account_id,
        "caller": id.caller, "user": id.user, "sourceIp": id.source_ip, "userAgent": id.user_agent,
        "stage": ctx.stage, "requestId": ctx.request_id,
    }))
}

#[route("/users/{id}")]
async fn get_user(Path(id): Path<u32>) -> Json<Value> {
    Json(json!({"id": id}))
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
}

/// Two parameters whose names sort the other way round: a tuple takes them in
/// template order, whatever order the event lists them in.
#[route("/teams/{team}/members/{member}")]
fn member(Path((team, member)): Path<(String, u32)>) -> Json<Value> {
    Json(json!({"team": team, "member": member}))
}

#[route("/users", methods = ["POST"])]
async fn create_user(Json(user): Json<NewUser>) -> (StatusCode, Json<Value>) {
    (
        StatusCode::CREATED,
        Json(json!({"id": 7, "name": user.name})),
    )
}

#[derive(Deserialize)]
struct ItemPath {
    id: String,
}

#[route("/items/{id}", methods = ["GET", "PUT", "DELETE"])]
async fn item(
    method: goblet::http::Method,
    Path(p): Path<ItemPath>,
    body: Option<Json<Value>>,
) -> Response {
    match method.as_str() {
        "DELETE" => StatusCode::NO_CONTENT.into_response(),
        "PUT" => Json(json!({"id": p.id, "replaced_with": body.map(|b| b.0)})).into_response(),
        _ => Json(json!({"id": p.id})).into_response(),
    }
}

/// Everything about the request, for checking what the runtime saw.
#[route("/echo", methods = ["ANY"], content_types = ["*/*"])]
async fn echo(req: Request) -> Json<Value> {
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in req.query_pairs() {
        query.entry(k).or_default().push(v);
    }
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in req.headers() {
        headers
            .entry(k.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(v.as_bytes()).into_owned());
    }
    Json(json!({
        "method": req.method().as_str(),
        "path": req.path(),
        "resource": req.resource(),
        "query": query,
        "headers": headers,
        "body": String::from_utf8_lossy(req.body()),
        "body_len": req.body().len(),
    }))
}

#[route("/files/{path+}")]
fn files(Path(path): Path<String>) -> String {
    format!("file: {path}")
}

#[route("/search")]
fn search(Query(q): Query<BTreeMap<String, String>>) -> Json<Value> {
    Json(json!(q))
}

#[route("/pixel.png")]
fn pixel() -> ([(header::HeaderName, &'static str); 1], &'static [u8]) {
    ([(header::CONTENT_TYPE, "image/png")], PIXEL_PNG)
}

#[route("/upload", methods = ["POST"], content_types = ["application/octet-stream", "image/png"])]
fn upload(body: Bytes) -> Json<Value> {
    let sum: u64 = body.iter().map(|b| u64::from(*b)).sum();
    Json(json!({"size": body.len(), "byte_sum": sum}))
}

#[route("/errors/{kind}")]
fn errors(Path(kind): Path<String>) -> Result<&'static str, Error> {
    match kind.as_str() {
        "bad-request" => Err(Error::BadRequest("bad things".into())),
        "unauthorized" => Err(Error::Unauthorized("who are you".into())),
        "forbidden" => Err(Error::Forbidden("not you".into())),
        "not-found" => Err(Error::NotFound("no such thing".into())),
        "conflict" => Err(Error::Conflict("already there".into())),
        "unprocessable" => Err(Error::UnprocessableEntity("cannot do".into())),
        "too-many" => Err(Error::TooManyRequests("slow down".into())),
        "internal" => {
            std::fs::read("/nonexistent/secret/path")?;
            Ok("unreachable")
        }
        _ => Ok("no error"),
    }
}

#[route("/panic")]
fn panics() -> &'static str {
    panic!("the handler gave up")
}

#[route("/stage")]
fn stage(vars: StageVariables, ctx: Context) -> Json<Value> {
    Json(json!({"stage": ctx.stage, "variables": vars.0}))
}

#[route("/cors", methods = ["GET", "POST"], cors = true)]
fn cors() -> Json<Value> {
    Json(json!({"cors": true}))
}

#[route("/keyed", api_key = true)]
fn keyed() -> &'static str {
    "you have a key"
}

#[route("/cookies")]
fn cookies() -> Response {
    goblet::http::Response::builder()
        .header(header::SET_COOKIE, "a=1; Path=/")
        .header(header::SET_COOKIE, "b=2; Path=/")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("two cookies"))
        .unwrap_or_default()
}

/// Blocks the (single) runtime thread, as slow work does: for timeout tests.
#[route("/sleep/{ms}")]
fn sleep(Path(ms): Path<u64>) -> Json<Value> {
    std::thread::sleep(Duration::from_millis(ms));
    Json(json!({"slept_ms": ms}))
}

/// A line at every level, inside a span with a field, through `tracing`:
/// for the logging tests (what the log format and level let through).
#[route("/log")]
fn log() -> &'static str {
    let span = tracing::info_span!("order", order_id = 42);
    let _entered = span.enter();
    tracing::trace!("trace line");
    tracing::debug!("debug line");
    tracing::info!(items = 3, "info line");
    tracing::warn!("warn line");
    tracing::error!("error line");
    "logged"
}

/// Kills the process, as a segfault or OOM would: for crash tests.
#[route("/crash")]
fn crash() -> &'static str {
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use goblet::EventFormat;
    use goblet::testing::Client;
    use goblet::{Value, json};

    const FORMATS: [EventFormat; 4] = [
        EventFormat::RestV1,
        EventFormat::HttpV2,
        EventFormat::Alb,
        EventFormat::FunctionUrl,
    ];

    #[tokio::test]
    async fn every_format_reaches_every_kind_of_route() {
        let client = Client::new();
        for format in FORMATS {
            let r = client.get("/users/42").format(format).send().await;
            assert_eq!(r.json::<Value>(), json!({"id": 42}), "{format:?}");
            let r = client
                .get("/files/a/b%20c/d.txt")
                .format(format)
                .send()
                .await;
            assert_eq!(r.text(), "file: a/b c/d.txt", "{format:?}");
            let r = client
                .post("/users")
                .json(&json!({"name": "bob"}))
                .format(format)
                .send()
                .await;
            assert_eq!(r.status(), 201, "{format:?}");
            assert_eq!(r.json::<Value>(), json!({"id": 7, "name": "bob"}));
            let r = client.get("/pixel.png").format(format).send().await;
            assert_eq!(r.header("content-type"), Some("image/png"));
            assert_eq!(&r.bytes()[..], super::PIXEL_PNG);
        }
    }

    #[tokio::test]
    async fn bad_input_is_a_clear_400() {
        let client = Client::new();
        let r = client.get("/users/abc").send().await;
        assert_eq!(r.status(), 400);
        assert_eq!(
            r.json::<Value>(),
            json!({"Code": "BadRequestError", "Message": "Invalid path parameters: cannot parse \"abc\": invalid digit found in string"})
        );
        let r = client
            .post("/users")
            .header("content-type", "application/json")
            .body("{nope")
            .send()
            .await;
        assert_eq!(r.status(), 400);
        assert!(
            r.json::<Value>()["Message"]
                .as_str()
                .unwrap()
                .starts_with("Invalid JSON body: key must be a string")
        );
        let r = client.post("/users").send().await;
        assert_eq!(r.json::<Value>()["Message"], "Missing JSON body");
        let r = client
            .post("/users")
            .header("content-type", "text/plain")
            .body("hi")
            .send()
            .await;
        assert_eq!(r.status(), 415);
        assert_eq!(
            r.json::<Value>(),
            json!({"Code": "UnsupportedMediaType", "Message": "Unsupported media type: text/plain"})
        );
    }

    #[tokio::test]
    async fn missing_routes_and_methods() {
        let client = Client::new();
        let r = client.get("/nowhere").send().await;
        assert_eq!(r.status(), 404);
        assert_eq!(r.json::<Value>()["Code"], "NotFoundError");
        let r = client
            .patch("/items/1")
            .format(EventFormat::HttpV2)
            .send()
            .await;
        assert_eq!(r.status(), 405);
        assert_eq!(r.header("allow"), Some("DELETE, GET, PUT"));
        assert_eq!(
            r.json::<Value>(),
            json!({"Code": "MethodNotAllowedError", "Message": "Unsupported method: PATCH"})
        );
    }

    #[tokio::test]
    async fn errors_have_the_chalice_shape_and_hide_internals() {
        let client = Client::new();
        for (kind, status, code) in [
            ("bad-request", 400, "BadRequestError"),
            ("unauthorized", 401, "UnauthorizedError"),
            ("forbidden", 403, "ForbiddenError"),
            ("not-found", 404, "NotFoundError"),
            ("conflict", 409, "ConflictError"),
            ("unprocessable", 422, "UnprocessableEntityError"),
            ("too-many", 429, "TooManyRequestsError"),
            ("internal", 500, "InternalServerError"),
        ] {
            let r = client.get(&format!("/errors/{kind}")).send().await;
            assert_eq!(r.status(), status, "{kind}");
            assert_eq!(r.json::<Value>()["Code"], code, "{kind}");
        }
        let r = client.get("/errors/internal").send().await;
        assert_eq!(
            r.json::<Value>()["Message"],
            "An internal server error occurred."
        );
        assert!(!r.text().contains("nonexistent"));
    }

    #[tokio::test]
    async fn a_panic_is_a_500_and_the_next_request_works() {
        let client = Client::new();
        let r = client.get("/panic").send().await;
        assert_eq!(r.status(), 500);
        assert_eq!(
            r.json::<Value>(),
            json!({"Code": "InternalServerError", "Message": "An internal server error occurred."})
        );
        assert_eq!(client.get("/users/1").send().await.status(), 200);
    }

    #[tokio::test]
    async fn identity_query_headers_and_stage() {
        let client = Client::new();
        for format in [
            EventFormat::RestV1,
            EventFormat::HttpV2,
            EventFormat::FunctionUrl,
        ] {
            let r = client
                .get("/whoami")
                .iam_user("alice")
                .format(format)
                .send()
                .await;
            let body = r.json::<Value>();
            assert_eq!(
                body["userArn"], "arn:aws:iam::123456789012:user/alice",
                "{format:?}"
            );
            assert_eq!(body["accountId"], "123456789012");
            assert_eq!(body["sourceIp"], "127.0.0.1");
        }
        for format in FORMATS {
            let r = client
                .request("PUT", "/echo?a=1&a=2&b=caf%C3%A9")
                .header("x-multi", "one")
                .header("x-multi", "two")
                .header("content-type", "text/plain")
                .body("hello")
                .format(format)
                .send()
                .await;
            let body = r.json::<Value>();
            assert_eq!(body["method"], "PUT");
            assert_eq!(
                body["query"],
                json!({"a": ["1", "2"], "b": ["café"]}),
                "{format:?}"
            );
            assert_eq!(body["body"], "hello");
            let multi = &body["headers"]["x-multi"];
            assert!(
                multi == &json!(["one", "two"]) || multi == &json!(["one,two"]),
                "{format:?}: {multi}"
            );
        }
        let r = client
            .get("/stage")
            .stage_variable("color", "blue")
            .send()
            .await;
        assert_eq!(
            r.json::<Value>(),
            json!({"stage": "api", "variables": {"color": "blue"}})
        );
    }

    #[tokio::test]
    async fn binary_bodies_in_and_out() {
        let client = Client::new();
        for format in FORMATS {
            let r = client
                .post("/upload")
                .header("content-type", "application/octet-stream")
                .binary(vec![0u8, 255, 1, 254])
                .format(format)
                .send()
                .await;
            assert_eq!(
                r.json::<Value>(),
                json!({"size": 4, "byte_sum": 510}),
                "{format:?}"
            );
        }
    }

    #[tokio::test]
    async fn cors_and_cookies() {
        let client = Client::new();
        let r = client.get("/cors").send().await;
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        let r = client
            .options("/cors")
            .format(EventFormat::FunctionUrl)
            .send()
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.header("access-control-allow-methods"),
            Some("GET,OPTIONS,POST")
        );
        for format in FORMATS {
            let r = client.get("/cookies").format(format).send().await;
            let cookies: Vec<_> = r.headers().get_all("set-cookie").iter().collect();
            assert_eq!(cookies.len(), 2, "{format:?}");
        }
    }
}
