//! The plan: what to create, change and delete to turn what exists
//! ([`Observed`]) into what the app and its configuration ask for ([`Target`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::observe::Observed;
pub use crate::resources::rest_api::ApiChange;
pub use crate::resources::role::role_to_retire;
use crate::resources::usage_plan;
pub use crate::resources::usage_plan::{KeyRef, PlanChange};
use crate::resources::{
    authorizer_permission, event_function, function, log_group, permission, rest_api, role, rule,
    tag_list,
};
use crate::state::Deployed;
use crate::target::{
    ALIAS, Target, UNQUALIFIED_PERMISSION_SID, account_of, alias_arn, api_arn, proxy_uri,
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
    /// A version of the function as it now is: code and configuration.
    PublishVersion,
    /// The alias API Gateway invokes, on the version just published.
    CreateAlias,
    /// The alias moved from version `from` to the one just published.
    UpdateAlias {
        from: String,
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
    /// The whole API definition, in one `PutRestApi` (overwrite): every
    /// difference found, however many.
    PutRestApi {
        changes: Vec<ApiChange>,
    },
    AddPermission {
        replace: bool,
    },
    /// goblet's statement on an external authorizer's function: API Gateway
    /// may call it for this stage's API.
    AddAuthorizerPermission {
        function_arn: String,
        replace: bool,
    },
    /// The statement, once no authorizer of the stage calls the function.
    RemoveAuthorizerPermission {
        function_arn: String,
    },
    /// The permission an older goblet put on the unqualified function,
    /// once the API invokes the alias.
    RemoveUnqualifiedPermission,
    /// goblet's own API key for the stage's `api_key` routes.
    CreateApiKey,
    CreateUsagePlan,
    UpdateUsagePlan {
        changes: Vec<PlanChange>,
    },
    AddUsagePlanKey {
        key: KeyRef,
    },
    RemoveUsagePlanKey {
        key_id: String,
    },
    /// No route needs a key any more (its stages are removed first).
    DeleteUsagePlan {
        stages: Vec<(String, String)>,
    },
    DeleteApiKey,
    CreateDeployment,
    /// The Lambda function of an event handler or plain function.
    CreateEventFunction {
        name: String,
    },
    UpdateEventFunctionCode {
        name: String,
    },
    UpdateEventFunctionConfiguration {
        name: String,
        changes: Vec<String>,
    },
    TagEventFunction {
        name: String,
        tags: BTreeMap<String, String>,
    },
    UntagEventFunction {
        name: String,
        keys: Vec<String>,
    },
    /// The event source mapping of `function` on `source` (as the
    /// attribute names it).
    CreateMapping {
        function: String,
        source: String,
    },
    UpdateMapping {
        function: String,
        uuid: String,
        changes: Vec<String>,
    },
    DeleteMapping {
        function: String,
        uuid: String,
        source: String,
    },
    /// A function of a handler the app no longer has.
    DeleteEventFunction {
        name: String,
    },
    PutEventConcurrency {
        name: String,
        n: i32,
    },
    DeleteEventConcurrency {
        name: String,
    },
    /// The EventBridge rule of `function` (PutRule: created when `changes`
    /// is empty).
    PutRule {
        function: String,
        changes: Vec<String>,
    },
    /// EventBridge may invoke `function`, for its rule only.
    AddEventPermission {
        function: String,
        replace: bool,
    },
    /// The function as its rule's target.
    PutRuleTarget {
        function: String,
    },
    /// A rule the app no longer has: its targets, then it.
    DeleteRule {
        name: String,
        bus: String,
    },
}

impl Action {
    pub fn kind(&self) -> Kind {
        match self {
            Action::CreateRole
            | Action::PutRolePolicy { create: true }
            | Action::CreateFunction
            | Action::PublishVersion
            | Action::CreateAlias
            | Action::CreateLogGroup
            | Action::CreateRestApi
            | Action::AddPermission { replace: false }
            | Action::AddAuthorizerPermission { replace: false, .. }
            | Action::CreateApiKey
            | Action::CreateUsagePlan
            | Action::AddUsagePlanKey { .. }
            | Action::CreateEventFunction { .. }
            | Action::CreateMapping { .. }
            | Action::PutRuleTarget { .. }
            | Action::AddEventPermission { replace: false, .. }
            | Action::CreateDeployment => Kind::Create,
            Action::DeleteRole { .. }
            | Action::RemoveUsagePlanKey { .. }
            | Action::DeleteUsagePlan { .. }
            | Action::DeleteApiKey
            | Action::RemoveUnqualifiedPermission
            | Action::RemoveAuthorizerPermission { .. }
            | Action::DeleteMapping { .. }
            | Action::DeleteRule { .. }
            | Action::DeleteEventFunction { .. }
            | Action::DeleteStage { .. } => Kind::Delete,
            _ => Kind::Change,
        }
    }

    /// Touches the REST API (and so needs a deployment to be seen).
    pub fn changes_api(&self) -> bool {
        matches!(self, Action::CreateRestApi | Action::PutRestApi { .. })
    }

    /// What the action does, a line each: a `PutRestApi` says each of its
    /// changes (the planned resources and methods, as a user thinks of
    /// them), every other action itself.
    pub fn lines(&self, names: &Names) -> Vec<(Kind, String)> {
        match self {
            Action::PutRestApi { changes } => changes
                .iter()
                .map(|c| (c.kind, c.description.clone()))
                .collect(),
            other => vec![(other.kind(), Described(other, names).to_string())],
        }
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
            Action::PublishVersion => write!(
                f,
                "create function {} version (its code and configuration, together)",
                n.function
            ),
            Action::CreateAlias => write!(f, "create alias {}:{ALIAS}", n.function),
            Action::UpdateAlias { from } => write!(
                f,
                "change alias {}:{ALIAS} version {from} → the new version",
                n.function
            ),
            Action::RemoveUnqualifiedPermission => write!(
                f,
                "delete permission {UNQUALIFIED_PERMISSION_SID} of function {} (the API invokes \
                 alias {ALIAS} now)",
                n.function
            ),
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
            Action::PutRestApi { changes } => write!(
                f,
                "change REST API {} definition: {} change{} in one PutRestApi",
                n.api,
                changes.len(),
                if changes.len() == 1 { "" } else { "s" }
            ),
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
            Action::AddAuthorizerPermission {
                function_arn,
                replace: false,
            } => write!(
                f,
                "create permission apigateway.amazonaws.com → lambda:InvokeFunction {function_arn} \
                 (authorizers of REST API {})",
                n.api
            ),
            Action::AddAuthorizerPermission {
                function_arn,
                replace: true,
            } => write!(
                f,
                "change permission apigateway.amazonaws.com → lambda:InvokeFunction {function_arn} \
                 (SourceArn: authorizers of REST API {})",
                n.api
            ),
            Action::RemoveAuthorizerPermission { function_arn } => write!(
                f,
                "delete permission of REST API {} on {function_arn} (no authorizer calls it now)",
                n.api
            ),
            Action::CreateDeployment => write!(f, "create deployment to stage {}", n.stage),
            Action::CreateApiKey => write!(f, "create API key {}", n.api),
            Action::CreateUsagePlan => {
                write!(f, "create usage plan {} for stage {}", n.api, n.stage)
            }
            Action::UpdateUsagePlan { changes } => write!(
                f,
                "change usage plan {} {}",
                n.api,
                crate::resources::usage_plan::describe_changes(changes, &n.stage)
            ),
            Action::AddUsagePlanKey {
                key: KeyRef::Managed,
            } => {
                write!(f, "create usage plan key {} (goblet's API key)", n.api)
            }
            Action::AddUsagePlanKey {
                key: KeyRef::Id(id),
            } => {
                write!(f, "create usage plan key {id}")
            }
            Action::RemoveUsagePlanKey { key_id } => write!(f, "delete usage plan key {key_id}"),
            Action::DeleteUsagePlan { .. } => write!(f, "delete usage plan {}", n.api),
            Action::DeleteApiKey => write!(f, "delete API key {}", n.api),
            Action::CreateEventFunction { name } => write!(f, "create function {name}"),
            Action::UpdateEventFunctionCode { name } => write!(f, "change function {name} code"),
            Action::UpdateEventFunctionConfiguration { name, changes } => {
                write!(f, "change function {name} {}", changes.join(", "))
            }
            Action::TagEventFunction { name, tags } => {
                write!(f, "change function {name} tags {}", tag_list(tags))
            }
            Action::UntagEventFunction { name, keys } => {
                write!(f, "change function {name} untag {}", keys.join(","))
            }
            Action::CreateMapping { function, source } => {
                write!(
                    f,
                    "create event source mapping {source} → function {function}"
                )
            }
            Action::UpdateMapping {
                function,
                uuid,
                changes,
            } => write!(
                f,
                "change event source mapping {uuid} of function {function} {}",
                changes.join(", ")
            ),
            Action::DeleteMapping {
                function,
                uuid,
                source,
            } => write!(
                f,
                "delete event source mapping {uuid} ({source} → function {function})"
            ),
            Action::DeleteEventFunction { name } => {
                write!(
                    f,
                    "delete function {name} (its handler is gone from the app)"
                )
            }
            Action::PutEventConcurrency { name, n } => {
                write!(f, "change function {name} reserved concurrency → {n}")
            }
            Action::DeleteEventConcurrency { name } => {
                write!(f, "change function {name} reserved concurrency → none")
            }
            Action::PutRule { function, changes } if changes.is_empty() => {
                write!(f, "create EventBridge rule {function}")
            }
            Action::PutRule { function, changes } => {
                write!(
                    f,
                    "change EventBridge rule {function} {}",
                    changes.join(", ")
                )
            }
            Action::AddEventPermission {
                function,
                replace: false,
            } => write!(
                f,
                "create permission events.amazonaws.com → lambda:InvokeFunction {function}"
            ),
            Action::AddEventPermission {
                function,
                replace: true,
            } => write!(
                f,
                "change permission events.amazonaws.com → lambda:InvokeFunction {function} \
                 (SourceArn)"
            ),
            Action::PutRuleTarget { function } => {
                write!(
                    f,
                    "create EventBridge rule {function} target → function {function}"
                )
            }
            Action::DeleteRule { name, bus } => {
                write!(f, "delete EventBridge rule {name} on bus {bus}")
            }
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

/// The steps, in the dependency order AWS needs: the role before the
/// function (which runs as it), the log group, the REST API (whose
/// integrations name the function), the permission (whose `SourceArn` names
/// the API), the deployment after every API change, the stale stages, and
/// goblet's retired role last, once the function has moved off it.
pub fn plan(target: &Target, observed: &Observed, state: &Deployed, region: &str) -> Plan {
    let role_arn = role::role_arn(target, observed.role.as_ref());
    let account = role_arn
        .as_deref()
        .and_then(account_of)
        .or_else(|| observed.function.as_ref().and_then(|f| account_of(&f.arn)))
        .map(str::to_owned);
    let function_arn = function::expected_arn(
        target,
        observed.function.as_ref(),
        account.as_deref(),
        region,
    );
    // API Gateway invokes the alias, never `$LATEST`.
    let uri = function_arn
        .as_deref()
        .map(|arn| proxy_uri(region, &alias_arn(arn)));
    let api = observed.api.as_ref();
    // The role the function should run as, even when this plan creates it.
    let function_role =
        role::planned_arn(target, observed.role.as_ref(), account.as_deref(), region);

    let mut actions = role::plan(target, observed.role.as_ref(), region);
    actions.extend(function::plan(
        target,
        observed.function.as_ref(),
        observed.live.as_ref(),
        function_role.as_deref(),
    ));
    let (event_functions, event_deletions) = event_function::plan(
        target,
        &observed.event_functions,
        function_role.as_deref(),
        account.as_deref(),
        region,
    );
    actions.extend(event_functions);
    actions.extend(log_group::plan(target, observed.log_group));
    let policy = target
        .resource_policy
        .as_ref()
        .map(|p| match (api, account.as_deref()) {
            (Some(a), Some(account)) => {
                crate::openapi::expand_policy(p, &api_arn(region, account, &a.id))
            }
            _ => p.clone(),
        });
    actions.extend(rest_api::plan(target, api, uri.as_deref(), policy.as_ref()));
    actions.extend(permission::plan(
        observed.permission.as_ref(),
        api.map(|a| a.id.as_str()),
        account.as_deref(),
        region,
    ));
    let (grants, revokes): (Vec<Action>, Vec<Action>) = authorizer_permission::plan(
        target,
        &observed.authorizer_functions,
        &state.authorizer_permissions,
        api.map(|a| a.id.as_str()),
        account.as_deref(),
        region,
    )
    .into_iter()
    .partition(|a| matches!(a, Action::AddAuthorizerPermission { .. }));
    actions.extend(grants);
    // After every API change, so that it publishes them all.
    let deployment = rest_api::plan_deployment(api, state, &actions);
    actions.extend(deployment);
    // Once the deployed API no longer has the authorizer.
    actions.extend(revokes);
    // Once the deployed API invokes the alias.
    if observed.unqualified_permission {
        actions.push(Action::RemoveUnqualifiedPermission);
    }
    // After the deployment (a plan's stage must exist), before stale stages
    // go (API Gateway refuses to delete a stage that is in a usage plan).
    actions.extend(usage_plan::plan(
        target,
        observed.usage_plan.as_ref(),
        observed.api_key.as_deref(),
        api.map(|a| a.id.as_str()),
    ));
    actions.extend(rest_api::plan_stale_stages(api));
    // Rules before the functions they run.
    actions.extend(rule::plan_stale(target, state));
    actions.extend(event_deletions);
    // goblet's old role last, once the function has moved off it: a failure
    // here (no iam:DeleteRole, say) leaves the new configuration in place.
    actions.extend(role::plan_retired(state, target));
    Plan { actions, account }
}

/// What AWS would refuse of the plan, found from what was observed, before
/// any change is made (and in a dry run): a reserved concurrency the
/// account cannot spare.
pub fn check(target: &Target, observed: &Observed) -> Result<(), crate::DeployError> {
    if let Some(account) = &observed.account_concurrency {
        function::check_concurrency(target, observed.function.as_ref(), account)
            .map_err(crate::DeployError::App)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::{
        ApiObs, AuthorizerObs, FunctionObs, IntegrationObs, MethodObs, ResourceObs, RoleObs,
    };
    use crate::resources::authorizer_permission::FunctionObs as AuthorizerFunctionObs;
    use crate::resources::rest_api::method_changes;
    use crate::state::RoleRecord;
    use crate::target::{FunctionSettings, LoggingSettings};
    use crate::target::{HANDLER, Integration, MethodTarget, RUNTIME, RoleTarget, source_arn};
    use goblet_core::logging::{LogFormat, LogLevel, Logging};
    use goblet_core::{AuthorizationType, Manifest, Method, Route};
    use serde_json::json;

    const REGION: &str = "us-east-1";
    const ACCOUNT: &str = "123456789012";
    const API_ID: &str = "api123";
    const USER_ROLE: &str = "arn:aws:iam::123456789012:role/user-role";
    const OTHER_USER_ROLE: &str = "arn:aws:iam::123456789012:role/other-role";
    const NONE: AuthorizationType = AuthorizationType::None;
    const IAM: AuthorizationType = AuthorizationType::AwsIam;

    /// A route: (path, method, authorization, cors).
    type R = (&'static str, Method, AuthorizationType, bool);
    type Routes = &'static [R];
    type Paths = &'static [&'static str];
    /// Picks a step out of a plan.
    type Step = fn(&Action) -> bool;

    const MANAGED_ROLE: &str = "arn:aws:iam::123456789012:role/app-dev";
    const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:app-dev";
    /// The version the alias serves in [`deployed`].
    const LIVE_VERSION: &str = "3";

    fn managed() -> RoleTarget {
        RoleTarget::Managed {
            name: "app-dev".into(),
            trust_policy: json!({"Statement": [{"Principal": {"Service": "lambda"}}]}),
            policy: json!({"Statement": [{"Action": "logs:PutLogEvents"}]}),
        }
    }

    fn existing(arn: &str) -> RoleTarget {
        RoleTarget::Existing { arn: arn.into() }
    }

    fn target(role: RoleTarget, routes: &[R]) -> Target {
        let routes = routes
            .iter()
            .map(|&(path, method, authorization_type, cors)| Route {
                authorization_type,
                cors,
                source: format!("src/main.rs:{path}{}", method.as_str()),
                ..Route::new(method, path, "h")
            })
            .collect();
        Target {
            app_name: "app".into(),
            stage: "dev".into(),
            function_name: "app-dev".into(),
            role,
            function: FunctionSettings {
                architecture: "x86_64".into(),
                memory_mb: 128,
                timeout_secs: 30,
                environment: BTreeMap::new(),
                logging: LoggingSettings::new(&Default::default(), "/aws/lambda/app-dev".into()),
            },
            tags: BTreeMap::from([
                ("goblet:app".to_owned(), "app".to_owned()),
                ("goblet:stage".to_owned(), "dev".to_owned()),
            ]),
            reserved_concurrency: None,
            log_retention_days: None,
            api_name: "app-dev".into(),
            api_stage: "api".into(),
            endpoint_type: "REGIONAL".into(),
            resource_policy: None,
            usage_plan: None,
            event_functions: vec![],
            manifest: Manifest::new("0".into(), "app".into(), routes).unwrap(),
            zip: vec![],
            zip_sha256: "sha-of-zip".into(),
        }
    }

    /// What AWS holds once `target` has been deployed, the function running as
    /// `function_role`.
    fn deployed(target: &Target, function_role: &str) -> Observed {
        let uri = proxy_uri(REGION, &alias_arn(FUNCTION_ARN));
        let mut resources: BTreeMap<String, ResourceObs> = target
            .resource_paths()
            .into_iter()
            .map(|path| {
                let id = format!("id-{path}");
                (
                    path,
                    ResourceObs {
                        id,
                        methods: BTreeMap::new(),
                    },
                )
            })
            .collect();
        for ((path, method), wanted) in target.methods() {
            let integration = match wanted.integration {
                Integration::Proxy => IntegrationObs::Proxy {
                    http_method: "POST".into(),
                    uri: uri.clone(),
                },
                Integration::CorsMock { allow_methods } => IntegrationObs::Mock {
                    allow_methods: Some(allow_methods),
                    content_handling: Some(crate::package::MOCK_CONTENT_HANDLING.into()),
                },
            };
            let obs = MethodObs {
                authorization_type: wanted.authorization_type,
                api_key_required: wanted.api_key_required,
                authorizer: wanted.authorizer,
                authorization_scopes: wanted.authorization_scopes,
                integration,
            };
            resources
                .get_mut(&path)
                .unwrap()
                .methods
                .insert(method, obs);
        }
        let role = match &target.role {
            RoleTarget::Managed {
                trust_policy,
                policy,
                ..
            } => Some(RoleObs {
                arn: MANAGED_ROLE.into(),
                trust_policy: Some(trust_policy.clone()),
                policy: Some(policy.clone()),
                tags: role::role_tags(target, REGION),
            }),
            RoleTarget::Existing { .. } => None,
        };
        let function = |version: &str| FunctionObs {
            arn: FUNCTION_ARN.into(),
            version: version.into(),
            description: String::new(),
            code_sha256: target.zip_sha256.clone(),
            runtime: RUNTIME.into(),
            handler: HANDLER.into(),
            role: function_role.into(),
            settings: target.function.clone(),
            tags: target.tags.clone(),
            reserved_concurrency: target.reserved_concurrency,
            busy: false,
        };
        Observed {
            role,
            function: Some(function("$LATEST")),
            live: Some(function(LIVE_VERSION)),
            unqualified_permission: false,
            authorizer_functions: crate::resources::authorizer_permission::wanted(target)
                .into_iter()
                .map(|arn| {
                    let source = crate::resources::authorizer_permission::source_arn(
                        REGION, ACCOUNT, API_ID,
                    );
                    (arn, AuthorizerFunctionObs::Readable(Some(source)))
                })
                .collect(),
            log_group: target.log_retention_days.map(Some),
            event_functions: BTreeMap::new(),
            permission: Some(Some(source_arn(REGION, ACCOUNT, API_ID))),
            api: Some(ApiObs {
                id: API_ID.into(),
                endpoint_type: Some(target.endpoint_type.clone()),
                resources,
                stage_deployment: Some("dep1".into()),
                other_stages: vec![],
                binary_media_types: crate::package::BINARY_MEDIA_TYPES
                    .map(str::to_owned)
                    .to_vec(),
                policy: target
                    .resource_policy
                    .as_ref()
                    .map(|p| crate::openapi::expand_policy(p, &api_arn(REGION, ACCOUNT, API_ID))),
                gateway_responses: crate::package::gateway_responses(&target.manifest),
                authorizers: target
                    .manifest
                    .authorizers
                    .iter()
                    .map(|a| {
                        let obs = AuthorizerObs {
                            id: format!("auth-{}", a.name),
                            kind: a.kind.as_str().into(),
                            uri: uri.clone(),
                            identity_sources: a.identity_sources.clone(),
                            ttl_seconds: a.ttl_seconds as i32,
                            provider_arns: vec![],
                        };
                        (a.name.clone(), obs)
                    })
                    .chain(target.manifest.external_authorizers.iter().map(|a| {
                        let obs = AuthorizerObs {
                            id: format!("auth-{}", a.name),
                            kind: a.kind.as_str().into(),
                            uri: crate::openapi::external_uri(a),
                            identity_sources: a.identity_sources.clone(),
                            ttl_seconds: a.ttl_seconds as i32,
                            provider_arns: vec![],
                        };
                        (a.name.clone(), obs)
                    }))
                    .chain(target.manifest.cognito_authorizers.iter().map(|a| {
                        // As API Gateway lists one: no function.
                        let obs = AuthorizerObs {
                            id: format!("auth-{}", a.name),
                            kind: "COGNITO_USER_POOLS".into(),
                            uri: String::new(),
                            identity_sources: vec![a.identity_source.clone()],
                            ttl_seconds: a.ttl_seconds as i32,
                            provider_arns: a.provider_arns.clone(),
                        };
                        (a.name.clone(), obs)
                    }))
                    .collect(),
            }),
            usage_plan: None,
            api_key: None,
            account_concurrency: None,
        }
    }

    /// The record goblet keeps for a stage whose function runs as `role`.
    /// The function's logging with the JSON format, at `level` (Lambda's
    /// default, INFO, when `None`).
    fn json_logging(level: Option<LogLevel>) -> LoggingSettings {
        let logging = Logging {
            format: LogFormat::Json,
            level,
        };
        LoggingSettings::new(&logging, "/aws/lambda/app-dev".into())
    }

    fn record(role: Option<(&str, bool)>) -> Deployed {
        Deployed {
            role: role.map(|(arn, managed)| RoleRecord {
                name: arn.rsplit('/').next().unwrap().into(),
                arn: arn.into(),
                managed,
            }),
            ..Deployed::default()
        }
    }

    fn run(target: &Target, observed: &Observed, state: &Deployed) -> Vec<Action> {
        plan(target, observed, state, REGION).actions
    }

    /// Where the first action matching `pred` is; panics with the plan if none does.
    fn position(actions: &[Action], what: &str, pred: impl Fn(&Action) -> bool) -> usize {
        actions
            .iter()
            .position(pred)
            .unwrap_or_else(|| panic!("no {what} in {actions:#?}"))
    }

    fn is_deployment(a: &Action) -> bool {
        *a == Action::CreateDeployment
    }

    #[test]
    fn auth_change_is_described_as_such() {
        let current = MethodObs {
            authorization_type: "NONE".into(),
            api_key_required: false,
            authorizer: None,
            authorization_scopes: vec![],
            integration: IntegrationObs::Proxy {
                http_method: "POST".into(),
                uri: "u".into(),
            },
        };
        let wanted = MethodTarget {
            authorization_type: "AWS_IAM".into(),
            api_key_required: false,
            authorizer: None,
            authorization_scopes: vec![],
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

    const USERS_ID: &[R] = &[("/users/{id}", Method::Get, NONE, false)];

    #[test]
    fn an_unchanged_stage_plans_nothing() {
        let with_settings = |mut t: Target| {
            t.reserved_concurrency = Some(5);
            t.log_retention_days = Some(14);
            t
        };
        let json_debug = |mut t: Target| {
            t.function.logging = json_logging(Some(LogLevel::Debug));
            t
        };
        let rows: Vec<(&str, Target, &str, Deployed)> = vec![
            (
                "managed role",
                target(managed(), USERS_ID),
                MANAGED_ROLE,
                record(Some((MANAGED_ROLE, true))),
            ),
            (
                "iam_role_arn",
                target(existing(USER_ROLE), USERS_ID),
                USER_ROLE,
                record(Some((USER_ROLE, false))),
            ),
            (
                "routes with CORS, IAM auth and the root",
                target(
                    managed(),
                    &[
                        ("/", Method::Get, NONE, false),
                        ("/items/{id}", Method::Put, IAM, true),
                        ("/items/{id}/tags", Method::Delete, IAM, false),
                    ],
                ),
                MANAGED_ROLE,
                record(Some((MANAGED_ROLE, true))),
            ),
            (
                "concurrency and log retention",
                with_settings(target(managed(), USERS_ID)),
                MANAGED_ROLE,
                record(Some((MANAGED_ROLE, true))),
            ),
            (
                "JSON logs at DEBUG",
                json_debug(target(managed(), USERS_ID)),
                MANAGED_ROLE,
                record(Some((MANAGED_ROLE, true))),
            ),
        ];
        for (name, target, function_role, state) in rows {
            let actions = run(&target, &deployed(&target, function_role), &state);
            assert_eq!(actions, [], "{name}");
        }
    }

    #[test]
    fn a_first_deploy_creates_the_role_before_the_function() {
        let t = target(managed(), USERS_ID);
        let actions = run(&t, &Observed::default(), &Deployed::default());
        assert_eq!(
            actions,
            [
                Action::CreateRole,
                Action::PutRolePolicy { create: true },
                Action::CreateFunction,
                Action::PublishVersion,
                Action::CreateAlias,
                Action::CreateRestApi,
                Action::PutRestApi {
                    changes: vec![
                        ApiChange {
                            kind: Kind::Create,
                            description: "create resource /users".into()
                        },
                        ApiChange {
                            kind: Kind::Create,
                            description: "create resource /users/{id}".into()
                        },
                        ApiChange {
                            kind: Kind::Create,
                            description:
                                "create method GET /users/{id} authorizationType NONE → function"
                                    .into()
                        },
                    ]
                },
                Action::AddPermission { replace: false },
                Action::CreateDeployment,
            ]
        );
    }

    #[test]
    fn code_and_configuration_go_live_together_through_a_version() {
        let t = target(managed(), USERS_ID);
        let state = record(Some((MANAGED_ROLE, true)));
        let publish = || {
            vec![
                Action::PublishVersion,
                Action::UpdateAlias {
                    from: LIVE_VERSION.into(),
                },
            ]
        };
        let memory = || Action::UpdateFunctionConfiguration {
            changes: vec!["memory 64 → 128".into()],
        };
        type Edit = fn(&mut Observed);
        let rows: Vec<(&str, Edit, Vec<Action>)> = vec![
            (
                "new code",
                |o| o.function.as_mut().unwrap().code_sha256 = "old".into(),
                [vec![Action::UpdateFunctionCode], publish()].concat(),
            ),
            (
                "new configuration",
                |o| o.function.as_mut().unwrap().settings.memory_mb = 64,
                [vec![memory()], publish()].concat(),
            ),
            (
                "both: published once both are applied",
                |o| {
                    let f = o.function.as_mut().unwrap();
                    f.code_sha256 = "old".into();
                    f.settings.memory_mb = 64;
                },
                [vec![Action::UpdateFunctionCode, memory()], publish()].concat(),
            ),
            (
                "logs turned back to text",
                |o| o.function.as_mut().unwrap().settings.logging = json_logging(None),
                [
                    vec![Action::UpdateFunctionConfiguration {
                        changes: vec![
                            "log format JSON → Text".into(),
                            "application log level INFO → none".into(),
                        ],
                    }],
                    publish(),
                ]
                .concat(),
            ),
            (
                "the log group moved by hand",
                |o| {
                    o.function.as_mut().unwrap().settings.logging.log_group = "/custom".into();
                },
                [
                    vec![Action::UpdateFunctionConfiguration {
                        changes: vec!["log group /custom → /aws/lambda/app-dev".into()],
                    }],
                    publish(),
                ]
                .concat(),
            ),
            (
                "the live version still logs as JSON",
                |o| o.live.as_mut().unwrap().settings.logging = json_logging(None),
                publish(),
            ),
            (
                "updated, killed before the alias moved",
                |o| o.live.as_mut().unwrap().settings.memory_mb = 64,
                publish(),
            ),
            (
                "the alias moved by hand to other code",
                |o| o.live.as_mut().unwrap().code_sha256 = "other".into(),
                publish(),
            ),
            (
                "killed before the alias was created",
                |o| {
                    o.live = None;
                    o.permission = Some(None);
                },
                vec![
                    Action::PublishVersion,
                    Action::CreateAlias,
                    Action::AddPermission { replace: false },
                ],
            ),
            (
                "only tags: the version is unchanged",
                |o| {
                    o.function
                        .as_mut()
                        .unwrap()
                        .tags
                        .insert("k".into(), "v".into());
                },
                vec![Action::UntagFunction {
                    keys: vec!["k".into()],
                }],
            ),
        ];
        for (name, edit, expected) in rows {
            let mut observed = deployed(&t, MANAGED_ROLE);
            edit(&mut observed);
            assert_eq!(run(&t, &observed, &state), expected, "{name}");
        }
    }

    /// A stage an older goblet deployed: the API invoked the unqualified
    /// function, whose policy held the permission.
    #[test]
    fn a_stage_deployed_without_the_alias_moves_onto_it() {
        let t = target(managed(), USERS_ID);
        let mut observed = deployed(&t, MANAGED_ROLE);
        observed.live = None;
        observed.permission = Some(None);
        observed.unqualified_permission = true;
        let unqualified = proxy_uri(REGION, FUNCTION_ARN);
        for resource in observed.api.as_mut().unwrap().resources.values_mut() {
            for method in resource.methods.values_mut() {
                if let IntegrationObs::Proxy { uri, .. } = &mut method.integration {
                    *uri = unqualified.clone();
                }
            }
        }
        let actions = run(&t, &observed, &record(Some((MANAGED_ROLE, true))));
        let kinds: Vec<&str> = actions
            .iter()
            .map(|a| match a {
                Action::PublishVersion => "publish",
                Action::CreateAlias => "alias",
                Action::PutRestApi { .. } => "api",
                Action::AddPermission { replace: false } => "permission",
                Action::CreateDeployment => "deployment",
                Action::RemoveUnqualifiedPermission => "old permission",
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "publish",
                "alias",
                "api",
                "permission",
                "deployment",
                "old permission"
            ]
        );
    }

    #[test]
    fn role_changes_come_before_function_changes() {
        let t = target(managed(), USERS_ID);
        let state = record(Some((MANAGED_ROLE, true)));
        type Edit = fn(&mut Observed);
        let rows: &[(&str, Edit, Step, Step)] = &[
            (
                "role deleted out of band, code changed",
                |o| {
                    o.role = None;
                    o.function.as_mut().unwrap().code_sha256 = "old".into();
                },
                |a| *a == Action::CreateRole,
                |a| *a == Action::UpdateFunctionCode,
            ),
            (
                "logs policy changed, memory changed",
                |o| {
                    o.role.as_mut().unwrap().policy = Some(json!({"old": true}));
                    o.function.as_mut().unwrap().settings.memory_mb = 256;
                },
                |a| *a == Action::PutRolePolicy { create: false },
                |a| matches!(a, Action::UpdateFunctionConfiguration { .. }),
            ),
            (
                "trust policy changed, function on another role",
                |o| {
                    o.role.as_mut().unwrap().trust_policy = None;
                    o.function.as_mut().unwrap().role = USER_ROLE.into();
                },
                |a| *a == Action::UpdateTrustPolicy,
                |a| matches!(a, Action::UpdateFunctionConfiguration { .. }),
            ),
        ];
        for (name, edit, role_step, function_step) in rows {
            let mut observed = deployed(&t, MANAGED_ROLE);
            edit(&mut observed);
            let actions = run(&t, &observed, &state);
            let role_at = position(&actions, "role step", role_step);
            let function_at = position(&actions, "function step", function_step);
            assert!(role_at < function_at, "{name}: {actions:#?}");
        }
    }

    #[test]
    fn unwanted_resources_are_deleted_before_new_ones_are_created() {
        let rows: &[(&str, Routes, Routes, Paths, Paths)] = &[
            (
                "a {param} renamed",
                USERS_ID,
                &[("/users/{name}", Method::Get, NONE, false)],
                &["/users/{id}"],
                &["/users/{name}"],
            ),
            (
                "a {param} renamed under a child, children deleted first",
                &[("/users/{id}/posts/{post}", Method::Get, NONE, false)],
                &[("/users/{name}/posts/{post}", Method::Get, NONE, false)],
                &[
                    "/users/{id}/posts/{post}",
                    "/users/{id}/posts",
                    "/users/{id}",
                ],
                &[
                    "/users/{name}",
                    "/users/{name}/posts",
                    "/users/{name}/posts/{post}",
                ],
            ),
            (
                "a {param} route replaced by a literal one and another {param}",
                &[("/a/{x}", Method::Get, NONE, false)],
                &[
                    ("/a/{y}", Method::Get, NONE, false),
                    ("/a/b", Method::Post, NONE, false),
                ],
                &["/a/{x}"],
                &["/a/b", "/a/{y}"],
            ),
        ];
        for (name, before, after, deleted, created) in rows {
            let old = target(managed(), before);
            let new = target(managed(), after);
            let actions = run(
                &new,
                &deployed(&old, MANAGED_ROLE),
                &record(Some((MANAGED_ROLE, true))),
            );
            let puts: Vec<&Vec<ApiChange>> = actions
                .iter()
                .filter_map(|a| match a {
                    Action::PutRestApi { changes } => Some(changes),
                    _ => None,
                })
                .collect();
            assert_eq!(puts.len(), 1, "{name}: one PutRestApi: {actions:#?}");
            let changes = puts[0];
            let resources = |verb: &str| -> Vec<(usize, String)> {
                changes
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        let rest = c.description.strip_prefix(verb)?;
                        let path = rest.split(' ').next()?;
                        Some((i, path.to_owned()))
                    })
                    .collect()
            };
            let deletes = resources("delete resource ");
            let creates = resources("create resource ");
            let paths =
                |v: &[(usize, String)]| v.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>();
            assert_eq!(paths(&deletes), *deleted, "{name}: {changes:#?}");
            assert_eq!(paths(&creates), *created, "{name}: {changes:#?}");
            let last_delete = deletes.iter().map(|(i, _)| *i).max().unwrap();
            let first_create = creates.iter().map(|(i, _)| *i).min().unwrap();
            assert!(last_delete < first_create, "{name}: {changes:#?}");
            assert!(
                actions
                    .iter()
                    .all(|a| matches!(a, Action::PutRestApi { .. })
                        || *a == Action::CreateDeployment),
                "{name}: nothing but the API definition and a deployment: {actions:#?}"
            );
        }
    }

    #[test]
    fn a_deployment_follows_every_api_change() {
        let before: &[R] = &[
            ("/users/{id}", Method::Get, NONE, false),
            ("/users/{id}", Method::Delete, NONE, false),
        ];
        let rows: &[(&str, Routes, Step)] = &[
            (
                "method added",
                &[
                    ("/users/{id}", Method::Get, NONE, false),
                    ("/users/{id}", Method::Delete, NONE, false),
                    ("/users/{id}", Method::Put, NONE, false),
                ],
                |a| matches!(a, Action::PutRestApi { changes } if changes.iter().any(|c| c.description.starts_with("create method PUT /users/{id}"))),
            ),
            (
                "method removed",
                &[("/users/{id}", Method::Get, NONE, false)],
                |a| matches!(a, Action::PutRestApi { changes } if changes.iter().any(|c| c.description.starts_with("delete method DELETE /users/{id}"))),
            ),
            (
                "auth changed",
                &[
                    ("/users/{id}", Method::Get, IAM, false),
                    ("/users/{id}", Method::Delete, NONE, false),
                ],
                |a| matches!(a, Action::PutRestApi { changes } if changes.iter().any(|c| c.description.starts_with("change GET /users/{id} authorizationType NONE → AWS_IAM"))),
            ),
            (
                "CORS added",
                &[
                    ("/users/{id}", Method::Get, NONE, true),
                    ("/users/{id}", Method::Delete, NONE, false),
                ],
                |a| matches!(a, Action::PutRestApi { changes } if changes.iter().any(|c| c.description.starts_with("create method OPTIONS /users/{id}"))),
            ),
            (
                "resource removed",
                &[("/", Method::Get, NONE, false)],
                |a| matches!(a, Action::PutRestApi { changes } if changes.iter().any(|c| c.description.starts_with("delete resource /users"))),
            ),
        ];
        for (name, after, change) in rows {
            let old = target(managed(), before);
            let new = target(managed(), after);
            let actions = run(
                &new,
                &deployed(&old, MANAGED_ROLE),
                &record(Some((MANAGED_ROLE, true))),
            );
            position(&actions, name, change);
            let deployments: Vec<usize> = (0..actions.len())
                .filter(|&i| is_deployment(&actions[i]))
                .collect();
            assert_eq!(deployments.len(), 1, "{name}: {actions:#?}");
            let last_api_change = actions.iter().rposition(Action::changes_api).unwrap();
            assert!(last_api_change < deployments[0], "{name}: {actions:#?}");
        }
    }

    /// What the `PutRestApi`s among `actions` change, as `--dry-run` says it.
    fn descriptions(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .flat_map(|a| match a {
                Action::PutRestApi { changes } => {
                    changes.iter().map(|c| c.description.clone()).collect()
                }
                _ => vec![],
            })
            .collect()
    }

    #[test]
    fn authorizers_are_created_changed_and_deleted_by_the_one_put() {
        let with = |ttl: u32| {
            let mut t = target(managed(), USERS_ID);
            t.manifest = crate::target::tests_support::target_with_authorizers(ttl).manifest;
            t
        };
        let without = target(managed(), &[("/", Method::Get, NONE, false)]);
        let state = record(Some((MANAGED_ROLE, true)));
        // Unchanged: nothing at all.
        assert_eq!(
            run(&with(300), &deployed(&with(300), MANAGED_ROLE), &state),
            []
        );
        // A new TTL: one change in one PutRestApi, then one deployment.
        let actions = run(&with(60), &deployed(&with(300), MANAGED_ROLE), &state);
        assert_eq!(
            descriptions(&actions),
            ["change authorizer tokens ttl 300 s → 60 s"]
        );
        assert_eq!(actions.len(), 2, "{actions:#?}");
        assert!(is_deployment(&actions[1]), "{actions:#?}");
        // New authorizers, and the methods behind them.
        let made = descriptions(&run(&with(300), &deployed(&without, MANAGED_ROLE), &state));
        for expected in [
            "create authorizer tokens (TOKEN, ttl 300 s)",
            "create authorizer tenants (REQUEST, ttl 0 s)",
            "create method GET /orders authorizationType CUSTOM",
        ] {
            assert!(
                made.iter().any(|d| d.starts_with(expected)),
                "{expected}: {made:#?}"
            );
        }
        // Gone from the app: deleted with their methods.
        let gone = descriptions(&run(&without, &deployed(&with(300), MANAGED_ROLE), &state));
        for expected in [
            "delete authorizer tenants",
            "delete authorizer tokens",
            "delete resource /orders",
        ] {
            assert!(
                gone.iter().any(|d| d.starts_with(expected)),
                "{expected}: {gone:#?}"
            );
        }
    }

    #[test]
    fn user_pool_authorizers_and_scopes_are_diffed_by_the_one_put() {
        use crate::target::tests_support::{POOL_ARN, target_with_user_pools};
        const OTHER_POOL: &str =
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool2";
        let with = |pools: &[&str]| {
            let mut t = target(managed(), USERS_ID);
            t.manifest = target_with_user_pools(pools).manifest;
            t
        };
        let without = target(managed(), &[("/", Method::Get, NONE, false)]);
        let state = record(Some((MANAGED_ROLE, true)));
        let one = with(&[POOL_ARN]);
        let two = with(&[POOL_ARN, OTHER_POOL]);
        // Unchanged: nothing at all, the pools' order in the listing aside.
        assert_eq!(run(&one, &deployed(&one, MANAGED_ROLE), &state), []);
        let reversed = with(&[OTHER_POOL, POOL_ARN]);
        assert_eq!(run(&two, &deployed(&reversed, MANAGED_ROLE), &state), []);
        // Another pool: one change, one deployment.
        let actions = run(&two, &deployed(&one, MANAGED_ROLE), &state);
        assert_eq!(
            descriptions(&actions),
            [format!(
                "change authorizer users providerARNs {POOL_ARN} → {POOL_ARN}, {OTHER_POOL}"
            )]
        );
        assert_eq!(actions.len(), 2, "{actions:#?}");
        assert!(is_deployment(&actions[1]), "{actions:#?}");
        // New: the authorizer, and the methods with their scopes.
        let made = descriptions(&run(&one, &deployed(&without, MANAGED_ROLE), &state));
        for expected in [
            "create authorizer users (COGNITO_USER_POOLS, ttl 300 s)",
            "create method GET /me authorizationType COGNITO_USER_POOLS",
            "create method GET /reports authorizationType COGNITO_USER_POOLS",
        ] {
            assert!(
                made.iter().any(|d| d.starts_with(expected)),
                "{expected}: {made:#?}"
            );
        }
        // A method's scopes changed.
        let mut observed = deployed(&one, MANAGED_ROLE);
        let reports = observed
            .api
            .as_mut()
            .unwrap()
            .resources
            .get_mut("/reports")
            .unwrap();
        reports.methods.get_mut("GET").unwrap().authorization_scopes = vec!["reports/read".into()];
        let changed = descriptions(&run(&one, &observed, &state));
        assert_eq!(changed.len(), 1, "{changed:#?}");
        assert!(
            changed[0].ends_with("authorizationScopes reports/read → reports/read, reports/all"),
            "{changed:#?}"
        );
        // Gone from the app: deleted.
        let gone = descriptions(&run(&without, &deployed(&one, MANAGED_ROLE), &state));
        assert!(
            gone.iter().any(|d| d == "delete authorizer users"),
            "{gone:#?}"
        );
    }

    #[test]
    fn external_authorizers_call_their_function_and_hold_a_permission_on_it() {
        use crate::resources::authorizer_permission::statement_id;
        use crate::state::AuthorizerPermissionRecord;
        use crate::target::tests_support::target_with_external_authorizer;
        const AUTH: &str = "arn:aws:lambda:us-east-1:123456789012:function:auth";
        const OTHER: &str = "arn:aws:lambda:eu-west-1:123456789012:function:auth2:live";
        let with = |arn: Option<&str>| {
            let mut t = target(managed(), USERS_ID);
            t.manifest = target_with_external_authorizer(arn).manifest;
            t
        };
        let record_of = |arn: &str| AuthorizerPermissionRecord {
            function_arn: arn.into(),
            statement_id: statement_id("app-dev", REGION),
        };
        let mut state = record(Some((MANAGED_ROLE, true)));
        state.authorizer_permissions = vec![record_of(AUTH)];
        let auth = with(Some(AUTH));
        // Unchanged: nothing at all.
        assert_eq!(run(&auth, &deployed(&auth, MANAGED_ROLE), &state), []);
        // New: the authorizer calling the function, then goblet's statement
        // on it (the API must exist for its SourceArn), then the deployment.
        let without = with(None);
        let fresh = record(Some((MANAGED_ROLE, true)));
        let actions = run(&auth, &deployed(&without, MANAGED_ROLE), &fresh);
        assert!(
            descriptions(&actions)
                .iter()
                .any(|d| d.starts_with("create authorizer shared (TOKEN, ttl 300 s)")),
            "{actions:#?}"
        );
        let add = actions
            .iter()
            .position(|a| {
                *a == Action::AddAuthorizerPermission {
                    function_arn: AUTH.into(),
                    replace: false,
                }
            })
            .unwrap_or_else(|| panic!("{actions:#?}"));
        let put = actions.iter().position(Action::changes_api).unwrap();
        let deployment = actions.iter().position(is_deployment).unwrap();
        assert!(put < add && add < deployment, "{actions:#?}");
        // A statement for another API (or none): replaced.
        let mut observed = deployed(&auth, MANAGED_ROLE);
        observed.authorizer_functions.insert(
            AUTH.into(),
            AuthorizerFunctionObs::Readable(Some("arn:aws:execute-api:x".into())),
        );
        assert_eq!(
            run(&auth, &observed, &state),
            [Action::AddAuthorizerPermission {
                function_arn: AUTH.into(),
                replace: true
            }]
        );
        // A function whose policy cannot be read is its owner's to grant.
        observed
            .authorizer_functions
            .insert(AUTH.into(), AuthorizerFunctionObs::NotReadable);
        assert_eq!(run(&auth, &observed, &state), []);
        // Another function: the authorizer calls it, it gets the statement,
        // and the old one loses it once the new API is deployed.
        let mut observed = deployed(&auth, MANAGED_ROLE);
        observed.authorizer_functions.clear();
        let other = with(Some(OTHER));
        let actions = run(&other, &observed, &state);
        assert!(
            descriptions(&actions).iter().any(|d| d
                == "change authorizer shared function → \
                    arn:aws:lambda:eu-west-1:123456789012:function:auth2:live"),
            "{actions:#?}"
        );
        let remove = actions
            .iter()
            .position(|a| {
                *a == Action::RemoveAuthorizerPermission {
                    function_arn: AUTH.into(),
                }
            })
            .unwrap_or_else(|| panic!("{actions:#?}"));
        let deployment = actions.iter().position(is_deployment).unwrap();
        assert!(deployment < remove, "{actions:#?}");
        assert!(actions.contains(&Action::AddAuthorizerPermission {
            function_arn: OTHER.into(),
            replace: false
        }));
        // The authorizer removed: its statement goes, after the deployment.
        let actions = run(&without, &deployed(&auth, MANAGED_ROLE), &state);
        assert_eq!(
            actions.last(),
            Some(&Action::RemoveAuthorizerPermission {
                function_arn: AUTH.into()
            }),
            "{actions:#?}"
        );
    }

    #[test]
    fn no_deployment_without_an_api_change() {
        let t = target(managed(), USERS_ID);
        type Edit = fn(&mut Observed, &mut Deployed);
        let rows: &[(&str, Edit, bool)] = &[
            ("nothing changed", |_, _| {}, false),
            (
                "code changed",
                |o, _| o.function.as_mut().unwrap().code_sha256 = "old".into(),
                false,
            ),
            (
                "memory and tags changed",
                |o, _| {
                    let f = o.function.as_mut().unwrap();
                    f.settings.memory_mb = 512;
                    f.tags.insert("team".into(), "x".into());
                },
                false,
            ),
            (
                "permission's SourceArn changed",
                |o, _| o.permission = Some(Some("arn:other".into())),
                false,
            ),
            (
                // Takes effect at once: no deployment needed.
                "endpoint type changed",
                |o, _| o.api.as_mut().unwrap().endpoint_type = Some("EDGE".into()),
                false,
            ),
            (
                "an old stage left behind",
                |o, _| o.api.as_mut().unwrap().other_stages = vec!["old".into()],
                false,
            ),
            (
                "a killed deploy's change unpublished",
                |_, s| s.pending_deployment = true,
                true,
            ),
            (
                "the stage is missing",
                |o, _| o.api.as_mut().unwrap().stage_deployment = None,
                true,
            ),
        ];
        for (name, edit, deploys) in rows {
            let mut observed = deployed(&t, MANAGED_ROLE);
            let mut state = record(Some((MANAGED_ROLE, true)));
            edit(&mut observed, &mut state);
            let actions = run(&t, &observed, &state);
            assert!(!actions.iter().any(Action::changes_api), "{name}");
            assert_eq!(
                actions.iter().any(is_deployment),
                *deploys,
                "{name}: {actions:#?}"
            );
            if !deploys && *name != "nothing changed" {
                assert!(!actions.is_empty(), "{name}: the row changes something");
            }
        }
    }

    #[test]
    fn the_retired_role_is_deleted_last_after_the_function_moves_off_it() {
        let goblet_role = RoleRecord {
            name: "app-dev".into(),
            arn: MANAGED_ROLE.into(),
            managed: true,
        };
        // (row, target role, the function's role now, the record's role and retired role, routes)
        let rows: Vec<(&str, RoleTarget, &str, Deployed, &[R])> = vec![
            (
                "managed role → iam_role_arn",
                existing(USER_ROLE),
                MANAGED_ROLE,
                record(Some((MANAGED_ROLE, true))),
                USERS_ID,
            ),
            (
                "managed role → iam_role_arn, with API changes",
                existing(USER_ROLE),
                MANAGED_ROLE,
                record(Some((MANAGED_ROLE, true))),
                &[("/users/{name}", Method::Post, IAM, true)],
            ),
            (
                "one iam_role_arn → another, goblet's old role still retired",
                existing(OTHER_USER_ROLE),
                USER_ROLE,
                Deployed {
                    retired_role: Some(goblet_role.clone()),
                    ..record(Some((USER_ROLE, false)))
                },
                USERS_ID,
            ),
        ];
        for (name, role, function_role, state, routes) in rows {
            let old = target(existing(USER_ROLE), USERS_ID);
            let new = target(role, routes);
            let mut observed = deployed(&old, function_role);
            observed.api.as_mut().unwrap().other_stages = vec!["old".into()];
            let actions = run(&new, &observed, &state);
            assert_eq!(
                actions.last(),
                Some(&Action::DeleteRole {
                    name: "app-dev".into()
                }),
                "{name}: {actions:#?}"
            );
            assert_eq!(
                actions
                    .iter()
                    .filter(|a| matches!(a, Action::DeleteRole { .. }))
                    .count(),
                1,
                "{name}"
            );
            let moved = position(&actions, "the function's move", |a| {
                matches!(a, Action::UpdateFunctionConfiguration { changes }
                    if changes.iter().any(|c| c.starts_with("role ")))
            });
            assert!(moved < actions.len() - 1, "{name}");
        }
    }

    #[test]
    fn a_killed_deploys_retired_role_is_deleted_last() {
        // The function already runs as the user's role; only the deletion is left.
        let t = target(existing(USER_ROLE), USERS_ID);
        let state = Deployed {
            retired_role: Some(RoleRecord {
                name: "app-dev".into(),
                arn: MANAGED_ROLE.into(),
                managed: true,
            }),
            ..record(Some((USER_ROLE, false)))
        };
        let mut observed = deployed(&t, USER_ROLE);
        observed.function.as_mut().unwrap().code_sha256 = "old".into();
        assert_eq!(
            run(&t, &observed, &state),
            [
                Action::UpdateFunctionCode,
                Action::PublishVersion,
                Action::UpdateAlias {
                    from: LIVE_VERSION.into()
                },
                Action::DeleteRole {
                    name: "app-dev".into()
                }
            ]
        );
    }

    #[test]
    fn the_role_in_use_is_never_deleted() {
        let goblet_role = RoleRecord {
            name: "app-dev".into(),
            arn: MANAGED_ROLE.into(),
            managed: true,
        };
        let rows: Vec<(&str, RoleTarget, Deployed)> = vec![
            (
                "iam_role_arn names goblet's own role",
                existing(MANAGED_ROLE),
                record(Some((MANAGED_ROLE, true))),
            ),
            (
                "back to the managed role that was retired",
                managed(),
                Deployed {
                    retired_role: Some(goblet_role.clone()),
                    ..record(Some((USER_ROLE, false)))
                },
            ),
            (
                "iam_role_arn → another, the old one the user's",
                existing(OTHER_USER_ROLE),
                record(Some((USER_ROLE, false))),
            ),
        ];
        for (name, role, state) in rows {
            let t = target(role, USERS_ID);
            let actions = run(&t, &deployed(&t, MANAGED_ROLE), &state);
            assert!(
                !actions
                    .iter()
                    .any(|a| matches!(a, Action::DeleteRole { .. })),
                "{name}: {actions:#?}"
            );
            assert_eq!(role_to_retire(&state, &t), None, "{name}");
        }
    }

    /// Going back from `iam_role_arn` to goblet's managed role after the
    /// managed role was deleted: one deploy creates the role and moves the
    /// function onto it (the role's ARN is known before it exists).
    #[test]
    fn returning_to_a_managed_role_moves_the_function_onto_it() {
        let t = target(managed(), USERS_ID);
        let mut observed = deployed(&t, USER_ROLE);
        observed.role = None;
        let actions = run(&t, &observed, &record(Some((USER_ROLE, false))));
        let created = position(&actions, "CreateRole", |a| *a == Action::CreateRole);
        let moved = position(&actions, "the function's move", |a| {
            matches!(a, Action::UpdateFunctionConfiguration { changes }
                if changes == &[format!("role {USER_ROLE} → {MANAGED_ROLE}")])
        });
        assert!(created < moved, "{actions:#?}");
    }

    #[test]
    fn the_managed_role_is_tagged_with_its_region() {
        let t = target(managed(), USERS_ID);
        // A role made before roles were per region: tagged once, then left be.
        let mut observed = deployed(&t, MANAGED_ROLE);
        observed
            .role
            .as_mut()
            .unwrap()
            .tags
            .remove(crate::target::TAG_REGION);
        let state = record(Some((MANAGED_ROLE, true)));
        assert_eq!(
            run(&t, &observed, &state),
            [Action::TagRole {
                tags: BTreeMap::from([("goblet:region".to_owned(), REGION.to_owned())])
            }]
        );
        assert_eq!(run(&t, &deployed(&t, MANAGED_ROLE), &state), []);
    }

    #[test]
    fn a_reservation_the_account_cannot_spare_is_refused_before_any_change() {
        use crate::resources::function::{AccountConcurrency, raises_reservation};
        // (wanted, reserved by the function now (None: no function yet),
        // the account's unreserved concurrency, refused with these words)
        type Case = (
            Option<i32>,
            Option<Option<i32>>,
            i32,
            &'static [&'static str],
        );
        let refused = &[] as &[&str];
        let cases: &[Case] = &[
            (None, None, 100, refused),
            (Some(0), None, 100, refused),
            (Some(5), None, 105, refused),
            (
                Some(6),
                None,
                105,
                &[
                    "reserved_concurrency = 6 (stage dev)",
                    "quota here is 1000 with 105 unreserved",
                    "leave 99 unreserved",
                    "at least 100",
                    "reserve at most 5",
                ],
            ),
            (
                Some(10),
                Some(None),
                105,
                &["leave 95 unreserved", "reserve at most 5"],
            ),
            // What the function reserves now comes back to the account.
            (Some(10), Some(Some(5)), 105, refused),
            (
                Some(11),
                Some(Some(5)),
                105,
                &[
                    "105 unreserved, 5 of them reserved by function app-dev now",
                    "leave 99 unreserved",
                    "reserve at most 10",
                ],
            ),
            // Lowering or keeping a reservation never takes concurrency away.
            (Some(5), Some(Some(5)), 0, refused),
            (Some(3), Some(Some(5)), 0, refused),
            (
                Some(1),
                None,
                90,
                &["leave 89 unreserved", "remove reserved_concurrency"],
            ),
        ];
        for (i, &(wanted, current, unreserved, words)) in cases.iter().enumerate() {
            let mut t = target(managed(), USERS_ID);
            t.reserved_concurrency = wanted;
            let mut observed = deployed(&t, MANAGED_ROLE);
            match current {
                None => observed.function = None,
                Some(reserved) => {
                    observed.function.as_mut().unwrap().reserved_concurrency = reserved
                }
            }
            let raises = raises_reservation(&t, observed.function.as_ref());
            // The account is read only when the reservation grows.
            let grows = wanted.unwrap_or(0) > current.flatten().unwrap_or(0);
            assert_eq!(raises, grows, "case {i}");
            observed.account_concurrency = raises.then_some(AccountConcurrency {
                limit: 1000,
                unreserved,
            });
            match (check(&t, &observed), words.is_empty()) {
                (Ok(()), true) => {}
                (Err(e), false) => {
                    let message = e.to_string();
                    for word in words {
                        assert!(message.contains(word), "case {i}: no {word:?} in {message}");
                    }
                }
                (got, _) => panic!("case {i}: expected {words:?}, got {got:?}"),
            }
        }
    }
}
