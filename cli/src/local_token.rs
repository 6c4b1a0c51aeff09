//! goblet's local token key: the RSA key `goblet token` signs Cognito-style
//! tokens with, and whose public half `goblet local` trusts for every Cognito
//! user pool authorizer, so a Cognito-protected route can be tried with no
//! AWS account.
//!
//! The key is made on first use (RSA 2048, aws-lc-rs) and kept in goblet's
//! data folder (`local-token-key.pem`, PKCS#8, mode 0600). It means nothing
//! to Cognito or API Gateway: only `goblet local` accepts its tokens.

use std::path::PathBuf;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::Digest as _;

const FILE_NAME: &str = "local-token-key.pem";
const PEM_LABEL: &str = "PRIVATE KEY";

#[derive(Debug, thiserror::Error)]
pub enum TokenKeyError {
    #[error("no home folder (HOME) to keep goblet's local token key in")]
    NoHome,
    #[error("cannot read goblet's local token key {}: {reason}; delete the file to make a new one", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("cannot write goblet's local token key to {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot make an RSA key")]
    Generate,
}

/// The key, ready to sign with and to publish.
pub struct TokenKey {
    pub encoding: jsonwebtoken::EncodingKey,
    /// The key's id in tokens' headers and in the JWKS.
    pub kid: String,
    /// `{"keys": [...]}` with the public key.
    pub jwks: String,
}

pub fn path() -> Option<PathBuf> {
    Some(crate::dirs::data_dir()?.join(FILE_NAME))
}

/// The key made earlier, else a new one, stored.
pub fn existing_or_new() -> Result<TokenKey, TokenKeyError> {
    let path = path().ok_or(TokenKeyError::NoHome)?;
    let read_error = |reason: String| TokenKeyError::Read {
        path: path.clone(),
        reason,
    };
    let read = || match std::fs::read_to_string(&path) {
        Ok(pem) => from_pem(&pem)
            .map(Some)
            .ok_or_else(|| read_error("not a PKCS#8 PEM file".into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(read_error(e.to_string())),
    };
    let pkcs8 = match read()? {
        Some(der) => der,
        None => {
            let key = KeyPair::generate(KeySize::Rsa2048).map_err(|_| TokenKeyError::Generate)?;
            let der = key.as_der().map_err(|_| TokenKeyError::Generate)?;
            let der = der.as_ref().to_vec();
            let created =
                crate::dirs::create_private(&path, to_pem(&der).as_bytes()).map_err(|error| {
                    TokenKeyError::Write {
                        path: path.clone(),
                        error,
                    }
                })?;
            // Another goblet made one meanwhile: its key is the one kept,
            // which a `goblet local` started since trusts.
            match created {
                true => der,
                false => read()?.ok_or_else(|| read_error("gone as it was made".into()))?,
            }
        }
    };
    let pair = KeyPair::from_pkcs8(&pkcs8).map_err(|e| read_error(e.to_string()))?;
    let public = pair.public_key();
    let n = public.modulus().big_endian_without_leading_zero().to_vec();
    let e = public.exponent().big_endian_without_leading_zero().to_vec();
    let kid = format!("goblet-local-{}", &hex(&sha2::Sha256::digest(&n))[..16]);
    let jwks = serde_json::json!({"keys": [{
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(&n),
        "e": URL_SAFE_NO_PAD.encode(&e),
    }]})
    .to_string();
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(to_pem(&pkcs8).as_bytes())
        .map_err(|e| read_error(e.to_string()))?;
    Ok(TokenKey {
        encoding,
        kid,
        jwks,
    })
}

fn to_pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {PEM_LABEL}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {PEM_LABEL}-----\n"));
    pem
}

fn from_pem(pem: &str) -> Option<Vec<u8>> {
    let body = pem
        .trim()
        .strip_prefix(&format!("-----BEGIN {PEM_LABEL}-----"))?
        .strip_suffix(&format!("-----END {PEM_LABEL}-----"))?;
    let joined: String = body.split_whitespace().collect();
    STANDARD.decode(joined).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trips() {
        let der: Vec<u8> = (0..=255).collect();
        assert_eq!(from_pem(&to_pem(&der)).unwrap(), der);
        assert!(
            from_pem("-----BEGIN RSA PRIVATE KEY-----\nAA==\n-----END RSA PRIVATE KEY-----")
                .is_none()
        );
    }
}
