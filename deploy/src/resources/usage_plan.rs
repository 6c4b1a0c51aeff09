//! The usage plan and API key of a stage whose routes say `api_key = true`.
//! Without them API Gateway answers every such request 403 `Forbidden`:
//! a method that requires a key accepts only keys of a usage plan that
//! includes the method's stage.
//!
//! The plan is `{app}-{stage}`, tagged, with the deployed stage among its API
//! stages and the configured throttle and quota. Its key is goblet's own
//! (`{app}-{stage}`, tagged; the value is shown once by `goblet deploy` and
//! again by `goblet api-key`) unless `api_key_ids` names existing keys.

use std::collections::BTreeSet;

use aws_sdk_apigateway::types::{
    ApiStage, Op, PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings,
};

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::resources::{every_page, goblet_tags, recorded_or_ours};
use crate::state::Deployed;
use crate::target::{Target, function_description};

/// The key type of every usage plan key goblet adds.
const KEY_TYPE: &str = "API_KEY";

/// The usage plan a stage wants.
#[derive(Debug, Clone, PartialEq)]
pub struct UsagePlanTarget {
    /// `{app}-{stage}`: the plan's name, and goblet's key's.
    pub name: String,
    pub throttle: Option<Throttle>,
    pub quota: Option<Quota>,
    /// Existing keys to attach; empty: goblet's own key.
    pub api_key_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Throttle {
    pub rate_limit: Option<f64>,
    pub burst_limit: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    pub limit: i32,
    /// `DAY`, `WEEK` or `MONTH`.
    pub period: String,
}

// Observe.

#[derive(Debug, Clone, PartialEq)]
pub struct UsagePlanObs {
    pub id: String,
    /// (REST API id, stage) pairs.
    pub api_stages: Vec<(String, String)>,
    pub throttle: Option<Throttle>,
    pub quota: Option<Quota>,
    /// The ids of the keys in the plan.
    pub keys: BTreeSet<String>,
}

/// goblet's usage plan for the stage (the recorded one, else the one named and
/// tagged for it) and goblet's own API key's id.
pub async fn observe(
    aws: &Aws,
    name: &str,
    app: &str,
    stage: &str,
    state: &Deployed,
) -> Result<(Option<UsagePlanObs>, Option<String>), AwsError> {
    let plan = find_plan(aws, name, app, stage, state.usage_plan.as_deref()).await?;
    let plan = match plan {
        Some(mut plan) => {
            let keys = aws
                .read_call(
                    "apigateway:GET",
                    format!("keys of usage plan {}", plan.id),
                    aws.apigateway
                        .get_usage_plan_keys()
                        .usage_plan_id(&plan.id)
                        .limit(500)
                        .send(),
                )
                .await?;
            plan.keys = keys
                .items
                .unwrap_or_default()
                .into_iter()
                .filter_map(|k| k.id)
                .collect();
            Some(plan)
        }
        None => None,
    };
    let key = find_key(aws, name, app, stage, state.api_key.as_deref()).await?;
    Ok((plan, key))
}

async fn find_plan(
    aws: &Aws,
    name: &str,
    app: &str,
    stage: &str,
    recorded: Option<&str>,
) -> Result<Option<UsagePlanObs>, AwsError> {
    let plans = every_page(|position| async move {
        let page = aws
            .read_call(
                "apigateway:GET",
                "list usage plans",
                aws.apigateway
                    .get_usage_plans()
                    .limit(500)
                    .set_position(position)
                    .send(),
            )
            .await?;
        Ok((page.items.unwrap_or_default(), page.position))
    })
    .await?;
    let chosen = recorded_or_ours(
        &plans,
        recorded,
        |plan| plan.id.as_deref(),
        |plan| {
            let tags = plan.tags.clone().unwrap_or_default().into_iter().collect();
            plan.name.as_deref() == Some(name) && goblet_tags(&tags, app, stage)
        },
    );
    Ok(chosen.map(|plan| UsagePlanObs {
        id: plan.id.clone().unwrap_or_default(),
        api_stages: plan
            .api_stages
            .iter()
            .flatten()
            .map(|s| {
                let text = |t: &Option<String>| t.clone().unwrap_or_default();
                (text(&s.api_id), text(&s.stage))
            })
            .collect(),
        throttle: plan.throttle.as_ref().map(|t| Throttle {
            rate_limit: Some(t.rate_limit).filter(|r| *r != 0.0),
            burst_limit: Some(t.burst_limit).filter(|b| *b != 0),
        }),
        quota: plan.quota.as_ref().and_then(|q| {
            Some(Quota {
                limit: q.limit,
                period: q.period.as_ref()?.as_str().to_owned(),
            })
        }),
        keys: BTreeSet::new(),
    }))
}

async fn find_key(
    aws: &Aws,
    name: &str,
    app: &str,
    stage: &str,
    recorded: Option<&str>,
) -> Result<Option<String>, AwsError> {
    let keys = every_page(|position| async move {
        let page = aws
            .read_call(
                "apigateway:GET",
                format!("API keys named {name}"),
                aws.apigateway
                    .get_api_keys()
                    .name_query(name)
                    .limit(500)
                    .set_position(position)
                    .send(),
            )
            .await?;
        Ok((page.items.unwrap_or_default(), page.position))
    })
    .await?;
    let chosen = recorded_or_ours(
        &keys,
        recorded,
        |key| key.id.as_deref(),
        |key| {
            let tags = key.tags.clone().unwrap_or_default().into_iter().collect();
            key.name.as_deref() == Some(name) && goblet_tags(&tags, app, stage)
        },
    );
    Ok(chosen.and_then(|key| key.id.clone()))
}

// Plan.

/// A key to add to the plan: goblet's own (made in this deploy or found) or
/// a configured one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    Managed,
    Id(String),
}

