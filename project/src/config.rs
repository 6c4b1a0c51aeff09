//! The app's deployment configuration: `[package.metadata.goblet]` in its
//! `Cargo.toml`, per-stage tables that override it, and command-line flags
//! that override both.
//!
//! ```toml
//! [package.metadata.goblet]
//! memory = 256                # MB, 128–10240 (default 128)
//! timeout = 20                # seconds, 1–900 (default 29, API Gateway's limit)
//! architecture = "arm64"      # "x86_64" (default) or "arm64"
//! api_gateway_stage = "api"   # the first path segment of the invoke URL
//! endpoint_type = "REGIONAL"  # "EDGE" (default; "REGIONAL" in aws-cn and aws-us-gov), "REGIONAL" or "PRIVATE"
//! # A PRIVATE API needs a resource policy: goblet writes one allowing
//! # `execute-api:Invoke` through these VPC endpoints (`aws:SourceVpce`) ...
//! vpc_endpoint_ids = ["vpce-0123456789abcdef0"]
//! # ... or takes yours (a JSON policy document, relative to Cargo.toml).
//! # resource_policy = "api-policy.json"
//! api_resource_quota = 300    # API Gateway's resources per API (300 unless raised)
//! api_authorizer_quota = 10   # API Gateway's authorizers per API (10 unless raised)
//! # Routes with `api_key = true` need a usage plan with a key: goblet makes
//! # both (the key's value is shown by `goblet deploy` and `goblet api-key`),
//! # or attaches the API keys named here instead of making one.
//! # api_key_ids = ["a1b2c3d4e5"]
//!
//! [package.metadata.goblet.usage_plan]   # optional limits of that plan
//! rate_limit = 100           # requests a second, steady
//! burst_limit = 200          # requests at once
//! quota_limit = 100000       # requests a quota_period: "DAY", "WEEK" or "MONTH"
//! quota_period = "MONTH"
//! log_retention_days = 14     # one of CloudWatch Logs' values; unset: kept forever
//! log_format = "json"         # "text" (Lambda's default) or "json": the function's LoggingConfig
//! log_level = "debug"         # with "json" only: trace, debug, info (the default), warn, error, fatal
//! reserved_concurrency = 10
//! environment = { GREETING = "hello" }
//! tags = { team = "web" }
//! # Either an existing role ...
//! # iam_role_arn = "arn:aws:iam::123456789012:role/my-role"
//! # ... or extra statements for the role goblet manages (the default):
//! iam_policy_statements = [
//!     { Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::my-bucket/*" },
//! ]
//!
//! # Authorizers API Gateway runs itself, for routes that name them
//! # (`#[route("/me", authorizer = "users")]`): a Cognito user pool's tokens.
//! [package.metadata.goblet.authorizers.users]
//! type = "cognito_user_pools"
//! provider_arns = ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab12Cd34"]
//! identity_source = "method.request.header.Authorization"   # the default
//! ttl = 300                     # seconds API Gateway caches a token's result (the default; 0 to 3600)
//!
//! # ... or a Lambda authorizer whose function exists already, outside the app.
//! [package.metadata.goblet.authorizers.shared]
//! type = "token"                # or "request", with identity_sources = [...]
//! function_arn = "arn:aws:lambda:us-east-1:123456789012:function:auth"
//! identity_source = "method.request.header.Authorization"   # the default
//! ttl = 300                     # seconds API Gateway caches the result (the default; 0 to 3600)
//!
//! # An event handler's or plain function's own settings, by its name; a
//! # stage's `functions.NAME` table also renames its queue, topic, bucket,
//! # bus or stream (checked as the attribute is).
//! [package.metadata.goblet.functions.jobs]
//! memory = 512
//! timeout = 60
//! reserved_concurrency = 5
//! environment = { WORKER = "yes" }   # over the stage's, name by name
//!
//! [package.metadata.goblet.stages.prod]
//! memory = 1024
//! environment = { GREETING = "hello from prod" }
//!
//! [package.metadata.goblet.stages.prod.functions.jobs]
//! queue = "jobs-prod"
//! ```
//!
//! A stage table overrides the top level key by key; `environment` and `tags`
//! are merged name by name. Every key and value is checked, and an error names
//! the table and key (`[package.metadata.goblet.stages.prod] memory = 64: must
//! be between 128 and 10240 MB`). No section at all means every default.
//!
//! Lambda's own rules for the environment are checked here, before any AWS
//! call: names match `[a-zA-Z]([a-zA-Z0-9_])+`, the names Lambda reserves are
//! refused, and each stage's variables together fit Lambda's 4 KB, measured
//! as Lambda measures them (see [`environment_size`]).
//!
//! Two defaults depend on where and how the stage is served:
//! [`StageConfig::for_region`] makes the endpoint type `REGIONAL` in the
//! partitions that have no edge-optimized APIs (and refuses an explicit
//! `EDGE` there), and [`StageConfig::warnings`] says when the function's
//! timeout is longer than API Gateway waits for it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use goblet_core::authorizer::{
    DEFAULT_IDENTITY_SOURCE, DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, check_lambda_settings,
};
use goblet_core::logging::{LogFormat, LogLevel, Logging};
use goblet_core::{
    AuthorizerKind, CognitoAuthorizer, ConfiguredAuthorizer, ExternalAuthorizer, FunctionArn,
    IdentitySource, UserPoolArn,
};
use serde_json::Value as Json;
use toml::{Table, Value};

/// The Lambda instruction set architecture, in Lambda's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Architecture {
    #[default]
    X86_64,
    Arm64,
}

impl Architecture {
    /// Lambda's name: `x86_64` or `arm64`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    /// The Rust targets that build for it, for messages.
    pub const fn musl_target(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64-unknown-linux-musl",
            Architecture::Arm64 => "aarch64-unknown-linux-musl",
        }
    }

    pub const fn gnu_target(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64-unknown-linux-gnu",
            Architecture::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// Parses Lambda's name (`aarch64` is accepted for `arm64`).
    pub fn parse(word: &str) -> Option<Architecture> {
        match word {
            "x86_64" => Some(Architecture::X86_64),
            "arm64" | "aarch64" => Some(Architecture::Arm64),
            _ => None,
        }
    }

    /// The Lambda architecture a binary's CPU maps to, if Lambda runs it.
    pub fn from_binary(arch: &crate::manifest::Architecture) -> Option<Architecture> {
        match arch {
            crate::manifest::Architecture::X86_64 => Some(Architecture::X86_64),
            crate::manifest::Architecture::Aarch64 => Some(Architecture::Arm64),
            crate::manifest::Architecture::Other(_) => None,
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The REST API's endpoint type, in API Gateway's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EndpointType {
    #[default]
    Edge,
    Regional,
    Private,
}

impl EndpointType {
    pub const fn as_str(self) -> &'static str {
        match self {
            EndpointType::Edge => "EDGE",
            EndpointType::Regional => "REGIONAL",
            EndpointType::Private => "PRIVATE",
        }
    }

    /// Parses `EDGE`, `REGIONAL` or `PRIVATE`, in any case.
    pub fn parse(word: &str) -> Option<EndpointType> {
        match word.to_ascii_uppercase().as_str() {
            "EDGE" => Some(EndpointType::Edge),
            "REGIONAL" => Some(EndpointType::Regional),
            "PRIVATE" => Some(EndpointType::Private),
            _ => None,
        }
    }
}

impl fmt::Display for EndpointType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The function's execution role.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleConfig {
    /// goblet creates the role: CloudWatch Logs permissions plus these
    /// statements (IAM policy statement objects: `Effect`, `Action`, `Resource`).
    Managed { extra_statements: Vec<Json> },
    /// The user's role (`iam_role_arn`), used as it is.
    Existing { arn: String },
}

/// The limits of the usage plan goblet makes for API-key routes (all
/// optional: no throttle and no quota beyond the stage's own).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsagePlanConfig {
    /// Requests a second, steady state (`throttle.rateLimit`).
    pub rate_limit: Option<f64>,
    /// Requests at once (`throttle.burstLimit`).
    pub burst_limit: Option<u32>,
    /// Requests allowed per [`UsagePlanConfig::quota_period`].
    pub quota_limit: Option<u32>,
    /// `DAY`, `WEEK` or `MONTH`.
    pub quota_period: Option<String>,
}

/// Where a setting was given, for messages about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A key of the table `[table]` (`package.metadata.goblet.stages.prod`)
    /// of the `Cargo.toml` at `path`.
    Key { path: PathBuf, table: String },
    /// A command-line flag (`--timeout`).
    Flag(&'static str),
}

impl Origin {
    /// `Cargo.toml: [package.metadata.goblet] timeout = 60` or `--timeout 60`.
    pub fn describe(&self, key: &str, value: &str) -> String {
        match self {
            Origin::Key { path, table } => {
                format!("{}: [{table}] {key} = {value}", path.display())
            }
            Origin::Flag(flag) => format!("{flag} {value}"),
        }
    }
}

/// Where the settings whose defaults depend on the region or on API Gateway
/// were given; `None`: the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    pub timeout: Option<Origin>,
    pub endpoint_type: Option<Origin>,
    /// Where `log_level` was set, to say so when the format cannot have one.
    pub log_level: Option<Origin>,
}

