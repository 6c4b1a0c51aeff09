//! Members behind a Cognito user pool.
//!
//! The routes naming `users` accept a token of the pool configured in
//! `Cargo.toml`: `/me` an identity token, `/reports` only an access
//! token granted the `reports/read` scope. API Gateway (and `goblet local`)
//! checks the token before the function runs; the handlers read its claims
//! from `ctx.authorizer`.
//!
//! `cargo build --release -p members`, then
//! `goblet local --project examples/members --binary target/release/members`
//! and, in another shell,
//! `curl -H "Authorization: $(goblet token --project examples/members --authorizer users)" http://127.0.0.1:8000/api/me`.
mod app;
goblet::app!();
