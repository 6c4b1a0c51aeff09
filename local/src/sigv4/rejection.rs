//! The 403 answers API Gateway gives when SigV4 verification fails, worded
//! as the real service words them.

use std::fmt;

use base64::Engine as _;
use http::StatusCode;
use sha2::{Digest, Sha256};

use super::time::AmzTime;

/// Allowed distance between the request's time and the gateway's clock.
pub(crate) const MAX_SKEW_SECS: i64 = 5 * 60;

/// The family of a rejection, sent by API Gateway in `x-amzn-ErrorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// No `Authorization` header and no presigned query.
    MissingAuthenticationToken,
    /// The `Authorization` header or the presigned query lacks a part, or a
    /// part is malformed.
    IncompleteSignature,
    /// The signature, the credential scope or the request time is wrong.
    InvalidSignature,
    /// The access key is not known.
    UnrecognizedClient,
    /// The access key is known, but its temporary credentials have expired.
    ExpiredToken,
}

impl ErrorType {
    /// The value of the `x-amzn-ErrorType` header.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ErrorType::IncompleteSignature => "IncompleteSignatureException",
            ErrorType::InvalidSignature => "InvalidSignatureException",
            ErrorType::UnrecognizedClient => "UnrecognizedClientException",
            ErrorType::ExpiredToken => "ExpiredTokenException",
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a request was refused: always `403 Forbidden`, with API Gateway's
/// error type and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Always [`StatusCode::FORBIDDEN`], as API Gateway answers.
    pub status: StatusCode,
    /// Goes into the `x-amzn-ErrorType` response header.
    pub error_type: ErrorType,
    /// Goes into the body as `{"message": ...}`.
    pub message: String,
}

impl Rejection {
    pub(crate) fn new(error_type: ErrorType, message: impl Into<String>) -> Self {
        Rejection {
            status: StatusCode::FORBIDDEN,
            error_type,
            message: message.into(),
        }
    }

    /// API Gateway's default response body: `{"message":"..."}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "message": self.message }).to_string()
    }

    pub(crate) fn missing_authentication_token() -> Self {
        Self::new(
            ErrorType::MissingAuthenticationToken,
            "Missing Authentication Token",
        )
    }

    pub(crate) fn signature_mismatch() -> Self {
        Self::new(
            ErrorType::InvalidSignature,
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. \
             Consult the service documentation for details.",
        )
    }

    pub(crate) fn unrecognized_client() -> Self {
        Self::new(
            ErrorType::UnrecognizedClient,
            "The security token included in the request is invalid.",
        )
    }

    /// Temporary credentials used past their expiration, worded as AWS's
    /// JSON services word it (no final period, unlike the invalid token's).
    pub(crate) fn expired_token() -> Self {
        Self::new(
            ErrorType::ExpiredToken,
            "The security token included in the request is expired",
        )
    }

    pub(crate) fn both_header_and_query() -> Self {
        Self::new(
            ErrorType::InvalidSignature,
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
        )
    }

    /// A piece of the `Authorization` header without `=` (a bearer token,
    /// say). API Gateway no longer echoes the header, which may be a secret:
    /// it names its SHA-256, base64-encoded.
    pub(crate) fn not_key_value_pair(header: &str) -> Self {
        Self::new(
            ErrorType::IncompleteSignature,
            format!(
                "Invalid key=value pair (missing equal-sign) in Authorization header \
                 (hashed with SHA-256 and encoded with Base64): '{}'.",
                hashed_header(header)
            ),
        )
    }

    /// `sentences` (each ending in `. `) name the parts the `Authorization`
    /// header lacks; the header itself is named by its hash, as in
    /// [`Rejection::not_key_value_pair`].
    pub(crate) fn missing_header_parts(sentences: &str, header: &str) -> Self {
        Self::new(
            ErrorType::IncompleteSignature,
            format!(
                "{sentences}(Hashed with SHA-256 and encoded with Base64) Authorization={}",
                hashed_header(header)
            ),
        )
    }

    pub(crate) fn bad_date_format(value: &str) -> Self {
        Self::new(
            ErrorType::IncompleteSignature,
            format!(
                "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ),
        )
    }

    pub(crate) fn host_not_signed() -> Self {
        Self::new(
            ErrorType::InvalidSignature,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        )
    }

    pub(crate) fn unsupported_algorithm(algorithm: &str) -> Self {
        Self::new(
            ErrorType::IncompleteSignature,
            format!("Unsupported AWS 'algorithm': '{algorithm}'."),
        )
    }

    pub(crate) fn credential_elements(credential: &str) -> Self {
        Self::new(
            ErrorType::IncompleteSignature,
            format!(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
            ),
        )
    }

    /// `request` is more than five minutes older than `now`.
    pub(crate) fn expired(request: AmzTime, now: AmzTime) -> Self {
        Self::new(
            ErrorType::InvalidSignature,
            format!(
                "Signature expired: {request} is now earlier than {} ({now} - 5 min.)",
                now.minus(MAX_SKEW_SECS)
            ),
        )
    }

    /// `request` is more than five minutes later than `now`.
    pub(crate) fn not_yet_current(request: AmzTime, now: AmzTime) -> Self {
        Self::new(
            ErrorType::InvalidSignature,
            format!(
                "Signature not yet current: {request} is still later than {} ({now} + 5 min.)",
                now.plus(MAX_SKEW_SECS)
            ),
        )
    }

    /// A presigned URL used after `X-Amz-Date + X-Amz-Expires`: the shape of
    /// [`Rejection::expired`] with the URL's own lifetime in place of the
    /// five minutes of clock skew.
    pub(crate) fn presigned_expired(request: AmzTime, now: AmzTime, expires: i64) -> Self {
        let lifetime = if expires % 60 == 0 {
            format!("{} min.", expires / 60)
        } else {
            format!("{expires} sec.")
        };
        Self::new(
            ErrorType::InvalidSignature,
            format!(
                "Signature expired: {request} is now earlier than {} ({now} - {lifetime})",
                now.minus(expires)
            ),
        )
    }

    pub(crate) fn missing_query_params(missing: &[&str]) -> Self {
        let mut message = String::new();
        for param in missing {
            message.push_str("AWS query-string parameters must include '");
            message.push_str(param);
            message.push_str("'. ");
        }
        message.push_str("Re-examine the query-string parameters.");
        Self::new(ErrorType::IncompleteSignature, message)
    }

    pub(crate) fn bad_expires(message: &str) -> Self {
        Self::new(ErrorType::IncompleteSignature, message)
    }
}

/// How API Gateway names an `Authorization` header in its messages without
/// revealing it: the base64 of its SHA-256.
pub(crate) fn hashed_header(header: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(header.as_bytes()))
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.error_type,
            self.message
        )
    }
}

impl std::error::Error for Rejection {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_named_by_their_hash() {
        // A real API Gateway answer, for
        // `Authorization: x-api-key 1XVOAZHZ87fuDLuWzKAQmG_0RRGYO_eo8YhJHmugf68`.
        let header = "x-api-key 1XVOAZHZ87fuDLuWzKAQmG_0RRGYO_eo8YhJHmugf68";
        assert_eq!(
            Rejection::not_key_value_pair(header).message,
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with \
             SHA-256 and encoded with Base64): 'Qqm1lWKN0Dm4/4GF/mKO4XIJ4s5tpXme/lz40NVd3ZQ='."
        );
    }
}
