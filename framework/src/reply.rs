//! Outgoing proxy responses, shaped for the event they answer.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{CONTENT_TYPE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use goblet_core::EventFormat;

use crate::response::Response;
use goblet_core::EventShape;

/// What goes back to the Runtime API, in the shape of the event it answers.
#[derive(Debug)]
pub(crate) struct ProxyReply {
    shape: EventShape,
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    is_base64_encoded: bool,
}

impl Serialize for ProxyReply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let headers = |mode| Headers {
            map: &self.headers,
            mode,
        };
        let mut out = s.serialize_map(Some(5))?;
        out.serialize_entry("statusCode", &self.status.as_u16())?;
        match self.shape.format {
            EventFormat::RestV1 => {
                out.serialize_entry("headers", &headers(HeaderMode::SingleOnly))?;
                out.serialize_entry("multiValueHeaders", &headers(HeaderMode::MultiOnly))?;
            }
            EventFormat::HttpV2 | EventFormat::FunctionUrl => {
                out.serialize_entry(
                    "headers",
                    &headers(HeaderMode::Joined { skip_cookies: true }),
                )?;
                let cookies: Vec<_> = self
                    .headers
                    .get_all(SET_COOKIE)
                    .iter()
                    .map(|v| String::from_utf8_lossy(v.as_bytes()))
                    .collect();
                out.serialize_entry("cookies", &cookies)?;
            }
            EventFormat::Alb => {
                let reason = self.status.canonical_reason().unwrap_or_default();
                let description = format!("{} {reason}", self.status.as_u16());
                out.serialize_entry("statusDescription", description.trim_end())?;
                if self.shape.multi_value_headers {
                    out.serialize_entry("multiValueHeaders", &headers(HeaderMode::AllMulti))?;
                } else {
                    let mode = HeaderMode::Joined {
                        skip_cookies: false,
                    };
                    out.serialize_entry("headers", &headers(mode))?;
                }
            }
        }
        out.serialize_entry("body", &self.body)?;
        out.serialize_entry("isBase64Encoded", &self.is_base64_encoded)?;
        out.end()
    }
}

/// Which of a response's headers a JSON header object holds, and how.
struct Headers<'a> {
    map: &'a HeaderMap,
    mode: HeaderMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderMode {
    /// Names with exactly one value, as strings.
    SingleOnly,
    /// Names with several values, as arrays.
    MultiOnly,
    /// Every name as an array.
    AllMulti,
    /// Every name as one string, values joined with `,`; `skip_cookies` leaves out
    /// Set-Cookie (HTTP API wants those in `cookies`).
    Joined { skip_cookies: bool },
}

impl Serialize for Headers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = |v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
        let mut map = s.serialize_map(None)?;
        for name in self.map.keys() {
            let all = self.map.get_all(name);
            let several = all.iter().nth(1).is_some();
            match self.mode {
                HeaderMode::SingleOnly if !several => {
                    map.serialize_entry(name.as_str(), &all.iter().map(text).next())?
                }
                HeaderMode::MultiOnly if several => {
                    map.serialize_entry(name.as_str(), &all.iter().map(text).collect::<Vec<_>>())?
                }
                HeaderMode::AllMulti => {
                    map.serialize_entry(name.as_str(), &all.iter().map(text).collect::<Vec<_>>())?
                }
                // Set-Cookie values cannot be joined with `,`: one header object
                // (ALB without multi-value headers) can only carry the last one.
                HeaderMode::Joined {
                    skip_cookies: false,
                } if name == SET_COOKIE => {
                    map.serialize_entry(name.as_str(), &all.iter().next_back().map(text))?
                }
                HeaderMode::Joined { skip_cookies } if !(skip_cookies && name == SET_COOKIE) => {
                    let joined = all.iter().map(text).collect::<Vec<_>>().join(",");
                    map.serialize_entry(name.as_str(), &joined)?
                }
                _ => {}
            }
        }
        map.end()
    }
}

pub(crate) fn shape_reply(shape: EventShape, response: Response) -> ProxyReply {
    let (parts, body) = response.into_parts();
    let bytes = body.into_bytes();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let (body, is_base64_encoded) = if bytes.is_empty() {
        (String::new(), false)
    } else if goblet_core::media::is_text(content_type) {
        match String::from_utf8(Vec::from(bytes)) {
            Ok(text) => (text, false),
            Err(e) => (STANDARD.encode(e.as_bytes()), true),
        }
    } else {
        (STANDARD.encode(&bytes), true)
    };
    ProxyReply {
        shape,
        status: parts.status,
        headers: parts.headers,
        body,
        is_base64_encoded,
    }
}
