//! The Lambda function: its code, configuration, tags and reserved
//! concurrency.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::resources::{goblet_tags, tag_changes};
use crate::state::FunctionRecord;
use crate::target::{FunctionSettings, HANDLER, RUNTIME, Target, account_of, function_description};

// Observe.

#[derive(Debug)]
pub struct FunctionObs {
    pub arn: String,
    pub description: String,
    pub code_sha256: String,
    pub runtime: String,
    pub handler: String,
    pub role: String,
    pub settings: FunctionSettings,
    pub tags: BTreeMap<String, String>,
    pub reserved_concurrency: Option<i32>,
    /// Lambda is still creating or updating it (a deploy killed mid-update):
    /// the next update must wait, or Lambda refuses it.
    pub busy: bool,
}

pub async fn observe_function(aws: &Aws, name: &str) -> Result<Option<FunctionObs>, AwsError> {
    let got = found(
        aws.read_call(
            "lambda:GetFunction",
            format!("function {name}"),
            aws.lambda.get_function().function_name(name).send(),
        )
        .await,
    )?;
    let Some(got) = got else { return Ok(None) };
    let Some(config) = got.configuration else {
        return Ok(None);
    };
    Ok(Some(FunctionObs {
        description: config.description.clone().unwrap_or_default(),
        busy: function_busy(config.state.as_ref(), config.last_update_status.as_ref()),
        arn: config.function_arn.unwrap_or_default(),
        code_sha256: config.code_sha256.unwrap_or_default(),
        runtime: config
            .runtime
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default(),
        handler: config.handler.unwrap_or_default(),
        role: config.role.unwrap_or_default(),
        settings: FunctionSettings {
            architecture: config
                .architectures
                .unwrap_or_default()
                .first()
                .map(|a| a.as_str().to_owned())
                .unwrap_or_else(|| "x86_64".to_owned()),
            memory_mb: config.memory_size.unwrap_or(128),
            timeout_secs: config.timeout.unwrap_or(3),
            environment: config
                .environment
                .and_then(|e| e.variables)
                .unwrap_or_default()
                .into_iter()
                .collect(),
        },
        tags: got.tags.unwrap_or_default().into_iter().collect(),
        reserved_concurrency: got
            .concurrency
            .and_then(|c| c.reserved_concurrent_executions),
    }))
}

/// Lambda is still creating the function or applying an update to it, and
/// refuses another update until it is done (ResourceConflictException).
pub fn function_busy(
    state: Option<&aws_sdk_lambda::types::State>,
    update: Option<&aws_sdk_lambda::types::LastUpdateStatus>,
) -> bool {
    state.is_some_and(|s| s.as_str() == "Pending")
        || update.is_some_and(|u| u.as_str() == "InProgress")
}

/// Whether goblet made this function for this app and stage.
pub fn function_is_ours(function: &FunctionObs, app: &str, stage: &str) -> bool {
    goblet_tags(&function.tags, app, stage)
        || function.description == function_description(app, stage)
}

/// The function's ARN: the one that exists, else the one it will have in
/// `account` (when known).
pub fn expected_arn(
    target: &Target,
    observed: Option<&FunctionObs>,
    account: Option<&str>,
    region: &str,
) -> Option<String> {
    observed
        .map(|f| f.arn.clone())
        .or_else(|| account.map(|a| target.function_arn(region, a)))
}

// Plan.

/// The function: created (with its reserved concurrency), or its code,
/// configuration, tags and reserved concurrency brought in line. `role_arn`
/// is the role it should run as, when known.
pub fn plan(
    target: &Target,
    observed: Option<&FunctionObs>,
    role_arn: Option<&str>,
) -> Vec<Action> {
    let Some(function) = observed else {
        let mut actions = vec![Action::CreateFunction];
        actions.extend(target.reserved_concurrency.map(Action::PutConcurrency));
        return actions;
    };
    let mut actions = Vec::new();
    let code_changed = function.code_sha256 != target.zip_sha256
        // The architecture is set with the code (UpdateFunctionCode).
        || function.settings.architecture != target.function.architecture;
    if code_changed {
        actions.push(Action::UpdateFunctionCode);
    }
    let changes = configuration_changes(target, function, role_arn);
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
    actions.extend(concurrency_change(
        function.reserved_concurrency,
        target.reserved_concurrency,
    ));
    actions
}

