//! API Gateway as AWS runs it, where moto 5.2.5 does otherwise: a [`Rule`]
//! the recording proxy applies to every request.
//!
//! - `PutRestApi` (an OpenAPI import): moto ignores the methods' security
//!   (every method comes out `NONE`, no API key), reads
//!   `x-amazon-apigateway-any-method` as a method of that name, and drops the
//!   binary media types, the gateway responses and the resource policy. The
//!   rule carries the import out as API Gateway does, through moto's own
//!   resource, method, integration and gateway-response calls.
//! - `CreateRestApi` drops `binaryMediaTypes`: the rule keeps them and puts
//!   them back in every answer that describes the API.
//! - `CreateDeployment` of a PRIVATE API without a resource policy is
//!   refused by AWS ("Private REST API doesn't have a resource policy
//!   attached to it"); moto deploys it.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::{Value, json};

use crate::aws_proxy::{Answer, Rule, Seen};

/// The rule; `moto` is moto's port.
#[derive(Debug)]
pub struct ApiGatewayAsAws {
    moto: u16,
    /// REST API id → its binary media types.
    binary: HashMap<String, Vec<String>>,
}

impl ApiGatewayAsAws {
    pub fn new(moto: u16) -> ApiGatewayAsAws {
        ApiGatewayAsAws {
            moto,
            binary: HashMap::new(),
        }
    }
}

