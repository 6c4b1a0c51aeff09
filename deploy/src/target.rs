//! What a stage should look like on AWS, computed from the manifest and the
//! configuration alone (no AWS call).

use std::collections::{BTreeMap, BTreeSet};

use goblet_core::Manifest;
use goblet_core::api::Api;
use serde_json::Value;

// The names and the resource model are `package`'s: a deploy creates what
// `goblet package` describes.
pub use crate::package::{
    ALIAS, HANDLER, MOCK_REQUEST_TEMPLATE, MethodIntegration as Integration, PERMISSION_SID,
    ROLE_POLICY_NAME, RUNTIME, TAG_APP, TAG_STAGE, UNQUALIFIED_PERMISSION_SID, cors_mock_headers,
};

/// The tag that says which region's deployment a role goblet manages is
/// for: IAM is global to the account, so the same stage deployed in two
/// regions must not share (or delete) one role.
pub const TAG_REGION: &str = "goblet:region";

/// IAM's limit on a role name (`RoleName`: 1 to 64 characters).
pub const ROLE_NAME_MAX: usize = 64;

/// The name of the role goblet manages for `function` in `region`:
/// `{function}-{region}`. IAM role names are global to the account (and not
/// case sensitive), so the region is in the name: a deploy of the same stage
/// in another region gets a role of its own. When that is longer than IAM's
/// 64 characters, the function name is shortened and a hash of the whole of
/// it keeps the name unique: `{prefix}-{hash8}-{region}`.
pub fn managed_role_name(function: &str, region: &str) -> String {
    let full = format!("{function}-{region}");
    if full.len() <= ROLE_NAME_MAX {
        return full;
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(function.as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    // `-{hash}-{region}`: 1 + 8 + 1 + region.
    let keep = ROLE_NAME_MAX.saturating_sub(region.len() + 10);
    let mut prefix = &function[..function.len().min(keep)];
    while !function.is_char_boundary(prefix.len()) {
        prefix = &prefix[..prefix.len() - 1];
    }
    format!("{prefix}-{hash}-{region}")
}

/// The ARN a role named `name` has once IAM has created it (goblet creates
/// its roles on the default path `/`).
pub fn role_arn_in(region: &str, account: &str, name: &str) -> String {
    format!("arn:{}:iam::{account}:role/{name}", partition(region))
}

#[derive(Debug, Clone)]
pub enum RoleTarget {
    /// goblet creates and owns the role `name` (see [`managed_role_name`]).
    Managed {
        name: String,
        trust_policy: Value,
        policy: Value,
    },
    /// The user's own role (`iam_role_arn`): used, never changed or deleted.
    Existing { arn: String },
}

/// The Lambda function as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSettings {
    /// `x86_64` or `arm64`.
    pub architecture: String,
    pub memory_mb: i32,
    pub timeout_secs: i32,
    pub environment: BTreeMap<String, String>,
    pub logging: LoggingSettings,
}

/// The function's `LoggingConfig`, in Lambda's words, as GetFunction
/// reports it once set: the format, the application log level Lambda
/// applies (always one with `JSON`: `INFO` unless configured; none with
/// `Text`), and the log group, the one goblet manages
/// (`/aws/lambda/{function}`). goblet leaves `SystemLogLevel` (Lambda's own
/// START/END/REPORT records) at Lambda's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingSettings {
    /// `Text` or `JSON`.
    pub log_format: String,
    /// `TRACE` … `FATAL`, with `JSON` only.
    pub application_log_level: Option<String>,
    pub log_group: String,
}

