//! The app's event handlers and plain functions: a Lambda function each,
//! from the API function's zip with `Handler` set to the function's name,
//! and the event source mapping through which Lambda polls its SQS queue,
//! DynamoDB stream or Kinesis stream.
//!
//! Mappings are found by listing each function's (never recorded), and a
//! function is recorded before it is created, so a deploy killed anywhere
//! is finished by the next one and undone by `delete`.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_lambda::types::{EventSourcePosition, FunctionResponseType};

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::resources::function::{
    self, FunctionObs, IAM_PROPAGATION, Spec, code_differs_from, function_is_ours, settings_changes,
};
use crate::resources::rule::{self, RuleObs};
use crate::resources::tag_changes;
use crate::state::Deployed;
use crate::target::{EventFunctionTarget, MappingTarget, Target, partition};

// Observe.

/// An event source mapping as Lambda reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingObs {
    pub uuid: String,
    pub source_arn: String,
    pub batch_size: i32,
    pub batching_window: i32,
    pub response_types: Vec<String>,
}

/// One event function as it is, with its mappings, its rule and
/// EventBridge's statement on it (its `SourceArn`).
#[derive(Debug, Default)]
pub struct EventFunctionObs {
    pub function: Option<FunctionObs>,
    pub mappings: Vec<MappingObs>,
    pub rule: Option<RuleObs>,
    pub rule_permission: Option<String>,
}

/// The target's event functions and the recorded ones it no longer has, by
/// Lambda name.
pub async fn observe(
    aws: &Aws,
    target: &Target,
    state: &Deployed,
) -> Result<BTreeMap<String, EventFunctionObs>, AwsError> {
    let names: BTreeSet<&str> = target
        .event_functions
        .iter()
        .map(|f| f.function_name.as_str())
        .chain(state.event_functions.iter().map(String::as_str))
        .collect();
    let mut out = BTreeMap::new();
    for name in names {
        let function = function::observe_function(aws, name).await?;
        let mut obs = EventFunctionObs::default();
        if function.is_some() {
            obs.mappings = list_mappings(aws, name).await?;
        }
        let wanted = target
            .event_functions
            .iter()
            .find(|f| f.function_name == name)
            .and_then(|f| f.rule.as_ref());
        if let Some(rule) = wanted {
            obs.rule = rule::observe_rule(aws, &rule.name, rule.bus_name()).await?;
            if function.is_some() {
                obs.rule_permission = rule::observe_permission(aws, name).await?;
            }
        }
        obs.function = function;
        out.insert(name.to_owned(), obs);
    }
    Ok(out)
}

/// Every event source mapping of the function `name`.
pub async fn list_mappings(aws: &Aws, name: &str) -> Result<Vec<MappingObs>, AwsError> {
    let mut mappings = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = aws
            .read_call(
                "lambda:ListEventSourceMappings",
                format!("function {name}"),
                aws.lambda
                    .list_event_source_mappings()
                    .function_name(name)
                    .set_marker(marker.clone())
                    .send(),
            )
            .await?;
        for m in page.event_source_mappings.unwrap_or_default() {
            // Lambda deletes a mapping in the background: one it is
            // deleting is gone already (deleting it again is refused).
            if m.state.as_deref() == Some("Deleting") {
                continue;
            }
            mappings.push(MappingObs {
                uuid: m.uuid.unwrap_or_default(),
                source_arn: m.event_source_arn.unwrap_or_default(),
                batch_size: m.batch_size.unwrap_or_default(),
                batching_window: m.maximum_batching_window_in_seconds.unwrap_or(0),
                response_types: m
                    .function_response_types
                    .unwrap_or_default()
                    .iter()
                    .map(|t| t.as_str().to_owned())
                    .collect(),
            });
        }
        // A marker that does not move would page forever.
        match page.next_marker {
            Some(next) if !next.is_empty() && Some(&next) != marker.as_ref() => {
                marker = Some(next);
            }
            _ => return Ok(mappings),
        }
    }
}

// Plan.

