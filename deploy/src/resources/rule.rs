//! The EventBridge rules of `#[schedule]` and `#[on_event]` functions: one
//! rule per function, named like it, on the default bus or the attribute's,
//! with the function as its one target (`goblet`) and the statement that
//! lets EventBridge invoke it.
//!
//! Rules are recorded before they are put, so a rule on a bus the app no
//! longer names is found and deleted, and `delete` finds every one.

use aws_sdk_eventbridge::types::{RuleState, Tag, Target as RuleTargetEntry};
use serde_json::Value;

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::resources::permission;
use crate::state::{Deployed, RuleRecord};
use crate::target::{
    EventFunctionTarget, RuleTarget, Target, bus_short_name, partition, rule_description,
};

/// The target id goblet gives its function on its rules.
pub const TARGET_ID: &str = "goblet";
/// The statement id of EventBridge's permission on an event function.
pub const PERMISSION_SID: &str = "goblet-events";

// Observe.

/// A rule as EventBridge describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleObs {
    pub arn: String,
    pub schedule: Option<String>,
    /// The pattern, parsed (EventBridge may store it reformatted).
    pub pattern: Option<Value>,
    pub enabled: bool,
    /// The ARNs of its targets, by id.
    pub targets: Vec<(String, String)>,
    pub description: String,
}

/// The rule `name` on `bus`, if there is one.
pub async fn observe_rule(aws: &Aws, name: &str, bus: &str) -> Result<Option<RuleObs>, AwsError> {
    let got = found(
        aws.read_call(
            "events:DescribeRule",
            format!("rule {name} on bus {bus}"),
            aws.events
                .describe_rule()
                .name(name)
                .event_bus_name(bus)
                .send(),
        )
        .await,
    )?;
    let Some(rule) = got else { return Ok(None) };
    let targets = list_targets(aws, name, bus).await?;
    Ok(Some(RuleObs {
        arn: rule.arn.unwrap_or_default(),
        schedule: rule.schedule_expression.filter(|s| !s.is_empty()),
        pattern: rule
            .event_pattern
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok()),
        enabled: rule.state.as_ref().is_none_or(|s| *s == RuleState::Enabled),
        targets,
        description: rule.description.unwrap_or_default(),
    }))
}

async fn list_targets(aws: &Aws, name: &str, bus: &str) -> Result<Vec<(String, String)>, AwsError> {
    let mut targets = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .read_call(
                "events:ListTargetsByRule",
                format!("rule {name} on bus {bus}"),
                aws.events
                    .list_targets_by_rule()
                    .rule(name)
                    .event_bus_name(bus)
                    .set_next_token(token.clone())
                    .send(),
            )
            .await?;
        targets.extend(
            page.targets
                .unwrap_or_default()
                .into_iter()
                .map(|t| (t.id, t.arn)),
        );
        match page.next_token {
            Some(next) if !next.is_empty() && Some(&next) != token.as_ref() => token = Some(next),
            _ => return Ok(targets),
        }
    }
}

/// EventBridge's statement on the function `name`: its `SourceArn`.
pub async fn observe_permission(aws: &Aws, name: &str) -> Result<Option<String>, AwsError> {
    permission::statement_source(aws, name, None, PERMISSION_SID).await
}

// Plan.

/// What the rule of `f` needs: put (created, or its schedule, pattern or
/// state set again), EventBridge's permission on the function, and the
/// function as its target. `function_arn` and `rule_arn` are what they
/// will be, when the account is known.
pub fn plan(
    f: &EventFunctionTarget,
    rule: &RuleTarget,
    observed: Option<&RuleObs>,
    permission: Option<&str>,
    function_arn: Option<&str>,
    rule_arn: Option<&str>,
) -> Vec<Action> {
    let name = &f.function_name;
    let mut actions = Vec::new();
    match observed {
        None => actions.push(Action::PutRule {
            function: name.clone(),
            changes: Vec::new(),
        }),
        Some(o) => {
            let changes = rule_changes(rule, o);
            if !changes.is_empty() {
                actions.push(Action::PutRule {
                    function: name.clone(),
                    changes,
                });
            }
        }
    }
    let wanted_source = observed.map(|o| o.arn.as_str()).or(rule_arn);
    match permission {
        None => actions.push(Action::AddEventPermission {
            function: name.clone(),
            replace: false,
        }),
        Some(source) if Some(source) != wanted_source => actions.push(Action::AddEventPermission {
            function: name.clone(),
            replace: true,
        }),
        Some(_) => {}
    }
    let targeted = observed.is_some_and(|o| {
        o.targets
            .iter()
            .any(|(id, arn)| id == TARGET_ID && Some(arn.as_str()) == function_arn)
    });
    if !targeted {
        actions.push(Action::PutRuleTarget {
            function: name.clone(),
        });
    }
    actions
}

