//! Incoming events: one serde pass over a superset of the four HTTP event shapes
//! (REST v1, HTTP API v2, ALB, function URL), then a classification. Trying each
//! shape in turn (an untagged enum) would parse every event several times.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::Error;
use goblet_core::EventShape;

use crate::request::{EventFormat, Identity, Request, RequestContext};
use crate::state::AppState;

/// A JSON object kept as its pairs, in order; `null` values are dropped.
#[derive(Debug, Default)]
pub(crate) struct Pairs<V>(pub Vec<(String, V)>);

impl<V> Pairs<V> {
    /// `None` for an empty object: a sender that fills only the single-value
    /// maps may still send `"multiValueHeaders": {}`, which must not hide them.
    fn non_empty(pairs: Option<Pairs<V>>) -> Option<Pairs<V>> {
        pairs.filter(|p| !p.0.is_empty())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Pairs<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PairsVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<V> {
            type Value = Pairs<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<String, Option<V>>()? {
                    if let Some(v) = v {
                        out.push((k, v));
                    }
                }
                Ok(Pairs(out))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Pairs(Vec::new()))
            }
        }
        d.deserialize_any(PairsVisitor(PhantomData))
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct RawEvent {
    // REST v1 and ALB
    http_method: Option<String>,
    path: Option<String>,
    resource: Option<String>,
    /// Parsed only when the event has no `multiValueHeaders` (which then
    /// hold the same headers): see [`single_values`].
    headers: Option<Box<RawValue>>,
    multi_value_headers: Option<Pairs<Vec<String>>>,
    /// As `headers`, for `multiValueQueryStringParameters`.
    query_string_parameters: Option<Box<RawValue>>,
    multi_value_query_string_parameters: Option<Pairs<Vec<String>>>,
    path_parameters: Option<Pairs<String>>,
    stage_variables: Option<Pairs<String>>,
    body: Option<String>,
    is_base64_encoded: bool,
    // HTTP API v2 and function URLs
    version: Option<String>,
    route_key: Option<String>,
    raw_path: Option<String>,
    raw_query_string: Option<String>,
    cookies: Option<Vec<String>>,
    request_context: Option<RawContext>,
    // Authorizer events (TOKEN and REQUEST)
    #[serde(rename = "type")]
    kind: Option<String>,
    method_arn: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawContext {
    request_id: Option<String>,
    stage: Option<String>,
    resource_path: Option<String>,
    api_id: Option<String>,
    account_id: Option<String>,
    domain_name: Option<String>,
    request_time_epoch: Option<i64>,
    time_epoch: Option<i64>,
    identity: Option<RawIdentity>,
    http: Option<RawHttp>,
    /// IAM (`iam`, HTTP APIs) or what a Lambda or Cognito authorizer said.
    authorizer: Option<serde_json::Map<String, serde_json::Value>>,
    elb: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawIdentity {
    access_key: Option<String>,
    account_id: Option<String>,
    caller: Option<String>,
    user: Option<String>,
    user_arn: Option<String>,
    source_ip: Option<String>,
    user_agent: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawHttp {
    method: Option<String>,
    path: Option<String>,
    source_ip: Option<String>,
    user_agent: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawIam {
    access_key: Option<String>,
    account_id: Option<String>,
    caller_id: Option<String>,
    user_arn: Option<String>,
    user_id: Option<String>,
}

/// The event's header and query maps, the multi-value ones first: a sender
/// that fills both puts the same pairs in each.
struct Maps {
    multi_headers: Option<Pairs<Vec<String>>>,
    single_headers: Option<Pairs<String>>,
    multi_query: Option<Pairs<Vec<String>>>,
    single_query: Option<Pairs<String>>,
}

/// An event that is not an HTTP request of any shape goblet knows, or one
/// whose fields have the wrong types. It is reported on the Runtime API's
/// error endpoint, not answered.
#[derive(Debug)]
pub(crate) struct UnknownEvent {
    /// `goblet.UnknownEvent` (no known shape), `goblet.InvalidEvent` (the
    /// wrong fields), or `Runtime.UnmarshalError` (not JSON at all: the
    /// error type Lambda's own runtimes report for it).
    pub error_type: &'static str,
    pub message: String,
}

impl UnknownEvent {
    fn unknown(message: String) -> UnknownEvent {
        UnknownEvent {
            error_type: "goblet.UnknownEvent",
            message,
        }
    }

    fn invalid(message: String) -> UnknownEvent {
        UnknownEvent {
            error_type: "goblet.InvalidEvent",
            message,
        }
    }

    fn not_json(reason: impl fmt::Display) -> UnknownEvent {
        UnknownEvent {
            error_type: "Runtime.UnmarshalError",
            message: format!("Unable to unmarshal input: {reason}"),
        }
    }
}

impl fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A serde_json error without its "at line L column C".
struct ErrorWithoutPosition<'e>(&'e serde_json::Error);

impl fmt::Display for ErrorWithoutPosition<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        let suffix = format!(" at line {} column {}", self.0.line(), self.0.column());
        f.write_str(text.strip_suffix(&suffix).unwrap_or(&text))
    }
}

/// The request, how to shape the reply, and, for REST v1, the resource API
/// Gateway already matched.
pub(crate) struct Incoming {
    pub request: Request,
    pub shape: EventShape,
    pub routed_resource: Option<String>,
    pub route_key: Option<String>,
}

/// A request that cannot even be built (bad base64, bad header): answered with
/// 400, in the reply shape of its event.
pub(crate) struct BadEvent {
    pub shape: EventShape,
    pub error: Error,
}

/// A single-value map (`headers`, `queryStringParameters`), parsed from the
/// event's text when it is needed.
fn single_values(
    raw: Option<Box<RawValue>>,
    field: &str,
) -> Result<Option<Pairs<String>>, UnknownEvent> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    serde_json::from_str(raw.get()).map_err(|e| {
        // `e` has no line and column: they would count from the field.
        UnknownEvent::invalid(format!(
            "goblet: the event's `{field}` is not an object of strings: {}",
            ErrorWithoutPosition(&e)
        ))
    })
}

