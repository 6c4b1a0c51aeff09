//! The Lambda side of a local run, as close to the real service as one
//! machine allows.
//!
//! A [`Worker`] is one execution environment: the app's binary started the way
//! Lambda starts a `provided.al2023` function, talking to its own
//! [`RuntimeHandle`], a loopback server implementing the
//! [Lambda Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
//! Invoking it hands an event to the binary and returns what the binary answered,
//! or why it did not ([`InvokeError`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use goblet_local::lambda::{FunctionConfig, Outcome, Worker};
//!
//! let function = FunctionConfig::new("helloworld");
//! let worker = Worker::spawn("target/release/helloworld", &function, Arc::new(|line| eprintln!("{line}"))).await?;
//! let invoked = worker.invoke(r#"{"version":"2.0"}"#.into(), function.timeout).await?;
//! if let Outcome::Response(body) = invoked.outcome { println!("{}", String::from_utf8_lossy(&body)); }
//! worker.kill().await;
//! # Ok(()) }
//! ```

mod function;
pub(crate) mod ids;
mod invocations;
mod logs;
pub(crate) mod memory;
mod runtime_api;
mod worker;

pub use function::FunctionConfig;
pub use invocations::{Interrupted, InvokeError, Invoked, Outcome};
pub use logs::{LogLine, LogSink, LogStream, passes_level};
pub use memory::ProcessMemory;
pub use runtime_api::{MAX_RESPONSE_BYTES, RuntimeApi, RuntimeHandle};
pub use worker::{SpawnError, Worker};