/// Everything a deploy or a package of one stage needs besides the binary.
#[derive(Debug, Clone, PartialEq)]
pub struct StageConfig {
    pub app_name: String,
    /// The deploy stage (`--stage`, default `dev`): names the AWS resources.
    pub stage: String,
    /// The API Gateway stage: the first path segment of the invoke URL.
    pub api_gateway_stage: String,
    /// `{app_name}-{stage}`: the function's, the role's and the REST API's name.
    pub function_name: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub architecture: Architecture,
    pub environment: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub reserved_concurrency: Option<u32>,
    pub log_retention_days: Option<u32>,
    /// The function's log format and application log level (`log_format`,
    /// `log_level`): its `LoggingConfig`, and what `goblet local` tells the
    /// runtime.
    pub logging: Logging,
    /// As configured, else [`EndpointType::Edge`]; in a region of a
    /// partition without edge-optimized APIs, [`StageConfig::for_region`]
    /// makes the default [`EndpointType::Regional`].
    pub endpoint_type: EndpointType,
    /// The VPC endpoints a PRIVATE API is reached through (`vpc_endpoint_ids`).
    pub vpc_endpoint_ids: Vec<String>,
    /// The REST API's resource policy from `resource_policy`'s file, as read.
    pub resource_policy: Option<Json>,
    /// The usage plan of a stage with API-key routes (`usage_plan`).
    pub usage_plan: UsagePlanConfig,
    /// Existing API keys to attach to the usage plan (`api_key_ids`); empty:
    /// goblet makes a key of its own.
    pub api_key_ids: Vec<String>,
    /// API Gateway's "resources per API" quota for the account
    /// (`api_resource_quota`; 300 unless AWS raised it on request).
    pub api_resource_quota: u32,
    /// API Gateway's "authorizers per API" quota, Lambda and Cognito ones
    /// together (`api_authorizer_quota`; 10 unless AWS raised it on request).
    pub api_authorizer_quota: u32,
    pub role: RoleConfig,
    /// The authorizers of `[authorizers.NAME]`, by name; a stage's table
    /// overrides an authorizer key by key.
    pub authorizers: BTreeMap<String, ConfiguredAuthorizer>,
    /// `[functions.NAME]`, by the function's name.
    pub functions: BTreeMap<String, FunctionConfig>,
    /// Where `timeout` and `endpoint_type` were set.
    pub origins: Origins,
}

impl StageConfig {
    /// Every default, for `app_name` and `stage`.
    pub fn defaults(app_name: &str, stage: &str) -> StageConfig {
        StageConfig {
            app_name: app_name.to_owned(),
            stage: stage.to_owned(),
            api_gateway_stage: DEFAULT_API_GATEWAY_STAGE.to_owned(),
            function_name: format!("{app_name}-{stage}"),
            memory_mb: DEFAULT_MEMORY_MB,
            timeout_s: DEFAULT_TIMEOUT_S,
            architecture: Architecture::default(),
            environment: BTreeMap::new(),
            tags: BTreeMap::new(),
            reserved_concurrency: None,
            log_retention_days: None,
            logging: Logging::default(),
            endpoint_type: EndpointType::default(),
            vpc_endpoint_ids: Vec::new(),
            resource_policy: None,
            api_resource_quota: DEFAULT_API_RESOURCE_QUOTA,
            api_authorizer_quota: DEFAULT_API_AUTHORIZER_QUOTA,
            usage_plan: UsagePlanConfig::default(),
            api_key_ids: Vec::new(),
            role: RoleConfig::Managed {
                extra_statements: Vec::new(),
            },
            authorizers: BTreeMap::new(),
            functions: BTreeMap::new(),
            origins: Origins::default(),
        }
    }

    /// The memory of the function `name`: its own, else the stage's.
    pub fn function_memory_mb(&self, name: &str) -> u32 {
        self.functions
            .get(name)
            .and_then(|f| f.memory_mb)
            .unwrap_or(self.memory_mb)
    }

    /// The timeout of the function `name`: its own, else the stage's.
    pub fn function_timeout_s(&self, name: &str) -> u32 {
        self.functions
            .get(name)
            .and_then(|f| f.timeout_s)
            .unwrap_or(self.timeout_s)
    }

    /// The environment of the function `name`: the stage's, its own over it.
    pub fn function_environment(&self, name: &str) -> BTreeMap<String, String> {
        let mut environment = self.environment.clone();
        if let Some(f) = self.functions.get(name) {
            environment.extend(f.environment.clone());
        }
        environment
    }

    /// The log group Lambda writes to.
    pub fn log_group_name(&self) -> String {
        format!("/aws/lambda/{}", self.function_name)
    }

    /// The configuration as it applies in `region`: API Gateway has no
    /// edge-optimized APIs in the `aws-cn` and `aws-us-gov` partitions
    /// (the API Gateway sections of "Getting Started with AWS in China" and
    /// of the AWS GovCloud (US) User Guide), so there the endpoint type
    /// defaults to `REGIONAL`, and an `EDGE` the configuration asks for is
    /// refused before any AWS call.
    pub fn for_region(&mut self, region: &str) -> Result<(), ConfigError> {
        let partition = partition(region);
        if has_edge_endpoints(partition) {
            return Ok(());
        }
        match (&self.origins.endpoint_type, self.endpoint_type) {
            (None, _) => {
                self.endpoint_type = EndpointType::Regional;
                Ok(())
            }
            (Some(origin), EndpointType::Edge) => {
                let message = format!(
                    "edge-optimized APIs do not exist in the {partition} partition (region {region}): \
                     use \"REGIONAL\" (the default there) or \"PRIVATE\""
                );
                Err(match origin {
                    Origin::Key { path, table } => ConfigError::Key {
                        path: path.clone(),
                        table: table.clone(),
                        key: "endpoint_type".into(),
                        value: Some("\"EDGE\"".into()),
                        message,
                    },
                    Origin::Flag(flag) => ConfigError::Flag {
                        flag: (*flag).into(),
                        value: "EDGE".into(),
                        message,
                    },
                })
            }
            (Some(_), _) => Ok(()),
        }
    }

    /// What is allowed but will not work as the user likely expects, one
    /// sentence each, for `deploy` and `package` to print as warnings.
    ///
    /// A timeout above [`API_GATEWAY_TIMEOUT_S`]: API Gateway answers 504
    /// once the integration has run 29 s, while the function runs on. (API
    /// Gateway's REST API quotas: integration timeout 50 ms – 29 s; since
    /// June 2024 it can be raised for Regional and private REST APIs, with a
    /// quota increase and a per-integration `timeoutInMillis`, which goblet
    /// does not set.)
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.timeout_s > API_GATEWAY_TIMEOUT_S {
            let setting = match &self.origins.timeout {
                Some(origin) => origin.describe("timeout", &self.timeout_s.to_string()),
                None => format!("timeout {}", self.timeout_s),
            };
            out.push(format!(
                "stage {}: {setting}: API Gateway waits at most {API_GATEWAY_TIMEOUT_S} s for the function \
                 (its REST API integration timeout), then answers 504 while the function runs on; \
                 set timeout to {API_GATEWAY_TIMEOUT_S} or less (a longer integration timeout needs a \
                 Regional or private API and an API Gateway quota increase, which goblet does not configure)",
                self.stage
            ));
        }
        out
    }
}

/// The AWS partition of a region: the second word of its ARNs.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Whether API Gateway has edge-optimized APIs in `partition`: not in China
/// nor in GovCloud (US).
pub fn has_edge_endpoints(partition: &str) -> bool {
    !matches!(partition, "aws-cn" | "aws-us-gov")
}

/// Command-line flags that override the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub stage: Option<String>,
    pub memory_mb: Option<u32>,
    pub timeout_s: Option<u32>,
    pub architecture: Option<Architecture>,
    pub api_gateway_stage: Option<String>,
    pub endpoint_type: Option<EndpointType>,
}

pub const DEFAULT_STAGE: &str = "dev";
pub const DEFAULT_API_GATEWAY_STAGE: &str = "api";
pub const DEFAULT_MEMORY_MB: u32 = 128;
/// API Gateway's default quota of resources per REST API.
pub const DEFAULT_API_RESOURCE_QUOTA: u32 = 300;
/// API Gateway's default quota of authorizers (Lambda and Cognito) per REST API.
pub const DEFAULT_API_AUTHORIZER_QUOTA: u32 = 10;
/// At most what API Gateway waits for the function ([`API_GATEWAY_TIMEOUT_S`]).
pub const DEFAULT_TIMEOUT_S: u32 = API_GATEWAY_TIMEOUT_S;
/// How long a REST API's integration waits for the function by default, and
/// at most unless a quota increase raises it (Regional and private APIs only).
pub const API_GATEWAY_TIMEOUT_S: u32 = 29;
pub const MEMORY_RANGE_MB: (u32, u32) = (128, 10240);
pub const TIMEOUT_RANGE_S: (u32, u32) = (1, 900);