impl RawEvent {
    /// Parses an event as the Runtime API hands it over: bytes, JSON unless
    /// whoever invoked the function sent something else.
    pub(crate) fn from_payload(payload: &[u8]) -> Result<RawEvent, UnknownEvent> {
        let json = std::str::from_utf8(payload)
            .map_err(|e| UnknownEvent::not_json(format_args!("the event is not UTF-8: {e}")))?;
        RawEvent::parse(json)
    }

    /// Parses an event's JSON.
    pub(crate) fn parse(json: &str) -> Result<RawEvent, UnknownEvent> {
        serde_json::from_str(json).map_err(|error| {
            if error.is_syntax() || error.is_eof() {
                return UnknownEvent::not_json(error);
            }
            // Parse again to say where: only a malformed event pays for that.
            let mut tracked = serde_json::Deserializer::from_str(json);
            let at = match serde_path_to_error::deserialize::<_, RawEvent>(&mut tracked) {
                Err(e) if e.path().to_string() != "." => format!("field `{}`: ", e.path()),
                _ => String::new(),
            };
            UnknownEvent::invalid(format!(
                "goblet: the event does not have the fields of an HTTP event: {at}{error}"
            ))
        })
    }

    /// Whether this is an authorizer's event rather than an HTTP request's.
    pub(crate) fn is_authorizer_event(&self) -> bool {
        crate::authorizer::is_authorizer_event(self.kind.as_deref(), self.method_arn.is_some())
    }

