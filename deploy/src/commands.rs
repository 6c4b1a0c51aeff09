//! The commands: each builds a runtime, loads the AWS configuration and runs.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_lambda::primitives::Blob;
use serde_json::Value;

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, found};
use crate::observe::{Observed, observe};
use crate::plan::{Kind, Names, plan};
use crate::resources::function::{self, function_is_ours};
use crate::resources::log_group::{self, log_group_name};
use crate::resources::{
    authorizer_permission, goblet_tags, permission, rest_api, role, tagged_for, usage_plan,
};
use crate::state::{Deployed, state_path};
use crate::target::{ALIAS, RoleTarget, Target, managed_role_name};

/// `goblet deploy`.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// Where `.goblet/deployed/` and the configuration live.
    pub base_dir: PathBuf,
    pub stage: String,
    pub dry_run: bool,
    pub yes: bool,
    pub json: bool,
}

/// What `deploy` reports (`--output json`).
#[derive(Debug, serde::Serialize)]
struct Summary {
    app: String,
    stage: String,
    url: Option<String>,
    dry_run: bool,
    actions: Vec<ActionLine>,
    api_calls: crate::CallCounts,
    seconds: f64,
}

#[derive(Debug, serde::Serialize)]
struct ActionLine {
    kind: Kind,
    description: String,
}

