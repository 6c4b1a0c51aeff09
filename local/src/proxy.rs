//! The function's proxy response, checked and mapped back to HTTP as API
//! Gateway maps it. Anything API Gateway would refuse is an [`Malformed`]
//! (a `502` for the client).

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value};

use goblet_core::EventFormat;

/// An HTTP response for the client.
#[derive(Debug)]
pub(crate) struct Mapped {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

/// Why a proxy response is unusable; logged, never shown to the client.
#[derive(Debug)]
pub(crate) struct Malformed(pub String);

fn malformed<T>(why: impl Into<String>) -> Result<T, Malformed> {
    Err(Malformed(why.into()))
}

/// Maps the function's answer for `format`.
pub(crate) fn map(format: EventFormat, raw: &[u8]) -> Result<Mapped, Malformed> {
    let value: Value = match serde_json::from_slice(raw) {
        Ok(v) => v,
        Err(e) => return malformed(format!("the response is not JSON: {e}")),
    };
    match (format, value) {
        (_, Value::Object(obj)) if obj.contains_key("statusCode") => mapped(format, obj),
        // HTTP APIs take any other JSON as a 200 `application/json` body.
        (f, other) if f.is_v2() => Ok(Mapped {
            status: StatusCode::OK,
            headers: vec![(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body: Bytes::from(serde_json::to_vec(&other).unwrap_or_default()),
        }),
        _ => malformed("the response has no statusCode"),
    }
}

fn status(value: &Value) -> Result<StatusCode, Malformed> {
    let code = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse::<u64>().ok(),
        _ => None,
    };
    match code
        .and_then(|c| u16::try_from(c).ok())
        .map(StatusCode::from_u16)
    {
        Some(Ok(status)) if status.as_u16() >= 100 => Ok(status),
        _ => malformed(format!("statusCode {value} is not an HTTP status")),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Malformed> {
    let n = HeaderName::from_bytes(name.as_bytes());
    let v = HeaderValue::from_str(value);
    match (n, v) {
        (Ok(n), Ok(v)) => Ok((n, v)),
        _ => malformed(format!("invalid header {name:?}: {value:?}")),
    }
}

fn object<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
) -> Result<Option<&'v Map<String, Value>>, Malformed> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => malformed(format!("{key} must be an object, not {other}")),
    }
}

fn mapped(format: EventFormat, obj: Map<String, Value>) -> Result<Mapped, Malformed> {
    let status = status(&obj["statusCode"])?;
    let mut headers = Vec::new();
    let multi = if !format.is_v2() {
        object(&obj, "multiValueHeaders")?
    } else {
        None
    };
    // Both given: multiValueHeaders wins for a name it has.
    if let Some(multi) = multi {
        for (name, values) in multi {
            let Value::Array(values) = values else {
                return malformed(format!("multiValueHeaders.{name} must be an array"));
            };
            for v in values {
                let Some(v) = scalar(v) else {
                    return malformed(format!("multiValueHeaders.{name} holds {v}"));
                };
                headers.push(header(name, &v)?);
            }
        }
    }
    if let Some(single) = object(&obj, "headers")? {
        for (name, value) in single {
            if multi.is_some_and(|m| m.keys().any(|k| k.eq_ignore_ascii_case(name))) {
                continue;
            }
            let Some(v) = scalar(value) else {
                return malformed(format!("headers.{name} holds {value}"));
            };
            headers.push(header(name, &v)?);
        }
    }
    if format.is_v2() {
        match obj.get("cookies") {
            None | Some(Value::Null) => {}
            Some(Value::Array(cookies)) => {
                for c in cookies {
                    let Value::String(c) = c else {
                        return malformed(format!("cookies holds {c}"));
                    };
                    headers.push(header("set-cookie", c)?);
                }
            }
            Some(other) => return malformed(format!("cookies must be an array, not {other}")),
        }
    }
    let base64 = match obj.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return malformed(format!("isBase64Encoded must be a boolean, not {other}")),
    };
    let body = match obj.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(s)) if base64 => {
            match base64::engine::general_purpose::STANDARD.decode(s.as_bytes()) {
                Ok(b) => Bytes::from(b),
                Err(e) => return malformed(format!("the body is not valid base64: {e}")),
            }
        }
        Some(Value::String(s)) => Bytes::from(s.clone()),
        Some(other) => return malformed(format!("body must be a string, not {other}")),
    };
    if !headers.iter().any(|(n, _)| n == http::header::CONTENT_TYPE) {
        headers.push((
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ));
    }
    Ok(Mapped {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_headers_multi_headers_and_base64() {
        let raw = br#"{"statusCode": 201, "headers": {"a": "1", "b": "x"},
            "multiValueHeaders": {"b": ["y", "z"]}, "body": "AP8=", "isBase64Encoded": true}"#;
        let m = map(EventFormat::RestV1, raw).unwrap();
        assert_eq!(m.status, 201);
        let pairs: Vec<(String, String)> = m
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        assert!(pairs.contains(&("a".into(), "1".into())));
        assert!(pairs.contains(&("b".into(), "y".into())));
        assert!(pairs.contains(&("b".into(), "z".into())));
        assert!(!pairs.contains(&("b".into(), "x".into())));
        assert_eq!(&m.body[..], &[0, 255]);
    }

    #[test]
    fn refuses_what_api_gateway_refuses() {
        for raw in [
            &b"not json"[..],
            br#"{"body": "x"}"#,
            br#"{"statusCode": "abc"}"#,
            br#"{"statusCode": 200, "body": "!!", "isBase64Encoded": true}"#,
            br#"{"statusCode": 200, "body": 5}"#,
        ] {
            assert!(
                map(EventFormat::RestV1, raw).is_err(),
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        let m = map(EventFormat::HttpV2, br#"{"hello": "world"}"#).unwrap();
        assert_eq!(m.status, 200);
        assert_eq!(&m.body[..], br#"{"hello":"world"}"#);
        let m = map(
            EventFormat::HttpV2,
            br#"{"statusCode": 200, "cookies": ["a=1"]}"#,
        )
        .unwrap();
        assert!(
            m.headers
                .iter()
                .any(|(n, v)| n == "set-cookie" && v == "a=1")
        );
    }
}
