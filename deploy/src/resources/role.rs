//! goblet's IAM role (unless `iam_role_arn` names the user's own) and its
//! inline policy `goblet`; and the retired role, goblet's own that the stage
//! no longer uses.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::resources::tag_changes;
use crate::state::{Deployed, RoleRecord};
use crate::target::{ROLE_POLICY_NAME, RoleTarget, TAG_REGION, Target, account_of, role_arn_in};

// Observe.

#[derive(Debug)]
pub struct RoleObs {
    pub arn: String,
    pub trust_policy: Option<Value>,
    pub policy: Option<Value>,
    pub tags: BTreeMap<String, String>,
}

pub async fn observe_role(aws: &Aws, name: &str) -> Result<Option<RoleObs>, AwsError> {
    let role = found(
        aws.read_call(
            "iam:GetRole",
            format!("role {name}"),
            aws.iam.get_role().role_name(name).send(),
        )
        .await,
    )?;
    let Some(role) = role.and_then(|r| r.role) else {
        return Ok(None);
    };
    let policy = found(
        aws.read_call(
            "iam:GetRolePolicy",
            format!("role {name}"),
            aws.iam
                .get_role_policy()
                .role_name(name)
                .policy_name(ROLE_POLICY_NAME)
                .send(),
        )
        .await,
    )?;
    Ok(Some(RoleObs {
        tags: role
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect(),
        arn: role.arn,
        trust_policy: role
            .assume_role_policy_document
            .as_deref()
            .and_then(policy_json),
        policy: policy.and_then(|p| policy_json(&p.policy_document)),
    }))
}

/// IAM returns policy documents URL-encoded.
pub fn policy_json(document: &str) -> Option<Value> {
    let decoded = percent_encoding::percent_decode_str(document).decode_utf8_lossy();
    serde_json::from_str(&decoded)
        .ok()
        .or_else(|| serde_json::from_str(document).ok())
}

/// The ARN of the role the function should run as, when it is known: the
/// user's `iam_role_arn`, or goblet's role if it exists.
pub fn role_arn(target: &Target, observed: Option<&RoleObs>) -> Option<String> {
    match &target.role {
        RoleTarget::Existing { arn } => Some(arn.clone()),
        RoleTarget::Managed { .. } => observed.map(|r| r.arn.clone()),
    }
}

/// The ARN the function should run as, when it can be known before the role
/// exists: [`role_arn`], else the ARN goblet's role will have once created
/// in `account`. This is what lets one deploy create the managed role and
/// move the function onto it (back from `iam_role_arn`, say).
pub fn planned_arn(
    target: &Target,
    observed: Option<&RoleObs>,
    account: Option<&str>,
    region: &str,
) -> Option<String> {
    role_arn(target, observed).or_else(|| match &target.role {
        RoleTarget::Managed { name, .. } => account.map(|a| role_arn_in(region, a, name)),
        RoleTarget::Existing { .. } => None,
    })
}

/// Keeps using the managed role the record names, in the record's region,
/// when its name is not the one [`crate::target::managed_role_name`] gives
/// (a goblet before roles were per region named it `{function}`): a deploy
/// of an existing stage must not strand it for a new one. Says whether it
/// did.
pub fn adopt_recorded(target: &mut Target, state: &Deployed) -> bool {
    let (RoleTarget::Managed { name, .. }, Some(recorded)) = (&mut target.role, &state.role) else {
        return false;
    };
    if !recorded.managed || recorded.name == *name {
        return false;
    }
    *name = recorded.name.clone();
    true
}

/// The tags of goblet's role: the stage's, and the region it is for.
pub fn role_tags(target: &Target, region: &str) -> BTreeMap<String, String> {
    let mut tags = target.tags.clone();
    tags.insert(TAG_REGION.to_owned(), region.to_owned());
    tags
}

/// The region another deployment's role is tagged for, when `tags` name a
/// region other than `region`. A role without the tag (made by a goblet
/// before roles were per region) names none.
pub fn other_region<'t>(tags: &'t BTreeMap<String, String>, region: &str) -> Option<&'t str> {
    tags.get(TAG_REGION)
        .map(String::as_str)
        .filter(|r| *r != region)
}

/// The region tag of role `name`: `Ok(None)` when the role does not exist.
pub async fn role_region(aws: &Aws, name: &str) -> Result<Option<Option<String>>, AwsError> {
    let role = found(
        aws.read_call(
            "iam:GetRole",
            format!("role {name}"),
            aws.iam.get_role().role_name(name).send(),
        )
        .await,
    )?;
    Ok(role.and_then(|r| r.role).map(|r| {
        r.tags
            .unwrap_or_default()
            .into_iter()
            .find(|t| t.key == TAG_REGION)
            .map(|t| t.value)
    }))
}

/// The record of the role the stage runs as (`arn`, found or created).
pub fn record(target: &Target, state: &Deployed, arn: &str) -> RoleRecord {
    let (name, managed) = match &target.role {
        RoleTarget::Managed { name, .. } => (name.clone(), true),
        // Still goblet's (and deleted with the stage) when
        // `iam_role_arn` names the role goblet made.
        RoleTarget::Existing { arn } => (
            arn.rsplit('/').next().unwrap_or(arn).to_owned(),
            state
                .role
                .as_ref()
                .is_some_and(|r| r.managed && r.arn == *arn),
        ),
    };
    RoleRecord {
        name,
        arn: arn.to_owned(),
        managed,
    }
}

// Plan.

