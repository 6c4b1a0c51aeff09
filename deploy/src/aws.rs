//! The AWS clients, built from the caller's `aws-config` configuration
//! (credentials, region and endpoint from the environment and profiles, as in
//! every AWS tool), and what their failures mean to a user.

use std::sync::atomic::{AtomicU32, Ordering};

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_apigateway::config::http::HttpResponse;
use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};

/// How long [`Aws::quota_call`] waits for API Gateway's quotas in all.
pub const QUOTA_PATIENCE: Duration = Duration::from_secs(120);
/// The wait when API Gateway refuses without a `Retry-After`: the longest of
/// its fixed quotas' periods.
const QUOTA_DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// How long API Gateway asks to wait before a refused call is tried again:
/// `Some` for `TooManyRequestsException` (HTTP 429) only, from its
/// `Retry-After` (seconds), at least 1 s and at most 60.
fn quota_wait<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> Option<Duration> {
    let response = error.raw_response()?;
    let throttled =
        response.status().as_u16() == 429 || error.code() == Some("TooManyRequestsException");
    if !throttled {
        return None;
    }
    let asked = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.clamp(1, 60)));
    Some(asked.unwrap_or(QUOTA_DEFAULT_WAIT))
}

/// One client per service, and a count of the calls made through them.
#[derive(Debug)]
pub struct Aws {
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub apigateway: aws_sdk_apigateway::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub region: String,
    /// The configuration the clients were built from: for a client of
    /// another region ([`Aws::lambda_in`]).
    sdk: SdkConfig,
    /// The endpoint every service is reached at, when one is configured
    /// (`AWS_ENDPOINT_URL`, `endpoint_url` in a profile).
    pub endpoint_url: Option<String>,
    reads: AtomicU32,
    writes: AtomicU32,
}

/// What a call does, for [`Aws::counts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Read,
    Write,
}

/// Calls made so far, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CallCounts {
    pub total: u32,
    pub mutating: u32,
}

impl Aws {
    /// The clients of one AWS configuration, loaded by the caller (the
    /// `goblet` command owns the one loader that `local` and `curl` use too).
    pub fn new(config: &SdkConfig) -> Result<Aws, AwsError> {
        let Some(region) = config.region().map(|r| r.to_string()) else {
            return Err(AwsError::NoRegion);
        };
        Ok(Aws {
            iam: aws_sdk_iam::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            apigateway: aws_sdk_apigateway::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            events: aws_sdk_eventbridge::Client::new(config),
            region,
            sdk: config.clone(),
            endpoint_url: config.endpoint_url().map(str::to_owned),
            reads: AtomicU32::new(0),
            writes: AtomicU32::new(0),
        })
    }

    /// Lambda in `region`: the deploy's own client, or one for a function
    /// of another region (a shared authorizer's), with the same credentials.
    pub fn lambda_in(&self, region: &str) -> aws_sdk_lambda::Client {
        if region == self.region {
            return self.lambda.clone();
        }
        let config = aws_sdk_lambda::config::Builder::from(&self.sdk)
            .region(aws_config::Region::new(region.to_owned()))
            .build();
        aws_sdk_lambda::Client::from_conf(config)
    }

    /// Counts a call that only reads.
    pub fn read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a call that changes something.
    pub fn write(&self) {
        self.writes.fetch_add(1, Ordering::Relaxed);
    }

    /// One SDK call: counted as `kind`, awaited, and a failure said as
    /// [`fail`] says it (`action` and `what` name the call and its object).
    pub async fn call<T, E>(
        &self,
        kind: CallKind,
        action: &'static str,
        what: impl Into<String>,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, AwsError>
    where
        E: ProvideErrorMetadata + std::error::Error,
    {
        match kind {
            CallKind::Read => self.read(),
            CallKind::Write => self.write(),
        }
        call.await.map_err(|e| fail(action, what, e))
    }

    /// [`Aws::call`] for a call that only reads.
    pub async fn read_call<T, E>(
        &self,
        action: &'static str,
        what: impl Into<String>,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, AwsError>
    where
        E: ProvideErrorMetadata + std::error::Error,
    {
        self.call(CallKind::Read, action, what, call).await
    }

    /// [`Aws::call`] for a call that changes something.
    pub async fn write_call<T, E>(
        &self,
        action: &'static str,
        what: impl Into<String>,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, AwsError>
    where
        E: ProvideErrorMetadata + std::error::Error,
    {
        self.call(CallKind::Write, action, what, call).await
    }

    /// [`Aws::write_call`] for API Gateway's calls with a fixed quota
    /// (CreateRestApi: one every 30 s per account for EDGE APIs, every 3 s
    /// for others; DeleteRestApi: every 30 s; CreateDeployment: every 5 s;
    /// PutRestApi: every second; none can be raised). Those outlast the SDK's
    /// own retries, which ignore `Retry-After`: on `TooManyRequestsException`
    /// this waits as API Gateway's `Retry-After` says (30 s when it says
    /// nothing), saying so on stderr, and tries again, for up to
    /// [`QUOTA_PATIENCE`] in all.
    pub async fn quota_call<T, E, F, Fut>(
        &self,
        action: &'static str,
        what: impl Into<String>,
        mut call: F,
    ) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let what = what.into();
        let mut waited = Duration::ZERO;
        loop {
            self.write();
            let error = match call().await {
                Ok(out) => return Ok(out),
                Err(error) => error,
            };
            let Some(wait) = quota_wait(&error) else {
                return Err(fail(action, what, error));
            };
            if waited + wait > QUOTA_PATIENCE {
                let mut error = fail(action, what, error);
                if let AwsError::Call { message, .. } = &mut error {
                    message.push_str(&format!(
                        " (API Gateway's quota still refused it after {} s of waiting; \
                         try again in a minute)",
                        waited.as_secs()
                    ));
                }
                return Err(error);
            }
            eprintln!(
                "API Gateway's request quota: waiting {} s as it asks before trying {action} ({what}) again",
                wait.as_secs()
            );
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    pub fn counts(&self) -> CallCounts {
        let mutating = self.writes.load(Ordering::Relaxed);
        CallCounts {
            total: self.reads.load(Ordering::Relaxed) + mutating,
            mutating,
        }
    }

    /// The invoke URL of a stage: API Gateway's own, or with an endpoint
    /// configured, the form LocalStack and moto serve stages at:
    /// `{endpoint}/restapis/{api_id}/{stage}/_user_request_/`.
    pub fn invoke_url(&self, api_id: &str, stage: &str) -> String {
        match &self.endpoint_url {
            Some(endpoint) => format!(
                "{}/restapis/{api_id}/{stage}/_user_request_/",
                endpoint.trim_end_matches('/')
            ),
            None => format!(
                "https://{api_id}.execute-api.{}.{}/{stage}/",
                self.region,
                crate::target::dns_suffix(&self.region)
            ),
        }
    }
}

/// A failed AWS call, said so that a user can act on it.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error(
        "no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION), or `region` in your AWS profile"
    )]
    NoRegion,
    #[error(
        "access denied: {action} ({what}) needs the IAM permission `{permission}` for your credentials: {message}"
    )]
    AccessDenied {
        action: &'static str,
        /// The permission AWS says is missing (`iam:PassRole` for a
        /// CreateFunction, say), else the call's own.
        permission: String,
        what: String,
        message: String,
    },
    #[error("{action} ({what}) failed: {message}")]
    Call {
        action: &'static str,
        what: String,
        /// The service's error code, e.g. `NotFoundException`.
        code: Option<String>,
        message: String,
    },
}

