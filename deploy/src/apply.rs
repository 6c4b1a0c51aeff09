//! Carries out a plan, one AWS call per step, recording what it created.

use std::path::Path;

use crate::DeployError;
use crate::aws::Aws;
use crate::observe::Observed;
use crate::plan::{Action, Described, Names};
use crate::resources::role;
use crate::state::{Deployed, FunctionRecord, RestApiRecord};
use crate::target::{PERMISSION_SID, Target};

/// Everything applying needs, and the ids it learns as it goes.
pub struct Apply<'a> {
    pub aws: &'a Aws,
    pub target: &'a Target,
    pub names: &'a Names,
    pub state: Deployed,
    pub state_path: &'a Path,
    pub role_arn: Option<String>,
    pub account: Option<String>,
    pub function_arn: Option<String>,
    pub api_id: Option<String>,
    /// goblet's usage plan and API key, when found.
    usage_plan_id: Option<String>,
    api_key_id: Option<String>,
    /// goblet's invoke permission is already on the function.
    pub(crate) permission_found: bool,
    /// A function update is under way: wait before the next one.
    pub(crate) function_updating: bool,
    /// The version this deploy published, for the alias.
    pub(crate) published_version: Option<String>,
    /// The event functions found (goblet's, or on record): kept on record.
    found_event_functions: Vec<String>,
    /// Print one line per action on stderr.
    pub progress: bool,
}

