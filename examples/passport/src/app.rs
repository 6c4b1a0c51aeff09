use goblet::prelude::*;

/// The bearer tokens this demo knows, and who they are. A real authorizer
/// would verify a signed token or ask an identity store.
const PASSES: &[(&str, &str, &str)] = &[
    ("alice-pass", "alice", "staff"),
    ("bob-pass", "bob", "guest"),
];

/// A pass that is known and refused outright: an explicit deny.
const REVOKED: &str = "mallory-pass";

/// Staff may call anything of the asking API's stage; guests may only read.
#[authorizer(header = "Authorization", ttl = 300)]
fn passes(req: AuthRequest) -> Result<AuthResponse, Error> {
    let Some(pass) = req.token().strip_prefix("Bearer ") else {
        return Err(Error::Unauthorized("expected `Bearer PASS`".into()));
    };
    if pass == REVOKED {
        return Ok(AuthResponse::deny("mallory"));
    }
    let Some((_, principal, role)) = PASSES.iter().find(|(p, ..)| *p == pass) else {
        return Err(Error::Unauthorized("unknown pass".into()));
    };
    let granted = match *role {
        "staff" => AuthResponse::allow(*principal),
        _ => AuthResponse::allow(*principal).routes(["GET /*"]),
    };
    Ok(granted.context("role", *role))
}

/// The function's own health check (a goblet app serves at least one route).
#[route("/")]
fn health() -> Json<Value> {
    Json(json!({ "passport": "ok" }))
}
