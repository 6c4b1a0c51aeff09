//! Proxy integration events, built the way API Gateway builds them: payload
//! format 1.0 (REST APIs) and 2.0 (HTTP APIs).
//!
//! Each event is a tree of borrowed structs serialized in one pass: the
//! gateway builds one per request, and a `serde_json::Value` tree (a map
//! node and a string copy per field) cost several times as much.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use http::HeaderMap;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use goblet_core::EventFormat;

use super::authorizers::Grant;
use super::cognito::Verified;
use super::sigv4::VerifiedCaller;
use crate::lambda::ids::random_u64;

/// What API Gateway knows about the API itself.
#[derive(Debug, Clone)]
pub(crate) struct ApiInfo {
    pub api_id: String,
    pub account_id: String,
    pub stage: String,
}

/// A request the gateway routed, everything the event needs.
pub(crate) struct Routed<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    /// The path as sent, still percent-encoded, without the stage.
    pub path: &'a str,
    /// The path as sent, with the stage.
    pub full_path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub source_ip: &'a str,
    /// The resource's path template: `/users/{id}`.
    pub resource: &'a str,
    /// `GET /users/{id}`.
    pub route_key: &'a str,
    pub params: &'a [(&'a str, String)],
    pub caller: Option<&'a VerifiedCaller>,
    /// The `x-api-key` that an `api_key = true` method accepted.
    pub api_key: Option<&'a str>,
    /// What the route's Lambda authorizer granted, and how long it took
    /// (0 when the grant came from the cache).
    pub grant: Option<(&'a Grant, u64)>,
    /// The Cognito token a `COGNITO_USER_POOLS` method accepted.
    pub token: Option<&'a Verified>,
    pub now: SystemTime,
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn value_text(v: &http::HeaderValue) -> Cow<'_, str> {
    match v.to_str() {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(v.as_bytes()),
    }
}

/// A REST API's `body` and `isBase64Encoded`: goblet deploys its REST APIs
/// with `binaryMediaTypes = ["*/*"]` (see goblet-deploy's package model), and
/// API Gateway then passes every request body base64-encoded, whatever its
/// content type.
fn rest_body(body: &[u8]) -> (Option<Cow<'_, str>>, bool) {
    if body.is_empty() {
        return (None, false);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(body);
    (Some(Cow::Owned(encoded)), true)
}

/// An HTTP API's `body` (`None`: no body) and `isBase64Encoded`: text as it
/// is, anything else base64.
fn body_fields<'a>(body: &'a [u8], headers: &HeaderMap) -> (Option<Cow<'a, str>>, bool) {
    if body.is_empty() {
        return (None, false);
    }
    if goblet_core::media::is_text(header_str(headers, "content-type"))
        && let Ok(text) = std::str::from_utf8(body)
    {
        return (Some(Cow::Borrowed(text)), false);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(body);
    (Some(Cow::Owned(encoded)), true)
}

/// Values by name, names in the order they first appear, each name's values
/// in the order they came.
type Grouped<'a> = Vec<(Cow<'a, str>, Vec<Cow<'a, str>>)>;

/// The request's headers, grouped (a `HeaderMap` keeps a name's values
/// together, names in the order they first came).
fn grouped_headers(headers: &HeaderMap) -> Grouped<'_> {
    headers
        .keys()
        .map(|name| {
            let values = headers.get_all(name).iter().map(value_text).collect();
            (Cow::Borrowed(name.as_str()), values)
        })
        .collect()
}

/// Query pairs, decoded as API Gateway decodes them (`+` is a space), grouped.
fn grouped_query(query: Option<&str>) -> Grouped<'_> {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return Vec::new();
    };
    group(form_urlencoded::parse(query.as_bytes()).collect())
}