/// The event functions: each created, or its code, configuration and tags
/// brought in line; then its mapping created, updated or replaced (a
/// mapping of another source is deleted once the new one exists). Returns
/// those steps, and the deletions of what the app no longer has (mappings,
/// then the functions goblet made), which come last.
pub fn plan(
    target: &Target,
    observed: &BTreeMap<String, EventFunctionObs>,
    role_arn: Option<&str>,
    account: Option<&str>,
    region: &str,
) -> (Vec<Action>, Vec<Action>) {
    let mut actions = Vec::new();
    let mut deletions = Vec::new();
    for f in &target.event_functions {
        let name = &f.function_name;
        let obs = observed.get(name);
        let rule_arn =
            |account: Option<&str>| f.rule.as_ref().zip(account).map(|(r, a)| r.arn(region, a));
        let Some(function) = obs.and_then(|o| o.function.as_ref()) else {
            actions.push(Action::CreateEventFunction { name: name.clone() });
            if let Some(n) = f.reserved_concurrency {
                actions.push(Action::PutEventConcurrency {
                    name: name.clone(),
                    n,
                });
            }
            if let Some(m) = &f.mapping {
                actions.push(Action::CreateMapping {
                    function: name.clone(),
                    source: m.source.clone(),
                });
            }
            if let Some(r) = &f.rule {
                let arn = account.map(|a| {
                    format!(
                        "arn:{}:lambda:{region}:{a}:function:{name}",
                        partition(region)
                    )
                });
                actions.extend(rule::plan(
                    f,
                    r,
                    obs.and_then(|o| o.rule.as_ref()),
                    None,
                    arn.as_deref(),
                    rule_arn(account).as_deref(),
                ));
            }
            continue;
        };
        if code_differs_from(&target.zip_sha256, &f.settings, function) {
            actions.push(Action::UpdateEventFunctionCode { name: name.clone() });
        }
        let changes = settings_changes(&f.settings, &f.handler, function, role_arn);
        if !changes.is_empty() {
            actions.push(Action::UpdateEventFunctionConfiguration {
                name: name.clone(),
                changes,
            });
        }
        let (tags, keys) = tag_changes(&function.tags, &target.tags);
        if !tags.is_empty() {
            actions.push(Action::TagEventFunction {
                name: name.clone(),
                tags,
            });
        }
        if !keys.is_empty() {
            actions.push(Action::UntagEventFunction {
                name: name.clone(),
                keys,
            });
        }
        match (function.reserved_concurrency, f.reserved_concurrency) {
            (old, Some(n)) if old != Some(n) => actions.push(Action::PutEventConcurrency {
                name: name.clone(),
                n,
            }),
            (Some(_), None) => actions.push(Action::DeleteEventConcurrency { name: name.clone() }),
            _ => {}
        }
        let account = account.or_else(|| crate::target::account_of(&function.arn));
        let mappings = obs.map(|o| o.mappings.as_slice()).unwrap_or_default();
        actions.extend(plan_mapping(f, mappings, account, region));
        if let Some(r) = &f.rule {
            actions.extend(rule::plan(
                f,
                r,
                obs.and_then(|o| o.rule.as_ref()),
                obs.and_then(|o| o.rule_permission.as_deref()),
                Some(&function.arn),
                rule_arn(account).as_deref(),
            ));
        }
    }
    for (name, obs) in observed {
        let wanted = target
            .event_functions
            .iter()
            .any(|f| &f.function_name == name);
        let Some(function) = &obs.function else {
            continue;
        };
        if wanted || !function_is_ours(function, &target.app_name, &target.stage) {
            continue;
        }
        deletions.extend(obs.mappings.iter().map(|m| Action::DeleteMapping {
            function: name.clone(),
            uuid: m.uuid.clone(),
            source: m.source_arn.clone(),
        }));
        deletions.push(Action::DeleteEventFunction { name: name.clone() });
    }
    (actions, deletions)
}

/// The mapping of an existing function: the one on the wanted source
/// updated if its settings differ, created if there is none; any on
/// another source deleted after.
fn plan_mapping(
    f: &EventFunctionTarget,
    mappings: &[MappingObs],
    account: Option<&str>,
    region: &str,
) -> Vec<Action> {
    let name = &f.function_name;
    let wanted = f
        .mapping
        .as_ref()
        .and_then(|m| account.map(|a| (m, m.source_arn(region, a))));
    let mut actions = Vec::new();
    if let Some((m, arn)) = &wanted {
        match mappings.iter().find(|o| &o.source_arn == arn) {
            Some(existing) => {
                let changes = mapping_changes(m, existing);
                if !changes.is_empty() {
                    actions.push(Action::UpdateMapping {
                        function: name.clone(),
                        uuid: existing.uuid.clone(),
                        changes,
                    });
                }
            }
            None => actions.push(Action::CreateMapping {
                function: name.clone(),
                source: m.source.clone(),
            }),
        }
    }
    for stale in mappings
        .iter()
        .filter(|o| wanted.as_ref().is_none_or(|(_, arn)| &o.source_arn != arn))
    {
        actions.push(Action::DeleteMapping {
            function: name.clone(),
            uuid: stale.uuid.clone(),
            source: stale.source_arn.clone(),
        });
    }
    actions
}