/// One change of an existing plan, made by `UpdateUsagePlan`.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanChange {
    /// The deployed stage of goblet's REST API joins the plan.
    AddStage,
    RemoveStage {
        api_id: String,
        stage: String,
    },
    Throttle(Option<Throttle>),
    Quota(Option<Quota>),
}

/// What the stage's usage plan and key need: made, brought in line, or (no
/// route needs a key any more) deleted. Planned after the deployment: a
/// plan's API stage must exist.
pub fn plan(
    target: &Target,
    observed: Option<&UsagePlanObs>,
    managed_key: Option<&str>,
    api_id: Option<&str>,
) -> Vec<Action> {
    let mut actions = Vec::new();
    let Some(wanted) = &target.usage_plan else {
        if let Some(plan) = observed {
            actions.push(Action::DeleteUsagePlan {
                stages: plan.api_stages.clone(),
            });
        }
        if managed_key.is_some() {
            actions.push(Action::DeleteApiKey);
        }
        return actions;
    };
    let own_key = wanted.api_key_ids.is_empty();
    if own_key && managed_key.is_none() {
        actions.push(Action::CreateApiKey);
    }
    let current_keys = match observed {
        None => {
            actions.push(Action::CreateUsagePlan);
            BTreeSet::new()
        }
        Some(plan) => {
            let changes = plan_changes(target, wanted, plan, api_id);
            if !changes.is_empty() {
                actions.push(Action::UpdateUsagePlan { changes });
            }
            plan.keys.clone()
        }
    };
    let wanted_keys: Vec<KeyRef> = if own_key {
        vec![match managed_key {
            Some(id) => KeyRef::Id(id.to_owned()),
            None => KeyRef::Managed,
        }]
    } else {
        wanted.api_key_ids.iter().cloned().map(KeyRef::Id).collect()
    };
    for key in &wanted_keys {
        let present = matches!(key, KeyRef::Id(id) if current_keys.contains(id));
        if !present {
            actions.push(Action::AddUsagePlanKey { key: key.clone() });
        }
    }
    for id in &current_keys {
        if !wanted_keys.contains(&KeyRef::Id(id.clone())) {
            actions.push(Action::RemoveUsagePlanKey { key_id: id.clone() });
        }
    }
    if !own_key && managed_key.is_some() {
        actions.push(Action::DeleteApiKey);
    }
    actions
}

fn plan_changes(
    target: &Target,
    wanted: &UsagePlanTarget,
    plan: &UsagePlanObs,
    api_id: Option<&str>,
) -> Vec<PlanChange> {
    let mut changes = Vec::new();
    let has_stage = api_id.is_some_and(|api| {
        plan.api_stages
            .iter()
            .any(|(a, s)| a == api && *s == target.api_stage)
    });
    if !has_stage {
        changes.push(PlanChange::AddStage);
    }
    for (a, s) in &plan.api_stages {
        if Some(a.as_str()) != api_id || *s != target.api_stage {
            changes.push(PlanChange::RemoveStage {
                api_id: a.clone(),
                stage: s.clone(),
            });
        }
    }
    if plan.throttle != wanted.throttle {
        changes.push(PlanChange::Throttle(wanted.throttle.clone()));
    }
    if plan.quota != wanted.quota {
        changes.push(PlanChange::Quota(wanted.quota.clone()));
    }
    changes
}

