//! Cognito user pool authorizers as API Gateway runs them: the token read
//! from the authorizer's header, its RS256 signature checked against the
//! pool's keys, its issuer, expiry and use checked, and, on a method with
//! OAuth scopes, one of the method's scopes required of an access token.
//!
//! AWS: "If the OAuth Scopes option isn't specified, API Gateway treats the
//! supplied token as an identity token and verifies the claimed identity
//! against the one from the user pool. Otherwise, API Gateway treats the
//! supplied token as an access token and verifies the access scopes that are
//! claimed in the token against the authorization scopes declared on the
//! method" (API Gateway Developer Guide, "Integrate a REST API with an
//! Amazon Cognito user pool").

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goblet_core::CognitoAuthorizer;
use http::HeaderMap;
use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use serde_json::{Map, Value};

/// The keys `goblet local` checks Cognito tokens against.
#[derive(Clone, Default)]
pub struct CognitoKeys {
    keys: Vec<TrustedKey>,
}

#[derive(Clone)]
struct TrustedKey {
    /// Tokens of this issuer only; `None`: of any configured user pool (a
    /// `--jwks` file's keys, `goblet token`'s key).
    issuer: Option<String>,
    kid: Option<String>,
    /// Parsed once: building an RSA key from its modulus and exponent costs
    /// more than checking a signature with it.
    key: ParsedPublicKey,
}

impl std::fmt::Debug for CognitoKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|k| (&k.issuer, &k.kid)))
            .finish()
    }
}

impl CognitoKeys {
    /// Adds the RSA keys of a JWKS document (`{"keys": [...]}`), trusted
    /// for tokens of `issuer` (`None`: of every configured user pool).
    /// Returns how many keys it held.
    pub fn add(&mut self, issuer: Option<&str>, jwks: &str) -> Result<usize, String> {
        let set: JwkSet =
            serde_json::from_str(jwks).map_err(|e| format!("not a JWKS document: {e}"))?;
        let mut added = 0;
        for jwk in &set.keys {
            // Cognito signs with RS256 only; other keys cannot verify its
            // tokens, nor can keys meant for encryption.
            let signs = jwk
                .common
                .public_key_use
                .as_ref()
                .is_none_or(|u| *u == jsonwebtoken::jwk::PublicKeyUse::Signature);
            let rs256 = jwk
                .common
                .key_algorithm
                .is_none_or(|a| a == jsonwebtoken::jwk::KeyAlgorithm::RS256);
            let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
                continue;
            };
            if !signs || !rs256 {
                continue;
            }
            let part = |b64: &str| URL_SAFE_NO_PAD.decode(b64.trim_end_matches('='));
            let (Ok(n), Ok(e)) = (part(&rsa.n), part(&rsa.e)) else {
                return Err("a key's n or e is not base64url".to_owned());
            };
            let key = RsaPublicKeyComponents { n: &n, e: &e }
                .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
                .map_err(|e| format!("a key is unusable: {e}"))?;
            self.keys.push(TrustedKey {
                issuer: issuer.map(str::to_owned),
                kid: jwk.common.key_id.clone(),
                key,
            });
            added += 1;
        }
        if added == 0 {
            return Err("the document holds no RSA key".to_owned());
        }
        Ok(added)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether a key of `issuer`'s own JWKS is held.
    pub fn has_keys_of(&self, issuer: &str) -> bool {
        self.keys
            .iter()
            .any(|k| k.issuer.as_deref() == Some(issuer))
    }

    /// The keys that may have signed a token of `issuer` naming the key
    /// `kid`: that pool's key of that id, and the keys trusted for every pool
    /// (a key without an id stands for any).
    fn candidates<'k>(
        &'k self,
        kid: &'k str,
        issuer: &'k str,
    ) -> impl Iterator<Item = &'k ParsedPublicKey> + 'k {
        self.keys
            .iter()
            .filter(move |k| k.issuer.as_deref().is_none_or(|i| i == issuer))
            .filter(move |k| k.kid.as_deref().is_none_or(|id| id == kid))
            .map(|k| &k.key)
    }
}

