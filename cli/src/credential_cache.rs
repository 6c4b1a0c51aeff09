//! The temporary credentials of the active AWS profile, shared by the
//! `goblet` processes of one user until they expire.
//!
//! A profile with `credential_process` or `role_arn` hands every process
//! keys of its own, and `goblet local` can only check a signature made with
//! keys it knows. So `goblet local` and `goblet curl` resolve such a profile
//! through this cache, as the AWS CLI does with role credentials in
//! `~/.aws/cli/cache`: the first to resolve it stores the keys (mode 0600,
//! in goblet's own cache folder, never in `~/.aws`), the others use them
//! until five minutes before they expire.
//!
//! An entry is named by the profile's name and the contents of the shared
//! `config` and `credentials` files, so editing either starts afresh.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use goblet_local::sigv4::Identity;

/// Cached keys are not handed out when they expire within this: a request
/// signed with them may take that long to be checked (SigV4's five minutes).
const MARGIN: Duration = Duration::from_secs(5 * 60);

/// One profile's entry in the cache.
#[derive(Debug, Clone)]
pub struct CredentialCache {
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// Seconds since the Unix epoch.
    expires: u64,
}

impl CredentialCache {
    /// The entry of the active profile (`AWS_PROFILE`, else `default`), or
    /// `None` without a home or cache folder.
    pub fn for_active_profile() -> Option<CredentialCache> {
        let home = crate::dirs::home();
        let shared_file = |variable: &str, default: &str| {
            std::env::var_os(variable)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
                .and_then(|path| std::fs::read(path).ok())
                .unwrap_or_default()
        };
        let profile = std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".to_owned());
        let mut hash = Sha256::new();
        for part in [
            profile.as_bytes(),
            &shared_file("AWS_CONFIG_FILE", "config"),
            &shared_file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        ] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        let name: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Some(CredentialCache {
            path: crate::dirs::cache_dir()?
                .join("credentials")
                .join(format!("{name}.json")),
        })
    }

    /// The cached keys, when they are still good for [`MARGIN`] after `now`.
    pub fn load(&self, now: SystemTime) -> Option<Identity> {
        let text = std::fs::read(&self.path).ok()?;
        let entry: Entry = serde_json::from_slice(&text).ok()?;
        let expires = UNIX_EPOCH + Duration::from_secs(entry.expires);
        if expires < now + MARGIN {
            return None;
        }
        Some(
            Identity::new(
                entry.access_key_id,
                entry.secret_access_key,
                entry.session_token,
                None,
                None,
                "your AWS profile (cached by goblet)",
            )
            .expiring(Some(expires)),
        )
    }

    /// Stores temporary keys; keys without an expiration are not cached.
    pub fn store(&self, identity: &Identity) {
        let Some(expires) = identity.expires else {
            return;
        };
        let entry = Entry {
            access_key_id: identity.access_key_id.clone(),
            secret_access_key: identity.secret_access_key.clone(),
            session_token: identity.session_token.clone(),
            expires: expires
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        let stored = serde_json::to_vec(&entry)
            .map_err(std::io::Error::other)
            .and_then(|json| crate::dirs::write_private(&self.path, &json));
        if let Err(e) = stored {
            // Only sharing is lost: every process can still resolve its own.
            tracing::debug!(path = %self.path.display(), error = %e, "cannot cache the credentials");
        }
    }
}