/// Groups `pairs` by key, in O(n log n) whatever the number of distinct
/// keys a client sends: positions sorted by (key, position) tell each pair
/// the first position of its key.
fn group<'a>(pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>) -> Grouped<'a> {
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by(|&a, &b| pairs[a].0.cmp(&pairs[b].0).then(a.cmp(&b)));
    let mut first_of = vec![0; pairs.len()];
    let mut first = 0;
    for (j, &i) in order.iter().enumerate() {
        if j == 0 || pairs[order[j - 1]].0 != pairs[i].0 {
            first = i;
        }
        first_of[i] = first;
    }
    let mut out: Grouped<'a> = Vec::new();
    let mut group_at = vec![0; pairs.len()];
    for (i, (key, value)) in pairs.into_iter().enumerate() {
        let first = first_of[i];
        if first == i {
            group_at[i] = out.len();
            out.push((key, vec![value]));
        } else {
            // first < i: its group exists.
            out[group_at[first]].1.push(value);
        }
    }
    out
}

/// How a map of grouped values is written.
#[derive(Clone, Copy)]
enum Shape {
    /// `name: last value` (payload 1.0 `headers`, `queryStringParameters`).
    Last,
    /// `name: [values]` (payload 1.0 `multiValue*`).
    All,
    /// `name: "v1,v2"` (payload 2.0 `queryStringParameters`).
    Joined,
    /// As `Joined`, without the `cookie` header (payload 2.0 `headers`: the
    /// cookies have a field of their own).
    JoinedHeaders,
}

/// A [`Grouped`] map written in one [`Shape`].
struct Values<'g, 'a> {
    groups: &'g Grouped<'a>,
    shape: Shape,
}

impl<'g, 'a> Values<'g, 'a> {
    /// `None` (`null`) for no values, as payload 1.0 has it.
    fn or_null(groups: &'g Grouped<'a>, shape: Shape) -> Option<Values<'g, 'a>> {
        (!groups.is_empty()).then_some(Values { groups, shape })
    }
}

struct Strings<'g, 'a>(&'g [Cow<'a, str>]);

impl Serialize for Strings<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for value in self.0 {
            seq.serialize_element(value.as_ref())?;
        }
        seq.end()
    }
}

impl Serialize for Values<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (name, values) in self.groups {
            match self.shape {
                Shape::Last => {
                    if let Some(last) = values.last() {
                        map.serialize_entry(name.as_ref(), last.as_ref())?;
                    }
                }
                Shape::All => map.serialize_entry(name.as_ref(), &Strings(values))?,
                Shape::JoinedHeaders if name == "cookie" => {}
                Shape::Joined | Shape::JoinedHeaders => {
                    map.serialize_entry(name.as_ref(), &values.join(","))?;
                }
            }
        }
        map.end()
    }
}

/// `pathParameters`, in the template's order.
struct Params<'a>(&'a [(&'a str, String)]);

impl<'a> Params<'a> {
    fn or_none(params: &'a [(&'a str, String)]) -> Option<Params<'a>> {
        (!params.is_empty()).then_some(Params(params))
    }
}

impl Serialize for Params<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

