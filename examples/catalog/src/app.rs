use goblet::prelude::*;

#[route("/")]
fn index() -> &'static str {
    "catalog: send `Authorization: Bearer alice-pass` to /items"
}

/// Anyone the shared authorizer lets through.
#[route("/items", authorizer = "shared")]
fn items(ctx: Context) -> Json<Value> {
    Json(json!({ "items": ["i-1", "i-2"], "caller": caller(&ctx) }))
}

/// Staff only: the shared authorizer's policy grants guests `GET` alone.
#[route("/items/{id}", methods = ["GET", "DELETE"], authorizer = "shared")]
fn item(ctx: Context, method: goblet::http::Method, Path(id): Path<String>) -> Json<Value> {
    Json(json!({ "id": id, "method": method.as_str(), "caller": caller(&ctx) }))
}

/// Who the authorizer said the caller is, and what it told the handlers.
fn caller(ctx: &Context) -> Value {
    match &ctx.authorizer {
        Some(auth) => json!({ "principal": auth.principal_id, "role": auth.get("role") }),
        None => Value::Null,
    }
}
