//! The Lambda function: its code, configuration, tags and reserved
//! concurrency, and the version its alias [`ALIAS`] serves.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    ApplicationLogLevel, Environment, FunctionCode, LogFormat, LoggingConfig, Runtime,
};

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::resources::{goblet_tags, tag_changes};
use crate::state::FunctionRecord;
use crate::target::{
    ALIAS, FunctionSettings, HANDLER, LoggingSettings, RUNTIME, Target, account_of,
    function_description,
};

// Observe.

#[derive(Debug)]
pub struct FunctionObs {
    pub arn: String,
    /// `$LATEST`, or the published version's number.
    pub version: String,
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

/// The function as it is (`$LATEST`, where updates go).
pub async fn observe_function(aws: &Aws, name: &str) -> Result<Option<FunctionObs>, AwsError> {
    get_function(aws, name, None).await
}

/// The version [`ALIAS`] points to: what API Gateway invokes.
pub async fn observe_live(aws: &Aws, name: &str) -> Result<Option<FunctionObs>, AwsError> {
    get_function(aws, name, Some(ALIAS)).await
}

async fn get_function(
    aws: &Aws,
    name: &str,
    qualifier: Option<&str>,
) -> Result<Option<FunctionObs>, AwsError> {
    let what = match qualifier {
        Some(q) => format!("function {name}:{q}"),
        None => format!("function {name}"),
    };
    let got = found(
        aws.read_call(
            "lambda:GetFunction",
            what,
            aws.lambda
                .get_function()
                .function_name(name)
                .set_qualifier(qualifier.map(str::to_owned))
                .send(),
        )
        .await,
    )?;
    let Some(got) = got else { return Ok(None) };
    let Some(config) = got.configuration else {
        return Ok(None);
    };
    let logging = observed_logging(config.logging_config.as_ref(), name);
    Ok(Some(FunctionObs {
        description: config.description.clone().unwrap_or_default(),
        busy: function_busy(config.state.as_ref(), config.last_update_status.as_ref()),
        arn: config.function_arn.unwrap_or_default(),
        version: config.version.unwrap_or_else(|| "$LATEST".to_owned()),
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
            logging,
        },
        tags: got.tags.unwrap_or_default().into_iter().collect(),
        reserved_concurrency: got
            .concurrency
            .and_then(|c| c.reserved_concurrent_executions),
    }))
}

/// A function's `LoggingConfig` as [`LoggingSettings`]. Lambda reports a
/// level only with the JSON format (a level it kept from before is not
/// applied in text); no `LoggingConfig` at all is Lambda's default, text
/// into `/aws/lambda/{function}`.
fn observed_logging(config: Option<&LoggingConfig>, function: &str) -> LoggingSettings {
    let log_format = config
        .and_then(|c| c.log_format.as_ref())
        .map_or(LogFormat::Text.as_str(), LogFormat::as_str)
        .to_owned();
    let application_log_level = config
        .and_then(|c| c.application_log_level.as_ref())
        .filter(|_| log_format != LogFormat::Text.as_str())
        .map(|l| l.as_str().to_owned());
    LoggingSettings {
        log_format,
        application_log_level,
        log_group: config
            .and_then(|c| c.log_group.clone())
            .unwrap_or_else(|| format!("/aws/lambda/{function}")),
    }
}

/// The account's concurrency in the region (`lambda:GetAccountSettings`,
/// `AccountLimit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountConcurrency {
    /// `ConcurrentExecutions`: the region's concurrency quota.
    pub limit: i32,
    /// `UnreservedConcurrentExecutions`: the quota minus what functions
    /// reserve with PutFunctionConcurrency.
    pub unreserved: i32,
}

/// What Lambda keeps unreserved for the functions without a reservation:
/// "you can reserve concurrency for as many functions as you like, as long
/// as you leave at least 100 simultaneous executions unreserved" (Lambda API
/// reference, PutFunctionConcurrency).
pub const MIN_UNRESERVED_CONCURRENCY: i32 = 100;