/// "stage api, throttle 10/s burst 20" for a plan's description.
pub fn describe_changes(changes: &[PlanChange], stage: &str) -> String {
    let words: Vec<String> = changes
        .iter()
        .map(|c| match c {
            PlanChange::AddStage => format!("+ stage {stage}"),
            PlanChange::RemoveStage { api_id, stage } => format!("- stage {api_id}/{stage}"),
            PlanChange::Throttle(None) => "throttle → none".to_owned(),
            PlanChange::Throttle(Some(t)) => format!(
                "throttle → {} a second, burst {}",
                t.rate_limit.map_or("any".to_owned(), |r| r.to_string()),
                t.burst_limit.map_or("any".to_owned(), |b| b.to_string())
            ),
            PlanChange::Quota(None) => "quota → none".to_owned(),
            PlanChange::Quota(Some(q)) => format!("quota → {} a {}", q.limit, q.period),
        })
        .collect();
    words.join(", ")
}

// Apply.

fn throttle_settings(t: &Throttle) -> ThrottleSettings {
    ThrottleSettings::builder()
        .set_rate_limit(t.rate_limit)
        .set_burst_limit(t.burst_limit)
        .build()
}

fn quota_settings(q: &Quota) -> QuotaSettings {
    QuotaSettings::builder()
        .limit(q.limit)
        .period(QuotaPeriodType::from(q.period.as_str()))
        .build()
}

fn patch(op: Op, path: &str, value: Option<String>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value)
        .build()
}

impl Apply<'_> {
    fn wanted_plan(&self) -> Result<&UsagePlanTarget, DeployError> {
        self.target
            .usage_plan
            .as_ref()
            .ok_or_else(|| DeployError::Inconsistent("no usage plan is wanted".into()))
    }

    fn usage_plan_id(&self) -> Result<String, DeployError> {
        self.state
            .usage_plan
            .clone()
            .ok_or_else(|| DeployError::Inconsistent("the usage plan's id is not known".into()))
    }

    pub(crate) async fn create_api_key(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let name = self.wanted_plan()?.name.clone();
        let out = aws
            .write_call(
                "apigateway:POST",
                format!("create API key {name}"),
                aws.apigateway
                    .create_api_key()
                    .name(&name)
                    .description(function_description(&t.app_name, &t.stage))
                    .enabled(true)
                    .set_tags(Some(t.tags.clone().into_iter().collect()))
                    .send(),
            )
            .await?;
        let id = out.id.unwrap_or_default();
        self.state.api_key = Some(id.clone());
        self.save()?;
        if let Some(value) = out.value {
            // Shown once here; `goblet api-key` reads it again from API Gateway.
            eprintln!(
                "API key {id} of stage {} (send it as x-api-key; `goblet api-key --stage {}` shows it again):\n  {value}",
                t.stage, t.stage
            );
        }
        Ok(())
    }

    pub(crate) async fn create_usage_plan(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let wanted = self.wanted_plan()?.clone();
        let api = self.api_id()?;
        let out = aws
            .write_call(
                "apigateway:POST",
                format!("create usage plan {}", wanted.name),
                aws.apigateway
                    .create_usage_plan()
                    .name(&wanted.name)
                    .description(function_description(&t.app_name, &t.stage))
                    .api_stages(ApiStage::builder().api_id(&api).stage(&t.api_stage).build())
                    .set_throttle(wanted.throttle.as_ref().map(throttle_settings))
                    .set_quota(wanted.quota.as_ref().map(quota_settings))
                    .set_tags(Some(t.tags.clone().into_iter().collect()))
                    .send(),
            )
            .await?;
        self.state.usage_plan = out.id;
        self.save()
    }

    pub(crate) async fn update_usage_plan(
        &mut self,
        changes: &[PlanChange],
    ) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let plan = self.usage_plan_id()?;
        let api = self.api_id()?;
        let mut ops = Vec::new();
        for change in changes {
            match change {
                PlanChange::AddStage => ops.push(patch(
                    Op::Add,
                    "/apiStages",
                    Some(format!("{api}:{}", t.api_stage)),
                )),
                PlanChange::RemoveStage { api_id, stage } => ops.push(patch(
                    Op::Remove,
                    "/apiStages",
                    Some(format!("{api_id}:{stage}")),
                )),
                PlanChange::Throttle(None) => ops.push(patch(Op::Remove, "/throttle", None)),
                PlanChange::Throttle(Some(throttle)) => {
                    if let Some(rate) = throttle.rate_limit {
                        ops.push(patch(
                            Op::Replace,
                            "/throttle/rateLimit",
                            Some(rate.to_string()),
                        ));
                    }
                    if let Some(burst) = throttle.burst_limit {
                        ops.push(patch(
                            Op::Replace,
                            "/throttle/burstLimit",
                            Some(burst.to_string()),
                        ));
                    }
                }
                PlanChange::Quota(None) => ops.push(patch(Op::Remove, "/quota", None)),
                PlanChange::Quota(Some(quota)) => {
                    ops.push(patch(
                        Op::Replace,
                        "/quota/limit",
                        Some(quota.limit.to_string()),
                    ));
                    ops.push(patch(
                        Op::Replace,
                        "/quota/period",
                        Some(quota.period.clone()),
                    ));
                }
            }
        }
        aws.write_call(
            "apigateway:PATCH",
            format!("usage plan {plan}"),
            aws.apigateway
                .update_usage_plan()
                .usage_plan_id(&plan)
                .set_patch_operations(Some(ops))
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn add_usage_plan_key(&mut self, key: &KeyRef) -> Result<(), DeployError> {
        let aws = self.aws;
        let plan = self.usage_plan_id()?;
        let key_id = match key {
            KeyRef::Id(id) => id.clone(),
            KeyRef::Managed => self.state.api_key.clone().ok_or_else(|| {
                DeployError::Inconsistent("goblet's API key's id is not known".into())
            })?,
        };
        let added = aws
            .write_call(
                "apigateway:POST",
                format!("add key {key_id} to usage plan {plan}"),
                aws.apigateway
                    .create_usage_plan_key()
                    .usage_plan_id(&plan)
                    .key_id(&key_id)
                    .key_type(KEY_TYPE)
                    .send(),
            )
            .await;
        match added {
            // Added by a deploy killed before it heard back.
            Err(e) if e.code() == Some("ConflictException") => Ok(()),
            Err(e) => Err(e.into()),
            Ok(_) => Ok(()),
        }
    }

    pub(crate) async fn remove_usage_plan_key(&mut self, key_id: &str) -> Result<(), DeployError> {
        let aws = self.aws;
        let plan = self.usage_plan_id()?;
        found(
            aws.write_call(
                "apigateway:DELETE",
                format!("remove key {key_id} from usage plan {plan}"),
                aws.apigateway
                    .delete_usage_plan_key()
                    .usage_plan_id(&plan)
                    .key_id(key_id)
                    .send(),
            )
            .await,
        )?;
        Ok(())
    }

    pub(crate) async fn delete_usage_plan(
        &mut self,
        stages: &[(String, String)],
    ) -> Result<(), DeployError> {
        let plan = self.usage_plan_id()?;
        delete_usage_plan(self.aws, &plan, stages).await?;
        self.state.usage_plan = None;
        self.save()
    }

    pub(crate) async fn delete_api_key(&mut self) -> Result<(), DeployError> {
        if let Some(id) = self.state.api_key.clone() {
            delete_api_key(self.aws, &id).await?;
        }
        self.state.api_key = None;
        self.save()
    }
}

