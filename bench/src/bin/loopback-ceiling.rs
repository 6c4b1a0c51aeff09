//! Reference servers for `bench/local.sh`: what this machine's loopback allows
//! before any API Gateway or Lambda work is done.
//!
//! - `hello PORT`: a bare hyper HTTP/1 server answering `{"hello":"world"}`,
//!   the floor of any local server with the app in-process (what chalice
//!   local is).
//! - `proxy PORT BACKEND_PORT`: a hyper server forwarding each request over a
//!   kept-alive hyper-util client to a `hello` server on BACKEND_PORT, and its
//!   answer back: the floor of any design that runs the app in a separate
//!   process and talks to it over HTTP on loopback, as Lambda's Runtime API
//!   does (which needs more: a long-polled `next` plus a `response` per event).
//! - `runtime PORT WORKERS [FUNCTION]`: the Runtime API's own shape at its
//!   leanest. The server on PORT queues each request as an event, the same
//!   API Gateway REST event every time (bench/fixtures/apigw-rest-v1-get.json,
//!   `GET /`); WORKERS child processes, each with its own endpoint, loop on
//!   `GET …/invocation/next` and `POST …/invocation/{id}/response`, and the
//!   server parses the proxy response and returns its status and body. The
//!   workers run FUNCTION, a Lambda function binary (given the environment
//!   `lambda_runtime` requires), or else this program's `worker ADDR`: a bare
//!   loop on a hyper-util client (the one `lambda_runtime` uses). No event
//!   building, logs or timeouts: the floor under `goblet local`, with and
//!   without a real runtime.
//!
//! All run on a current-thread tokio runtime, as `goblet local` does.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service, service_fn};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, oneshot};

const USAGE: &str = "usage: loopback-ceiling hello PORT | proxy PORT BACKEND_PORT | runtime PORT WORKERS [FUNCTION] | worker ADDR";
const NEXT: &str = "/2018-06-01/runtime/invocation/next";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = |i: usize| -> u16 {
        let Some(arg) = args.get(i) else {
            exit_with(USAGE)
        };
        arg.parse()
            .unwrap_or_else(|_| exit_with(&format!("not a port: {arg}")))
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| exit_with(&format!("tokio runtime: {e}")));
    let result = match args.first().map(String::as_str) {
        Some("hello") => runtime.block_on(serve(port(1), None)),
        Some("proxy") => runtime.block_on(serve(port(1), Some(port(2)))),
        Some("runtime") => runtime.block_on(runtime_front(port(1), port(2), args.get(3))),
        Some("worker") => match args.get(1) {
            Some(addr) => runtime.block_on(worker(addr)),
            None => exit_with(USAGE),
        },
        _ => exit_with(USAGE),
    };
    if let Err(e) = result {
        exit_with(&e.to_string());
    }
}

fn exit_with(message: &str) -> ! {
    eprintln!("loopback-ceiling: {message}");
    std::process::exit(2)
}

async fn serve(port: u16, backend: Option<u16>) -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(connector);
    serve_http(listener, move || {
        let client = client.clone();
        service_fn(move |request: Request<Incoming>| {
            let client = client.clone();
            async move {
                Ok(match backend {
                    None => hello(),
                    Some(backend) => forward(&client, backend, request).await,
                })
            }
        })
    })
    .await
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

fn hello() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(br#"{"hello":"world"}"#)));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

async fn forward(
    client: &Client<HttpConnector, Full<Bytes>>,
    backend: u16,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let uri = format!("http://127.0.0.1:{backend}{}", request.uri().path());
    let (parts, body) = request.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return status(400);
    };
    let mut outgoing = Request::new(Full::new(body));
    *outgoing.method_mut() = parts.method;
    *outgoing.uri_mut() = match uri.parse() {
        Ok(uri) => uri,
        Err(_) => return status(400),
    };
    let Ok(answer) = client.request(outgoing).await else {
        return status(502);
    };
    let (parts, body) = answer.into_parts();
    match body.collect().await {
        Ok(body) => Response::from_parts(parts, Full::new(body.to_bytes())),
        Err(_) => status(502),
    }
}

/// One pending event: its body, and where its proxy response goes.
type Event = (Bytes, oneshot::Sender<Bytes>);

const EVENT: &str = include_str!("../../fixtures/apigw-rest-v1-get.json");

async fn runtime_front(port: u16, workers: u16, function: Option<&String>) -> std::io::Result<()> {
    let (queue, events) = mpsc::unbounded_channel::<Event>();
    let events = Arc::new(Mutex::new(events));
    let exe = std::env::current_exe()?;
    for _ in 0..workers {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?.to_string();
        tokio::spawn(runtime_endpoint(listener, events.clone()));
        // The children go with this process's group (bench/local.sh uses setsid).
        let mut command = match function {
            Some(function) => {
                let mut command = std::process::Command::new(function);
                command.envs([
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
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    serve_http(listener, move || {
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
    if queue
        .send((Bytes::from_static(EVENT.as_bytes()), answer))
        .is_err()
    {
        return status(502);
    }
    let Ok(reply) = answered.await else {
        return status(502);
    };
    let Ok(reply) = serde_json::from_slice::<ProxyResponse>(&reply) else {
        return status(502);
    };
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status_code).unwrap_or_default();
    response
}

/// One worker's Runtime API: `next` takes the oldest queued event.
async fn runtime_endpoint(
    listener: TcpListener,
    events: Arc<Mutex<mpsc::UnboundedReceiver<Event>>>,
) {
    let pending: Arc<std::sync::Mutex<Option<oneshot::Sender<Bytes>>>> = Arc::default();
    let _ = serve_http(listener, move || {
        let (events, pending) = (events.clone(), pending.clone());
        service_fn(move |request: Request<Incoming>| {
            let (events, pending) = (events.clone(), pending.clone());
            async move {
                if request.uri().path() == NEXT {
                    let Some((event, answer)) = events.lock().await.recv().await else {
                        return Ok(status(500));
                    };
                    *pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(answer);
                    return Ok(next_event(event));
                }
                let body = request.into_body().collect().await.map(|b| b.to_bytes());
                let answer = pending.lock().unwrap_or_else(|e| e.into_inner()).take();
                Ok(match (body, answer) {
                    (Ok(body), Some(answer)) => {
                        let _ = answer.send(body);
                        status(202)
                    }
                    _ => status(400),
                })
            }
        })
    })
    .await;
}

/// An event with the headers `lambda_runtime` requires, and a new trace id
/// each time as Lambda sends (the runtime sets it in its environment).
fn next_event(event: Bytes) -> Response<Full<Bytes>> {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + 30_000;
    let mut response = Response::new(Full::new(event));
    let headers = [
        ("lambda-runtime-aws-request-id", format!("bench-{n}")),
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
        if let Ok(value) = hyper::header::HeaderValue::try_from(value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// A runtime loop with no framework: next, answer, repeat.
async fn worker(addr: &str) -> std::io::Result<()> {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let next: hyper::Uri = format!("http://{addr}{NEXT}")
        .parse()
        .map_err(std::io::Error::other)?;
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
        let reply = serde_json::json!({
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": r#"{"hello":"world"}"#,
        });
        let mut post = Request::new(Full::new(Bytes::from(reply.to_string())));
        *post.method_mut() = hyper::Method::POST;
        *post.uri_mut() = format!("http://{addr}/2018-06-01/runtime/invocation/{id}/response")
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

fn status(code: u16) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = hyper::StatusCode::from_u16(code).unwrap_or_default();
    response
}
