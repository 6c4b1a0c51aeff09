//! HTTP requests as the four AWS front doors hand them to Lambda.
//!
//! Written from AWS's documented event shapes, independently of goblet's own
//! test client, so the two cannot share a mistake:
//!
//! - REST API (payload 1.0): `resource` is the matched template, `path` the
//!   path as sent, `pathParameters` and query parameters decoded, headers in
//!   single and multi-value forms, `requestContext.identity` for IAM callers.
//! - HTTP API (payload 2.0): lower-case headers with repeated values joined by
//!   commas, `cookies` apart, `routeKey` "METHOD /template", the raw query.
//!
//! Which route API Gateway matched is not worked out here: each test states
//! it with [`HttpRequest::routed`], as API Gateway would pick it (a literal
//! segment over `{param}` over a greedy `{proxy+}`), so goblet's own routing
//! meets a reference written by hand. A REST API or HTTP API event for a
//! request without a stated route is refused: API Gateway would not have
//! called the function.
//! - ALB: the query exactly as sent, headers single-valued unless the target
//!   group enables multi-value headers.
//! - Function URL: payload 2.0 with `routeKey` `$default` and no path parameters.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use goblet_core::Manifest;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

pub const ACCOUNT: &str = "123456789012";
const TIME: &str = "25/Nov/2026:09:00:00 +0000";
const EPOCH_MS: i64 = 1_795_597_200_000;
const SOURCE_IP: &str = "203.0.113.9";
const USER_AGENT: &str = "curl/8.5.0";

/// Where a request comes from: the event shapes of `goblet-core`.
pub use goblet_core::{EventFormat, EventShape};

/// One HTTP request, as a client sent it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// The path as sent, percent-encoded.
    pub path: String,
    /// The query string as sent, without `?`.
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Send the body base64-encoded, as AWS does for binary media.
    pub binary: bool,
    /// An IAM user whose SigV4 signature API Gateway verified.
    pub iam_user: Option<String>,
    pub stage_variables: Vec<(String, String)>,
    /// The route API Gateway matched, as the test states it.
    pub route: Option<Route>,
}

/// The route an API Gateway API matched for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The resource's template, `/users/{id}`: a REST API's `resource`, the
    /// path of an HTTP API's `routeKey`.
    pub template: String,
    /// The path parameters, decoded, in the template's order.
    pub params: Vec<(String, String)>,
    /// The HTTP API route is `ANY /template` rather than one for the method.
    pub any_method: bool,
}

impl HttpRequest {
    /// `target` is the path with an optional `?query`, percent-encoded.
    pub fn new(method: &str, target: &str) -> HttpRequest {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        HttpRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: vec![
                ("Accept".into(), "*/*".into()),
                ("User-Agent".into(), USER_AGENT.into()),
            ],
            body: None,
            binary: false,
            iam_user: None,
            stage_variables: Vec::new(),
            route: None,
        }
    }

    pub fn get(target: &str) -> HttpRequest {
        HttpRequest::new("GET", target)
    }

    pub fn post(target: &str) -> HttpRequest {
        HttpRequest::new("POST", target)
    }

    pub fn header(mut self, name: &str, value: &str) -> HttpRequest {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A text body.
    pub fn body(mut self, body: &str) -> HttpRequest {
        self.body = Some(body.as_bytes().to_vec());
        self.binary = false;
        self
    }

    /// A JSON body with its content type.
    pub fn json(self, value: &Value) -> HttpRequest {
        self.header("Content-Type", "application/json")
            .body(&value.to_string())
    }

    /// A binary body, base64-encoded in the event.
    pub fn binary(mut self, content_type: &str, body: &[u8]) -> HttpRequest {
        self = self.header("Content-Type", content_type);
        self.body = Some(body.to_vec());
        self.binary = true;
        self
    }

    pub fn iam_user(mut self, user: &str) -> HttpRequest {
        self.iam_user = Some(user.to_owned());
        self
    }

    pub fn stage_variable(mut self, name: &str, value: &str) -> HttpRequest {
        self.stage_variables
            .push((name.to_owned(), value.to_owned()));
        self
    }

    /// The route API Gateway matched: the resource's template and the decoded
    /// path parameters, `.routed("/users/{id}", &[("id", "42")])`. Only REST
    /// API and HTTP API events carry it; ALBs and function URLs ignore it.
    pub fn routed(mut self, template: &str, params: &[(&str, &str)]) -> HttpRequest {
        self.route = Some(Route {
            template: template.to_owned(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            any_method: false,
        });
        self
    }

    /// The HTTP API route that matched is `ANY /template` (its `routeKey`
    /// says `ANY`); call after [`HttpRequest::routed`].
    pub fn any_method(mut self) -> HttpRequest {
        self.route
            .as_mut()
            .expect("`.routed(..)` before `.any_method()`")
            .any_method = true;
        self
    }

    fn decoded_path(&self) -> String {
        decode(&self.path)
    }

    /// Query pairs, decoded (`+` is a space, as in forms).
    fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
            })
            .collect()
    }

    fn body_value(&self) -> Value {
        match &self.body {
            None => Value::Null,
            Some(b) if self.binary => json!(STANDARD.encode(b)),
            Some(b) => json!(String::from_utf8_lossy(b)),
        }
    }

    fn host(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.as_str())
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn object<'a>(pairs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn null_if_empty(value: Value) -> Value {
    match &value {
        Value::Object(map) if map.is_empty() => Value::Null,
        _ => value,
    }
}

