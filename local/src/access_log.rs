//! One line per request in `goblet local`'s log, after the invocation's
//! `START` / `END` / `REPORT`: API Gateway's Common Log Format access log
//! (`$context.identity.sourceIp $context.identity.caller
//! $context.identity.user [$context.requestTime] "$context.httpMethod
//! $context.resourcePath $context.protocol" $context.status
//! $context.responseLength $context.requestId`), the shape Chalice's and
//! SAM's local servers print too, with the time taken at the end. The
//! query string is left out: a presigned URL's signature is in it.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use http::{Method, StatusCode, Version};

pub(crate) struct Entry<'a> {
    pub source_ip: IpAddr,
    pub received: SystemTime,
    pub method: &'a Method,
    pub path: &'a str,
    pub version: Version,
    pub status: StatusCode,
    /// `None` when unknown (`-` in the line).
    pub response_bytes: Option<u64>,
    pub request_id: &'a str,
    pub duration: Duration,
}

/// `127.0.0.1 - - [25/Nov/2026:09:00:00 +0000] "GET /api/users/1 HTTP/1.1"
/// 200 8 1b9c…-… 3.21 ms`
pub(crate) fn line(entry: &Entry<'_>) -> String {
    let format = time::macros::format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
    );
    let at = time::OffsetDateTime::from(entry.received)
        .format(format)
        .unwrap_or_default();
    let bytes = entry
        .response_bytes
        .map_or_else(|| "-".to_owned(), |n| n.to_string());
    format!(
        "{} - - [{at}] \"{} {} {:?}\" {} {bytes} {} {:.2} ms",
        entry.source_ip,
        entry.method,
        entry.path,
        entry.version,
        entry.status.as_u16(),
        entry.request_id,
        entry.duration.as_secs_f64() * 1000.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_in_common_log_format() {
        let line = line(&Entry {
            source_ip: IpAddr::from([127, 0, 0, 1]),
            received: SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_597_200),
            method: &Method::GET,
            path: "/api/users/1",
            version: Version::HTTP_11,
            status: StatusCode::OK,
            response_bytes: Some(8),
            request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            duration: Duration::from_micros(3_214),
        });
        assert_eq!(
            line,
            "127.0.0.1 - - [25/Nov/2026:09:00:00 +0000] \"GET /api/users/1 HTTP/1.1\" 200 8 \
             c6af9ac6-7b61-11e6-9a41-93e8deadbeef 3.21 ms"
        );
    }
}