/// Deletes a usage plan: its API stages first (API Gateway refuses to delete
/// a plan that still has them, and a stage that is in a plan).
pub async fn delete_usage_plan(
    aws: &Aws,
    plan: &str,
    stages: &[(String, String)],
) -> Result<(), AwsError> {
    if !stages.is_empty() {
        let ops = stages
            .iter()
            .map(|(api, stage)| patch(Op::Remove, "/apiStages", Some(format!("{api}:{stage}"))))
            .collect();
        found(
            aws.write_call(
                "apigateway:PATCH",
                format!("usage plan {plan}"),
                aws.apigateway
                    .update_usage_plan()
                    .usage_plan_id(plan)
                    .set_patch_operations(Some(ops))
                    .send(),
            )
            .await,
        )?;
    }
    found(
        aws.write_call(
            "apigateway:DELETE",
            format!("usage plan {plan}"),
            aws.apigateway
                .delete_usage_plan()
                .usage_plan_id(plan)
                .send(),
        )
        .await,
    )?;
    Ok(())
}

pub async fn delete_api_key(aws: &Aws, id: &str) -> Result<(), AwsError> {
    found(
        aws.write_call(
            "apigateway:DELETE",
            format!("API key {id}"),
            aws.apigateway.delete_api_key().api_key(id).send(),
        )
        .await,
    )?;
    Ok(())
}

