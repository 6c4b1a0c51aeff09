//! The Lambda side: start-up checks, then events from the Runtime API through
//! goblet's own loop (`runtime_api`), one at a time, on a single-threaded tokio
//! runtime (a Lambda sandbox serves one event at a time; one thread starts faster).

use std::env;
use std::process::ExitCode;

use bytes::Bytes;
use lambda_runtime::{Diagnostic, LambdaEvent};

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt as _;
use tracing::instrument::WithSubscriber as _;

use crate::app::{App, AppDef, BoxError};
use crate::dispatch::{self, Served};
use crate::embedded;
use crate::event::{RawEvent, UnknownEvent};
use crate::function::FunctionDef;
use crate::logging;
use crate::route;
use crate::runtime_api;
use goblet_core::function::API_HANDLER;

/// Environment variables Lambda sets and `lambda_runtime` requires.
const LAMBDA_ENV: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// The body of `fn main` in an app declared with `goblet::app!()`: no state,
/// no middleware.
pub fn run(app: AppDef) -> ExitCode {
    run_main(app, || async { Ok(App::new()) })
}

/// The body of `fn main` in an app declared with `#[goblet::main]`: the app's
/// own `main` runs once, in Lambda's init phase, before the first event; its
/// error (or panic) is the function's init error.
///
/// The app's `main` logs through goblet's subscriber (Lambda's format) as a
/// scoped default; goblet installs it globally afterwards unless the app set
/// a global subscriber of its own, which then stays.
pub fn run_main<F, Fut>(app: AppDef, main: F) -> ExitCode
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<App, BoxError>>,
{
    let dispatch = logging::from_env();
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
    let init = async {
        let made = match AssertUnwindSafe(main()).catch_unwind().await {
            Ok(made) => made.map_err(|e| format!("the app's main failed: {e}")),
            Err(payload) => Err(format!(
                "the app's main panicked: {}",
                panic_message(payload.as_ref())
            )),
        };
        made.and_then(startup)
    };
    let built = runtime.block_on(init.with_subscriber(dispatch.clone()));
    logging::install(dispatch);
    let (served, function) = match built {
        Ok(served) => served,
        Err(message) => {
            tracing::error!("{}: {message}", app.name);
            runtime.block_on(report_init_error(&message));
            return ExitCode::FAILURE;
        }
    };
    let served: &'static Served = Box::leak(Box::new(served));
    // Not `lambda_runtime::run`: its loop grows the process by every trace
    // id it is given (see `runtime_api`). The event arrives as bytes and
    // goblet parses it in one pass of its own.
    let handler = move |event: LambdaEvent<Bytes>| async move {
        if let Some(def) = function {
            return served
                .functions()
                .call(def, event.payload, event.context)
                .await;
        }
        let unknown = |unknown: UnknownEvent| Diagnostic {
            error_type: unknown.error_type.to_owned(),
            error_message: unknown.message,
        };
        let raw = RawEvent::from_payload(&event.payload).map_err(unknown)?;
        if raw.is_authorizer_event() {
            return crate::authorizer::handle(served, &event.payload).await;
        }
        let reply = dispatch::handle(served, raw).await.map_err(unknown)?;
        serde_json::to_vec(&reply).map_err(|e| Diagnostic {
            error_type: "Runtime.MarshalError".to_owned(),
            error_message: format!("goblet: cannot serialize the reply: {e}"),
        })
    };
    let Err(e) = runtime.block_on(runtime_api::serve(handler));
    eprintln!("{}: the Lambda runtime stopped: {e}", app.name);
    ExitCode::FAILURE
}

/// Builds the app's routes and checks them against the records embedded in
/// the binary. Both come from the same macro expansions, so they disagree
/// only when two goblet versions are linked in (the other's routes have
/// records but are not registered here): comparing the versions and the
/// number of route records is enough, and costs no decoding of 400 records
/// at every cold start (`goblet deploy` decodes and checks them all).
fn startup(app: App) -> Result<(Served, Option<&'static FunctionDef>), String> {
    let served = Served::new(app, route::registered())?;
    let function = selected_function(&served, env::var("_HANDLER").ok().as_deref())?;
    if let Some(counts) = embedded::counts() {
        let counts = counts.map_err(|e| e.to_string())?;
        let registered = served.table().routes().len();
        if counts.goblet_versions.len() > 1 {
            return Err(format!(
                "several goblet versions are linked into this binary ({}); keep one in Cargo.lock",
                counts.goblet_versions.join(", ")
            ));
        }
        let authorizers = crate::authorizer::registered().count();
        if counts.authorizers != authorizers {
            return Err(format!(
                "the embedded route manifest ({} authorizers) does not describe the {authorizers} \
                 registered authorizers; rebuild the app with one goblet version",
                counts.authorizers
            ));
        }
        let functions = served.functions().len();
        if counts.functions != functions {
            return Err(format!(
                "the embedded route manifest ({} functions) does not describe the {functions} \
                 registered functions; rebuild the app with one goblet version",
                counts.functions
            ));
        }
        if counts.routes != registered {
            return Err(format!(
                "the embedded route manifest ({} routes) does not describe the {registered} \
                 registered handlers; rebuild the app with one goblet version",
                counts.routes
            ));
        }
    }
    Ok((served, function))
}

/// The function Lambda's `Handler` selects: one of the app's functions by
/// name, or none for the API (`bootstrap`, or no handler at all). In an app
/// without functions any handler serves the API, as it always has (tools
/// such as `sam local` set their own).
fn selected_function(
    served: &Served,
    handler: Option<&str>,
) -> Result<Option<&'static FunctionDef>, String> {
    let functions = served.functions();
    match handler {
        None | Some(API_HANDLER) => Ok(None),
        Some(_) if functions.len() == 0 => Ok(None),
        Some(name) => functions.get(name).map(Some).ok_or_else(|| {
            format!(
                "the function's handler is `{name}`, which names none of this app's functions ({}); \
                 `{API_HANDLER}` serves the API",
                functions.names().collect::<Vec<_>>().join(", ")
            )
        }),
    }
}

/// A panic's message, when it has one.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

/// Tells Lambda the function cannot start (`/runtime/init/error`), so the
/// invocation fails with this message instead of a bare exit status.
async fn report_init_error(message: &str) {
    let Ok(api) = env::var("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    let Ok(base) = runtime_api::endpoint(&api) else {
        return;
    };
    let Ok(client) = lambda_runtime_api_client::Client::builder()
        .with_endpoint(base)
        .build()
    else {
        return;
    };
    let body = serde_json::json!({"errorType": "Runtime.InitError", "errorMessage": message});
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("Lambda-Runtime-Function-Error-Type", "Runtime.InitError")
        .header("Content-Type", "application/json")
        .body(lambda_runtime_api_client::body::Body::from(
            body.to_string(),
        ));
    if let Ok(request) = request {
        let _ = client.call(request).await;
    }
}