/// Whether the plan raises the function's reservation (so the account's
/// unreserved concurrency must be checked): a new function with one, or a
/// larger one than it has.
pub fn raises_reservation(target: &Target, observed: Option<&FunctionObs>) -> bool {
    let current = observed.and_then(|f| f.reserved_concurrency).unwrap_or(0);
    target.reserved_concurrency.is_some_and(|n| n > current)
}

pub async fn observe_account_concurrency(aws: &Aws) -> Result<AccountConcurrency, AwsError> {
    let out = aws
        .read_call(
            "lambda:GetAccountSettings",
            "the account's concurrency",
            aws.lambda.get_account_settings().send(),
        )
        .await?;
    let limit = out
        .account_limit
        .unwrap_or_else(|| aws_sdk_lambda::types::AccountLimit::builder().build());
    Ok(AccountConcurrency {
        limit: limit.concurrent_executions,
        unreserved: limit.unreserved_concurrent_executions.unwrap_or(0),
    })
}

/// A reservation Lambda would refuse: one that leaves the account less than
/// [`MIN_UNRESERVED_CONCURRENCY`] unreserved. What the function reserves now
/// is unreserved again once the new reservation replaces it.
pub fn check_concurrency(
    target: &Target,
    observed: Option<&FunctionObs>,
    account: &AccountConcurrency,
) -> Result<(), String> {
    let Some(wanted) = target.reserved_concurrency else {
        return Ok(());
    };
    let current = observed.and_then(|f| f.reserved_concurrency).unwrap_or(0);
    if wanted <= current {
        return Ok(());
    }
    let available = account.unreserved.saturating_add(current);
    let left = available.saturating_sub(wanted);
    if left >= MIN_UNRESERVED_CONCURRENCY {
        return Ok(());
    }
    let now = if current > 0 {
        format!(
            ", {current} of them reserved by function {} now",
            target.function_name
        )
    } else {
        String::new()
    };
    let most = available - MIN_UNRESERVED_CONCURRENCY;
    let way_out = if most > 0 {
        format!("reserve at most {most}")
    } else {
        "remove reserved_concurrency".to_owned()
    };
    Err(format!(
        "reserved_concurrency = {wanted} (stage {}): the account's concurrency quota here is {} \
         with {} unreserved{now}; reserving {wanted} would leave {left} unreserved, and Lambda \
         keeps at least {MIN_UNRESERVED_CONCURRENCY} unreserved for functions without a \
         reservation: {way_out}, or ask AWS for a higher Lambda concurrent executions quota",
        target.stage, account.limit, account.unreserved
    ))
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
/// configuration, tags and reserved concurrency brought in line; then,
/// whenever the version [`ALIAS`] serves (`live`) is not what the target
/// asks for, a version published from both and the alias moved to it.
/// `role_arn` is the role it should run as, when known.
pub fn plan(
    target: &Target,
    observed: Option<&FunctionObs>,
    live: Option<&FunctionObs>,
    role_arn: Option<&str>,
) -> Vec<Action> {
    let Some(function) = observed else {
        let mut actions = vec![
            Action::CreateFunction,
            Action::PublishVersion,
            Action::CreateAlias,
        ];
        actions.extend(target.reserved_concurrency.map(Action::PutConcurrency));
        return actions;
    };
    let mut actions = Vec::new();
    if code_differs(target, function) {
        actions.push(Action::UpdateFunctionCode);
    }
    let changes = configuration_changes(target, function, role_arn);
    if !changes.is_empty() {
        actions.push(Action::UpdateFunctionConfiguration { changes });
    }
    // Also when `$LATEST` is already right: a deploy killed between its
    // updates and the alias, or an alias moved by hand.
    let serves_target = live.is_some_and(|v| {
        !code_differs(target, v) && configuration_changes(target, v, role_arn).is_empty()
    });
    if !actions.is_empty() || !serves_target {
        actions.push(Action::PublishVersion);
        actions.push(match live {
            Some(v) => Action::UpdateAlias {
                from: v.version.clone(),
            },
            None => Action::CreateAlias,
        });
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

/// The code differs (the architecture is set with the code, by
/// UpdateFunctionCode).
fn code_differs(target: &Target, function: &FunctionObs) -> bool {
    code_differs_from(&target.zip_sha256, &target.function, function)
}

/// Whether `function` runs other code than the zip of `zip_sha256` built
/// for `settings`' architecture.
pub(crate) fn code_differs_from(
    zip_sha256: &str,
    settings: &FunctionSettings,
    function: &FunctionObs,
) -> bool {
    function.code_sha256 != zip_sha256 || function.settings.architecture != settings.architecture
}

/// What UpdateFunctionConfiguration would change ("memory 128 → 256").
fn configuration_changes(
    target: &Target,
    function: &FunctionObs,
    role_arn: Option<&str>,
) -> Vec<String> {
    settings_changes(&target.function, HANDLER, function, role_arn)
}

/// What UpdateFunctionConfiguration would change to give `function` these
/// settings and `handler` ("memory 128 → 256").
pub(crate) fn settings_changes(
    new: &FunctionSettings,
    handler: &str,
    function: &FunctionObs,
    role_arn: Option<&str>,
) -> Vec<String> {
    let mut changes = Vec::new();
    let old = &function.settings;
    let mut change = |what: &str, old: String, new: String| {
        if old != new {
            changes.push(format!("{what} {old} → {new}"));
        }
    };
    change("runtime", function.runtime.clone(), RUNTIME.to_owned());
    change("handler", function.handler.clone(), handler.to_owned());
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
    let (old_log, new_log) = (&old.logging, &new.logging);
    change(
        "log format",
        old_log.log_format.clone(),
        new_log.log_format.clone(),
    );
    let level = |l: &Option<String>| l.clone().unwrap_or_else(|| "none".to_owned());
    change(
        "application log level",
        level(&old_log.application_log_level),
        level(&new_log.application_log_level),
    );
    change(
        "log group",
        old_log.log_group.clone(),
        new_log.log_group.clone(),
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

/// One of goblet's Lambda functions as CreateFunction and the updates send
/// it: the API's, or an event handler's.
#[derive(Clone, Copy)]
pub(crate) struct Spec<'a> {
    pub name: &'a str,
    pub handler: &'a str,
    pub settings: &'a FunctionSettings,
}

impl Apply<'_> {
    /// CreateFunction from the app's zip, again while Lambda cannot assume
    /// the new role yet; the function's ARN.
    pub(crate) async fn create_lambda(&mut self, spec: Spec<'_>) -> Result<String, DeployError> {
        let (aws, t) = (self.aws, self.target);
        let role = self
            .role_arn
            .clone()
            .ok_or_else(|| DeployError::Inconsistent("the role's ARN is not known".into()))?;
        let upload = Upload::start(t.zip.len());
        let out = self
            .while_role_propagates(&role, IAM_PROPAGATION, &upload, || {
                aws.write_call(
                    "lambda:CreateFunction",
                    format!("function {}", spec.name),
                    aws.lambda
                        .create_function()
                        .function_name(spec.name)
                        .runtime(Runtime::Providedal2023)
                        .handler(spec.handler)
                        .role(&role)
                        .code(
                            FunctionCode::builder()
                                .zip_file(Blob::new(t.zip.clone()))
                                .build(),
                        )
                        .architectures(spec.settings.architecture.as_str().into())
                        .memory_size(spec.settings.memory_mb)
                        .timeout(spec.settings.timeout_secs)
                        .environment(environment(spec.settings))
                        .logging_config(logging_config(spec.settings))
                        .description(function_description(&t.app_name, &t.stage))
                        .set_tags(Some(t.tags.clone().into_iter().collect()))
                        .send(),
                )
            })
            .await;
        upload.finish();
        let arn = out?.function_arn.unwrap_or_default();
        if self.account.is_none() {
            self.account = account_of(&arn).map(str::to_owned);
        }
        Ok(arn)
    }

    /// UpdateFunctionCode with the app's zip.
    pub(crate) async fn update_lambda_code(&self, spec: Spec<'_>) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let upload = Upload::start(t.zip.len());
        let result = aws
            .write_call(
                "lambda:UpdateFunctionCode",
                format!("function {}", spec.name),
                aws.lambda
                    .update_function_code()
                    .function_name(spec.name)
                    .zip_file(Blob::new(t.zip.clone()))
                    .architectures(spec.settings.architecture.as_str().into())
                    .send(),
            )
            .await;
        upload.finish();
        result?;
        Ok(())
    }

    /// UpdateFunctionConfiguration with every setting goblet manages, again
    /// while Lambda cannot assume a changed role yet.
    pub(crate) async fn update_lambda_configuration(
        &self,
        spec: Spec<'_>,
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        let role = self.role_arn.clone();
        self.while_role_propagates(
            role.as_deref().unwrap_or("(unchanged)"),
            IAM_PROPAGATION,
            &Upload(None),
            || {
                aws.write_call(
                    "lambda:UpdateFunctionConfiguration",
                    format!("function {}", spec.name),
                    aws.lambda
                        .update_function_configuration()
                        .function_name(spec.name)
                        .runtime(Runtime::Providedal2023)
                        .handler(spec.handler)
                        .set_role(role.clone())
                        .memory_size(spec.settings.memory_mb)
                        .timeout(spec.settings.timeout_secs)
                        .environment(environment(spec.settings))
                        .logging_config(logging_config(spec.settings))
                        .send(),
                )
            },
        )
        .await?;
        Ok(())
    }

    /// TagResource on the function `arn` (`name` for messages).
    pub(crate) async fn tag_lambda(
        &self,
        name: &str,
        arn: String,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        aws.write_call(
            "lambda:TagResource",
            format!("function {name}"),
            aws.lambda
                .tag_resource()
                .resource(arn)
                .set_tags(Some(tags.clone().into_iter().collect()))
                .send(),
        )
        .await?;
        Ok(())
    }

    /// UntagResource on the function `arn` (`name` for messages).
    pub(crate) async fn untag_lambda(
        &self,
        name: &str,
        arn: String,
        keys: &[String],
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        aws.write_call(
            "lambda:UntagResource",
            format!("function {name}"),
            aws.lambda
                .untag_resource()
                .resource(arn)
                .set_tag_keys(Some(keys.to_vec()))
                .send(),
        )
        .await?;
        Ok(())
    }

    fn api_spec(&self) -> Spec<'_> {
        let t = self.target;
        Spec {
            name: &t.function_name,
            handler: HANDLER,
            settings: &t.function,
        }
    }

    pub(crate) async fn create_function(&mut self) -> Result<(), DeployError> {
        let t = self.target;
        let arn = self
            .create_lambda(Spec {
                name: &t.function_name,
                handler: HANDLER,
                settings: &t.function,
            })
            .await?;
        self.function_arn = Some(arn.clone());
        self.state.function = Some(FunctionRecord {
            name: t.function_name.clone(),
            arn,
        });
        self.function_updating = true;
        self.save()
    }

    pub(crate) async fn update_function_code(&mut self) -> Result<(), DeployError> {
        self.wait_function().await?;
        self.update_lambda_code(self.api_spec()).await?;
        self.function_updating = true;
        Ok(())
    }

    pub(crate) async fn update_function_configuration(&mut self) -> Result<(), DeployError> {
        self.wait_function().await?;
        self.update_lambda_configuration(self.api_spec()).await?;
        self.function_updating = true;
        Ok(())
    }

    /// Publishes `$LATEST` (code and configuration as they are now, once
    /// every update has finished) as a version. Lambda publishes nothing
    /// new when neither changed since the last version, and returns that
    /// one: a deploy killed after this step publishes the same version
    /// again. `CodeSha256` makes Lambda refuse if other code was uploaded
    /// meanwhile.
    pub(crate) async fn publish_version(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        self.wait_function().await?;
        let out = aws
            .write_call(
                "lambda:PublishVersion",
                self.fname(),
                aws.lambda
                    .publish_version()
                    .function_name(&t.function_name)
                    .code_sha256(&t.zip_sha256)
                    .description(format!("goblet deploy of stage {}", t.stage))
                    .send(),
            )
            .await?;
        let version = out.version.ok_or_else(|| {
            DeployError::Inconsistent("PublishVersion answered without a version".into())
        })?;
        // The alias must not point at a version Lambda cannot run yet.
        self.wait_ready(Some(&version)).await?;
        self.published_version = Some(version);
        Ok(())
    }

    pub(crate) async fn create_alias(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let version = self.published_version()?;
        aws.write_call(
            "lambda:CreateAlias",
            format!("alias {}:{ALIAS}", t.function_name),
            aws.lambda
                .create_alias()
                .function_name(&t.function_name)
                .name(ALIAS)
                .function_version(version)
                .description(format!("what API Gateway invokes for stage {}", t.stage))
                .send(),
        )
        .await?;
        Ok(())
    }

    /// Moves the alias to the new version: from here on every invocation
    /// runs the new code with the new configuration.
    pub(crate) async fn update_alias(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let version = self.published_version()?;
        aws.write_call(
            "lambda:UpdateAlias",
            format!("alias {}:{ALIAS}", t.function_name),
            aws.lambda
                .update_alias()
                .function_name(&t.function_name)
                .name(ALIAS)
                .function_version(version)
                .send(),
        )
        .await?;
        Ok(())
    }

    fn published_version(&self) -> Result<String, DeployError> {
        self.published_version.clone().ok_or_else(|| {
            DeployError::Inconsistent("no version of the function was published".into())
        })
    }

    pub(crate) async fn tag_function(
        &mut self,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), DeployError> {
        let arn = self.function_arn()?;
        self.tag_lambda(&self.target.function_name, arn, tags).await
    }

    pub(crate) async fn untag_function(&mut self, keys: &[String]) -> Result<(), DeployError> {
        let arn = self.function_arn()?;
        self.untag_lambda(&self.target.function_name, arn, keys)
            .await
    }

    pub(crate) async fn put_concurrency(&mut self, n: i32) -> Result<(), DeployError> {
        self.put_concurrency_of(&self.target.function_name, n).await
    }

    pub(crate) async fn delete_concurrency(&mut self) -> Result<(), DeployError> {
        self.delete_concurrency_of(&self.target.function_name).await
    }

    /// PutFunctionConcurrency on the function `name`.
    pub(crate) async fn put_concurrency_of(&self, name: &str, n: i32) -> Result<(), DeployError> {
        let aws = self.aws;
        aws.write_call(
            "lambda:PutFunctionConcurrency",
            format!("function {name}"),
            aws.lambda
                .put_function_concurrency()
                .function_name(name)
                .reserved_concurrent_executions(n)
                .send(),
        )
        .await?;
        Ok(())
    }

    /// DeleteFunctionConcurrency on the function `name`.
    pub(crate) async fn delete_concurrency_of(&self, name: &str) -> Result<(), DeployError> {
        let aws = self.aws;
        aws.write_call(
            "lambda:DeleteFunctionConcurrency",
            format!("function {name}"),
            aws.lambda
                .delete_function_concurrency()
                .function_name(name)
                .send(),
        )
        .await?;
        Ok(())
    }

    /// Runs `call` (a CreateFunction or UpdateFunctionConfiguration naming
    /// `role`) again while Lambda says it cannot assume the role, as it does
    /// for a while after IAM has created or changed it, waiting as
    /// [`propagation_waits`] says for up to `patience` and saying so on
    /// stderr; then fails, saying what to do.
    pub(crate) async fn while_role_propagates<T, F, Fut>(
        &self,
        role: &str,
        patience: Duration,
        upload: &Upload,
        mut call: F,
    ) -> Result<T, DeployError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let started = Instant::now();
        let mut waits = propagation_waits(patience).into_iter();
        loop {
            let error = match call().await {
                Err(e) if role_not_assumable(&e) => e,
                other => return other.map_err(DeployError::from),
            };
            let Some(wait) = waits.next() else {
                return Err(DeployError::App(format!(
                    "{error}\nLambda still cannot assume role {role} after {} s of waiting for IAM. \
                     A new or changed role can take minutes to be usable everywhere (IAM is \
                     eventually consistent): run the deploy again in a few minutes. If it keeps \
                     failing, check that the role's trust policy lets lambda.amazonaws.com \
                     assume it (sts:AssumeRole).",
                    started.elapsed().as_secs()
                )));
            };
            upload.say(&format!(
                "Waiting for IAM: Lambda cannot assume role {role} yet ({} s so far, retrying in {} s)",
                started.elapsed().as_secs(),
                wait.as_secs()
            ));
            tokio::time::sleep(wait).await;
        }
    }

    /// Lambda refuses an update while the last one is in progress
    /// (ResourceConflictException): wait until it is done.
    pub async fn wait_function(&mut self) -> Result<(), DeployError> {
        if !self.function_updating {
            return Ok(());
        }
        self.wait_ready(None).await?;
        self.function_updating = false;
        Ok(())
    }

    /// Waits (up to a minute) until Lambda has finished creating or updating
    /// the function (`$LATEST`), or the published `version`.
    async fn wait_ready(&self, version: Option<&str>) -> Result<(), DeployError> {
        self.wait_ready_of(&self.target.function_name, version)
            .await
    }

    /// Waits (up to a minute) until Lambda has finished creating or
    /// updating the function `name` (`$LATEST`), or its `version`.
    pub(crate) async fn wait_ready_of(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<(), DeployError> {
        let what = match version {
            Some(v) => format!("version {v} of function {name}"),
            None => format!("function {name}"),
        };
        for _ in 0..60 {
            let config = self
                .aws
                .read_call(
                    "lambda:GetFunctionConfiguration",
                    what.clone(),
                    self.aws
                        .lambda
                        .get_function_configuration()
                        .function_name(name)
                        .set_qualifier(version.map(str::to_owned))
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
                    "Lambda could not make {what} ready: {reason}"
                )));
            }
            if !function_busy(config.state.as_ref(), config.last_update_status.as_ref()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Err(DeployError::Inconsistent(format!(
            "{what} is still updating after a minute"
        )))
    }
}

/// How long a deploy waits for Lambda to be able to assume a role. IAM
/// documents no upper bound for propagation, only that changes are
/// eventually consistent and take time to become visible everywhere; 150 s
/// is what Chalice waits for a new role (30 attempts 5 s apart) before
/// giving up.
pub const IAM_PROPAGATION: Duration = Duration::from_secs(150);

/// The waits between attempts while a role propagates: 1, 2, 4 and 8 s,
/// then every 10 s, until `patience` has been waited in all (the last wait
/// cut to fit). Quick for the usual few seconds, and at most 10 s late.
pub fn propagation_waits(patience: Duration) -> Vec<Duration> {
    let mut waits = Vec::new();
    let mut waited = Duration::ZERO;
    let mut next = Duration::from_secs(1);
    while waited < patience {
        let wait = next.min(patience - waited);
        waits.push(wait);
        waited += wait;
        next = (next * 2).min(Duration::from_secs(10));
    }
    waits
}

/// Lambda's answer while a role it is given is not (yet) assumable:
/// InvalidParameterValueException "The role defined for the function cannot
/// be assumed by Lambda."
pub fn role_not_assumable(error: &AwsError) -> bool {
    matches!(error, AwsError::Call { code: Some(code), message, .. }
        if code == "InvalidParameterValueException" && message.contains("cannot be assumed"))
}

pub(crate) fn environment(settings: &FunctionSettings) -> Environment {
    Environment::builder()
        .set_variables(Some(settings.environment.clone().into_iter().collect()))
        .build()
}

/// The `LoggingConfig` Lambda is sent: every part of it, so a format
/// turned back to text or a level removed is undone too.
pub(crate) fn logging_config(settings: &FunctionSettings) -> LoggingConfig {
    let logging = &settings.logging;
    LoggingConfig::builder()
        .log_format(LogFormat::from(logging.log_format.as_str()))
        .set_application_log_level(
            logging
                .application_log_level
                .as_deref()
                .map(ApplicationLogLevel::from),
        )
        .log_group(&logging.log_group)
        .build()
}

/// A spinner while the code uploads, when stderr is a terminal.
pub(crate) struct Upload(pub(crate) Option<indicatif::ProgressBar>);

impl Upload {
    /// A line on stderr, above the spinner if there is one.
    fn say(&self, line: &str) {
        match &self.0 {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    pub(crate) fn start(bytes: usize) -> Upload {
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

    pub(crate) fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_propagation_waits_are_quick_first_then_every_ten_seconds() {
        let secs = |waits: Vec<Duration>| waits.iter().map(Duration::as_secs).collect::<Vec<_>>();
        let waits = propagation_waits(IAM_PROPAGATION);
        assert_eq!(waits.iter().sum::<Duration>(), IAM_PROPAGATION);
        assert_eq!(secs(waits[..6].to_vec()), [1, 2, 4, 8, 10, 10]);
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(10)));
        // 1+2+4+8 = 15 s, then 13 waits of 10 s and a last one of 5 s.
        assert_eq!(waits.len(), 4 + 13 + 1, "{waits:?}");
        assert_eq!(secs(propagation_waits(Duration::from_secs(5))), [1, 2, 2]);
        assert!(propagation_waits(Duration::ZERO).is_empty());
    }

    #[test]
    fn logging_is_observed_as_lambda_applies_it() {
        let observed = |config: Option<LoggingConfig>| observed_logging(config.as_ref(), "f");
        let text = LoggingSettings {
            log_format: "Text".into(),
            application_log_level: None,
            log_group: "/aws/lambda/f".into(),
        };
        // No LoggingConfig (an old function, a stand-in without one): Lambda's default.
        assert_eq!(observed(None), text);
        // A level left over from JSON is not applied in text.
        let stale = LoggingConfig::builder()
            .log_format(LogFormat::Text)
            .application_log_level(ApplicationLogLevel::Debug)
            .log_group("/aws/lambda/f")
            .build();
        assert_eq!(observed(Some(stale)), text);
        let json = LoggingConfig::builder()
            .log_format(LogFormat::Json)
            .application_log_level(ApplicationLogLevel::Warn)
            .log_group("/custom")
            .build();
        assert_eq!(
            observed(Some(json)),
            LoggingSettings {
                log_format: "JSON".into(),
                application_log_level: Some("WARN".into()),
                log_group: "/custom".into(),
            }
        );
    }

    #[test]
    fn only_lambdas_role_error_is_retried() {
        let call = |code: &str, message: &str| AwsError::Call {
            action: "lambda:CreateFunction",
            what: "function f".into(),
            code: Some(code.into()),
            message: message.into(),
        };
        assert!(role_not_assumable(&call(
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda."
        )));
        assert!(!role_not_assumable(&call(
            "InvalidParameterValueException",
            "Reserved keys used in this request: AWS_REGION"
        )));
        assert!(!role_not_assumable(&call(
            "ResourceConflictException",
            "The role defined for the function cannot be assumed by Lambda."
        )));
    }
}
