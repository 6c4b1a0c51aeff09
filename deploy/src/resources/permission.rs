//! The invoke permission: API Gateway may call the function (statement id
//! `goblet-apigateway-invoke`, for goblet's REST API only).

use serde_json::Value;

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::target::{PERMISSION_SID, source_arn};

// Observe.

/// goblet's statement in the function's resource policy: `Some(source_arn)`.
pub async fn observe_permission(aws: &Aws, function: &str) -> Result<Option<String>, AwsError> {
    let policy = found(
        aws.read_call(
            "lambda:GetPolicy",
            format!("function {function}"),
            aws.lambda.get_policy().function_name(function).send(),
        )
        .await,
    )?;
    let Some(policy) = policy.and_then(|p| p.policy) else {
        return Ok(None);
    };
    let Ok(policy) = serde_json::from_str::<Value>(&policy) else {
        return Ok(None);
    };
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => vec![],
    };
    Ok(statements
        .iter()
        .find(|s| s["Sid"] == PERMISSION_SID)
        .map(|s| {
            s["Condition"]["ArnLike"]["AWS:SourceArn"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }))
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
            found(
                aws.write_call(
                    "lambda:RemovePermission",
                    self.fname(),
                    aws.lambda
                        .remove_permission()
                        .function_name(&self.target.function_name)
                        .statement_id(PERMISSION_SID)
                        .send(),
                )
                .await,
            )?;
        }
        aws.write_call(
            "lambda:AddPermission",
            self.fname(),
            aws.lambda
                .add_permission()
                .function_name(function)
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
}
