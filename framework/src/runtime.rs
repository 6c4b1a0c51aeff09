//! The Lambda side: start-up checks, then events from the Runtime API through
//! `lambda_runtime`, one at a time, on a single-threaded tokio runtime (a Lambda
//! sandbox serves one event at a time; one thread starts faster).

use std::env;
use std::process::ExitCode;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::value::RawValue;

use crate::app::AppDef;
use crate::dispatch::{self, RouteTable};
use crate::embedded;
use crate::event::{RawEvent, UnknownEvent};
use crate::invocation;
use crate::logging;
use crate::route;

/// Environment variables Lambda sets and `lambda_runtime` requires.
const LAMBDA_ENV: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// The body of `fn main` in a goblet app (`goblet::main!()` writes it).
pub fn run(app: AppDef) -> ExitCode {
    logging::install(logging::from_env());
    let missing: Vec<&str> = LAMBDA_ENV
        .iter()
        .copied()
        .filter(|v| env::var_os(v).is_none())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "{}: this is an AWS Lambda bootstrap for API Gateway, not a program to run directly \
             (missing {}).\nServe it locally with `goblet local --binary {}`, or deploy it with `goblet deploy`.",
            app.name,
            missing.join(", "),
            env::args().next().unwrap_or_else(|| app.name.to_owned()),
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{}: cannot start the async runtime: {e}", app.name);
            return ExitCode::FAILURE;
        }
    };
    let table = match startup() {
        Ok(table) => table,
        Err(message) => {
            eprintln!("{}: {message}", app.name);
            runtime.block_on(report_init_error(&message));
            return ExitCode::FAILURE;
        }
    };
    let table: &'static RouteTable = Box::leak(Box::new(table));
    // lambda_runtime only checks that the event is JSON (and copies it):
    // goblet parses it in one pass of its own, without the per-field path
    // tracking lambda_runtime's deserializer adds to every event.
    let handler = service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        let unknown = |unknown: UnknownEvent| Diagnostic {
            error_type: unknown.error_type.to_owned(),
            error_message: unknown.message,
        };
        invocation::begin(&event.context.request_id);
        let reply = match RawEvent::parse(event.payload.get()) {
            Ok(raw) => dispatch::handle(table, raw).await.map_err(unknown),
            Err(e) => Err(unknown(e)),
        };
        invocation::end();
        reply
    });
    match runtime.block_on(lambda_runtime::run(handler)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: the Lambda runtime stopped: {e}", app.name);
            ExitCode::FAILURE
        }
    }
}

/// Builds the route table and checks it against the manifest embedded in the
/// binary: they come from the same macro expansions and must agree.
fn startup() -> Result<RouteTable, String> {
    let table = RouteTable::build(route::registered()).map_err(|e| e.to_string())?;
    if let Some(embedded) = embedded::manifest() {
        let manifest = embedded.map_err(|e| e.to_string())?;
        if manifest.routes != table.routes() {
            return Err(format!(
                "the embedded route manifest ({} routes) does not describe the {} registered \
                 handlers; rebuild the app with one goblet version",
                manifest.routes.len(),
                table.routes().len()
            ));
        }
    }
    Ok(table)
}

/// Tells Lambda the function cannot start (`/runtime/init/error`), so the
/// invocation fails with this message instead of a bare exit status.
async fn report_init_error(message: &str) {
    let Ok(api) = env::var("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    let Ok(base) = format!("http://{api}").parse() else {
        return;
    };
    let Ok(client) = lambda_runtime_api_client::Client::builder()
        .with_endpoint(base)
        .build()
    else {
        return;
    };
    let body = serde_json::json!({"errorType": "goblet.InitError", "errorMessage": message});
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("Lambda-Runtime-Function-Error-Type", "goblet.InitError")
        .header("Content-Type", "application/json")
        .body(lambda_runtime_api_client::body::Body::from(
            body.to_string(),
        ));
    if let Ok(request) = request {
        let _ = client.call(request).await;
    }
}
