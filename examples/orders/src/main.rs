//! Orders behind Lambda authorizers.
//!
//! `tokens` is a TOKEN authorizer: API Gateway hands it the `Authorization`
//! header and caches its answer for five minutes per token. `tenants` is a
//! REQUEST authorizer reading a header and a query parameter, asked on every
//! call (`ttl = 0`). The handlers read what the authorizers learnt from
//! `ctx.authorizer`.
//!
//! `cargo build --release -p orders`, then
//! `goblet local --binary target/release/orders` and
//! `curl -H 'Authorization: Bearer alice' http://127.0.0.1:8000/api/orders`.
mod app;
goblet::app!();
