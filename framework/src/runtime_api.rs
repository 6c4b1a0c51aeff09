//! goblet's invocation loop over the Lambda Runtime API
//! (`lambda_runtime_api_client`): `next`, the handler, then `response` or
//! `error`, one event at a time, for as long as the process lives.
//!
//! Why not `lambda_runtime::run`: its sequential loop sets
//! `_X_AMZN_TRACE_ID` with `std::env::set_var` before every event, and
//! glibc's `setenv` keeps every value it was ever given, so a function's
//! memory grew by the size of a trace id (~140 bytes) per event, with no
//! option to turn it off. This loop sets the variable through
//! [`trace_env`](crate::trace_env), which does not grow. It reuses
//! `lambda_runtime`'s public types ([`Config`], [`Context`], [`Diagnostic`],
//! the invocation span) so that what a handler sees does not change.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt as _;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::BodyExt as _;
use lambda_runtime::{Config, Context, Diagnostic, LambdaEvent};
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{BoxError, PooledClient, build_request};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use tracing::Instrument as _;

use crate::{invocation, trace_env};

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
const DEADLINE: &str = "lambda-runtime-deadline-ms";
const INVOCATION_ID: &str = "lambda-runtime-invocation-id";
const ERROR_TYPE: &str = "lambda-runtime-function-error-type";

/// The characters escaped when a request id goes into a URL path (Lambda's
/// are UUIDs, which need none).
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Serves events from the Runtime API named by `AWS_LAMBDA_RUNTIME_API`,
/// with the function's configuration from Lambda's environment variables.
///
/// `handler` turns an event (its payload bytes, as the Runtime API sent
/// them, and its context) into the bytes of the JSON reply, or a
/// [`Diagnostic`] posted to the invocation's error endpoint. A handler that
/// panics gets a `goblet.Panic` error and the loop goes on.
///
/// Returns only when the loop cannot go on: the Runtime API is unreachable
/// or breaks its protocol. The error says which, and where.
pub(crate) async fn serve<F, Fut>(handler: F) -> Result<Infallible, BoxError>
where
    F: FnMut(LambdaEvent<Bytes>) -> Fut,
    Fut: Future<Output = Result<Vec<u8>, Diagnostic>>,
{
    let api =
        std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(|_| "AWS_LAMBDA_RUNTIME_API is not set")?;
    serve_at(&api, config_from_env()?, handler).await
}

/// The Runtime API's base URI from `AWS_LAMBDA_RUNTIME_API`: Lambda gives
/// `host:port`; local emulators may give a URL with a base path (cargo lambda
/// watch: `http://127.0.0.1:9000/.rt/_`), which `lambda_runtime` accepts too.
pub(crate) fn endpoint(api: &str) -> Result<Uri, String> {
    let uri = if api.contains("://") {
        api.parse::<Uri>()
    } else {
        format!("http://{api}").parse()
    };
    match uri {
        Ok(uri)
            if uri.scheme_str() == Some("http")
                && uri.authority().is_some()
                && uri.query().is_none() =>
        {
            Ok(uri)
        }
        Ok(_) => Err(format!(
            "AWS_LAMBDA_RUNTIME_API `{api}` is not host:port or an http:// URL"
        )),
        Err(e) => Err(format!(
            "AWS_LAMBDA_RUNTIME_API `{api}` is not host:port or an http:// URL: {e}"
        )),
    }
}

/// [`serve`], with the Runtime API (`host:port`, or a URL) and the configuration given.
pub(crate) async fn serve_at<F, Fut>(
    api: &str,
    config: Config,
    mut handler: F,
) -> Result<Infallible, BoxError>
where
    F: FnMut(LambdaEvent<Bytes>) -> Fut,
    Fut: Future<Output = Result<Vec<u8>, Diagnostic>>,
{
    let endpoint = endpoint(api)?;
    let runtime = RuntimeApi {
        api: api.to_owned(),
        client: PooledClient::builder().with_endpoint(endpoint).build(),
        config: Arc::new(config),
    };
    loop {
        let (headers, payload) = runtime.next().await?;
        let context = runtime.context(&headers)?;
        let context = match context {
            Ok(context) => context,
            Err((request_id, diagnostic)) => {
                let answer = Err(diagnostic);
                runtime.answer(&request_id, &headers, answer).await?;
                continue;
            }
        };
        trace_env::set(context.xray_trace_id.as_deref());
        invocation::begin(&context.request_id);
        let request_id = context.request_id.clone();
        let span = lambda_runtime::layers::trace::request_span(&context);
        let event = LambdaEvent::new(payload, context);
        let answer = call(&mut handler, event).instrument(span.clone()).await;
        let posted = runtime
            .answer(&request_id, &headers, answer)
            .instrument(span)
            .await;
        invocation::end();
        posted?;
    }
}

