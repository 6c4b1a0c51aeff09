//! A worker app `goblet deploy` puts on AWS whole: the API, and one Lambda
//! function per handler, each with its trigger.
//!
//! ```text
//! cargo build --release -p jobs
//! goblet deploy --binary target/release/jobs
//! ```
//!
//! creates the functions `jobs-dev`, `jobs-dev-work`, `jobs-dev-clicks` and
//! `jobs-dev-report`, the event source mappings of the queue `jobs` and the
//! stream `clicks` (which must exist), and the role statements Lambda needs
//! to poll them.
mod app;
goblet::app!();
