//! The plan: what to create, change and delete to turn what exists
//! ([`Observed`]) into what the app and its configuration ask for ([`Target`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::observe::{IntegrationObs, MethodObs, Observed};
use crate::state::{Deployed, RoleRecord};
use crate::target::{
    HANDLER, Integration, MethodTarget, RUNTIME, RoleTarget, Target, account_of, proxy_uri,
    source_arn,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Create,
    Change,
    Delete,
}

/// One step of a deploy.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    CreateRole,
    UpdateTrustPolicy,
    PutRolePolicy {
        create: bool,
    },
    CreateFunction,
    UpdateFunctionCode,
    UpdateFunctionConfiguration {
        changes: Vec<String>,
    },
    TagRole {
        tags: BTreeMap<String, String>,
    },
    UntagRole {
        keys: Vec<String>,
    },
    TagFunction {
        tags: BTreeMap<String, String>,
    },
    UntagFunction {
        keys: Vec<String>,
    },
    /// goblet's own role, once the function has moved to `iam_role_arn`.
    DeleteRole {
        name: String,
    },
    PutConcurrency(i32),
    DeleteConcurrency,
    CreateLogGroup,
    PutRetention {
        old: Option<i32>,
        new: i32,
    },
    /// `log_retention_days` was removed: keep the logs forever again.
    DeleteRetention {
        old: i32,
    },
    CreateRestApi,
    /// A stage of goblet's REST API that `api_gateway_stage` no longer names.
    DeleteStage {
        name: String,
    },
    /// The REST API's endpoint type (takes effect at once, no deployment).
    ChangeEndpointType {
        old: String,
        new: String,
    },
    CreateResource {
        path: String,
    },
    DeleteResource {
        path: String,
        methods: Vec<String>,
    },
    PutMethod {
        path: String,
        method: String,
        target: MethodTarget,
    },
    /// delete_method + put_method + put_integration (+ the mock's responses).
    ReplaceMethod {
        path: String,
        method: String,
        target: MethodTarget,
        changes: Vec<String>,
    },
    DeleteMethod {
        path: String,
        method: String,
    },
    AddPermission {
        replace: bool,
    },
    CreateDeployment,
}

impl Action {
    pub fn kind(&self) -> Kind {
        match self {
            Action::CreateRole
            | Action::PutRolePolicy { create: true }
            | Action::CreateFunction
            | Action::CreateLogGroup
            | Action::CreateRestApi
            | Action::CreateResource { .. }
            | Action::PutMethod { .. }
            | Action::AddPermission { replace: false }
            | Action::CreateDeployment => Kind::Create,
            Action::DeleteResource { .. }
            | Action::DeleteMethod { .. }
            | Action::DeleteRole { .. }
            | Action::DeleteStage { .. } => Kind::Delete,
            _ => Kind::Change,
        }
    }

    /// Touches the REST API (and so needs a deployment to be seen).
    pub fn changes_api(&self) -> bool {
        matches!(
            self,
            Action::CreateRestApi
                | Action::CreateResource { .. }
                | Action::DeleteResource { .. }
                | Action::PutMethod { .. }
                | Action::ReplaceMethod { .. }
                | Action::DeleteMethod { .. }
        )
    }
}

/// The names an action's description needs.
#[derive(Debug, Clone)]
pub struct Names {
    pub role: String,
    pub function: String,
    pub api: String,
    pub stage: String,
    pub log_group: String,
}