fn epoch_ms(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The host the request was sent to, and its first label.
fn domain(headers: &HeaderMap) -> (&str, &str) {
    let domain = header_str(headers, "host").unwrap_or("localhost");
    (domain, domain.split('.').next().unwrap_or(domain))
}

/// Builds the event for `format`, serialized.
pub(crate) fn build(format: EventFormat, api: &ApiInfo, req: &Routed<'_>) -> Vec<u8> {
    let headers = grouped_headers(req.headers);
    let query = grouped_query(req.query);
    let written = match format {
        // `goblet local` serves REST and HTTP APIs only (see `crate::run`).
        f if f.is_v2() => serde_json::to_vec(&http_event(api, req, &headers, &query)),
        _ => serde_json::to_vec(&rest_event(api, req, &headers, &query)),
    };
    // Plain structs of strings, numbers and maps with string keys: serde_json
    // cannot fail on them.
    written.unwrap_or_default()
}

/// Payload format 1.0.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestEvent<'a, 'g> {
    resource: &'a str,
    path: &'a str,
    http_method: &'a str,
    headers: Option<Values<'g, 'a>>,
    multi_value_headers: Option<Values<'g, 'a>>,
    query_string_parameters: Option<Values<'g, 'a>>,
    multi_value_query_string_parameters: Option<Values<'g, 'a>>,
    path_parameters: Option<Params<'a>>,
    stage_variables: Option<()>,
    request_context: RestContext<'a>,
    body: Option<Cow<'a, str>>,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestContext<'a> {
    resource_id: String,
    resource_path: &'a str,
    http_method: &'a str,
    extended_request_id: String,
    request_time: String,
    path: &'a str,
    account_id: &'a str,
    protocol: &'static str,
    stage: &'a str,
    domain_prefix: &'a str,
    request_time_epoch: u64,
    request_id: &'a str,
    identity: RestIdentity<'a>,
    domain_name: &'a str,
    api_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorizer: Option<RestAuthorizer<'a>>,
}

/// A REST API event's `requestContext.authorizer` after a Lambda
/// authorizer: `principalId`, `integrationLatency`, then the context's keys,
/// every value a string (API Gateway stringifies them, as
/// `$context.authorizer.<key>` documents).
/// After a Cognito user pool authorizer: `claims`, the token's claims,
/// every value a string too.
enum RestAuthorizer<'a> {
    Lambda { grant: &'a Grant, latency_ms: u64 },
    UserPool(&'a Verified),
}

impl Serialize for RestAuthorizer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RestAuthorizer::Lambda { grant, latency_ms } => {
                let mut map = s.serialize_map(Some(grant.context.len() + 2))?;
                for (key, value) in &grant.context {
                    map.serialize_entry(key, &Text(value))?;
                }
                map.serialize_entry("principalId", &grant.principal_id)?;
                map.serialize_entry("integrationLatency", latency_ms)?;
                map.end()
            }
            RestAuthorizer::UserPool(token) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("claims", &Claims(&token.claims))?;
                map.end()
            }
        }
    }
}

/// A JSON value as API Gateway hands authorizer values over: as text.
struct Text<'a>(&'a serde_json::Value);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            serde_json::Value::String(text) => s.serialize_str(text),
            other => s.serialize_str(&other.to_string()),
        }
    }
}

/// A token's claims, every value as text.
struct Claims<'a>(&'a serde_json::Map<String, serde_json::Value>);

impl Serialize for Claims<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, Text(v))))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestIdentity<'a> {
    cognito_identity_pool_id: Option<()>,
    cognito_identity_id: Option<()>,
    cognito_authentication_type: Option<()>,
    cognito_authentication_provider: Option<()>,
    principal_org_id: Option<()>,
    api_key: Option<&'a str>,
    /// Keys given with --api-key have no API Gateway key resource, so no id.
    api_key_id: Option<()>,
    access_key: Option<&'a str>,
    account_id: Option<&'a str>,
    caller: Option<&'a str>,
    user: Option<&'a str>,
    user_arn: Option<&'a str>,
    source_ip: &'a str,
    user_agent: Option<&'a str>,
}

