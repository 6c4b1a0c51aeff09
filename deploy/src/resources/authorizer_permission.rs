//! The invoke permissions of the configuration's external Lambda
//! authorizers (`function_arn`): API Gateway may call each such function for
//! this stage's REST API (`SourceArn` `{api}/authorizers/*`), through a
//! statement goblet adds to the function's policy and removes again when
//! no authorizer of the stage names the function any more.
//!
//! A function whose policy goblet's credentials cannot read (most often
//! another account's: API Gateway allows those) is its owner's to grant, as
//! the API Gateway console says for cross-account authorizers: the deploy
//! prints the `aws lambda add-permission` command instead.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::state::AuthorizerPermissionRecord;
use crate::target::{Target, api_arn};

/// What goblet knows of one external authorizer's function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionObs {
    /// goblet's statement on it: its `SourceArn`, when there.
    Readable(Option<String>),
    /// Its policy cannot be read with goblet's credentials.
    NotReadable,
}

/// The functions the stage's external authorizers call, each once.
pub fn wanted(target: &Target) -> BTreeSet<String> {
    target
        .manifest
        .external_authorizers
        .iter()
        .map(|a| a.function_arn.clone())
        .collect()
}

/// goblet's statement id on an authorizer function: one per stage's function
/// and region (two regions' deployments of a stage may share the function),
/// within Lambda's 100 characters.
pub fn statement_id(function_name: &str, region: &str) -> String {
    let sid = format!("goblet-{function_name}-{region}-authorizers");
    if sid.len() <= 100 {
        return sid;
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(sid.as_bytes());
    let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "goblet-{}-{short}",
        &function_name[..function_name.len().min(60)]
    )
}

/// `{api}/authorizers/*`: what the statement lets call the function.
pub fn source_arn(region: &str, account: &str, api_id: &str) -> String {
    format!("{}/authorizers/*", api_arn(region, account, api_id))
}

/// The region of a function ARN (checked when the configuration was read).
fn region_of(function_arn: &str) -> &str {
    function_arn.split(':').nth(3).unwrap_or_default()
}

/// The unqualified ARN and the qualifier (version or alias) of a function
/// ARN: Lambda keeps a policy per qualifier, and is told which one apart
/// from the ARN (moto, unlike Lambda, does not read it out of the ARN).
fn split_qualifier(function_arn: &str) -> (String, Option<String>) {
    match goblet_core::FunctionArn::parse(function_arn) {
        Ok(arn) => (
            format!(
                "arn:{}:lambda:{}:{}:function:{}",
                arn.partition, arn.region, arn.account, arn.name
            ),
            arn.qualifier,
        ),
        Err(_) => (function_arn.to_owned(), None),
    }
}

// Observe.

/// Each wanted function's statement, as its policy holds it.
pub async fn observe(
    aws: &Aws,
    target: &Target,
) -> Result<BTreeMap<String, FunctionObs>, AwsError> {
    let sid = statement_id(&target.function_name, &aws.region);
    let mut out = BTreeMap::new();
    for arn in wanted(target) {
        let client = aws.lambda_in(region_of(&arn));
        let (function, qualifier) = split_qualifier(&arn);
        let answer = aws
            .read_call(
                "lambda:GetPolicy",
                format!("function {arn}"),
                client
                    .get_policy()
                    .function_name(function)
                    .set_qualifier(qualifier)
                    .send(),
            )
            .await;
        let obs = match found(answer) {
            Ok(policy) => FunctionObs::Readable(
                policy
                    .and_then(|p| p.policy)
                    .and_then(|text| statement_source(&text, &sid)),
            ),
            Err(AwsError::AccessDenied { .. }) => FunctionObs::NotReadable,
            Err(e) => return Err(e),
        };
        out.insert(arn, obs);
    }
    Ok(out)
}

/// The `SourceArn` of statement `sid` in a resource policy.
fn statement_source(policy: &str, sid: &str) -> Option<String> {
    let policy: Value = serde_json::from_str(policy).ok()?;
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => vec![],
    };
    statements.iter().find(|s| s["Sid"] == sid).map(|s| {
        s["Condition"]["ArnLike"]["AWS:SourceArn"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    })
}

// Plan.

/// A statement added where missing, replaced where its `SourceArn` is not
/// this REST API's (`api_id`, in `account`), removed from the functions
/// on record that no authorizer names any more.
pub fn plan(
    target: &Target,
    observed: &BTreeMap<String, FunctionObs>,
    recorded: &[AuthorizerPermissionRecord],
    api_id: Option<&str>,
    account: Option<&str>,
    region: &str,
) -> Vec<Action> {
    let wanted_source = match (api_id, account) {
        (Some(api), Some(account)) => Some(source_arn(region, account, api)),
        _ => None,
    };
    let wanted = wanted(target);
    let mut out = Vec::new();
    for arn in &wanted {
        let add = |replace| Action::AddAuthorizerPermission {
            function_arn: arn.clone(),
            replace,
        };
        match observed.get(arn) {
            Some(FunctionObs::NotReadable) => {}
            None | Some(FunctionObs::Readable(None)) => out.push(add(false)),
            Some(FunctionObs::Readable(Some(current)))
                if Some(current) != wanted_source.as_ref() =>
            {
                out.push(add(true));
            }
            Some(FunctionObs::Readable(Some(_))) => {}
        }
    }
    for record in recorded
        .iter()
        .filter(|r| !wanted.contains(&r.function_arn))
    {
        out.push(Action::RemoveAuthorizerPermission {
            function_arn: record.function_arn.clone(),
        });
    }
    out
}