    pub(crate) fn into_incoming(mut self) -> Result<Result<Incoming, BadEvent>, UnknownEvent> {
        let ctx = self.request_context.as_ref();
        let format = if ctx.is_some_and(|c| c.elb.is_some()) {
            EventFormat::Alb
        } else if self.version.as_deref() == Some("2.0") {
            let is_url = ctx
                .and_then(|c| c.domain_name.as_deref())
                .is_some_and(|d| d.contains(".lambda-url."));
            if is_url {
                EventFormat::FunctionUrl
            } else {
                EventFormat::HttpV2
            }
        } else if self.http_method.is_some() && ctx.is_some() {
            EventFormat::RestV1
        } else {
            return Err(UnknownEvent::unknown(describe_unknown(&self)));
        };
        let shape = EventShape {
            format,
            multi_value_headers: format == EventFormat::Alb && self.multi_value_headers.is_some(),
        };
        let multi_headers = Pairs::non_empty(self.multi_value_headers.take());
        let single_headers = match multi_headers {
            Some(_) => None,
            None => single_values(self.headers.take(), "headers")?,
        };
        let multi_query = Pairs::non_empty(self.multi_value_query_string_parameters.take());
        let single_query = match (&multi_query, format) {
            // HTTP APIs and function URLs give the raw query string.
            (_, EventFormat::HttpV2 | EventFormat::FunctionUrl) | (Some(_), _) => None,
            (None, _) => {
                single_values(self.query_string_parameters.take(), "queryStringParameters")?
            }
        };
        let maps = Maps {
            multi_headers,
            single_headers,
            multi_query,
            single_query,
        };
        Ok(self
            .build(shape, maps)
            .map_err(|error| BadEvent { shape, error }))
    }

    fn build(self, shape: EventShape, maps: Maps) -> Result<Incoming, Error> {
        let format = shape.format;
        let mut ctx = self.request_context.unwrap_or_default();
        let v2 = format.is_v2();

        let method_name = if v2 {
            ctx.http.as_ref().and_then(|h| h.method.clone())
        } else {
            self.http_method
        }
        .ok_or_else(|| Error::BadRequest("The event names no HTTP method".into()))?;
        let method = Method::from_bytes(method_name.as_bytes())
            .map_err(|_| Error::BadRequest(format!("Invalid HTTP method {method_name:?}")))?;

        let path = if v2 {
            self.raw_path
                .or_else(|| ctx.http.as_ref().and_then(|h| h.path.clone()))
        } else {
            self.path
        }
        .unwrap_or_else(|| "/".to_owned());

        let mut headers = HeaderMap::new();
        if let Some(Pairs(multi)) = maps.multi_headers {
            for (name, values) in multi {
                for value in values {
                    append_header(&mut headers, &name, &value)?;
                }
            }
        } else if let Some(Pairs(single)) = maps.single_headers {
            for (name, value) in single {
                append_header(&mut headers, &name, &value)?;
            }
        }
        if let Some(cookies) = self.cookies.filter(|c| !c.is_empty()) {
            append_header(&mut headers, "cookie", &cookies.join("; "))?;
        }

        let query = match format {
            EventFormat::HttpV2 | EventFormat::FunctionUrl => {
                self.raw_query_string.unwrap_or_default()
            }
            // ALB passes query parameters exactly as the client sent them.
            EventFormat::Alb => join_raw_query(maps.multi_query, maps.single_query),
            // API Gateway REST hands them over decoded: encode them again.
            EventFormat::RestV1 => encode_query(maps.multi_query, maps.single_query),
        };

        let body = match self.body {
            None => Bytes::new(),
            Some(text) if self.is_base64_encoded => base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map(Bytes::from)
                .map_err(|e| {
                    Error::BadRequest(format!(
                        "The request body is marked isBase64Encoded but is not valid base64: {e}"
                    ))
                })?,
            Some(text) => Bytes::from(text),
        };

        let identity = take_identity(&mut ctx);
        let authorizer = ctx
            .authorizer
            .take()
            .and_then(crate::authorizer::AuthorizerContext::from_event);
        let stage_variables: HashMap<String, String> = self
            .stage_variables
            .map(|p| p.0.into_iter().collect())
            .unwrap_or_default();
        let path_params = self.path_parameters.map(|p| p.0).unwrap_or_default();
        let routed_resource = if matches!(format, EventFormat::RestV1) {
            ctx.resource_path.take().or(self.resource)
        } else {
            None
        };
        let context = RequestContext {
            format,
            request_id: ctx.request_id,
            stage: ctx.stage,
            api_id: ctx.api_id,
            account_id: ctx.account_id,
            domain_name: ctx.domain_name,
            request_time_epoch: ctx.request_time_epoch.or(ctx.time_epoch),
            identity,
            stage_variables,
            authorizer,
        };
        Ok(Incoming {
            request: Request {
                method,
                path,
                resource: None,
                path_params,
                query,
                headers,
                body,
                context: Arc::new(context),
                state: AppState::default(),
                extensions: Extensions::new(),
            },
            shape,
            routed_resource,
            route_key: self.route_key,
        })
    }
}

