//! The goblet hello world. `cargo build --release`, then
//! `goblet local --binary target/release/helloworld` or `goblet deploy`.
mod app;
goblet::app!();
