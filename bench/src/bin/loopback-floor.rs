//! Floors for `bench/local.sh`: what this machine allows before any API
//! Gateway work is done.
//!
//! - `hello PORT`: a bare hyper HTTP/1 server answering `{"hello":"world"}`,
//!   the floor of any local server with the app in-process (what chalice
//!   local is).
//! - `proxy PORT BACKEND_PORT`: a hyper server forwarding each request over a
//!   kept-alive hyper-util client to a `hello` server on BACKEND_PORT, and its
//!   answer back: the floor of any design that runs the app in a separate
//!   process and talks to it over HTTP on loopback.
//! - `runtime PORT WORKERS [FUNCTION]`: the Lambda Runtime API's own exchange
//!   and nothing else. The server on PORT queues each request as the same API
//!   Gateway REST event (bench/fixtures/apigw-rest-v1-get.json, `GET /`);
//!   WORKERS child processes, each with its own endpoint, take one event at a
//!   time (a long-polled `GET …/invocation/next`, then `POST
//!   …/invocation/{id}/response`, routed by request id), and the server
//!   returns the proxy response's status and body, or 504 after
//!   [`TIMEOUT`]. The workers run FUNCTION, a Lambda function binary (in an
//!   environment holding only what `lambda_runtime` requires), or else this
//!   program's `worker ADDR`, a bare loop on a hyper-util client (the one
//!   `lambda_runtime` uses). No event building, logs or memory readings: the
//!   floor under `goblet local`'s unauthenticated route.
//!
//! All run on a current-thread tokio runtime with mimalloc, as `goblet local`
//! does. The Runtime API here is written for the purpose rather than taken
//! from `goblet_local::lambda` (which `bench/src/bin/lambda-lifecycle.rs`
//! uses): a floor must not carry goblet's own bookkeeping.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use goblet_bench::REST_V1_EVENT;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::{Service, service_fn};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, oneshot};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: loopback-floor hello PORT | proxy PORT BACKEND_PORT | runtime PORT WORKERS [FUNCTION] | worker ADDR";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";
/// How long the `runtime` server waits for a response (a function that died
/// would otherwise hold the request for ever).
const TIMEOUT: Duration = Duration::from_secs(10);

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, what: &str| -> u16 {
        let Some(arg) = args.get(i) else {
            exit_with(USAGE)
        };
        match arg.parse() {
            Ok(n) if n > 0 => n,
            _ => exit_with(&format!("not a {what}: {arg}")),
        }
    };
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| exit_with(&format!("tokio runtime: {e}")));
    let result = match args.first().map(String::as_str) {
        Some("hello") => tokio.block_on(hello_server(number(1, "port"))),
        Some("proxy") => tokio.block_on(proxy(number(1, "port"), number(2, "port"))),
        Some("runtime") => tokio.block_on(runtime(
            number(1, "port"),
            number(2, "worker count"),
            args.get(3),
        )),
        Some("worker") => match args.get(1) {
            Some(addr) => tokio.block_on(worker(addr)),
            None => exit_with(USAGE),
        },
        _ => exit_with(USAGE),
    };
    if let Err(e) = result {
        exit_with(&e.to_string());
    }
}

fn exit_with(message: &str) -> ! {
    eprintln!("loopback-floor: {message}");
    std::process::exit(2)
}

async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await
}

/// Serves HTTP/1 on every connection `listener` accepts, each with a
/// service of its own. A client going away mid-request is not this
/// benchmark's concern.
async fn serve_http<S>(listener: TcpListener, service: impl Fn() -> S) -> std::io::Result<()>
where
    S: Service<Request<Incoming>, Response = Response<Full<Bytes>>, Error = Infallible>
        + Send
        + 'static,
    S::Future: Send,
{
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let service = service();
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

// --- hello, proxy ---------------------------------------------------------------

async fn hello_server(port: u16) -> std::io::Result<()> {
    serve_http(bind(port).await?, || {
        service_fn(|_: Request<Incoming>| async {
            let mut response = Response::new(Full::new(Bytes::from_static(
                goblet_bench::HELLO_BODY.as_bytes(),
            )));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Ok(response)
        })
    })
    .await
}

async fn proxy(port: u16, backend: u16) -> std::io::Result<()> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(connector);
    serve_http(bind(port).await?, move || {
        let client = client.clone();
        service_fn(move |request: Request<Incoming>| {
            let client = client.clone();
            async move { Ok(forward(&client, backend, request).await) }
        })
    })
    .await
}

async fn forward(
    client: &HttpClient,
    backend: u16,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let uri = format!("http://127.0.0.1:{backend}{}", request.uri().path());
    let (parts, body) = request.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return status(StatusCode::BAD_REQUEST);
    };
    let mut outgoing = Request::new(Full::new(body));
    *outgoing.method_mut() = parts.method;
    *outgoing.uri_mut() = match uri.parse() {
        Ok(uri) => uri,
        Err(_) => return status(StatusCode::BAD_REQUEST),
    };
    let Ok(answer) = client.request(outgoing).await else {
        return status(StatusCode::BAD_GATEWAY);
    };
    let (parts, body) = answer.into_parts();
    match body.collect().await {
        Ok(body) => Response::from_parts(parts, Full::new(body.to_bytes())),
        Err(_) => status(StatusCode::BAD_GATEWAY),
    }
}

// --- runtime ----------------------------------------------------------------------

/// One queued event: where its proxy response goes.
type Event = oneshot::Sender<Bytes>;

