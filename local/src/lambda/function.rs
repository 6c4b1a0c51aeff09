//! The settings of one Lambda function, as its execution environment sees them.

use std::time::Duration;

use goblet_core::logging::Logging;

/// What Lambda tells a function about itself: its name, memory, timeout, region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionConfig {
    pub name: String,
    /// `_HANDLER`: `bootstrap` for the API's function, the handler's name
    /// for an event handler's (the runtime serves the function it names).
    pub handler: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB (Lambda allows 128 to 10240).
    pub memory_mb: u32,
    /// How long one invocation may run before it is ended.
    pub timeout: Duration,
    pub region: String,
    /// The account in the function's ARN.
    pub account_id: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub version: String,
    /// The function's own environment variables, set after Lambda's.
    pub environment: Vec<(String, String)>,
    /// The function's `LoggingConfig`: what Lambda tells the runtime
    /// (`AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL`) and, with JSON,
    /// the level below which Lambda drops the function's lines.
    pub logging: Logging,
}

impl FunctionConfig {
    /// A function with Lambda's defaults: 128 MB, 3 seconds, `$LATEST`, in
    /// us-east-1 under the documentation account 123456789012.
    pub fn new(name: impl Into<String>) -> FunctionConfig {
        FunctionConfig {
            name: name.into(),
            handler: goblet_core::function::API_HANDLER.to_owned(),
            memory_mb: 128,
            timeout: Duration::from_secs(3),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            version: "$LATEST".into(),
            environment: Vec::new(),
            logging: Logging::default(),
        }
    }

    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account_id, self.name
        )
    }

    /// `/aws/lambda/NAME`.
    pub fn log_group(&self) -> String {
        format!("/aws/lambda/{}", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_lambda() {
        let f = FunctionConfig::new("helloworld");
        assert_eq!(
            f.arn(),
            "arn:aws:lambda:us-east-1:123456789012:function:helloworld"
        );
        assert_eq!(f.log_group(), "/aws/lambda/helloworld");
        assert_eq!(f.timeout, Duration::from_secs(3));
    }
}
