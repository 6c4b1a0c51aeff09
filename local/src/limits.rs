//! API Gateway's and Lambda's fixed request limits, and the connection
//! limits that keep `goblet local` serving under idle or slow clients.
//!
//! Sources: API Gateway's quotas for REST APIs (payload 10 MB; URL 10,240
//! characters for a regional API; request headers 10,240 bytes; the method
//! ARN of an authorized method at most 1,600 bytes, else the client gets
//! `414 Request URI too long`) and Lambda's quotas (synchronous invocation
//! payload 6 MB, request and response).

use std::time::Duration;

use http::HeaderMap;

/// API Gateway's payload limit for REST APIs (10 MB).
pub(crate) const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// API Gateway's limit on the request headers, counted as sent
/// (`name: value\r\n`).
pub(crate) const MAX_HEADER_BYTES: usize = 10_240;

/// API Gateway's limit on a regional API's URL, counted here as the request
/// target (path and query) as received.
pub(crate) const MAX_URL_CHARS: usize = 10_240;

/// API Gateway's limit on the method ARN of an `AWS_IAM` method
/// (`arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}{path}`).
pub(crate) const MAX_METHOD_ARN_BYTES: usize = 1_600;

/// Lambda's limit on a synchronous invocation's event: InvokeFunction
/// refuses requests "that must be smaller than 6291456 bytes".
pub(crate) const MAX_EVENT_BYTES: usize = 6_291_456;

/// How long a client may take to send a request's head, and how long a
/// keep-alive connection may stay idle between requests: hyper's
/// `header_read_timeout` runs from the moment it waits for a head.
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to send a request's body.
pub(crate) const BODY_READ_TIMEOUT: Duration = Duration::from_secs(20);

/// Open client connections at most; past it, new ones wait in the listen
/// backlog until one closes (idle ones do within [`HEADER_READ_TIMEOUT`]).
pub(crate) const MAX_CONNECTIONS: usize = 512;

/// hyper's read buffer: room for a head at the header and URL quotas
/// together, so that API Gateway's answer (not hyper's bare 431) goes to
/// heads over them; bigger heads get hyper's.
pub(crate) const MAX_HEAD_BUFFER: usize = 64 * 1024;

/// Headers hyper parses at most: as many as fit in [`MAX_HEADER_BYTES`]
/// (`x:\r\n` counts five bytes, see [`header_bytes`]), so that no request
/// within the quota gets hyper's bare 431.
pub(crate) const MAX_HEADERS: usize = MAX_HEADER_BYTES / 5;

/// The headers' size as counted against [`MAX_HEADER_BYTES`]: each header as
/// sent, `name: value\r\n` (the separator and line end as four bytes).
pub(crate) fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// The length of the method ARN API Gateway checks an `AWS_IAM` method's
/// caller against, without building it.
pub(crate) fn method_arn_len(
    region: &str,
    account: &str,
    api_id: &str,
    stage: &str,
    method: &str,
    path: &str,
) -> usize {
    "arn:aws:execute-api:".len()
        + region.len()
        + 1
        + account.len()
        + 1
        + api_id.len()
        + 1
        + stage.len()
        + 1
        + method.len()
        + path.len()
}

/// A `Content-Length` over `limit`, when the request declares one.
pub(crate) fn declared_length_over(headers: &HeaderMap, limit: usize) -> bool {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_counted_as_sent() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "a".parse().unwrap());
        headers.append("x", "".parse().unwrap());
        assert_eq!(
            header_bytes(&headers),
            "host: a\r\n".len() + "x: \r\n".len()
        );
        let arn = "arn:aws:execute-api:us-east-1:123456789012:abcdefghij/api/GET/users/1";
        assert_eq!(
            method_arn_len(
                "us-east-1",
                "123456789012",
                "abcdefghij",
                "api",
                "GET",
                "/users/1"
            ),
            arn.len()
        );
        headers.insert("content-length", "11".parse().unwrap());
        assert!(declared_length_over(&headers, 10));
        assert!(!declared_length_over(&headers, 11));
        headers.insert("content-length", "nonsense".parse().unwrap());
        assert!(!declared_length_over(&headers, 0));
    }
}