fn rest_event<'a, 'g>(
    api: &'a ApiInfo,
    req: &'a Routed<'a>,
    headers: &'g Grouped<'a>,
    query: &'g Grouped<'a>,
) -> RestEvent<'a, 'g> {
    let (body, is_base64_encoded) = rest_body(req.body);
    let caller = req.caller;
    let (domain_name, domain_prefix) = domain(req.headers);
    let template = req.resource;
    RestEvent {
        resource: template,
        path: req.path,
        http_method: req.method,
        headers: Values::or_null(headers, Shape::Last),
        multi_value_headers: Values::or_null(headers, Shape::All),
        query_string_parameters: Values::or_null(query, Shape::Last),
        multi_value_query_string_parameters: Values::or_null(query, Shape::All),
        path_parameters: Params::or_none(req.params),
        stage_variables: None,
        request_context: RestContext {
            resource_id: resource_id(template),
            resource_path: template,
            http_method: req.method,
            extended_request_id: extended_request_id(),
            request_time: request_time(req.now),
            path: req.full_path,
            account_id: &api.account_id,
            protocol: "HTTP/1.1",
            stage: &api.stage,
            domain_prefix,
            request_time_epoch: epoch_ms(req.now),
            request_id: req.request_id,
            identity: RestIdentity {
                cognito_identity_pool_id: None,
                cognito_identity_id: None,
                cognito_authentication_type: None,
                cognito_authentication_provider: None,
                principal_org_id: None,
                api_key: req.api_key,
                api_key_id: None,
                access_key: caller.map(|c| &*c.access_key),
                account_id: caller.map(|c| &*c.account_id),
                caller: caller.map(|c| &*c.caller),
                user: caller.map(|c| &*c.user),
                user_arn: caller.map(|c| &*c.user_arn),
                source_ip: req.source_ip,
                user_agent: header_str(req.headers, "user-agent"),
            },
            domain_name,
            api_id: &api.api_id,
            authorizer: match (req.grant, req.token) {
                (Some((grant, latency_ms)), _) => {
                    Some(RestAuthorizer::Lambda { grant, latency_ms })
                }
                (None, Some(token)) => Some(RestAuthorizer::UserPool(token)),
                (None, None) => None,
            },
        },
        body,
        is_base64_encoded,
    }
}

/// The event a Lambda authorizer is invoked with, in the shapes AWS
/// documents: TOKEN (`type`, `authorizationToken`, `methodArn`), or REQUEST
/// (`type`, `methodArn` and the REST event's request fields, without the body).
pub(crate) fn authorizer_event(
    kind: goblet_core::AuthorizerKind,
    method_arn: &str,
    token: &str,
    api: &ApiInfo,
    req: &Routed<'_>,
) -> Vec<u8> {
    use goblet_core::AuthorizerKind;
    let event = match kind {
        AuthorizerKind::Token => serde_json::json!({
            "type": "TOKEN",
            "authorizationToken": token,
            "methodArn": method_arn,
        }),
        AuthorizerKind::Request => {
            let headers = grouped_headers(req.headers);
            let query = grouped_query(req.query);
            let mut event =
                serde_json::to_value(rest_event(api, req, &headers, &query)).unwrap_or_default();
            if let Some(fields) = event.as_object_mut() {
                fields.remove("body");
                fields.remove("isBase64Encoded");
                fields.insert("type".into(), "REQUEST".into());
                fields.insert("methodArn".into(), method_arn.into());
            }
            event
        }
    };
    event.to_string().into_bytes()
}

/// Payload format 2.0: absent fields are left out, not `null`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpEvent<'a, 'g> {
    version: &'static str,
    route_key: &'a str,
    raw_path: Cow<'a, str>,
    raw_query_string: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cookies: Vec<&'g str>,
    headers: Values<'g, 'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    query_string_parameters: Option<Values<'g, 'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_parameters: Option<Params<'a>>,
    request_context: HttpContext<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Cow<'a, str>>,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpContext<'a> {
    account_id: &'a str,
    api_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorizer: Option<HttpAuthorizer<'a>>,
    domain_name: &'a str,
    domain_prefix: &'a str,
    http: HttpDescription<'a>,
    request_id: &'a str,
    route_key: &'a str,
    stage: &'a str,
    time: String,
    time_epoch: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpDescription<'a> {
    method: &'a str,
    path: Cow<'a, str>,
    protocol: &'static str,
    source_ip: &'a str,
    user_agent: &'a str,
}

