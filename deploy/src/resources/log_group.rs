//! The function's log group `/aws/lambda/{function}`, made by goblet when a
//! retention is configured.

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError};
use crate::plan::Action;
use crate::target::Target;

// Observe.

pub fn log_group_name(function_name: &str) -> String {
    format!("/aws/lambda/{function_name}")
}

pub async fn observe_log_group(aws: &Aws, name: &str) -> Result<Option<Option<i32>>, AwsError> {
    let got = aws
        .read_call(
            "logs:DescribeLogGroups",
            format!("log group {name}"),
            aws.logs
                .describe_log_groups()
                .log_group_name_prefix(name)
                .send(),
        )
        .await?;
    Ok(got
        .log_groups
        .unwrap_or_default()
        .into_iter()
        .find(|g| g.log_group_name.as_deref() == Some(name))
        .map(|g| g.retention_in_days))
}

/// Deletes log group `name`; one already gone is fine (`goblet delete`).
pub async fn delete_log_group(aws: &Aws, name: &str) -> Result<(), AwsError> {
    crate::aws::found(
        aws.write_call(
            "logs:DeleteLogGroup",
            format!("log group {name}"),
            aws.logs.delete_log_group().log_group_name(name).send(),
        )
        .await,
    )?;
    Ok(())
}

// Plan.

/// The log group and its retention: created with the configured retention,
/// or the retention changed or (when no longer configured) removed.
/// `observed` is the group's retention, if the group exists.
pub fn plan(target: &Target, observed: Option<Option<i32>>) -> Vec<Action> {
    let Some(days) = target.log_retention_days else {
        return match observed {
            Some(Some(old)) => vec![Action::DeleteRetention { old }],
            _ => Vec::new(),
        };
    };
    match observed {
        None => vec![
            Action::CreateLogGroup,
            Action::PutRetention {
                old: None,
                new: days,
            },
        ],
        Some(old) if old != Some(days) => vec![Action::PutRetention { old, new: days }],
        Some(_) => Vec::new(),
    }
}

// Apply.

impl Apply<'_> {
    fn log_group_name(&self) -> String {
        log_group_name(&self.target.function_name)
    }

    pub(crate) async fn create_log_group(&mut self) -> Result<(), DeployError> {
        let aws = self.aws;
        let name = self.log_group_name();
        let created = aws
            .write_call(
                "logs:CreateLogGroup",
                format!("log group {name}"),
                aws.logs.create_log_group().log_group_name(&name).send(),
            )
            .await;
        match created {
            Err(e) if e.code() != Some("ResourceAlreadyExistsException") => {
                return Err(e.into());
            }
            _ => {}
        }
        self.state.log_group = Some(name);
        self.save()
    }

    pub(crate) async fn put_retention(&mut self, days: i32) -> Result<(), DeployError> {
        let aws = self.aws;
        let name = self.log_group_name();
        aws.write_call(
            "logs:PutRetentionPolicy",
            format!("log group {name}"),
            aws.logs
                .put_retention_policy()
                .log_group_name(&name)
                .retention_in_days(days)
                .send(),
        )
        .await?;
        if self.state.log_group.is_none() {
            self.state.log_group = Some(name);
            self.save()?;
        }
        Ok(())
    }

    pub(crate) async fn delete_retention(&mut self) -> Result<(), DeployError> {
        let aws = self.aws;
        let name = self.log_group_name();
        aws.write_call(
            "logs:DeleteRetentionPolicy",
            format!("log group {name}"),
            aws.logs
                .delete_retention_policy()
                .log_group_name(&name)
                .send(),
        )
        .await?;
        Ok(())
    }
}