/// The retention periods CloudWatch Logs accepts, in days.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Lambda's limit on all of a function's environment variables together, in
/// bytes ("4 KB, for all environment variables associated with the function,
/// in aggregate": Lambda quotas).
pub const MAX_ENVIRONMENT_BYTES: usize = 4096;

/// Environment variable names Lambda reserves for itself: the "reserved"
/// defined runtime environment variables of the Lambda Developer Guide
/// ("Using Lambda environment variables"). Lambda refuses a function
/// configuration that sets one. `TZ`, `LANG`, `PATH` and
/// `AWS_LAMBDA_EXEC_WRAPPER`, say, are not reserved.
pub const RESERVED_ENVIRONMENT: [&str; 18] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
];

const KEYS: [&str; 22] = [
    "memory",
    "timeout",
    "architecture",
    "environment",
    "tags",
    "reserved_concurrency",
    "log_retention_days",
    "log_format",
    "log_level",
    "api_gateway_stage",
    "endpoint_type",
    "vpc_endpoint_ids",
    "resource_policy",
    "api_resource_quota",
    "api_authorizer_quota",
    "usage_plan",
    "api_key_ids",
    "iam_role_arn",
    "iam_policy_statements",
    "authorizers",
    "functions",
    "stages",
];

/// The keys of a `[functions.NAME]` table.
const FUNCTION_KEYS: [&str; 9] = [
    "memory",
    "timeout",
    "reserved_concurrency",
    "environment",
    "queue",
    "topic",
    "bucket",
    "bus",
    "stream",
];

/// `[functions.NAME]`: what the configuration changes of one event handler
/// or plain function (by its name, the attribute's `name` or the Rust
/// function's), a stage's table key by key over the top level's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionConfig {
    pub memory_mb: Option<u32>,
    pub timeout_s: Option<u32>,
    pub reserved_concurrency: Option<u32>,
    /// Merged over the stage's environment, name by name.
    pub environment: BTreeMap<String, String>,
    /// The source that replaces the attribute's, by key: `queue`, `topic`,
    /// `bucket`, `bus` or `stream`.
    pub sources: BTreeMap<String, String>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read the file: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: not valid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    /// A key of the file: `table` is e.g. `package.metadata.goblet.stages.prod`.
    #[error("{}: [{table}] {key}{}: {message}", path.display(), value.as_ref().map(|v| format!(" = {v}")).unwrap_or_default())]
    Key {
        path: PathBuf,
        table: String,
        key: String,
        /// The value as written, when it is the value that is wrong.
        value: Option<String>,
        message: String,
    },
    /// A stage's environment variables together are over Lambda's limit.
    #[error(
        "{}: stage {stage}: the environment variables take {size} bytes as Lambda measures them \
         (one JSON object, {{\"NAME\":\"value\",…}}), over Lambda's 4 KB ({limit} bytes) for all of a \
         function's variables together; the largest: {largest}",
        path.display(),
        limit = MAX_ENVIRONMENT_BYTES
    )]
    EnvironmentTooLarge {
        path: PathBuf,
        stage: String,
        size: usize,
        /// The biggest variables, `NAME (n bytes)`, for the message.
        largest: String,
    },
    /// A command-line flag (`--memory`).
    #[error("{flag} {value}: {message}")]
    Flag {
        flag: String,
        value: String,
        message: String,
    },
}

impl ConfigError {
    /// The key or flag the error is about (`memory`, `--stage`), if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Key { key, .. } => Some(key),
            ConfigError::Flag { flag, .. } => Some(flag),
            ConfigError::EnvironmentTooLarge { .. } => Some("environment"),
            _ => None,
        }
    }
}

const SECTION: &str = "package.metadata.goblet";

/// The configuration of the stage `overrides.stage` (default `dev`) of the app
/// whose `Cargo.toml` is in `project_dir`. No `Cargo.toml`, or no
/// `[package.metadata.goblet]` in it, means every default.
pub fn load(
    project_dir: &Path,
    app_name_from_manifest: &str,
    overrides: &Overrides,
) -> Result<StageConfig, ConfigError> {
    let path = project_dir.join("Cargo.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(ConfigError::Read { path, error }),
    };
    from_str(text.as_deref(), &path, app_name_from_manifest, overrides)
}

/// [`load`] on the text of a `Cargo.toml` (`None`: no file); `path` is for messages.
pub fn from_str(
    cargo_toml: Option<&str>,
    path: &Path,
    app_name: &str,
    overrides: &Overrides,
) -> Result<StageConfig, ConfigError> {
    let stage = overrides.stage.as_deref().unwrap_or(DEFAULT_STAGE);
    check_stage_name(stage).map_err(|message| ConfigError::Flag {
        flag: "--stage".into(),
        value: stage.to_owned(),
        message,
    })?;
    let mut config = StageConfig::defaults(app_name, stage);
    let function_name_len = config.function_name.len();
    if function_name_len > 64 {
        return Err(ConfigError::Flag {
            flag: "--stage".into(),
            value: stage.to_owned(),
            message: format!(
                "the function name `{}` would be {function_name_len} characters; Lambda allows 64",
                config.function_name
            ),
        });
    }

    if let Some(text) = cargo_toml {
        let doc: Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Syntax {
                path: path.to_owned(),
                message: e.message().to_owned(),
            })?;
        let section = doc
            .get("package")
            .and_then(|p| p.get("metadata"))
            .and_then(|m| m.get("goblet"));
        if let Some(section) = section {
            let reader = Reader { path };
            let Value::Table(section) = section else {
                return Err(reader.err(SECTION, "goblet", Some(section), "must be a table"));
            };
            reader.apply(SECTION, section, &mut config, true)?;
            if let Some(stages) = section.get("stages") {
                let Value::Table(stages) = stages else {
                    return Err(reader.err(
                        SECTION,
                        "stages",
                        Some(stages),
                        "must be a table of stage tables",
                    ));
                };
                for (name, table) in stages {
                    let at = format!("{SECTION}.stages.{name}");
                    let Value::Table(table) = table else {
                        return Err(reader.err(
                            &format!("{SECTION}.stages"),
                            name,
                            Some(table),
                            "must be a table",
                        ));
                    };
                    if let Err(message) = check_stage_name(name) {
                        return Err(reader.err(&format!("{SECTION}.stages"), name, None, &message));
                    }
                    // Every stage's table is checked, the one deployed is applied.
                    let mut scratch = config.clone();
                    let target = if name == stage {
                        &mut config
                    } else {
                        &mut scratch
                    };
                    reader.apply(&at, table, target, false)?;
                    check_environment_size(&target.environment, name, path)?;
                    check_log_level(target, name)?;
                }
            }
        }
    }

    apply_overrides(&mut config, overrides)?;
    check_private(&config, path)?;
    check_log_level(&config, stage)?;
    check_environment_size(&config.environment, stage, path)?;
    for name in config.functions.keys() {
        check_environment_size(&config.function_environment(name), stage, path)?;
    }
    Ok(config)
}

/// The app's functions as the stage configures them: each
/// `[functions.NAME]` table's `queue`, `topic`, `bucket`, `bus` or
/// `stream` replaces the attribute's, checked as the attribute is. A table
/// that names no function of the app, or a source its trigger does not
/// have, is refused.
pub fn configure_functions(
    manifest: &mut goblet_core::Manifest,
    config: &StageConfig,
) -> Result<(), String> {
    for (name, configured) in &config.functions {
        let Some(function) = manifest.functions.iter_mut().find(|f| &f.name == name) else {
            let names: Vec<&str> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
            return Err(format!(
                "[package.metadata.goblet.functions.{name}] (stage {}) names no function of the \
                 app; its functions are: {}",
                config.stage,
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ));
        };
        for (key, value) in &configured.sources {
            function.trigger = function.trigger.with_source(key, value).map_err(|e| {
                format!(
                    "[package.metadata.goblet.functions.{name}] {key} = \"{value}\" (stage {}): {e}",
                    config.stage
                )
            })?;
        }
    }
    Ok(())
}