impl AwsError {
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Call { code, .. } => code.as_deref(),
            AwsError::AccessDenied { .. } => Some("AccessDenied"),
            AwsError::NoRegion => None,
        }
    }

    /// The thing asked for does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.code(),
            Some("NoSuchEntity" | "ResourceNotFoundException" | "NotFoundException")
        )
    }
}

/// Turns an SDK error into an [`AwsError`] naming the IAM action (`iam:GetRole`)
/// and the thing it was about.
pub fn fail<E>(action: &'static str, what: impl Into<String>, error: E) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let what = what.into();
    let code = error.code().map(str::to_owned);
    let message = error
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| full_message(&error));
    match code.as_deref() {
        Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation") => {
            AwsError::AccessDenied {
                action,
                permission: denied_permission(&message).unwrap_or(action).to_owned(),
                what,
                message,
            }
        }
        _ => AwsError::Call {
            action,
            what,
            code,
            message,
        },
    }
}

/// The action in AWS's "User: … is not authorized to perform: iam:PassRole on
/// resource: …".
fn denied_permission(message: &str) -> Option<&str> {
    let rest = message.split("not authorized to perform: ").nth(1)?;
    let action = rest.split([' ', ',', ';']).next()?;
    action.contains(':').then_some(action)
}

/// The error and its sources, e.g. "dispatch failure: connection refused".
pub fn full_message(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}

/// Ok(None) for a "not found" answer.
pub fn found<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_permission_aws_names() {
        let message = "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: \
                       iam:PassRole on resource: arn:aws:iam::123456789012:role/app-dev";
        assert_eq!(denied_permission(message), Some("iam:PassRole"));
        assert_eq!(denied_permission("Access denied"), None);
    }

    #[test]
    fn invoke_urls() {
        let mut aws = futures_free_aws();
        assert_eq!(
            aws.invoke_url("abc123", "dev"),
            "https://abc123.execute-api.us-east-1.amazonaws.com/dev/"
        );
        aws.endpoint_url = Some("http://127.0.0.1:5000/".into());
        assert_eq!(
            aws.invoke_url("abc123", "dev"),
            "http://127.0.0.1:5000/restapis/abc123/dev/_user_request_/"
        );
    }

    #[test]
    fn a_call_is_counted_and_its_failure_named() {
        use aws_sdk_iam::error::ErrorMetadata;
        use aws_sdk_iam::operation::get_role::GetRoleError;
        let aws = futures_free_aws();
        let denied = || {
            GetRoleError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("not authorized to perform: iam:GetRole on resource: r")
                    .build(),
            )
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let ok = aws
                .write_call("iam:CreateRole", "role r", async {
                    Ok::<_, GetRoleError>(7)
                })
                .await;
            assert_eq!(ok.unwrap(), 7);
            let err = aws
                .read_call("iam:GetRole", "role r", async { Err::<(), _>(denied()) })
                .await
                .unwrap_err();
            assert_eq!(
                err.to_string(),
                fail("iam:GetRole", "role r", denied()).to_string()
            );
            assert!(matches!(err, AwsError::AccessDenied { .. }));
            let err = aws
                .call(CallKind::Read, "iam:GetRole", "role r", async {
                    Err::<(), _>(denied())
                })
                .await;
            assert!(err.is_err());
        });
        assert_eq!(
            aws.counts(),
            CallCounts {
                total: 3,
                mutating: 1
            }
        );
    }

    fn futures_free_aws() -> Aws {
        let config = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        Aws {
            iam: aws_sdk_iam::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
            apigateway: aws_sdk_apigateway::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            region: "us-east-1".into(),
            sdk: config.clone(),
            endpoint_url: None,
            reads: AtomicU32::new(0),
            writes: AtomicU32::new(0),
        }
    }
}