impl LoggingSettings {
    /// The settings of `logging` for the function whose log group is `log_group`.
    pub fn new(logging: &goblet_core::logging::Logging, log_group: String) -> LoggingSettings {
        LoggingSettings {
            log_format: logging.format.as_str().to_owned(),
            application_log_level: logging.application_level().map(|l| l.as_str().to_owned()),
            log_group,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Target {
    pub app_name: String,
    pub stage: String,
    pub function_name: String,
    pub role: RoleTarget,
    pub function: FunctionSettings,
    /// The function's and the REST API's tags, `goblet:app`/`goblet:stage` included.
    pub tags: BTreeMap<String, String>,
    pub reserved_concurrency: Option<i32>,
    pub log_retention_days: Option<i32>,
    pub api_name: String,
    /// The API Gateway stage: the first path segment of the invoke URL.
    pub api_stage: String,
    /// `REGIONAL`, `EDGE` or `PRIVATE`.
    pub endpoint_type: String,
    /// The REST API's resource policy ([`crate::package::resource_policy`]),
    /// its resources in API Gateway's short form (`execute-api:/*`).
    pub resource_policy: Option<Value>,
    /// The usage plan and API key: `Some` when a route needs a key.
    pub usage_plan: Option<crate::resources::usage_plan::UsagePlanTarget>,
    /// The app's event handlers and plain functions, by handler.
    pub event_functions: Vec<EventFunctionTarget>,
    pub manifest: Manifest,
    pub zip: Vec<u8>,
    /// Base64 SHA-256 of `zip`, as Lambda reports `CodeSha256`.
    pub zip_sha256: String,
}

/// An event handler or plain function of the app: a Lambda function of its
/// own, from the same zip, whose `Handler` (and so `_HANDLER`) names it.
/// Its trigger invokes `$LATEST` (no alias): a queue or stream poller
/// retries what a half-updated function fails, and Chalice's event
/// functions work the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFunctionTarget {
    /// The manifest's name of the function: its Lambda `Handler`.
    pub handler: String,
    /// `{function_name}-{handler}` ([`event_function_name`]).
    pub function_name: String,
    /// The stage's settings with the function's own (`[functions.NAME]`),
    /// logging into the function's own log group.
    pub settings: FunctionSettings,
    pub reserved_concurrency: Option<i32>,
    /// The event source mapping that polls for it, if its trigger is one.
    pub mapping: Option<MappingTarget>,
    /// The EventBridge rule that runs it, if its trigger is one.
    pub rule: Option<RuleTarget>,
}

/// A bus's own name: `orders` of `orders` and of
/// `arn:aws:events:us-east-1:123456789012:event-bus/orders`.
pub fn bus_short_name(bus: &str) -> &str {
    bus.rsplit_once("event-bus/").map_or(bus, |(_, name)| name)
}

/// The description goblet gives a rule: how a rule is known to be goblet's.
pub fn rule_description(app: &str, stage: &str, function: &str) -> String {
    format!("goblet app {app} stage {stage}: runs {function}")
}

/// The EventBridge rule of a `#[schedule]` or `#[on_event]` function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTarget {
    /// The function's name: rule names take the same 64 characters.
    pub name: String,
    /// A custom bus's name or ARN; `None` for the account's default bus.
    pub bus: Option<String>,
    pub schedule: Option<String>,
    /// The event pattern's JSON, as written.
    pub pattern: Option<String>,
}

impl RuleTarget {
    /// The rule of `trigger` for the function `name`, when it is one.
    pub fn of(trigger: &goblet_core::function::Trigger, name: &str) -> Option<RuleTarget> {
        use goblet_core::function::Trigger;
        let (schedule, pattern, bus) = match trigger {
            Trigger::Schedule { expression } => (Some(expression.clone()), None, None),
            Trigger::EventBridge { pattern, bus } => (None, Some(pattern.clone()), bus.clone()),
            _ => return None,
        };
        Some(RuleTarget {
            name: name.to_owned(),
            bus,
            schedule,
            pattern,
        })
    }

    /// `EventBusName` as EventBridge takes it: `default`, a name or an ARN.
    pub fn bus_name(&self) -> &str {
        self.bus.as_deref().unwrap_or("default")
    }

    /// The bus's own name (the last part of an ARN).
    pub fn bus_short_name(&self) -> &str {
        bus_short_name(self.bus_name())
    }