/// Runs the handler on one event; a panic becomes the event's error.
async fn call<F, Fut>(handler: &mut F, event: LambdaEvent<Bytes>) -> Result<Vec<u8>, Diagnostic>
where
    F: FnMut(LambdaEvent<Bytes>) -> Fut,
    Fut: Future<Output = Result<Vec<u8>, Diagnostic>>,
{
    // The call itself happens inside the future, so a panic before its
    // first await is caught too.
    let answer = AssertUnwindSafe(async { handler(event).await })
        .catch_unwind()
        .await;
    let answer = answer.unwrap_or_else(|payload| {
        let message = crate::runtime::panic_message(payload.as_ref());
        Err(Diagnostic {
            error_type: "goblet.Panic".to_owned(),
            error_message: format!("the function panicked: {message}"),
        })
    });
    if let Err(diagnostic) = &answer {
        tracing::error!(
            error_type = %diagnostic.error_type,
            "{}",
            diagnostic.error_message
        );
    }
    answer
}

/// The function's configuration from Lambda's environment, as
/// `lambda_runtime::Config::from_env` reads it, with an error instead of a
/// panic for a memory size that is not a number.
fn config_from_env() -> Result<Config, String> {
    let required = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let memory = required("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")?;
    let memory = memory
        .parse()
        .map_err(|e| format!("AWS_LAMBDA_FUNCTION_MEMORY_SIZE `{memory}` is not a number: {e}"))?;
    Ok(Config {
        function_name: required("AWS_LAMBDA_FUNCTION_NAME")?,
        memory,
        version: required("AWS_LAMBDA_FUNCTION_VERSION")?,
        log_stream: std::env::var("AWS_LAMBDA_LOG_STREAM_NAME").unwrap_or_default(),
        log_group: std::env::var("AWS_LAMBDA_LOG_GROUP_NAME").unwrap_or_default(),
    })
}

struct RuntimeApi {
    /// `host:port`, for messages.
    api: String,
    client: PooledClient,
    config: Arc<Config>,
}

/// An event's context could not be built: its request id, and the error to
/// post for it.
type BadContext = (String, Diagnostic);

impl RuntimeApi {
    /// Waits for the next event: its headers and payload.
    async fn next(&self) -> Result<(HeaderMap, Bytes), BoxError> {
        let request = build_request()
            .method(Method::GET)
            .uri(Uri::from_static(NEXT))
            .body(Body::empty())?;
        let (status, headers, body) = self.exchange(request, "GET next").await?;
        if status != StatusCode::OK {
            return Err(format!(
                "the Runtime API at {} answered GET next with {status}: {}",
                self.api,
                String::from_utf8_lossy(&body)
            )
            .into());
        }
        Ok((headers, body))
    }