/// An action with the names it is about, for printing.
#[derive(Debug)]
pub struct Described<'a>(pub &'a Action, pub &'a Names);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.1;
        match self.0 {
            Action::CreateRole => write!(f, "create role {}", n.role),
            Action::UpdateTrustPolicy => write!(f, "change role {} trust policy", n.role),
            Action::PutRolePolicy { create: true } => {
                write!(f, "create role policy {} (CloudWatch Logs)", n.role)
            }
            Action::PutRolePolicy { create: false } => {
                write!(f, "change role policy {}", n.role)
            }
            Action::CreateFunction => write!(f, "create function {}", n.function),
            Action::UpdateFunctionCode => write!(f, "change function {} code", n.function),
            Action::UpdateFunctionConfiguration { changes } => {
                write!(f, "change function {} {}", n.function, changes.join(", "))
            }
            Action::TagRole { tags } => {
                write!(f, "change role {} tags {}", n.role, tag_list(tags))
            }
            Action::UntagRole { keys } => {
                write!(f, "change role {} untag {}", n.role, keys.join(","))
            }
            Action::TagFunction { tags } => {
                write!(f, "change function {} tags {}", n.function, tag_list(tags))
            }
            Action::UntagFunction { keys } => {
                write!(f, "change function {} untag {}", n.function, keys.join(","))
            }
            Action::PutConcurrency(c) => {
                write!(
                    f,
                    "change function {} reserved concurrency → {c}",
                    n.function
                )
            }
            Action::DeleteConcurrency => {
                write!(
                    f,
                    "change function {} reserved concurrency → none",
                    n.function
                )
            }
            Action::DeleteRole { name } => {
                write!(
                    f,
                    "delete role {name} (created by goblet, replaced by iam_role_arn)"
                )
            }
            Action::CreateLogGroup => write!(f, "create log group {}", n.log_group),
            Action::PutRetention { old, new } => write!(
                f,
                "change log group {} retention {} → {new} days",
                n.log_group,
                old.map_or("never expire".to_owned(), |d| format!("{d} days"))
            ),
            Action::DeleteRetention { old } => write!(
                f,
                "change log group {} retention {old} days → never expire",
                n.log_group
            ),
            Action::CreateRestApi => write!(f, "create REST API {}", n.api),
            Action::DeleteStage { name } => write!(f, "delete stage {name}"),
            Action::ChangeEndpointType { old, new } => {
                write!(f, "change REST API {} endpoint type {old} → {new}", n.api)
            }
            Action::CreateResource { path } => write!(f, "create resource {path}"),
            Action::DeleteResource { path, methods } if methods.is_empty() => {
                write!(f, "delete resource {path}")
            }
            Action::DeleteResource { path, methods } => {
                write!(f, "delete resource {path} (methods {})", methods.join(", "))
            }
            Action::PutMethod {
                path,
                method,
                target,
            } => write!(
                f,
                "create method {method} {path} authorizationType {}{}",
                target.authorization_type,
                match &target.integration {
                    Integration::Proxy => " → function",
                    Integration::CorsMock { .. } => " (CORS preflight)",
                }
            ),
            Action::ReplaceMethod {
                path,
                method,
                changes,
                ..
            } => write!(f, "change {method} {path} {}", changes.join(", ")),
            Action::DeleteMethod { path, method } => write!(f, "delete method {method} {path}"),
            Action::AddPermission { replace: false } => write!(
                f,
                "create permission apigateway.amazonaws.com → lambda:InvokeFunction {}",
                n.function
            ),
            Action::AddPermission { replace: true } => write!(
                f,
                "change permission apigateway.amazonaws.com → lambda:InvokeFunction {} (SourceArn)",
                n.function
            ),
            Action::CreateDeployment => write!(f, "create deployment to stage {}", n.stage),
        }
    }
}

/// The plan and what it knows about the account.
#[derive(Debug)]
pub struct Plan {
    pub actions: Vec<Action>,
    /// The account id, when anything existing tells it.
    pub account: Option<String>,
}