    /// The rule's ARN: `rule/{name}` on the default bus,
    /// `rule/{bus}/{name}` on a custom one.
    pub fn arn(&self, region: &str, account: &str) -> String {
        let prefix = format!("arn:{}:events:{region}:{account}:rule", partition(region));
        match self.bus_short_name() {
            "default" => format!("{prefix}/{}", self.name),
            bus => format!("{prefix}/{bus}/{}", self.name),
        }
    }
}

/// Lambda's limit on a function name.
pub const FUNCTION_NAME_MAX: usize = 64;

/// The Lambda function of the app's function `handler`, as Chalice names
/// its event functions: `{app}-{stage}-{handler}`.
pub fn event_function_name(function_name: &str, handler: &str) -> String {
    format!("{function_name}-{handler}")
}

/// The services an event source mapping polls for goblet's triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Sqs,
    DynamoDb,
    Kinesis,
}

/// An SQS, DynamoDB-stream or Kinesis event source mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingTarget {
    pub kind: SourceKind,
    /// As the attribute names it: a queue or stream name, or an ARN.
    pub source: String,
    pub batch_size: i32,
    /// `LATEST` or `TRIM_HORIZON`, for streams. Lambda takes it only when
    /// it creates the mapping (UpdateEventSourceMapping has no such field).
    pub starting_position: Option<String>,
}

impl MappingTarget {
    /// The mapping of `trigger`, when it is one.
    pub fn of(trigger: &goblet_core::function::Trigger) -> Option<MappingTarget> {
        use goblet_core::function::Trigger;
        let clamp = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        let (kind, source, batch_size, position) = match trigger {
            Trigger::Sqs { queue, batch_size } => (SourceKind::Sqs, queue, *batch_size, None),
            Trigger::DynamoDb {
                stream,
                starting_position,
                batch_size,
            } => (
                SourceKind::DynamoDb,
                stream,
                *batch_size,
                Some(*starting_position),
            ),
            Trigger::Kinesis {
                stream,
                starting_position,
                batch_size,
            } => (
                SourceKind::Kinesis,
                stream,
                *batch_size,
                Some(*starting_position),
            ),
            _ => return None,
        };
        Some(MappingTarget {
            kind,
            source: source.clone(),
            batch_size: clamp(batch_size),
            starting_position: position.map(|p| p.as_str().to_owned()),
        })
    }

    /// The queue's or stream's ARN: as written, or made from its name in
    /// the deploy's region and account.
    pub fn source_arn(&self, region: &str, account: &str) -> String {
        self.arn_in(partition(region), region, account)
    }

    /// The source's ARN in a template: as written, or made from its name
    /// with CloudFormation's pseudo parameters (`Fn::Sub`), which the
    /// Terraform writer renders with its data sources.
    pub fn source_arn_template(&self) -> Value {
        if self.source.starts_with("arn:") {
            return Value::String(self.source.clone());
        }
        serde_json::json!({
            "Fn::Sub": self.arn_in("${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}")
        })
    }

    fn arn_in(&self, partition: &str, region: &str, account: &str) -> String {
        if self.source.starts_with("arn:") {
            return self.source.clone();
        }
        match self.kind {
            SourceKind::Sqs => format!("arn:{partition}:sqs:{region}:{account}:{}", self.source),
            SourceKind::Kinesis => {
                format!(
                    "arn:{partition}:kinesis:{region}:{account}:stream/{}",
                    self.source
                )
            }
            // The macro takes stream ARNs only.
            SourceKind::DynamoDb => self.source.clone(),
        }
    }

    /// `MaximumBatchingWindowInSeconds`: for an SQS batch size over 10 at
    /// least 1 s, which Lambda requires (CreateEventSourceMapping,
    /// `BatchSize`); otherwise Lambda's default, 0.
    pub fn batching_window(&self) -> i32 {
        i32::from(self.kind == SourceKind::Sqs && self.batch_size > 10)
    }

    /// The window as CreateEventSourceMapping and UpdateEventSourceMapping
    /// are sent it: none for a FIFO queue, which takes no batching window
    /// (Lambda's SQS documentation, "Batching window is not supported for
    /// FIFO queues").
    pub fn sends_batching_window(&self) -> Option<i32> {
        let fifo = self.kind == SourceKind::Sqs && self.source.ends_with(".fifo");
        (!fifo).then(|| self.batching_window())
    }

