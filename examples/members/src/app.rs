use goblet::prelude::*;

#[route("/")]
fn index() -> &'static str {
    "members: send a token of the `users` pool to /me (goblet token mints one)"
}

/// Who the token says the caller is.
#[route("/me", authorizer = "users")]
fn me(ctx: Context) -> Json<Value> {
    let claims = claims(&ctx);
    let user = claims
        .get("cognito:username")
        .or_else(|| claims.get("username"));
    Json(json!({
        "sub": claims.get("sub"),
        "user": user,
        "token_use": claims.get("token_use"),
    }))
}

/// Only access tokens granted `reports/read` reach this handler.
#[route("/reports", authorizer = "users", scopes = ["reports/read"])]
fn reports(ctx: Context) -> Json<Value> {
    let claims = claims(&ctx);
    Json(json!({
        "reports": ["r-1", "r-2"],
        "scope": claims.get("scope"),
        "client_id": claims.get("client_id"),
    }))
}

/// The token's claims, as API Gateway hands them to the function.
fn claims(ctx: &Context) -> Value {
    ctx.authorizer
        .as_ref()
        .map_or(Value::Null, |a| Value::Object(a.claims.clone()))
}
