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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// A Cognito authorizer, ready to check tokens: its name, header, pools'
/// issuers and how long a checked token's result is cached.
#[derive(Debug, Clone)]
pub(crate) struct UserPoolAuthorizer {
    name: String,
    header: String,
    issuers: Vec<String>,
    ttl: Duration,
}

impl UserPoolAuthorizer {
    pub(crate) fn new(authorizer: &CognitoAuthorizer) -> UserPoolAuthorizer {
        UserPoolAuthorizer {
            name: authorizer.name.clone(),
            header: authorizer.header().to_owned(),
            issuers: authorizer.pools().map(|p| p.issuer()).collect(),
            ttl: Duration::from_secs(u64::from(authorizer.ttl_seconds)),
        }
    }
}

/// At most this many cached tokens; past it, expired ones go first, then
/// all (as for the Lambda authorizers' results).
const MAX_CACHED: usize = 10_000;

/// The tokens whose signature and issuer were checked, by authorizer and
/// token, for the authorizer's TTL: API Gateway caches a Cognito
/// authorizer's result as a Lambda authorizer's (`authorizerResultTtlInSeconds`,
/// 300 s by default). Expiry, `token_use` and scopes are checked on every
/// request still, so the cache never lets through what a fresh check refuses.
#[derive(Default)]
pub(crate) struct TokenCache {
    by_authorizer: Mutex<HashMap<String, HashMap<String, CachedToken>>>,
}

struct CachedToken {
    until: Instant,
    verified: Arc<Verified>,
}

impl TokenCache {
    fn get(&self, authorizer: &UserPoolAuthorizer, token: &str) -> Option<Arc<Verified>> {
        if authorizer.ttl.is_zero() {
            return None;
        }
        let cache = self.by_authorizer.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(&authorizer.name)?
            .get(token)
            .filter(|c| c.until > Instant::now())
            .map(|c| c.verified.clone())
    }

