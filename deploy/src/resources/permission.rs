//! The invoke permission: API Gateway may call the function's alias
//! (statement id `goblet-apigateway-invoke-live`, for goblet's REST API only).

use serde_json::Value;

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::target::{ALIAS, PERMISSION_SID, UNQUALIFIED_PERMISSION_SID, source_arn};

// Observe.

/// goblet's statement in the resource policy of the alias: `Some(source_arn)`.
pub async fn observe_permission(aws: &Aws, function: &str) -> Result<Option<String>, AwsError> {
    let statements = policy_statements(aws, function, Some(ALIAS)).await?;
    Ok(statements
        .iter()
        .find(|s| s["Sid"] == PERMISSION_SID && on_alias(s))
        .map(|s| {
            s["Condition"]["ArnLike"]["AWS:SourceArn"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }))
}

/// The `SourceArn` of the statement `sid` on `function` (`qualifier`:
/// an alias's own policy), if there is one.
pub async fn statement_source(
    aws: &Aws,
    function: &str,
    qualifier: Option<&str>,
    sid: &str,
) -> Result<Option<String>, AwsError> {
    let statements = policy_statements(aws, function, qualifier).await?;
    Ok(statements.iter().find(|s| s["Sid"] == sid).map(|s| {
        s["Condition"]["ArnLike"]["AWS:SourceArn"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }))
}

/// Whether the statement an older goblet put on the unqualified function
/// is there.
pub async fn observe_unqualified_permission(aws: &Aws, function: &str) -> Result<bool, AwsError> {
    let statements = policy_statements(aws, function, None).await?;
    Ok(statements
        .iter()
        .any(|s| s["Sid"] == UNQUALIFIED_PERMISSION_SID && !on_alias(s)))
}

/// A statement's `Resource` is the alias (`…:function:name:live`). Lambda
/// keeps one policy per qualifier; this also tells them apart where a
/// policy is read that holds both.
fn on_alias(statement: &Value) -> bool {
    statement["Resource"]
        .as_str()
        .is_some_and(|r| r.ends_with(&format!(":{ALIAS}")))
}

async fn policy_statements(
    aws: &Aws,
    function: &str,
    qualifier: Option<&str>,
) -> Result<Vec<Value>, AwsError> {
    let policy = found(
        aws.read_call(
            "lambda:GetPolicy",
            format!("function {function}"),
            aws.lambda
                .get_policy()
                .function_name(function)
                .set_qualifier(qualifier.map(str::to_owned))
                .send(),
        )
        .await,
    )?;
    let Some(policy) = policy.and_then(|p| p.policy) else {
        return Ok(vec![]);
    };
    let Ok(policy) = serde_json::from_str::<Value>(&policy) else {
        return Ok(vec![]);
    };
    Ok(match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => vec![],
    })
}

// Plan.

/// The permission: added when missing, replaced when its `SourceArn` is not
/// goblet's REST API (`api_id`, in `account`).
pub fn plan(
    observed: Option<&Option<String>>,
    api_id: Option<&str>,
    account: Option<&str>,
    region: &str,
) -> Option<Action> {
    let wanted_source = match (api_id, account) {
        (Some(api), Some(account)) => Some(source_arn(region, account, api)),
        _ => None,
    };
    match observed {
        None | Some(None) => Some(Action::AddPermission { replace: false }),
        Some(Some(current)) if Some(current) != wanted_source.as_ref() => {
            Some(Action::AddPermission { replace: true })
        }
        Some(Some(_)) => None,
    }
}

// Apply.

impl Apply<'_> {
    pub(crate) async fn add_permission(&mut self, replace: bool) -> Result<(), DeployError> {
        let aws = self.aws;
        let function = self.function_arn()?;
        let account = self
            .account
            .clone()
            .ok_or_else(|| DeployError::Inconsistent("the account id is not known".into()))?;
        let api = self.api_id()?;
        if replace {
            remove_permission(aws, &self.target.function_name, PERMISSION_SID).await?;
        }
        aws.write_call(
            "lambda:AddPermission",
            self.fname(),
            aws.lambda
                .add_permission()
                .function_name(function)
                .qualifier(ALIAS)
                .statement_id(PERMISSION_SID)
                .action("lambda:InvokeFunction")
                .principal("apigateway.amazonaws.com")
                .source_arn(source_arn(&aws.region, &account, &api))
                .send(),
        )
        .await?;
        self.state.permission = Some(PERMISSION_SID.to_owned());
        self.save()
    }

    pub(crate) async fn remove_unqualified_permission(&mut self) -> Result<(), DeployError> {
        remove_permission(
            self.aws,
            &self.target.function_name,
            UNQUALIFIED_PERMISSION_SID,
        )
        .await?;
        Ok(())
    }
}

/// Removes goblet's statement `sid` (on the alias for [`PERMISSION_SID`],
/// else on the unqualified function); one already gone is fine.
pub async fn remove_permission(aws: &Aws, function: &str, sid: &str) -> Result<(), AwsError> {
    found(
        aws.write_call(
            "lambda:RemovePermission",
            format!("function {function}"),
            aws.lambda
                .remove_permission()
                .function_name(function)
                .set_qualifier((sid == PERMISSION_SID).then(|| ALIAS.to_owned()))
                .statement_id(sid)
                .send(),
        )
        .await,
    )?;
    Ok(())
}
