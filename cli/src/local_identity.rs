//! goblet's local development identity: the IAM identity `goblet local`
//! accepts when the user has no AWS credentials at all, so a first run on a
//! fresh machine works end to end (`goblet local`, then `goblet curl`).
//!
//! Its keys are made up on the spot and mean nothing to AWS. They live in
//! goblet's own data folder (`$XDG_DATA_HOME/goblet/local-identity.json`,
//! else `~/.local/share/goblet/local-identity.json`, mode 0600), never in
//! `~/.aws`, as a one-entry identities file, so `--identities` reads it too.
//! `goblet curl` signs with it only for loopback URLs (`goblet local`'s):
//! it never sends the keys anywhere else.

use std::path::PathBuf;

use goblet_local::sigv4::{DEFAULT_ACCOUNT_ID, Identity, parse_identities};

const FILE_NAME: &str = "local-identity.json";

/// Why the development identity could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum LocalIdentityError {
    #[error("no home folder (HOME) to keep goblet's local development identity in")]
    NoHome,
    #[error("cannot write goblet's local development identity to {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "cannot read goblet's local development identity: {0}; delete the file to make a new one"
    )]
    Read(goblet_local::sigv4::IdentityError),
    #[error("cannot make random keys: {0}")]
    Random(getrandom::Error),
}

/// The identity and where it is kept.
#[derive(Debug, Clone)]
pub struct LocalIdentity {
    pub identity: Identity,
    pub path: PathBuf,
    /// Made by this call (else read from `path`).
    pub created: bool,
}

/// Where the identity is kept.
pub fn path() -> Option<PathBuf> {
    Some(crate::dirs::data_dir()?.join(FILE_NAME))
}

/// The identity made earlier, if any.
pub fn existing() -> Result<Option<LocalIdentity>, LocalIdentityError> {
    let Some(path) = path() else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(LocalIdentityError::Read(
                goblet_local::sigv4::IdentityError::Read { path, source },
            ));
        }
    };
    let identities = parse_identities(&text, &path).map_err(LocalIdentityError::Read)?;
    Ok(identities.into_iter().next().map(|identity| LocalIdentity {
        identity: with_source(identity),
        path,
        created: false,
    }))
}

/// The identity made earlier, else a new one, stored.
pub fn existing_or_new() -> Result<LocalIdentity, LocalIdentityError> {
    if let Some(found) = existing()? {
        return Ok(found);
    }
    let path = path().ok_or(LocalIdentityError::NoHome)?;
    // Shaped like IAM's: `AKIA` and 16 base-32 characters; a 40-character secret.
    let access_key_id = format!("AKIA{}", random_text(16, BASE32)?);
    let secret_access_key = random_text(40, SECRET)?;
    let user_arn = format!("arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/goblet-local");
    let file = serde_json::json!([{
        "access_key_id": access_key_id,
        "secret_access_key": secret_access_key,
        "user_arn": user_arn,
    }]);
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    let created = crate::dirs::create_private(&path, text.as_bytes()).map_err(|error| {
        LocalIdentityError::Write {
            path: path.clone(),
            error,
        }
    })?;
    if !created {
        // Another goblet made it meanwhile: its identity is the one kept.
        if let Some(found) = existing()? {
            return Ok(found);
        }
    }
    let identity = Identity::new(
        access_key_id,
        secret_access_key,
        None,
        Some(user_arn),
        None,
        "",
    );
    Ok(LocalIdentity {
        identity: with_source(identity),
        path,
        created: true,
    })
}

fn with_source(mut identity: Identity) -> Identity {
    identity.source = "goblet's local development identity".to_owned();
    identity
}

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `len` characters of `alphabet` (whose length divides 256: no bias).
fn random_text(len: usize, alphabet: &[u8]) -> Result<String, LocalIdentityError> {
    let mut bytes = vec![0u8; len];
    getrandom::getrandom(&mut bytes).map_err(LocalIdentityError::Random)?;
    Ok(bytes
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect())
}

/// What `goblet local` says when it falls back on the identity.
pub fn notice(local: &LocalIdentity) -> String {
    let id = &local.identity;
    let made = if local.created { "created" } else { "kept" };
    format!(
        "No AWS credentials found: AWS_IAM routes accept goblet's local development identity, \
         {made} in {} (not in ~/.aws; it means nothing to AWS).\n\
         `goblet curl` signs with it for goblet local's URLs. For boto3, awscurl or the AWS CLI:\n  \
         export AWS_ACCESS_KEY_ID={}\n  \
         export AWS_SECRET_ACCESS_KEY={}\n",
        local.path.display(),
        id.access_key_id,
        id.secret_access_key
    )
}
