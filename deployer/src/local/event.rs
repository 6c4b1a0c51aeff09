//! Proxy integration events, built the way API Gateway builds them: payload
//! format 1.0 (REST APIs) and 2.0 (HTTP APIs).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use http::HeaderMap;
use serde_json::{Map, Value};

use super::routes::{MethodDef, Resource};
use super::sigv4::VerifiedCaller;

/// Which payload format the integration receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    /// REST API, payload format 1.0.
    Rest,
    /// HTTP API, payload format 2.0.
    Http,
}

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
    pub resource: &'a Resource,
    pub method_def: &'a MethodDef,
    pub params: &'a [(&'a str, String)],
    pub caller: Option<&'a VerifiedCaller>,
    /// The `x-api-key` that an `api_key = true` method accepted.
    pub api_key: Option<&'a str>,
    pub now: SystemTime,
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn value_text(v: &http::HeaderValue) -> String {
    match v.to_str() {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(v.as_bytes()).into_owned(),
    }
}

/// Whether a body of this content type reaches the function as text (else base64).
pub(crate) fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return true;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.is_empty()
        || essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/x-www-form-urlencoded"
                | "application/graphql"
                | "application/x-yaml"
                | "application/yaml"
        )
}

/// `body` and `isBase64Encoded`.
fn body_fields(body: &[u8], headers: &HeaderMap) -> (Value, bool) {
    if body.is_empty() {
        return (Value::Null, false);
    }
    if is_text(header_str(headers, "content-type"))
        && let Ok(text) = std::str::from_utf8(body)
    {
        return (Value::String(text.to_owned()), false);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(body);
    (Value::String(encoded), true)
}

/// Query pairs, decoded as API Gateway decodes them (`+` is a space).
fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    match query {
        Some(q) if !q.is_empty() => form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        _ => Vec::new(),
    }
}

fn group<K: AsRef<str>>(
    pairs: impl IntoIterator<Item = (K, String)>,
) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (k, v) in pairs {
        let k = k.as_ref();
        match index.get(k) {
            Some(&i) => out[i].1.push(v),
            None => {
                index.insert(k.to_owned(), out.len());
                out.push((k.to_owned(), vec![v]));
            }
        }
    }
    out
}

fn object_or_null(map: Map<String, Value>) -> Value {
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    }
}

fn params_value(params: &[(&str, String)]) -> Value {
    object_or_null(
        params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
            .collect(),
    )
}