/// What UpdateEventSourceMapping would change ("batch size 10 → 5").
fn mapping_changes(wanted: &MappingTarget, existing: &MappingObs) -> Vec<String> {
    let mut changes = Vec::new();
    if existing.batch_size != wanted.batch_size {
        changes.push(format!(
            "batch size {} → {}",
            existing.batch_size, wanted.batch_size
        ));
    }
    if wanted.sends_batching_window().is_some()
        && existing.batching_window != wanted.batching_window()
    {
        changes.push(format!(
            "batching window {} → {} s",
            existing.batching_window,
            wanted.batching_window()
        ));
    }
    let mut have = existing.response_types.clone();
    have.sort();
    if have != wanted.response_types() {
        changes.push(format!(
            "response types [{}] → [{}]",
            have.join(","),
            wanted.response_types().join(",")
        ));
    }
    changes
}

// Apply.

/// Lambda checks the role's permissions on the source when it creates a
/// mapping, and a statement IAM has just added may not be visible yet:
/// InvalidParameterValueException "The provided execution role does not
/// have permissions to call ReceiveMessage on SQS", or for a stream "Cannot
/// access stream …. Please ensure the role can perform the GetRecords,
/// GetShardIterator, DescribeStream, and ListStreams Actions on your stream
/// in IAM."
pub fn role_lacks_permissions(error: &AwsError) -> bool {
    matches!(error, AwsError::Call { code: Some(code), message, .. }
        if code == "InvalidParameterValueException"
            && (message.contains("execution role does not have permissions")
                || message.contains("Please ensure the role can perform")))
}

fn event_function<'t>(
    target: &'t Target,
    name: &str,
) -> Result<&'t EventFunctionTarget, DeployError> {
    target
        .event_functions
        .iter()
        .find(|f| f.function_name == name)
        .ok_or_else(|| DeployError::Inconsistent(format!("no event function {name}")))
}

fn spec(f: &EventFunctionTarget) -> Spec<'_> {
    Spec {
        name: &f.function_name,
        handler: &f.handler,
        settings: &f.settings,
    }
}