fn take_identity(ctx: &mut RawContext) -> Identity {
    let mut id = Identity::default();
    if let Some(raw) = ctx.identity.take() {
        id = Identity {
            access_key: raw.access_key,
            account_id: raw.account_id,
            caller: raw.caller,
            user: raw.user,
            user_arn: raw.user_arn,
            source_ip: raw.source_ip,
            user_agent: raw.user_agent,
        };
    }
    if let Some(http) = ctx.http.take() {
        id.source_ip = id.source_ip.or(http.source_ip);
        id.user_agent = id.user_agent.or(http.user_agent);
    }
    let iam = ctx
        .authorizer
        .as_mut()
        .and_then(|a| a.remove("iam"))
        .and_then(|iam| serde_json::from_value::<RawIam>(iam).ok());
    if let Some(iam) = iam {
        id.access_key = id.access_key.or(iam.access_key);
        id.account_id = id.account_id.or(iam.account_id);
        id.caller = id.caller.or(iam.caller_id);
        id.user = id.user.or(iam.user_id);
        id.user_arn = id.user_arn.or(iam.user_arn);
    }
    id
}

fn append_header(headers: &mut HeaderMap, name: &str, value: &str) -> Result<(), Error> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::BadRequest(format!("Invalid header name {name:?}")))?;
    let value = HeaderValue::from_str(value)
        .map_err(|_| Error::BadRequest(format!("Invalid value for header {name}")))?;
    headers.append(name, value);
    Ok(())
}

fn encode_query(multi: Option<Pairs<Vec<String>>>, single: Option<Pairs<String>>) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    match (multi, single) {
        (Some(Pairs(multi)), _) => {
            for (k, values) in &multi {
                for v in values {
                    out.append_pair(k, v);
                }
            }
        }
        (None, Some(Pairs(single))) => {
            for (k, v) in &single {
                out.append_pair(k, v);
            }
        }
        (None, None) => {}
    }
    out.finish()
}

fn join_raw_query(multi: Option<Pairs<Vec<String>>>, single: Option<Pairs<String>>) -> String {
    let mut out = String::new();
    let mut push = |k: &str, v: &str| {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    };
    match (multi, single) {
        (Some(Pairs(multi)), _) => {
            for (k, values) in &multi {
                for v in values {
                    push(k, v);
                }
            }
        }
        (None, Some(Pairs(single))) => {
            for (k, v) in &single {
                push(k, v);
            }
        }
        (None, None) => {}
    }
    out
}