/// What UpdateFunctionConfiguration would change ("memory 128 → 256").
fn configuration_changes(
    target: &Target,
    function: &FunctionObs,
    role_arn: Option<&str>,
) -> Vec<String> {
    let mut changes = Vec::new();
    let (old, new) = (&function.settings, &target.function);
    let mut change = |what: &str, old: String, new: String| {
        if old != new {
            changes.push(format!("{what} {old} → {new}"));
        }
    };
    change("runtime", function.runtime.clone(), RUNTIME.to_owned());
    change("handler", function.handler.clone(), HANDLER.to_owned());
    if let Some(arn) = role_arn {
        change("role", function.role.clone(), arn.to_owned());
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
        let keys = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>().join(",");
        changes.push(format!(
            "environment [{}] → [{}]",
            keys(&old.environment),
            keys(&new.environment)
        ));
    }
    changes
}

fn concurrency_change(old: Option<i32>, new: Option<i32>) -> Option<Action> {
    match (old, new) {
        (old, Some(new)) if old != Some(new) => Some(Action::PutConcurrency(new)),
        (Some(_), None) => Some(Action::DeleteConcurrency),
        _ => None,
    }
}

// Apply.

impl Apply<'_> {
    pub(crate) async fn create_function(&mut self) -> Result<(), DeployError> {
        let aws = self.aws;
        let t = self.target;
        let role = self
            .role_arn
            .clone()
            .ok_or_else(|| DeployError::Inconsistent("the role's ARN is not known".into()))?;
        let upload = Upload::start(t.zip.len());
        // A role IAM has just created can take seconds to be assumable by
        // Lambda; it says so with this InvalidParameterValueException.
        let mut delay = Duration::from_secs(2);
        let out = loop {
            let result = aws
                .write_call(
                    "lambda:CreateFunction",
                    self.fname(),
                    aws.lambda
                        .create_function()
                        .function_name(&t.function_name)
                        .runtime(Runtime::Providedal2023)
                        .handler(HANDLER)
                        .role(&role)
                        .code(
                            FunctionCode::builder()
                                .zip_file(Blob::new(t.zip.clone()))
                                .build(),
                        )
                        .architectures(t.function.architecture.as_str().into())
                        .memory_size(t.function.memory_mb)
                        .timeout(t.function.timeout_secs)
                        .environment(environment(t))
                        .description(function_description(&t.app_name, &t.stage))
                        .set_tags(Some(t.tags.clone().into_iter().collect()))
                        .send(),
                )
                .await;
            match result {
                Err(AwsError::Call { ref message, .. })
                    if message.contains("cannot be assumed") && delay < Duration::from_secs(40) =>
                {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                other => break other,
            }
        };
        upload.finish();
        let out = out?;
        let arn = out.function_arn.unwrap_or_default();
        if self.account.is_none() {
            self.account = account_of(&arn).map(str::to_owned);
        }
        self.function_arn = Some(arn.clone());
        self.state.function = Some(FunctionRecord {
            name: t.function_name.clone(),
            arn,
        });
        self.function_updating = true;
        self.save()
    }

    pub(crate) async fn update_function_code(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        self.wait_function().await?;
        let upload = Upload::start(t.zip.len());
        let result = aws
            .write_call(
                "lambda:UpdateFunctionCode",
                format!("function {}", t.function_name),
                aws.lambda
                    .update_function_code()
                    .function_name(&t.function_name)
                    .zip_file(Blob::new(t.zip.clone()))
                    .architectures(t.function.architecture.as_str().into())
                    .send(),
            )
            .await;
        upload.finish();
        result?;
        self.function_updating = true;
        Ok(())
    }

    pub(crate) async fn update_function_configuration(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        self.wait_function().await?;
        aws.write_call(
            "lambda:UpdateFunctionConfiguration",
            format!("function {}", t.function_name),
            aws.lambda
                .update_function_configuration()
                .function_name(&t.function_name)
                .runtime(Runtime::Providedal2023)
                .handler(HANDLER)
                .set_role(self.role_arn.clone())
                .memory_size(t.function.memory_mb)
                .timeout(t.function.timeout_secs)
                .environment(environment(t))
                .send(),
        )
        .await?;
        self.function_updating = true;
        Ok(())
    }

    pub(crate) async fn tag_function(
        &mut self,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        let function = self.function_arn()?;
        aws.write_call(
            "lambda:TagResource",
            self.fname(),
            aws.lambda
                .tag_resource()
                .resource(function)
                .set_tags(Some(tags.clone().into_iter().collect()))
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn untag_function(&mut self, keys: &[String]) -> Result<(), DeployError> {
        let aws = self.aws;
        let function = self.function_arn()?;
        aws.write_call(
            "lambda:UntagResource",
            self.fname(),
            aws.lambda
                .untag_resource()
                .resource(function)
                .set_tag_keys(Some(keys.to_vec()))
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn put_concurrency(&mut self, n: i32) -> Result<(), DeployError> {
        let aws = self.aws;
        aws.write_call(
            "lambda:PutFunctionConcurrency",
            self.fname(),
            aws.lambda
                .put_function_concurrency()
                .function_name(&self.target.function_name)
                .reserved_concurrent_executions(n)
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn delete_concurrency(&mut self) -> Result<(), DeployError> {
        let aws = self.aws;
        aws.write_call(
            "lambda:DeleteFunctionConcurrency",
            self.fname(),
            aws.lambda
                .delete_function_concurrency()
                .function_name(&self.target.function_name)
                .send(),
        )
        .await?;
        Ok(())
    }

    /// Lambda refuses an update while the last one is in progress
    /// (ResourceConflictException): wait until it is done.
    pub async fn wait_function(&mut self) -> Result<(), DeployError> {
        if !self.function_updating {
            return Ok(());
        }
        for _ in 0..60 {
            let config = self
                .aws
                .read_call(
                    "lambda:GetFunctionConfiguration",
                    self.fname(),
                    self.aws
                        .lambda
                        .get_function_configuration()
                        .function_name(&self.target.function_name)
                        .send(),
                )
                .await?;
            let failed = config
                .state
                .as_ref()
                .is_some_and(|s| s.as_str() == "Failed")
                || config
                    .last_update_status
                    .as_ref()
                    .is_some_and(|s| s.as_str() == "Failed");
            if failed {
                let reason = config
                    .last_update_status_reason
                    .or(config.state_reason)
                    .unwrap_or_else(|| "no reason given".into());
                return Err(DeployError::Inconsistent(format!(
                    "Lambda could not make function {} ready: {reason}",
                    self.target.function_name
                )));
            }
            if !function_busy(config.state.as_ref(), config.last_update_status.as_ref()) {
                self.function_updating = false;
                return Ok(());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Err(DeployError::Inconsistent(format!(
            "function {} is still updating after a minute",
            self.target.function_name
        )))
    }
}

fn environment(t: &Target) -> Environment {
    Environment::builder()
        .set_variables(Some(t.function.environment.clone().into_iter().collect()))
        .build()
}

/// A spinner while the code uploads, when stderr is a terminal.
struct Upload(Option<indicatif::ProgressBar>);

impl Upload {
    fn start(bytes: usize) -> Upload {
        if !std::io::stderr().is_terminal() {
            return Upload(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(format!(
            "uploading bootstrap.zip ({})",
            indicatif::HumanBytes(bytes as u64)
        ));
        bar.enable_steady_tick(Duration::from_millis(100));
        Upload(Some(bar))
    }

    fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
