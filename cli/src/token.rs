//! `goblet token`, and the keys `goblet local` checks Cognito tokens with.
//!
//! `goblet token` mints a token shaped like a Cognito user pool's (an
//! identity token, or with `--scope` an access token), issued by the
//! authorizer's first pool and signed with goblet's local token key
//! ([`crate::local_token`]). `goblet local` trusts that key for every Cognito
//! authorizer, next to the keys of `--jwks` files and of each pool's own
//! `/.well-known/jwks.json` (read at start-up from the Cognito endpoint the AWS
//! configuration names: `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, else
//! `AWS_ENDPOINT_URL`, else the pool's issuer).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clap::Args;
use goblet_core::{CognitoAuthorizer, Manifest, UserPoolArn};
use goblet_local::CognitoKeys;
use http_body_util::Full;
use sha2::Digest as _;

use crate::local_token::TokenKeyError;

/// How long `goblet local` waits for a pool's keys at start-up.
const JWKS_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest JWKS document read: a pool's holds two keys, about 1 KiB.
const JWKS_MAX_BYTES: usize = 64 * 1024;
/// Cognito's longest identity and access token validity: one day.
const MAX_EXPIRES_IN_S: u64 = 86_400;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The Cognito authorizer (`[package.metadata.goblet.authorizers.NAME]`);
    /// may be left out when the configuration has only one.
    #[arg(long, value_name = "NAME")]
    pub authorizer: Option<String>,
    /// The app's cargo project: its Cargo.toml configures the authorizer.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub project: PathBuf,
    /// The stage whose configuration applies.
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// An OAuth scope (e.g. orders/read): makes an access token carrying the
    /// scopes given, for routes with `scopes`; repeatable. Without any, an
    /// identity token, for routes without scopes.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// The user's name (`cognito:username`, `username`).
    #[arg(long, default_value = "goblet-user")]
    pub username: String,
    /// The app client the token is for (`aud`, `client_id`).
    #[arg(long, default_value = "goblet-local")]
    pub client_id: String,
    /// Seconds until the token expires (at most 86400, Cognito's longest).
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    pub expires_in: u64,
    /// Another claim of the token, NAME=VALUE (e.g. email=alice@example.com); repeatable.
    #[arg(long = "claim", value_name = "NAME=VALUE", value_parser = parse_claim)]
    pub claims: Vec<(String, String)>,
}

fn parse_claim(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err("expected NAME=VALUE".to_owned()),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Config(#[from] goblet_project::config::ConfigError),
    #[error(transparent)]
    Key(#[from] TokenKeyError),
    #[error("{0}")]
    Authorizer(String),
    #[error("--expires-in must be between 1 and {MAX_EXPIRES_IN_S} seconds, not {0}")]
    ExpiresIn(u64),
    #[error("cannot sign the token: {0}")]
    Sign(jsonwebtoken::errors::Error),
    #[error("{}: {reason}", path.display())]
    Jwks { path: PathBuf, reason: String },
}

/// Mints the token `args` describe.
pub fn mint(args: &TokenArgs) -> Result<String, TokenError> {
    if !(1..=MAX_EXPIRES_IN_S).contains(&args.expires_in) {
        return Err(TokenError::ExpiresIn(args.expires_in));
    }
    let overrides = goblet_project::config::Overrides {
        stage: args.stage.clone(),
        ..Default::default()
    };
    // Only the authorizers are read; they do not depend on the app's name.
    let config = goblet_project::config::load(&args.project, "app", &overrides)?;
    let user_pools = config
        .authorizers
        .iter()
        .filter_map(|(name, a)| match a {
            goblet_core::ConfiguredAuthorizer::CognitoUserPools(a) => {
                Some((name.clone(), a.clone()))
            }
            goblet_core::ConfiguredAuthorizer::External(_) => None,
        })
        .collect();
    let authorizer = pick(&user_pools, args.authorizer.as_deref())?;
    let pool = authorizer
        .pools()
        .next()
        .ok_or_else(|| TokenError::Authorizer("the authorizer names no user pool".into()))?;
    let key = crate::local_token::existing_or_new()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let sub = uuid_of(args.username.as_bytes());
    let mut claims = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| {
        claims.insert(k.to_owned(), v);
    };
    put("sub", sub.into());
    put("iss", pool.issuer().into());
    put("iat", now.into());
    put("auth_time", now.into());
    put("exp", (now + args.expires_in).into());
    put(
        "jti",
        uuid_of(format!("{now}{}", std::process::id()).as_bytes()).into(),
    );
    if args.scopes.is_empty() {
        put("token_use", "id".into());
        put("aud", args.client_id.clone().into());
        put("cognito:username", args.username.clone().into());
    } else {
        put("token_use", "access".into());
        put("client_id", args.client_id.clone().into());
        put("username", args.username.clone().into());
        put("scope", args.scopes.join(" ").into());
    }
    for (name, value) in &args.claims {
        put(name, value.clone().into());
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, &claims, &key.encoding).map_err(TokenError::Sign)
}

fn pick<'a>(
    authorizers: &'a std::collections::BTreeMap<String, CognitoAuthorizer>,
    name: Option<&str>,
) -> Result<&'a CognitoAuthorizer, TokenError> {
    let names = || authorizers.keys().cloned().collect::<Vec<_>>().join(", ");
    match name {
        Some(name) => authorizers.get(name).ok_or_else(|| {
            TokenError::Authorizer(format!(
                "the configuration has no Cognito authorizer `{name}` (it has: {})",
                if authorizers.is_empty() {
                    "none".to_owned()
                } else {
                    names()
                }
            ))
        }),
        None => match authorizers.values().collect::<Vec<_>>().as_slice() {
            [only] => Ok(only),
            [] => Err(TokenError::Authorizer(
                "the configuration has no Cognito authorizer \
                 ([package.metadata.goblet.authorizers.NAME] type = \"cognito_user_pools\")"
                    .into(),
            )),
            _ => Err(TokenError::Authorizer(format!(
                "name one with --authorizer: {}",
                names()
            ))),
        },
    }
}

