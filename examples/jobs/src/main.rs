//! A worker app `goblet deploy` puts on AWS whole: the API, and one Lambda
//! function per handler, each with its trigger.
//!
//! ```text
//! cargo build --release -p jobs
//! goblet deploy --binary target/release/jobs
//! ```
//!
//! creates the functions `jobs-dev` (the API), `jobs-dev-work`,
//! `jobs-dev-clicks`, `jobs-dev-hourly`, `jobs-dev-order` and
//! `jobs-dev-report`; the event source mappings of the queue `jobs` and the
//! stream `clicks` (which must exist) with the role statements Lambda needs
//! to poll them; and the EventBridge rules of the schedule and of the
//! `orders` bus (which must exist), each with its permission.
mod app;
goblet::app!();
