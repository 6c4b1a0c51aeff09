//! Test the app without deploying: [`Client`] sends requests through the full
//! dispatch path — a realistic event in, the proxy response out — inside an
//! ordinary `#[tokio::test]`.
//!
//! ```no_run
//! # async fn demo() {
//! use goblet::testing::Client;
//! use goblet::EventFormat;
//! let client = Client::new();
//! let response = client.get("/users/42?verbose=1").iam_user("alice").send().await;
//! assert_eq!(response.status(), 200);
//! // The app as `main` builds it, with fakes for its state if you like:
//! let client = Client::from_app(goblet::App::new().state(42_u32));
//! let response = client.get("/users/42").send().await;
//! assert_eq!(response.status(), 200);
//! let response = client.post("/users").json(&serde_json::json!({"name": "bob"}))
//!     .format(EventFormat::HttpV2).send().await;
//! # }
//! ```

use std::sync::{Arc, OnceLock};

use futures_util::FutureExt as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::dispatch::{self, Served};
use crate::event::RawEvent;
use crate::request::{EventFormat, Identity};
use crate::route;
use goblet_core::EventShape;

/// A function error, as Lambda reports it to the invoker (the body of an
/// `X-Amz-Function-Error` answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    pub error_type: String,
    pub error_message: String,
}

impl std::fmt::Display for FunctionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.error_message)
    }
}

/// Realistic events of each source, shaped as AWS documents them, as the
/// typed events handlers take (Chalice's `client.events.generate_*`).
pub mod events {
    use goblet_core::sample::{self, Origin};
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use crate::events::{
        DynamoDbEvent, EventBridgeEvent, KinesisEvent, S3Event, ScheduledEvent, SnsEvent, SqsEvent,
    };

    const REGION: &str = "us-east-1";

    fn origin() -> Origin<'static> {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        Origin {
            region: REGION,
            now_ms,
        }
    }

    fn typed<T: DeserializeOwned>(value: Value) -> T {
        serde_json::from_value(value).expect("goblet's samples are AWS's shapes")
    }

    /// One message per body, from the queue `jobs`.
    pub fn sqs<I, B>(bodies: I) -> SqsEvent
    where
        I: IntoIterator<Item = B>,
        B: AsRef<str>,
    {
        sqs_from("jobs", bodies)
    }

    /// One message per body, from `queue` (a name or an ARN).
    pub fn sqs_from<I, B>(queue: &str, bodies: I) -> SqsEvent
    where
        I: IntoIterator<Item = B>,
        B: AsRef<str>,
    {
        let bodies: Vec<B> = bodies.into_iter().collect();
        let bodies: Vec<&str> = bodies.iter().map(AsRef::as_ref).collect();
        typed(sample::sqs(
            &sample::queue_arn(queue, REGION),
            &bodies,
            origin(),
        ))
    }

    /// One notification on the topic `topic` (a name or an ARN).
    pub fn sns(topic: &str, message: &str) -> SnsEvent {
        typed(sample::sns(
            &sample::topic_arn(topic, REGION),
            message,
            None,
            origin(),
        ))
    }

    /// `s3:ObjectCreated:Put` of `key` in `bucket`.
    pub fn s3(bucket: &str, key: &str) -> S3Event {
        s3_event(bucket, key, "ObjectCreated:Put")
    }

    /// The S3 event `event` (as records name it: `ObjectRemoved:Delete`) of `key`.
    pub fn s3_event(bucket: &str, key: &str, event: &str) -> S3Event {
        typed(sample::s3(bucket, key, 1024, event, origin()))
    }

    /// What a schedule rule sends.
    pub fn schedule() -> ScheduledEvent {
        typed(sample::schedule(origin(), "goblet-schedule"))
    }

    /// An event from `source` of `detail_type`, as a rule delivers it.
    pub fn eventbridge(source: &str, detail_type: &str, detail: Value) -> EventBridgeEvent {
        typed(sample::eventbridge(
            source,
            detail_type,
            detail,
            None,
            origin(),
        ))
    }

    /// One INSERT on a table's stream.
    pub fn dynamodb_insert() -> DynamoDbEvent {
        typed(sample::dynamodb(
            &format!(
                "arn:aws:dynamodb:{REGION}:{}:table/orders/stream/2026-01-01T00:00:00.000",
                sample::ACCOUNT
            ),
            origin(),
        ))
    }

    /// One record carrying `data` on the stream `stream`.
    pub fn kinesis(stream: &str, data: &[u8]) -> KinesisEvent {
        typed(sample::kinesis(
            &sample::kinesis_arn(stream, REGION),
            data,
            origin(),
        ))
    }
}

