use std::sync::atomic::{AtomicU64, Ordering};

use goblet::prelude::*;

/// The callers this demo knows: bearer token, principal, tier, and what
/// they may call. A real app would verify a signed token or ask its
/// identity store here.
const CALLERS: &[(&str, &str, &str, &[&str])] = &[
    // Alice may call anything under /orders.
    ("alice-token", "alice", "gold", &["/orders", "/orders/*"]),
    // Bob may only list orders.
    ("bob-token", "bob", "silver", &["GET /orders"]),
];

/// A token that is known and refused outright: an explicit deny.
const REVOKED: &str = "mallory-token";

/// How many times this execution environment asked `tokens`; handlers echo
/// it, so a caller can see API Gateway's cache at work.
static TOKEN_CHECKS: AtomicU64 = AtomicU64::new(0);

#[authorizer(header = "Authorization", ttl = 300)]
async fn tokens(req: AuthRequest) -> Result<AuthResponse, Error> {
    let check = TOKEN_CHECKS.fetch_add(1, Ordering::Relaxed) + 1;
    if std::env::var_os("ORDERS_STORE_OFFLINE").is_some() {
        // What an outage of the identity store looks like to callers: the
        // authorizer fails, and API Gateway answers 500 without calling
        // the route (`goblet local --env ORDERS_STORE_OFFLINE=1` shows it).
        return Err(Error::internal("the identity store is unreachable"));
    }
    let Some(token) = req.token().strip_prefix("Bearer ") else {
        return Err(Error::Unauthorized("expected `Bearer TOKEN`".into()));
    };
    if token == REVOKED {
        return Ok(AuthResponse::deny("mallory"));
    }
    let Some((_, principal, tier, routes)) = CALLERS.iter().find(|(t, ..)| *t == token) else {
        return Err(Error::Unauthorized("unknown token".into()));
    };
    Ok(AuthResponse::allow(*principal)
        .routes(routes.iter().copied())
        .context("tier", *tier)
        .context("check", check))
}

/// Each tenant's API key. The key travels as `?key=`, the tenant as the
/// `X-Tenant` header; both must be present or API Gateway answers 401
/// without asking the authorizer.
const TENANT_KEYS: &[(&str, &str)] = &[("acme", "acme-key"), ("globex", "globex-key")];

#[authorizer(
    kind = "request",
    identity_sources = ["method.request.header.X-Tenant", "method.request.querystring.key"],
    ttl = 0
)]
fn tenants(req: AuthRequest) -> Result<AuthResponse, Error> {
    let tenant = req.header("x-tenant").unwrap_or_default();
    let key = req.query_param("key").unwrap_or_default();
    match TENANT_KEYS.iter().find(|(t, _)| *t == tenant) {
        // Each tenant reaches only its own resource.
        Some((_, expected)) if *expected == key => Ok(AuthResponse::allow(tenant)
            .routes([format!("/tenants/{tenant}")])
            .context("tenant", tenant)),
        Some(_) => Ok(AuthResponse::deny(tenant)),
        None => Err(Error::Unauthorized("unknown tenant".into())),
    }
}

#[route("/")]
fn index() -> &'static str {
    "orders: send `Authorization: Bearer alice-token` to /orders"
}

#[route("/orders", authorizer = "tokens")]
fn list_orders(ctx: Context) -> Json<Value> {
    Json(json!({ "orders": ["o-1", "o-2"], "caller": caller(&ctx) }))
}

#[route("/orders/{id}", methods = ["GET", "DELETE"], authorizer = "tokens")]
fn order(ctx: Context, method: goblet::http::Method, Path(id): Path<String>) -> Json<Value> {
    Json(json!({ "order": id, "method": method.as_str(), "caller": caller(&ctx) }))
}

#[route("/tenants/{tenant}", authorizer = "tenants")]
fn tenant(ctx: Context, Path(tenant): Path<String>) -> Json<Value> {
    Json(json!({ "tenant": tenant, "caller": caller(&ctx) }))
}

/// What the authorizer told API Gateway about the caller.
fn caller(ctx: &Context) -> Value {
    match &ctx.authorizer {
        Some(auth) => json!({
            "principal": auth.principal_id,
            "tier": auth.get("tier"),
            "check": auth.get("check"),
            "tenant": auth.get("tenant"),
        }),
        None => Value::Null,
    }
}