/// API Gateway's key ids: 10 lowercase letters and digits.
fn is_api_key_id(id: &str) -> bool {
    id.len() == 10
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Reader<'_> {
    /// `environment = { NAME = "value" }`, set into `into` name by name.
    fn environment(
        &self,
        at: &str,
        value: &Value,
        into: &mut BTreeMap<String, String>,
    ) -> Result<(), ConfigError> {
        let Value::Table(vars) = value else {
            return Err(self.err(
                at,
                "environment",
                Some(value),
                "must be a table of NAME = \"value\"",
            ));
        };
        for (name, v) in vars {
            let key = format!("environment.{name}");
            let bad = |m: &str| self.err(at, &key, Some(v), m);
            check_environment_name(name).map_err(|m| bad(&m))?;
            let v = v.as_str().ok_or_else(|| bad("must be a string"))?;
            into.insert(name.clone(), v.to_owned());
        }
        Ok(())
    }

    /// `[functions.NAME]` over what the top level said of it.
    fn function(
        &self,
        at: &str,
        table: &Table,
        function: &mut FunctionConfig,
    ) -> Result<(), ConfigError> {
        use goblet_core::function as check;
        for (key, value) in table {
            let bad = |message: &str| self.err(at, key, Some(value), message);
            match key.as_str() {
                "memory" => function.memory_mb = Some(memory_mb(value).map_err(|m| bad(&m))?),
                "timeout" => function.timeout_s = Some(timeout_s(value).map_err(|m| bad(&m))?),
                "reserved_concurrency" => {
                    function.reserved_concurrency = Some(reservation(value).map_err(|m| bad(&m))?);
                }
                "environment" => self.environment(at, value, &mut function.environment)?,
                "queue" | "topic" | "bucket" | "bus" | "stream" => {
                    let name = value.as_str().ok_or_else(|| bad("must be a string"))?;
                    match key.as_str() {
                        "queue" => check::check_queue(name),
                        "topic" => check::check_topic(name),
                        "bucket" => check::check_bucket(name),
                        "bus" => check::check_bus(name),
                        _ => check::check_kinesis_stream(name)
                            .or_else(|_| check::check_dynamodb_stream(name))
                            .map_err(|_| {
                                format!(
                                    "`{name}` is neither a Kinesis stream (a name or an ARN) \
                                     nor a DynamoDB stream ARN"
                                )
                            }),
                    }
                    .map_err(|m| bad(&m))?;
                    function.sources.insert(key.clone(), name.to_owned());
                }
                _ => {
                    return Err(self.err(
                        at,
                        key,
                        None,
                        &format!("unknown key; the keys are {}", FUNCTION_KEYS.join(", ")),
                    ));
                }
            }
        }
        Ok(())
    }

    /// `[authorizers.NAME]` over what the top level said of it (a stage's
    /// table changes only the keys it names).
    fn authorizer(
        &self,
        at: &str,
        name: &str,
        table: &Table,
        inherited: Option<&ConfiguredAuthorizer>,
    ) -> Result<ConfiguredAuthorizer, ConfigError> {
        const TYPES: &str = "must be \"cognito_user_pools\", or \"token\" or \"request\" for a \
                             Lambda authorizer given by function_arn";
        // The table's type, else the one it overrides; a stage that changes
        // the type starts the authorizer afresh.
        let kind = match table.get("type") {
            Some(value) => match value.as_str() {
                Some("cognito_user_pools") => None,
                Some(word) => Some(
                    AuthorizerKind::from_word(word)
                        .ok_or_else(|| self.err(at, "type", Some(value), TYPES))?,
                ),
                None => return Err(self.err(at, "type", Some(value), TYPES)),
            },
            None => match inherited {
                Some(ConfiguredAuthorizer::CognitoUserPools(_)) => None,
                Some(ConfiguredAuthorizer::External(a)) => Some(a.kind),
                None => {
                    return Err(self.err(
                        at,
                        "type",
                        None,
                        "is missing: type = \"cognito_user_pools\", \"token\" or \"request\"",
                    ));
                }
            },
        };
        match kind {
            None => {
                let inherited = match inherited {
                    Some(ConfiguredAuthorizer::CognitoUserPools(a)) => Some(a),
                    _ => None,
                };
                self.user_pool_authorizer(at, name, table, inherited)
                    .map(ConfiguredAuthorizer::CognitoUserPools)
            }
            Some(kind) => {
                let inherited = match inherited {
                    Some(ConfiguredAuthorizer::External(a)) if a.kind == kind => Some(a),
                    _ => None,
                };
                self.external_authorizer(at, name, kind, table, inherited)
                    .map(ConfiguredAuthorizer::External)
            }
        }
    }

    /// A `type = "cognito_user_pools"` authorizer.
    fn user_pool_authorizer(
        &self,
        at: &str,
        name: &str,
        table: &Table,
        inherited: Option<&CognitoAuthorizer>,
    ) -> Result<CognitoAuthorizer, ConfigError> {
        let mut out = inherited.cloned().unwrap_or_else(|| CognitoAuthorizer {
            name: name.to_owned(),
            provider_arns: Vec::new(),
            identity_source: DEFAULT_IDENTITY_SOURCE.to_owned(),
            ttl_seconds: DEFAULT_TTL_SECONDS,
        });
        for (key, value) in table {
            let bad = |message: &str| self.err(at, key, Some(value), message);
            match key.as_str() {
                "type" => {}
                "provider_arns" => {
                    let arns = value.as_array().filter(|a| !a.is_empty()).ok_or_else(|| {
                        bad("must be a list of Cognito user pool ARNs, one or more")
                    })?;
                    let mut out_arns = Vec::new();
                    for arn in arns {
                        let arn = arn
                            .as_str()
                            .ok_or_else(|| bad("must be a list of strings"))?;
                        UserPoolArn::parse(arn).map_err(|m| bad(&m))?;
                        if !out_arns.iter().any(|a| a == arn) {
                            out_arns.push(arn.to_owned());
                        }
                    }
                    out.provider_arns = out_arns;
                }
                "identity_source" => {
                    out.identity_source =
                        self.header_source(at, key, value, "Cognito user pool")?;
                }
                "ttl" => out.ttl_seconds = ttl(value).map_err(|m| bad(&m))?,
                _ => {
                    return Err(self.err(
                        at,
                        key,
                        None,
                        "unknown key; the keys of a Cognito user pool authorizer are type, \
                         provider_arns, identity_source, ttl",
                    ));
                }
            }
        }
        if out.provider_arns.is_empty() {
            return Err(self.err(
                at,
                "provider_arns",
                None,
                "is missing: the user pools whose tokens are accepted, \
                 [\"arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID\"]",
            ));
        }
        Ok(out)
    }

    /// A `type = "token" | "request"` authorizer given by `function_arn`.
    fn external_authorizer(
        &self,
        at: &str,
        name: &str,
        kind: AuthorizerKind,
        table: &Table,
        inherited: Option<&ExternalAuthorizer>,
    ) -> Result<ExternalAuthorizer, ConfigError> {
        let mut out = inherited.cloned().unwrap_or_else(|| ExternalAuthorizer {
            name: name.to_owned(),
            kind,
            function_arn: String::new(),
            identity_sources: match kind {
                AuthorizerKind::Token => vec![DEFAULT_IDENTITY_SOURCE.to_owned()],
                AuthorizerKind::Request => Vec::new(),
            },
            ttl_seconds: DEFAULT_TTL_SECONDS,
        });
        let (sources_key, keys) = match kind {
            AuthorizerKind::Token => (
                "identity_source",
                "the keys of a token authorizer are type, function_arn, identity_source, ttl",
            ),
            AuthorizerKind::Request => (
                "identity_sources",
                "the keys of a request authorizer are type, function_arn, identity_sources, ttl",
            ),
        };
        for (key, value) in table {
            let bad = |message: &str| self.err(at, key, Some(value), message);
            match key.as_str() {
                "type" => {}
                "function_arn" => {
                    let arn = value.as_str().ok_or_else(|| bad("must be a string"))?;
                    FunctionArn::parse(arn).map_err(|m| bad(&m))?;
                    out.function_arn = arn.to_owned();
                }
                "ttl" => out.ttl_seconds = ttl(value).map_err(|m| bad(&m))?,
                // A TOKEN authorizer reads one header (Authorizer.identitySource).
                "identity_source" if kind == AuthorizerKind::Token => {
                    out.identity_sources = vec![self.header_source(at, key, value, "token")?];
                }
                "identity_sources" if kind == AuthorizerKind::Request => {
                    let items = value
                        .as_array()
                        .ok_or_else(|| bad("must be a list of identity sources"))?;
                    let mut sources = Vec::new();
                    for item in items {
                        let source = item
                            .as_str()
                            .ok_or_else(|| bad("must be a list of strings"))?;
                        IdentitySource::parse(source).map_err(|m| bad(&m))?;
                        if !sources.iter().any(|s| s == source) {
                            sources.push(source.to_owned());
                        }
                    }
                    out.identity_sources = sources;
                }
                _ => {
                    let hint = if key == "identity_source" || key == "identity_sources" {
                        format!(
                            "a {} authorizer takes {sources_key}; {keys}",
                            kind.as_str().to_ascii_lowercase()
                        )
                    } else {
                        format!("unknown key; {keys}")
                    };
                    return Err(self.err(at, key, None, &hint));
                }
            }
        }
        if out.function_arn.is_empty() {
            return Err(self.err(
                at,
                "function_arn",
                None,
                "is missing: the authorizer's Lambda function, \
                 \"arn:aws:lambda:REGION:ACCOUNT:function:NAME\"",
            ));
        }
        check_lambda_settings(name, &out.identity_sources, out.ttl_seconds)
            .map_err(|m| self.err(at, sources_key, None, &m))?;
        Ok(out)
    }

    /// An identity source that must be a header: `method.request.header.NAME`.
    fn header_source(
        &self,
        at: &str,
        key: &str,
        value: &Value,
        what: &str,
    ) -> Result<String, ConfigError> {
        let bad = |message: &str| self.err(at, key, Some(value), message);
        let source = value.as_str().ok_or_else(|| bad("must be a string"))?;
        // "For a TOKEN or COGNITO_USER_POOLS authorizer, this is required and
        // specifies the request header mapping expression" (Authorizer.identitySource).
        match IdentitySource::parse(source) {
            Ok(IdentitySource::Header(_)) => Ok(source.to_owned()),
            Ok(_) => Err(bad(&format!(
                "a {what} authorizer reads its token from a header: method.request.header.NAME"
            ))),
            Err(m) => Err(bad(&m)),
        }
    }

    /// `[usage_plan]`: every key checked, quota limit and period together.
    fn usage_plan(&self, at: &str, plan: &Table) -> Result<UsagePlanConfig, ConfigError> {
        let mut out = UsagePlanConfig::default();
        for (key, value) in plan {
            let name = format!("usage_plan.{key}");
            let bad = |message: &str| self.err(at, &name, Some(value), message);
            match key.as_str() {
                "rate_limit" => {
                    let n = value
                        .as_float()
                        .or_else(|| value.as_integer().map(|n| n as f64))
                        .filter(|n| *n > 0.0 && n.is_finite())
                        .ok_or_else(|| bad("must be a number of requests a second, above 0"))?;
                    out.rate_limit = Some(n);
                }
                "burst_limit" => {
                    let n = integer(value)
                        .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                        .ok_or_else(|| bad("must be a whole number of requests, 0 or more"))?;
                    out.burst_limit = Some(n as u32);
                }
                "quota_limit" => {
                    let n = integer(value)
                        .filter(|n| (1..=i64::from(i32::MAX)).contains(n))
                        .ok_or_else(|| bad("must be a whole number of requests, 1 or more"))?;
                    out.quota_limit = Some(n as u32);
                }
                "quota_period" => {
                    let period = value
                        .as_str()
                        .map(str::to_ascii_uppercase)
                        .filter(|p| matches!(p.as_str(), "DAY" | "WEEK" | "MONTH"))
                        .ok_or_else(|| bad("must be \"DAY\", \"WEEK\" or \"MONTH\""))?;
                    out.quota_period = Some(period);
                }
                _ => {
                    return Err(self.err(
                        at,
                        &name,
                        None,
                        "unknown key; the keys are rate_limit, burst_limit, quota_limit, quota_period",
                    ));
                }
            }
        }
        if out.quota_limit.is_some() != out.quota_period.is_some() {
            return Err(self.err(
                at,
                "usage_plan",
                None,
                "quota_limit and quota_period go together (requests per DAY, WEEK or MONTH)",
            ));
        }
        Ok(out)
    }
}