    /// `FunctionResponseTypes`: SQS handlers answer partial batch failures
    /// (`batchItemFailures`), so only the failed messages come back; an
    /// empty or null answer is a success for the whole batch.
    pub fn response_types(&self) -> Vec<String> {
        match self.kind {
            SourceKind::Sqs => vec!["ReportBatchItemFailures".to_owned()],
            _ => Vec::new(),
        }
    }

    /// The statement the function's role needs for Lambda to poll the
    /// source for it, scoped to the source: the actions of AWS's
    /// `AWSLambdaSQSQueueExecutionRole`, `AWSLambdaDynamoDBExecutionRole`
    /// and `AWSLambdaKinesisExecutionRole` managed policies. (`ListStreams`
    /// names no resource in IAM: it is granted on `*` in a statement of its
    /// own.)
    pub fn role_statements(&self, arn: Value) -> Vec<Value> {
        let (actions, list): (&[&str], Option<&str>) = match self.kind {
            SourceKind::Sqs => (
                &[
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                ],
                None,
            ),
            SourceKind::DynamoDb => (
                &[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                ],
                Some("dynamodb:ListStreams"),
            ),
            SourceKind::Kinesis => (
                &[
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:ListShards",
                    "kinesis:SubscribeToShard",
                ],
                Some("kinesis:ListStreams"),
            ),
        };
        let mut statements = vec![serde_json::json!({
            "Effect": "Allow",
            "Action": actions,
            "Resource": arn,
        })];
        statements.extend(list.map(
            |action| serde_json::json!({"Effect": "Allow", "Action": action, "Resource": "*"}),
        ));
        statements
    }
}

/// One method of the REST API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodTarget {
    pub authorization_type: String,
    pub api_key_required: bool,
    /// The authorizer of a `CUSTOM` or `COGNITO_USER_POOLS` method, by name.
    pub authorizer: Option<String>,
    /// The OAuth scopes of a `COGNITO_USER_POOLS` method.
    pub authorization_scopes: Vec<String>,
    pub integration: Integration,
}

impl Target {
    /// Every resource path the routes need: each route's path and its ancestors.
    pub fn resource_paths(&self) -> BTreeSet<String> {
        Api::new(&self.manifest)
            .resources()
            .iter()
            .map(|r| r.path.clone())
            .collect()
    }

    /// Every method, by (resource path, HTTP method): one per route, plus an
    /// `OPTIONS` mock on each resource with a CORS route and no `OPTIONS` route.
    pub fn methods(&self) -> BTreeMap<(String, String), MethodTarget> {
        crate::package::api_methods(&self.manifest)
            .into_iter()
            .map(|m| {
                let target = MethodTarget {
                    authorization_type: m.authorization_type,
                    api_key_required: m.api_key_required,
                    authorizer: m.authorizer,
                    authorization_scopes: m.authorization_scopes,
                    integration: m.integration,
                };
                ((m.path, m.http_method), target)
            })
            .collect()
    }

    /// The inline policy of goblet's role in `account`: the configured
    /// one, then what Lambda needs to poll each event source mapping's
    /// queue or stream. `None` when the role is the user's.
    pub fn role_policy(&self, region: &str, account: &str) -> Option<Value> {
        let RoleTarget::Managed { policy, .. } = &self.role else {
            return None;
        };
        let mut policy = policy.clone();
        let extra = crate::package::event_function_statements(&self.event_functions, |m| {
            Value::String(m.source_arn(region, account))
        });
        if let Some(statements) = policy.get_mut("Statement").and_then(Value::as_array_mut) {
            statements.extend(extra);
        }
        Some(policy)
    }

    pub fn function_arn(&self, region: &str, account: &str) -> String {
        format!(
            "arn:{}:lambda:{region}:{account}:function:{}",
            partition(region),
            self.function_name
        )
    }
}

/// The description goblet gives its functions: with the tags, how a function
/// is known to be goblet's when its tags cannot be read (GetFunction returns
/// them only to callers allowed `lambda:ListTags`).
pub fn function_description(app: &str, stage: &str) -> String {
    format!("goblet app {app} stage {stage}")
}