/// What PutRule would change ("schedule rate(5 minutes) → rate(1 minute)").
fn rule_changes(rule: &RuleTarget, observed: &RuleObs) -> Vec<String> {
    let mut changes = Vec::new();
    let show = |s: Option<&str>| s.unwrap_or("none").to_owned();
    if observed.schedule.as_deref() != rule.schedule.as_deref() {
        changes.push(format!(
            "schedule {} → {}",
            show(observed.schedule.as_deref()),
            show(rule.schedule.as_deref())
        ));
    }
    let wanted: Option<Value> = rule
        .pattern
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    if observed.pattern != wanted {
        changes.push(format!(
            "pattern {} → {}",
            show(observed.pattern.as_ref().map(Value::to_string).as_deref()),
            show(rule.pattern.as_deref())
        ));
    }
    if !observed.enabled {
        changes.push("state DISABLED → ENABLED".to_owned());
    }
    changes
}

/// The recorded rules the target no longer has (another bus, another
/// trigger, a handler gone): deleted at the end of the deploy.
pub fn plan_stale(target: &Target, state: &Deployed) -> Vec<Action> {
    state
        .event_rules
        .iter()
        .filter(|r| {
            !target
                .event_functions
                .iter()
                .filter_map(|f| f.rule.as_ref())
                // One bus however it is written: its name or its ARN.
                .any(|t| t.name == r.name && t.bus_short_name() == bus_short_name(&r.bus))
        })
        .map(|r| Action::DeleteRule {
            name: r.name.clone(),
            bus: r.bus.clone(),
        })
        .collect()
}

// Apply.

fn rule_of<'t>(
    target: &'t Target,
    function: &str,
) -> Result<(&'t EventFunctionTarget, &'t RuleTarget), DeployError> {
    target
        .event_functions
        .iter()
        .find(|f| f.function_name == function)
        .and_then(|f| f.rule.as_ref().map(|r| (f, r)))
        .ok_or_else(|| DeployError::Inconsistent(format!("no rule for function {function}")))
}