/// A UUID-shaped id derived from `seed` (Cognito's `sub` is a UUID).
fn uuid_of(seed: &[u8]) -> String {
    let d = sha2::Sha256::digest(seed);
    let h: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// The keys `goblet local` checks the manifest's Cognito authorizers'
/// tokens with; what it could not read is told in `warnings`.
/// With `later_builds` (`--watch`), goblet token's key is trusted even when
/// this build has no Cognito authorizer: a later one may.
pub async fn local_keys(
    manifest: &Manifest,
    jwks_files: &[PathBuf],
    later_builds: bool,
    warnings: &mut Vec<String>,
) -> Result<CognitoKeys, TokenError> {
    let mut keys = CognitoKeys::default();
    if manifest.cognito_authorizers.is_empty() && !later_builds {
        return Ok(keys);
    }
    let local = crate::local_token::existing_or_new()?;
    keys.add(None, &local.jwks)
        .map_err(|reason| TokenError::Authorizer(format!("goblet's local token key: {reason}")))?;
    for path in jwks_files {
        let text = std::fs::read_to_string(path).map_err(|e| TokenError::Jwks {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        keys.add(None, &text).map_err(|reason| TokenError::Jwks {
            path: path.clone(),
            reason,
        })?;
    }
    let mut pools: Vec<UserPoolArn> = Vec::new();
    for pool in manifest.cognito_authorizers.iter().flat_map(|a| a.pools()) {
        if !pools.iter().any(|p| p.pool_id == pool.pool_id) {
            pools.push(pool);
        }
    }
    // All at once: start-up waits for the slowest pool, not for their sum.
    let mut fetches = tokio::task::JoinSet::new();
    for (i, pool) in pools.iter().enumerate() {
        let url = format!(
            "{}/{}/.well-known/jwks.json",
            cognito_endpoint(pool),
            pool.pool_id
        );
        fetches.spawn(async move { (i, fetch(&url).await, url) });
    }
    let mut fetched = Vec::new();
    while let Some(done) = fetches.join_next().await {
        if let Ok(done) = done {
            fetched.push(done);
        }
    }
    fetched.sort_by_key(|(i, ..)| *i);
    for (i, text, url) in fetched {
        let pool = &pools[i];
        if let Err(reason) = text.and_then(|text| keys.add(Some(&pool.issuer()), &text)) {
            warnings.push(format!(
                "cannot read the keys of the user pool {} from {url}: {reason}; its own tokens \
                 are refused (those of `goblet token` and --jwks files are accepted)",
                pool.pool_id
            ));
        }
    }
    Ok(keys)
}

/// Where Cognito's endpoints are: the AWS configuration's endpoint override,
/// else the pool's issuer (`https://cognito-idp.{region}.{dns suffix}`).
fn cognito_endpoint(pool: &UserPoolArn) -> String {
    [
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
        "AWS_ENDPOINT_URL",
    ]
    .iter()
    .filter_map(|v| std::env::var(v).ok())
    .find(|v| !v.is_empty())
    .map(|v| v.trim_end_matches('/').to_owned())
    .unwrap_or_else(|| {
        let issuer = pool.issuer();
        issuer
            .strip_suffix(&format!("/{}", pool.pool_id))
            .unwrap_or(&issuer)
            .to_owned()
    })
}

async fn fetch(url: &str) -> Result<String, String> {
    let uri: http::Uri = url.parse().map_err(|_| "not a URL".to_owned())?;
    let tls = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err("not an http(s) URL".to_owned()),
    };
    let bracketed = uri.host().ok_or("no host")?;
    let host = bracketed.trim_matches(['[', ']']);
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or(host);
    let request = http::Request::get(uri.path())
        .header(http::header::HOST, authority)
        .header(http::header::ACCEPT, "application/json")
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let target = crate::curl::transport::Target {
        tls,
        host,
        connect_to: crate::curl::connect_address(&[], bracketed, port)
            .map_err(|e| e.to_string())?,
        cacert: None,
        body_limit: Some(JWKS_MAX_BYTES),
    };
    let (status, _, body) =
        tokio::time::timeout(JWKS_TIMEOUT, crate::curl::transport::send(target, request))
            .await
            .map_err(|_| format!("no answer in {} s", JWKS_TIMEOUT.as_secs()))?
            .map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    String::from_utf8(body.to_vec()).map_err(|_| "not UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subs_are_uuid_shaped_and_stable() {
        let a = uuid_of(b"alice");
        assert_eq!(a, uuid_of(b"alice"));
        assert_ne!(a, uuid_of(b"bob"));
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
    }
}