/// The AWS partition a region belongs to: the second word of its ARNs (one
/// definition, the configuration's, which also decides the endpoint type by it).
pub use goblet_project::config::partition;

/// The DNS suffix of a region's service endpoints.
pub fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// The ARN of [`ALIAS`] of a function, from the function's ARN (qualified
/// or not).
pub fn alias_arn(function_arn: &str) -> String {
    // `arn:partition:lambda:region:account:function:name[:qualifier]`
    let unqualified = match function_arn.splitn(8, ':').nth(7) {
        Some(qualifier) => &function_arn[..function_arn.len() - qualifier.len() - 1],
        None => function_arn,
    };
    format!("{unqualified}:{ALIAS}")
}

/// The integration URI of an `AWS_PROXY` integration with a function.
pub fn proxy_uri(region: &str, function_arn: &str) -> String {
    format!(
        "arn:{}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations",
        partition(region)
    )
}

/// The ARN of a REST API's methods, without the `/{stage}/{method}/{path}`.
pub fn api_arn(region: &str, account: &str, api_id: &str) -> String {
    format!(
        "arn:{}:execute-api:{region}:{account}:{api_id}",
        partition(region)
    )
}

/// The `SourceArn` that scopes the invoke permission to one REST API.
pub fn source_arn(region: &str, account: &str, api_id: &str) -> String {
    format!("{}/*", api_arn(region, account, api_id))
}

