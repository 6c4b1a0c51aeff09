use goblet::prelude::*;

#[authorizer(header = "Authorization", ttl = 300)]
async fn tokens(req: AuthRequest) -> Result<AuthResponse, Error> {
    match req.token() {
        "allow-alice" => Ok(AuthResponse::allow("alice")
            .routes(["/orders", "/orders/*"])
            .context("tier", "gold")),
        _ => Err(Error::Unauthorized("bad token".into())),
    }
}

#[authorizer(kind = "request", identity_sources = ["method.request.header.X-Tenant", "method.request.querystring.key"], ttl = 0, name = "tenants")]
fn tenant_check(req: AuthRequest) -> AuthResponse {
    AuthResponse::deny(req.header("x-tenant").unwrap_or("nobody"))
}

#[route("/orders", authorizer = "tokens")]
async fn orders(ctx: Context) -> Json<Value> {
    let who = ctx.authorizer.as_ref().map(|a| a.principal_id.clone());
    Json(json!({ "principal": who }))
}

#[route("/tenants", methods = ["GET", "POST"], authorizer = "tenants")]
fn tenants() -> &'static str {
    "ok"
}

fn main() {}
