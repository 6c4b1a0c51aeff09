//! An image pipeline, one handler of every event source goblet knows.
//!
//! Each handler is a Lambda function of its own, built from this one
//! binary: `goblet local` runs each in execution environments of its own and
//! serves Lambda's Invoke API beside the routes, so
//!
//! ```text
//! cargo build --release -p pipeline
//! goblet local --binary target/release/pipeline
//! goblet invoke --local jobs --sample sqs
//! goblet invoke --local resize --payload '{"key": "in/cat.png", "width": 320}'
//! ```
//!
//! runs them through the real Runtime API.
mod app;

#[goblet::main]
async fn main() -> goblet::App {
    goblet::App::new().state(app::Thumbnails {
        width: std::env::var("THUMBNAIL_WIDTH")
            .ok()
            .and_then(|w| w.parse().ok())
            .unwrap_or(128),
    })
}