    fn remember(&self, authorizer: &UserPoolAuthorizer, token: &str, verified: Arc<Verified>) {
        if authorizer.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut cache = self.by_authorizer.lock().unwrap_or_else(|e| e.into_inner());
        if cache.values().map(HashMap::len).sum::<usize>() >= MAX_CACHED {
            for tokens in cache.values_mut() {
                tokens.retain(|_, c| c.until > now);
            }
            if cache.values().map(HashMap::len).sum::<usize>() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.entry(authorizer.name.clone()).or_default().insert(
            token.to_owned(),
            CachedToken {
                until: now + authorizer.ttl,
                verified,
            },
        );
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
/// `scopes` (empty: an identity token is expected); a token checked before
/// is taken from `cache` while the authorizer's TTL lasts.
pub(crate) fn verify(
    keys: &CognitoKeys,
    cache: &TokenCache,
    authorizer: &UserPoolAuthorizer,
    scopes: &[String],
    headers: &HeaderMap,
) -> Result<Arc<Verified>, TokenRefusal> {
    let token = headers
        .get(authorizer.header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(without_bearer)
        .filter(|v| !v.is_empty())
        .ok_or(TokenRefusal::Unauthorized)?;
    let verified = match cache.get(authorizer, token) {
        Some(verified) => verified,
        None => {
            let verified = Arc::new(authenticate(keys, authorizer, token)?);
            cache.remember(authorizer, token, verified.clone());
            verified
        }
    };
    admit(&verified, scopes)?;
    Ok(verified)
}

/// The token's claims once its signature holds, by a key of the pool it
/// claims to come from, one of the authorizer's.
fn authenticate(
    keys: &CognitoKeys,
    authorizer: &UserPoolAuthorizer,
    token: &str,
) -> Result<Verified, TokenRefusal> {
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
    let scopes = claims
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    Ok(Verified { claims, scopes })
}

/// Whether a genuine token lets the caller in now, on a method asking for
/// `scopes`. Checked after the signature, so that only a genuine token is
/// told it expired.
fn admit(verified: &Verified, scopes: &[String]) -> Result<(), TokenRefusal> {
    let claims = &verified.claims;
    // RFC 7519: not accepted on or after `exp`, nor before `nbf`.
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
    let allowed = if scopes.is_empty() {
        token_use == Some("id")
    } else {
        token_use == Some("access") && scopes.iter().any(|want| verified.scopes.contains(want))
    };
    if allowed {
        Ok(())
    } else {
        Err(TokenRefusal::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::encoding::AsDer as _;
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::KeyPair as _;
    use http::HeaderValue;
    use serde_json::json;

    use super::*;

    const POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool1";
    const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool1";

    struct Signer {
        keys: CognitoKeys,
        encoding: jsonwebtoken::EncodingKey,
    }

    fn new_signer() -> Signer {
        let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let public = pair.public_key();
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let jwks = json!({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
            "n": b64(public.modulus().big_endian_without_leading_zero()),
            "e": b64(public.exponent().big_endian_without_leading_zero())}]});
        let mut keys = CognitoKeys::default();
        assert_eq!(keys.add(Some(ISSUER), &jwks.to_string()), Ok(1));
        // PKCS#8, which jsonwebtoken reads as PEM.
        let der = pair.as_der().unwrap();
        let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
        Signer {
            keys,
            encoding: jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        }
    }

    fn token(signer: &Signer, claims: Value) -> HeaderMap {
        let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
        header.kid = Some("k1".into());
        let token = jsonwebtoken::encode(&header, &claims, &signer.encoding).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_str(&token).unwrap());
        headers
    }

    fn authorizer(ttl_seconds: u32) -> UserPoolAuthorizer {
        UserPoolAuthorizer::new(&CognitoAuthorizer {
            name: "users".into(),
            provider_arns: vec![POOL.into()],
            identity_source: "method.request.header.Authorization".into(),
            ttl_seconds,
        })
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn a_checked_token_is_cached_for_the_ttl_and_still_admitted_per_request() {
        let signer = new_signer();
        let id = token(
            &signer,
            json!({"iss": ISSUER, "exp": now() + 60, "token_use": "id"}),
        );
        let cache = TokenCache::default();
        let cached = authorizer(300);
        let first = verify(&signer.keys, &cache, &cached, &[], &id).unwrap();
        let again = verify(&signer.keys, &cache, &cached, &[], &id).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second check came from the cache"
        );
        // What a fresh check refuses, the cached result refuses too: an
        // identity token on a method asking for scopes.
        let scopes = ["reports/read".to_owned()];
        assert_eq!(
            verify(&signer.keys, &cache, &cached, &scopes, &id).unwrap_err(),
            TokenRefusal::Unauthorized
        );
        // ttl = 0: checked every time.
        let uncached = authorizer(0);
        let first = verify(&signer.keys, &cache, &uncached, &[], &id).unwrap();
        let again = verify(&signer.keys, &cache, &uncached, &[], &id).unwrap();
        assert!(!Arc::ptr_eq(&first, &again));
    }

    #[test]
    fn refused_tokens_are_not_cached_and_expiry_is_checked_on_every_request() {
        let signer = new_signer();
        let cache = TokenCache::default();
        let users = authorizer(300);
        let other = new_signer();
        let forged = token(
            &other,
            json!({"iss": ISSUER, "exp": now() + 60, "token_use": "id"}),
        );
        for _ in 0..2 {
            assert_eq!(
                verify(&signer.keys, &cache, &users, &[], &forged).unwrap_err(),
                TokenRefusal::Unauthorized
            );
        }
        // Cached while valid; once `exp` passes, the cached entry is refused
        // as expired, as a fresh check would.
        let soon = token(
            &signer,
            json!({"iss": ISSUER, "exp": now() + 2, "token_use": "id"}),
        );
        assert!(verify(&signer.keys, &cache, &users, &[], &soon).is_ok());
        std::thread::sleep(Duration::from_millis(2100));
        assert_eq!(
            verify(&signer.keys, &cache, &users, &[], &soon).unwrap_err(),
            TokenRefusal::Expired
        );
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = TokenCache::default();
        let users = authorizer(300);
        let verified = Arc::new(Verified {
            claims: Map::new(),
            scopes: vec![],
        });
        for i in 0..MAX_CACHED + 10 {
            cache.remember(&users, &format!("t{i}"), verified.clone());
        }
        let held: usize = cache
            .by_authorizer
            .lock()
            .unwrap()
            .values()
            .map(HashMap::len)
            .sum();
        assert!(held <= MAX_CACHED, "{held}");
    }
}
