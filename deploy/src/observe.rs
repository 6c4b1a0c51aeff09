//! What exists on AWS now, found by the record and by deterministic names and
//! tags (role and function name, REST API name and tags, resources by path,
//! permission by statement id). Reads only.

use crate::aws::{Aws, AwsError};
pub use crate::resources::function::FunctionObs;
pub use crate::resources::rest_api::{
    ApiObs, AuthorizerObs, IntegrationObs, MethodObs, ResourceObs,
};
pub use crate::resources::role::RoleObs;
use crate::resources::{
    authorizer_permission, event_function, function, log_group, permission, rest_api, role,
    usage_plan,
};
use crate::state::Deployed;
use crate::target::{RoleTarget, Target};

#[derive(Debug, Default)]
pub struct Observed {
    pub role: Option<RoleObs>,
    pub function: Option<FunctionObs>,
    /// The version the alias `live` points to (what API Gateway invokes).
    pub live: Option<FunctionObs>,
    /// The function's log group and its retention, when looked at.
    pub log_group: Option<Option<i32>>,
    /// goblet's invoke permission on the alias: its `SourceArn`.
    pub permission: Option<Option<String>>,
    /// The invoke permission an older goblet put on the unqualified
    /// function is still there.
    pub unqualified_permission: bool,
    /// The functions of the configuration's external authorizers, by ARN.
    pub authorizer_functions:
        std::collections::BTreeMap<String, authorizer_permission::FunctionObs>,
    pub api: Option<ApiObs>,
    pub usage_plan: Option<usage_plan::UsagePlanObs>,
    /// goblet's own API key's id.
    pub api_key: Option<String>,
    /// The app's event functions and the recorded ones it no longer has,
    /// by Lambda name.
    pub event_functions: std::collections::BTreeMap<String, event_function::EventFunctionObs>,
    /// The account's concurrency, read when the plan raises the function's
    /// reserved concurrency.
    pub account_concurrency: Option<function::AccountConcurrency>,
}

/// Looks at everything the target may already have on AWS.
pub async fn observe(aws: &Aws, target: &Target, state: &Deployed) -> Result<Observed, AwsError> {
    let mut out = Observed::default();
    if let RoleTarget::Managed { name, .. } = &target.role {
        out.role = role::observe_role(aws, name).await?;
    }
    out.function = function::observe_function(aws, &target.function_name).await?;
    if function::raises_reservation(target, out.function.as_ref()) {
        out.account_concurrency = Some(function::observe_account_concurrency(aws).await?);
    }
    if out.function.is_some() {
        out.live = function::observe_live(aws, &target.function_name).await?;
        out.unqualified_permission =
            permission::observe_unqualified_permission(aws, &target.function_name).await?;
        out.permission = Some(match out.live {
            Some(_) => permission::observe_permission(aws, &target.function_name).await?,
            None => None,
        });
    }
    out.event_functions = event_function::observe(aws, target, state).await?;
    if target.log_retention_days.is_some() || state.log_group.is_some() {
        out.log_group =
            log_group::observe_log_group(aws, &log_group::log_group_name(&target.function_name))
                .await?;
    }
    out.authorizer_functions = authorizer_permission::observe(aws, target).await?;
    let api_id = state.rest_api.as_ref().map(|r| r.id.as_str());
    out.api = rest_api::observe_api(aws, target, api_id).await?;
    if target.usage_plan.is_some() || state.usage_plan.is_some() || state.api_key.is_some() {
        (out.usage_plan, out.api_key) = usage_plan::observe(
            aws,
            &target.api_name,
            &target.app_name,
            &target.stage,
            state,
        )
        .await?;
    }
    Ok(out)
}