/// The stages of the usage plan `plan`, for [`delete_usage_plan`].
pub async fn plan_stages(aws: &Aws, plan: &str) -> Result<Vec<(String, String)>, AwsError> {
    let got = found(
        aws.read_call(
            "apigateway:GET",
            format!("usage plan {plan}"),
            aws.apigateway.get_usage_plan().usage_plan_id(plan).send(),
        )
        .await,
    )?;
    Ok(got
        .and_then(|p| p.api_stages)
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.api_id.unwrap_or_default(), s.stage.unwrap_or_default()))
        .collect())
}

/// The value of API key `id` (`goblet api-key`).
pub async fn key_value(aws: &Aws, id: &str) -> Result<Option<String>, AwsError> {
    let got = found(
        aws.read_call(
            "apigateway:GET",
            format!("API key {id}"),
            aws.apigateway
                .get_api_key()
                .api_key(id)
                .include_value(true)
                .send(),
        )
        .await,
    )?;
    Ok(got.and_then(|k| k.value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::tests_support::target_with;
    use goblet_core::{AuthorizationType, Method};

    /// (case, target, plan found, goblet's key found, the actions).
    type Row = (
        &'static str,
        Target,
        Option<UsagePlanObs>,
        Option<&'static str>,
        Vec<Action>,
    );

    fn wanted(ids: &[&str], throttle: Option<Throttle>) -> Target {
        let mut t = target_with(&[("/k", Method::Get, AuthorizationType::None, true, false)]);
        t.usage_plan = Some(UsagePlanTarget {
            name: "a-dev".into(),
            throttle,
            quota: None,
            api_key_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        });
        t
    }

    fn existing(keys: &[&str], api: &str) -> UsagePlanObs {
        UsagePlanObs {
            id: "plan1".into(),
            api_stages: vec![(api.into(), "api".into())],
            throttle: None,
            quota: None,
            keys: keys.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn the_plan_follows_the_routes_and_the_configuration() {
        let limited = Some(Throttle {
            rate_limit: Some(10.0),
            burst_limit: Some(20),
        });
        let no_plan = target_with(&[("/", Method::Get, AuthorizationType::None, false, false)]);
        let rows: Vec<Row> = vec![
            (
                "first deploy: goblet's key",
                wanted(&[], None),
                None,
                None,
                vec![
                    Action::CreateApiKey,
                    Action::CreateUsagePlan,
                    Action::AddUsagePlanKey {
                        key: KeyRef::Managed,
                    },
                ],
            ),
            (
                "first deploy: the configured keys",
                wanted(&["aaaaaaaaaa", "bbbbbbbbbb"], None),
                None,
                None,
                vec![
                    Action::CreateUsagePlan,
                    Action::AddUsagePlanKey {
                        key: KeyRef::Id("aaaaaaaaaa".into()),
                    },
                    Action::AddUsagePlanKey {
                        key: KeyRef::Id("bbbbbbbbbb".into()),
                    },
                ],
            ),
            (
                "all in place",
                wanted(&[], None),
                Some(existing(&["key1"], "api1")),
                Some("key1"),
                vec![],
            ),
            (
                "throttle configured",
                wanted(&[], limited.clone()),
                Some(existing(&["key1"], "api1")),
                Some("key1"),
                vec![Action::UpdateUsagePlan {
                    changes: vec![PlanChange::Throttle(limited)],
                }],
            ),
            (
                "a new REST API (the old one deleted out of band)",
                wanted(&[], None),
                Some(existing(&["key1"], "old")),
                Some("key1"),
                vec![Action::UpdateUsagePlan {
                    changes: vec![
                        PlanChange::AddStage,
                        PlanChange::RemoveStage {
                            api_id: "old".into(),
                            stage: "api".into(),
                        },
                    ],
                }],
            ),
            (
                "goblet's key replaced by a configured one",
                wanted(&["aaaaaaaaaa"], None),
                Some(existing(&["key1"], "api1")),
                Some("key1"),
                vec![
                    Action::AddUsagePlanKey {
                        key: KeyRef::Id("aaaaaaaaaa".into()),
                    },
                    Action::RemoveUsagePlanKey {
                        key_id: "key1".into(),
                    },
                    Action::DeleteApiKey,
                ],
            ),
            (
                "no route needs a key any more",
                no_plan,
                Some(existing(&["key1"], "api1")),
                Some("key1"),
                vec![
                    Action::DeleteUsagePlan {
                        stages: vec![("api1".into(), "api".into())],
                    },
                    Action::DeleteApiKey,
                ],
            ),
        ];
        for (name, target, observed, key, expected) in rows {
            let got = plan(&target, observed.as_ref(), key, Some("api1"));
            assert_eq!(got, expected, "{name}");
        }
    }
}
