//! Checking a received request's SigV4 signature.
//!
//! The expected signature is computed by the official `aws-sigv4` crate,
//! re-signing the request exactly as the client described it (see
//! [`Verifier::verify`]), and compared in constant time.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SessionTokenMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity as SigningIdentity;
use http::HeaderMap;
use http::header::{AUTHORIZATION, DATE, HOST};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::identities::Identity;
use super::parse::{self, ALGORITHM, CredentialScope};
use super::rejection::{MAX_SKEW_SECS, Rejection};
use super::time::AmzTime;

/// The SigV4 service name of API Gateway's invoke endpoints.
pub const SERVICE: &str = "execute-api";

/// Longest lifetime SigV4 allows a presigned URL: seven days.
const MAX_PRESIGNED_EXPIRES: u64 = 7 * 24 * 60 * 60;

const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// A request as the local gateway received it.
#[derive(Clone, Copy, Debug)]
pub struct RequestParts<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The request target as received: path and raw query
    /// (`/prod/items?b=2&a=1`), never decoded or re-encoded. An absolute
    /// form (`http://host/path`) is reduced to its path and query.
    pub uri: &'a str,
    /// Every header as received, `Host` included.
    pub headers: &'a HeaderMap,
    /// The whole body.
    pub body: &'a [u8],
}

/// Who signed an accepted request: what API Gateway puts in the proxy
/// event's `requestContext.identity`. Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCaller {
    /// `accessKey`: the access key id the request was signed with.
    pub access_key: Arc<str>,
    /// `accountId`.
    pub account_id: Arc<str>,
    /// `caller` (see [`Identity::principal`]).
    pub caller: Arc<str>,
    /// `user` (see [`Identity::principal`]).
    pub user: Arc<str>,
    /// `userArn`.
    pub user_arn: Arc<str>,
}

struct Known {
    signing: SigningIdentity,
    session_token: Option<Box<str>>,
    caller: VerifiedCaller,
}

/// Verifies SigV4 signatures for service `execute-api` against a fixed set
/// of known identities. Holds no I/O and no locks: share it behind an `Arc`.
pub struct Verifier {
    known: HashMap<Box<str>, Known>,
    region: Option<Box<str>>,
    /// The service credential scopes must name: [`SERVICE`] unless told.
    service: &'static str,
    /// `SigningSettings::default()` with an empty `excluded_headers`, cloned
    /// (without allocating) for every request.
    base_settings: SigningSettings,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("identities", &self.known.len())
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for these identities. When two share an access key id,
    /// the later one wins.
    pub fn new(identities: impl IntoIterator<Item = Identity>) -> Self {
        let known = identities
            .into_iter()
            .map(|id| {
                let principal: Arc<str> = id.principal().into();
                let caller = VerifiedCaller {
                    access_key: id.access_key_id.as_str().into(),
                    account_id: id.account_id.as_str().into(),
                    caller: principal.clone(),
                    user: principal,
                    user_arn: id.user_arn.as_str().into(),
                };
                let signing = Credentials::new(
                    id.access_key_id.clone(),
                    id.secret_access_key,
                    id.session_token.clone(),
                    None,
                    "goblet-local",
                )
                .into();
                let known = Known {
                    signing,
                    session_token: id.session_token.map(String::into_boxed_str),
                    caller,
                };
                (id.access_key_id.into_boxed_str(), known)
            })
            .collect();
        let mut base_settings = SigningSettings::default();
        base_settings.excluded_headers = Some(Vec::new());
        Verifier {
            known,
            region: None,
            service: SERVICE,
            base_settings,
        }
    }

    /// Verifies signatures for `service` (`lambda` for Lambda's Invoke API)
    /// instead of API Gateway's `execute-api`.
    pub fn for_service(mut self, service: &'static str) -> Self {
        self.service = service;
        self
    }