    /// The event's context; an error for the event when a header has a
    /// value `lambda_runtime::Context` refuses, and for the loop when the
    /// event cannot be answered at all (no request id).
    fn context(&self, headers: &HeaderMap) -> Result<Result<Context, BadContext>, BoxError> {
        let request_id = headers
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                format!(
                    "the Runtime API at {} sent an event without a usable \
                     Lambda-Runtime-Aws-Request-Id header",
                    self.api
                )
            })?;
        let refused = |message: String| {
            let diagnostic = Diagnostic {
                error_type: "Runtime.InvalidContext".to_owned(),
                error_message: message,
            };
            Ok(Err((request_id.to_owned(), diagnostic)))
        };
        // `Context::new` panics without a deadline.
        if !headers.contains_key(DEADLINE) {
            return refused("the event has no Lambda-Runtime-Deadline-Ms header".to_owned());
        }
        match Context::new(request_id, self.config.clone(), headers) {
            Ok(context) => Ok(Ok(context)),
            Err(e) => refused(format!(
                "the event's Lambda-Runtime-* headers are invalid: {e}"
            )),
        }
    }

    /// Posts the handler's answer to `request_id`'s `response` or `error`.
    /// The Runtime API refusing it (a response too large, an invocation
    /// that timed out) is logged and the loop goes on, as Lambda's own
    /// runtimes do; only an unreachable Runtime API is an error.
    async fn answer(
        &self,
        request_id: &str,
        next_headers: &HeaderMap,
        answer: Result<Vec<u8>, Diagnostic>,
    ) -> Result<(), BoxError> {
        let id = utf8_percent_encode(request_id, PATH_SEGMENT);
        let mut request = build_request().method(Method::POST);
        let body = match answer {
            Ok(reply) => {
                request = request.uri(format!("/2018-06-01/runtime/invocation/{id}/response"));
                reply
            }
            Err(diagnostic) => {
                let error_type = HeaderValue::try_from(&diagnostic.error_type)
                    .unwrap_or(HeaderValue::from_static("Unhandled"));
                request = request
                    .uri(format!("/2018-06-01/runtime/invocation/{id}/error"))
                    .header(ERROR_TYPE, error_type)
                    .header(http::header::CONTENT_TYPE, "application/json");
                serde_json::to_vec(&diagnostic)?
            }
        };
        // Lambda checks it against the invocation it handed out, so a late
        // answer to a timed-out invocation cannot land on the next one.
        if let Some(invocation_id) = next_headers.get(INVOCATION_ID) {
            request = request.header(INVOCATION_ID, invocation_id);
        }
        let request = request.body(Body::from(body))?;
        let (status, _, body) = self.exchange(request, "the answer").await?;
        if !status.is_success() {
            tracing::error!(
                "goblet: the Runtime API refused the answer to {request_id} ({status}): {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(())
    }

    /// One request and its whole answer; transport failures become the
    /// loop's error, with their causes.
    async fn exchange(
        &self,
        request: Request<Body>,
        what: &str,
    ) -> Result<(StatusCode, HeaderMap, Bytes), BoxError> {
        let unreachable = |e: &dyn std::error::Error| {
            format!(
                "cannot reach the Lambda Runtime API at {} ({what}): {}",
                self.api,
                causes(e)
            )
        };
        let response: Response<_> = self
            .client
            .call(request)
            .await
            .map_err(|e| unreachable(&*e))?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| unreachable(&e))?;
        Ok((parts.status, parts.headers, body.to_bytes()))
    }
}

