//! A catalog behind the organisation's shared authorizer.
//!
//! The routes naming `shared` are checked by the function configured in
//! `Cargo.toml` (`function_arn`), not by this app. Locally:
//! `cargo build --release -p catalog -p passport`, then
//! `goblet local --project examples/catalog --authorizer shared=target/release/passport target/release/catalog`
//! and `curl -H "Authorization: Bearer alice-pass" http://127.0.0.1:8000/api/items`.
mod app;
goblet::app!();