/// The last value wins in single-value maps; all are kept in multi-value ones.
fn single_and_multi(pairs: &[(String, String)]) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in pairs {
        single.insert(k.clone(), json!(v));
        multi
            .entry(k.clone())
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .expect("an array")
            .push(json!(v));
    }
    (Value::Object(single), Value::Object(multi))
}

/// The IAM caller's identity fields: (accessKey, caller/userId, userArn).
fn iam(user: &str) -> (String, String, String) {
    (
        "AKIAIOSFODNN7EXAMPLE".to_owned(),
        "AIDAJQABLZS4A3QDU576Q".to_owned(),
        format!("arn:aws:iam::{ACCOUNT}:user/{user}"),
    )
}

/// The names of a template's parameters, in order: `{id}`, `{path+}`.
fn template_params(template: &str) -> Vec<&str> {
    template
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.strip_suffix('+').unwrap_or(name))
        .collect()
}

/// The API an app is deployed behind. It only knows the templates the app
/// declares, to refuse a stated route the API could not have (a typo would
/// otherwise pass unseen, the app falling back to matching the path itself);
/// which of them matches a request is for each test to say.
#[derive(Debug)]
pub struct Api {
    templates: Vec<String>,
}

impl Api {
    pub fn new(manifest: &Manifest) -> Api {
        Api {
            templates: manifest.routes.iter().map(|r| r.path.clone()).collect(),
        }
    }