pub fn plan(target: &Target, observed: &Observed, state: &Deployed, region: &str) -> Plan {
    let mut actions = Vec::new();
    let role_arn = match (&target.role, &observed.role) {
        (RoleTarget::Existing { arn }, _) => Some(arn.clone()),
        (RoleTarget::Managed { .. }, Some(role)) => Some(role.arn.clone()),
        (RoleTarget::Managed { .. }, None) => None,
    };
    let account = role_arn
        .as_deref()
        .and_then(account_of)
        .or_else(|| observed.function.as_ref().and_then(|f| account_of(&f.arn)))
        .map(str::to_owned);

    // The role.
    if let RoleTarget::Managed {
        trust_policy,
        policy,
        ..
    } = &target.role
    {
        match &observed.role {
            None => {
                actions.push(Action::CreateRole);
                actions.push(Action::PutRolePolicy { create: true });
            }
            Some(role) => {
                if role.trust_policy.as_ref() != Some(trust_policy) {
                    actions.push(Action::UpdateTrustPolicy);
                }
                match &role.policy {
                    None => actions.push(Action::PutRolePolicy { create: true }),
                    Some(p) if p != policy => actions.push(Action::PutRolePolicy { create: false }),
                    Some(_) => {}
                }
                let (tags, keys) = tag_changes(&role.tags, &target.tags);
                if !tags.is_empty() {
                    actions.push(Action::TagRole { tags });
                }
                if !keys.is_empty() {
                    actions.push(Action::UntagRole { keys });
                }
            }
        }
    }

    // The function.
    match &observed.function {
        None => {
            actions.push(Action::CreateFunction);
            if let Some(c) = target.reserved_concurrency {
                actions.push(Action::PutConcurrency(c));
            }
        }
        Some(function) => {
            if function.code_sha256 != target.zip_sha256 {
                actions.push(Action::UpdateFunctionCode);
            }
            let mut changes = Vec::new();
            let (old, new) = (&function.settings, &target.function);
            let mut change = |what: &str, old: String, new: String| {
                if old != new {
                    changes.push(format!("{what} {old} → {new}"));
                }
            };
            change("runtime", function.runtime.clone(), RUNTIME.to_owned());
            change("handler", function.handler.clone(), HANDLER.to_owned());
            if let Some(arn) = &role_arn {
                change("role", function.role.clone(), arn.clone());
            }
            change(
                "memory",
                old.memory_mb.to_string(),
                new.memory_mb.to_string(),
            );
            change(
                "timeout",
                old.timeout_secs.to_string(),
                new.timeout_secs.to_string(),
            );
            if old.environment != new.environment {
                let keys =
                    |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>().join(",");
                changes.push(format!(
                    "environment [{}] → [{}]",
                    keys(&old.environment),
                    keys(&new.environment)
                ));
            }
            if old.architecture != new.architecture {
                // The architecture is set with the code (UpdateFunctionCode).
                if !actions.contains(&Action::UpdateFunctionCode) {
                    actions.push(Action::UpdateFunctionCode);
                }
            }
            if !changes.is_empty() {
                actions.push(Action::UpdateFunctionConfiguration { changes });
            }
            let (tags, keys) = tag_changes(&function.tags, &target.tags);
            if !tags.is_empty() {
                actions.push(Action::TagFunction { tags });
            }
            if !keys.is_empty() {
                actions.push(Action::UntagFunction { keys });
            }
            match (function.reserved_concurrency, target.reserved_concurrency) {
                (old, Some(new)) if old != Some(new) => actions.push(Action::PutConcurrency(new)),
                (Some(_), None) => actions.push(Action::DeleteConcurrency),
                _ => {}
            }
        }
    }

    // The log group, when a retention is configured.
    if let Some(days) = target.log_retention_days {
        match observed.log_group {
            None => {
                actions.push(Action::CreateLogGroup);
                actions.push(Action::PutRetention {
                    old: None,
                    new: days,
                });
            }
            Some(old) if old != Some(days) => actions.push(Action::PutRetention { old, new: days }),
            Some(_) => {}
        }
    } else if let Some(Some(old)) = observed.log_group {
        actions.push(Action::DeleteRetention { old });
    }

    // The REST API.
    let function_arn = observed
        .function
        .as_ref()
        .map(|f| f.arn.clone())
        .or_else(|| account.as_deref().map(|a| target.function_arn(region, a)));
    let uri = function_arn.as_deref().map(|arn| proxy_uri(region, arn));
    let empty = BTreeMap::new();
    let existing = match &observed.api {
        None => {
            actions.push(Action::CreateRestApi);
            &empty
        }
        Some(api) => {
            if let Some(old) = api
                .endpoint_type
                .as_ref()
                .filter(|t| **t != target.endpoint_type)
            {
                actions.push(Action::ChangeEndpointType {
                    old: old.clone(),
                    new: target.endpoint_type.clone(),
                });
            }
            &api.resources
        }
    };
    let wanted_paths = target.resource_paths();
    // Resources no route needs, children before their parents, and before
    // anything is created: API Gateway allows one `{param}` sibling, so
    // `/users/{id}` must be gone before `/users/{user_id}` can be made. (Real API
    // Gateway deletes a resource's subtree with it; moto leaves the children
    // behind, dangling. Leaves first is right on both.)
    let mut unwanted: Vec<&String> = existing
        .keys()
        .filter(|p| !wanted_paths.contains(*p))
        .collect();
    unwanted.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
    for path in unwanted {
        let methods = existing[path].methods.keys().cloned().collect();
        actions.push(Action::DeleteResource {
            path: path.clone(),
            methods,
        });
    }

    for path in &wanted_paths {
        // The root comes with the REST API.
        if path != "/" && !existing.contains_key(path) {
            actions.push(Action::CreateResource { path: path.clone() });
        }
    }
    let wanted_methods = target.methods();
    // Methods of removed routes, on resources that stay.
    for (path, resource) in existing {
        if !wanted_paths.contains(path) {
            continue;
        }
        for method in resource.methods.keys() {
            if !wanted_methods.contains_key(&(path.clone(), method.clone())) {
                actions.push(Action::DeleteMethod {
                    path: path.clone(),
                    method: method.clone(),
                });
            }
        }
    }
    for ((path, method), wanted) in &wanted_methods {
        let current = existing.get(path).and_then(|r| r.methods.get(method));
        match current {
            None => actions.push(Action::PutMethod {
                path: path.clone(),
                method: method.clone(),
                target: wanted.clone(),
            }),
            Some(current) => {
                let changes = method_changes(current, wanted, uri.as_deref());
                if !changes.is_empty() {
                    actions.push(Action::ReplaceMethod {
                        path: path.clone(),
                        method: method.clone(),
                        target: wanted.clone(),
                        changes,
                    });
                }
            }
        }
    }
    // The permission for API Gateway to invoke the function.
    let wanted_source = match (&observed.api, &account) {
        (Some(api), Some(account)) => Some(source_arn(region, account, &api.id)),
        _ => None,
    };
    match &observed.permission {
        None | Some(None) => actions.push(Action::AddPermission { replace: false }),
        Some(Some(current)) if Some(current) != wanted_source.as_ref() => {
            actions.push(Action::AddPermission { replace: true })
        }
        Some(Some(_)) => {}
    }

    // A deployment publishes API changes, including those of a killed deploy.
    let stage_missing = observed
        .api
        .as_ref()
        .is_none_or(|a| a.stage_deployment.is_none());
    if actions.iter().any(Action::changes_api) || stage_missing || state.pending_deployment {
        actions.push(Action::CreateDeployment);
    }
    // goblet owns its REST API: a stage other than the configured one is an
    // earlier `api_gateway_stage`, still serving the old routes at the old URL.
    if let Some(api) = &observed.api {
        for name in &api.other_stages {
            actions.push(Action::DeleteStage { name: name.clone() });
        }
    }
    // goblet's old role last, once the function has moved off it: a failure
    // here (no iam:DeleteRole, say) leaves the new configuration in place.
    if let Some(role) = role_to_retire(state, target) {
        actions.push(Action::DeleteRole {
            name: role.name.clone(),
        });
    }
    Plan { actions, account }
}