/// API Gateway refuses to deploy a PRIVATE API without a resource policy
/// ("Private REST API doesn't have a resource policy attached to it"): say so
/// before any AWS call.
fn check_private(config: &StageConfig, path: &Path) -> Result<(), ConfigError> {
    if config.endpoint_type != EndpointType::Private
        || !config.vpc_endpoint_ids.is_empty()
        || config.resource_policy.is_some()
    {
        return Ok(());
    }
    Err(ConfigError::Key {
        path: path.to_owned(),
        table: SECTION.to_owned(),
        key: "endpoint_type".to_owned(),
        value: Some("\"PRIVATE\"".to_owned()),
        message: format!(
            "a PRIVATE REST API cannot be deployed without a resource policy (stage {}): set \
             vpc_endpoint_ids = [\"vpce-...\"] for the VPC endpoints that may call it, or \
             resource_policy = \"policy.json\" for a policy of your own",
            config.stage
        ),
    })
}

/// Lambda filters application logs by level in the JSON log format only:
/// "To use log-level filtering, your function must be configured to use the
/// JSON log format" (Lambda Developer Guide, "Log-level filtering"), and
/// `LoggingConfig.ApplicationLogLevel` goes with `LogFormat` `JSON`. A
/// `log_level` without `log_format = "json"` would be refused by Lambda, or
/// silently do nothing: refuse it here, where it was set.
fn check_log_level(config: &StageConfig, stage: &str) -> Result<(), ConfigError> {
    let (Some(level), LogFormat::Text) = (config.logging.level, config.logging.format) else {
        return Ok(());
    };
    let Some(Origin::Key { path, table }) = &config.origins.log_level else {
        return Ok(());
    };
    Err(ConfigError::Key {
        path: path.clone(),
        table: table.clone(),
        key: "log_level".to_owned(),
        value: Some(format!("\"{}\"", level.as_str().to_ascii_lowercase())),
        message: format!(
            "a log level needs log_format = \"json\" (stage {stage}): Lambda filters application \
             logs by level only in the JSON log format (Lambda Developer Guide, \"Log-level \
             filtering\"), and the text format has none"
        ),
    })
}