    /// Only accept credential scopes for this region, refusing others as
    /// API Gateway does (`Credential should be scoped to a valid region,
    /// not 'eu-west-1'. `). By default any region is accepted.
    pub fn require_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into().into_boxed_str());
        self
    }

    /// How many identities are known.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether no identity is known (every signed request is then refused
    /// as unrecognized).
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Checks the request's signature at time `now`, as API Gateway checks
    /// an `AWS_IAM` method, and says who signed it.
    ///
    /// The checks, in API Gateway's order, each with its own rejection:
    /// an `Authorization` header or a presigned query (`X-Amz-Algorithm`),
    /// not both; every part present; the time well-formed and within five
    /// minutes of `now` (presigned: not before `X-Amz-Date` - 5 min, not
    /// after `X-Amz-Date + X-Amz-Expires`); `host` signed; the algorithm;
    /// the credential scope (5 parts, service `execute-api`, terminator
    /// `aws4_request`, date matching the request's); the access key known;
    /// the session token the identity's; a signed `x-amz-content-sha256`
    /// matching the body; and finally the signature itself.
    ///
    /// The signature is recomputed with `aws-sigv4` over the method, the
    /// URI as received (`http://{Host}{path?query}`), the body, and exactly
    /// the headers listed in SignedHeaders (the signer adds `x-amz-date`,
    /// `x-amz-security-token` and `x-amz-content-sha256` itself, from the
    /// request's time, the identity's token and the body's hash).
    pub fn verify(
        &self,
        req: &RequestParts<'_>,
        now: SystemTime,
    ) -> Result<VerifiedCaller, Rejection> {
        let target = origin_form(req.uri);
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        let presigned = query.is_some_and(parse::is_presigned);
        match (joined(req.headers, AUTHORIZATION.as_str()), presigned) {
            (Some(_), true) => Err(Rejection::both_header_and_query()),
            (None, false) => Err(Rejection::missing_authentication_token()),
            (Some(header), false) => {
                let header =
                    std::str::from_utf8(&header).map_err(|_| Rejection::signature_mismatch())?;
                self.verify_header(req, target, header, AmzTime::from_system(now))
            }
            (None, true) => self.verify_presigned(
                req,
                path,
                query.unwrap_or_default(),
                AmzTime::from_system(now),
            ),
        }
    }

    fn verify_header(
        &self,
        req: &RequestParts<'_>,
        target: &str,
        header: &str,
        now: AmzTime,
    ) -> Result<VerifiedCaller, Rejection> {
        let auth = parse::parse_authorization(header)?;
        let amz_date = joined(req.headers, X_AMZ_DATE);
        let date = joined(req.headers, DATE.as_str());
        if let Some(rejection) =
            parse::missing_header_parts(&auth, amz_date.is_some() || date.is_some(), header)
        {
            return Err(rejection);
        }
        let (Some(credential), Some(signed_headers), Some(signature)) =
            (auth.credential, auth.signed_headers, auth.signature)
        else {
            return Err(Rejection::signature_mismatch());
        };

        // X-Amz-Date wins over Date.
        let time = match (&amz_date, &date) {
            (Some(v), _) => header_str(v).and_then(AmzTime::parse_basic),
            (None, Some(v)) => header_str(v).and_then(AmzTime::parse_date_header),
            (None, None) => None,
        }
        .ok_or_else(|| {
            let raw = amz_date.as_deref().or(date.as_deref());
            Rejection::bad_date_format(&String::from_utf8_lossy(raw.unwrap_or_default()))
        })?;
        if time < now.minus(MAX_SKEW_SECS) {
            return Err(Rejection::expired(time, now));
        }
        if time > now.plus(MAX_SKEW_SECS) {
            return Err(Rejection::not_yet_current(time, now));
        }

        let signed = SignedHeaders(signed_headers);
        if !signed.contains("host") {
            return Err(Rejection::host_not_signed());
        }
        if auth.algorithm != ALGORITHM {
            return Err(Rejection::unsupported_algorithm(auth.algorithm));
        }
        let scope = parse::parse_credential(credential)?;
        self.check_scope(&scope, time)?;
        let known = self
            .known
            .get(scope.access_key)
            .ok_or_else(Rejection::unrecognized_client)?;
        check_session_token(known, joined(req.headers, X_AMZ_SECURITY_TOKEN).as_deref())?;

        let checksum = signed.contains(X_AMZ_CONTENT_SHA256);
        let body = if checksum {
            let hash = sha256_hex(req.body);
            let sent = joined(req.headers, X_AMZ_CONTENT_SHA256);
            if sent.as_deref() != Some(hash.as_bytes()) {
                return Err(Rejection::signature_mismatch());
            }
            SignableBody::Precomputed(hash)
        } else {
            SignableBody::Bytes(req.body)
        };

        let mut settings = self.base_settings.clone();
        settings.signature_location = SignatureLocation::Headers;
        settings.payload_checksum_kind = if checksum {
            PayloadChecksumKind::XAmzSha256
        } else {
            PayloadChecksumKind::NoHeader
        };
        settings.session_token_mode = if signed.contains(X_AMZ_SECURITY_TOKEN) {
            SessionTokenMode::Include
        } else {
            SessionTokenMode::Exclude
        };
        if !signed.contains(X_AMZ_DATE) {
            // Signed with a `Date` header (or an unsigned X-Amz-Date): keep
            // the x-amz-date the signer adds out of the canonical request.
            settings.excluded_headers = Some(vec![X_AMZ_DATE.into()]);
        }

        let headers = signed_header_values(req.headers, signed, |name| {
            [X_AMZ_DATE, X_AMZ_SECURITY_TOKEN, X_AMZ_CONTENT_SHA256]
                .iter()
                .any(|added| name.eq_ignore_ascii_case(added))
        })?;
        let expected = self.expected_signature(
            known,
            req,
            target,
            headers,
            body,
            scope.region,
            time,
            settings,
        )?;
        finish(known, &expected, signature)
    }

    fn verify_presigned(
        &self,
        req: &RequestParts<'_>,
        path: &str,
        query: &str,
        now: AmzTime,
    ) -> Result<VerifiedCaller, Rejection> {
        let auth = parse::parse_presigned_query(query);
        if let Some(rejection) = auth.missing() {
            return Err(rejection);
        }
        fn field<'v>(v: &'v Option<std::borrow::Cow<'_, str>>) -> &'v str {
            v.as_deref().unwrap_or_default()
        }
        let (algorithm, credential, signed_headers, signature, date, expires) = (
            field(&auth.algorithm),
            field(&auth.credential),
            field(&auth.signed_headers),
            field(&auth.signature),
            field(&auth.date),
            field(&auth.expires),
        );

        let time = AmzTime::parse_basic(date).ok_or_else(|| Rejection::bad_date_format(date))?;
        let expires = parse_expires(expires)?;
        if time > now.plus(MAX_SKEW_SECS) {
            return Err(Rejection::not_yet_current(time, now));
        }
        let lifetime = i64::try_from(expires).unwrap_or(i64::MAX);
        if now > time.plus(lifetime) {
            return Err(Rejection::presigned_expired(time, now, lifetime));
        }

        let signed = SignedHeaders(signed_headers);
        if !signed.contains("host") {
            return Err(Rejection::host_not_signed());
        }
        if algorithm != ALGORITHM {
            return Err(Rejection::unsupported_algorithm(algorithm));
        }
        let scope = parse::parse_credential(credential)?;
        self.check_scope(&scope, time)?;
        let known = self
            .known
            .get(scope.access_key)
            .ok_or_else(Rejection::unrecognized_client)?;
        check_session_token(known, auth.security_token.as_deref().map(str::as_bytes))?;

        let mut settings = self.base_settings.clone();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(expires));
        settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
        settings.session_token_mode = if auth.security_token.is_some() {
            SessionTokenMode::Include
        } else {
            SessionTokenMode::Exclude
        };

        // The query without the auth parameters: the signer puts its own back.
        let mut target = String::with_capacity(path.len() + 1 + auth.rest.len());
        target.push_str(path);
        if !auth.rest.is_empty() {
            target.push('?');
            target.push_str(&auth.rest);
        }
        let headers = signed_header_values(req.headers, signed, |_| false)?;
        let body = SignableBody::Bytes(req.body);
        let expected = self.expected_signature(
            known,
            req,
            &target,
            headers,
            body,
            scope.region,
            time,
            settings,
        )?;
        finish(known, &expected, signature)
    }

    fn check_scope(&self, scope: &CredentialScope<'_>, time: AmzTime) -> Result<(), Rejection> {
        let mut message = String::new();
        if let Some(region) = &self.region
            && scope.region != &**region
        {
            message.push_str(&format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                scope.region
            ));
        }
        if scope.service != self.service {
            message.push_str(&format!(
                "Credential should be scoped to correct service: '{}'. ",
                self.service
            ));
        }
        if scope.terminator != "aws4_request" {
            message.push_str(&format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
                scope.terminator
            ));
        }
        let stamp = time.date_stamp();
        if !stamp.matches(scope.date) {
            message.push_str(&format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{stamp}', from '{time}'.",
                scope.date
            ));
        }
        if message.is_empty() {
            Ok(())
        } else {
            Err(Rejection::new(
                super::rejection::ErrorType::InvalidSignature,
                message,
            ))
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn expected_signature(
        &self,
        known: &Known,
        req: &RequestParts<'_>,
        target: &str,
        headers: Vec<(&str, &str)>,
        body: SignableBody<'_>,
        region: &str,
        time: AmzTime,
        settings: SigningSettings,
    ) -> Result<String, Rejection> {
        let host = req
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .ok_or_else(Rejection::signature_mismatch)?;
        let mut uri = String::with_capacity(7 + host.len() + target.len());
        uri.push_str("http://");
        uri.push_str(host);
        uri.push_str(target);
        let signable = SignableRequest::new(req.method, uri, headers.into_iter(), body)
            .map_err(|_| Rejection::signature_mismatch())?;
        let params = v4::SigningParams::builder()
            .identity(&known.signing)
            .region(region)
            .name(self.service)
            .time(time.to_system())
            .settings(settings)
            .build()
            .map_err(|_| Rejection::signature_mismatch())?
            .into();
        let output = sign(signable, &params).map_err(|_| Rejection::signature_mismatch())?;
        let (_, signature) = output.into_parts();
        Ok(signature)
    }
}

