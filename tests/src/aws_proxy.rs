//! A recording HTTP proxy on loopback between `goblet` and moto: it counts
//! the AWS calls (classified by method and path, `X-Amz-Target` or the query
//! `Action=`), and can SIGKILL the client right after moto has carried out its
//! Nth mutating call, before the response reaches the client.
//!
//! moto is lax where AWS is strict (quotas, IAM propagation, validation). A
//! test adds [`Rule`]s so the proxy answers as AWS would: before a request
//! reaches moto (an AWS error in the service's own protocol, see
//! [`Answer::json_error`] and [`Answer::query_error`]), or by changing moto's
//! response where moto itself is wrong.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use crate::apigateway::ApiGatewayAsAws;

/// One call, as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `CreateRole`, `Logs_20140328.PutRetentionPolicy` or `PUT /restapis/x/...`.
    pub operation: String,
    pub mutating: bool,
    /// The region and service of the SigV4 credential scope the call was
    /// signed for (`Credential=AKID/20260101/eu-west-1/lambda/aws4_request`).
    pub signed_for: Option<(String, String)>,
    /// A [`Rule`] answered in AWS's place: moto did not see it as it was.
    pub refused: bool,
}

/// A request as the proxy saw it.
#[derive(Debug)]
pub struct Seen<'a> {
    pub method: &'a str,
    /// Path and query.
    pub uri: &'a str,
    /// As in [`Call::operation`].
    pub operation: &'a str,
    /// Header names in lower case.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Seen<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(self.body).unwrap_or_default()
    }
}

