//! The callers the local gateway knows: access key, secret, optional session
//! token, and who they stand for.
//!
//! Two sources:
//! * the user's own credentials, resolved by the `goblet` command through the
//!   AWS SDK's own providers and handed over as an [`Identity`];
//! * an identities file, `--identities FILE` ([`load_identities_file`]):
//!
//! ```json
//! [
//!   {"access_key_id": "AKIDALICE", "secret_access_key": "...",
//!    "user_arn": "arn:aws:iam::111122223333:user/alice"},
//!   {"access_key_id": "ASIABOB", "secret_access_key": "...",
//!    "session_token": "...", "account_id": "444455556666"}
//! ]
//! ```
//!
//! Defaults, since nothing offline can ask IAM who a key belongs to:
//! * `account_id`: the account in `user_arn` when there is one, else
//!   [`DEFAULT_ACCOUNT_ID`] (`123456789012`);
//! * `user_arn`: `arn:aws:iam::{account_id}:user/{access_key_id}`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Deserialize;

/// The account used when neither `account_id` nor `user_arn` tells one.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// One caller the local gateway accepts signatures from.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    /// `AKIA...` (long-term) or `ASIA...` (temporary).
    pub access_key_id: String,
    /// The secret the caller signs with.
    pub secret_access_key: String,
    /// For temporary credentials: the token the caller must send as
    /// `X-Amz-Security-Token`.
    pub session_token: Option<String>,
    /// `requestContext.identity.userArn`.
    pub user_arn: String,
    /// `requestContext.identity.accountId`.
    pub account_id: String,
    /// Where the identity was found, for messages: `environment`,
    /// `profile "dev"`, `ids.json entry 2`.
    pub source: String,
    /// When temporary credentials stop being valid; `None` for keys that
    /// do not expire.
    pub expires: Option<SystemTime>,
}

impl Identity {
    /// An identity, with the documented defaults for a missing ARN or account.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        user_arn: Option<String>,
        account_id: Option<String>,
        source: impl Into<String>,
    ) -> Self {
        let access_key_id = access_key_id.into();
        let account_id = account_id
            .or_else(|| user_arn.as_deref().and_then(arn_account).map(str::to_owned))
            .unwrap_or_else(|| DEFAULT_ACCOUNT_ID.to_owned());
        let user_arn =
            user_arn.unwrap_or_else(|| format!("arn:aws:iam::{account_id}:user/{access_key_id}"));
        Identity {
            access_key_id,
            secret_access_key: secret_access_key.into(),
            session_token,
            user_arn,
            account_id,
            source: source.into(),
            expires: None,
        }
    }

    /// The same identity, valid until `expires` (temporary credentials).
    pub fn expiring(mut self, expires: Option<SystemTime>) -> Self {
        self.expires = expires;
        self
    }

    /// Whether the credentials have expired at `now`.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.expires.is_some_and(|at| at <= now)
    }

    /// `requestContext.identity.user` / `caller`. Real API Gateway puts the
    /// IAM unique id there (`AIDA...`, or `AROA...:session` for a role),
    /// which cannot be known offline; this is the ARN's last name instead:
    /// `alice` for `...:user/team/alice`, `Role:session` for
    /// `...:assumed-role/Role/session`, else the whole resource.
    pub fn principal(&self) -> String {
        let resource = self
            .user_arn
            .splitn(6, ':')
            .nth(5)
            .unwrap_or(&self.user_arn);
        if let Some(rest) = resource.strip_prefix("assumed-role/") {
            return rest.replacen('/', ":", 1);
        }
        match resource.split_once('/') {
            Some((_, path)) => path.rsplit('/').next().unwrap_or(path).to_owned(),
            None => resource.to_owned(),
        }
    }
}

/// The secret and token stay out of logs.
impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("user_arn", &self.user_arn)
            .field("account_id", &self.account_id)
            .field("source", &self.source)
            .field("expires", &self.expires)
            .finish()
    }
}

/// `arn:partition:service:region:account:resource` → `account`.
fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (!account.is_empty()).then_some(account)
}

/// Loading identities failed.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The identities file is not a JSON array of identities.
    #[error("{}: {message}", path.display())]
    IdentitiesFile { path: PathBuf, message: String },
    /// One entry of the identities file is wrong.
    #[error("{} entry {index}{key}: {message}", path.display(), key = key.as_deref().map(|k| format!(" ({k})")).unwrap_or_default())]
    IdentitiesEntry {
        path: PathBuf,
        /// 1-based position in the array.
        index: usize,
        /// The entry's access key id, when it has one.
        key: Option<String>,
        message: String,
    },
}