/// `/restapis/{id}` → `id`; `None` for any other path.
fn api_path(uri: &str) -> Option<&str> {
    let path = uri.split('?').next()?;
    let id = path.strip_prefix("/restapis/")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

impl Rule for ApiGatewayAsAws {
    fn before(&mut self, request: &Seen) -> Option<Answer> {
        if request.method == "PUT"
            && let Some(id) = api_path(request.uri)
        {
            let moto = Moto {
                port: self.moto,
                authorization: request.header("authorization").map(str::to_owned),
            };
            let overwrite = request.uri.contains("mode=overwrite");
            return Some(match import(&moto, id, &request.json(), overwrite) {
                Ok(binary) => {
                    self.binary.insert(id.to_owned(), binary);
                    let (_, mut api) = moto.call("GET", &format!("/restapis/{id}"), None);
                    self.describe(&mut api);
                    Answer {
                        status: 200,
                        headers: vec![("Content-Type".into(), "application/json".into())],
                        body: api.to_string().into_bytes(),
                    }
                }
                Err(message) => Answer::json_error(400, "BadRequestException", &message),
            });
        }
        let path = request.uri.split('?').next().unwrap_or_default();
        if request.method == "POST"
            && let Some(id) = path
                .strip_prefix("/restapis/")
                .and_then(|rest| rest.strip_suffix("/deployments"))
        {
            let moto = Moto {
                port: self.moto,
                authorization: request.header("authorization").map(str::to_owned),
            };
            let (status, api) = moto.call("GET", &format!("/restapis/{id}"), None);
            let private = api["endpointConfiguration"]["types"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "PRIVATE"));
            let no_policy = api["policy"].as_str().is_none_or(str::is_empty);
            if status == 200 && private && no_policy {
                return Some(Answer::json_error(
                    400,
                    "BadRequestException",
                    "Private REST API doesn't have a resource policy attached to it",
                ));
            }
        }
        None
    }

    fn after(&mut self, request: &Seen, response: &mut Answer) {
        if response.status >= 300 {
            return;
        }
        let path = request.uri.split('?').next().unwrap_or_default();
        match (request.method, path) {
            ("POST", "/restapis") => {
                let mut api = response.json();
                if let Some(id) = api["id"].as_str() {
                    let types = request.json()["binaryMediaTypes"]
                        .as_array()
                        .map(|t| {
                            t.iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    self.binary.insert(id.to_owned(), types);
                }
                self.describe(&mut api);
                response.body = api.to_string().into_bytes();
            }
            ("GET", "/restapis") => {
                let mut list = response.json();
                if let Some(items) = list["item"].as_array_mut() {
                    items.iter_mut().for_each(|api| self.describe(api));
                }
                response.body = list.to_string().into_bytes();
            }
            ("GET", _) if api_path(path).is_some() => {
                let mut api = response.json();
                self.describe(&mut api);
                response.body = api.to_string().into_bytes();
            }
            ("DELETE", _) => {
                if let Some(id) = api_path(path) {
                    self.binary.remove(id);
                }
            }
            _ => {}
        }
    }
}

impl ApiGatewayAsAws {
    /// Puts the binary media types back into a RestApi's description.
    fn describe(&self, api: &mut Value) {
        let Some(id) = api["id"].as_str() else { return };
        let types = self.binary.get(id).cloned().unwrap_or_default();
        api["binaryMediaTypes"] = json!(types);
    }
}

/// moto's REST API, called as the proxy's client called it (same
/// `Authorization`, so moto picks the same account and region).
struct Moto {
    port: u16,
    authorization: Option<String>,
}

impl Moto {
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let body = body.map(Value::to_string).unwrap_or_default();
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return (599, json!({"message": "moto is not answering"}));
        };
        let auth = self
            .authorization
            .as_deref()
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{auth}Content-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        let mut response = Vec::new();
        if stream.write_all(request.as_bytes()).is_err()
            || stream.read_to_end(&mut response).is_err()
        {
            return (599, json!({"message": "moto broke the connection"}));
        }
        let text = String::from_utf8_lossy(&response);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(599);
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    /// A call that must succeed; its error as API Gateway would word it.
    fn ok(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let (status, answer) = self.call(method, path, body);
        if status >= 300 {
            return Err(format!("{method} {path}: {status} {answer}"));
        }
        Ok(answer)
    }
}

const OPERATIONS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// Imports an OpenAPI document into REST API `id` as API Gateway does;
/// returns its binary media types.
fn import(moto: &Moto, id: &str, doc: &Value, overwrite: bool) -> Result<Vec<String>, String> {
    let Some(paths) = doc["paths"].as_object() else {
        return Err("Invalid OpenAPI input: no paths".into());
    };
    let base = format!("/restapis/{id}");
    let listed = moto.ok("GET", &format!("{base}/resources?limit=500"), None)?;
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut root = String::new();
    for r in listed["item"].as_array().into_iter().flatten() {
        let (Some(path), Some(rid)) = (r["path"].as_str(), r["id"].as_str()) else {
            continue;
        };
        if path == "/" {
            root = rid.to_owned();
        }
        ids.insert(path.to_owned(), rid.to_owned());
    }
    if overwrite {
        // Deepest first: moto leaves a deleted resource's children behind.
        let mut doomed: Vec<(&String, &String)> = ids.iter().filter(|(p, _)| *p != "/").collect();
        doomed.sort_by_key(|(p, _)| std::cmp::Reverse(p.matches('/').count()));
        for (_, rid) in doomed {
            moto.ok("DELETE", &format!("{base}/resources/{rid}"), None)?;
        }
        let root_methods = moto.ok("GET", &format!("{base}/resources/{root}"), None)?;
        for method in root_methods["resourceMethods"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(m, _)| m)
        {
            moto.ok(
                "DELETE",
                &format!("{base}/resources/{root}/methods/{method}"),
                None,
            )?;
        }
        ids.retain(|p, _| p == "/");
    }
    let schemes = &doc["components"]["securitySchemes"];
    let authorizers = import_authorizers(moto, &base, schemes, overwrite)?;
    for (path, item) in paths {
        let rid = ensure_resource(moto, &base, &mut ids, path)?;
        let Some(item) = item.as_object() else {
            continue;
        };
        for (name, op) in item {
            let method = if name == "x-amazon-apigateway-any-method" {
                "ANY".to_owned()
            } else if OPERATIONS.contains(&name.as_str()) {
                name.to_ascii_uppercase()
            } else {
                continue;
            };
            let security = op.get("security").or(doc.get("security"));
            let (iam, api_key) = guards(security, schemes);
            let custom = custom_guard(security, &authorizers);
            let at = format!("{base}/resources/{rid}/methods/{method}");
            let mut put = json!({
                "authorizationType": if iam { "AWS_IAM" } else { "NONE" },
                "apiKeyRequired": api_key,
            });
            if let Some((name, id, scopes)) = custom {
                let cognito = schemes[name]["x-amazon-apigateway-authtype"] == "cognito_user_pools";
                put["authorizationType"] = json!(if cognito {
                    "COGNITO_USER_POOLS"
                } else {
                    "CUSTOM"
                });
                put["authorizerId"] = json!(id);
                // The requirement's scopes are the method's authorizationScopes.
                if !scopes.is_empty() {
                    put["authorizationScopes"] = json!(scopes);
                }
            }
            moto.ok("PUT", &at, Some(&put))?;
            for (code, response) in op["responses"].as_object().into_iter().flatten() {
                if code == "default" {
                    continue;
                }
                let parameters: BTreeMap<String, bool> = response["headers"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(h, _)| (format!("method.response.header.{h}"), false))
                    .collect();
                moto.ok(
                    "PUT",
                    &format!("{at}/responses/{code}"),
                    Some(&json!({"responseParameters": parameters})),
                )?;
            }
            let x = &op["x-amazon-apigateway-integration"];
            if x.is_object() {
                let mut integration = json!({
                    "type": x["type"].as_str().unwrap_or_default().to_ascii_uppercase(),
                    "httpMethod": x["httpMethod"],
                    "uri": x["uri"],
                    "requestTemplates": x["requestTemplates"],
                    "contentHandling": x["contentHandling"],
                });
                if let Some(p) = x["passthroughBehavior"].as_str() {
                    integration["passthroughBehavior"] = json!(p.to_ascii_uppercase());
                }
                strip_nulls(&mut integration);
                moto.ok("PUT", &format!("{at}/integration"), Some(&integration))?;
                for (pattern, r) in x["responses"].as_object().into_iter().flatten() {
                    let status = r["statusCode"].as_str().unwrap_or("200");
                    let mut response = json!({
                        "responseParameters": r["responseParameters"],
                        "responseTemplates": r["responseTemplates"],
                        "contentHandling": r["contentHandling"],
                    });
                    if pattern != "default" {
                        response["selectionPattern"] = json!(pattern);
                    }
                    strip_nulls(&mut response);
                    moto.ok(
                        "PUT",
                        &format!("{at}/integration/responses/{status}"),
                        Some(&response),
                    )?;
                }
            }
        }
    }
    let policy = match &doc["x-amazon-apigateway-policy"] {
        Value::Null => String::new(),
        p => p.to_string(),
    };
    let mut patch = vec![json!({"op": "replace", "path": "/policy", "value": policy})];
    if let Some(source) = doc["x-amazon-apigateway-api-key-source"].as_str() {
        patch.push(json!({"op": "replace", "path": "/apiKeySource", "value": source}));
    }
    moto.ok("PATCH", &base, Some(&json!({"patchOperations": patch})))?;
    let wanted = doc["x-amazon-apigateway-gateway-responses"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if overwrite {
        let existing = moto.ok("GET", &format!("{base}/gatewayresponses"), None)?;
        for r in existing["item"].as_array().into_iter().flatten() {
            if let Some(kind) = r["responseType"].as_str()
                && !wanted.contains_key(kind)
            {
                moto.ok("DELETE", &format!("{base}/gatewayresponses/{kind}"), None)?;
            }
        }
    }
    for (kind, r) in &wanted {
        let mut body = json!({
            "responseParameters": r["responseParameters"],
            "responseTemplates": r["responseTemplates"],
            "statusCode": r["statusCode"],
        });
        strip_nulls(&mut body);
        moto.ok(
            "PUT",
            &format!("{base}/gatewayresponses/{kind}"),
            Some(&body),
        )?;
    }
    Ok(doc["x-amazon-apigateway-binary-media-types"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// The document's Lambda authorizers (`apiKey` schemes of auth type
/// `custom`) made on the API, as API Gateway's import makes them; with
/// `overwrite`, the API's other authorizers go. Returns name → id.
fn import_authorizers(
    moto: &Moto,
    base: &str,
    schemes: &Value,
    overwrite: bool,
) -> Result<BTreeMap<String, String>, String> {
    let existing = moto.ok("GET", &format!("{base}/authorizers"), None)?;
    let wanted: Vec<(&String, &Value)> = schemes
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, s)| {
            s["x-amazon-apigateway-authtype"] == "custom"
                || s["x-amazon-apigateway-authtype"] == "cognito_user_pools"
        })
        .collect();
    for a in existing["item"].as_array().into_iter().flatten() {
        let name = a["name"].as_str().unwrap_or_default();
        if overwrite || wanted.iter().any(|(n, _)| *n == name) {
            let id = a["id"].as_str().unwrap_or_default();
            moto.ok("DELETE", &format!("{base}/authorizers/{id}"), None)?;
        }
    }
    let mut ids = BTreeMap::new();
    for (name, scheme) in wanted {
        let x = &scheme["x-amazon-apigateway-authorizer"];
        let kind = x["type"].as_str().unwrap_or_default().to_ascii_uppercase();
        if kind == "COGNITO_USER_POOLS" {
            // The import reads the token from the scheme's header.
            let pools = x["providerARNs"].as_array().cloned().unwrap_or_default();
            if pools.is_empty() {
                return Err(format!(
                    "Invalid authorizer definition: authorizer {name} has no providerARNs"
                ));
            }
            let header = scheme["name"].as_str().unwrap_or("Authorization");
            let body = json!({
                "name": name,
                "type": kind,
                "providerARNs": pools,
                "identitySource": format!("method.request.header.{header}"),
                // The extension's TTL applies to every authorizer type;
                // without one, API Gateway's default, which moto leaves unset.
                "authorizerResultTtlInSeconds": x
                    .get("authorizerResultTtlInSeconds")
                    .cloned()
                    .unwrap_or(json!(300)),
            });
            let made = moto.ok("POST", &format!("{base}/authorizers"), Some(&body))?;
            ids.insert(
                name.clone(),
                made["id"].as_str().unwrap_or_default().to_owned(),
            );
            continue;
        }
        if kind != "TOKEN" && kind != "REQUEST" {
            return Err(format!(
                "Invalid authorizer definition: type {kind} of authorizer {name}"
            ));
        }
        if x["authorizerUri"].as_str().is_none_or(str::is_empty) {
            return Err(format!(
                "Invalid authorizer definition: authorizer {name} has no authorizerUri"
            ));
        }
        let mut body = json!({
            "name": name,
            "type": kind,
            "authorizerUri": x["authorizerUri"],
            "identitySource": x["identitySource"],
            "authorizerResultTtlInSeconds": x["authorizerResultTtlInSeconds"],
        });
        strip_nulls(&mut body);
        let made = moto.ok("POST", &format!("{base}/authorizers"), Some(&body))?;
        ids.insert(
            name.clone(),
            made["id"].as_str().unwrap_or_default().to_owned(),
        );
    }
    Ok(ids)
}

/// The authorizer a list of security requirements names: its scheme's
/// name, its id, and the scopes the requirement lists.
fn custom_guard<'a>(
    security: Option<&'a Value>,
    authorizers: &BTreeMap<String, String>,
) -> Option<(&'a str, String, Vec<Value>)> {
    security
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|r| r.as_object().into_iter().flatten())
        .find_map(|(name, scopes)| {
            let id = authorizers.get(name)?;
            let scopes = scopes.as_array().cloned().unwrap_or_default();
            Some((name.as_str(), id.clone(), scopes))
        })
}

/// The resource of `path`, made with its missing ancestors.
fn ensure_resource(
    moto: &Moto,
    base: &str,
    ids: &mut BTreeMap<String, String>,
    path: &str,
) -> Result<String, String> {
    let mut current = "/".to_owned();
    let mut parent = ids
        .get("/")
        .cloned()
        .ok_or("the REST API has no root resource")?;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        current = if current == "/" {
            format!("/{part}")
        } else {
            format!("{current}/{part}")
        };
        parent = match ids.get(&current) {
            Some(id) => id.clone(),
            None => {
                let made = moto.ok(
                    "POST",
                    &format!("{base}/resources/{parent}"),
                    Some(&json!({"pathPart": part})),
                )?;
                let id = made["id"].as_str().unwrap_or_default().to_owned();
                ids.insert(current.clone(), id.clone());
                id
            }
        };
    }
    Ok(parent)
}