/// `vpce-` and 8 or 17 lowercase hex digits, as EC2 makes them.
fn is_vpc_endpoint_id(id: &str) -> bool {
    id.strip_prefix("vpce-").is_some_and(|hex| {
        !hex.is_empty() && hex.len() <= 17 && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A resource policy document from `file`: a JSON object with `Statement`.
fn read_policy(file: &Path) -> Result<Json, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let policy: Json =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
    if !policy
        .get("Statement")
        .is_some_and(|s| s.is_array() || s.is_object())
    {
        return Err(format!(
            "{} is not a policy document (no \"Statement\")",
            file.display()
        ));
    }
    Ok(policy)
}

/// The size Lambda gives a function's environment variables: the bytes of
/// the `Variables` map as one compact JSON object, `{"NAME":"value",…}`.
/// Lambda's quota is "4 KB, for all environment variables associated with
/// the function, in aggregate", and the error it answers when they are over
/// shows what it counted ("exceeded the 4KB limit. String measured:
/// {\"NAME\":\"value\",…}"): names, values, quotes, separators and JSON
/// escapes all count.
pub fn environment_size(environment: &BTreeMap<String, String>) -> usize {
    serde_json::to_string(environment).map_or(0, |json| json.len())
}

/// The stage's variables must fit [`MAX_ENVIRONMENT_BYTES`].
fn check_environment_size(
    environment: &BTreeMap<String, String>,
    stage: &str,
    path: &Path,
) -> Result<(), ConfigError> {
    let size = environment_size(environment);
    if size <= MAX_ENVIRONMENT_BYTES {
        return Ok(());
    }
    let mut by_size: Vec<(usize, &str)> = environment
        .iter()
        .map(|(k, v)| {
            (
                environment_size(&BTreeMap::from([(k.clone(), v.clone())])) - 2,
                k.as_str(),
            )
        })
        .collect();
    by_size.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let largest: Vec<String> = by_size
        .iter()
        .take(3)
        .map(|(n, k)| format!("{k} ({n} bytes)"))
        .collect();
    Err(ConfigError::EnvironmentTooLarge {
        path: path.to_owned(),
        stage: stage.to_owned(),
        size,
        largest: largest.join(", "),
    })
}

fn apply_overrides(config: &mut StageConfig, o: &Overrides) -> Result<(), ConfigError> {
    let flag = |flag: &str, value: String, message: String| ConfigError::Flag {
        flag: flag.into(),
        value,
        message,
    };
    if let Some(memory) = o.memory_mb {
        check_memory(i64::from(memory)).map_err(|m| flag("--memory", memory.to_string(), m))?;
        config.memory_mb = memory;
    }
    if let Some(timeout) = o.timeout_s {
        check_timeout(i64::from(timeout)).map_err(|m| flag("--timeout", timeout.to_string(), m))?;
        config.timeout_s = timeout;
        config.origins.timeout = Some(Origin::Flag("--timeout"));
    }
    if let Some(arch) = o.architecture {
        config.architecture = arch;
    }
    if let Some(stage) = &o.api_gateway_stage {
        check_api_gateway_stage(stage)
            .map_err(|m| flag("--api-gateway-stage", stage.clone(), m))?;
        config.api_gateway_stage = stage.clone();
    }
    if let Some(endpoint) = o.endpoint_type {
        config.endpoint_type = endpoint;
        config.origins.endpoint_type = Some(Origin::Flag("--endpoint-type"));
    }
    Ok(())
}

struct Reader<'p> {
    path: &'p Path,
}

impl Reader<'_> {
    fn err(&self, table: &str, key: &str, value: Option<&Value>, message: &str) -> ConfigError {
        ConfigError::Key {
            path: self.path.to_owned(),
            table: table.to_owned(),
            key: key.to_owned(),
            value: value.map(show),
            message: message.to_owned(),
        }
    }

    /// Applies one table (the top level or a stage's) over `config`.
    fn apply(
        &self,
        at: &str,
        table: &Table,
        config: &mut StageConfig,
        top: bool,
    ) -> Result<(), ConfigError> {
        let origin = || Origin::Key {
            path: self.path.to_owned(),
            table: at.to_owned(),
        };
        for (key, value) in table {
            let bad = |message: &str| self.err(at, key, Some(value), message);
            match key.as_str() {
                "memory" => config.memory_mb = memory_mb(value).map_err(|m| bad(&m))?,
                "timeout" => {
                    config.timeout_s = timeout_s(value).map_err(|m| bad(&m))?;
                    config.origins.timeout = Some(origin());
                }
                "architecture" => {
                    config.architecture = value
                        .as_str()
                        .and_then(Architecture::parse)
                        .ok_or_else(|| bad("must be \"x86_64\" or \"arm64\""))?;
                }
                "endpoint_type" => {
                    config.endpoint_type = value
                        .as_str()
                        .and_then(EndpointType::parse)
                        .ok_or_else(|| bad("must be \"EDGE\", \"REGIONAL\" or \"PRIVATE\""))?;
                    config.origins.endpoint_type = Some(origin());
                }
                "vpc_endpoint_ids" => {
                    let ids = value
                        .as_array()
                        .and_then(|items| {
                            items
                                .iter()
                                .map(|v| v.as_str().map(str::to_owned))
                                .collect::<Option<Vec<String>>>()
                        })
                        .ok_or_else(|| {
                            bad("must be an array of VPC endpoint ids (\"vpce-...\")")
                        })?;
                    if let Some(id) = ids.iter().find(|id| !is_vpc_endpoint_id(id)) {
                        return Err(bad(&format!(
                            "`{id}` is not a VPC endpoint id (vpce- followed by hex digits)"
                        )));
                    }
                    config.vpc_endpoint_ids = ids;
                }
                "api_key_ids" => {
                    let ids = value
                        .as_array()
                        .and_then(|items| {
                            items
                                .iter()
                                .map(|v| v.as_str().map(str::to_owned))
                                .collect::<Option<Vec<String>>>()
                        })
                        .ok_or_else(|| bad("must be an array of API key ids"))?;
                    if let Some(id) = ids.iter().find(|id| !is_api_key_id(id)) {
                        return Err(bad(&format!(
                            "`{id}` is not an API Gateway key id (10 lowercase letters and digits, as `aws apigateway get-api-keys` shows them)"
                        )));
                    }
                    config.api_key_ids = ids;
                }
                "usage_plan" => {
                    let Value::Table(plan) = value else {
                        return Err(bad(
                            "must be a table: { rate_limit = 100, burst_limit = 200, quota_limit = 10000, quota_period = \"MONTH\" }",
                        ));
                    };
                    config.usage_plan = self.usage_plan(at, plan)?;
                }
                "api_resource_quota" => {
                    let n = integer(value)
                        .filter(|n| (1..=i64::from(u32::MAX)).contains(n))
                        .ok_or_else(|| bad("must be a whole number of resources, 1 or more"))?;
                    config.api_resource_quota = n as u32;
                }
                "api_authorizer_quota" => {
                    let n = integer(value)
                        .filter(|n| (1..=i64::from(u32::MAX)).contains(n))
                        .ok_or_else(|| bad("must be a whole number of authorizers, 1 or more"))?;
                    config.api_authorizer_quota = n as u32;
                }
                "resource_policy" => {
                    let file = value.as_str().ok_or_else(|| bad("must be a file name"))?;
                    let dir = self.path.parent().unwrap_or(Path::new("."));
                    config.resource_policy =
                        Some(read_policy(&dir.join(file)).map_err(|m| bad(&m))?);
                }
                "api_gateway_stage" => {
                    let s = value.as_str().ok_or_else(|| bad("must be a string"))?;
                    check_api_gateway_stage(s).map_err(|m| bad(&m))?;
                    config.api_gateway_stage = s.to_owned();
                }
                "reserved_concurrency" => {
                    config.reserved_concurrency = Some(reservation(value).map_err(|m| bad(&m))?);
                }
                "log_retention_days" => {
                    let n = integer(value)
                        .filter(|n| LOG_RETENTION_DAYS.iter().any(|d| i64::from(*d) == *n))
                        .ok_or_else(|| {
                            bad(&format!(
                                "must be one of CloudWatch Logs' retention periods: {}",
                                LOG_RETENTION_DAYS.map(|d| d.to_string()).join(", ")
                            ))
                        })?;
                    config.log_retention_days = Some(n as u32);
                }
                "log_format" => {
                    config.logging.format = value
                        .as_str()
                        .and_then(LogFormat::parse)
                        .ok_or_else(|| bad("must be \"text\" or \"json\""))?;
                }
                "log_level" => {
                    config.logging.level = Some(
                        value.as_str().and_then(LogLevel::parse).ok_or_else(|| {
                            bad("must be one of Lambda's log levels: \"trace\", \"debug\", \"info\", \"warn\", \"error\", \"fatal\"")
                        })?,
                    );
                    config.origins.log_level = Some(origin());
                }
                "environment" => self.environment(at, value, &mut config.environment)?,
                "tags" => {
                    let Value::Table(tags) = value else {
                        return Err(bad("must be a table of key = \"value\""));
                    };
                    for (name, v) in tags {
                        let key = format!("tags.{name}");
                        let bad = |m: &str| self.err(at, &key, Some(v), m);
                        check_tag(name).map_err(|m| bad(&m))?;
                        let v = v.as_str().ok_or_else(|| bad("must be a string"))?;
                        if v.chars().count() > 256 {
                            return Err(bad("tag values are at most 256 characters"));
                        }
                        config.tags.insert(name.clone(), v.to_owned());
                    }
                }
                "iam_role_arn" => {
                    let arn = value.as_str().ok_or_else(|| bad("must be a string"))?;
                    check_role_arn(arn).map_err(|m| bad(&m))?;
                    config.role = RoleConfig::Existing {
                        arn: arn.to_owned(),
                    };
                }
                "iam_policy_statements" => {
                    let Value::Array(items) = value else {
                        return Err(bad(
                            "must be an array of statements ({ Effect = \"Allow\", Action = [...], Resource = \"...\" })",
                        ));
                    };
                    let mut statements = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let key = format!("iam_policy_statements[{i}]");
                        statements.push(statement(item).map_err(|m| self.err(at, &key, None, &m))?);
                    }
                    config.role = RoleConfig::Managed {
                        extra_statements: statements,
                    };
                }
                "authorizers" => {
                    let Value::Table(authorizers) = value else {
                        return Err(bad(
                            "must be a table of authorizer tables ([package.metadata.goblet.authorizers.NAME])",
                        ));
                    };
                    for (name, table) in authorizers {
                        let Value::Table(table) = table else {
                            return Err(self.err(
                                at,
                                &format!("authorizers.{name}"),
                                Some(table),
                                "must be a table: { type = \"cognito_user_pools\", provider_arns = [...] }",
                            ));
                        };
                        // The names a route's `authorizer = "..."` and API Gateway take.
                        let valid_name = !name.is_empty()
                            && name.len() <= 128
                            && name
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
                        if !valid_name {
                            return Err(self.err(
                                at,
                                &format!("authorizers.{name}"),
                                None,
                                "an authorizer name is 1 to 128 letters, digits, `-` and `_`",
                            ));
                        }
                        let at = format!("{at}.authorizers.{name}");
                        let authorizer =
                            self.authorizer(&at, name, table, config.authorizers.get(name))?;
                        config.authorizers.insert(name.clone(), authorizer);
                    }
                }
                "functions" => {
                    let Value::Table(functions) = value else {
                        return Err(bad(
                            "must be a table of function tables ([package.metadata.goblet.functions.NAME])",
                        ));
                    };
                    for (name, table) in functions {
                        let key = format!("functions.{name}");
                        let Value::Table(table) = table else {
                            return Err(self.err(
                                at,
                                &key,
                                Some(table),
                                "must be a table: { memory = 512, queue = \"jobs-prod\" }",
                            ));
                        };
                        goblet_core::function::check_name(name)
                            .map_err(|m| self.err(at, &key, None, &m))?;
                        let at = format!("{at}.functions.{name}");
                        let mut function = config.functions.get(name).cloned().unwrap_or_default();
                        self.function(&at, table, &mut function)?;
                        config.functions.insert(name.clone(), function);
                    }
                }
                "stages" if top => {}
                _ => {
                    let known: Vec<&str> = KEYS
                        .iter()
                        .copied()
                        .filter(|k| top || *k != "stages")
                        .collect();
                    return Err(self.err(
                        at,
                        key,
                        None,
                        &format!("unknown key; the keys are {}", known.join(", ")),
                    ));
                }
            }
        }
        if table.contains_key("iam_role_arn") && table.contains_key("iam_policy_statements") {
            return Err(self.err(
                at,
                "iam_policy_statements",
                None,
                "cannot be used with iam_role_arn: goblet adds statements only to the role it manages",
            ));
        }
        Ok(())
    }
}

/// A TOML value as written, for messages.
fn show(value: &Value) -> String {
    match value {
        Value::Table(_) => "{ … }".to_owned(),
        other => other.to_string(),
    }
}

/// An authorizer's `ttl`: whole seconds API Gateway caches its results.
fn ttl(value: &Value) -> Result<u32, String> {
    integer(value)
        .filter(|n| (0..=i64::from(MAX_TTL_SECONDS)).contains(n))
        .map(|n| n as u32)
        .ok_or_else(|| {
            format!("must be a whole number of seconds from 0 (no caching) to {MAX_TTL_SECONDS}")
        })
}

fn integer(value: &Value) -> Option<i64> {
    value.as_integer()
}

/// `memory`: whole MB in Lambda's range.
fn memory_mb(value: &Value) -> Result<u32, String> {
    let n = integer(value).ok_or("must be a whole number of MB")?;
    check_memory(n)?;
    Ok(n as u32)
}

