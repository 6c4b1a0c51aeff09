//! The Lambda Runtime API (version 2018-06-01) over HTTP/1.1 on loopback.
//!
//! One server serves one runtime process, as one Lambda execution environment
//! has one endpoint:
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /2018-06-01/runtime/invocation/next` | waits for an event; 200 with the event and the `Lambda-Runtime-*` headers |
//! | `POST /2018-06-01/runtime/invocation/{id}/response` | 202; 413 past [`MAX_RESPONSE_BYTES`] |
//! | `POST /2018-06-01/runtime/invocation/{id}/error` | 202 |
//! | `POST /2018-06-01/runtime/init/error` | 202; the endpoint then fails every invocation |
//!
//! An unknown request id gets 400 `InvalidRequestID`, a second answer 403
//! `InvalidStateTransition`, anything else 404: Lambda's error documents.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::invocations::{AnswerError, Interrupted, Invocations, InvokeError, Invoked, Outcome};

/// The largest response Lambda accepts from a function (6 MB).
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;

const PREFIX: &str = "/2018-06-01/runtime/";
/// Error documents posted to `/error` are small; anything bigger is cut.
const MAX_ERROR_BYTES: usize = 1024 * 1024;

/// Builds a Runtime API endpoint; [`RuntimeApi::bind`] starts it.
#[derive(Debug, Clone)]
pub struct RuntimeApi {
    function_arn: String,
    max_response_bytes: usize,
}

impl RuntimeApi {
    /// An endpoint that tells the runtime it is the function `function_arn`.
    pub fn new(function_arn: impl Into<String>) -> RuntimeApi {
        RuntimeApi {
            function_arn: function_arn.into(),
            max_response_bytes: MAX_RESPONSE_BYTES,
        }
    }

    /// Changes the response size limit (Lambda's is [`MAX_RESPONSE_BYTES`]).
    pub fn max_response_bytes(mut self, limit: usize) -> RuntimeApi {
        self.max_response_bytes = limit;
        self
    }

    /// Starts serving on an ephemeral port of 127.0.0.1. Give the runtime
    /// `AWS_LAMBDA_RUNTIME_API=<addr>`; the server stops when the handle drops.
    pub async fn bind(self) -> io::Result<(SocketAddr, RuntimeHandle)> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let invocations = Arc::new(Invocations::default());
        let server = Server {
            api: self,
            invocations: invocations.clone(),
        };
        let task = tokio::spawn(Arc::new(server).serve(listener));
        tracing::debug!(%addr, "Runtime API listening");
        let handle = RuntimeHandle {
            addr,
            invocations,
            server: task.abort_handle(),
        };
        Ok((addr, handle))
    }
}

/// A running Runtime API endpoint: hands events to its runtime and returns
/// the answers. Dropping it stops the server and fails what is still waiting.
pub struct RuntimeHandle {
    addr: SocketAddr,
    invocations: Arc<Invocations>,
    server: tokio::task::AbortHandle,
}

impl std::fmt::Debug for RuntimeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeHandle")
            .field("addr", &self.addr)
            .field("closed", &self.invocations.closed())
            .finish()
    }
}

impl RuntimeHandle {
    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues `event` for the runtime and waits for its answer.
    ///
    /// The deadline the runtime sees is now + `timeout`; past it the call
    /// returns [`InvokeError::TimedOut`] and the runtime's late answer is
    /// refused. Lambda ends an environment whose invocation timed out: do the
    /// same (see [`Worker::kill`](super::Worker::kill)). Invocations from
    /// concurrent calls are served one after the other, in order.
    pub async fn invoke(&self, event: Bytes, timeout: Duration) -> Result<Invoked, InvokeError> {
        self.invocations.invoke(event, timeout).await
    }

    /// Waits until the runtime asks for its first event, i.e. it finished
    /// initialising, and returns when that happened.
    pub async fn ready(&self) -> Result<Instant, InvokeError> {
        self.invocations.ready().await
    }

    /// Fails every waiting and later invocation with `reason` (the first
    /// reason given sticks) and answers the runtime's long poll with an error.
    pub fn close(&self, reason: InvokeError) {
        self.invocations.close(reason);
    }

    /// Why the endpoint no longer serves invocations, if it does not.
    pub fn closed(&self) -> Option<InvokeError> {
        self.invocations.closed()
    }

    /// When the runtime first asked for an event (its init was over), if it has.
    pub fn initialised_at(&self) -> Option<Instant> {
        self.invocations.first_poll()
    }

    /// The invocation the runtime held when the endpoint closed, if any.
    pub fn interrupted(&self) -> Option<Interrupted> {
        self.invocations.interrupted()
    }

    /// The endpoint's state, for whoever watches the runtime process.
    pub(crate) fn invocations(&self) -> Arc<Invocations> {
        self.invocations.clone()
    }
}

impl Drop for RuntimeHandle {
    fn drop(&mut self) {
        self.invocations.close(InvokeError::Closed);
        self.server.abort();
    }
}

struct Server {
    api: RuntimeApi,
    invocations: Arc<Invocations>,
}

type Reply = Response<Full<Bytes>>;

impl Server {
    async fn serve(self: Arc<Self>, listener: TcpListener) {
        // Connections end with the accept loop: the set aborts them on drop.
        let mut connections = JoinSet::new();
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!("Runtime API cannot accept a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                Some(_) = connections.join_next() => continue,
            };
            let _ = stream.set_nodelay(true);
            let server = self.clone();
            connections.spawn(async move {
                let service = service_fn(move |req| server.clone().route(req));
                let conn = http1::Builder::new()
                    .title_case_headers(true)
                    .serve_connection(TokioIo::new(stream), service);
                if let Err(e) = conn.await {
                    tracing::debug!("Runtime API connection ended: {e}");
                }
            });
        }
    }

    async fn route(self: Arc<Self>, req: Request<Incoming>) -> Result<Reply, Infallible> {
        let path = req.uri().path().to_owned();
        let rest = path.strip_prefix(PREFIX).unwrap_or_default();
        let parts: Vec<&str> = rest.split('/').collect();
        let reply = match (req.method(), parts.as_slice()) {
            (&Method::GET, ["invocation", "next"]) => self.next().await,
            (&Method::POST, ["invocation", id, "response"]) if !id.is_empty() => {
                self.response(id, req).await
            }
            (&Method::POST, ["invocation", id, "error"]) if !id.is_empty() => {
                self.function_error(id, req).await
            }
            (&Method::POST, ["init", "error"]) => self.init_error(req).await,
            _ => error_reply(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!(
                    "{} {path} is not part of the Lambda Runtime API",
                    req.method()
                ),
            ),
        };
        tracing::trace!(path, status = %reply.status(), "Runtime API request");
        Ok(reply)
    }

    async fn next(&self) -> Reply {
        let next = match self.invocations.next().await {
            Ok(next) => next,
            Err(reason) => {
                return error_reply(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "ServiceUnavailable",
                    &format!("no more invocations: {reason}"),
                );
            }
        };
        let built = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json")
            .header("Lambda-Runtime-Aws-Request-Id", &next.request_id)
            .header("Lambda-Runtime-Deadline-Ms", next.deadline_ms.to_string())
            .header(
                "Lambda-Runtime-Invoked-Function-Arn",
                &self.api.function_arn,
            )
            .header("Lambda-Runtime-Trace-Id", &next.trace_id)
            .body(Full::new(next.event));
        match built {
            Ok(reply) => reply,
            Err(e) => {
                // Only a function ARN with bytes a header cannot hold gets here.
                let reason = format!("cannot hand the event to the runtime: {e}");
                let _ = self.invocations.answer(
                    &next.request_id,
                    Outcome::FunctionError {
                        error_type: "Runtime.InvalidHeader".into(),
                        body: error_document("Runtime.InvalidHeader", &reason),
                    },
                );
                error_reply(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalServerError",
                    &reason,
                )
            }
        }
    }

    async fn response(&self, id: &str, req: Request<Incoming>) -> Reply {
        let limit = self.api.max_response_bytes;
        let outcome = match read_body(req.into_body(), limit).await {
            Ok(body) => Outcome::Response(body),
            Err(BodyError::TooLarge) => {
                let message = format!(
                    "Response payload size exceeded maximum allowed payload size ({limit} bytes)."
                );
                let outcome = Outcome::FunctionError {
                    error_type: "Function.ResponseSizeTooLarge".into(),
                    body: error_document("Function.ResponseSizeTooLarge", &message),
                };
                return match self.invocations.answer(id, outcome) {
                    Ok(()) => error_reply(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "RequestEntityTooLarge",
                        &format!("Exceeded maximum allowed payload size ({limit} bytes)."),
                    ),
                    Err(e) => answer_error_reply(e),
                };
            }
            Err(BodyError::Truncated(e)) => return truncated(e),
        };
        match self.invocations.answer(id, outcome) {
            Ok(()) => accepted(),
            Err(e) => answer_error_reply(e),
        }
    }

    async fn function_error(&self, id: &str, req: Request<Incoming>) -> Reply {
        let header_type = error_type_header(&req);
        let body = match read_body(req.into_body(), MAX_ERROR_BYTES).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => Bytes::new(),
            Err(BodyError::Truncated(e)) => return truncated(e),
        };
        let (error_type, body) = error_outcome(header_type, body);
        match self
            .invocations
            .answer(id, Outcome::FunctionError { error_type, body })
        {
            Ok(()) => accepted(),
            Err(e) => answer_error_reply(e),
        }
    }

    async fn init_error(&self, req: Request<Incoming>) -> Reply {
        let header_type = error_type_header(&req);
        let body = match read_body(req.into_body(), MAX_ERROR_BYTES).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => Bytes::new(),
            Err(BodyError::Truncated(e)) => return truncated(e),
        };
        let (error_type, body) = error_outcome(header_type, body);
        tracing::debug!(error_type, "the runtime reported an init error");
        self.invocations
            .close(InvokeError::InitFailed { error_type, body });
        accepted()
    }
}

enum BodyError {
    TooLarge,
    Truncated(Box<dyn std::error::Error + Send + Sync>),
}

async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(BodyError::TooLarge),
        Err(e) => Err(BodyError::Truncated(e)),
    }
}

fn error_type_header(req: &Request<Incoming>) -> Option<String> {
    req.headers()
        .get("Lambda-Runtime-Function-Error-Type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The error type and document of an error post. The body's `errorType` wins
/// over the header; with neither Lambda says `Unhandled`. A body that is not
/// an error document is replaced by one built from the header, as Lambda does.
fn error_outcome(header_type: Option<String>, body: Bytes) -> (String, Bytes) {
    #[derive(serde::Deserialize)]
    struct Doc {
        #[serde(rename = "errorType")]
        error_type: Option<String>,
    }
    match serde_json::from_slice::<Doc>(&body) {
        Ok(Doc {
            error_type: Some(t),
        }) => (t, body),
        Ok(Doc { error_type: None }) => (header_type.unwrap_or_else(|| "Unhandled".into()), body),
        Err(_) => {
            let error_type = header_type.unwrap_or_else(|| "Unhandled".into());
            let message = String::from_utf8_lossy(&body).into_owned();
            let body = error_document(&error_type, &message);
            (error_type, body)
        }
    }
}

/// `{"errorMessage": message, "errorType": error_type}`.
pub(crate) fn error_document(error_type: &str, message: &str) -> Bytes {
    serde_json::json!({ "errorMessage": message, "errorType": error_type })
        .to_string()
        .into()
}

fn error_reply(status: StatusCode, error_type: &str, message: &str) -> Reply {
    let mut reply = Response::new(Full::new(error_document(error_type, message)));
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    reply
}

fn accepted() -> Reply {
    let mut reply = Response::new(Full::new(Bytes::from_static(br#"{"status":"OK"}"#)));
    *reply.status_mut() = StatusCode::ACCEPTED;
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    reply
}

fn answer_error_reply(e: AnswerError) -> Reply {
    match e {
        AnswerError::UnknownId => error_reply(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            "Invalid request ID",
        ),
        AnswerError::AlreadyAnswered => error_reply(
            StatusCode::FORBIDDEN,
            "InvalidStateTransition",
            "This invocation was already answered or has ended",
        ),
    }
}

fn truncated(e: Box<dyn std::error::Error + Send + Sync>) -> Reply {
    error_reply(
        StatusCode::BAD_REQUEST,
        "TruncatedHTTPRequest",
        &format!("cannot read the request body: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;
    use serde_json::Value;

    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:test";

    /// A runtime of our own: a plain HTTP client speaking the Runtime API.
    struct Runtime {
        client: Client<HttpConnector, Full<Bytes>>,
        base: String,
    }

    struct Got {
        status: StatusCode,
        headers: http::HeaderMap,
        body: Bytes,
    }

    impl Got {
        fn json(&self) -> Value {
            serde_json::from_slice(&self.body).unwrap()
        }
        fn header(&self, name: &str) -> &str {
            self.headers[name].to_str().unwrap()
        }
    }

    impl Runtime {
        fn new(addr: SocketAddr) -> Runtime {
            Runtime {
                client: Client::builder(TokioExecutor::new()).build_http(),
                base: format!("http://{addr}/2018-06-01/runtime"),
            }
        }

        async fn send(
            &self,
            method: Method,
            path: &str,
            headers: &[(&str, &str)],
            body: &[u8],
        ) -> Got {
            let mut req = Request::builder()
                .method(method)
                .uri(format!("{}{path}", self.base));
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            let req = req.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
            let res = self.client.request(req).await.unwrap();
            let (parts, body) = res.into_parts();
            Got {
                status: parts.status,
                headers: parts.headers,
                body: body.collect().await.unwrap().to_bytes(),
            }
        }

        async fn next(&self) -> Got {
            self.send(Method::GET, "/invocation/next", &[], b"").await
        }

        async fn post(&self, path: &str, body: &[u8]) -> Got {
            self.send(Method::POST, path, &[], body).await
        }
    }

    async fn start() -> (RuntimeHandle, Runtime) {
        let (addr, handle) = RuntimeApi::new(ARN)
            .max_response_bytes(1000)
            .bind()
            .await
            .unwrap();
        assert_eq!(addr, handle.addr());
        assert!(addr.ip().is_loopback());
        (handle, Runtime::new(addr))
    }

    fn invoke(
        handle: &Arc<RuntimeHandle>,
        event: &'static str,
    ) -> tokio::task::JoinHandle<Result<Invoked, InvokeError>> {
        let handle = handle.clone();
        tokio::spawn(async move {
            handle
                .invoke(
                    Bytes::from_static(event.as_bytes()),
                    Duration::from_secs(10),
                )
                .await
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn next_then_response() {
        let (handle, runtime) = start().await;
        let handle = Arc::new(handle);
        // The long poll waits for an event.
        let poll = tokio::spawn(async move {
            let got = runtime.next().await;
            (runtime, got)
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!poll.is_finished());
        let before = std::time::SystemTime::now();
        let call = invoke(&handle, r#"{"hello":"world"}"#);
        let (runtime, got) = poll.await.unwrap();
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.json(), serde_json::json!({"hello": "world"}));
        let id = got.header("lambda-runtime-aws-request-id").to_owned();
        assert_eq!(id.len(), 36);
        assert_eq!(got.header("lambda-runtime-invoked-function-arn"), ARN);
        assert!(got.header("lambda-runtime-trace-id").starts_with("Root=1-"));
        let deadline: u128 = got.header("lambda-runtime-deadline-ms").parse().unwrap();
        let expected = (before + Duration::from_secs(10))
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        assert!(
            deadline.abs_diff(expected) < 2_000,
            "{deadline} vs {expected}"
        );
        assert_eq!(got.header("content-type"), "application/json");

        let posted = runtime
            .post(
                &format!("/invocation/{id}/response"),
                b"{\"statusCode\":200}",
            )
            .await;
        assert_eq!(posted.status, StatusCode::ACCEPTED);
        let invoked = call.await.unwrap().unwrap();
        assert_eq!(invoked.request_id, id);
        assert_eq!(
            invoked.outcome,
            Outcome::Response(Bytes::from_static(b"{\"statusCode\":200}"))
        );
        assert!(invoked.queued < Duration::from_secs(5));
        handle.ready().await.unwrap();

        // A second answer for the same id is refused, like Lambda does.
        let again = runtime
            .post(&format!("/invocation/{id}/response"), b"{}")
            .await;
        assert_eq!(again.status, StatusCode::FORBIDDEN);
        assert_eq!(again.json()["errorType"], "InvalidStateTransition");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn function_errors() {
        let (handle, runtime) = start().await;
        let handle = Arc::new(handle);
        let call = invoke(&handle, "{}");
        let id = runtime
            .next()
            .await
            .header("lambda-runtime-aws-request-id")
            .to_owned();
        let doc = br#"{"errorMessage":"bad event","errorType":"serde_json::Error"}"#;
        let posted = runtime
            .send(
                Method::POST,
                &format!("/invocation/{id}/error"),
                &[("Lambda-Runtime-Function-Error-Type", "unhandled")],
                doc,
            )
            .await;
        assert_eq!(posted.status, StatusCode::ACCEPTED);
        let invoked = call.await.unwrap().unwrap();
        assert_eq!(
            invoked.outcome,
            Outcome::FunctionError {
                error_type: "serde_json::Error".into(),
                body: Bytes::from_static(doc)
            }
        );

        // Not an error document: the header names the error.
        let call = invoke(&handle, "{}");
        let id = runtime
            .next()
            .await
            .header("lambda-runtime-aws-request-id")
            .to_owned();
        let posted = runtime
            .send(
                Method::POST,
                &format!("/invocation/{id}/error"),
                &[("Lambda-Runtime-Function-Error-Type", "Runtime.Oops")],
                b"it broke",
            )
            .await;
        assert_eq!(posted.status, StatusCode::ACCEPTED);
        let Outcome::FunctionError { error_type, body } = call.await.unwrap().unwrap().outcome
        else {
            panic!("not an error")
        };
        assert_eq!(error_type, "Runtime.Oops");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"errorMessage": "it broke", "errorType": "Runtime.Oops"})
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn responses_past_the_limit_become_errors() {
        let (handle, runtime) = start().await;
        let handle = Arc::new(handle);
        let call = invoke(&handle, "{}");
        let id = runtime
            .next()
            .await
            .header("lambda-runtime-aws-request-id")
            .to_owned();
        let posted = runtime
            .post(&format!("/invocation/{id}/response"), &[b'x'; 1001])
            .await;
        assert_eq!(posted.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(posted.json()["errorType"], "RequestEntityTooLarge");
        let Outcome::FunctionError { error_type, .. } = call.await.unwrap().unwrap().outcome else {
            panic!("not an error")
        };
        assert_eq!(error_type, "Function.ResponseSizeTooLarge");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unknown_ids_and_paths() {
        let (_handle, runtime) = start().await;
        for what in ["response", "error"] {
            let got = runtime
                .post(&format!("/invocation/no-such-id/{what}"), b"{}")
                .await;
            assert_eq!(got.status, StatusCode::BAD_REQUEST);
            assert_eq!(
                got.json(),
                serde_json::json!({"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
            );
        }
        for (method, path) in [
            (Method::GET, "/invocation/x/response"),
            (Method::POST, "/invocation/next"),
            (Method::GET, "/init/error"),
            (Method::POST, "/invocation//response"),
            (Method::GET, "/nope"),
        ] {
            let got = runtime.send(method.clone(), path, &[], b"").await;
            assert_eq!(got.status, StatusCode::NOT_FOUND, "{method} {path}");
            assert_eq!(got.json()["errorType"], "NotFound");
        }
        let got = runtime
            .client
            .get(
                format!("http://{}/", runtime.base.split('/').nth(2).unwrap())
                    .parse()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(got.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn init_errors_fail_waiting_and_later_invocations() {
        let (handle, runtime) = start().await;
        let handle = Arc::new(handle);
        let call = invoke(&handle, "{}");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let doc = br#"{"errorMessage":"missing TABLE_NAME","errorType":"Runtime.InitError"}"#;
        let got = runtime
            .send(
                Method::POST,
                "/init/error",
                &[("Lambda-Runtime-Function-Error-Type", "Runtime.InitError")],
                doc,
            )
            .await;
        assert_eq!(got.status, StatusCode::ACCEPTED);
        let err = call.await.unwrap().unwrap_err();
        assert_eq!(
            err,
            InvokeError::InitFailed {
                error_type: "Runtime.InitError".into(),
                body: Bytes::from_static(doc)
            }
        );
        assert_eq!(
            err.to_string(),
            "the function failed to initialise: Runtime.InitError: missing TABLE_NAME"
        );
        assert_eq!(
            handle.invoke(Bytes::new(), Duration::from_secs(1)).await,
            Err(err.clone())
        );
        assert_eq!(handle.ready().await, Err(err));
        // The runtime's poll is answered, not left hanging.
        assert_eq!(
            runtime.next().await.status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_wakes_the_caller_and_the_poll() {
        let (handle, runtime) = start().await;
        let handle = Arc::new(handle);
        let poll = tokio::spawn(async move { runtime.next().await });
        let call = invoke(&handle, "{}");
        let got = poll.await.unwrap();
        assert_eq!(got.status, StatusCode::OK);
        // The worker dies mid-invocation: whoever notices closes the endpoint.
        let killed = tokio::time::timeout(Duration::from_secs(5), async {
            handle.close(InvokeError::Killed);
            call.await.unwrap()
        })
        .await
        .expect("the caller was not woken");
        assert_eq!(killed, Err(InvokeError::Killed));
        assert_eq!(handle.closed(), Some(InvokeError::Killed));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn polling_again_without_answering_fails_the_invocation() {
        let (handle, runtime) = start().await;
        let handle = Arc::new(handle);
        let call = invoke(&handle, "{}");
        let id = runtime
            .next()
            .await
            .header("lambda-runtime-aws-request-id")
            .to_owned();
        let poll = tokio::spawn(async move { runtime.next().await });
        assert_eq!(
            call.await.unwrap(),
            Err(InvokeError::NoResponse { request_id: id })
        );
        // The next invocation is served normally.
        let call = invoke(&handle, "2");
        let got = poll.await.unwrap();
        assert_eq!(got.body, "2");
        drop(call);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn timeouts_refuse_late_answers_and_dropping_stops_the_server() {
        let (handle, runtime) = start().await;
        let addr = handle.addr();
        let runtime = Arc::new(runtime);
        // The runtime polls first, and the endpoint has seen the poll, before
        // the 300 ms start: else, on a loaded machine, the poll could arrive
        // after the deadline, find the event withdrawn and wait forever.
        let poll = tokio::spawn({
            let runtime = runtime.clone();
            async move { runtime.next().await }
        });
        tokio::time::timeout(Duration::from_secs(30), handle.ready())
            .await
            .expect("the runtime's poll never reached the endpoint")
            .unwrap();
        let result = handle
            .invoke(Bytes::from_static(b"{}"), Duration::from_millis(300))
            .await;
        let got = tokio::time::timeout(Duration::from_secs(30), poll)
            .await
            .expect("the waiting poll was not handed the event")
            .unwrap();
        let id = got.header("lambda-runtime-aws-request-id").to_owned();
        assert!(
            matches!(&result, Err(InvokeError::TimedOut { request_id, .. }) if *request_id == id),
            "{result:?}"
        );
        let late = runtime
            .post(&format!("/invocation/{id}/response"), b"{}")
            .await;
        assert_eq!(late.status, StatusCode::FORBIDDEN);

        // Dropping the handle aborts the server; the listener closes soon
        // after, not at once: wait for it, within a generous bound.
        drop(handle);
        let closed_by = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(addr).await.is_ok() {
            assert!(
                tokio::time::Instant::now() < closed_by,
                "the server still accepts connections"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
