//! A shared authorizer: one function that several APIs call to check their
//! callers' bearer tokens. Deployed once (`goblet deploy`), its ARN is what
//! other apps configure as `function_arn` (examples/catalog); `goblet local
//! --authorizer shared=target/release/passport` runs it for them locally.
//!
//! A goblet function answers authorizer events with its only
//! `#[authorizer]`, whatever API asks.
mod app;
goblet::app!();
