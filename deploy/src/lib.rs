//! The deploy engine: `goblet deploy`, `delete`, `url`, `invoke` and `logs`
//! (the app on AWS), and `goblet package` ([`package`], the same resource
//! model written as CloudFormation, SAM or Terraform).
//!
//! A deploy reads the app binary and the configuration, checks them
//! (`preflight` and the configuration's AWS rules as they apply in the
//! region, before any AWS call), looks at what exists ([`observe`], reads
//! only: with a growing `reserved_concurrency`, the account's concurrency
//! too), refuses what AWS would refuse ([`plan::check`]), plans the
//! difference ([`plan`]) and applies it ([`apply`]), each AWS resource
//! in its own module of [`resources`] (observe, plan, apply), recording what
//! exists in `.goblet/deployed/<stage>.json` ([`state`]) after every step that
//! created something. Everything goblet creates has a deterministic name:
//!
//! | what | name |
//! |---|---|
//! | IAM role (unless `iam_role_arn`) | `{app}-{stage}-{region}` (shortened with a hash past IAM's 64 characters), tagged `goblet:region` too, inline policy `goblet` |
//! | Lambda function | `{app}-{stage}` |
//! | log group (when a retention is set) | `/aws/lambda/{app}-{stage}` |
//!
//! IAM is global to the account, so the role is per region: a deploy never
//! adopts, and `delete` never deletes, a role tagged for another region. A
//! stage whose record names a managed role of the older name `{app}-{stage}`
//! keeps using it in its region (it is tagged with the region on the next
//! deploy). A CreateFunction or UpdateFunctionConfiguration that Lambda
//! refuses because it cannot assume the role yet is retried, with a line on
//! stderr, for up to 150 s ([`resources::function::IAM_PROPAGATION`]).
//! `delete` also deletes the log group Lambda made for goblet's function,
//! after asking, as for the role.
//! | REST API | `{app}-{stage}`, tagged `goblet:app={app}`, `goblet:stage={stage}` |
//! | API Gateway stage | `api_gateway_stage` (default `api`, as in Chalice) |
//! | invoke permission | statement id `goblet-apigateway-invoke` |
//! | usage plan and API key (when a route says `api_key = true`) | `{app}-{stage}`, tagged |
//!
//! The invoke URL is `https://{api-id}.execute-api.{region}.amazonaws.com/{api_gateway_stage}/`;
//! with an endpoint configured (`AWS_ENDPOINT_URL`) it is the form LocalStack
//! and moto serve: `{endpoint}/restapis/{api-id}/{stage}/_user_request_/`.

pub mod apply;
pub mod aws;
pub mod commands;
pub mod observe;
pub mod openapi;
pub mod package;
pub mod plan;
pub mod resources;
pub mod state;
pub mod target;

use std::path::PathBuf;

pub use aws::{AwsError, CallCounts};
pub use commands::{
    DeleteOptions, DeployOptions, DeployRequest, InvokeOptions, LogsOptions, UrlOptions, api_key,
    delete, deploy, deploy_app, invoke, logs, url,
};

/// Why a deploy (or delete, url, invoke, logs) stopped.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("cannot write the deployment record {0}: {1}")]
    State(PathBuf, std::io::Error),
    #[error("cannot read the deployment record {0}: {1}")]
    ReadState(PathBuf, std::io::Error),
    #[error("nothing is deployed for stage {stage} (no {path})")]
    NotDeployed { stage: String, path: PathBuf },
    #[error(
        "stage {stage} was deployed to {recorded}, but the AWS configuration now says {current}: \
         set AWS_REGION={recorded} to work on that deployment (run `goblet delete` there first to move it)"
    )]
    OtherRegion {
        stage: String,
        recorded: String,
        current: String,
    },
    #[error("{0}")]
    App(String),
    #[error("unexpected AWS state: {0}")]
    Inconsistent(String),
    #[error("the function returned an error ({kind}): {payload}")]
    FunctionError { kind: String, payload: String },
    #[error("{0}")]
    Input(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}