/// `timeout`: whole seconds in Lambda's range.
fn timeout_s(value: &Value) -> Result<u32, String> {
    let n = integer(value).ok_or("must be a whole number of seconds")?;
    check_timeout(n)?;
    Ok(n as u32)
}

/// `reserved_concurrency`: 0 or more.
fn reservation(value: &Value) -> Result<u32, String> {
    integer(value)
        .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
        .map(|n| n as u32)
        .ok_or_else(|| "must be a whole number, 0 or more".to_owned())
}

fn check_memory(n: i64) -> Result<(), String> {
    let (lo, hi) = MEMORY_RANGE_MB;
    if (i64::from(lo)..=i64::from(hi)).contains(&n) {
        Ok(())
    } else {
        Err(format!("must be between {lo} and {hi} MB"))
    }
}

fn check_timeout(n: i64) -> Result<(), String> {
    let (lo, hi) = TIMEOUT_RANGE_S;
    if (i64::from(lo)..=i64::from(hi)).contains(&n) {
        Ok(())
    } else {
        Err(format!("must be between {lo} and {hi} seconds"))
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// A deploy stage names AWS resources (`{app}-{stage}`).
fn check_stage_name(stage: &str) -> Result<(), String> {
    if stage.is_empty() || !stage.chars().all(is_name_char) {
        Err("a stage name is letters, digits, `-` and `_`".to_owned())
    } else {
        Ok(())
    }
}

fn check_api_gateway_stage(stage: &str) -> Result<(), String> {
    if stage.is_empty() || stage.len() > 128 || !stage.chars().all(is_name_char) {
        Err("an API Gateway stage name is 1 to 128 letters, digits, `-` and `_`".to_owned())
    } else {
        Ok(())
    }
}

/// Lambda's pattern for a variable's name (API reference, `Environment`):
/// `[a-zA-Z]([a-zA-Z0-9_])+`, so at least two characters, and not one of
/// the names Lambda reserves.
pub fn check_environment_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest: Vec<char> = chars.collect();
    if !first_ok || rest.is_empty() || !rest.iter().all(|c| c.is_ascii_alphanumeric() || *c == '_')
    {
        return Err("Lambda environment variable names are a letter then one or more letters, digits and `_` ([a-zA-Z]([a-zA-Z0-9_])+)".to_owned());
    }
    if RESERVED_ENVIRONMENT.contains(&name) {
        return Err("reserved by Lambda; choose another name".to_owned());
    }
    Ok(())
}

fn check_tag(key: &str) -> Result<(), String> {
    if key.is_empty() || key.chars().count() > 128 {
        return Err("tag keys are 1 to 128 characters".to_owned());
    }
    if key.starts_with("aws:") {
        return Err("the `aws:` prefix is reserved by AWS".to_owned());
    }
    if key.starts_with("goblet:") {
        return Err("the `goblet:` prefix is reserved: goblet tags what it creates with goblet:app and goblet:stage".to_owned());
    }
    Ok(())
}

/// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
fn check_role_arn(arn: &str) -> Result<(), String> {
    let shape = "must be an IAM role ARN, arn:aws:iam::123456789012:role/NAME";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(shape.to_owned());
    };
    let partition_ok = *partition == "aws" || partition.starts_with("aws-");
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let name = resource.strip_prefix("role/").unwrap_or("");
    let name_ok = !name.is_empty()
        && !name.ends_with('/')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
    if *prefix == "arn"
        && partition_ok
        && *service == "iam"
        && region.is_empty()
        && account_ok
        && name_ok
    {
        Ok(())
    } else {
        Err(shape.to_owned())
    }
}