/// `/path?query` from what the request line carried.
fn origin_form(uri: &str) -> &str {
    for scheme in ["http://", "https://"] {
        if let Some(rest) = uri
            .get(..scheme.len())
            .filter(|s| s.eq_ignore_ascii_case(scheme))
            .map(|_| &uri[scheme.len()..])
        {
            return match rest.find(['/', '?']) {
                Some(at) => &rest[at..],
                None => "/",
            };
        }
    }
    uri
}

/// The `SignedHeaders` list, `;`-separated.
#[derive(Clone, Copy)]
struct SignedHeaders<'a>(&'a str);

impl<'a> SignedHeaders<'a> {
    fn names(self) -> impl Iterator<Item = &'a str> {
        self.0.split(';').filter(|n| !n.is_empty())
    }

    fn contains(self, name: &str) -> bool {
        self.names().any(|n| n.eq_ignore_ascii_case(name))
    }
}

/// `(name, value)` for every value of every signed header but the skipped
/// ones, in the order received.
fn signed_header_values<'a>(
    headers: &'a HeaderMap,
    signed: SignedHeaders<'a>,
    skip: impl Fn(&str) -> bool,
) -> Result<Vec<(&'a str, &'a str)>, Rejection> {
    let mut out = Vec::with_capacity(8);
    for name in signed.names() {
        if skip(name) {
            continue;
        }
        for value in headers.get_all(name) {
            let value = std::str::from_utf8(value.as_bytes())
                .map_err(|_| Rejection::signature_mismatch())?;
            out.push((name, value));
        }
    }
    Ok(out)
}