/// The stack of the thread a command's AWS calls run on. The SDK's request
/// futures are large, and a debug build keeps a separate stack slot for each
/// one in the frame that polls them: a deploy needs more than the 2 MiB a
/// spawned thread (a test's, a caller's) gets by default.
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Runs one command's async work to completion on a current-thread runtime,
/// on a thread of its own with [`STACK_BYTES`] of stack.
fn block_on<F>(future: F) -> Result<F::Output, DeployError>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("goblet-aws".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(DeployError::Runtime)?;
                Ok(runtime.block_on(Box::pin(future)))
            })
            .map_err(DeployError::Runtime)?;
        match worker.join() {
            Ok(result) => result,
            // A panic is a bug: let it surface as it would have on this thread.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Deploys `target` (built from the manifest and configuration by the caller).
pub fn deploy(sdk: &SdkConfig, target: Target, options: DeployOptions) -> Result<(), DeployError> {
    block_on(deploy_async(sdk, target, options))?
}

async fn deploy_async(
    sdk: &SdkConfig,
    mut target: Target,
    options: DeployOptions,
) -> Result<(), DeployError> {
    let started = std::time::Instant::now();
    let aws = Aws::new(sdk)?;
    let path = state_path(&options.base_dir, &options.stage);
    let mut state = Deployed::load(&path)
        .map_err(|e| DeployError::ReadState(path.clone(), e))?
        .unwrap_or_else(|| Deployed::new(&target.app_name, &target.stage, &aws.region));
    if state.is_empty() && !state.deploying {
        // Nothing exists anywhere: the stage goes where the configuration says.
        state.region = aws.region.clone();
    }
    check_region(&state.region, &state.stage, &aws)?;
    if !options.json {
        eprintln!(
            "Deploying {} to stage {} in {}",
            target.app_name, target.stage, aws.region
        );
    }
    let legacy_role = role::adopt_recorded(&mut target, &state);
    let mut observed = observe(&aws, &target, &state).await?;
    if legacy_role
        && let Some(found) = &observed.role
        && role::other_region(&found.tags, &aws.region).is_some()
        && let RoleTarget::Managed { name, .. } = &mut target.role
    {
        // Recorded from before roles were per region, and since claimed by
        // the stage's deployment in another region: this region gets a role
        // of its own, and leaves that one alone (never retired nor deleted).
        *name = managed_role_name(&target.function_name, &aws.region);
        state.role = None;
        observed.role = role::observe_role(&aws, name).await?;
    }
    let names = Names {
        role: match &target.role {
            crate::target::RoleTarget::Managed { name, .. } => name.clone(),
            crate::target::RoleTarget::Existing { arn } => arn.clone(),
        },
        function: target.function_name.clone(),
        api: target.api_name.clone(),
        stage: target.api_stage.clone(),
        log_group: log_group_name(&target.function_name),
    };
    refuse_foreign(&target, &observed, &state, &aws.region)?;
    rest_api::check_endpoint_change(&target, observed.api.as_ref()).map_err(DeployError::App)?;
    crate::plan::check(&target, &observed)?;
    let the_plan = plan(&target, &observed, &state, &aws.region);
    let lines: Vec<ActionLine> = the_plan
        .actions
        .iter()
        .flat_map(|a| a.lines(&names))
        .map(|(kind, description)| ActionLine { kind, description })
        .collect();

    if options.dry_run {
        let url = observed
            .api
            .as_ref()
            .map(|api| aws.invoke_url(&api.id, &target.api_stage));
        if options.json {
            print_json(&Summary {
                app: target.app_name.clone(),
                stage: target.stage.clone(),
                url,
                dry_run: true,
                actions: lines,
                api_calls: aws.counts(),
                seconds: started.elapsed().as_secs_f64(),
            });
        } else {
            let mut out = std::io::stdout().lock();
            if lines.is_empty() {
                let _ = writeln!(out, "Nothing to change.");
            } else {
                let _ = writeln!(out, "Plan ({} changes, dry run):", lines.len());
                for line in &lines {
                    let mark = match line.kind {
                        Kind::Create => '+',
                        Kind::Change => '~',
                        Kind::Delete => '-',
                    };
                    let _ = writeln!(out, "  {mark} {}", line.description);
                }
            }
        }
        return Ok(());
    }

    let deletes = lines.iter().filter(|l| l.kind == Kind::Delete).count();
    if deletes > 0 && !options.yes && std::io::stdin().is_terminal() {
        for line in lines.iter().filter(|l| l.kind == Kind::Delete) {
            eprintln!("  - {}", line.description);
        }
        if !confirm(&format!("Delete these {deletes} API parts?"))? {
            return Err(DeployError::Input("deploy cancelled".into()));
        }
    }

    let mut apply = Apply::new(
        &aws,
        &target,
        &names,
        &observed,
        state,
        &path,
        the_plan.account,
    );
    apply.progress = !options.json;
    apply.record_found()?;
    if !the_plan.actions.is_empty() {
        apply.state.deploying = true;
        apply
            .state
            .save(&path)
            .map_err(|e| DeployError::State(path.clone(), e))?;
    }
    for action in &the_plan.actions {
        apply.run(action).await?;
    }
    // The URL is printed once the function can serve it: a new or updated
    // function is Pending / InProgress for a moment on Lambda.
    apply.wait_function().await?;
    if let (Some(account), Some(api)) = (apply.account.as_deref(), apply.api_id.as_deref()) {
        for command in authorizer_permission::owner_grants(
            &observed.authorizer_functions,
            &target.function_name,
            &aws.region,
            account,
            api,
        ) {
            eprintln!(
                "An authorizer's function is not readable with these credentials (another \
                 account's?): its owner must let API Gateway call it:\n  {command}"
            );
        }
    }
    let url = apply
        .api_id
        .as_deref()
        .map(|id| aws.invoke_url(id, &target.api_stage));
    if apply.state.url != url || apply.state.deploying {
        apply.state.url = url.clone();
        apply.state.deploying = false;
        apply
            .state
            .save(&path)
            .map_err(|e| DeployError::State(path.clone(), e))?;
    }
    if options.json {
        print_json(&Summary {
            app: target.app_name.clone(),
            stage: target.stage.clone(),
            url,
            dry_run: false,
            actions: lines,
            api_calls: aws.counts(),
            seconds: started.elapsed().as_secs_f64(),
        });
    } else {
        if the_plan.actions.is_empty() {
            eprintln!("Nothing to change.");
        }
        if let Some(url) = url {
            println!("{url}");
        }
    }
    Ok(())
}

fn print_json(value: &impl serde::Serialize) {
    let text = serde_json::to_string_pretty(value).expect("serializes");
    println!("{text}");
}

/// Asks on stderr, reads a line on stdin; only `y`/`yes` is yes.
fn confirm(question: &str) -> Result<bool, DeployError> {
    eprint!("{question} [y/N]: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| DeployError::Input(format!("cannot read the answer: {e}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// `goblet delete`.
#[derive(Debug, Clone)]
pub struct DeleteOptions {
    pub base_dir: PathBuf,
    pub stage: String,
    pub yes: bool,
}

pub fn delete(sdk: &SdkConfig, options: DeleteOptions) -> Result<(), DeployError> {
    block_on(delete_async(sdk, options))?
}

async fn delete_async(sdk: &SdkConfig, options: DeleteOptions) -> Result<(), DeployError> {
    let path = state_path(&options.base_dir, &options.stage);
    let Some(mut state) =
        Deployed::load(&path).map_err(|e| DeployError::ReadState(path.clone(), e))?
    else {
        eprintln!(
            "Nothing deployed for stage {} ({} does not exist).",
            options.stage,
            path.display()
        );
        return Ok(());
    };
    let aws = Aws::new(sdk)?;
    check_region(&state.region, &state.stage, &aws)?;
    if state.deploying {
        find_unrecorded(&aws, &mut state).await?;
    }
    let save = |state: &Deployed| {
        state
            .save(&path)
            .map_err(|e| DeployError::State(path.clone(), e))
    };
    // Before the REST API: API Gateway refuses to delete a stage that is in
    // a usage plan.
    if let Some(plan) = state.usage_plan.clone() {
        eprintln!("Deleting usage plan {plan}");
        let stages = usage_plan::plan_stages(&aws, &plan).await?;
        usage_plan::delete_usage_plan(&aws, &plan, &stages).await?;
        state.usage_plan = None;
        save(&state)?;
    }
    if let Some(key) = state.api_key.clone() {
        eprintln!("Deleting API key {key}");
        usage_plan::delete_api_key(&aws, &key).await?;
        state.api_key = None;
        save(&state)?;
    }
    if let Some(api) = state.rest_api.clone() {
        eprintln!("Deleting REST API {} ({})", api.id, api.name);
        found(
            aws.quota_call("apigateway:DELETE", format!("REST API {}", api.id), || {
                aws.apigateway.delete_rest_api().rest_api_id(&api.id).send()
            })
            .await,
        )?;
        state.rest_api = None;
        state.deployment_id = None;
        state.url = None;
        state.pending_deployment = false;
        save(&state)?;
    }
    if let (Some(sid), Some(function)) = (state.permission.clone(), state.function.clone()) {
        eprintln!("Deleting permission {sid} of function {}", function.name);
        permission::remove_permission(&aws, &function.name, &sid).await?;
    }
    state.permission = None;
    for record in state.authorizer_permissions.clone() {
        eprintln!(
            "Deleting permission {} of function {}",
            record.statement_id, record.function_arn
        );
        authorizer_permission::remove_authorizer_permission(
            &aws,
            &record.function_arn,
            &record.statement_id,
        )
        .await?;
        state.authorizer_permissions.retain(|r| *r != record);
        save(&state)?;
    }
    // Rules before the functions they run.
    for rule in state.event_rules.clone() {
        eprintln!(
            "Deleting EventBridge rule {} on bus {}",
            rule.name, rule.bus
        );
        crate::resources::rule::delete_rule(&aws, &rule.name, &rule.bus).await?;
        state.event_rules.retain(|r| *r != rule);
        save(&state)?;
    }
    // Their mappings first: Lambda keeps a deleted function's mappings.
    let delete_logs = |group: &str| {
        ask(
            options.yes,
            &format!("Delete the log group {group} (the function's logs)?"),
            &format!("log group {group}"),
        )
    };
    crate::resources::event_function::delete_all(&aws, &mut state, save, delete_logs).await?;
    if let Some(function) = state.function.clone() {
        eprintln!("Deleting lambda function {}", function.name);
        found(
            aws.write_call(
                "lambda:DeleteFunction",
                format!("function {}", function.name),
                aws.lambda
                    .delete_function()
                    .function_name(&function.name)
                    .send(),
            )
            .await,
        )?;
        // The log group Lambda makes by itself on the first invocation
        // (goblet made it only when it set a retention): it goes with the
        // function, as the role does, once asked about.
        let group = log_group_name(&function.name);
        if state.log_group.as_deref() != Some(group.as_str())
            && state.function_log_group.is_none()
            && log_group::observe_log_group(&aws, &group).await?.is_some()
        {
            state.function_log_group = Some(group);
        }
        state.function = None;
        save(&state)?;
    }
    if let Some(group) = state.log_group.clone() {
        eprintln!("Deleting log group {group}");
        log_group::delete_log_group(&aws, &group).await?;
        state.log_group = None;
        save(&state)?;
    }
    if let Some(group) = state.function_log_group.clone()
        && ask(
            options.yes,
            &format!("Delete the log group {group} (the function's logs)?"),
            &format!("log group {group}"),
        )?
    {
        eprintln!("Deleting log group {group}");
        log_group::delete_log_group(&aws, &group).await?;
        state.function_log_group = None;
        save(&state)?;
    }
    if let Some(role) = state.retired_role.clone() {
        if another_regions_role(&aws, &role.name).await? {
            state.retired_role = None;
        } else {
            eprintln!("Deleting role name {} (no longer used)", role.name);
            role::delete_role(&aws, &role.name).await?;
            state.retired_role = None;
        }
        save(&state)?;
    }
    if let Some(role) = state.role.clone() {
        if !role.managed {
            // The user's own role (iam_role_arn): never goblet's to delete.
            state.role = None;
        } else if ask(
            options.yes,
            &format!("Delete the role {}?", role.name),
            &format!("role {}", role.name),
        )? {
            if !another_regions_role(&aws, &role.name).await? {
                eprintln!("Deleting role name {}", role.name);
                role::delete_role(&aws, &role.name).await?;
            }
            state.role = None;
        }
    }
    if state.is_empty() {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(DeployError::State(path, e));
            }
            _ => {}
        }
    } else {
        save(&state)?;
    }
    Ok(())
}

/// Whether to delete `what`: yes with `--yes`, else the answer on a
/// terminal; with neither it is kept, and said so.
fn ask(yes: bool, question: &str, what: &str) -> Result<bool, DeployError> {
    if yes {
        return Ok(true);
    }
    if std::io::stdin().is_terminal() {
        return confirm(question);
    }
    eprintln!("Keeping {what}: no terminal to ask on (run with --yes to delete it).");
    Ok(false)
}

/// goblet's role `name` is tagged for another region: the same stage's
/// deployment there (two regions shared a role before roles were per
/// region) may still run as it, so this region's `delete` keeps it.
async fn another_regions_role(aws: &Aws, name: &str) -> Result<bool, DeployError> {
    let region = role::role_region(aws, name).await?.flatten();
    match region.filter(|r| *r != aws.region) {
        Some(other) => {
            eprintln!(
                "Keeping role {name}: it is also the role of this stage's deployment in {other}."
            );
            Ok(true)
        }
        None => Ok(false),
    }
}

/// After a killed deploy: what it created but could not record, found by the
/// names and tags every deploy of the stage uses (see [`crate::target`]).
async fn find_unrecorded(aws: &Aws, state: &mut Deployed) -> Result<(), DeployError> {
    let name = format!("{}-{}", state.app_name, state.stage);
    let ours = |tags: &BTreeMap<String, String>| goblet_tags(tags, &state.app_name, &state.stage);
    let role_name = managed_role_name(&name, &state.region);
    if state.role.is_none()
        && let Some(role) = role::observe_role(aws, &role_name).await?
        && ours(&role.tags)
        && role::other_region(&role.tags, &state.region).is_none()
    {
        state.role = Some(crate::state::RoleRecord {
            name: role_name,
            arn: role.arn,
            managed: true,
        });
    }
    if state.function.is_none()
        && let Some(function) = function::observe_function(aws, &name).await?
        && function_is_ours(&function, &state.app_name, &state.stage)
    {
        state.function = Some(crate::state::FunctionRecord {
            name: name.clone(),
            arn: function.arn,
        });
    }
    if state.rest_api.is_none()
        && let Some(id) = rest_api::api_named(aws, &name, &state.app_name, &state.stage).await?
    {
        state.rest_api = Some(crate::state::RestApiRecord {
            id,
            name: name.clone(),
        });
    }
    if state.usage_plan.is_none() || state.api_key.is_none() {
        let (plan, key) =
            usage_plan::observe(aws, &name, &state.app_name, &state.stage, state).await?;
        if state.usage_plan.is_none() {
            state.usage_plan = plan.map(|p| p.id);
        }
        if state.api_key.is_none() {
            state.api_key = key;
        }
    }
    // The function's own log group: goblet creates it when a retention is
    // set, and it goes with the function.
    // Only with the function goblet made: the log group is the function's.
    let group = log_group_name(&name);
    if state.log_group.is_none()
        && state.function.is_some()
        && log_group::observe_log_group(aws, &group).await?.is_some()
    {
        state.log_group = Some(group);
    }
    Ok(())
}

/// `goblet api-key`: the value of the API key goblet made for the stage's
/// `api_key` routes, read from API Gateway.
pub fn api_key(sdk: &SdkConfig, options: UrlOptions) -> Result<String, DeployError> {
    block_on(api_key_async(sdk, options))?
}

async fn api_key_async(sdk: &SdkConfig, options: UrlOptions) -> Result<String, DeployError> {
    let path = state_path(&options.base_dir, &options.stage);
    let state = Deployed::load(&path)
        .map_err(|e| DeployError::ReadState(path.clone(), e))?
        .ok_or_else(|| DeployError::NotDeployed {
            stage: options.stage.clone(),
            path: path.clone(),
        })?;
    let aws = Aws::new(sdk)?;
    check_region(&state.region, &state.stage, &aws)?;
    let Some(id) = state.api_key else {
        return Err(DeployError::App(format!(
            "stage {} has no API key of goblet's: no route says `api_key = true`, or \
             `api_key_ids` names keys of your own (their values are yours: \
             `aws apigateway get-api-key --api-key ID --include-value`)",
            options.stage
        )));
    };
    usage_plan::key_value(&aws, &id)
        .await?
        .ok_or_else(|| DeployError::Inconsistent(format!("API key {id} no longer exists")))
}

/// `goblet url`.
#[derive(Debug, Clone)]
pub struct UrlOptions {
    pub base_dir: PathBuf,
    pub stage: String,
}

/// A role or function that has goblet's name but not its tags, and that this
/// stage's record does not list, is someone else's: goblet would rewrite its
/// policies or code and delete it later.
fn refuse_foreign(
    target: &Target,
    observed: &Observed,
    state: &Deployed,
    region: &str,
) -> Result<(), DeployError> {
    let foreign = |kind: &str, name: &str| {
        DeployError::App(format!(
            "{kind} {name} already exists and was not created by goblet for app {} stage {}: \
             delete or rename it, use another stage, or (for a role) name it with `iam_role_arn`",
            target.app_name, target.stage
        ))
    };
    if let (Some(role), RoleTarget::Managed { name, .. }) = (&observed.role, &target.role) {
        let recorded = state
            .role
            .as_ref()
            .is_some_and(|r| r.managed && r.arn == role.arn);
        if !recorded && !tagged_for(&role.tags, target) {
            return Err(foreign("IAM role", name));
        }
        // IAM is global: the same stage's role in another region is that
        // deployment's, whatever the record says.
        if let Some(other) = role::other_region(&role.tags, region) {
            return Err(DeployError::App(format!(
                "IAM role {name} is goblet's role for app {} stage {} in region {other}, not {region}: \
                 goblet will not take it over (IAM roles are global to the account)",
                target.app_name, target.stage
            )));
        }
    }
    if let Some(function) = &observed.function {
        let recorded = state
            .function
            .as_ref()
            .is_some_and(|f| f.arn == function.arn);
        if !recorded && !function_is_ours(function, &target.app_name, &target.stage) {
            return Err(foreign("Lambda function", &target.function_name));
        }
    }
    for f in &target.event_functions {
        let obs = observed.event_functions.get(&f.function_name);
        if let Some(function) = obs.and_then(|o| o.function.as_ref())
            && !function_is_ours(function, &target.app_name, &target.stage)
        {
            return Err(foreign("Lambda function", &f.function_name));
        }
        // A rule of that name that is not on record and does not say it
        // is goblet's: PutRule would take it over, and a delete remove it.
        if let (Some(rule), Some(found)) = (&f.rule, obs.and_then(|o| o.rule.as_ref()))
            && found.description
                != crate::target::rule_description(
                    &target.app_name,
                    &target.stage,
                    &f.function_name,
                )
            && !state.event_rules.iter().any(|r| {
                r.name == rule.name
                    && crate::target::bus_short_name(&r.bus) == rule.bus_short_name()
            })
        {
            return Err(foreign("EventBridge rule", &rule.name));
        }
    }
    Ok(())
}

/// A stage lives in one region: working on it from another would miss what
/// exists there and orphan it.
fn check_region(recorded: &str, stage: &str, aws: &Aws) -> Result<(), DeployError> {
    if recorded == aws.region {
        return Ok(());
    }
    Err(DeployError::OtherRegion {
        stage: stage.to_owned(),
        recorded: recorded.to_owned(),
        current: aws.region.clone(),
    })
}

fn recorded(base_dir: &Path, stage: &str) -> Result<Deployed, DeployError> {
    let path = state_path(base_dir, stage);
    Deployed::load(&path)
        .map_err(|e| DeployError::ReadState(path.clone(), e))?
        .ok_or_else(|| DeployError::NotDeployed {
            stage: stage.to_owned(),
            path,
        })
}

/// Prints the stage's invoke URL, from the record (no AWS call).
pub fn url(options: UrlOptions) -> Result<(), DeployError> {
    let state = recorded(&options.base_dir, &options.stage)?;
    match state.url {
        Some(url) => {
            println!("{url}");
            Ok(())
        }
        None => Err(DeployError::NotDeployed {
            stage: options.stage.clone(),
            path: state_path(&options.base_dir, &options.stage),
        }),
    }
}

/// `goblet invoke`.
#[derive(Debug, Clone)]
pub struct InvokeOptions {
    pub base_dir: PathBuf,
    pub stage: String,
    /// JSON, or `@file`.
    pub payload: Option<String>,
}

/// Invokes the deployed function directly and prints its response.
pub fn invoke(sdk: &SdkConfig, options: InvokeOptions) -> Result<(), DeployError> {
    let state = recorded(&options.base_dir, &options.stage)?;
    let Some(function) = state.function else {
        return Err(DeployError::NotDeployed {
            stage: options.stage.clone(),
            path: state_path(&options.base_dir, &options.stage),
        });
    };
    let payload = match options.payload.as_deref() {
        None => b"{}".to_vec(),
        Some(p) => match p.strip_prefix('@') {
            Some(file) => std::fs::read(file)
                .map_err(|e| DeployError::Input(format!("cannot read {file}: {e}")))?,
            None => p.as_bytes().to_vec(),
        },
    };
    if let Err(e) = serde_json::from_slice::<Value>(&payload) {
        return Err(DeployError::Input(format!("the payload is not JSON: {e}")));
    }
    block_on(async {
        let aws = Aws::new(sdk)?;
        check_region(&state.region, &state.stage, &aws)?;
        let out = aws
            .write_call(
                "lambda:InvokeFunction",
                format!("function {}", function.name),
                // What API Gateway invokes.
                aws.lambda
                    .invoke()
                    .function_name(&function.name)
                    .qualifier(ALIAS)
                    .payload(Blob::new(payload))
                    .send(),
            )
            .await?;
        let body = out
            .payload
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
            .unwrap_or_default();
        if let Some(kind) = out.function_error {
            return Err(DeployError::FunctionError {
                kind,
                payload: body,
            });
        }
        println!("{body}");
        Ok(())
    })?
}

/// `goblet logs`.
#[derive(Debug, Clone)]
pub struct LogsOptions {
    pub base_dir: PathBuf,
    pub stage: String,
    pub follow: bool,
    /// How far back to start, in seconds.
    pub since_secs: u64,
}

/// Prints the function's CloudWatch Logs (FilterLogEvents on its log group).
pub fn logs(sdk: &SdkConfig, options: LogsOptions) -> Result<(), DeployError> {
    let state = recorded(&options.base_dir, &options.stage)?;
    let Some(function) = state.function else {
        return Err(DeployError::NotDeployed {
            stage: options.stage.clone(),
            path: state_path(&options.base_dir, &options.stage),
        });
    };
    let group = log_group_name(&function.name);
    block_on(async {
        let aws = Aws::new(sdk)?;
        check_region(&state.region, &state.stage, &aws)?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let mut start = now_ms - (options.since_secs as i64) * 1000;
        let mut seen: BTreeMap<String, i64> = BTreeMap::new();
        loop {
            let mut token = None;
            let mut latest = start;
            loop {
                let page = found(
                    aws.read_call(
                        "logs:FilterLogEvents",
                        format!("log group {group}"),
                        aws.logs
                            .filter_log_events()
                            .log_group_name(&group)
                            .start_time(start)
                            .set_next_token(token)
                            .send(),
                    )
                    .await,
                )?;
                let Some(page) = page else {
                    if !options.follow {
                        eprintln!("No logs yet: {group} does not exist.");
                        return Ok(());
                    }
                    break;
                };
                for event in page.events.unwrap_or_default() {
                    let ts = event.timestamp.unwrap_or(0);
                    let id = event.event_id.unwrap_or_default();
                    if seen.insert(id, ts).is_some() {
                        continue;
                    }
                    latest = latest.max(ts);
                    let message = event.message.unwrap_or_default();
                    println!(
                        "{} {} {}",
                        format_ms(ts),
                        event.log_stream_name.unwrap_or_default(),
                        message.trim_end()
                    );
                }
                token = page.next_token;
                if token.is_none() {
                    break;
                }
            }
            if !options.follow {
                return Ok(());
            }
            start = latest;
            seen.retain(|_, ts| *ts >= latest);
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    })?
}

/// Milliseconds since the epoch as an HTTP date (UTC).
fn format_ms(ms: i64) -> String {
    let time = std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    httpdate::fmt_http_date(time)
}

/// `goblet deploy` from the command line: the app, its configuration, the checks.
#[derive(Debug, Clone)]
pub struct DeployRequest {
    /// The cargo project: its Cargo.toml holds the configuration, and
    /// `.goblet/deployed/` is written in it.
    pub project: PathBuf,
    /// A binary already built; else the project is built with `cargo build --release`.
    pub binary: Option<PathBuf>,
    pub overrides: goblet_project::config::Overrides,
    pub dry_run: bool,
    pub yes: bool,
    pub json: bool,
}

/// Builds (if asked), reads the manifest and configuration, runs the
/// pre-flight checks (before any AWS call), then deploys.
pub fn deploy_app(sdk: &SdkConfig, request: DeployRequest) -> Result<(), DeployError> {
    let source = goblet_project::AppSource {
        project: Some(request.project.clone()),
        binary: request.binary.clone(),
    };
    let mut resolved = goblet_project::resolve(&source, &request.overrides)
        .and_then(goblet_project::ResolvedApp::configured)
        .map_err(|e| DeployError::App(e.to_string()))?;
    // The region decides the endpoint type's default (and whether EDGE
    // exists there); without one, Aws::new refuses before any call.
    if let Some(region) = sdk.region() {
        resolved
            .config
            .for_region(region.as_ref())
            .map_err(|e| DeployError::App(e.to_string()))?;
    }
    let mut checked = resolved
        .preflight()
        .map_err(|e| DeployError::App(e.to_string()))?;
    let config = resolved.config;
    goblet_project::config::configure_functions(&mut checked.manifest, &config)
        .map_err(DeployError::App)?;
    crate::package::check_deployable(&checked.manifest, &config).map_err(DeployError::App)?;
    for warning in config.warnings() {
        eprintln!("warning: {warning}");
    }
    let stage = config.stage.clone();
    let region = sdk
        .region()
        .map(|r| r.to_string())
        .ok_or(crate::AwsError::NoRegion)?;
    deploy(
        sdk,
        target_from(&config, checked, &region),
        DeployOptions {
            base_dir: request.project,
            stage,
            dry_run: request.dry_run,
            yes: request.yes,
            json: request.json,
        },
    )
}

/// The target of a stage in `region`: the function and the REST API are
/// named `{app}-{stage}` (config's `function_name`), the role
/// `{app}-{stage}-{region}` ([`managed_role_name`]: IAM is global).
pub fn target_from(
    config: &goblet_project::config::StageConfig,
    checked: goblet_project::preflight::Checked,
    region: &str,
) -> Target {
    use crate::target::RoleTarget;
    let role = match &config.role {
        goblet_project::config::RoleConfig::Managed { .. } => RoleTarget::Managed {
            name: managed_role_name(&config.function_name, region),
            trust_policy: crate::package::role_trust_policy(),
            policy: crate::package::role_policy(config),
        },
        goblet_project::config::RoleConfig::Existing { arn } => {
            RoleTarget::Existing { arn: arn.clone() }
        }
    };
    let clamp = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let function = crate::package::function_settings(config, config.log_group_name());
    let event_functions = crate::package::event_functions(&checked.manifest, config);
    Target {
        app_name: config.app_name.clone(),
        stage: config.stage.clone(),
        function_name: config.function_name.clone(),
        role,
        function,
        tags: crate::package::tags(config),
        reserved_concurrency: config.reserved_concurrency.map(clamp),
        log_retention_days: config.log_retention_days.map(clamp),
        api_name: config.function_name.clone(),
        api_stage: config.api_gateway_stage.clone(),
        endpoint_type: config.endpoint_type.as_str().to_owned(),
        resource_policy: crate::package::resource_policy(config, "execute-api:/*"),
        usage_plan: crate::package::needs_usage_plan(&checked.manifest).then(|| {
            use crate::resources::usage_plan::{Quota, Throttle, UsagePlanTarget};
            UsagePlanTarget {
                name: config.function_name.clone(),
                throttle: crate::package::usage_plan_throttle(config).map(|(rate, burst)| {
                    Throttle {
                        rate_limit: rate,
                        burst_limit: burst.map(clamp),
                    }
                }),
                quota: crate::package::usage_plan_quota(config).map(|(limit, period)| Quota {
                    limit: clamp(limit),
                    period,
                }),
                api_key_ids: config.api_key_ids.clone(),
            }
        }),
        event_functions,
        manifest: checked.manifest,
        zip: checked.zip,
        zip_sha256: checked.zip_sha256_b64,
    }
}