// ---------------------------------------------------------------------------
// Identities file
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default)]
    session_token: Option<String>,
    #[serde(default)]
    user_arn: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
}

/// Reads an identities file (`--identities FILE`): a JSON array of
/// `{"access_key_id", "secret_access_key", "session_token"?, "user_arn"?, "account_id"?}`.
/// Errors name the file and the entry.
pub fn load_identities_file(path: &Path) -> Result<Vec<Identity>, IdentityError> {
    let text = std::fs::read_to_string(path).map_err(|source| IdentityError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_identities(&text, path)
}

/// Parses the text of an identities file; `path` is only used in messages.
pub fn parse_identities(text: &str, path: &Path) -> Result<Vec<Identity>, IdentityError> {
    let file_error = |message: String| IdentityError::IdentitiesFile {
        path: path.to_owned(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| file_error(format!("not valid JSON: {e}")))?;
    let serde_json::Value::Array(entries) = value else {
        return Err(file_error(
            "expected a JSON array of identities, e.g. \
             [{\"access_key_id\": \"AKID...\", \"secret_access_key\": \"...\"}]"
                .to_owned(),
        ));
    };
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut identities: Vec<Identity> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let index = i + 1;
        let key = entry
            .get("access_key_id")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        let entry_error = |message: String| IdentityError::IdentitiesEntry {
            path: path.to_owned(),
            index,
            key: key.clone(),
            message,
        };
        if !entry.is_object() {
            return Err(entry_error(format!("expected an object, found {entry}")));
        }
        let e: FileEntry = serde_json::from_value(entry).map_err(|e| entry_error(e.to_string()))?;
        check_field("access_key_id", &e.access_key_id).map_err(&entry_error)?;
        check_field("secret_access_key", &e.secret_access_key).map_err(&entry_error)?;
        if let Some(token) = &e.session_token {
            check_field("session_token", token).map_err(&entry_error)?;
        }
        if let Some(account) = &e.account_id
            && (account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(entry_error(format!(
                "account_id must be 12 digits, got {account:?}"
            )));
        }
        if let Some(arn) = &e.user_arn {
            let Some(arn_account) = arn.starts_with("arn:").then(|| arn_account(arn)).flatten()
            else {
                return Err(entry_error(format!(
                    "user_arn must look like arn:aws:iam::123456789012:user/name, got {arn:?}"
                )));
            };
            if let Some(account) = &e.account_id
                && account != arn_account
            {
                return Err(entry_error(format!(
                    "account_id {account} does not match the account in user_arn {arn}"
                )));
            }
        }
        if let Some(earlier) = identities
            .iter()
            .position(|id| id.access_key_id == e.access_key_id)
        {
            return Err(entry_error(format!(
                "access_key_id {} is already used by entry {}",
                e.access_key_id,
                earlier + 1
            )));
        }
        identities.push(Identity::new(
            e.access_key_id,
            e.secret_access_key,
            e.session_token,
            e.user_arn,
            e.account_id,
            format!("{name} entry {index}"),
        ));
    }
    Ok(identities)
}

fn check_field(name: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{name} is empty"));
    }
    if value.trim() != value {
        return Err(format!("{name} has leading or trailing whitespace"));
    }
    if value.bytes().any(|b| b.is_ascii_control()) {
        return Err(format!("{name} contains control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let id = Identity::new("AKID", "s", None, None, None, "t");
        assert_eq!(id.account_id, DEFAULT_ACCOUNT_ID);
        assert_eq!(id.user_arn, "arn:aws:iam::123456789012:user/AKID");
        assert_eq!(id.principal(), "AKID");

        let id = Identity::new(
            "AKID",
            "s",
            None,
            Some("arn:aws:iam::111122223333:user/team/alice".into()),
            None,
            "t",
        );
        assert_eq!(id.account_id, "111122223333");
        assert_eq!(id.principal(), "alice");

        let id = Identity::new(
            "ASIA",
            "s",
            Some("SeCrEtToKeN".into()),
            Some("arn:aws:sts::111122223333:assumed-role/Deployer/ci-run".into()),
            None,
            "t",
        );
        assert_eq!(id.principal(), "Deployer:ci-run");
        assert!(!format!("{id:?}").contains("SeCrEtToKeN"));
    }
}