impl<'a> Apply<'a> {
    pub fn new(
        aws: &'a Aws,
        target: &'a Target,
        names: &'a Names,
        observed: &Observed,
        state: Deployed,
        state_path: &'a Path,
        account: Option<String>,
    ) -> Apply<'a> {
        let role_arn = role::role_arn(target, observed.role.as_ref());
        let api = observed.api.as_ref();
        Apply {
            aws,
            target,
            names,
            state,
            state_path,
            role_arn,
            account,
            function_arn: observed.function.as_ref().map(|f| f.arn.clone()),
            api_id: api.map(|a| a.id.clone()),
            usage_plan_id: observed.usage_plan.as_ref().map(|p| p.id.clone()),
            api_key_id: observed.api_key.clone(),
            permission_found: matches!(observed.permission, Some(Some(_))),
            function_updating: observed.function.as_ref().is_some_and(|f| f.busy),
            published_version: None,
            found_event_functions: observed
                .event_functions
                .iter()
                .filter(|(_, o)| {
                    o.function.as_ref().is_some_and(|f| {
                        crate::resources::function::function_is_ours(
                            f,
                            &target.app_name,
                            &target.stage,
                        )
                    })
                })
                .map(|(name, _)| name.clone())
                .collect(),
            progress: true,
        }
    }

    /// Records what exists (found or created) before anything is changed.
    pub fn record_found(&mut self) -> Result<(), DeployError> {
        let before = self.state.clone();
        // goblet's old role stays on record until it is deleted; one back in
        // use is no longer retired.
        self.state.retired_role = role::role_to_retire(&self.state, self.target).cloned();
        if let Some(arn) = &self.role_arn {
            self.state.role = Some(role::record(self.target, &self.state, arn));
        }
        if let Some(arn) = &self.function_arn {
            self.state.function = Some(FunctionRecord {
                name: self.target.function_name.clone(),
                arn: arn.clone(),
            });
        }
        if let Some(id) = &self.api_id {
            self.state.rest_api = Some(RestApiRecord {
                id: id.clone(),
                name: self.target.api_name.clone(),
            });
        }
        // Its statement id is goblet's own: added by a deploy killed before
        // it could record it.
        if self.permission_found {
            self.state.permission = Some(PERMISSION_SID.to_owned());
        }
        // Event functions as found: a name recorded before a CreateFunction
        // that never happened goes, one that exists stays (refuse_foreign
        // has made sure the target's are goblet's).
        self.state.event_functions = self.found_event_functions.clone();
        // As found (observed whenever a plan is wanted or recorded): one
        // deleted out of band is no longer on record.
        self.state.usage_plan = self.usage_plan_id.clone();
        self.state.api_key = self.api_key_id.clone();
        if self.state != before {
            self.save()?;
        }
        Ok(())
    }

    pub(crate) fn save(&self) -> Result<(), DeployError> {
        self.state
            .save(self.state_path)
            .map_err(|e| DeployError::State(self.state_path.to_owned(), e))
    }

    pub async fn run(&mut self, action: &Action) -> Result<(), DeployError> {
        if self.progress {
            eprintln!("{}", sentence(&Described(action, self.names).to_string()));
        }
        if action.changes_api() && !self.state.pending_deployment {
            self.state.pending_deployment = true;
            self.save()?;
        }
        self.step(action).await
    }

    /// Carries out one step, through its resource's module.
    async fn step(&mut self, action: &Action) -> Result<(), DeployError> {
        match action {
            // resources/role.rs
            Action::CreateRole => self.create_role().await,
            Action::UpdateTrustPolicy => self.update_trust_policy().await,
            Action::PutRolePolicy { .. } => self.put_role_policy().await,
            Action::TagRole { tags } => self.tag_role(tags).await,
            Action::UntagRole { keys } => self.untag_role(keys).await,
            Action::DeleteRole { name } => self.delete_retired_role(name).await,
            // resources/function.rs
            Action::CreateFunction => self.create_function().await,
            Action::UpdateFunctionCode => self.update_function_code().await,
            Action::UpdateFunctionConfiguration { .. } => {
                self.update_function_configuration().await
            }
            Action::PublishVersion => self.publish_version().await,
            Action::CreateAlias => self.create_alias().await,
            Action::UpdateAlias { .. } => self.update_alias().await,
            Action::TagFunction { tags } => self.tag_function(tags).await,
            Action::UntagFunction { keys } => self.untag_function(keys).await,
            Action::PutConcurrency(n) => self.put_concurrency(*n).await,
            Action::DeleteConcurrency => self.delete_concurrency().await,
            // resources/log_group.rs
            Action::CreateLogGroup => self.create_log_group().await,
            Action::PutRetention { new, .. } => self.put_retention(*new).await,
            Action::DeleteRetention { .. } => self.delete_retention().await,
            // resources/rest_api.rs
            Action::CreateRestApi => self.create_rest_api().await,
            Action::ChangeEndpointType { old, new } => self.change_endpoint_type(old, new).await,
            Action::PutRestApi { .. } => self.put_rest_api().await,
            Action::CreateDeployment => self.create_deployment().await,
            Action::DeleteStage { name } => self.delete_stage(name).await,
            // resources/permission.rs
            Action::AddPermission { replace } => self.add_permission(*replace).await,
            Action::RemoveUnqualifiedPermission => self.remove_unqualified_permission().await,
            // resources/authorizer_permission.rs
            Action::AddAuthorizerPermission {
                function_arn,
                replace,
            } => self.add_authorizer_permission(function_arn, *replace).await,
            Action::RemoveAuthorizerPermission { function_arn } => {
                self.forget_authorizer_permission(function_arn).await
            }
            // resources/usage_plan.rs
            Action::CreateApiKey => self.create_api_key().await,
            Action::CreateUsagePlan => self.create_usage_plan().await,
            Action::UpdateUsagePlan { changes } => self.update_usage_plan(changes).await,
            Action::AddUsagePlanKey { key } => self.add_usage_plan_key(key).await,
            Action::RemoveUsagePlanKey { key_id } => self.remove_usage_plan_key(key_id).await,
            Action::DeleteUsagePlan { stages } => self.delete_usage_plan(stages).await,
            Action::DeleteApiKey => self.delete_api_key().await,

            Action::CreateEventFunction { name } => self.create_event_function(name).await,
            Action::UpdateEventFunctionCode { name } => self.update_event_function_code(name).await,
            Action::UpdateEventFunctionConfiguration { name, .. } => {
                self.update_event_function_configuration(name).await
            }
            Action::TagEventFunction { name, tags } => self.tag_event_function(name, tags).await,
            Action::UntagEventFunction { name, keys } => {
                self.untag_event_function(name, keys).await
            }
            Action::CreateMapping { function, .. } => self.create_mapping(function).await,
            Action::UpdateMapping { function, uuid, .. } => {
                self.update_mapping(function, uuid).await
            }
            Action::DeleteMapping { uuid, .. } => {
                crate::resources::event_function::delete_mapping(self.aws, uuid).await?;
                Ok(())
            }
            Action::DeleteEventFunction { name } => self.delete_event_function(name).await,
            Action::PutEventConcurrency { name, n } => self.put_concurrency_of(name, *n).await,
            Action::DeleteEventConcurrency { name } => self.delete_concurrency_of(name).await,
            Action::PutRule { function, .. } => self.put_rule(function).await,
            Action::AddEventPermission { function, replace } => {
                self.add_event_permission(function, *replace).await
            }
            Action::PutRuleTarget { function } => self.put_rule_target(function).await,
            Action::DeleteRule { name, bus } => self.delete_rule_step(name, bus).await,
        }
    }

    pub(crate) fn fname(&self) -> String {
        format!("function {}", self.target.function_name)
    }

    pub(crate) fn function_arn(&self) -> Result<String, DeployError> {
        self.function_arn
            .clone()
            .ok_or_else(|| DeployError::Inconsistent("the function's ARN is not known".into()))
    }

    pub(crate) fn api_id(&self) -> Result<String, DeployError> {
        self.api_id
            .clone()
            .ok_or_else(|| DeployError::Inconsistent("the REST API's id is not known".into()))
    }
}

/// "create role x" → "Creating role x".
pub fn sentence(description: &str) -> String {
    let (verb, rest) = description.split_once(' ').unwrap_or((description, ""));
    let ing = match verb {
        "create" => "Creating",
        "change" => "Changing",
        "delete" => "Deleting",
        other => other,
    };
    format!("{ing} {rest}")
}
