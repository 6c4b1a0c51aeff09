//! A goblet app. `cargo build --release`, then
//! `goblet local --binary target/release/{{name}}` or `goblet deploy`.
mod app;
goblet::app!();