/// `error: cause: cause`, the whole chain (hyper's own message is only
/// "client error (Connect)").
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::PoisonError;
    use std::time::Duration;

    use goblet_local::lambda::{
        InvokeError, Outcome, RuntimeApi as LocalRuntimeApi, RuntimeHandle,
    };
    use serde_json::{Value, json};

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(10);

    fn config() -> Config {
        Config {
            function_name: "loop-test".to_owned(),
            memory: 128,
            version: "$LATEST".to_owned(),
            ..Config::default()
        }
    }

    /// Runs `test` on a current-thread runtime, as goblet's runtime is, with
    /// the process's `_X_AMZN_TRACE_ID` and current invocation to itself.
    fn run<T: Future<Output = ()>>(test: impl FnOnce() -> T) {
        let _serial = crate::PROCESS_STATE
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(test());
    }

    /// goblet-local's Runtime API on loopback: its `host:port` and handle.
    async fn local_runtime_api() -> (String, RuntimeHandle) {
        let (addr, handle) = LocalRuntimeApi::new("arn:aws:lambda:us-east-1:1:function:t")
            .bind()
            .await
            .expect("a Runtime API on loopback");
        (addr.to_string(), handle)
    }

    /// Runs the loop with [`echo`] until `driver` is done; the loop must
    /// not stop first.
    async fn serve_during(api: &str, driver: impl Future<Output = ()>) {
        tokio::select! {
            stopped = serve_at(api, config(), echo) => {
                let Err(e) = stopped;
                panic!("the loop stopped: {e}")
            }
            () = driver => {}
        }
    }

    /// Answers with what the handler saw: the payload, its trace id in the
    /// environment and in the context, and the request id; fails or
    /// panics when asked to.
    async fn echo(event: LambdaEvent<Bytes>) -> Result<Vec<u8>, Diagnostic> {
        match &event.payload[..] {
            b"fail" => Err(Diagnostic {
                error_type: "Test.Failure".to_owned(),
                error_message: "asked to fail".to_owned(),
            }),
            b"panic" => panic!("asked to panic"),
            payload => Ok(json!({
                "payload": String::from_utf8_lossy(payload),
                "env": std::env::var("_X_AMZN_TRACE_ID").ok(),
                "context": event.context.xray_trace_id,
                "request_id": event.context.request_id,
                "current": invocation::with_request_id(|id| id.map(str::to_owned)),
            })
            .to_string()
            .into_bytes()),
        }
    }

    #[test]
    fn every_event_is_answered_with_its_own_trace_id_in_the_environment() {
        run(|| async {
            let (addr, api) = local_runtime_api().await;
            let driver = async {
                let mut traces = std::collections::HashSet::new();
                for i in 0..50 {
                    let payload = format!("event {i}");
                    let invoked = api.invoke(payload.clone().into(), TIMEOUT).await.unwrap();
                    let Outcome::Response(body) = invoked.outcome else {
                        panic!("{:?}", invoked.outcome)
                    };
                    let seen: Value = serde_json::from_slice(&body).unwrap();
                    assert_eq!(seen["payload"], payload.as_str());
                    assert_eq!(seen["request_id"], invoked.request_id.as_str());
                    assert_eq!(seen["current"], invoked.request_id.as_str());
                    let env = seen["env"].as_str().expect("_X_AMZN_TRACE_ID is set");
                    assert!(env.starts_with("Root=1-"), "{env}");
                    assert_eq!(seen["env"], seen["context"]);
                    assert!(traces.insert(env.to_owned()), "trace id {env} again");
                }
            };
            serve_during(&addr, driver).await;
        });
    }

    #[test]
    fn errors_and_panics_are_posted_and_the_next_event_is_served() {
        run(|| async {
            let (addr, api) = local_runtime_api().await;
            let driver = async {
                for (payload, error_type, message) in [
                    ("fail", "Test.Failure", "asked to fail"),
                    (
                        "panic",
                        "goblet.Panic",
                        "the function panicked: asked to panic",
                    ),
                ] {
                    let invoked = api.invoke(payload.into(), TIMEOUT).await.unwrap();
                    let Outcome::FunctionError {
                        error_type: got,
                        body,
                    } = invoked.outcome
                    else {
                        panic!("{payload}: {:?}", invoked.outcome)
                    };
                    assert_eq!(got, error_type);
                    let doc: Value = serde_json::from_slice(&body).unwrap();
                    assert_eq!(
                        doc,
                        json!({"errorType": error_type, "errorMessage": message})
                    );
                    let invoked = api.invoke("next".into(), TIMEOUT).await.unwrap();
                    assert!(
                        matches!(invoked.outcome, Outcome::Response(_)),
                        "{invoked:?}"
                    );
                }
            };
            serve_during(&addr, driver).await;
        });
    }

    #[test]
    fn a_runtime_api_that_goes_away_ends_the_loop_with_where_and_why() {
        run(|| async {
            // Nothing listens on a port just released.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let api = format!("127.0.0.1:{port}");
            let stopped = tokio::time::timeout(TIMEOUT, serve_at(&api, config(), echo))
                .await
                .expect("the loop ends at once");
            let Err(message) = stopped;
            let message = message.to_string();
            assert!(
                message.starts_with(&format!(
                    "cannot reach the Lambda Runtime API at {api} (GET next): "
                )) && message.contains("onnection refused"),
                "{message}"
            );

            // A Runtime API that shuts down while the loop waits for an event.
            let (addr, handle) = local_runtime_api().await;
            let serving = serve_at(&addr, config(), echo);
            let closing = async {
                handle.ready().await.expect("the loop polls");
                handle.close(InvokeError::Closed);
                std::future::pending::<()>().await
            };
            let message = tokio::select! {
                stopped = serving => {
                    let Err(message) = stopped;
                    message.to_string()
                }
                () = closing => unreachable!(),
            };
            assert!(
                message.starts_with(&format!(
                    "the Runtime API at {addr} answered GET next with 500"
                )),
                "{message}"
            );
        });
    }

    #[test]
    fn the_runtime_api_is_host_and_port_or_an_http_url() {
        for (api, base) in [
            ("127.0.0.1:9001", Some("http://127.0.0.1:9001/")),
            ("localhost:9001", Some("http://localhost:9001/")),
            // cargo lambda watch's: requests go under its base path.
            (
                "http://127.0.0.1:9000/.rt/_",
                Some("http://127.0.0.1:9000/.rt/_"),
            ),
            ("http://[::1]:9000", Some("http://[::1]:9000/")),
            ("https://127.0.0.1:9000", None),
            ("http://127.0.0.1:9000/?x=1", None),
            ("not a host", None),
            ("", None),
        ] {
            let found = endpoint(api).map(|uri| uri.to_string());
            match base {
                Some(base) => assert_eq!(found.as_deref(), Ok(base), "{api:?}"),
                None => assert!(
                    found
                        .as_ref()
                        .is_err_and(|e| e.contains(&format!("`{api}`"))),
                    "{api:?}: {found:?}"
                ),
            }
        }
    }

    #[test]
    fn a_runtime_api_address_that_is_not_host_and_port_is_refused_by_name() {
        run(|| async {
            let stopped = serve_at("not a host", config(), echo).await;
            let Err(message) = stopped;
            let message = message.to_string();
            assert!(
                message.starts_with(
                    "AWS_LAMBDA_RUNTIME_API `not a host` is not host:port or an http:// URL"
                ),
                "{message}"
            );
        });
    }
}