/// Account id used for the test API and the default IAM caller.
pub const TEST_ACCOUNT_ID: &str = "123456789012";

/// Sends requests to the routes registered in this binary, through the app's
/// middleware, with the app's state: as the deployed function would.
#[derive(Debug, Clone)]
pub struct Client {
    served: Arc<Served>,
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl Client {
    /// A client for every `#[route]` in the test binary, with no state and no
    /// middleware (`App::new()`).
    ///
    /// # Panics
    /// As [`from_app`](Client::from_app): when a route takes a `State<T>`, use
    /// `from_app` with the state.
    pub fn new() -> Client {
        static PLAIN: OnceLock<Arc<Served>> = OnceLock::new();
        let served = PLAIN.get_or_init(|| serve(App::new()));
        Client {
            served: Arc::clone(served),
        }
    }

    /// A client for the app as built: its state (real values or fakes) and
    /// its middleware, around every `#[route]` in the test binary.
    ///
    /// # Panics
    /// When the function would not start: invalid routes (two handlers for
    /// one method and path, ...), a `State<T>` no one registered, a route
    /// layer for no route. The message is the init error Lambda would log.
    ///
    /// ```rust,standalone_crate
    /// use goblet::middleware::{Next, from_fn};
    /// use goblet::prelude::*;
    /// use goblet::testing::Client;
    ///
    /// /// What the handler reads from; a test gives it a fake.
    /// #[derive(Clone)]
    /// struct Greeter(&'static str);
    ///
    /// #[route("/greeting")]
    /// fn greeting(State(greeter): State<Greeter>) -> String {
    ///     greeter.0.to_owned()
    /// }
    ///
    /// async fn versioned(req: Request, next: Next) -> Response {
    ///     let mut response = next.run(req).await;
    ///     response.headers_mut().insert("x-api-version", HeaderValue::from_static("2"));
    ///     response
    /// }
    ///
    /// fn main() {
    ///     let app = goblet::App::new()
    ///         .state(Greeter("hello from a fake"))
    ///         .layer(from_fn(versioned));
    ///     let client = Client::from_app(app);
    ///     let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    ///     let response = runtime.block_on(client.get("/greeting").send());
    ///     assert_eq!(response.status(), 200);
    ///     assert_eq!(response.text(), "hello from a fake");
    ///     assert_eq!(response.header("x-api-version"), Some("2"));
    /// }
    /// ```
    pub fn from_app(app: App) -> Client {
        Client { served: serve(app) }
    }

    /// Invokes the event handler or plain function `name` (its Lambda
    /// `Handler`) with `event`, through its extractors and result
    /// conversion, as its own Lambda function would: the result's JSON, or
    /// the function error Lambda would report. Build realistic events with
    /// [`events`].
    ///
    /// # Panics
    /// When the app has no function named `name`, or `event` does not serialize.
    ///
    /// ```rust,standalone_crate
    /// use goblet::prelude::*;
    /// use goblet::testing::{Client, events};
    ///
    /// #[on_sqs_message(queue = "jobs")]
    /// async fn jobs(event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    ///     let mut response = SqsBatchResponse::default();
    ///     for message in event.records {
    ///         if message.body.as_deref() == Some("poison") {
    ///             let mut failure = BatchItemFailure::default();
    ///             failure.item_identifier = message.message_id.unwrap_or_default();
    ///             response.batch_item_failures.push(failure);
    ///         }
    ///     }
    ///     Ok(response)
    /// }
    ///
    /// fn main() {
    ///     let client = Client::new();
    ///     let event = events::sqs(["fine", "poison"]);
    ///     let poison = event.records[1].message_id.clone().unwrap();
    ///     let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    ///     let result = runtime.block_on(client.invoke("jobs", &event)).unwrap();
    ///     assert_eq!(result["batchItemFailures"][0]["itemIdentifier"], poison.as_str());
    /// }
    /// ```
    pub async fn invoke<E: serde::Serialize + ?Sized>(
        &self,
        name: &str,
        event: &E,
    ) -> Result<Value, FunctionError> {
        let payload = serde_json::to_vec(event).expect("the test event serializes");
        let bytes = self.invoke_raw(name, payload).await?;
        Ok(serde_json::from_slice(&bytes).expect("goblet writes JSON results"))
    }

    /// [`invoke`](Client::invoke) with the payload's bytes as sent, and the
    /// result's bytes as returned.
    pub async fn invoke_raw(
        &self,
        name: &str,
        payload: impl Into<Bytes>,
    ) -> Result<Vec<u8>, FunctionError> {
        let functions = self.served.functions();
        let Some(def) = functions.get(name) else {
            panic!(
                "the app has no function named `{name}` (functions: {})",
                functions.names().collect::<Vec<_>>().join(", ")
            );
        };
        let mut context = lambda_runtime::Context::default();
        context.request_id = format!("goblet-test-{name}");
        context.invoked_function_arn =
            format!("arn:aws:lambda:us-east-1:{TEST_ACCOUNT_ID}:function:{name}");
        context.deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64 + 900_000);
        let call = functions.call(def, payload.into(), context);
        let answer = std::panic::AssertUnwindSafe(call)
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                Err(lambda_runtime::Diagnostic {
                    error_type: "goblet.Panic".to_owned(),
                    error_message: format!(
                        "the function panicked: {}",
                        crate::runtime::panic_message(panic.as_ref())
                    ),
                })
            });
        answer.map_err(|d| FunctionError {
            error_type: d.error_type,
            error_message: d.error_message,
        })
    }

    pub fn request(&self, method: &str, path_and_query: &str) -> RequestBuilder {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_owned(), q.to_owned()),
            None => (path_and_query.to_owned(), String::new()),
        };
        RequestBuilder {
            served: Arc::clone(&self.served),
            method: method.to_owned(),
            path,
            query,
            headers: Vec::new(),
            body: None,
            base64: false,
            format: EventFormat::RestV1,
            alb_multi_value: true,
            identity: Identity {
                source_ip: Some("127.0.0.1".into()),
                user_agent: Some("goblet-test".into()),
                ..Identity::default()
            },
            stage_variables: Vec::new(),
        }
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request("GET", path)
    }
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request("POST", path)
    }
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.request("PUT", path)
    }
    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request("PATCH", path)
    }
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request("DELETE", path)
    }
    pub fn head(&self, path: &str) -> RequestBuilder {
        self.request("HEAD", path)
    }
    pub fn options(&self, path: &str) -> RequestBuilder {
        self.request("OPTIONS", path)
    }
}

