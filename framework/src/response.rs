use std::borrow::Cow;

use bytes::Bytes;
use http::header::{self, HeaderName};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;

use crate::error::Error;
use crate::extract::Json;

/// A response body: bytes in memory, as Lambda responses are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body(Bytes);

impl Body {
    pub fn empty() -> Body {
        Body(Bytes::new())
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

/// Whole in one frame: what tower layers see of a request or response body.
impl http_body::Body for Body {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let bytes = std::mem::take(&mut self.get_mut().0);
        std::task::Poll::Ready((!bytes.is_empty()).then(|| Ok(http_body::Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.0.len() as u64)
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body(b)
    }
}
impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Self {
        Body(Bytes::from(b))
    }
}
impl From<String> for Body {
    fn from(s: String) -> Self {
        Body(Bytes::from(s))
    }
}
impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body(Bytes::from_static(s.as_bytes()))
    }
}
impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Self {
        Body(Bytes::from_static(s))
    }
}

/// An HTTP response: build one with `http::Response::builder()` for full control.
pub type Response = http::Response<Body>;

/// Anything a handler may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a goblet handler",
    label = "does not convert into a response",
    note = "return Json<T>, serde_json::Value, String, &'static str, Vec<u8>, Bytes, StatusCode, \
            Response, (StatusCode, T), ([(header, value); N], T), or Result<T, E> where both convert"
)]
pub trait IntoResponse {
    fn into_response(self) -> Response;
}

fn with_content_type(body: Body, content_type: &'static str) -> Response {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for http::response::Builder {
    fn into_response(self) -> Response {
        match self.body(Body::empty()) {
            Ok(response) => response,
            Err(e) => Error::from(e).into_response(),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => with_content_type(Body::from(bytes), "application/json"),
            Err(e) => Error::from(e).into_response(),
        }
    }
}

impl IntoResponse for serde_json::Value {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_content_type(Body::from(self), "text/plain; charset=utf-8")
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        with_content_type(Body::from(self), "text/plain; charset=utf-8")
    }
}

impl IntoResponse for Cow<'static, str> {
    fn into_response(self) -> Response {
        match self {
            Cow::Borrowed(s) => s.into_response(),
            Cow::Owned(s) => s.into_response(),
        }
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        with_content_type(Body::from(self), "application/octet-stream")
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        with_content_type(Body::from(self), "application/octet-stream")
    }
}

impl IntoResponse for &'static [u8] {
    fn into_response(self) -> Response {
        with_content_type(Body::from(self), "application/octet-stream")
    }
}

impl IntoResponse for Body {
    fn into_response(self) -> Response {
        Response::new(self)
    }
}

/// For extractors that cannot fail.
impl IntoResponse for std::convert::Infallible {
    fn into_response(self) -> Response {
        match self {}
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new(Body::empty())
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = self;
        response
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(v) => v.into_response(),
            Err(e) => e.into_response(),
        }
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        *response.status_mut() = self.0;
        response
    }
}

impl<T: IntoResponse> IntoResponse for (HeaderMap, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        merge_headers(response.headers_mut(), self.0);
        response
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, HeaderMap, T) {
    fn into_response(self) -> Response {
        let mut response = (self.1, self.2).into_response();
        *response.status_mut() = self.0;
        response
    }
}

fn header_array<K, V, const N: usize>(pairs: [(K, V); N]) -> Result<HeaderMap, Error>
where
    K: TryInto<HeaderName>,
    K::Error: std::error::Error + Send + Sync + 'static,
    V: TryInto<HeaderValue>,
    V::Error: std::error::Error + Send + Sync + 'static,
{
    let mut headers = HeaderMap::with_capacity(N);
    for (k, v) in pairs {
        headers.append(k.try_into()?, v.try_into()?);
    }
    Ok(headers)
}

impl<K, V, const N: usize, T> IntoResponse for ([(K, V); N], T)
where
    K: TryInto<HeaderName>,
    K::Error: std::error::Error + Send + Sync + 'static,
    V: TryInto<HeaderValue>,
    V::Error: std::error::Error + Send + Sync + 'static,
    T: IntoResponse,
{
    fn into_response(self) -> Response {
        match header_array(self.0) {
            Ok(headers) => (headers, self.1).into_response(),
            Err(e) => e.into_response(),
        }
    }
}

impl<K, V, const N: usize, T> IntoResponse for (StatusCode, [(K, V); N], T)
where
    K: TryInto<HeaderName>,
    K::Error: std::error::Error + Send + Sync + 'static,
    V: TryInto<HeaderValue>,
    V::Error: std::error::Error + Send + Sync + 'static,
    T: IntoResponse,
{
    fn into_response(self) -> Response {
        match header_array(self.1) {
            Ok(headers) => (self.0, headers, self.2).into_response(),
            Err(e) => e.into_response(),
        }
    }
}

/// Headers given by the handler replace those the body type set (a content type
/// given explicitly wins over the default one).
fn merge_headers(target: &mut HeaderMap, given: HeaderMap) {
    let mut last = None;
    for (name, value) in given {
        match name {
            Some(name) => {
                target.insert(name.clone(), value);
                last = Some(name);
            }
            None => {
                if let Some(name) = &last {
                    target.append(name.clone(), value);
                }
            }
        }
    }
}
