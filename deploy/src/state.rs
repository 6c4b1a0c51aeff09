//! `.goblet/deployed/<stage>.json`: what goblet created for a stage.
//!
//! Written atomically (a temporary file renamed over the old one) after every
//! step that created something, so a deploy killed at any point leaves a
//! record that is true, if incomplete. Resources created just before a kill
//! are found again by their deterministic names and tags.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The record's schema version.
pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    pub version: u32,
    pub app_name: String,
    pub stage: String,
    pub region: String,
    /// The IAM role the function runs as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleRecord>,
    /// A role goblet created that the stage no longer uses (the configuration
    /// switched to `iam_role_arn`): deleted by the next deploy or `delete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_role: Option<RoleRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionRecord>,
    /// The function's log group, recorded when goblet set its retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    /// The Lambda functions of the app's event handlers and plain
    /// functions, by name: recorded before each is created, so a deploy
    /// killed during CreateFunction leaves it on record for `delete`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_functions: Vec<String>,
    /// The EventBridge rules of `#[schedule]` and `#[on_event]` functions,
    /// recorded before each is put.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_rules: Vec<RuleRecord>,
    /// The log group Lambda made by itself for goblet's function
    /// (`/aws/lambda/{function}`, no retention set by goblet), found by
    /// `delete` and kept (no `--yes` and no terminal to ask on): the next
    /// `delete` asks again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_log_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_api: Option<RestApiRecord>,
    /// The usage plan of a stage with API-key routes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_plan: Option<String>,
    /// goblet's own API key (not one named by `api_key_ids`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The statement id of the `lambda:InvokeFunction` permission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    /// The functions of external authorizers (`function_arn`) that carry
    /// goblet's invoke statement for this stage, recorded before it is
    /// added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorizer_permissions: Vec<AuthorizerPermissionRecord>,
    /// Set before the REST API is changed, cleared by the deployment that
    /// publishes the change: a deploy killed in between deploys next time.
    #[serde(default)]
    pub pending_deployment: bool,
    /// Set before a deploy's first change, cleared when it has finished. A
    /// record left with it set may lack what the killed deploy created just
    /// before it died (the answer never came back), so `delete` looks for
    /// those by their deterministic names and tags.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deploying: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRecord {
    pub name: String,
    pub arn: String,
    /// Created by goblet (and so deleted by `goblet delete`), not `iam_role_arn`.
    pub managed: bool,
}

/// goblet's statement on an external authorizer's function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizerPermissionRecord {
    pub function_arn: String,
    pub statement_id: String,
}

/// An EventBridge rule goblet put: its name, and its bus (`default`, a
/// name or an ARN).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RuleRecord {
    pub name: String,
    pub bus: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionRecord {
    pub name: String,
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestApiRecord {
    pub id: String,
    pub name: String,
}

/// Where a stage's record lives under `base` (the project dir, or the cwd).
pub fn state_path(base: &Path, stage: &str) -> PathBuf {
    base.join(".goblet")
        .join("deployed")
        .join(format!("{stage}.json"))
}

impl Deployed {
    pub fn new(app_name: &str, stage: &str, region: &str) -> Deployed {
        Deployed {
            version: STATE_VERSION,
            app_name: app_name.to_owned(),
            stage: stage.to_owned(),
            region: region.to_owned(),
            ..Deployed::default()
        }
    }

    /// The record at `path`; `None` when there is none.
    pub fn load(path: &Path) -> io::Result<Option<Deployed>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is not a goblet deployment record: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes the record atomically: a temporary file beside it, then a rename.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
            std::process::id()
        ));
        let mut text = serde_json::to_string_pretty(self).expect("the record serializes");
        text.push('\n');
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    }

    /// Nothing is recorded any more.
    pub fn is_empty(&self) -> bool {
        self.role.is_none()
            && self.retired_role.is_none()
            && self.function.is_none()
            && self.event_functions.is_empty()
            && self.event_rules.is_empty()
            && self.log_group.is_none()
            && self.function_log_group.is_none()
            && self.rest_api.is_none()
            && self.permission.is_none()
            && self.authorizer_permissions.is_empty()
            && self.usage_plan.is_none()
            && self.api_key.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_atomically_and_loads_back() {
        let dir = std::env::temp_dir().join(format!("goblet-state-{}", std::process::id()));
        let path = state_path(&dir, "dev");
        assert_eq!(Deployed::load(&path).unwrap(), None);
        let mut state = Deployed::new("helloworld", "dev", "us-east-1");
        assert!(state.is_empty());
        state.function = Some(FunctionRecord {
            name: "helloworld-dev".into(),
            arn: "arn:aws:lambda:us-east-1:1:function:helloworld-dev".into(),
        });
        state.save(&path).unwrap();
        assert_eq!(Deployed::load(&path).unwrap(), Some(state));
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["dev.json"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