/// An HTTP API event's `requestContext.authorizer`: the IAM caller, or a
/// Lambda authorizer's context under `lambda`, its values as returned.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum HttpAuthorizer<'a> {
    Iam(IamCaller<'a>),
    Lambda(&'a serde_json::Map<String, serde_json::Value>),
    Jwt(JwtAuthorizer<'a>),
}

/// `requestContext.authorizer.jwt` of an HTTP API event: the claims as
/// text, the access token's scopes (`null` for none).
#[derive(Serialize)]
struct JwtAuthorizer<'a> {
    claims: Claims<'a>,
    scopes: Option<&'a [String]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IamCaller<'a> {
    access_key: &'a str,
    account_id: &'a str,
    caller_id: &'a str,
    cognito_identity: Option<()>,
    principal_org_id: Option<()>,
    user_arn: &'a str,
    user_id: &'a str,
}

fn http_event<'a, 'g>(
    api: &'a ApiInfo,
    req: &'a Routed<'a>,
    headers: &'g Grouped<'a>,
    query: &'g Grouped<'a>,
) -> HttpEvent<'a, 'g> {
    let cookies = headers
        .iter()
        .filter(|(name, _)| name == "cookie")
        .flat_map(|(_, values)| values.iter())
        .flat_map(|value| value.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let (body, is_base64_encoded) = body_fields(req.body, req.headers);
    let (domain_name, domain_prefix) = domain(req.headers);
    let decoded_path = percent_encoding::percent_decode_str(req.full_path).decode_utf8_lossy();
    let route_key = req.route_key;
    HttpEvent {
        version: "2.0",
        route_key,
        raw_path: decoded_path.clone(),
        raw_query_string: req.query.unwrap_or(""),
        cookies,
        headers: Values {
            groups: headers,
            shape: Shape::JoinedHeaders,
        },
        query_string_parameters: Values::or_null(query, Shape::Joined),
        path_parameters: Params::or_none(req.params),
        request_context: HttpContext {
            account_id: &api.account_id,
            api_id: &api.api_id,
            authorizer: match (req.caller, req.grant) {
                (Some(c), _) => Some(HttpAuthorizer::Iam(IamCaller {
                    access_key: &c.access_key,
                    account_id: &c.account_id,
                    caller_id: &c.caller,
                    cognito_identity: None,
                    principal_org_id: None,
                    user_arn: &c.user_arn,
                    user_id: &c.user,
                })),
                (None, Some((grant, _))) => Some(HttpAuthorizer::Lambda(&grant.context)),
                (None, None) => req.token.map(|token| {
                    HttpAuthorizer::Jwt(JwtAuthorizer {
                        claims: Claims(&token.claims),
                        scopes: (!token.scopes.is_empty()).then_some(token.scopes.as_slice()),
                    })
                }),
            },
            domain_name,
            domain_prefix,
            http: HttpDescription {
                method: req.method,
                path: decoded_path,
                protocol: "HTTP/1.1",
                source_ip: req.source_ip,
                user_agent: header_str(req.headers, "user-agent").unwrap_or(""),
            },
            request_id: req.request_id,
            route_key,
            stage: &api.stage,
            time: request_time(req.now),
            time_epoch: epoch_ms(req.now),
        },
        body,
        is_base64_encoded,
    }
}

const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `n` random lower-case letters and digits (API ids, resource ids).
pub(crate) fn random_id(n: usize) -> String {
    let mut out = String::with_capacity(n);
    let mut bits = random_u64();
    for i in 0..n {
        if i % 10 == 9 {
            bits = random_u64();
        }
        out.push(ALPHANUMERIC[(bits % 36) as usize] as char);
        bits /= 36;
    }
    out
}

/// A stable 6-character id per resource, as API Gateway gives each resource one.
fn resource_id(template: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in template.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|_| {
            let c = ALPHANUMERIC[(h % 36) as usize] as char;
            h /= 36;
            c
        })
        .collect()
}

/// `extendedRequestId`, shaped like API Gateway's (`Ab1Cd2EfIAMF-Ag=`).
fn extended_request_id() -> String {
    let raw = random_u64().to_le_bytes();
    base64::engine::general_purpose::STANDARD.encode([&raw[..], &raw[..2]].concat())
}

/// `25/Nov/2026:09:00:00 +0000`.
pub(crate) fn request_time(now: SystemTime) -> String {
    let format = time::macros::format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
    );
    time::OffsetDateTime::from(now)
        .format(format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::HeaderValue;
    use serde_json::{Value, json};

    use super::*;

    fn caller() -> VerifiedCaller {
        VerifiedCaller {
            access_key: "AKIDEXAMPLE".into(),
            account_id: "111122223333".into(),
            caller: "AIDAEXAMPLE".into(),
            user: "AIDAEXAMPLE".into(),
            user_arn: "arn:aws:iam::111122223333:user/alice".into(),
        }
    }

    /// A request with every kind of field: repeated headers and query keys,
    /// cookies, a path parameter, a text body, a signed caller.
    fn event(format: EventFormat, caller: Option<&VerifiedCaller>, body: &[u8]) -> Value {
        let mut event: Value = serde_json::from_slice(&raw_event(format, caller, body)).unwrap();
        // The one random field.
        if let Some(ctx) = event["requestContext"].as_object_mut() {
            let random = ctx.remove("extendedRequestId");
            assert_eq!(random.is_some(), format == EventFormat::RestV1);
        }
        event
    }

    fn raw_event(format: EventFormat, caller: Option<&VerifiedCaller>, body: &[u8]) -> Vec<u8> {
        with_request(caller, body, |api, routed| build(format, api, routed))
    }

    /// `f` of the request [`event`] describes.
    fn with_request<T>(
        caller: Option<&VerifiedCaller>,
        body: &[u8],
        f: impl FnOnce(&ApiInfo, &Routed<'_>) -> T,
    ) -> T {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "abc.execute-api.localhost"),
            ("x-b", "2"),
            ("x-a", "1"),
            ("x-b", "3"),
            ("cookie", "a=1; b=2"),
            ("cookie", "c=3"),
            ("user-agent", "test/1"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        let params = [("id", "a b".to_owned())];
        let api = ApiInfo {
            api_id: "abc".into(),
            account_id: "123456789012".into(),
            stage: "api".into(),
        };
        let routed = Routed {
            request_id: "11111111-2222-4333-8444-555555555555",
            method: "GET",
            path: "/users/a%20b",
            full_path: "/api/users/a%20b",
            query: Some("z=1&q=x+y&z=2"),
            headers: &headers,
            body,
            source_ip: "127.0.0.1",
            resource: "/users/{id}",
            route_key: "GET /users/{id}",
            params: &params,
            caller,
            api_key: None,
            grant: None,
            token: None,
            // 2026-11-25T09:00:00Z
            now: UNIX_EPOCH + Duration::from_secs(1_795_597_200),
        };
        f(&api, &routed)
    }

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc/api/GET/users/a%20b";

    /// The events read as `aws_lambda_events` reads them (its types follow
    /// AWS's documented samples), field by field.
    #[test]
    fn authorizer_events_have_api_gateways_shapes() {
        use aws_lambda_events::apigw::{
            ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest,
        };
        let token = with_request(None, b"", |api, r| {
            authorizer_event(goblet_core::AuthorizerKind::Token, ARN, "Bearer t", api, r)
        });
        let raw: Value = serde_json::from_slice(&token).unwrap();
        assert_eq!(
            raw,
            json!({"type": "TOKEN", "authorizationToken": "Bearer t", "methodArn": ARN})
        );
        let token: ApiGatewayCustomAuthorizerRequest = serde_json::from_slice(&token).unwrap();
        assert_eq!(token.type_.as_deref(), Some("TOKEN"));
        assert_eq!(token.authorization_token.as_deref(), Some("Bearer t"));
        assert_eq!(token.method_arn.as_deref(), Some(ARN));

        let bytes = with_request(None, b"{\"a\":1}", |api, r| {
            authorizer_event(goblet_core::AuthorizerKind::Request, ARN, "", api, r)
        });
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        // No body: API Gateway does not hand it to authorizers.
        assert!(
            raw.get("body").is_none() && raw.get("isBase64Encoded").is_none(),
            "{raw}"
        );
        let request: ApiGatewayCustomAuthorizerRequestTypeRequest =
            serde_json::from_slice(&bytes).unwrap();
        assert_eq!(request.type_.as_deref(), Some("REQUEST"));
        assert_eq!(request.method_arn.as_deref(), Some(ARN));
        assert_eq!(request.resource.as_deref(), Some("/users/{id}"));
        assert_eq!(request.path.as_deref(), Some("/users/a%20b"));
        assert_eq!(request.http_method, Some(http::Method::GET));
        assert_eq!(request.headers.get("x-b").unwrap(), "3");
        let x_b: Vec<_> = request.multi_value_headers.get_all("x-b").iter().collect();
        assert_eq!(x_b, ["2", "3"]);
        assert_eq!(request.query_string_parameters.first("z"), Some("2"));
        assert_eq!(
            request.multi_value_query_string_parameters.all("z"),
            Some(vec!["1", "2"])
        );
        assert_eq!(request.query_string_parameters.first("q"), Some("x y"));
        assert_eq!(request.path_parameters["id"], "a b");
        let ctx = &request.request_context;
        assert_eq!(ctx.account_id.as_deref(), Some("123456789012"));
        assert_eq!(ctx.apiid.as_deref(), Some("abc"));
        assert_eq!(ctx.stage.as_deref(), Some("api"));
        assert_eq!(ctx.resource_path.as_deref(), Some("/users/{id}"));
        assert_eq!(ctx.http_method, Some(http::Method::GET));
        assert_eq!(
            ctx.request_id.as_deref(),
            Some("11111111-2222-4333-8444-555555555555")
        );
        assert_eq!(
            ctx.identity.as_ref().and_then(|i| i.source_ip.as_deref()),
            Some("127.0.0.1")
        );
    }

    #[test]
    fn rest_events_have_every_field_api_gateway_sends() {
        let caller = caller();
        let got = event(EventFormat::RestV1, Some(&caller), b"{\"a\":1}");
        let expected = json!({
            "resource": "/users/{id}",
            "path": "/users/a%20b",
            "httpMethod": "GET",
            // A repeated header's last value; names in the order they came.
            "headers": {
                "host": "abc.execute-api.localhost", "x-b": "3", "x-a": "1",
                "cookie": "c=3", "user-agent": "test/1",
            },
            "multiValueHeaders": {
                "host": ["abc.execute-api.localhost"], "x-b": ["2", "3"], "x-a": ["1"],
                "cookie": ["a=1; b=2", "c=3"], "user-agent": ["test/1"],
            },
            "queryStringParameters": {"z": "2", "q": "x y"},
            "multiValueQueryStringParameters": {"z": ["1", "2"], "q": ["x y"]},
            "pathParameters": {"id": "a b"},
            "stageVariables": null,
            "requestContext": {
                "resourceId": resource_id("/users/{id}"),
                "resourcePath": "/users/{id}",
                "httpMethod": "GET",
                "requestTime": "25/Nov/2026:09:00:00 +0000",
                "path": "/api/users/a%20b",
                "accountId": "123456789012",
                "protocol": "HTTP/1.1",
                "stage": "api",
                "domainPrefix": "abc",
                "requestTimeEpoch": 1_795_597_200_000_u64,
                "requestId": "11111111-2222-4333-8444-555555555555",
                "identity": {
                    "cognitoIdentityPoolId": null,
                    "cognitoIdentityId": null,
                    "cognitoAuthenticationType": null,
                    "cognitoAuthenticationProvider": null,
                    "principalOrgId": null,
                    "apiKey": null,
                    "apiKeyId": null,
                    "accessKey": "AKIDEXAMPLE",
                    "accountId": "111122223333",
                    "caller": "AIDAEXAMPLE",
                    "user": "AIDAEXAMPLE",
                    "userArn": "arn:aws:iam::111122223333:user/alice",
                    "sourceIp": "127.0.0.1",
                    "userAgent": "test/1",
                },
                "domainName": "abc.execute-api.localhost",
                "apiId": "abc",
            },
            // Every body is binary to a REST API with `*/*` binary media types.
            "body": "eyJhIjoxfQ==",
            "isBase64Encoded": true,
        });
        assert_eq!(got, expected);
        // Names in the order the request gave them.
        let raw = String::from_utf8(raw_event(EventFormat::RestV1, None, b"")).unwrap();
        assert!(
            raw.contains(r#""headers":{"host":"abc.execute-api.localhost","x-b":"3","x-a":"1","cookie":"c=3","user-agent":"test/1"}"#),
            "{raw}"
        );

        // Nothing to say: null, not absent, not empty.
        let bare = event(EventFormat::RestV1, None, b"");
        assert_eq!(bare["body"], Value::Null);
        assert_eq!(bare["requestContext"]["identity"]["userArn"], Value::Null);
        let binary = event(EventFormat::RestV1, None, &[0xff, 0x00]);
        assert_eq!(binary["body"], "/wA=");
        assert_eq!(binary["isBase64Encoded"], true);
    }

    #[test]
    fn http_api_events_join_values_and_leave_out_what_is_absent() {
        let caller = caller();
        let got = event(EventFormat::HttpV2, Some(&caller), b"");
        let expected = json!({
            "version": "2.0",
            "routeKey": "GET /users/{id}",
            "rawPath": "/api/users/a b",
            "rawQueryString": "z=1&q=x+y&z=2",
            "cookies": ["a=1", "b=2", "c=3"],
            "headers": {
                "host": "abc.execute-api.localhost", "x-b": "2,3", "x-a": "1",
                "user-agent": "test/1",
            },
            "queryStringParameters": {"z": "1,2", "q": "x y"},
            "pathParameters": {"id": "a b"},
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "abc",
                "authorizer": {"iam": {
                    "accessKey": "AKIDEXAMPLE",
                    "accountId": "111122223333",
                    "callerId": "AIDAEXAMPLE",
                    "cognitoIdentity": null,
                    "principalOrgId": null,
                    "userArn": "arn:aws:iam::111122223333:user/alice",
                    "userId": "AIDAEXAMPLE",
                }},
                "domainName": "abc.execute-api.localhost",
                "domainPrefix": "abc",
                "http": {
                    "method": "GET",
                    "path": "/api/users/a b",
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": "test/1",
                },
                "requestId": "11111111-2222-4333-8444-555555555555",
                "routeKey": "GET /users/{id}",
                "stage": "api",
                "time": "25/Nov/2026:09:00:00 +0000",
                "timeEpoch": 1_795_597_200_000_u64,
            },
            "isBase64Encoded": false,
        });
        assert_eq!(got, expected);
        let unsigned = event(EventFormat::HttpV2, None, b"hi");
        assert!(unsigned["requestContext"].get("authorizer").is_none());
        assert_eq!(unsigned["body"], "hi");
    }

    #[test]
    fn request_time_has_api_gateways_format() {
        // 2026-11-25T09:00:00Z
        let t = UNIX_EPOCH + Duration::from_secs(1_795_597_200);
        assert_eq!(request_time(t), "25/Nov/2026:09:00:00 +0000");
        assert_eq!(request_time(UNIX_EPOCH), "01/Jan/1970:00:00:00 +0000");
    }

    #[test]
    fn queries_are_decoded_and_grouped() {
        let grouped = grouped_query(Some("b=caf%C3%A9&a=1&c=x+y&a=2&d&b=3"));
        let owned: Vec<(&str, Vec<&str>)> = grouped
            .iter()
            .map(|(k, vs)| (k.as_ref(), vs.iter().map(|v| v.as_ref()).collect()))
            .collect();
        assert_eq!(
            owned,
            vec![
                ("b", vec!["café", "3"]),
                ("a", vec!["1", "2"]),
                ("c", vec!["x y"]),
                ("d", vec![""]),
            ]
        );
        assert!(grouped_query(Some("")).is_empty());
        assert!(grouped_query(None).is_empty());
        assert_eq!(random_id(10).len(), 10);
    }
}