fn header_str(value: &[u8]) -> Option<&str> {
    std::str::from_utf8(value).ok()
}

/// A header as API Gateway reads it: repeated values joined with `,`. A
/// second `X-Amz-Date`, `X-Amz-Security-Token` or `X-Amz-Content-Sha256`
/// therefore spoils the first instead of being ignored (and reaching the
/// function unchecked).
fn joined<'h>(headers: &'h HeaderMap, name: &str) -> Option<Cow<'h, [u8]>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let Some(second) = values.next() else {
        return Some(Cow::Borrowed(first.as_bytes()));
    };
    let mut all = first.as_bytes().to_vec();
    for value in std::iter::once(second).chain(values) {
        all.push(b',');
        all.extend_from_slice(value.as_bytes());
    }
    Some(Cow::Owned(all))
}

/// The request's session token must be the identity's: both absent, or
/// equal (compared in constant time). AWS checks tokens before signatures and
/// answers a wrong or missing one as an unknown credential.
fn check_session_token(known: &Known, sent: Option<&[u8]>) -> Result<(), Rejection> {
    let matches = match (known.session_token.as_deref(), sent) {
        (None, None) => true,
        (Some(expected), Some(sent)) => bool::from(expected.as_bytes().ct_eq(sent)),
        _ => false,
    };
    if matches {
        Ok(())
    } else {
        Err(Rejection::unrecognized_client())
    }
}