async fn runtime(port: u16, workers: u16, function: Option<&String>) -> std::io::Result<()> {
    let (queue, events) = mpsc::unbounded_channel::<Event>();
    let events = Arc::new(Mutex::new(events));
    let exe = std::env::current_exe()?;
    for _ in 0..workers {
        let listener = bind(0).await?;
        let addr = listener.local_addr()?.to_string();
        let events = events.clone();
        tokio::spawn(async move {
            if let Err(e) = runtime_endpoint(listener, events).await {
                eprintln!("loopback-floor: a Runtime API endpoint stopped: {e}");
            }
        });
        // The children go with this process's group (bench/local.sh uses setsid).
        let mut command = match function {
            Some(function) => {
                let mut command = std::process::Command::new(function);
                command.env_clear().envs([
                    ("PATH", "/usr/local/bin:/usr/bin:/bin"),
                    ("AWS_LAMBDA_RUNTIME_API", addr.as_str()),
                    ("AWS_LAMBDA_FUNCTION_NAME", "bench"),
                    ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
                    ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
                ]);
                command
            }
            None => {
                let mut command = std::process::Command::new(&exe);
                command.args(["worker", &addr]);
                command
            }
        };
        command.spawn()?;
    }
    serve_http(bind(port).await?, move || {
        let queue = queue.clone();
        service_fn(move |_: Request<Incoming>| {
            let queue = queue.clone();
            async move { Ok(invoke(&queue).await) }
        })
    })
    .await
}

/// Every request is the fixture's `GET /`, whatever was asked.
async fn invoke(queue: &mpsc::UnboundedSender<Event>) -> Response<Full<Bytes>> {
    #[derive(serde::Deserialize)]
    struct ProxyResponse {
        #[serde(rename = "statusCode")]
        status_code: u16,
        body: String,
    }
    let (answer, answered) = oneshot::channel();
    if queue.send(answer).is_err() {
        return status(StatusCode::BAD_GATEWAY);
    }
    let reply = match tokio::time::timeout(TIMEOUT, answered).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(_)) => return status(StatusCode::BAD_GATEWAY),
        Err(_) => return status(StatusCode::GATEWAY_TIMEOUT),
    };
    let Ok(reply) = serde_json::from_slice::<ProxyResponse>(&reply) else {
        return status(StatusCode::BAD_GATEWAY);
    };
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = StatusCode::from_u16(reply.status_code).unwrap_or_default();
    response
}

/// One worker's Runtime API: `next` takes the oldest queued event, and a
/// `response` answers the event of the id in its path.
async fn runtime_endpoint(
    listener: TcpListener,
    events: Arc<Mutex<mpsc::UnboundedReceiver<Event>>>,
) -> std::io::Result<()> {
    let pending: Arc<std::sync::Mutex<HashMap<String, Event>>> = Arc::default();
    serve_http(listener, move || {
        let (events, pending) = (events.clone(), pending.clone());
        service_fn(move |request: Request<Incoming>| {
            let (events, pending) = (events.clone(), pending.clone());
            async move {
                let route = request.uri().path().strip_prefix(INVOCATION);
                if request.method() == Method::GET && route == Some("next") {
                    let Some(answer) = events.lock().await.recv().await else {
                        return Ok(status(StatusCode::INTERNAL_SERVER_ERROR));
                    };
                    let (id, response) = next_event();
                    pending
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id, answer);
                    return Ok(response);
                }
                let id = route.and_then(|r| r.strip_suffix("/response"));
                let Some(id) = id.filter(|_| request.method() == Method::POST) else {
                    return Ok(status(StatusCode::NOT_FOUND));
                };
                let answer = pending.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
                let Some(answer) = answer else {
                    return Ok(status(StatusCode::BAD_REQUEST));
                };
                Ok(match request.into_body().collect().await {
                    Ok(body) => {
                        let _ = answer.send(body.to_bytes());
                        status(StatusCode::ACCEPTED)
                    }
                    Err(_) => status(StatusCode::BAD_REQUEST),
                })
            }
        })
    })
    .await
}

/// The next event, with its request id and the headers `lambda_runtime`
/// requires; a new trace id each time, as Lambda sends (the runtime sets it
/// in its environment).
fn next_event() -> (String, Response<Full<Bytes>>) {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let id = format!("floor-{n}");
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + TIMEOUT.as_millis();
    let mut response = Response::new(Full::new(Bytes::from_static(REST_V1_EVENT.as_bytes())));
    let headers = [
        ("lambda-runtime-aws-request-id", id.clone()),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
        ),
        (
            "lambda-runtime-trace-id",
            format!("Root=1-00000000-{n:024x};Sampled=0"),
        ),
    ];
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::try_from(value) {
            response.headers_mut().insert(name, value);
        }
    }
    (id, response)
}

/// A runtime loop with no framework: next, answer, repeat.
async fn worker(addr: &str) -> std::io::Result<()> {
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let next: hyper::Uri = format!("http://{addr}{INVOCATION}next")
        .parse()
        .map_err(std::io::Error::other)?;
    let reply = Bytes::from(
        serde_json::json!({
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": goblet_bench::HELLO_BODY,
        })
        .to_string(),
    );
    loop {
        let event = client
            .get(next.clone())
            .await
            .map_err(std::io::Error::other)?;
        let id = event
            .headers()
            .get("lambda-runtime-aws-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let event = event
            .into_body()
            .collect()
            .await
            .map_err(std::io::Error::other)?;
        // Read, as a handler would, though this one does not look at it.
        let _event: serde_json::Value =
            serde_json::from_slice(&event.to_bytes()).map_err(std::io::Error::other)?;
        let mut post = Request::new(Full::new(reply.clone()));
        *post.method_mut() = Method::POST;
        *post.uri_mut() = format!("http://{addr}{INVOCATION}{id}/response")
            .parse()
            .map_err(std::io::Error::other)?;
        let answer = client.request(post).await.map_err(std::io::Error::other)?;
        answer
            .into_body()
            .collect()
            .await
            .map_err(std::io::Error::other)?;
    }
}