impl Apply<'_> {
    fn account_known(&self) -> Result<String, DeployError> {
        self.account.clone().ok_or_else(|| {
            DeployError::Inconsistent("the account of the deploy is not known".into())
        })
    }

    pub(crate) async fn put_rule(&mut self, function: &str) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let (_, rule) = rule_of(t, function)?;
        let record = RuleRecord {
            name: rule.name.clone(),
            bus: rule.bus_name().to_owned(),
        };
        // On record first: a deploy killed during the call leaves it there
        // for `delete` and the next deploy.
        if !self.state.event_rules.contains(&record) {
            self.state.event_rules.push(record);
            self.state.event_rules.sort();
            self.save()?;
        }
        let tags: Vec<Tag> = t
            .tags
            .iter()
            .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
            .collect();
        aws.write_call(
            "events:PutRule",
            format!("rule {} on bus {}", rule.name, rule.bus_name()),
            aws.events
                .put_rule()
                .name(&rule.name)
                .event_bus_name(rule.bus_name())
                .set_schedule_expression(rule.schedule.clone())
                .set_event_pattern(rule.pattern.clone())
                .state(RuleState::Enabled)
                .description(rule_description(&t.app_name, &t.stage, function))
                .set_tags(Some(tags))
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn add_event_permission(
        &mut self,
        function: &str,
        replace: bool,
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        let (_, rule) = rule_of(self.target, function)?;
        let account = self.account_known()?;
        if replace {
            permission::remove_permission(aws, function, PERMISSION_SID).await?;
        }
        aws.write_call(
            "lambda:AddPermission",
            format!("function {function}"),
            aws.lambda
                .add_permission()
                .function_name(function)
                .statement_id(PERMISSION_SID)
                .action("lambda:InvokeFunction")
                .principal("events.amazonaws.com")
                .source_arn(rule.arn(&aws.region, &account))
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn put_rule_target(&mut self, function: &str) -> Result<(), DeployError> {
        let aws = self.aws;
        let (_, rule) = rule_of(self.target, function)?;
        let account = self.account_known()?;
        let arn = format!(
            "arn:{}:lambda:{}:{account}:function:{function}",
            partition(&aws.region),
            aws.region
        );
        let entry = RuleTargetEntry::builder()
            .id(TARGET_ID)
            .arn(arn)
            .build()
            .map_err(|e| DeployError::Inconsistent(e.to_string()))?;
        let out = aws
            .write_call(
                "events:PutTargets",
                format!("rule {} on bus {}", rule.name, rule.bus_name()),
                aws.events
                    .put_targets()
                    .rule(&rule.name)
                    .event_bus_name(rule.bus_name())
                    .targets(entry)
                    .send(),
            )
            .await?;
        if let Some(failed) = out.failed_entries.unwrap_or_default().first() {
            return Err(DeployError::App(format!(
                "EventBridge did not add function {function} to rule {}: {} {}",
                rule.name,
                failed.error_code.as_deref().unwrap_or_default(),
                failed.error_message.as_deref().unwrap_or_default()
            )));
        }
        Ok(())
    }

    pub(crate) async fn delete_rule_step(
        &mut self,
        name: &str,
        bus: &str,
    ) -> Result<(), DeployError> {
        delete_rule(self.aws, name, bus).await?;
        // A function that stays with another trigger keeps no statement of
        // EventBridge's (one whose rule moved to another bus keeps its new
        // one).
        if self
            .target
            .event_functions
            .iter()
            .any(|f| f.function_name == name && f.rule.is_none())
        {
            permission::remove_permission(self.aws, name, PERMISSION_SID).await?;
        }
        self.state
            .event_rules
            .retain(|r| !(r.name == name && r.bus == bus));
        self.save()
    }
}

/// Removes a rule's targets, then the rule; one already gone is deleted.
pub async fn delete_rule(aws: &Aws, name: &str, bus: &str) -> Result<(), AwsError> {
    let targets = match found(list_targets(aws, name, bus).await)? {
        Some(targets) => targets,
        None => return Ok(()),
    };
    if !targets.is_empty() {
        aws.write_call(
            "events:RemoveTargets",
            format!("rule {name} on bus {bus}"),
            aws.events
                .remove_targets()
                .rule(name)
                .event_bus_name(bus)
                .set_ids(Some(targets.into_iter().map(|(id, _)| id).collect()))
                .send(),
        )
        .await?;
    }
    found(
        aws.write_call(
            "events:DeleteRule",
            format!("rule {name} on bus {bus}"),
            aws.events
                .delete_rule()
                .name(name)
                .event_bus_name(bus)
                .send(),
        )
        .await,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::tests_support::described;
    use crate::target::{FunctionSettings, LoggingSettings};

    const RULE_ARN: &str = "arn:aws:events:us-east-1:123456789012:rule/a-dev-tick";
    const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:a-dev-tick";

    fn function(rule: RuleTarget) -> EventFunctionTarget {
        EventFunctionTarget {
            handler: "tick".into(),
            function_name: "a-dev-tick".into(),
            settings: FunctionSettings {
                architecture: "x86_64".into(),
                memory_mb: 128,
                timeout_secs: 3,
                environment: Default::default(),
                logging: LoggingSettings::new(&Default::default(), "/aws/lambda/a-dev-tick".into()),
            },
            mapping: None,
            rule: Some(rule),
            reserved_concurrency: None,
        }
    }

    fn schedule(expression: &str) -> RuleTarget {
        RuleTarget {
            name: "a-dev-tick".into(),
            bus: None,
            schedule: Some(expression.into()),
            pattern: None,
        }
    }

    fn observed(
        schedule: Option<&str>,
        pattern: Option<Value>,
        enabled: bool,
        targeted: bool,
    ) -> RuleObs {
        RuleObs {
            arn: RULE_ARN.into(),
            schedule: schedule.map(str::to_owned),
            pattern,
            enabled,
            targets: if targeted {
                vec![(TARGET_ID.into(), FUNCTION_ARN.into())]
            } else {
                vec![(
                    "theirs".into(),
                    "arn:aws:sqs:us-east-1:123456789012:q".into(),
                )]
            },
            description: rule_description("a", "dev", "a-dev-tick"),
        }
    }

    /// The rule, what exists, EventBridge's statement's SourceArn, the steps.
    type Case = (
        RuleTarget,
        Option<RuleObs>,
        Option<&'static str>,
        Vec<&'static str>,
    );

    #[test]
    fn rules_are_planned_from_what_exists() {
        let tick = schedule("rate(5 minutes)");
        let pattern = RuleTarget {
            schedule: None,
            pattern: Some(r#"{"source": ["shop.orders"]}"#.into()),
            bus: Some("orders".into()),
            ..tick.clone()
        };
        let all_new = vec![
            "create EventBridge rule a-dev-tick",
            "create permission events.amazonaws.com → lambda:InvokeFunction a-dev-tick",
            "create EventBridge rule a-dev-tick target → function a-dev-tick",
        ];
        let cases: Vec<Case> = vec![
            (tick.clone(), None, None, all_new),
            (
                tick.clone(),
                Some(observed(Some("rate(5 minutes)"), None, true, true)),
                Some(RULE_ARN),
                vec![],
            ),
            // A new schedule is one PutRule.
            (
                schedule("rate(1 minute)"),
                Some(observed(Some("rate(5 minutes)"), None, true, true)),
                Some(RULE_ARN),
                vec![
                    "change EventBridge rule a-dev-tick schedule rate(5 minutes) → rate(1 minute)",
                ],
            ),
            // Disabled by hand, the statement for another rule, not a target.
            (
                tick.clone(),
                Some(observed(Some("rate(5 minutes)"), None, false, false)),
                Some("arn:aws:events:us-east-1:123456789012:rule/other"),
                vec![
                    "change EventBridge rule a-dev-tick state DISABLED → ENABLED",
                    "change permission events.amazonaws.com → lambda:InvokeFunction a-dev-tick \
                     (SourceArn)",
                    "create EventBridge rule a-dev-tick target → function a-dev-tick",
                ],
            ),
            // Patterns compare as JSON, however EventBridge spaced them.
            (
                pattern.clone(),
                Some(observed(
                    None,
                    Some(serde_json::json!({"source": ["shop.orders"]})),
                    true,
                    true,
                )),
                Some(RULE_ARN),
                vec![],
            ),
            (
                pattern,
                Some(observed(Some("rate(5 minutes)"), None, true, true)),
                Some(RULE_ARN),
                vec![
                    "change EventBridge rule a-dev-tick schedule rate(5 minutes) → none, pattern \
                     none → {\"source\": [\"shop.orders\"]}",
                ],
            ),
        ];
        for (i, (rule, obs, permission, steps)) in cases.into_iter().enumerate() {
            let f = function(rule.clone());
            let got = plan(
                &f,
                &rule,
                obs.as_ref(),
                permission,
                Some(FUNCTION_ARN),
                Some(RULE_ARN),
            );
            assert_eq!(described(&got), steps, "case {i}");
        }
    }

    #[test]
    fn rule_arns_name_their_bus() {
        let mut rule = schedule("rate(1 day)");
        assert_eq!(
            rule.arn("us-east-1", "123456789012"),
            "arn:aws:events:us-east-1:123456789012:rule/a-dev-tick"
        );
        rule.bus = Some("orders".into());
        assert_eq!(
            rule.arn("cn-north-1", "123456789012"),
            "arn:aws-cn:events:cn-north-1:123456789012:rule/orders/a-dev-tick"
        );
        rule.bus = Some("arn:aws:events:us-east-1:123456789012:event-bus/orders".into());
        assert_eq!(
            rule.bus_name(),
            "arn:aws:events:us-east-1:123456789012:event-bus/orders"
        );
        assert_eq!(
            rule.arn("us-east-1", "123456789012"),
            "arn:aws:events:us-east-1:123456789012:rule/orders/a-dev-tick"
        );
        rule.bus = Some("default".into());
        assert_eq!(
            rule.arn("us-east-1", "1"),
            "arn:aws:events:us-east-1:1:rule/a-dev-tick"
        );
    }

    #[test]
    fn recorded_rules_the_app_no_longer_has_are_deleted() {
        let mut target = crate::target::tests_support::target_with(&[]);
        target.event_functions = vec![function(schedule("rate(1 day)"))];
        let mut state = Deployed::new("a", "dev", "us-east-1");
        state.event_rules = vec![
            RuleRecord {
                name: "a-dev-tick".into(),
                bus: "default".into(),
            },
            RuleRecord {
                name: "a-dev-tick".into(),
                bus: "orders".into(),
            },
            // The default bus by its ARN is the default bus.
            RuleRecord {
                name: "a-dev-tick".into(),
                bus: "arn:aws:events:us-east-1:123456789012:event-bus/default".into(),
            },
            RuleRecord {
                name: "a-dev-gone".into(),
                bus: "default".into(),
            },
        ];
        assert_eq!(
            described(&plan_stale(&target, &state)),
            [
                "delete EventBridge rule a-dev-tick on bus orders",
                "delete EventBridge rule a-dev-gone on bus default",
            ]
        );
    }
}