    /// The stated route, checked against the app's templates.
    fn route<'r>(&self, front: EventShape, r: &'r HttpRequest) -> &'r Route {
        let Some(route) = &r.route else {
            panic!(
                "{front:?}: {} {} has no route: API Gateway calls the function \
                 only for a matched one; say which with `.routed(..)`",
                r.method, r.path
            )
        };
        assert!(
            self.templates.contains(&route.template),
            "{front:?}: the app declares no resource {}",
            route.template
        );
        let names: Vec<&str> = route.params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            template_params(&route.template),
            "{front:?}: the parameters of {}",
            route.template
        );
        route
    }

    /// `request` as `front` hands it to the function.
    pub fn event(&self, front: EventShape, request: &HttpRequest) -> Value {
        match front.format {
            EventFormat::RestV1 => self.rest_api(request),
            EventFormat::HttpV2 => self.payload_v2(request, false),
            EventFormat::Alb => alb(request, front.multi_value_headers),
            EventFormat::FunctionUrl => self.payload_v2(request, true),
        }
    }

    fn rest_api(&self, r: &HttpRequest) -> Value {
        let host = r
            .host()
            .unwrap_or("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com")
            .to_owned();
        let mut headers = r.headers.clone();
        if r.host().is_none() {
            headers.push(("Host".into(), host.clone()));
        }
        headers.extend([
            (
                "X-Amzn-Trace-Id".into(),
                "Root=1-6745a1b0-3f1e2d4c5b6a798012345678".into(),
            ),
            ("X-Forwarded-For".into(), SOURCE_IP.into()),
            ("X-Forwarded-Port".into(), "443".into()),
            ("X-Forwarded-Proto".into(), "https".into()),
        ]);
        let (single_headers, multi_headers) = single_and_multi(&headers);
        let query = r.query_pairs();
        let (single_query, multi_query) = single_and_multi(&query);
        let route = self.route(EventShape::REST_V1, r);
        let resource = route.template.as_str();
        let params = path_parameters(route);
        let (access_key, caller, user_arn) = match &r.iam_user {
            Some(user) => {
                let (k, c, a) = iam(user);
                (json!(k), json!(c), json!(a))
            }
            None => (Value::Null, Value::Null, Value::Null),
        };
        let account = if r.iam_user.is_some() {
            json!(ACCOUNT)
        } else {
            Value::Null
        };
        json!({
            "resource": resource,
            "path": r.path,
            "httpMethod": r.method,
            "headers": single_headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": null_if_empty(single_query),
            "multiValueQueryStringParameters": null_if_empty(multi_query),
            "pathParameters": params,
            "stageVariables": null_if_empty(object(r.stage_variables.iter().map(|(k, v)| (k.as_str(), json!(v))))),
            "requestContext": {
                "resourceId": "2gxmpl",
                "resourcePath": resource,
                "httpMethod": r.method,
                "extendedRequestId": "JJbxmHEHPHcFh9g=",
                "requestTime": TIME,
                "path": format!("/prod{}", r.path),
                "accountId": ACCOUNT,
                "protocol": "HTTP/1.1",
                "stage": "prod",
                "domainPrefix": "a1b2c3d4e5",
                "requestTimeEpoch": EPOCH_MS,
                "requestId": "e1fb2a6c-0f0d-4c3a-9e0b-6d5c4b3a2910",
                "identity": {
                    "cognitoIdentityPoolId": null,
                    "accountId": account,
                    "cognitoIdentityId": null,
                    "caller": caller,
                    "sourceIp": SOURCE_IP,
                    "principalOrgId": null,
                    "accessKey": access_key,
                    "cognitoAuthenticationType": null,
                    "cognitoAuthenticationProvider": null,
                    "userArn": user_arn,
                    "userAgent": USER_AGENT,
                    "user": caller,
                },
                "domainName": host,
                "apiId": "a1b2c3d4e5",
            },
            "body": r.body_value(),
            "isBase64Encoded": r.binary,
        })
    }

    fn payload_v2(&self, r: &HttpRequest, function_url: bool) -> Value {
        let (api_id, domain) = if function_url {
            (
                "4kxmplsnrz3lcd7jmcbvxqfwby0vgwca",
                "4kxmplsnrz3lcd7jmcbvxqfwby0vgwca.lambda-url.us-east-1.on.aws",
            )
        } else {
            (
                "r3pmxmplak",
                "r3pmxmplak.execute-api.us-east-1.amazonaws.com",
            )
        };
        let mut headers: Map<String, Value> = Map::new();
        let mut cookies = Vec::new();
        for (k, v) in &r.headers {
            let k = k.to_ascii_lowercase();
            if k == "cookie" {
                cookies.extend(v.split("; ").map(|c| json!(c)));
                continue;
            }
            match headers.get_mut(&k) {
                Some(Value::String(joined)) => {
                    joined.push(',');
                    joined.push_str(v);
                }
                _ => {
                    headers.insert(k, json!(v));
                }
            }
        }
        headers.entry("host").or_insert_with(|| json!(domain));
        headers.insert(
            "x-amzn-trace-id".into(),
            json!("Root=1-6745a1b0-7a6b5c4d3e2f1a0b9c8d7e6f"),
        );
        headers.insert("x-forwarded-for".into(), json!(SOURCE_IP));
        headers.insert("x-forwarded-port".into(), json!("443"));
        headers.insert("x-forwarded-proto".into(), json!("https"));
        if let Some(body) = &r.body {
            headers.insert("content-length".into(), json!(body.len().to_string()));
        }
        let mut query: Map<String, Value> = Map::new();
        for (k, v) in r.query_pairs() {
            match query.get_mut(&k) {
                Some(Value::String(joined)) => {
                    joined.push(',');
                    joined.push_str(&v);
                }
                _ => {
                    query.insert(k, json!(v));
                }
            }
        }
        let (route_key, params) = if function_url {
            ("$default".to_owned(), Value::Null)
        } else {
            let route = self.route(EventShape::HTTP_V2, r);
            let method = if route.any_method { "ANY" } else { &r.method };
            (
                format!("{method} {}", route.template),
                path_parameters(route),
            )
        };
        let authorizer = r.iam_user.as_ref().map(|user| {
            let (key, caller, arn) = iam(user);
            json!({"iam": {
                "accessKey": key, "accountId": ACCOUNT, "callerId": caller,
                "cognitoIdentity": null, "principalOrgId": null,
                "userArn": arn, "userId": caller,
            }})
        });
        // HTTP APIs pass the path decoded; function URLs as sent.
        let raw_path = if function_url {
            r.path.clone()
        } else {
            r.decoded_path()
        };
        let mut event = json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": raw_path,
            "rawQueryString": r.query,
            "headers": headers,
            "requestContext": {
                "accountId": if function_url && r.iam_user.is_none() { json!("anonymous") } else { json!(ACCOUNT) },
                "apiId": api_id,
                "domainName": domain,
                "domainPrefix": api_id,
                "http": {
                    "method": r.method,
                    "path": raw_path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": SOURCE_IP,
                    "userAgent": USER_AGENT,
                },
                "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                "routeKey": route_key,
                "stage": "$default",
                "time": TIME,
                "timeEpoch": EPOCH_MS,
            },
            "isBase64Encoded": r.binary,
        });
        let fields = event.as_object_mut().expect("an object");
        if !cookies.is_empty() {
            fields.insert("cookies".into(), Value::Array(cookies));
        }
        if !query.is_empty() {
            fields.insert("queryStringParameters".into(), Value::Object(query));
        }
        if !params.is_null() {
            fields.insert("pathParameters".into(), params);
        }
        if !r.stage_variables.is_empty() && !function_url {
            let vars = object(
                r.stage_variables
                    .iter()
                    .map(|(k, v)| (k.as_str(), json!(v))),
            );
            fields.insert("stageVariables".into(), vars);
        }
        if let Some(authorizer) = authorizer {
            fields["requestContext"]["authorizer"] = authorizer;
        }
        if r.body.is_some() {
            fields.insert("body".into(), r.body_value());
        }
        event
    }
}