fn finish(known: &Known, expected: &str, provided: &str) -> Result<VerifiedCaller, Rejection> {
    if bool::from(expected.as_bytes().ct_eq(provided.as_bytes())) {
        Ok(known.caller.clone())
    } else {
        Err(Rejection::signature_mismatch())
    }
}

/// `X-Amz-Expires`: whole seconds, written plainly (the signer writes it
/// back that way), at most seven days.
fn parse_expires(raw: &str) -> Result<u64, Rejection> {
    if raw.starts_with('-') && raw.len() > 1 && raw[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::bad_expires("X-Amz-Expires must be non-negative"));
    }
    let canonical = !raw.is_empty()
        && raw.bytes().all(|b| b.is_ascii_digit())
        && (raw == "0" || !raw.starts_with('0'));
    let value = raw
        .parse::<u64>()
        .ok()
        .filter(|_| canonical)
        .ok_or_else(|| Rejection::bad_expires("X-Amz-Expires should be a number"))?;
    if value > MAX_PRESIGNED_EXPIRES {
        return Err(Rejection::bad_expires(
            "X-Amz-Expires must be less than a week (in seconds) that is; 604800",
        ));
    }
    Ok(value)
}

fn sha256_hex(body: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(body);
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_forms() {
        assert_eq!(origin_form("/a?b"), "/a?b");
        assert_eq!(origin_form("http://h:1/a?b"), "/a?b");
        assert_eq!(origin_form("HTTPS://h"), "/");
        assert_eq!(origin_form("http://h?x=1"), "?x=1");
    }

    #[test]
    fn expires_values() {
        assert_eq!(parse_expires("300").unwrap(), 300);
        assert_eq!(parse_expires("0").unwrap(), 0);
        assert_eq!(parse_expires("604800").unwrap(), 604_800);
        for bad in ["", "abc", "0300", "+3", "1e3", "3.5"] {
            assert_eq!(
                parse_expires(bad).unwrap_err().message,
                "X-Amz-Expires should be a number",
                "{bad}"
            );
        }
        assert_eq!(
            parse_expires("-1").unwrap_err().message,
            "X-Amz-Expires must be non-negative"
        );
        assert!(
            parse_expires("604801")
                .unwrap_err()
                .message
                .contains("less than a week")
        );
    }

    #[test]
    fn body_hash() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