/// A Cognito authorizer, ready to check tokens: its header and its pools' issuers.
#[derive(Debug, Clone)]
pub(crate) struct UserPoolAuthorizer {
    header: String,
    issuers: Vec<String>,
}

impl UserPoolAuthorizer {
    pub(crate) fn new(authorizer: &CognitoAuthorizer) -> UserPoolAuthorizer {
        UserPoolAuthorizer {
            header: authorizer.header().to_owned(),
            issuers: authorizer.pools().map(|p| p.issuer()).collect(),
        }
    }
}

/// A token API Gateway accepted: its claims, as the function sees them.
#[derive(Debug)]
pub(crate) struct Verified {
    pub claims: Map<String, Value>,
    /// The access token's `scope`, split (empty for an identity token).
    pub scopes: Vec<String>,
}

/// Why a token is refused: API Gateway's 401s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRefusal {
    /// `{"message":"Unauthorized"}`: no token, a bad one, or not for this method.
    Unauthorized,
    /// `{"message":"The incoming token has expired"}`.
    Expired,
}

/// The token of a header value: `Bearer ` (any case) is optional.
fn without_bearer(value: &str) -> &str {
    let value = value.trim();
    match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim_start(),
        _ => value,
    }
}

/// Checks the request's token for `authorizer` on a method asking for
/// `scopes` (empty: an identity token is expected).
pub(crate) fn verify(
    keys: &CognitoKeys,
    authorizer: &UserPoolAuthorizer,
    scopes: &[String],
    headers: &HeaderMap,
) -> Result<Verified, TokenRefusal> {
    let token = headers
        .get(authorizer.header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(without_bearer)
        .filter(|v| !v.is_empty())
        .ok_or(TokenRefusal::Unauthorized)?;
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRefusal::Unauthorized)?;
    // Cognito names the key of every token it signs.
    let (Algorithm::RS256, Some(kid)) = (header.alg, header.kid.as_deref()) else {
        return Err(TokenRefusal::Unauthorized);
    };
    let (signed, signature) = token.rsplit_once('.').ok_or(TokenRefusal::Unauthorized)?;
    let payload = signed.split_once('.').ok_or(TokenRefusal::Unauthorized)?.1;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| TokenRefusal::Unauthorized)?;
    let claims: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or(TokenRefusal::Unauthorized)?;
    // The issuer the token claims, read before its signature is checked:
    // only that pool's keys may have signed it (a key of another configured
    // pool must not vouch for it), and it must be one string, as Cognito writes it.
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .filter(|iss| authorizer.issuers.iter().any(|i| i == iss))
        .ok_or(TokenRefusal::Unauthorized)?;
    let signed_by_pool = keys
        .candidates(kid, issuer)
        .any(|key| key.verify_sig(signed.as_bytes(), &signature).is_ok());
    if !signed_by_pool {
        return Err(TokenRefusal::Unauthorized);
    }
    // Checked once the signature holds, so that only a genuine token is
    // told it expired. RFC 7519: not accepted on or after `exp`, nor before `nbf`.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let time = |name: &str| claims.get(name).map(Value::as_f64);
    match time("exp") {
        Some(Some(exp)) if now < exp => {}
        Some(Some(_)) => return Err(TokenRefusal::Expired),
        _ => return Err(TokenRefusal::Unauthorized),
    }
    match time("nbf") {
        None => {}
        Some(Some(nbf)) if nbf <= now => {}
        Some(_) => return Err(TokenRefusal::Unauthorized),
    }
    let token_use = claims.get("token_use").and_then(Value::as_str);
    let granted: Vec<String> = claims
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let allowed = if scopes.is_empty() {
        token_use == Some("id")
    } else {
        token_use == Some("access") && scopes.iter().any(|want| granted.contains(want))
    };
    if !allowed {
        return Err(TokenRefusal::Unauthorized);
    }
    Ok(Verified {
        claims,
        scopes: granted,
    })
}