fn describe_unknown(event: &RawEvent) -> String {
    let mut missing = Vec::new();
    if event.request_context.is_none() {
        missing.push("requestContext");
    }
    if event.http_method.is_none() && event.version.is_none() {
        missing.push("httpMethod (REST API, ALB) or version \"2.0\" (HTTP API, function URL)");
    }
    format!(
        "goblet: this event is not an HTTP request from API Gateway (REST or HTTP API), \
         an Application Load Balancer or a function URL; missing {}",
        missing.join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(json: &str) -> Result<Incoming, String> {
        match RawEvent::parse(json).and_then(RawEvent::into_incoming) {
            Ok(Ok(incoming)) => Ok(incoming),
            Ok(Err(bad)) => Err(format!("bad event: {:?}", bad.error)),
            Err(unknown) => Err(format!("{}: {unknown}", unknown.error_type)),
        }
    }

    fn rejection(json: &str) -> String {
        match incoming(json) {
            Ok(_) => panic!("accepted: {json}"),
            Err(e) => e,
        }
    }

    const CONTEXT: &str = r#""requestContext": {"requestId": "r"}"#;

    #[test]
    fn a_payload_that_is_not_json_is_an_unmarshal_error_as_on_lambda() {
        for payload in [
            &b"not json"[..],
            b"{\"httpMethod\": \"GET\"",
            b"",
            b"\xff\xfe",
            b"{\"path\": \"/\xff\"}",
        ] {
            let Err(e) = RawEvent::from_payload(payload) else {
                panic!("accepted: {payload:?}")
            };
            assert_eq!(e.error_type, "Runtime.UnmarshalError", "{payload:?}");
            assert!(
                e.message.starts_with("Unable to unmarshal input: "),
                "{payload:?}: {e}"
            );
        }
        let Err(e) = RawEvent::from_payload(b"\xff") else {
            panic!("accepted")
        };
        assert!(e.message.contains("not UTF-8"), "{e}");
        // JSON of the wrong shape is goblet's to describe.
        let Err(e) = RawEvent::from_payload(b"[1]") else {
            panic!("accepted")
        };
        assert_eq!(e.error_type, "goblet.InvalidEvent");
    }

    #[test]
    fn a_malformed_event_is_reported_with_where() {
        let err = rejection(&format!(r#"{{"httpMethod": 5, {CONTEXT}}}"#));
        assert!(
            err.starts_with("goblet.InvalidEvent: ")
                && err.contains(
                    "HTTP event: field `httpMethod`: invalid type: integer `5`, expected a string"
                ),
            "{err}"
        );
        // Wrong at the top: no path to give.
        let err = rejection(r#""hello""#);
        assert!(
            err.contains("HTTP event: invalid type: string \"hello\""),
            "{err}"
        );
        let err = rejection("{}");
        assert!(err.starts_with("goblet.UnknownEvent: "), "{err}");
        let err = rejection(r#"{"requestContext": {"identity": {"user": []}}}"#);
        assert!(
            err.contains("field `requestContext.identity.user`: "),
            "{err}"
        );
    }

    #[test]
    fn multi_value_maps_win_and_the_single_ones_are_then_not_read() {
        // The single-value maps are not even parsed when the multi-value ones
        // are there: the same pairs, as API Gateway sends them.
        let both = format!(
            r#"{{"httpMethod": "GET", "path": "/", "headers": 5, "queryStringParameters": [1],
                "multiValueHeaders": {{"x-a": ["1", "2"]}},
                "multiValueQueryStringParameters": {{"q": ["a b", "c"]}}, {CONTEXT}}}"#
        );
        let req = incoming(&both).unwrap().request;
        let values: Vec<_> = req.headers.get_all("x-a").iter().collect();
        assert_eq!(values, ["1", "2"]);
        assert_eq!(req.query, "q=a+b&q=c");
    }

    #[test]
    fn single_value_maps_alone_are_read_and_checked() {
        let single = format!(
            r#"{{"httpMethod": "GET", "path": "/", "headers": {{"x-a": "1", "x-n": null}},
                "multiValueHeaders": {{}}, "queryStringParameters": {{"q": "a b"}}, {CONTEXT}}}"#
        );
        let req = incoming(&single).unwrap().request;
        assert_eq!(req.headers.get("x-a").unwrap(), "1");
        assert!(req.headers.get("x-n").is_none());
        assert_eq!(req.query, "q=a+b");

        let wrong = format!(r#"{{"httpMethod": "GET", "headers": {{"x-a": 1}}, {CONTEXT}}}"#);
        let err = rejection(&wrong);
        assert!(
            err.contains("the event's `headers` is not an object of strings: invalid type: integer `1`, expected a string")
                && !err.contains(" at line "),
            "{err}"
        );
        let wrong = format!(r#"{{"httpMethod": "GET", "queryStringParameters": 1, {CONTEXT}}}"#);
        let err = rejection(&wrong);
        assert!(err.contains("`queryStringParameters`"), "{err}");
    }
}