/// An HTTP response: moto's, or one a [`Rule`] gives in AWS's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    /// An error of a JSON protocol service (API Gateway, Lambda, CloudWatch
    /// Logs): the type in `x-amzn-ErrorType` and in the body's `__type`,
    /// which the SDKs read for rest-json and json-1.1 alike.
    pub fn json_error(status: u16, error_type: &str, message: &str) -> Answer {
        let body = serde_json::json!({"__type": error_type, "message": message, "Type": "User"});
        Answer {
            status,
            headers: vec![
                ("x-amzn-ErrorType".into(), error_type.into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: body.to_string().into_bytes(),
        }
    }

    /// An error of a query protocol service (IAM, STS).
    pub fn query_error(status: u16, code: &str, message: &str) -> Answer {
        let body = format!(
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
             <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
             <RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        );
        Answer {
            status,
            headers: vec![("Content-Type".into(), "text/xml".into())],
            body: body.into_bytes(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    fn parse(raw: &[u8]) -> Option<Answer> {
        let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = std::str::from_utf8(&raw[..end]).ok()?;
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let mut headers = Vec::new();
        for line in lines {
            let (k, v) = line.split_once(':')?;
            if k.eq_ignore_ascii_case("transfer-encoding") {
                return None;
            }
            if !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("connection") {
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        Some(Answer {
            status,
            headers,
            body: raw[end + 4..].to_vec(),
        })
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} X\r\n", self.status);
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// How the proxy plays a stricter part of AWS than moto does.
pub trait Rule: Send {
    /// AWS's answer to `request` in moto's place; `None` lets moto answer.
    fn before(&mut self, request: &Seen) -> Option<Answer> {
        let _ = request;
        None
    }

    /// Turns moto's `response` into AWS's, where moto is wrong.
    fn after(&mut self, request: &Seen, response: &mut Answer) {
        let _ = (request, response);
    }
}

/// A rule from a closure, for [`Rule::before`].
pub struct Before<F>(pub F);

impl<F: FnMut(&Seen) -> Option<Answer> + Send> Rule for Before<F> {
    fn before(&mut self, request: &Seen) -> Option<Answer> {
        (self.0)(request)
    }
}

/// A rule from a closure, for [`Rule::after`].
pub struct After<F>(pub F);

impl<F: FnMut(&Seen, &mut Answer) + Send> Rule for After<F> {
    fn after(&mut self, request: &Seen, response: &mut Answer) {
        (self.0)(request, response)
    }
}

/// Lambda's account concurrency, which moto does not serve (its Lambda has no
/// `GET /2016-08-19/account-settings/`): answers GetAccountSettings as
/// Lambda does, its `UnreservedConcurrentExecutions` the account's quota
/// minus what the functions reserve, kept up to date from the
/// PutFunctionConcurrency, DeleteFunctionConcurrency and DeleteFunction calls
/// moto carries out.
#[derive(Debug, Clone)]
pub struct LambdaAccount {
    /// `ConcurrentExecutions`: the region's quota (1,000 by default on AWS).
    pub limit: i64,
    /// Each function's reservation, by name.
    pub reserved: std::collections::BTreeMap<String, i64>,
}

impl LambdaAccount {
    pub fn new(limit: i64) -> LambdaAccount {
        LambdaAccount {
            limit,
            reserved: Default::default(),
        }
    }

    /// The function named by a `/2017-10-31/functions/{name}/concurrency` or
    /// `/2015-03-31/functions/{name}` path.
    fn function_in(path: &str, suffix: &str) -> Option<String> {
        let rest = path.strip_prefix('/')?;
        let (_version, rest) = rest.split_once('/')?;
        let name = rest.strip_prefix("functions/")?.strip_suffix(suffix)?;
        (!name.is_empty() && !name.contains('/')).then(|| name.to_owned())
    }
}

impl Rule for LambdaAccount {
    fn before(&mut self, request: &Seen) -> Option<Answer> {
        let path = request.uri.split('?').next().unwrap_or_default();
        if request.method != "GET" || path.trim_end_matches('/') != "/2016-08-19/account-settings" {
            return None;
        }
        let reserved: i64 = self.reserved.values().sum();
        let body = serde_json::json!({
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800_i64,
                "CodeSizeUnzipped": 262_144_000,
                "CodeSizeZipped": 52_428_800,
                "ConcurrentExecutions": self.limit,
                "UnreservedConcurrentExecutions": self.limit - reserved,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": self.reserved.len()},
        });
        Some(Answer {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        })
    }

    fn after(&mut self, request: &Seen, response: &mut Answer) {
        if !(200..300).contains(&response.status) {
            return;
        }
        let path = request.uri.split('?').next().unwrap_or_default();
        let path = path.trim_end_matches('/');
        if let Some(name) = LambdaAccount::function_in(path, "/concurrency") {
            match request.method {
                "PUT" => {
                    if let Some(n) = request.json()["ReservedConcurrentExecutions"].as_i64() {
                        self.reserved.insert(name, n);
                    }
                }
                "DELETE" => {
                    self.reserved.remove(&name);
                }
                _ => {}
            }
        } else if request.method == "DELETE"
            && let Some(name) = LambdaAccount::function_in(path, "")
        {
            self.reserved.remove(&name);
        }
    }
}

/// Lambda's validation of a function's environment variables, which moto
/// skips: on CreateFunction and UpdateFunctionConfiguration, a name that does
/// not match `[a-zA-Z]([a-zA-Z0-9_])+` (Lambda API reference, `Environment`),
/// a reserved name (Lambda Developer Guide, defined runtime environment
/// variables), or variables over 4 KB measured as Lambda measures them (the
/// compact JSON of the map, which its error shows as "String measured")
/// are refused as Lambda refuses them.
#[derive(Debug, Clone, Copy, Default)]
pub struct LambdaEnvironment;

impl LambdaEnvironment {
    const RESERVED: [&'static str; 18] = [
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    ];

    fn key_ok(key: &str) -> bool {
        let bytes = key.as_bytes();
        bytes.len() >= 2
            && bytes[0].is_ascii_alphabetic()
            && bytes[1..]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    }

    /// Lambda's answer to these variables, if it refuses them.
    pub fn refusal(variables: &serde_json::Map<String, serde_json::Value>) -> Option<Answer> {
        if variables.keys().any(|k| !LambdaEnvironment::key_ok(k)) {
            return Some(Answer::json_error(
                400,
                "ValidationException",
                "1 validation error detected: Value at 'environment.variables' failed to satisfy \
                 constraint: Map keys must satisfy constraint: [Member must satisfy regular \
                 expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
            ));
        }
        let reserved: Vec<&str> = variables
            .keys()
            .map(String::as_str)
            .filter(|k| LambdaEnvironment::RESERVED.contains(k))
            .collect();
        if !reserved.is_empty() {
            return Some(Answer::json_error(
                400,
                "InvalidParameterValueException",
                &format!(
                    "Lambda was unable to configure your environment variables because the \
                     environment variables you have provided contains reserved keys that are \
                     currently not supported for modification. Reserved keys used in this \
                     request: {}",
                    reserved.join(", ")
                ),
            ));
        }
        let measured = serde_json::Value::Object(variables.clone()).to_string();
        if measured.len() > 4096 {
            return Some(Answer::json_error(
                400,
                "InvalidParameterValueException",
                &format!(
                    "Lambda was unable to configure your environment variables because the \
                     environment variables you have provided exceeded the 4KB limit. String \
                     measured: {measured}"
                ),
            ));
        }
        None
    }
}

/// Whether `request` sets a function's configuration: CreateFunction or
/// UpdateFunctionConfiguration.
fn configures_function(request: &Seen) -> bool {
    let path = request.uri.split('?').next().unwrap_or_default();
    let path = path.trim_end_matches('/');
    let create = request.method == "POST" && path == "/2015-03-31/functions";
    let configure = request.method == "PUT"
        && path.starts_with("/2015-03-31/functions/")
        && path.ends_with("/configuration");
    create || configure
}

impl Rule for LambdaEnvironment {
    fn before(&mut self, request: &Seen) -> Option<Answer> {
        if !configures_function(request) {
            return None;
        }
        let body = request.json();
        let variables = body["Environment"]["Variables"].as_object()?;
        LambdaEnvironment::refusal(variables)
    }
}

/// Lambda's logging configuration, which moto ignores (it neither keeps
/// `LoggingConfig` nor returns one): keeps what CreateFunction and
/// UpdateFunctionConfiguration set, copies it into each version
/// PublishVersion makes, and puts it in the function configurations Lambda
/// returns (GetFunction, GetFunctionConfiguration, and the answers of those
/// three calls), as Lambda completes it: `Text` and the log group
/// `/aws/lambda/{name}` by default, `INFO` for both levels with `JSON`
/// unless given. Levels with the text format are refused: Lambda filters by
/// level in the JSON format only (Developer Guide, "Log-level filtering").
#[derive(Debug, Clone, Default)]
pub struct LambdaLogging {
    /// Each function's `$LATEST` configuration, by name.
    latest: std::collections::BTreeMap<String, serde_json::Value>,
    /// Each published version's, by (name, version).
    versions: std::collections::BTreeMap<(String, String), serde_json::Value>,
}

impl LambdaLogging {
    /// `LoggingConfig` as Lambda keeps it once `sent` (`Null`: none sent).
    pub fn completed(sent: &serde_json::Value, function: &str) -> serde_json::Value {
        let format = sent["LogFormat"].as_str().unwrap_or("Text");
        let mut config = serde_json::json!({
            "LogFormat": format,
            "LogGroup": sent["LogGroup"].as_str().map_or_else(|| format!("/aws/lambda/{function}"), str::to_owned),
        });
        if format == "JSON" {
            for level in ["ApplicationLogLevel", "SystemLogLevel"] {
                config[level] = sent[level].as_str().unwrap_or("INFO").into();
            }
        }
        config
    }

    /// Lambda's refusal of `sent`, if it refuses it.
    pub fn refusal(sent: &serde_json::Value) -> Option<Answer> {
        let text = sent["LogFormat"].as_str().unwrap_or("Text") != "JSON";
        let levels = ["ApplicationLogLevel", "SystemLogLevel"]
            .iter()
            .any(|level| !sent[level].is_null());
        (text && levels).then(|| {
            Answer::json_error(
                400,
                "InvalidParameterValueException",
                "ApplicationLogLevel and SystemLogLevel can be set only when LogFormat is JSON.",
            )
        })
    }

    /// The function a `/2015-03-31/functions/{name}…` path names, and the rest of it.
    fn function_in(path: &str) -> Option<(String, &str)> {
        let rest = path.strip_prefix("/2015-03-31/functions/")?;
        let (name, tail) = rest.split_once('/').map_or((rest, ""), |(n, t)| (n, t));
        let name = name.replace("%3A", ":");
        // A function ARN (`…:function:NAME[:qualifier]`) names it too.
        let name = match name.split_once(":function:") {
            Some((_, after)) => after.split(':').next().unwrap_or(after).to_owned(),
            None => name,
        };
        (!name.is_empty()).then_some((name, tail))
    }

    /// Puts the logging configuration of `configuration`'s version in it.
    fn fill(&self, configuration: &mut serde_json::Value) {
        let Some(name) = configuration["FunctionName"].as_str().map(str::to_owned) else {
            return;
        };
        let version = configuration["Version"]
            .as_str()
            .unwrap_or("$LATEST")
            .to_owned();
        let kept = if version == "$LATEST" {
            self.latest.get(&name)
        } else {
            self.versions.get(&(name.clone(), version))
        };
        configuration["LoggingConfig"] = kept
            .cloned()
            .unwrap_or_else(|| LambdaLogging::completed(&serde_json::Value::Null, &name));
    }
}

impl Rule for LambdaLogging {
    fn before(&mut self, request: &Seen) -> Option<Answer> {
        if !configures_function(request) {
            return None;
        }
        LambdaLogging::refusal(&request.json()["LoggingConfig"])
    }

    fn after(&mut self, request: &Seen, response: &mut Answer) {
        if !(200..300).contains(&response.status) {
            return;
        }
        let path = request.uri.split('?').next().unwrap_or_default();
        let path = path.trim_end_matches('/');
        let mut body = response.json();
        let sent = request.json();
        match (request.method, LambdaLogging::function_in(path)) {
            ("POST", None) if path == "/2015-03-31/functions" => {
                let Some(name) = body["FunctionName"].as_str().map(str::to_owned) else {
                    return;
                };
                let config = LambdaLogging::completed(&sent["LoggingConfig"], &name);
                self.latest.insert(name, config);
                self.fill(&mut body);
            }
            ("PUT", Some((name, "configuration"))) => {
                // Lambda keeps the function's configuration when none is sent.
                if !sent["LoggingConfig"].is_null() {
                    let config = LambdaLogging::completed(&sent["LoggingConfig"], &name);
                    self.latest.insert(name, config);
                }
                self.fill(&mut body);
            }
            ("POST", Some((name, "versions"))) => {
                let Some(version) = body["Version"].as_str().map(str::to_owned) else {
                    return;
                };
                let latest =
                    self.latest.get(&name).cloned().unwrap_or_else(|| {
                        LambdaLogging::completed(&serde_json::Value::Null, &name)
                    });
                self.versions.entry((name, version)).or_insert(latest);
                self.fill(&mut body);
            }
            ("GET", Some((_, ""))) => self.fill(&mut body["Configuration"]),
            ("GET", Some((_, "configuration"))) => self.fill(&mut body),
            ("DELETE", Some((name, ""))) => {
                self.latest.remove(&name);
                self.versions.retain(|(function, _), _| *function != name);
                return;
            }
            _ => return,
        }
        response.body = body.to_string().into_bytes();
    }
}

struct Shared {
    calls: Mutex<Vec<Call>>,
    /// The request body of each call, by operation.
    bodies: Mutex<Vec<(String, Vec<u8>)>>,
    /// API Gateway as AWS runs it ([`crate::apigateway`]): always first.
    aws: Mutex<ApiGatewayAsAws>,
    /// Applied in the order added; the first answer wins.
    rules: Mutex<Vec<Box<dyn Rule>>>,
    /// Kill `pid` after this many mutating calls (0: never).
    kill_after: AtomicU32,
    pid: AtomicU32,
    killed: AtomicBool,
}

impl Shared {
    fn new(upstream: u16) -> Shared {
        Shared {
            calls: Mutex::default(),
            bodies: Mutex::default(),
            aws: Mutex::new(ApiGatewayAsAws::new(upstream)),
            rules: Mutex::default(),
            kill_after: AtomicU32::default(),
            pid: AtomicU32::default(),
            killed: AtomicBool::default(),
        }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("calls", &self.calls)
            .field("rules", &self.rules.lock().map(|r| r.len()).unwrap_or(0))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct Proxy {
    shared: Arc<Shared>,
    pub port: u16,
}

impl Proxy {
    /// Starts forwarding `127.0.0.1:{port}` to `upstream_port`.
    pub fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let shared = Arc::new(Shared::new(upstream_port));
        let accept = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = accept.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, upstream_port, &shared);
                });
            }
        });
        Proxy { shared, port }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds a rule, for every later request (until [`Proxy::clear_rules`]).
    pub fn rule(&self, rule: impl Rule + 'static) {
        self.shared.rules.lock().unwrap().push(Box::new(rule));
    }

    pub fn clear_rules(&self) {
        self.shared.rules.lock().unwrap().clear();
    }

    /// Forgets the calls seen so far and disarms the kill (rules stay).
    pub fn reset(&self) {
        self.shared.calls.lock().unwrap().clear();
        self.shared.bodies.lock().unwrap().clear();
        self.shared.kill_after.store(0, Ordering::SeqCst);
        self.shared.killed.store(false, Ordering::SeqCst);
    }

    /// Kills process `pid` once moto has done the `n`th mutating call.
    pub fn kill_after(&self, n: u32, pid: u32) {
        self.shared.pid.store(pid, Ordering::SeqCst);
        self.shared.kill_after.store(n, Ordering::SeqCst);
    }

    pub fn killed(&self) -> bool {
        self.shared.killed.load(Ordering::SeqCst)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// The request bodies of the calls to `operation` (as in [`Call::operation`]).
    pub fn bodies(&self, operation: &str) -> Vec<Vec<u8>> {
        self.shared
            .bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|(op, _)| op == operation)
            .map(|(_, body)| body.clone())
            .collect()
    }

    pub fn mutating(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.mutating).collect()
    }

    /// The operations of [`Proxy::mutating`], in order.
    pub fn mutating_operations(&self) -> Vec<String> {
        self.mutating().into_iter().map(|c| c.operation).collect()
    }
}

fn serve(mut client: TcpStream, upstream: u16, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut content_length = 0usize;
    let mut target = None;
    let mut signed_for = None;
    let mut headers = Vec::new();
    let mut request_line = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if request_line.is_empty() {
            request_line = line.trim_end().to_owned();
            head.extend_from_slice(line.as_bytes());
            continue;
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim().to_owned();
        headers.push((name.clone(), value.clone()));
        match name.as_str() {
            "content-length" => content_length = value.parse().unwrap_or(0),
            "x-amz-target" => target = Some(value.clone()),
            "authorization" => signed_for = credential_scope(&value),
            "connection" => continue,
            "transfer-encoding" => panic!("chunked requests are not supported by the test proxy"),
            _ => {}
        }
        head.extend_from_slice(line.as_bytes());
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;

    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let uri = parts.next().unwrap_or_default().to_owned();
    let mut call = classify(&method, &uri, target.as_deref(), &body);
    call.signed_for = signed_for;
    let mutating = call.mutating;
    let operation = call.operation.clone();
    let number = {
        let mut calls = shared.calls.lock().unwrap();
        calls.push(call);
        calls.iter().filter(|c| c.mutating).count() as u32
    };
    shared
        .bodies
        .lock()
        .unwrap()
        .push((operation.clone(), body.clone()));
    let seen = Seen {
        method: &method,
        uri: &uri,
        operation: &operation,
        headers: &headers,
        body: &body,
    };
    let answered = {
        let mut rules = shared.rules.lock().unwrap();
        rules
            .iter_mut()
            .find_map(|r| r.before(&seen))
            .or_else(|| shared.aws.lock().unwrap().before(&seen))
    };
    let response = match answered {
        Some(answer) => {
            // A refusal: nothing happened upstream.
            if mutating && answer.status >= 400 {
                let mut calls = shared.calls.lock().unwrap();
                if let Some(last) = calls.iter_mut().rev().find(|c| c.operation == operation) {
                    last.refused = true;
                }
            }
            answer.to_bytes()
        }
        None => forward(&head, &body, upstream, shared, &seen)?,
    };

    let kill_after = shared.kill_after.load(Ordering::SeqCst);
    if mutating && kill_after != 0 && number == kill_after {
        let pid = shared.pid.load(Ordering::SeqCst);
        // Set first: whoever waits for the client sees it once the client is gone.
        shared.killed.store(true, Ordering::SeqCst);
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        return Ok(());
    }
    client.write_all(&response)?;
    client.flush()
}

/// Sends the request to moto; its response, as the rules make it.
fn forward(
    head: &[u8],
    body: &[u8],
    upstream: u16,
    shared: &Shared,
    seen: &Seen,
) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.write_all(head)?;
    server.write_all(body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    {
        let mut rules = shared.rules.lock().unwrap();
        if let Some(mut answer) = Answer::parse(&response) {
            let before = answer.clone();
            shared.aws.lock().unwrap().after(seen, &mut answer);
            for rule in rules.iter_mut() {
                rule.after(seen, &mut answer);
            }
            if answer != before {
                response = answer.to_bytes();
            }
        }
    }

    Ok(response)
}

/// Names the operation and says whether it changes anything.
pub fn classify(method: &str, uri: &str, target: Option<&str>, body: &[u8]) -> Call {
    let query = uri.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let action = target
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_owned())
        .or_else(|| param(query, "Action"))
        .or_else(|| param(&String::from_utf8_lossy(body), "Action"));
    match action {
        Some(action) => {
            let reads = ["Get", "List", "Describe", "Filter"];
            Call {
                mutating: !reads.iter().any(|r| action.starts_with(r)),
                operation: action,
                signed_for: None,
                refused: false,
            }
        }
        None => Call {
            operation: format!("{method} {}", uri.split('?').next().unwrap_or(uri)),
            mutating: !matches!(method, "GET" | "HEAD"),
            signed_for: None,
            refused: false,
        },
    }
}

/// `(region, service)` of an `Authorization: AWS4-HMAC-SHA256 Credential=…` header.
fn credential_scope(authorization: &str) -> Option<(String, String)> {
    let scope = authorization.split("Credential=").nth(1)?;
    let scope = scope.split([',', ' ']).next()?;
    let parts: Vec<&str> = scope.split('/').collect();
    match parts.as_slice() {
        [_, _, region, service, "aws4_request"] => {
            Some(((*region).to_owned(), (*service).to_owned()))
        }
        _ => None,
    }
}

fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_protocol() {
        let iam = classify("POST", "/", None, b"Action=CreateRole&Version=2010-05-08");
        assert_eq!((iam.operation.as_str(), iam.mutating), ("CreateRole", true));
        let get = classify("POST", "/", None, b"Action=GetRole&RoleName=x");
        assert!(!get.mutating);
        let logs = classify("POST", "/", Some("Logs_20140328.DescribeLogGroups"), b"{}");
        assert_eq!(logs.operation, "DescribeLogGroups");
        assert!(!logs.mutating);
        let rest = classify("PUT", "/restapis/a/resources/b/methods/GET", None, b"{}");
        assert!(rest.mutating);
        assert!(!classify("GET", "/2015-03-31/functions/f", None, b"").mutating);
        assert_eq!(
            credential_scope(
                "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/lambda/aws4_request, \
                 SignedHeaders=host, Signature=ab"
            ),
            Some(("eu-west-1".to_owned(), "lambda".to_owned()))
        );
        assert_eq!(credential_scope("Bearer x"), None);
    }

    fn seen<'a>(method: &'a str, uri: &'a str, body: &'a [u8]) -> Seen<'a> {
        Seen {
            method,
            uri,
            operation: "",
            headers: &[],
            body,
        }
    }

    #[test]
    fn lambda_environment_refuses_what_lambda_refuses() {
        let mut rule = LambdaEnvironment;
        let create = |vars: serde_json::Value| {
            serde_json::json!({"FunctionName": "f", "Environment": {"Variables": vars}}).to_string()
        };
        let answer = |rule: &mut LambdaEnvironment, method, uri, body: &str| {
            rule.before(&seen(method, uri, body.as_bytes()))
                .map(|a| a.json()["__type"].as_str().unwrap_or_default().to_owned())
        };
        let ok = create(serde_json::json!({"GREETING": "hi", "TZ": "UTC"}));
        assert_eq!(
            answer(&mut rule, "POST", "/2015-03-31/functions", &ok),
            None
        );
        for (vars, error) in [
            (serde_json::json!({"A": "x"}), "ValidationException"),
            (serde_json::json!({"1X": "x"}), "ValidationException"),
            (serde_json::json!({"A-B": "x"}), "ValidationException"),
            (
                serde_json::json!({"AWS_REGION": "x"}),
                "InvalidParameterValueException",
            ),
            (
                serde_json::json!({"BIG": "x".repeat(4087)}),
                "InvalidParameterValueException",
            ),
        ] {
            let body = create(vars.clone());
            for (method, uri) in [
                ("POST", "/2015-03-31/functions"),
                ("PUT", "/2015-03-31/functions/f/configuration"),
            ] {
                assert_eq!(
                    answer(&mut rule, method, uri, &body).as_deref(),
                    Some(error),
                    "{method} {uri} {vars}"
                );
            }
            assert_eq!(
                answer(&mut rule, "GET", "/2015-03-31/functions/f", &body),
                None
            );
        }
        let fits = create(serde_json::json!({"BIG": "x".repeat(4086)}));
        assert_eq!(
            answer(&mut rule, "POST", "/2015-03-31/functions", &fits),
            None
        );
    }

    #[test]
    fn lambda_logging_keeps_what_moto_ignores() {
        let mut rule = LambdaLogging::default();
        let ok = |body: serde_json::Value| Answer {
            status: 200,
            headers: vec![],
            body: body.to_string().into_bytes(),
        };
        let config = |answer: &Answer, at: &str| answer.json().pointer(at).cloned();
        // Created without one: Lambda's default.
        let mut created = ok(serde_json::json!({"FunctionName": "f", "Version": "$LATEST"}));
        rule.after(
            &seen("POST", "/2015-03-31/functions", br#"{"FunctionName": "f"}"#),
            &mut created,
        );
        assert_eq!(
            config(&created, "/LoggingConfig"),
            Some(serde_json::json!({"LogFormat": "Text", "LogGroup": "/aws/lambda/f"}))
        );
        // A level with the text format is refused; JSON is completed.
        let refusal = |rule: &mut LambdaLogging, body: &[u8]| {
            rule.before(&seen("PUT", "/2015-03-31/functions/f/configuration", body))
                .map(|a| a.json()["__type"].clone())
        };
        let text_debug =
            br#"{"LoggingConfig": {"LogFormat": "Text", "ApplicationLogLevel": "DEBUG"}}"#;
        assert_eq!(
            refusal(&mut rule, text_debug),
            Some("InvalidParameterValueException".into())
        );
        let json_debug =
            br#"{"LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"}}"#;
        assert_eq!(refusal(&mut rule, json_debug), None);
        let mut updated = ok(serde_json::json!({"FunctionName": "f", "Version": "$LATEST"}));
        rule.after(
            &seen("PUT", "/2015-03-31/functions/f/configuration", json_debug),
            &mut updated,
        );
        let json = serde_json::json!({"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG",
            "SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/f"});
        assert_eq!(config(&updated, "/LoggingConfig"), Some(json.clone()));
        // A version keeps it; `$LATEST` moves on without it.
        let mut published = ok(serde_json::json!({"FunctionName": "f", "Version": "1"}));
        rule.after(
            &seen("POST", "/2015-03-31/functions/f/versions", b"{}"),
            &mut published,
        );
        rule.after(
            &seen(
                "PUT",
                "/2015-03-31/functions/f/configuration",
                br#"{"LoggingConfig": {"LogFormat": "Text"}}"#,
            ),
            &mut ok(serde_json::json!({"FunctionName": "f"})),
        );
        let get = |rule: &mut LambdaLogging, uri, version: &str| {
            let mut got =
                ok(serde_json::json!({"Configuration": {"FunctionName": "f", "Version": version}}));
            rule.after(&seen("GET", uri, b""), &mut got);
            config(&got, "/Configuration/LoggingConfig/LogFormat")
        };
        assert_eq!(
            get(&mut rule, "/2015-03-31/functions/f?Qualifier=live", "1"),
            Some("JSON".into())
        );
        assert_eq!(
            get(&mut rule, "/2015-03-31/functions/f", "$LATEST"),
            Some("Text".into())
        );
        // Gone with the function.
        rule.after(
            &seen("DELETE", "/2015-03-31/functions/f", b""),
            &mut ok(serde_json::json!({})),
        );
        assert!(rule.latest.is_empty() && rule.versions.is_empty());
    }

    #[test]
    fn lambda_account_counts_what_functions_reserve() {
        let mut account = LambdaAccount::new(105);
        let unreserved = |account: &mut LambdaAccount| {
            account
                .before(&seen("GET", "/2016-08-19/account-settings/", b""))
                .expect("answered")
                .json()["AccountLimit"]["UnreservedConcurrentExecutions"]
                .as_i64()
        };
        assert_eq!(unreserved(&mut account), Some(105));
        let ok = |status| Answer {
            status,
            headers: vec![],
            body: vec![],
        };
        let put = br#"{"ReservedConcurrentExecutions": 5}"#;
        account.after(
            &seen("PUT", "/2017-10-31/functions/f/concurrency", put),
            &mut ok(200),
        );
        account.after(
            &seen("PUT", "/2017-10-31/functions/g/concurrency", put),
            &mut ok(400),
        );
        assert_eq!(unreserved(&mut account), Some(100));
        account.after(
            &seen("DELETE", "/2015-03-31/functions/f", b""),
            &mut ok(204),
        );
        assert_eq!(unreserved(&mut account), Some(105));
        account.after(
            &seen("PUT", "/2017-10-31/functions/f/concurrency", put),
            &mut ok(200),
        );
        account.after(
            &seen("DELETE", "/2017-10-31/functions/f/concurrency", b""),
            &mut ok(204),
        );
        assert_eq!(unreserved(&mut account), Some(105));
        assert!(
            account
                .before(&seen("GET", "/2015-03-31/functions/f", b""))
                .is_none()
        );
    }
}