/// The account id inside an ARN (`arn:aws:iam::123456789012:role/x`).
pub fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// Targets for the unit tests of the modules that plan and describe the API.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use goblet_core::{AuthorizationType, Method, Route};

    /// Each action's description, as a plan prints it.
    pub fn described(actions: &[crate::plan::Action]) -> Vec<String> {
        let names = crate::plan::Names {
            role: "r".into(),
            function: "a-dev".into(),
            api: "a-dev".into(),
            stage: "api".into(),
            log_group: "/aws/lambda/a-dev".into(),
        };
        actions
            .iter()
            .map(|a| crate::plan::Described(a, &names).to_string())
            .collect()
    }

    /// A route: (path, method, authorization, api key, cors).
    pub type R = (&'static str, Method, AuthorizationType, bool, bool);

    pub fn target_with(routes: &[R]) -> Target {
        let routes = routes
            .iter()
            .map(
                |&(path, method, authorization_type, api_key_required, cors)| Route {
                    authorization_type,
                    api_key_required,
                    cors,
                    source: format!("src/app.rs:{path}{}", method.as_str()),
                    ..Route::new(method, path, "h")
                },
            )
            .collect();
        let mut target = tests::target(vec![]);
        target.manifest = Manifest::new("0".into(), "a".into(), routes).unwrap();
        target
    }

    /// `/` open, `GET /orders` behind the TOKEN authorizer `tokens` (TTL
    /// `tokens_ttl`), `GET /tenants` behind the REQUEST authorizer `tenants`
    /// (a header and a query parameter, no cache).
    pub fn target_with_authorizers(tokens_ttl: u32) -> Target {
        use goblet_core::{Authorizer, AuthorizerKind};
        let route = |path: &str, authorizer: Option<&str>| Route {
            authorization_type: if authorizer.is_some() {
                AuthorizationType::Custom
            } else {
                AuthorizationType::None
            },
            source: format!("src/app.rs:{path}"),
            authorizer: authorizer.map(str::to_owned),
            ..Route::new(Method::Get, path, "h")
        };
        let authorizers = vec![
            Authorizer {
                name: "tokens".into(),
                kind: AuthorizerKind::Token,
                identity_sources: vec!["method.request.header.Authorization".into()],
                ttl_seconds: tokens_ttl,
                handler: "app::tokens".into(),
                source: "src/app.rs:1".into(),
            },
            Authorizer {
                name: "tenants".into(),
                kind: AuthorizerKind::Request,
                identity_sources: vec![
                    "method.request.header.X-Tenant".into(),
                    "method.request.querystring.key".into(),
                ],
                ttl_seconds: 0,
                handler: "app::tenants".into(),
                source: "src/app.rs:2".into(),
            },
        ];
        let mut target = tests::target(vec![]);
        target.manifest = Manifest::with_authorizers(
            "0".into(),
            "a".into(),
            vec![
                route("/", None),
                route("/orders", Some("tokens")),
                route("/tenants", Some("tenants")),
            ],
            authorizers,
        )
        .unwrap();
        target
    }

    /// The user pool of [`target_with_user_pool`].
    pub const POOL_ARN: &str =
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool1";

    /// `GET /me` and `GET /reports` (scopes `reports/read`, `reports/all`)
    /// behind the Cognito authorizer `users`, its token in `X-Token`.
    pub fn target_with_user_pool() -> Target {
        target_with_user_pools(&[POOL_ARN])
    }

    /// [`target_with_user_pool`] with the pools `provider_arns`.
    pub fn target_with_user_pools(provider_arns: &[&str]) -> Target {
        let route = |path: &str, scopes: &[&str]| Route {
            authorization_type: AuthorizationType::Custom,
            source: format!("src/app.rs:{path}"),
            authorizer: Some("users".into()),
            authorization_scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..Route::new(Method::Get, path, "h")
        };
        let mut manifest = Manifest::new(
            "0".into(),
            "a".into(),
            vec![
                route("/me", &[]),
                route("/reports", &["reports/read", "reports/all"]),
            ],
        )
        .unwrap();
        let users = goblet_core::CognitoAuthorizer {
            name: "users".into(),
            provider_arns: provider_arns.iter().map(|a| (*a).to_owned()).collect(),
            identity_source: "method.request.header.X-Token".into(),
            ttl_seconds: 300,
        };
        manifest
            .configure(
                vec![goblet_core::ConfiguredAuthorizer::CognitoUserPools(users)],
                "Cargo.toml",
            )
            .unwrap();
        let mut target = tests::target(vec![]);
        target.manifest = manifest;
        target
    }

    /// `GET /orders` behind `shared`, a TOKEN authorizer of the function
    /// `function_arn` (none: no route and no authorizer).
    pub fn target_with_external_authorizer(function_arn: Option<&str>) -> Target {
        let mut route = Route {
            source: "src/app.rs:3".into(),
            ..Route::new(Method::Get, "/orders", "h")
        };
        let mut configured = vec![];
        if let Some(arn) = function_arn {
            route.authorization_type = AuthorizationType::Custom;
            route.authorizer = Some("shared".into());
            configured.push(goblet_core::ConfiguredAuthorizer::External(
                goblet_core::ExternalAuthorizer {
                    name: "shared".into(),
                    kind: goblet_core::AuthorizerKind::Token,
                    function_arn: arn.into(),
                    identity_sources: vec!["method.request.header.Authorization".into()],
                    ttl_seconds: 300,
                },
            ));
        }
        let mut manifest = Manifest::new("0".into(), "a".into(), vec![route]).unwrap();
        manifest.configure(configured, "Cargo.toml").unwrap();
        let mut target = tests::target(vec![]);
        target.manifest = manifest;
        target
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use goblet_core::{AuthorizationType, Method, Route};

    fn route(path: &str, method: Method, cors: bool) -> Route {
        Route {
            authorization_type: AuthorizationType::AwsIam,
            cors,
            source: format!("src/app.rs:{path}{}", method.as_str()),
            ..Route::new(method, path, "h")
        }
    }

    pub(super) fn target(routes: Vec<Route>) -> Target {
        Target {
            app_name: "a".into(),
            stage: "dev".into(),
            function_name: "a-dev".into(),
            role: RoleTarget::Existing {
                arn: "arn:aws:iam::123456789012:role/r".into(),
            },
            function: FunctionSettings {
                architecture: "x86_64".into(),
                memory_mb: 128,
                timeout_secs: 30,
                environment: BTreeMap::new(),
                logging: LoggingSettings::new(&Default::default(), "/aws/lambda/a-dev".into()),
            },
            tags: BTreeMap::new(),
            reserved_concurrency: None,
            log_retention_days: None,
            api_name: "a-dev".into(),
            api_stage: "api".into(),
            endpoint_type: "REGIONAL".into(),
            resource_policy: None,
            usage_plan: None,
            event_functions: vec![],
            manifest: Manifest::new("0".into(), "a".into(), routes).unwrap(),
            zip: vec![],
            zip_sha256: String::new(),
        }
    }

    #[test]
    fn managed_role_names_carry_the_region_and_fit_iams_limit() {
        assert_eq!(
            managed_role_name("helloworld-dev", "eu-west-1"),
            "helloworld-dev-eu-west-1"
        );
        assert_ne!(
            managed_role_name("a-dev", "us-east-1"),
            managed_role_name("a-dev", "us-east-2")
        );
        // Lambda allows 64-character function names: the longest there are,
        // in the longest region names, still fit, and stay distinct.
        let long = "f".repeat(64);
        let other = format!("{}g", "f".repeat(63));
        for region in [
            "us-east-1",
            "ap-southeast-3",
            "us-gov-west-1",
            "cn-northwest-1",
        ] {
            let name = managed_role_name(&long, region);
            assert_eq!(name.len(), ROLE_NAME_MAX, "{name}");
            assert!(name.ends_with(&format!("-{region}")), "{name}");
            assert_ne!(name, managed_role_name(&other, region));
        }
        let exact = "x".repeat(ROLE_NAME_MAX - "-us-east-1".len());
        assert_eq!(
            managed_role_name(&exact, "us-east-1"),
            format!("{exact}-us-east-1")
        );
        assert_eq!(
            role_arn_in("cn-north-1", "1", "r"),
            "arn:aws-cn:iam::1:role/r"
        );
    }

    #[test]
    fn arns_are_in_the_regions_partition() {
        assert_eq!(
            source_arn("cn-north-1", "1", "abc"),
            "arn:aws-cn:execute-api:cn-north-1:1:abc/*"
        );
        assert!(proxy_uri("us-gov-west-1", "f").starts_with("arn:aws-us-gov:apigateway:"));
        assert_eq!(dns_suffix("cn-northwest-1"), "amazonaws.com.cn");
        assert_eq!(partition("eu-west-1"), "aws");
    }

    #[test]
    fn resources_are_every_ancestor() {
        let t = target(vec![
            route("/users/{id}/posts", Method::Get, false),
            route("/", Method::Get, false),
        ]);
        let paths: Vec<String> = t.resource_paths().into_iter().collect();
        assert_eq!(paths, ["/", "/users", "/users/{id}", "/users/{id}/posts"]);
    }

    #[test]
    fn cors_resources_get_an_options_mock() {
        let t = target(vec![
            route("/cors", Method::Get, true),
            route("/cors", Method::Post, false),
            route("/plain", Method::Get, false),
        ]);
        let methods = t.methods();
        assert_eq!(methods.len(), 4);
        assert_eq!(
            methods[&("/cors".to_owned(), "OPTIONS".to_owned())].integration,
            Integration::CorsMock {
                allow_methods: "GET,OPTIONS,POST".into()
            }
        );
        assert!(!methods.contains_key(&("/plain".to_owned(), "OPTIONS".to_owned())));
    }

    #[test]
    fn arns() {
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/x"),
            Some("123456789012")
        );
        assert_eq!(
            source_arn("us-east-1", "1", "abc"),
            "arn:aws:execute-api:us-east-1:1:abc/*"
        );
        assert_eq!(
            proxy_uri("us-east-1", "arn:aws:lambda:us-east-1:1:function:f"),
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations"
        );
        for arn in [
            "arn:aws:lambda:us-east-1:1:function:f",
            "arn:aws:lambda:us-east-1:1:function:f:7",
            "arn:aws:lambda:us-east-1:1:function:f:live",
            "arn:aws:lambda:us-east-1:1:function:f:$LATEST",
        ] {
            assert_eq!(alias_arn(arn), "arn:aws:lambda:us-east-1:1:function:f:live");
        }
    }
}