/// `pathParameters`: the decoded values, `null` for a template without any.
fn path_parameters(route: &Route) -> Value {
    null_if_empty(object(
        route.params.iter().map(|(k, v)| (k.as_str(), json!(v))),
    ))
}

fn alb(r: &HttpRequest, multi_value: bool) -> Value {
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    if r.host().is_none() {
        headers.push((
            "host".into(),
            "goblet-alb-1234567890.us-east-1.elb.amazonaws.com".into(),
        ));
    }
    headers.extend([
        (
            "x-amzn-trace-id".into(),
            "Root=1-6745a1b0-1a2b3c4d5e6f7a8b9c0d1e2f".into(),
        ),
        ("x-forwarded-for".into(), SOURCE_IP.into()),
        ("x-forwarded-port".into(), "80".into()),
        ("x-forwarded-proto".into(), "http".into()),
    ]);
    // ALB passes query keys and values exactly as sent, still encoded.
    let raw_query: Vec<(String, String)> = r
        .query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let (single_headers, multi_headers) = single_and_multi(&headers);
    let (single_query, multi_query) = single_and_multi(&raw_query);
    let mut event = json!({
        "requestContext": {"elb": {"targetGroupArn":
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/goblet-tg/943f017f100becff"}},
        "httpMethod": r.method,
        "path": r.path,
        "body": match r.body_value() { Value::Null => json!(""), body => body },
        "isBase64Encoded": r.binary,
    });
    let fields = event.as_object_mut().expect("an object");
    if multi_value {
        fields.insert("multiValueQueryStringParameters".into(), multi_query);
        fields.insert("multiValueHeaders".into(), multi_headers);
    } else {
        fields.insert("queryStringParameters".into(), single_query);
        fields.insert("headers".into(), single_headers);
    }
    event
}