/// goblet's own role that the stage no longer uses: recorded as retired, or
/// recorded as the stage's role while the configuration now names another
/// (`iam_role_arn`). Never the role the target uses, whatever the record says.
pub fn role_to_retire<'s>(state: &'s Deployed, target: &Target) -> Option<&'s RoleRecord> {
    let in_use = |r: &RoleRecord| match &target.role {
        RoleTarget::Managed { name, .. } => r.name == *name,
        RoleTarget::Existing { arn } => r.arn == *arn,
    };
    state
        .retired_role
        .as_ref()
        .or_else(|| {
            state
                .role
                .as_ref()
                .filter(|r| r.managed && matches!(target.role, RoleTarget::Existing { .. }))
        })
        .filter(|r| !in_use(r))
}

/// The tags to set (new or changed) and the keys to remove to turn `current`
/// into `wanted`; AWS's own `aws:` tags are not goblet's to remove.
fn tag_changes(
    current: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = wanted
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = current
        .keys()
        .filter(|k| !wanted.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    (set, remove)
}

fn tag_list(tags: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(",")
}

/// What differs between a method and its target ("authorizationType NONE → AWS_IAM").
fn method_changes(current: &MethodObs, wanted: &MethodTarget, uri: Option<&str>) -> Vec<String> {
    let mut changes = Vec::new();
    if current.authorization_type != wanted.authorization_type {
        changes.push(format!(
            "authorizationType {} → {}",
            current.authorization_type, wanted.authorization_type
        ));
    }
    if current.api_key_required != wanted.api_key_required {
        changes.push(format!(
            "apiKeyRequired {} → {}",
            current.api_key_required, wanted.api_key_required
        ));
    }
    let integration_ok = match (&current.integration, &wanted.integration) {
        (
            IntegrationObs::Proxy {
                http_method,
                uri: u,
            },
            Integration::Proxy,
        ) => http_method == "POST" && uri.is_none_or(|wanted| wanted == u),
        (IntegrationObs::Mock { allow_methods }, Integration::CorsMock { allow_methods: a }) => {
            allow_methods.as_ref() == Some(a)
        }
        _ => false,
    };
    if !integration_ok {
        let now = match &current.integration {
            IntegrationObs::Missing => "none".to_owned(),
            IntegrationObs::Proxy { .. } => "AWS_PROXY (other function)".to_owned(),
            IntegrationObs::Mock { .. } => "MOCK (incomplete or other methods)".to_owned(),
            IntegrationObs::Other(t) => t.clone(),
        };
        let new = match &wanted.integration {
            Integration::Proxy => "AWS_PROXY".to_owned(),
            Integration::CorsMock { allow_methods } => format!("MOCK ({allow_methods})"),
        };
        changes.push(format!("integration {now} → {new}"));
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_change_is_described_as_such() {
        let current = MethodObs {
            authorization_type: "NONE".into(),
            api_key_required: false,
            integration: IntegrationObs::Proxy {
                http_method: "POST".into(),
                uri: "u".into(),
            },
        };
        let wanted = MethodTarget {
            authorization_type: "AWS_IAM".into(),
            api_key_required: false,
            integration: Integration::Proxy,
        };
        assert_eq!(
            method_changes(&current, &wanted, Some("u")),
            ["authorizationType NONE → AWS_IAM"]
        );
        assert_eq!(
            method_changes(&current, &wanted, Some("v")),
            [
                "authorizationType NONE → AWS_IAM",
                "integration AWS_PROXY (other function) → AWS_PROXY"
            ]
        );
    }
}
