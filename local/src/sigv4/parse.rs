//! Reading the signature's parts out of a request: the `Authorization`
//! header, the presigned query parameters and the credential scope.

use std::borrow::Cow;

use super::rejection::Rejection;

/// The only algorithm SigV4 for `execute-api` knows.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

pub(crate) const X_AMZ_ALGORITHM: &str = "X-Amz-Algorithm";
pub(crate) const X_AMZ_CREDENTIAL: &str = "X-Amz-Credential";
pub(crate) const X_AMZ_DATE: &str = "X-Amz-Date";
pub(crate) const X_AMZ_EXPIRES: &str = "X-Amz-Expires";
pub(crate) const X_AMZ_SECURITY_TOKEN: &str = "X-Amz-Security-Token";
pub(crate) const X_AMZ_SIGNATURE: &str = "X-Amz-Signature";
pub(crate) const X_AMZ_SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`
/// header. Parts given empty count as missing.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct HeaderAuth<'a> {
    pub(crate) algorithm: &'a str,
    pub(crate) credential: Option<&'a str>,
    pub(crate) signed_headers: Option<&'a str>,
    pub(crate) signature: Option<&'a str>,
}

/// Splits an `Authorization` header the way AWS does: the algorithm up to
/// the first blank, then `key=value` pairs separated by commas and/or
/// blanks. A piece without `=` is refused, naming the piece.
pub(crate) fn parse_authorization(header: &str) -> Result<HeaderAuth<'_>, Rejection> {
    let trimmed = header.trim_matches(is_blank);
    let (algorithm, rest) = match trimmed.find(is_blank) {
        Some(at) => (&trimmed[..at], &trimmed[at..]),
        None => (trimmed, ""),
    };
    let mut auth = HeaderAuth {
        algorithm,
        ..HeaderAuth::default()
    };
    for piece in rest.split(|c| c == ',' || is_blank(c)) {
        if piece.is_empty() {
            continue;
        }
        let Some((key, value)) = piece.split_once('=') else {
            return Err(Rejection::not_key_value_pair(header));
        };
        let value = (!value.is_empty()).then_some(value);
        match key {
            "Credential" => auth.credential = value,
            "SignedHeaders" => auth.signed_headers = value,
            "Signature" => auth.signature = value,
            _ => {}
        }
    }
    Ok(auth)
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The message for an `Authorization` header lacking parts, or `None` when
/// nothing is missing. `has_date` tells whether the request carries an
/// `X-Amz-Date` or a `Date` header.
pub(crate) fn missing_header_parts(
    auth: &HeaderAuth<'_>,
    has_date: bool,
    header: &str,
) -> Option<Rejection> {
    let mut message = String::new();
    let mut require = |present: bool, sentence: &str| {
        if !present {
            message.push_str(sentence);
        }
    };
    require(
        auth.credential.is_some(),
        "Authorization header requires 'Credential' parameter. ",
    );
    require(
        auth.signature.is_some(),
        "Authorization header requires 'Signature' parameter. ",
    );
    require(
        auth.signed_headers.is_some(),
        "Authorization header requires 'SignedHeaders' parameter. ",
    );
    require(
        has_date,
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
    );
    (!message.is_empty()).then(|| Rejection::missing_header_parts(&message, header))
}

/// The auth parameters of a presigned URL, decoded, and the rest of the
/// query as it was received.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct QueryAuth<'a> {
    pub(crate) algorithm: Option<Cow<'a, str>>,
    pub(crate) credential: Option<Cow<'a, str>>,
    pub(crate) signed_headers: Option<Cow<'a, str>>,
    pub(crate) signature: Option<Cow<'a, str>>,
    pub(crate) date: Option<Cow<'a, str>>,
    pub(crate) expires: Option<Cow<'a, str>>,
    pub(crate) security_token: Option<Cow<'a, str>>,
    /// The other parameters, raw and in their original order, joined by `&`.
    pub(crate) rest: String,
}

impl QueryAuth<'_> {
    /// The message for missing parameters, or `None` when all are there.
    /// Empty values count as missing. `X-Amz-Expires` is required too: the
    /// signature cannot be recomputed without it.
    pub(crate) fn missing(&self) -> Option<Rejection> {
        let mut missing = Vec::new();
        for (param, value) in [
            (X_AMZ_ALGORITHM, &self.algorithm),
            (X_AMZ_CREDENTIAL, &self.credential),
            (X_AMZ_SIGNATURE, &self.signature),
            (X_AMZ_SIGNED_HEADERS, &self.signed_headers),
            (X_AMZ_DATE, &self.date),
            (X_AMZ_EXPIRES, &self.expires),
        ] {
            if value.as_deref().is_none_or(str::is_empty) {
                missing.push(param);
            }
        }
        (!missing.is_empty()).then(|| Rejection::missing_query_params(&missing))
    }
}

/// Decodes one `key` or `value` of a query (`%XX`, and `+` for a space as
/// aws-sigv4 reads queries), borrowing when there is nothing to decode.
fn decode(raw: &str) -> Cow<'_, str> {
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(raw);
    }
    let spaced = raw.replace('+', " ");
    Cow::Owned(
        percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// Whether the query carries `X-Amz-Algorithm`, which makes the request a
/// presigned one.
pub(crate) fn is_presigned(query: &str) -> bool {
    query
        .split('&')
        .any(|pair| decode(pair.split_once('=').map_or(pair, |(k, _)| k)) == X_AMZ_ALGORITHM)
}

/// Takes the `X-Amz-*` auth parameters out of a presigned URL's query.
pub(crate) fn parse_presigned_query(query: &str) -> QueryAuth<'_> {
    let mut auth = QueryAuth::default();
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match &*decode(raw_key) {
            X_AMZ_ALGORITHM => &mut auth.algorithm,
            X_AMZ_CREDENTIAL => &mut auth.credential,
            X_AMZ_SIGNED_HEADERS => &mut auth.signed_headers,
            X_AMZ_SIGNATURE => &mut auth.signature,
            X_AMZ_DATE => &mut auth.date,
            X_AMZ_EXPIRES => &mut auth.expires,
            X_AMZ_SECURITY_TOKEN => &mut auth.security_token,
            _ => {
                if !auth.rest.is_empty() {
                    auth.rest.push('&');
                }
                auth.rest.push_str(pair);
                continue;
            }
        };
        *slot = Some(decode(raw_value));
    }
    auth
}

/// `AKID/20170815/us-east-1/execute-api/aws4_request`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CredentialScope<'a> {
    pub(crate) access_key: &'a str,
    pub(crate) date: &'a str,
    pub(crate) region: &'a str,
    pub(crate) service: &'a str,
    pub(crate) terminator: &'a str,
}

pub(crate) fn parse_credential(credential: &str) -> Result<CredentialScope<'_>, Rejection> {
    // AWS ignores trailing slashes here.
    let mut parts = credential.trim_end_matches('/').split('/');
    let mut next = || parts.next();
    let scope = match (next(), next(), next(), next(), next(), next()) {
        (Some(access_key), Some(date), Some(region), Some(service), Some(terminator), None) => {
            CredentialScope {
                access_key,
                date,
                region,
                service,
                terminator,
            }
        }
        _ => return Err(Rejection::credential_elements(credential)),
    };
    Ok(scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_header_parts() {
        let h = "AWS4-HMAC-SHA256 Credential=AKID/20170815/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd";
        let auth = parse_authorization(h).unwrap();
        assert_eq!(auth.algorithm, "AWS4-HMAC-SHA256");
        assert_eq!(
            auth.credential,
            Some("AKID/20170815/us-east-1/execute-api/aws4_request")
        );
        assert_eq!(auth.signed_headers, Some("host;x-amz-date"));
        assert_eq!(auth.signature, Some("abcd"));

        // Commas without blanks, blanks without commas, any order.
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Signature=abcd,SignedHeaders=host Credential=K/d/r/s/t",
        )
        .unwrap();
        assert_eq!(auth.signature, Some("abcd"));
        assert_eq!(auth.signed_headers, Some("host"));
        assert_eq!(auth.credential, Some("K/d/r/s/t"));
    }

    #[test]
    fn authorization_header_without_equal_sign() {
        let err = parse_authorization("Bearer sometoken").unwrap_err();
        let hash = super::super::rejection::hashed_header("Bearer sometoken");
        assert_eq!(
            err.message,
            format!(
                "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '{hash}'."
            )
        );
        assert!(!err.message.contains("sometoken"));
        assert_eq!(err.error_type.as_str(), "IncompleteSignatureException");
        let header = "AWS4-HMAC-SHA256 Credential= AKID/x/y/z/w, Signature=a";
        let err = parse_authorization(header).unwrap_err();
        assert!(err.message.starts_with("Invalid key=value pair"));
        assert!(!err.message.contains("AKID"));
    }

    #[test]
    fn missing_parts_message() {
        let hashed = super::super::rejection::hashed_header;
        let auth = parse_authorization("AWS4-HMAC-SHA256").unwrap();
        let err = missing_header_parts(&auth, false, "AWS4-HMAC-SHA256").unwrap();
        assert_eq!(
            err.message,
            format!(
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. (Hashed with SHA-256 and encoded with Base64) Authorization={}",
                hashed("AWS4-HMAC-SHA256")
            )
        );
        let h = "AWS4-HMAC-SHA256 Credential=K/d/r/s/t, Signature=";
        let auth = parse_authorization(h).unwrap();
        let err = missing_header_parts(&auth, true, h).unwrap();
        assert_eq!(
            err.message,
            format!(
                "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. (Hashed with SHA-256 and encoded with Base64) Authorization={}",
                hashed(h)
            )
        );
    }

    #[test]
    fn presigned_query() {
        let q = "b=2&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20170815%2Fus-east-1%2Fexecute-api%2Faws4_request&a=1&X-Amz-Date=20170815T120000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Security-Token=ab%2Bc%2F%3D&X-Amz-Signature=ff&c=x%20y";
        assert!(is_presigned(q));
        let auth = parse_presigned_query(q);
        assert_eq!(auth.algorithm.as_deref(), Some(ALGORITHM));
        assert_eq!(
            auth.credential.as_deref(),
            Some("AKID/20170815/us-east-1/execute-api/aws4_request")
        );
        assert_eq!(auth.security_token.as_deref(), Some("ab+c/="));
        assert_eq!(auth.expires.as_deref(), Some("300"));
        assert_eq!(auth.rest, "b=2&a=1&c=x%20y");
        assert!(auth.missing().is_none());

        assert!(!is_presigned("a=1&X-Amz-Credential=x"));
        let auth = parse_presigned_query("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=");
        assert_eq!(
            auth.missing().unwrap().message,
            "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. AWS query-string parameters must include 'X-Amz-Expires'. Re-examine the query-string parameters."
        );
    }

    #[test]
    fn credential_scope() {
        let scope = parse_credential("AKID/20170815/us-east-1/execute-api/aws4_request/").unwrap();
        assert_eq!(scope.access_key, "AKID");
        assert_eq!(scope.date, "20170815");
        assert_eq!(scope.region, "us-east-1");
        assert_eq!(scope.service, "execute-api");
        assert_eq!(scope.terminator, "aws4_request");
        for bad in ["AKID", "a/b/c/d", "a/b/c/d/e/f"] {
            assert_eq!(
                parse_credential(bad).unwrap_err().message,
                format!(
                    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{bad}'"
                )
            );
        }
    }
}
