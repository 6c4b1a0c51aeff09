//! Every handler shape `#[route]` accepts, called through goblet's dispatch.

use std::collections::HashMap;

use goblet::prelude::*;
use goblet::testing::Client;
use serde::Deserialize;

#[route("/")]
fn index() -> &'static str {
    "index"
}

#[route("/users/{id}", methods = ["GET"], auth = "iam")]
async fn get_user(Path(id): Path<u64>) -> Json<Value> {
    Json(json!({ "id": id }))
}

#[derive(Deserialize)]
struct Page {
    limit: Option<u32>,
}

#[route("/users", methods = ["GET", "HEAD"], cors = true, name = "list_users")]
fn list_users(Query(page): Query<Page>, headers: HeaderMap) -> Json<Value> {
    Json(json!({ "limit": page.limit, "has_host": headers.contains_key("host") }))
}

#[derive(Deserialize, serde::Serialize)]
struct NewUser {
    name: String,
}

#[route("/users", methods = ["POST"], api_key = true, content_types = ["application/json", "application/vnd.user+json"])]
async fn create_user(ctx: Context, Json(user): Json<NewUser>) -> (StatusCode, Json<NewUser>) {
    let _ = ctx.request_id.clone();
    (StatusCode::CREATED, Json(user))
}

#[route("/files/{path+}", methods = ["PUT"])]
async fn put_file(Path(path): Path<String>, request: Request) -> Result<String, Error> {
    if request.body().is_empty() {
        return Err(Error::BadRequest("empty file".into()));
    }
    Ok(format!("{path}: {} bytes", request.body().len()))
}

#[route("/orgs/{org}/teams/{team}", methods = ["DELETE"])]
fn delete_team(Path((org, team)): Path<(String, u32)>) -> impl IntoResponse {
    format!("{org}/{team}")
}

// ANY and GET on one path are two API Gateway methods, not a duplicate.
#[route("/anything", methods = ["ANY"])]
fn anything(method: goblet::http::Method) -> String {
    format!("any {method}")
}

#[route("/anything")]
fn anything_get() -> String {
    "get".to_owned()
}

// One function, two routes.
#[route("/v1/status")]
#[route("/v2/status", methods = ["GET", "OPTIONS"])]
async fn status() {}

// Raw identifiers, patterns and `mut` bindings are the user's business.
#[route("/type/{value}", methods = ["PATCH"])]
fn r#type(Path(mut value): Path<String>, Query(q): Query<HashMap<String, String>>) -> String {
    value.push_str(q.get("suffix").map(String::as_str).unwrap_or(""));
    value
}

// Path literals may be raw strings; options may come in any order.
#[route(r"/raw", name = "raw", cors = false, auth = "none", methods = ["POST"])]
fn raw(body: String) -> String {
    body
}

mod nested {
    use goblet::prelude::*;

    #[route("/nested")]
    pub(crate) async fn nested(request: Request) -> String {
        request.path().to_owned()
    }
}

// Generated locals cannot collide with the user's names.
#[allow(non_camel_case_types)]
type __output = ();

#[route("/hygiene")]
fn hygiene(__arg0: Option<Query<HashMap<String, String>>>, __req: Option<Json<Value>>) -> __output {
    let _ = (__arg0, __req);
}

fn main() {
    // The user's functions are kept as written and may be called directly.
    assert_eq!(index(), "index");
    assert_eq!(r#type(Path("a".into()), Query(HashMap::new())), "a");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = Client::new();

        let r = client.get("/").send().await;
        assert_eq!((r.status(), r.text()), (StatusCode::OK, "index".into()));

        let r = client.get("/users/42").iam_user("alice").send().await;
        assert_eq!(r.json::<Value>(), json!({ "id": 42 }));

        let r = client
            .get("/users/not-a-number")
            .iam_user("alice")
            .send()
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);

        let r = client.get("/users?limit=5").send().await;
        assert_eq!(r.json::<Value>()["limit"], 5);

        let r = client
            .post("/users")
            .header("x-api-key", "k")
            .json(&json!({ "name": "bob" }))
            .send()
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.json::<Value>(), json!({ "name": "bob" }));

        let r = client
            .put("/files/a/b/c.txt")
            .body("hello")
            .header("content-type", "application/json")
            .send()
            .await;
        assert_eq!(r.text(), "a/b/c.txt: 5 bytes");

        let r = client.delete("/orgs/acme/teams/7").send().await;
        assert_eq!(r.text(), "acme/7");

        let r = client.patch("/anything").send().await;
        assert_eq!(r.text(), "any PATCH");
        let r = client.get("/anything").send().await;
        assert_eq!(r.text(), "get");

        for path in ["/v1/status", "/v2/status"] {
            let r = client.get(path).send().await;
            assert!(r.status().is_success(), "{path}: {}", r.status());
        }

        let r = client.patch("/type/x?suffix=y").send().await;
        assert_eq!(r.text(), "xy");

        let r = client.get("/nested").send().await;
        assert_eq!(r.text(), "/nested");

        let r = client.get("/hygiene").send().await;
        assert!(r.status().is_success());
    });
}