impl Apply<'_> {
    fn event_function_arn(&self, name: &str) -> Result<String, DeployError> {
        let account = self.account.as_deref().ok_or_else(|| {
            DeployError::Inconsistent("the account of the deploy is not known".into())
        })?;
        let region = &self.aws.region;
        Ok(format!(
            "arn:{}:lambda:{region}:{account}:function:{name}",
            partition(region)
        ))
    }

    pub(crate) async fn create_event_function(&mut self, name: &str) -> Result<(), DeployError> {
        let f = event_function(self.target, name)?;
        // On record first: a deploy killed during the call leaves it there
        // for `delete` and the next deploy.
        if !self.state.event_functions.iter().any(|n| n == name) {
            self.state.event_functions.push(name.to_owned());
            self.state.event_functions.sort();
            self.save()?;
        }
        self.create_lambda(spec(f)).await?;
        Ok(())
    }

    pub(crate) async fn update_event_function_code(
        &mut self,
        name: &str,
    ) -> Result<(), DeployError> {
        let f = event_function(self.target, name)?;
        self.wait_ready_of(name, None).await?;
        self.update_lambda_code(spec(f)).await
    }

    pub(crate) async fn update_event_function_configuration(
        &mut self,
        name: &str,
    ) -> Result<(), DeployError> {
        let f = event_function(self.target, name)?;
        self.wait_ready_of(name, None).await?;
        self.update_lambda_configuration(spec(f)).await
    }

    pub(crate) async fn tag_event_function(
        &mut self,
        name: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), DeployError> {
        let arn = self.event_function_arn(name)?;
        self.tag_lambda(name, arn, tags).await
    }

    pub(crate) async fn untag_event_function(
        &mut self,
        name: &str,
        keys: &[String],
    ) -> Result<(), DeployError> {
        let arn = self.event_function_arn(name)?;
        self.untag_lambda(name, arn, keys).await
    }

    /// Creates the function's mapping, once Lambda has the function ready,
    /// again while IAM has not yet made the role's new statement visible.
    pub(crate) async fn create_mapping(&mut self, name: &str) -> Result<(), DeployError> {
        let aws = self.aws;
        let f = event_function(self.target, name)?;
        let Some(m) = &f.mapping else {
            return Ok(());
        };
        let account = self.account.clone().ok_or_else(|| {
            DeployError::Inconsistent("the account of the deploy is not known".into())
        })?;
        let arn = m.source_arn(&aws.region, &account);
        self.wait_ready_of(name, None).await?;
        let mut waits = function::propagation_waits(IAM_PROPAGATION).into_iter();
        loop {
            let result = aws
                .write_call(
                    "lambda:CreateEventSourceMapping",
                    format!("event source mapping {arn} → function {name}"),
                    aws.lambda
                        .create_event_source_mapping()
                        .function_name(name)
                        .event_source_arn(&arn)
                        .batch_size(m.batch_size)
                        .set_maximum_batching_window_in_seconds(m.sends_batching_window())
                        .set_starting_position(
                            m.starting_position
                                .as_deref()
                                .map(EventSourcePosition::from),
                        )
                        .set_function_response_types(response_types(m))
                        .enabled(true)
                        .send(),
                )
                .await;
            match result {
                Err(e) if role_lacks_permissions(&e) => match waits.next() {
                    Some(wait) => {
                        eprintln!(
                            "Waiting for IAM: Lambda cannot read {arn} as the role yet \
                             (retrying in {} s)",
                            wait.as_secs()
                        );
                        tokio::time::sleep(wait).await;
                    }
                    None => return Err(e.into()),
                },
                other => {
                    other?;
                    return Ok(());
                }
            }
        }
    }

    pub(crate) async fn update_mapping(
        &mut self,
        name: &str,
        uuid: &str,
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        let f = event_function(self.target, name)?;
        let Some(m) = &f.mapping else {
            return Ok(());
        };
        aws.write_call(
            "lambda:UpdateEventSourceMapping",
            format!("event source mapping {uuid} of function {name}"),
            aws.lambda
                .update_event_source_mapping()
                .uuid(uuid)
                .batch_size(m.batch_size)
                .set_maximum_batching_window_in_seconds(m.sends_batching_window())
                .set_function_response_types(response_types(m))
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn delete_event_function(&mut self, name: &str) -> Result<(), DeployError> {
        delete_function(self.aws, name).await?;
        self.state.event_functions.retain(|n| n != name);
        self.save()
    }
}

/// `FunctionResponseTypes` as Lambda takes it: the empty list turns
/// partial batch responses off again.
fn response_types(m: &MappingTarget) -> Option<Vec<FunctionResponseType>> {
    Some(
        m.response_types()
            .iter()
            .map(|t| FunctionResponseType::from(t.as_str()))
            .collect(),
    )
}

/// Deletes a mapping; one already gone is deleted.
pub async fn delete_mapping(aws: &Aws, uuid: &str) -> Result<(), AwsError> {
    found(
        aws.write_call(
            "lambda:DeleteEventSourceMapping",
            format!("event source mapping {uuid}"),
            aws.lambda.delete_event_source_mapping().uuid(uuid).send(),
        )
        .await,
    )?;
    Ok(())
}

/// Deletes a function; one already gone is deleted.
pub async fn delete_function(aws: &Aws, name: &str) -> Result<(), AwsError> {
    found(
        aws.write_call(
            "lambda:DeleteFunction",
            format!("function {name}"),
            aws.lambda.delete_function().function_name(name).send(),
        )
        .await,
    )?;
    Ok(())
}

/// `goblet delete`: each recorded event function goblet made, its
/// mappings first (Lambda keeps a deleted function's mappings). A function
/// of that name that is not goblet's is left alone.
///
/// The log group Lambda made for a function on its first invocation goes
/// with it when `delete_logs` allows (asked for each).
pub async fn delete_all(
    aws: &Aws,
    state: &mut Deployed,
    save: impl Fn(&Deployed) -> Result<(), DeployError>,
    delete_logs: impl Fn(&str) -> Result<bool, DeployError>,
) -> Result<(), DeployError> {
    for name in state.event_functions.clone() {
        match function::observe_function(aws, &name).await? {
            Some(f) if function_is_ours(&f, &state.app_name, &state.stage) => {
                for m in list_mappings(aws, &name).await? {
                    eprintln!(
                        "Deleting event source mapping {} ({} → function {name})",
                        m.uuid, m.source_arn
                    );
                    delete_mapping(aws, &m.uuid).await?;
                }
                eprintln!("Deleting lambda function {name}");
                delete_function(aws, &name).await?;
                let group = crate::resources::log_group::log_group_name(&name);
                if crate::resources::log_group::observe_log_group(aws, &group)
                    .await?
                    .is_some()
                    && delete_logs(&group)?
                {
                    eprintln!("Deleting log group {group}");
                    crate::resources::log_group::delete_log_group(aws, &group).await?;
                }
            }
            Some(_) => eprintln!("Keeping function {name}: it is not goblet's"),
            None => {}
        }
        state.event_functions.retain(|n| *n != name);
        save(state)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::tests_support::described;
    use crate::target::{
        FunctionSettings, LoggingSettings, SourceKind, function_description, tests_support,
    };
    use goblet_core::Method;

    const REGION: &str = "us-east-1";
    const ACCOUNT: &str = "123456789012";
    const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:jobs";

    fn settings(name: &str) -> FunctionSettings {
        FunctionSettings {
            architecture: "x86_64".into(),
            memory_mb: 128,
            timeout_secs: 30,
            environment: BTreeMap::new(),
            logging: LoggingSettings::new(&Default::default(), format!("/aws/lambda/{name}")),
        }
    }

    fn sqs(queue: &str, batch_size: i32) -> Option<MappingTarget> {
        Some(MappingTarget {
            kind: SourceKind::Sqs,
            source: queue.into(),
            batch_size,
            starting_position: None,
        })
    }

    /// The app `a` stage `dev` with the event function `work` on `mapping`.
    fn target(mapping: Option<MappingTarget>) -> Target {
        let mut target = tests_support::target_with(&[(
            "/",
            Method::Get,
            goblet_core::AuthorizationType::None,
            false,
            false,
        )]);
        target.zip_sha256 = "sha".into();
        target.tags = BTreeMap::from([
            ("goblet:app".to_owned(), "a".to_owned()),
            ("goblet:stage".to_owned(), "dev".to_owned()),
        ]);
        target.event_functions = vec![EventFunctionTarget {
            handler: "work".into(),
            function_name: "a-dev-work".into(),
            settings: settings("a-dev-work"),
            mapping,
            rule: None,
            reserved_concurrency: None,
        }];
        target
    }

    /// `name` as the target asks for it, goblet's.
    fn existing(name: &str, handler: &str, mappings: Vec<MappingObs>) -> EventFunctionObs {
        EventFunctionObs {
            function: Some(FunctionObs {
                arn: format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"),
                version: "$LATEST".into(),
                description: function_description("a", "dev"),
                code_sha256: "sha".into(),
                runtime: crate::target::RUNTIME.into(),
                handler: handler.into(),
                role: "arn:aws:iam::123456789012:role/r".into(),
                settings: settings(name),
                tags: BTreeMap::from([
                    ("goblet:app".to_owned(), "a".to_owned()),
                    ("goblet:stage".to_owned(), "dev".to_owned()),
                ]),
                reserved_concurrency: None,
                busy: false,
            }),
            mappings,
            ..Default::default()
        }
    }

    fn mapping(uuid: &str, arn: &str, batch_size: i32, window: i32, partial: bool) -> MappingObs {
        MappingObs {
            uuid: uuid.into(),
            source_arn: arn.into(),
            batch_size,
            batching_window: window,
            response_types: if partial {
                vec!["ReportBatchItemFailures".into()]
            } else {
                vec![]
            },
        }
    }

    /// What the app asks, what exists, the steps, the deletions at the end.
    type Case = (
        Target,
        BTreeMap<String, EventFunctionObs>,
        Vec<&'static str>,
        Vec<&'static str>,
    );

    #[test]
    fn event_functions_are_planned_from_what_exists() {
        let role = Some("arn:aws:iam::123456789012:role/r");
        let work = "a-dev-work";
        let cases: Vec<Case> = vec![
            (
                target(sqs("jobs", 10)),
                BTreeMap::new(),
                vec![
                    "create function a-dev-work",
                    "create event source mapping jobs → function a-dev-work",
                ],
                vec![],
            ),
            // Unchanged: nothing at all.
            (
                target(sqs("jobs", 10)),
                BTreeMap::from([(
                    work.into(),
                    existing(work, "work", vec![mapping("u1", QUEUE_ARN, 10, 0, true)]),
                )]),
                vec![],
                vec![],
            ),
            // A batch of 20 needs a window; one on another queue goes after.
            (
                target(sqs("jobs", 20)),
                BTreeMap::from([(
                    work.into(),
                    existing(
                        work,
                        "work",
                        vec![
                            mapping("u1", QUEUE_ARN, 10, 0, false),
                            mapping("u2", "arn:aws:sqs:us-east-1:123456789012:old", 10, 0, true),
                        ],
                    ),
                )]),
                vec![
                    "change event source mapping u1 of function a-dev-work batch size 10 → 20, \
                     batching window 0 → 1 s, response types [] → [ReportBatchItemFailures]",
                    "delete event source mapping u2 (arn:aws:sqs:us-east-1:123456789012:old → \
                     function a-dev-work)",
                ],
                vec![],
            ),
            // The queue changed: the new mapping first, then the old one goes.
            (
                target(sqs("arn:aws:sqs:us-east-1:123456789012:other", 10)),
                BTreeMap::from([(
                    work.into(),
                    existing(work, "work", vec![mapping("u1", QUEUE_ARN, 10, 0, true)]),
                )]),
                vec![
                    "create event source mapping arn:aws:sqs:us-east-1:123456789012:other → \
                     function a-dev-work",
                    "delete event source mapping u1 (arn:aws:sqs:us-east-1:123456789012:jobs → \
                     function a-dev-work)",
                ],
                vec![],
            ),
            // Now a plain function, with another handler: its mapping goes.
            (
                target(None),
                BTreeMap::from([(
                    work.into(),
                    existing(work, "old", vec![mapping("u1", QUEUE_ARN, 10, 0, true)]),
                )]),
                vec![
                    "change function a-dev-work handler old → work",
                    "delete event source mapping u1 (arn:aws:sqs:us-east-1:123456789012:jobs → \
                     function a-dev-work)",
                ],
                vec![],
            ),
            // A recorded function the app no longer has: its mappings, then it.
            (
                target(sqs("jobs", 10)),
                BTreeMap::from([
                    (
                        work.into(),
                        existing(work, "work", vec![mapping("u1", QUEUE_ARN, 10, 0, true)]),
                    ),
                    (
                        "a-dev-gone".into(),
                        existing(
                            "a-dev-gone",
                            "gone",
                            vec![mapping("u9", QUEUE_ARN, 10, 0, true)],
                        ),
                    ),
                ]),
                vec![],
                vec![
                    "delete event source mapping u9 (arn:aws:sqs:us-east-1:123456789012:jobs → \
                     function a-dev-gone)",
                    "delete function a-dev-gone (its handler is gone from the app)",
                ],
            ),
        ];
        for (i, (target, observed, steps, deletions)) in cases.into_iter().enumerate() {
            let (got, got_deletions) = plan(&target, &observed, role, Some(ACCOUNT), REGION);
            assert_eq!(described(&got), steps, "case {i}");
            assert_eq!(described(&got_deletions), deletions, "case {i}");
        }
    }

    #[test]
    fn a_function_that_is_not_goblets_is_never_deleted() {
        let mut foreign = existing("a-dev-gone", "gone", vec![]);
        if let Some(f) = &mut foreign.function {
            f.tags.clear();
            f.description = "someone else's".into();
        }
        let observed = BTreeMap::from([("a-dev-gone".to_owned(), foreign)]);
        let (_, deletions) = plan(&target(None), &observed, None, Some(ACCOUNT), REGION);
        assert!(
            described(&deletions)
                .iter()
                .all(|d| !d.contains("a-dev-gone"))
        );
    }

    #[test]
    fn sources_and_their_role_statements_are_scoped_to_the_resource() {
        let kinesis = MappingTarget {
            kind: SourceKind::Kinesis,
            source: "clicks".into(),
            batch_size: 100,
            starting_position: Some("LATEST".into()),
        };
        assert_eq!(
            kinesis.source_arn("cn-north-1", ACCOUNT),
            "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/clicks"
        );
        assert_eq!(kinesis.batching_window(), 0);
        assert!(kinesis.response_types().is_empty());
        let statements = kinesis.role_statements(kinesis.source_arn(REGION, ACCOUNT).into());
        assert_eq!(
            statements[0]["Resource"],
            "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
        );
        assert_eq!(statements[1]["Action"], "kinesis:ListStreams");
        let queue = sqs("jobs", 11).unwrap();
        assert_eq!(queue.source_arn(REGION, ACCOUNT), QUEUE_ARN);
        assert_eq!(queue.batching_window(), 1);
        assert_eq!(sqs("jobs", 10).unwrap().batching_window(), 0);
        assert_eq!(sqs("jobs", 10).unwrap().sends_batching_window(), Some(0));
        // FIFO queues take no batching window: none is sent, none compared.
        let fifo = sqs("jobs.fifo", 10).unwrap();
        assert_eq!(fifo.sends_batching_window(), None);
        let reported = mapping(
            "u",
            "arn:aws:sqs:us-east-1:123456789012:jobs.fifo",
            10,
            7,
            true,
        );
        assert!(mapping_changes(&fifo, &reported).is_empty());
        assert_eq!(
            queue.role_statements(QUEUE_ARN.into())[0]["Resource"],
            QUEUE_ARN
        );
        assert_eq!(queue.role_statements(QUEUE_ARN.into()).len(), 1);
        let arn = sqs(QUEUE_ARN, 10).unwrap();
        assert_eq!(arn.source_arn("eu-west-1", "999999999999"), QUEUE_ARN);
        // In templates: as written, or from the name with pseudo parameters.
        assert_eq!(arn.source_arn_template(), QUEUE_ARN);
        assert_eq!(
            kinesis.source_arn_template(),
            serde_json::json!({"Fn::Sub":
                "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/clicks"})
        );

        // The role: the configured policy, each function's log group, each
        // source once.
        let mut t = target(sqs("jobs", 10));
        t.role = crate::target::RoleTarget::Managed {
            name: "r".into(),
            trust_policy: crate::package::role_trust_policy(),
            policy: serde_json::json!({"Version": "2012-10-17", "Statement": [{"Sid": "mine"}]}),
        };
        let mut second = t.event_functions[0].clone();
        second.function_name = "a-dev-more".into();
        second.settings = settings("a-dev-more");
        t.event_functions.push(second);
        let policy = t.role_policy(REGION, ACCOUNT).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 3, "{policy:#}");
        assert_eq!(statements[0]["Sid"], "mine");
        assert_eq!(
            statements[1]["Resource"][0],
            "arn:*:logs:*:*:log-group:/aws/lambda/a-dev-work"
        );
        assert_eq!(statements[1]["Resource"].as_array().unwrap().len(), 4);
        assert_eq!(statements[2]["Resource"], QUEUE_ARN);
        t.role = crate::target::RoleTarget::Existing {
            arn: "arn:aws:iam::123456789012:role/mine".into(),
        };
        assert_eq!(t.role_policy(REGION, ACCOUNT), None);
    }

    #[test]
    fn only_lambdas_permission_error_is_retried() {
        let call = |code: &str, message: &str| AwsError::Call {
            action: "lambda:CreateEventSourceMapping",
            what: "m".into(),
            code: Some(code.into()),
            message: message.into(),
        };
        assert!(role_lacks_permissions(&call(
            "InvalidParameterValueException",
            "The provided execution role does not have permissions to call ReceiveMessage on SQS"
        )));
        assert!(role_lacks_permissions(&call(
            "InvalidParameterValueException",
            "Cannot access stream arn:aws:kinesis:us-east-1:123456789012:stream/clicks. Please \
             ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and \
             ListStreams Actions on your stream in IAM."
        )));
        assert!(!role_lacks_permissions(&call(
            "InvalidParameterValueException",
            "Invalid EventSourceArn"
        )));
        assert!(!role_lacks_permissions(&call(
            "ResourceNotFoundException",
            "execution role does not have permissions"
        )));
    }
}