/// One `iam_policy_statements` entry as an IAM statement object.
fn statement(item: &Value) -> Result<Json, String> {
    let Value::Table(table) = item else {
        return Err(
            "must be a table { Effect = \"Allow\", Action = [...], Resource = \"...\" }".to_owned(),
        );
    };
    let mut out = serde_json::Map::new();
    for (key, value) in table {
        let strings = || -> Result<Json, String> {
            match value {
                Value::String(s) if !s.is_empty() => Ok(Json::String(s.clone())),
                Value::Array(items) if !items.is_empty() => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .filter(|s| !s.is_empty())
                            .map(|s| Json::String(s.to_owned()))
                            .ok_or_else(|| format!("{key} must hold non-empty strings"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Json::Array),
                _ => Err(format!(
                    "{key} must be a string or a non-empty array of strings"
                )),
            }
        };
        let json = match key.as_str() {
            "Effect" => match value.as_str() {
                Some(e @ ("Allow" | "Deny")) => Json::String(e.to_owned()),
                _ => {
                    return Err(format!(
                        "Effect = {}: must be \"Allow\" or \"Deny\"",
                        show(value)
                    ));
                }
            },
            "Sid" => match value.as_str() {
                Some(s) if s.chars().all(|c| c.is_ascii_alphanumeric()) => {
                    Json::String(s.to_owned())
                }
                _ => return Err("Sid must be letters and digits".to_owned()),
            },
            "Action" | "NotAction" | "Resource" | "NotResource" => strings()?,
            "Condition" => serde_json::to_value(value).map_err(|e| format!("Condition: {e}"))?,
            other => {
                return Err(format!(
                    "unknown statement key `{other}`; a statement has Effect, Action (or NotAction), Resource (or NotResource), and optionally Sid and Condition"
                ));
            }
        };
        out.insert(key.clone(), json);
    }
    if !out.contains_key("Effect") {
        return Err("needs Effect = \"Allow\" or \"Deny\"".to_owned());
    }
    if out.contains_key("Action") == out.contains_key("NotAction") {
        return Err("needs exactly one of Action and NotAction".to_owned());
    }
    if out.contains_key("Resource") == out.contains_key("NotResource") {
        return Err("needs exactly one of Resource and NotResource".to_owned());
    }
    Ok(Json::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        for ok in [
            "arn:aws:iam::123456789012:role/r",
            "arn:aws-cn:iam::123456789012:role/path/to/my-role.x@y",
            "arn:aws-us-gov:iam::123456789012:role/a+b=c,d",
        ] {
            assert_eq!(check_role_arn(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "arn:aws:iam::123456789012:user/r",
            "arn:aws:iam::12345678901:role/r",
            "arn:aws:iam:us-east-1:123456789012:role/r",
            "arn:aws:s3::123456789012:role/r",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a b",
            "role/r",
        ] {
            assert!(check_role_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn environment_names() {
        assert!(check_environment_name("GREETING_1").is_ok());
        assert!(check_environment_name("1X").is_err());
        assert!(check_environment_name("A-B").is_err());
        assert!(check_environment_name("AWS_REGION").is_err());
    }

    #[test]
    fn a_private_api_needs_a_resource_policy() {
        let dir =
            std::env::temp_dir().join(format!("goblet-config-private-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("Cargo.toml");
        std::fs::write(
            dir.join("policy.json"),
            r#"{"Version": "2012-10-17", "Statement": []}"#,
        )
        .unwrap();
        std::fs::write(dir.join("not-a-policy.json"), r#"{"a": 1}"#).unwrap();
        let load = |goblet: &str| {
            let text = format!("[package]\nname = \"a\"\n[package.metadata.goblet]\n{goblet}\n");
            from_str(Some(&text), &path, "a", &Overrides::default())
        };
        // (configuration, Ok or the words of the error)
        let cases: [(&str, Result<(), &str>); 7] = [
            (
                "endpoint_type = \"PRIVATE\"",
                Err("cannot be deployed without a resource policy"),
            ),
            (
                "endpoint_type = \"PRIVATE\"\nvpc_endpoint_ids = [\"vpce-0123abcd\"]",
                Ok(()),
            ),
            (
                "endpoint_type = \"PRIVATE\"\nresource_policy = \"policy.json\"",
                Ok(()),
            ),
            (
                "endpoint_type = \"PRIVATE\"\nvpc_endpoint_ids = [\"vpc-1\"]",
                Err("is not a VPC endpoint id"),
            ),
            ("vpc_endpoint_ids = \"vpce-1\"", Err("must be an array")),
            ("resource_policy = \"missing.json\"", Err("cannot read")),
            (
                "resource_policy = \"not-a-policy.json\"",
                Err("not a policy document"),
            ),
        ];
        for (goblet, expected) in cases {
            match (load(goblet), expected) {
                (Ok(_), Ok(())) => {}
                (Err(e), Err(words)) => assert!(e.to_string().contains(words), "{goblet}: {e}"),
                (got, want) => panic!("{goblet}: got {got:?}, want {want:?}"),
            }
        }
        let private =
            load("endpoint_type = \"PRIVATE\"\nresource_policy = \"policy.json\"").unwrap();
        assert_eq!(private.resource_policy.unwrap()["Version"], "2012-10-17");
        // The flag makes a stage PRIVATE too: checked after the overrides.
        let flagged = from_str(
            Some("[package]\nname = \"a\"\n"),
            &path,
            "a",
            &Overrides {
                endpoint_type: Some(EndpointType::Private),
                ..Overrides::default()
            },
        );
        assert!(flagged.is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn log_format_and_level() {
        let path = Path::new("Cargo.toml");
        let load = |goblet: &str, stage: &str| {
            let text = format!("[package]\nname = \"a\"\n[package.metadata.goblet]\n{goblet}\n");
            let overrides = Overrides {
                stage: Some(stage.into()),
                ..Overrides::default()
            };
            from_str(Some(&text), path, "a", &overrides)
        };
        let json = |level| Logging {
            format: LogFormat::Json,
            level,
        };
        // (configuration, stage, the logging or the words of the error)
        let rows: [(&str, &str, Result<Logging, &str>); 9] = [
            ("", "dev", Ok(Logging::default())),
            ("log_format = \"JSON\"", "dev", Ok(json(None))),
            (
                "log_format = \"json\"\nlog_level = \"Debug\"",
                "dev",
                Ok(json(Some(LogLevel::Debug))),
            ),
            ("log_format = \"text\"", "dev", Ok(Logging::default())),
            (
                "log_format = \"xml\"",
                "dev",
                Err("must be \"text\" or \"json\""),
            ),
            (
                "log_level = \"verbose\"",
                "dev",
                Err("one of Lambda's log levels"),
            ),
            (
                "log_level = \"warn\"",
                "dev",
                Err(
                    "[package.metadata.goblet] log_level = \"warn\": a log level needs log_format = \"json\"",
                ),
            ),
            // A stage's level needs the format too, wherever the format is set …
            (
                "log_format = \"json\"\n[package.metadata.goblet.stages.prod]\nlog_level = \"error\"",
                "prod",
                Ok(json(Some(LogLevel::Error))),
            ),
            // … and a stage that turns the format back to text cannot keep a level.
            (
                "log_format = \"json\"\nlog_level = \"error\"\n[package.metadata.goblet.stages.prod]\nlog_format = \"text\"",
                "dev",
                Err("(stage prod)"),
            ),
        ];
        for (goblet, stage, expected) in rows {
            match (load(goblet, stage), expected) {
                (Ok(config), Ok(logging)) => assert_eq!(config.logging, logging, "{goblet}"),
                (Err(e), Err(words)) => assert!(e.to_string().contains(words), "{goblet}: {e}"),
                (got, want) => panic!("{goblet}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn usage_plans_and_api_keys() {
        let path = Path::new("Cargo.toml");
        let load = |goblet: &str| {
            let text = format!("[package]\nname = \"a\"\n[package.metadata.goblet]\n{goblet}\n");
            from_str(Some(&text), path, "a", &Overrides::default())
        };
        let full = load(
            "api_key_ids = [\"a1b2c3d4e5\"]\n[package.metadata.goblet.usage_plan]\n\
             rate_limit = 10.5\nburst_limit = 20\nquota_limit = 1000\nquota_period = \"week\"",
        )
        .unwrap();
        assert_eq!(full.api_key_ids, ["a1b2c3d4e5"]);
        assert_eq!(
            full.usage_plan,
            UsagePlanConfig {
                rate_limit: Some(10.5),
                burst_limit: Some(20),
                quota_limit: Some(1000),
                quota_period: Some("WEEK".into()),
            }
        );
        for (goblet, words) in [
            ("api_key_ids = [\"ABC\"]", "not an API Gateway key id"),
            ("usage_plan = { rate_limit = 0 }", "above 0"),
            ("usage_plan = { quota_limit = 5 }", "go together"),
            (
                "usage_plan = { quota_limit = 5, quota_period = \"YEAR\" }",
                "DAY",
            ),
            ("usage_plan = { rate = 5 }", "unknown key"),
            ("usage_plan = 5", "must be a table"),
        ] {
            let e = load(goblet).unwrap_err().to_string();
            assert!(e.contains(words), "{goblet}: {e}");
        }
    }
}

#[cfg(test)]
mod function_tests {
    use super::*;
    use goblet_core::{Function, Manifest, Route, Trigger};

    fn load(goblet: &str, stage: &str) -> Result<StageConfig, ConfigError> {
        let text = format!("[package]\nname = \"a\"\n[package.metadata.goblet]\n{goblet}\n");
        let overrides = Overrides {
            stage: Some(stage.into()),
            ..Overrides::default()
        };
        from_str(Some(&text), Path::new("Cargo.toml"), "a", &overrides)
    }

    #[test]
    fn a_stage_sets_a_functions_settings_over_the_top_levels() {
        let goblet = r#"
memory = 512
environment = { AA = "top", BB = "top" }
[package.metadata.goblet.functions.work]
memory = 256
environment = { BB = "work" }
[package.metadata.goblet.stages.prod.functions.work]
queue = "jobs-prod"
reserved_concurrency = 5
timeout = 60
"#;
        let dev = load(goblet, "dev").unwrap();
        assert_eq!(dev.function_memory_mb("work"), 256);
        assert_eq!(dev.function_memory_mb("other"), 512);
        assert_eq!(dev.function_timeout_s("work"), DEFAULT_TIMEOUT_S);
        assert_eq!(
            dev.function_environment("work"),
            BTreeMap::from([("AA".into(), "top".into()), ("BB".into(), "work".into())])
        );
        assert!(dev.functions["work"].sources.is_empty());
        let prod = load(goblet, "prod").unwrap();
        let work = &prod.functions["work"];
        assert_eq!(work.memory_mb, Some(256), "kept from the top level");
        assert_eq!(work.timeout_s, Some(60));
        assert_eq!(work.reserved_concurrency, Some(5));
        assert_eq!(work.sources["queue"], "jobs-prod");
    }

    #[test]
    fn function_tables_are_checked_key_by_key() {
        // (the table's lines, the words of the error)
        let cases = [
            ("memory = 64", "must be between 128 and 10240 MB"),
            ("timeout = 0", "must be between"),
            ("queue = \"a b\"", "is not an SQS queue name"),
            ("topic = 7", "must be a string"),
            ("bucket = \"A_B\"", "bucket"),
            ("stream = \"arn:aws:s3:::x\"", "neither a Kinesis stream"),
            (
                "environment = { AWS_REGION = \"x\" }",
                "environment.AWS_REGION",
            ),
            (
                "memory_mb = 256",
                "unknown key; the keys are memory, timeout",
            ),
        ];
        for (line, words) in cases {
            let error = load(
                &format!("[package.metadata.goblet.functions.work]\n{line}"),
                "dev",
            )
            .unwrap_err()
            .to_string();
            assert!(error.contains(words), "{line}: {error}");
            assert!(error.contains("functions.work"), "{line}: {error}");
        }
        let error = load(
            "[package.metadata.goblet.functions.bootstrap]\nmemory = 256",
            "dev",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("cannot name a function"), "{error}");
        let error = load("functions = 3", "dev").unwrap_err().to_string();
        assert!(
            error.contains("must be a table of function tables"),
            "{error}"
        );
    }

    #[test]
    fn the_manifest_takes_the_stages_sources() {
        let manifest = |trigger: Trigger| {
            Manifest::new(
                "0".into(),
                "a".into(),
                vec![Route::new(goblet_core::Method::Get, "/", "i")],
            )
            .unwrap()
            .with_functions(vec![Function {
                name: "work".into(),
                trigger,
                handler: "a::work".into(),
                source: "src/app.rs:3".into(),
            }])
            .unwrap()
        };
        let sqs = |queue: &str, batch_size| Trigger::Sqs {
            queue: queue.into(),
            batch_size,
        };
        let configured = |goblet: &str, trigger: Trigger| {
            let config = load(goblet, "dev").unwrap();
            let mut m = manifest(trigger);
            configure_functions(&mut m, &config).map(|()| m.functions[0].trigger.clone())
        };
        let table = "[package.metadata.goblet.functions.work]\n";
        assert_eq!(
            configured(&format!("{table}queue = \"jobs-dev\""), sqs("jobs", 10)),
            Ok(sqs("jobs-dev", 10))
        );
        // Checked as the attribute is: a FIFO queue takes batches of 10 at most.
        let error =
            configured(&format!("{table}queue = \"jobs.fifo\""), sqs("jobs", 20)).unwrap_err();
        assert!(error.contains("a FIFO queue takes 1 to 10"), "{error}");
        let error = configured(&format!("{table}topic = \"alerts\""), sqs("jobs", 10)).unwrap_err();
        assert!(
            error.contains("`topic` does not apply to a #[on_sqs_message] function"),
            "{error}"
        );
        let error = configured(
            "[package.metadata.goblet.functions.wrok]\nmemory = 256",
            sqs("jobs", 10),
        )
        .unwrap_err();
        assert!(
            error.contains(
                "functions.wrok] (stage dev) names no function of the app; its functions are: work"
            ),
            "{error}"
        );
        assert_eq!(
            configured(
                &format!("{table}bus = \"orders-dev\""),
                Trigger::EventBridge {
                    pattern: r#"{"source": ["a"]}"#.into(),
                    bus: None
                }
            ),
            Ok(Trigger::EventBridge {
                pattern: r#"{"source": ["a"]}"#.into(),
                bus: Some("orders-dev".into())
            })
        );
    }
}