/// The functions whose owner must grant API Gateway the call, with the
/// command that does it.
pub fn owner_grants(
    observed: &BTreeMap<String, FunctionObs>,
    function_name: &str,
    region: &str,
    account: &str,
    api_id: &str,
) -> Vec<String> {
    observed
        .iter()
        .filter(|(_, obs)| **obs == FunctionObs::NotReadable)
        .map(|(arn, _)| {
            format!(
                "aws lambda add-permission --function-name {arn} --statement-id {} \
                 --action lambda:InvokeFunction --principal apigateway.amazonaws.com \
                 --source-arn {}",
                statement_id(function_name, region),
                source_arn(region, account, api_id)
            )
        })
        .collect()
}

// Apply.

impl Apply<'_> {
    /// Records the function before the call, so that a deploy killed while
    /// the answer is under way still leaves the statement on record for
    /// `delete` (removing one that is not there is fine).
    pub(crate) async fn add_authorizer_permission(
        &mut self,
        function_arn: &str,
        replace: bool,
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        let account = self
            .account
            .clone()
            .ok_or_else(|| DeployError::Inconsistent("the account id is not known".into()))?;
        let api = self.api_id()?;
        let sid = statement_id(&self.target.function_name, &aws.region);
        let record = AuthorizerPermissionRecord {
            function_arn: function_arn.to_owned(),
            statement_id: sid.clone(),
        };
        if !self.state.authorizer_permissions.contains(&record) {
            self.state.authorizer_permissions.push(record);
            self.save()?;
        }
        if replace {
            remove_authorizer_permission(aws, function_arn, &sid).await?;
        }
        let client = aws.lambda_in(region_of(function_arn));
        let (function, qualifier) = split_qualifier(function_arn);
        aws.write_call(
            "lambda:AddPermission",
            format!("function {function_arn}"),
            client
                .add_permission()
                .function_name(function)
                .set_qualifier(qualifier)
                .statement_id(&sid)
                .action("lambda:InvokeFunction")
                .principal("apigateway.amazonaws.com")
                .source_arn(source_arn(&aws.region, &account, &api))
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn forget_authorizer_permission(
        &mut self,
        function_arn: &str,
    ) -> Result<(), DeployError> {
        let records: Vec<AuthorizerPermissionRecord> = self
            .state
            .authorizer_permissions
            .iter()
            .filter(|r| r.function_arn == function_arn)
            .cloned()
            .collect();
        for record in records {
            remove_authorizer_permission(self.aws, function_arn, &record.statement_id).await?;
            self.state.authorizer_permissions.retain(|r| *r != record);
            self.save()?;
        }
        Ok(())
    }
}

/// Removes goblet's statement `sid` from `function_arn`; one already gone
/// (or a function no longer there) is fine.
pub async fn remove_authorizer_permission(
    aws: &Aws,
    function_arn: &str,
    sid: &str,
) -> Result<(), AwsError> {
    let client = aws.lambda_in(region_of(function_arn));
    let (function, qualifier) = split_qualifier(function_arn);
    found(
        aws.write_call(
            "lambda:RemovePermission",
            format!("function {function_arn}"),
            client
                .remove_permission()
                .function_name(function)
                .set_qualifier(qualifier)
                .statement_id(sid)
                .send(),
        )
        .await,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_ids_fit_lambdas_limit() {
        assert_eq!(
            statement_id("shop-dev", "eu-west-1"),
            "goblet-shop-dev-eu-west-1-authorizers"
        );
        let long = "f".repeat(64);
        let sid = statement_id(&long, "ap-southeast-4");
        assert!(sid.len() <= 100, "{sid}");
        assert_eq!(sid, statement_id(&long, "ap-southeast-4"));
        assert_ne!(sid, statement_id(&long, "ap-southeast-3"));
        assert!(
            sid.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn statements_are_found_by_id() {
        let policy = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"other","Condition":{"ArnLike":{"AWS:SourceArn":"x"}}},
            {"Sid":"goblet-a-us-east-1-authorizers",
             "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:1:api/authorizers/*"}}}]}"#;
        assert_eq!(
            statement_source(policy, "goblet-a-us-east-1-authorizers").as_deref(),
            Some("arn:aws:execute-api:us-east-1:1:api/authorizers/*")
        );
        assert_eq!(statement_source(policy, "nope"), None);
        assert_eq!(statement_source("not json", "other"), None);
    }
}