fn epoch_ms(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Builds the event for `format`, serialized.
pub(crate) fn build(format: PayloadFormat, api: &ApiInfo, req: &Routed<'_>) -> Vec<u8> {
    let event = match format {
        PayloadFormat::Rest => rest_event(api, req),
        PayloadFormat::Http => http_event(api, req),
    };
    serde_json::to_vec(&event).unwrap_or_default()
}

fn rest_event(api: &ApiInfo, req: &Routed<'_>) -> Value {
    let mut headers = Map::new();
    let mut multi_headers = Map::new();
    for (name, values) in group(req.headers.iter().map(|(k, v)| (k.as_str(), value_text(v)))) {
        if let Some(last) = values.last() {
            headers.insert(name.clone(), Value::String(last.clone()));
        }
        multi_headers.insert(name, values.into_iter().map(Value::String).collect());
    }
    let mut query = Map::new();
    let mut multi_query = Map::new();
    for (key, values) in group(query_pairs(req.query)) {
        if let Some(last) = values.last() {
            query.insert(key.clone(), Value::String(last.clone()));
        }
        multi_query.insert(key, values.into_iter().map(Value::String).collect());
    }
    let (body, is_base64) = body_fields(req.body, req.headers);
    let caller = req.caller;
    let user_agent = header_str(req.headers, "user-agent");
    let identity = serde_json::json!({
        "cognitoIdentityPoolId": null,
        "cognitoIdentityId": null,
        "cognitoAuthenticationType": null,
        "cognitoAuthenticationProvider": null,
        "principalOrgId": null,
        "apiKey": req.api_key,
        // Keys given with --api-key have no API Gateway key resource, so no id.
        "apiKeyId": null,
        "accessKey": caller.map(|c| &*c.access_key),
        "accountId": caller.map(|c| &*c.account_id),
        "caller": caller.map(|c| &*c.caller),
        "user": caller.map(|c| &*c.user),
        "userArn": caller.map(|c| &*c.user_arn),
        "sourceIp": req.source_ip,
        "userAgent": user_agent,
    });
    let domain = header_str(req.headers, "host").unwrap_or("localhost");
    serde_json::json!({
        "resource": req.resource.template,
        "path": req.path,
        "httpMethod": req.method,
        "headers": object_or_null(headers),
        "multiValueHeaders": object_or_null(multi_headers),
        "queryStringParameters": object_or_null(query),
        "multiValueQueryStringParameters": object_or_null(multi_query),
        "pathParameters": params_value(req.params),
        "stageVariables": null,
        "requestContext": {
            "resourceId": resource_id(&req.resource.template),
            "resourcePath": req.resource.template,
            "httpMethod": req.method,
            "extendedRequestId": extended_request_id(),
            "requestTime": request_time(req.now),
            "path": req.full_path,
            "accountId": api.account_id,
            "protocol": "HTTP/1.1",
            "stage": api.stage,
            "domainPrefix": domain.split('.').next().unwrap_or(domain),
            "requestTimeEpoch": epoch_ms(req.now),
            "requestId": req.request_id,
            "identity": identity,
            "domainName": domain,
            "apiId": api.api_id,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

fn http_event(api: &ApiInfo, req: &Routed<'_>) -> Value {
    let mut headers = Map::new();
    let mut cookies: Vec<Value> = Vec::new();
    for (name, values) in group(req.headers.iter().map(|(k, v)| (k.as_str(), value_text(v)))) {
        if name == "cookie" {
            for value in &values {
                cookies.extend(
                    value
                        .split(';')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(|c| Value::String(c.to_owned())),
                );
            }
            continue;
        }
        headers.insert(name, Value::String(values.join(",")));
    }
    let mut query = Map::new();
    for (key, values) in group(query_pairs(req.query)) {
        query.insert(key, Value::String(values.join(",")));
    }
    let (body, is_base64) = body_fields(req.body, req.headers);
    let domain = header_str(req.headers, "host").unwrap_or("localhost");
    let decoded_path = percent_encoding::percent_decode_str(req.full_path)
        .decode_utf8_lossy()
        .into_owned();
    let route_key = &req.method_def.route_key;
    let mut context = serde_json::json!({
        "accountId": api.account_id,
        "apiId": api.api_id,
        "domainName": domain,
        "domainPrefix": domain.split('.').next().unwrap_or(domain),
        "http": {
            "method": req.method,
            "path": decoded_path,
            "protocol": "HTTP/1.1",
            "sourceIp": req.source_ip,
            "userAgent": header_str(req.headers, "user-agent").unwrap_or(""),
        },
        "requestId": req.request_id,
        "routeKey": route_key,
        "stage": api.stage,
        "time": request_time(req.now),
        "timeEpoch": epoch_ms(req.now),
    });
    if let Some(c) = req.caller {
        context["authorizer"] = serde_json::json!({
            "iam": {
                "accessKey": &*c.access_key,
                "accountId": &*c.account_id,
                "callerId": &*c.caller,
                "cognitoIdentity": null,
                "principalOrgId": null,
                "userArn": &*c.user_arn,
                "userId": &*c.user,
            }
        });
    }
    let mut event = serde_json::json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": decoded_path,
        "rawQueryString": req.query.unwrap_or(""),
        "headers": Value::Object(headers),
        "requestContext": context,
        "isBase64Encoded": is_base64,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !req.params.is_empty() {
        event["pathParameters"] = params_value(req.params);
    }
    if !body.is_null() {
        event["body"] = body;
    }
    event
}

fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.finish()
}

/// A random (version 4) UUID, as API Gateway's request ids are.
pub(crate) fn request_id() -> String {
    let hi = (random_u64() & !0xf000) | 0x4000;
    let lo = (random_u64() & !(0b11 << 62)) | (0b10 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
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

    use super::*;

    #[test]
    fn request_time_has_api_gateways_format() {
        // 2026-11-25T09:00:00Z
        let t = UNIX_EPOCH + Duration::from_secs(1_795_597_200);
        assert_eq!(request_time(t), "25/Nov/2026:09:00:00 +0000");
        assert_eq!(request_time(UNIX_EPOCH), "01/Jan/1970:00:00:00 +0000");
    }

    #[test]
    fn text_and_binary_content_types() {
        assert!(is_text(None));
        assert!(is_text(Some("application/json; charset=utf-8")));
        assert!(is_text(Some("text/plain")));
        assert!(is_text(Some("application/vnd.api+json")));
        assert!(!is_text(Some("application/octet-stream")));
        assert!(!is_text(Some("image/png")));
    }

    #[test]
    fn queries_are_decoded_and_grouped() {
        let grouped = group(query_pairs(Some("a=1&b=caf%C3%A9&a=2&c=x+y&d")));
        assert_eq!(
            grouped,
            vec![
                ("a".to_owned(), vec!["1".to_owned(), "2".to_owned()]),
                ("b".to_owned(), vec!["café".to_owned()]),
                ("c".to_owned(), vec!["x y".to_owned()]),
                ("d".to_owned(), vec![String::new()]),
            ]
        );
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(random_id(10).len(), 10);
    }
}