/// (`AWS_IAM`, API key required) from a list of security requirements.
fn guards(security: Option<&Value>, schemes: &Value) -> (bool, bool) {
    let mut iam = false;
    let mut api_key = false;
    for requirement in security.and_then(Value::as_array).into_iter().flatten() {
        for (name, _) in requirement.as_object().into_iter().flatten() {
            let scheme = &schemes[name];
            if scheme["x-amazon-apigateway-authtype"] == "awsSigv4" {
                iam = true;
            } else if scheme["type"] == "apiKey"
                && scheme["in"] == "header"
                && scheme["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case("x-api-key"))
            {
                api_key = true;
            }
        }
    }
    (iam, api_key)
}

fn strip_nulls(value: &mut Value) {
    if let Some(map) = value.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
}

/// One of API Gateway's fixed per-account quotas, which moto does not
/// hold: the calls it matches are allowed once per `period`, and refused
/// in between as AWS refuses them, 429 `TooManyRequestsException` with a
/// `Retry-After` of the seconds left.
pub struct Quota {
    matches: Box<dyn Fn(&Seen) -> bool + Send>,
    period: std::time::Duration,
    last: Option<std::time::Instant>,
    refusals: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl Quota {
    pub fn new(
        period: std::time::Duration,
        matches: impl Fn(&Seen) -> bool + Send + 'static,
    ) -> Quota {
        Quota {
            matches: Box::new(matches),
            period,
            last: None,
            refusals: Default::default(),
        }
    }

    /// DeleteRestApi (on AWS: one every 30 seconds).
    pub fn delete_rest_api(period: std::time::Duration) -> Quota {
        Quota::new(period, |s| {
            s.method == "DELETE" && api_path(s.uri).is_some()
        })
    }

    /// CreateDeployment (on AWS: one every 5 seconds).
    pub fn create_deployment(period: std::time::Duration) -> Quota {
        Quota::new(period, |s| {
            s.method == "POST"
                && s.uri
                    .split('?')
                    .next()
                    .is_some_and(|p| p.ends_with("/deployments"))
        })
    }

    /// How many calls it has refused so far, shared with the test.
    pub fn refusals(&self) -> std::sync::Arc<std::sync::atomic::AtomicU32> {
        self.refusals.clone()
    }
}

impl Rule for Quota {
    fn before(&mut self, request: &Seen) -> Option<Answer> {
        if !(self.matches)(request) {
            return None;
        }
        let now = std::time::Instant::now();
        if let Some(last) = self.last {
            let since = now.duration_since(last);
            if since < self.period {
                let left = (self.period - since).as_secs_f64().ceil().max(1.0) as u64;
                self.refusals
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                return Some(
                    Answer::json_error(429, "TooManyRequestsException", "Too Many Requests")
                        .with_header("Retry-After", &left.to_string()),
                );
            }
        }
        self.last = Some(now);
        None
    }
}