/// One request being put together; [`send`](RequestBuilder::send) dispatches it.
#[derive(Debug, Clone)]
pub struct RequestBuilder {
    served: Arc<Served>,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    base64: bool,
    format: EventFormat,
    /// For ALB events: the target group's multi-value headers setting.
    alb_multi_value: bool,
    identity: Identity,
    stage_variables: Vec<(String, String)>,
}

impl RequestBuilder {
    /// Adds a header; call again with the same name for several values.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A JSON body, with `Content-Type: application/json`.
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        let body = serde_json::to_vec(value).expect("test body serializes");
        self.header("content-type", "application/json").body(body)
    }

    /// A text body, sent as is.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self.base64 = false;
        self
    }

    /// A binary body, sent base64-encoded with `isBase64Encoded: true`.
    pub fn binary(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self.base64 = true;
        self
    }

    /// The kind of event to send (ALB events carry multi-value headers).
    pub fn format(mut self, format: EventFormat) -> Self {
        self.format = format;
        self.alb_multi_value = true;
        self
    }

    /// The kind of event to send, ALB's multi-value setting included (see
    /// [`EventShape::ALL`](goblet_core::EventShape::ALL)).
    pub fn shape(mut self, shape: EventShape) -> Self {
        self.format = shape.format;
        self.alb_multi_value = shape.multi_value_headers;
        self
    }

    /// Calls as a verified IAM user of the test account, as API Gateway
    /// reports one after checking the SigV4 signature.
    pub fn iam_user(self, user: &str) -> Self {
        let identity = Identity {
            access_key: Some("AKIAIOSFODNN7EXAMPLE".into()),
            account_id: Some(TEST_ACCOUNT_ID.into()),
            caller: Some("AIDAJQABLZS4A3QDU576Q".into()),
            user: Some("AIDAJQABLZS4A3QDU576Q".into()),
            user_arn: Some(format!("arn:aws:iam::{TEST_ACCOUNT_ID}:user/{user}")),
            ..self.identity.clone()
        };
        self.identity(identity)
    }

    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = identity;
        self
    }

    pub fn stage_variable(mut self, name: &str, value: &str) -> Self {
        self.stage_variables
            .push((name.to_owned(), value.to_owned()));
        self
    }

    /// The event this request becomes, as the event source would send it.
    pub fn event(&self) -> Value {
        match self.format {
            EventFormat::RestV1 => self.rest_v1_event(),
            EventFormat::HttpV2 => self.v2_event(false),
            EventFormat::FunctionUrl => self.v2_event(true),
            EventFormat::Alb => self.alb_event(),
        }
    }

    /// Dispatches the event and decodes the proxy response.
    pub async fn send(self) -> TestResponse {
        let json = self.event().to_string();
        let raw = match RawEvent::parse(&json) {
            Ok(raw) => raw,
            Err(unknown) => panic!("{unknown}"),
        };
        let reply = match dispatch::handle(&self.served, raw).await {
            Ok(reply) => reply,
            Err(unknown) => panic!("{unknown}"),
        };
        let value = serde_json::to_value(&reply).expect("replies serialize");
        TestResponse::from_proxy_reply(&value).expect("goblet writes well-formed replies")
    }

    fn body_fields(&self, event: &mut Map<String, Value>) {
        let (body, encoded) = match &self.body {
            None => (Value::Null, false),
            Some(b) if self.base64 => (Value::String(STANDARD.encode(b)), true),
            Some(b) => (
                Value::String(String::from_utf8_lossy(b).into_owned()),
                false,
            ),
        };
        event.insert("body".into(), body);
        event.insert("isBase64Encoded".into(), Value::Bool(encoded));
    }

    fn decoded_path(&self) -> String {
        percent_encoding::percent_decode_str(&self.path)
            .decode_utf8_lossy()
            .into_owned()
    }

    fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    fn stage_variables(&self) -> Value {
        if self.stage_variables.is_empty() {
            return Value::Null;
        }
        Value::Object(
            self.stage_variables
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect(),
        )
    }

    /// The route API Gateway would pick: template and parameters.
    fn matched(&self) -> Option<(String, Vec<(String, String)>)> {
        let found = self.served.table().api().find(&self.path)?;
        let params = found
            .params
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        Some((found.resource.path.clone(), params))
    }

    fn rest_v1_event(&self) -> Value {
        let (single_headers, multi_headers) = header_maps(&self.headers);
        let pairs = self.query_pairs();
        let (single_query, multi_query) = header_maps(&pairs);
        let (resource, params) = self
            .matched()
            .unwrap_or_else(|| (self.path.clone(), Vec::new()));
        let params = if params.is_empty() {
            Value::Null
        } else {
            Value::Object(params.into_iter().map(|(k, v)| (k, json!(v))).collect())
        };
        let id = &self.identity;
        let mut event = json!({
            "resource": resource,
            // REST APIs keep the path as sent; parameters and query arrive decoded.
            "path": self.path,
            "httpMethod": self.method,
            "headers": single_headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": if pairs.is_empty() { Value::Null } else { single_query },
            "multiValueQueryStringParameters": if pairs.is_empty() { Value::Null } else { multi_query },
            "pathParameters": params,
            "stageVariables": self.stage_variables(),
            "requestContext": {
                "resourceId": "abc123",
                "resourcePath": resource,
                "httpMethod": self.method,
                "extendedRequestId": "Tc2zxFn3IAMF5ig=",
                "requestTime": "25/Nov/2026:09:00:00 +0000",
                "path": format!("/api{}", self.path),
                "accountId": TEST_ACCOUNT_ID,
                "protocol": "HTTP/1.1",
                "stage": "api",
                "domainPrefix": "testapi",
                "requestTimeEpoch": 1_795_597_200_000_i64,
                "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                "identity": {
                    "cognitoIdentityPoolId": null, "cognitoIdentityId": null,
                    "cognitoAuthenticationType": null, "cognitoAuthenticationProvider": null,
                    "principalOrgId": null, "apiKey": null,
                    "accessKey": id.access_key, "accountId": id.account_id,
                    "caller": id.caller, "user": id.user, "userArn": id.user_arn,
                    "sourceIp": id.source_ip, "userAgent": id.user_agent,
                },
                "domainName": "testapi.execute-api.us-east-1.amazonaws.com",
                "apiId": "testapi",
            },
        });
        self.body_fields(event.as_object_mut().expect("an object"));
        event
    }

    fn v2_event(&self, function_url: bool) -> Value {
        let mut headers = Map::new();
        let mut cookies = Vec::new();
        for (k, v) in &self.headers {
            let k = k.to_ascii_lowercase();
            if k == "cookie" {
                cookies.extend(v.split("; ").map(|c| json!(c)));
                continue;
            }
            match headers.get_mut(&k) {
                Some(Value::String(existing)) => {
                    existing.push(',');
                    existing.push_str(v);
                }
                _ => {
                    headers.insert(k, json!(v));
                }
            }
        }
        let matched = if function_url { None } else { self.matched() };
        let (route_key, params) = match matched {
            Some((template, params)) => (format!("{} {}", self.method, template), params),
            None => ("$default".to_owned(), Vec::new()),
        };
        let params = if params.is_empty() {
            Value::Null
        } else {
            Value::Object(params.into_iter().map(|(k, v)| (k, json!(v))).collect())
        };
        let id = &self.identity;
        let authorizer = match &id.access_key {
            Some(key) => json!({"iam": {
                "accessKey": key, "accountId": id.account_id, "callerId": id.caller,
                "cognitoIdentity": null, "principalOrgId": null,
                "userArn": id.user_arn, "userId": id.user,
            }}),
            None => Value::Null,
        };
        let (api_id, domain) = if function_url {
            (
                "dlp6k2gd7cz3nyxbuvmjxqfipa0mkvna",
                "dlp6k2gd7cz3nyxbuvmjxqfipa0mkvna.lambda-url.us-east-1.on.aws",
            )
        } else {
            ("testapi", "testapi.execute-api.us-east-1.amazonaws.com")
        };
        // HTTP APIs hand over the path decoded; function URLs as sent.
        let raw_path = if function_url {
            self.path.clone()
        } else {
            self.decoded_path()
        };
        let mut event = json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": raw_path,
            "rawQueryString": self.query,
            "cookies": if cookies.is_empty() { Value::Null } else { Value::Array(cookies) },
            "headers": headers,
            "pathParameters": params,
            "stageVariables": self.stage_variables(),
            "requestContext": {
                "accountId": TEST_ACCOUNT_ID,
                "apiId": api_id,
                "authorizer": authorizer,
                "domainName": domain,
                "domainPrefix": api_id,
                "http": {
                    "method": self.method, "path": raw_path, "protocol": "HTTP/1.1",
                    "sourceIp": id.source_ip, "userAgent": id.user_agent,
                },
                "requestId": "JKJaXmPLvHcESHA=",
                "routeKey": route_key,
                "stage": "$default",
                "time": "25/Nov/2026:09:00:00 +0000",
                "timeEpoch": 1_795_597_200_000_i64,
            },
        });
        self.body_fields(event.as_object_mut().expect("an object"));
        event
    }

    fn alb_event(&self) -> Value {
        let (single_headers, multi_headers) = header_maps(&self.headers);
        // ALB hands query parameters over exactly as the client sent them;
        // without multi-value headers, only a repeated key's last value.
        let raw_pairs: Vec<(String, String)> = self
            .query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|part| {
                let (k, v) = part.split_once('=').unwrap_or((part, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let (single_query, multi_query) = header_maps(&raw_pairs);
        let (headers_key, headers, query_key, query) = if self.alb_multi_value {
            (
                "multiValueHeaders",
                multi_headers,
                "multiValueQueryStringParameters",
                multi_query,
            )
        } else {
            (
                "headers",
                single_headers,
                "queryStringParameters",
                single_query,
            )
        };
        let mut event = json!({
            "requestContext": {"elb": {"targetGroupArn":
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/goblet/6d0ecf831eec9f09"}},
            "httpMethod": self.method,
            "path": self.path,
            query_key: query,
            headers_key: headers,
        });
        self.body_fields(event.as_object_mut().expect("an object"));
        event
    }
}

fn serve(app: App) -> Arc<Served> {
    match Served::new(app, route::registered()) {
        Ok(served) => Arc::new(served),
        Err(e) => panic!("goblet: the app would not start: {e}"),
    }
}

/// `headers` (last value wins, as API Gateway does) and `multiValueHeaders`.
fn header_maps(pairs: &[(String, String)]) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi = Map::new();
    for (k, v) in pairs {
        single.insert(k.clone(), json!(v));
        match multi.entry(k.clone()).or_insert_with(|| json!([])) {
            Value::Array(values) => values.push(json!(v)),
            _ => unreachable!("entries are arrays"),
        }
    }
    (Value::Object(single), Value::Object(multi))
}

/// A decoded proxy response.
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// Decodes a proxy response of any of the shapes (REST, HTTP API, ALB).
    pub fn from_proxy_reply(reply: &Value) -> Result<TestResponse, String> {
        let status = reply["statusCode"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .and_then(|s| StatusCode::from_u16(s).ok())
            .ok_or("statusCode missing or invalid")?;
        let mut headers = HeaderMap::new();
        let mut add = |k: &str, v: &str| -> Result<(), String> {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|e| e.to_string())?;
            let value = HeaderValue::from_str(v).map_err(|e| e.to_string())?;
            headers.append(name, value);
            Ok(())
        };
        if let Some(map) = reply["headers"].as_object() {
            for (k, v) in map {
                add(k, v.as_str().ok_or("header values are strings")?)?;
            }
        }
        if let Some(map) = reply["multiValueHeaders"].as_object() {
            for (k, values) in map {
                for v in values.as_array().ok_or("multi-value headers are arrays")? {
                    add(k, v.as_str().ok_or("header values are strings")?)?;
                }
            }
        }
        if let Some(cookies) = reply["cookies"].as_array() {
            for c in cookies {
                add("set-cookie", c.as_str().ok_or("cookies are strings")?)?;
            }
        }
        let text = reply["body"].as_str().unwrap_or_default();
        let body = if reply["isBase64Encoded"].as_bool() == Some(true) {
            Bytes::from(STANDARD.decode(text).map_err(|e| e.to_string())?)
        } else {
            Bytes::copy_from_slice(text.as_bytes())
        };
        Ok(TestResponse {
            status,
            headers,
            body,
        })
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON.
    ///
    /// # Panics
    /// When the body is not JSON of that shape (this is test support).
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not the expected JSON ({e}): {}",
                self.text()
            )
        })
    }
}