/// goblet's role: created with its policy, or its trust policy, policy and
/// tags (with the `region` it is for) brought in line. Nothing when the role
/// is the user's.
pub fn plan(target: &Target, observed: Option<&RoleObs>, region: &str) -> Vec<Action> {
    let RoleTarget::Managed { trust_policy, .. } = &target.role else {
        return Vec::new();
    };
    let Some(role) = observed else {
        return vec![Action::CreateRole, Action::PutRolePolicy { create: true }];
    };
    let mut actions = Vec::new();
    if role.trust_policy.as_ref() != Some(trust_policy) {
        actions.push(Action::UpdateTrustPolicy);
    }
    let account = crate::target::account_of(&role.arn).unwrap_or_default();
    let policy = target.role_policy(region, account);
    match &role.policy {
        None => actions.push(Action::PutRolePolicy { create: true }),
        Some(p) if Some(p) != policy.as_ref() => {
            actions.push(Action::PutRolePolicy { create: false })
        }
        Some(_) => {}
    }
    let (tags, keys) = tag_changes(&role.tags, &role_tags(target, region));
    if !tags.is_empty() {
        actions.push(Action::TagRole { tags });
    }
    if !keys.is_empty() {
        actions.push(Action::UntagRole { keys });
    }
    actions
}

/// The deletion of goblet's role the stage no longer uses, if any.
pub fn plan_retired(state: &Deployed, target: &Target) -> Option<Action> {
    role_to_retire(state, target).map(|role| Action::DeleteRole {
        name: role.name.clone(),
    })
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

// Apply.

impl Apply<'_> {
    pub(crate) async fn create_role(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let RoleTarget::Managed {
            name, trust_policy, ..
        } = &t.role
        else {
            return Ok(());
        };
        let out = aws
            .write_call(
                "iam:CreateRole",
                format!("role {name}"),
                aws.iam
                    .create_role()
                    .role_name(name)
                    .assume_role_policy_document(trust_policy.to_string())
                    .description(format!("goblet: {} stage {}", t.app_name, t.stage))
                    .set_tags(Some(iam_tags(&role_tags(t, &aws.region))))
                    .send(),
            )
            .await?;
        let arn = out.role.map(|r| r.arn).unwrap_or_default();
        self.account = account_of(&arn).map(str::to_owned);
        self.role_arn = Some(arn.clone());
        self.state.role = Some(RoleRecord {
            name: name.clone(),
            arn,
            managed: true,
        });
        self.save()
    }

    pub(crate) async fn update_trust_policy(&mut self) -> Result<(), DeployError> {
        let aws = self.aws;
        let RoleTarget::Managed {
            name, trust_policy, ..
        } = &self.target.role
        else {
            return Ok(());
        };
        aws.write_call(
            "iam:UpdateAssumeRolePolicy",
            format!("role {name}"),
            aws.iam
                .update_assume_role_policy()
                .role_name(name)
                .policy_document(trust_policy.to_string())
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn put_role_policy(&mut self) -> Result<(), DeployError> {
        let aws = self.aws;
        let RoleTarget::Managed { name, .. } = &self.target.role else {
            return Ok(());
        };
        // The role's ARN (just created, or found) tells the account the
        // event sources' ARNs are in.
        let account = self
            .role_arn
            .as_deref()
            .and_then(crate::target::account_of)
            .or(self.account.as_deref())
            .ok_or_else(|| DeployError::Inconsistent("the role's account is not known".into()))?;
        let policy = self
            .target
            .role_policy(&aws.region, account)
            .unwrap_or_default();
        aws.write_call(
            "iam:PutRolePolicy",
            format!("role {name}"),
            aws.iam
                .put_role_policy()
                .role_name(name)
                .policy_name(ROLE_POLICY_NAME)
                .policy_document(policy.to_string())
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn tag_role(
        &mut self,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        let name = self.names.role.clone();
        aws.write_call(
            "iam:TagRole",
            format!("role {name}"),
            aws.iam
                .tag_role()
                .role_name(&name)
                .set_tags(Some(iam_tags(tags)))
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn untag_role(&mut self, keys: &[String]) -> Result<(), DeployError> {
        let aws = self.aws;
        let name = self.names.role.clone();
        aws.write_call(
            "iam:UntagRole",
            format!("role {name}"),
            aws.iam
                .untag_role()
                .role_name(&name)
                .set_tag_keys(Some(keys.to_vec()))
                .send(),
        )
        .await?;
        Ok(())
    }

    /// Deletes the retired role once the function is off it, and forgets it.
    pub(crate) async fn delete_retired_role(&mut self, name: &str) -> Result<(), DeployError> {
        self.wait_function().await?;
        delete_role(self.aws, name).await?;
        self.state.retired_role = None;
        self.save()
    }
}

fn iam_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_iam::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

/// Deletes a role goblet created: its inline policy, then the role.
/// Either being gone already is fine.
pub async fn delete_role(aws: &Aws, name: &str) -> Result<(), AwsError> {
    found(
        aws.write_call(
            "iam:DeleteRolePolicy",
            format!("role {name}"),
            aws.iam
                .delete_role_policy()
                .role_name(name)
                .policy_name(ROLE_POLICY_NAME)
                .send(),
        )
        .await,
    )?;
    found(
        aws.write_call(
            "iam:DeleteRole",
            format!("role {name}"),
            aws.iam.delete_role().role_name(name).send(),
        )
        .await,
    )?;
    Ok(())
}
