//! `goblet package`, and the resource model it shares with the deployer.
//!
//! What goblet puts on AWS for one stage of an app, described once here:
//!
//! - an IAM role trusted by `lambda.amazonaws.com`, with CloudWatch Logs
//!   permissions and the configured extra statements ([`role_trust_policy`],
//!   [`role_policy`]), unless the configuration names an existing role;
//! - the Lambda function (`provided.al2023`, handler `bootstrap`), with its log
//!   group when a retention is configured;
//! - a REST API: one resource per path segment ([`api_resources`]), one method
//!   per route plus an `OPTIONS` mock for CORS resources ([`api_methods`]),
//!   every media type binary ([`BINARY_MEDIA_TYPES`]), CORS headers on the
//!   gateway's own errors when a route has CORS ([`gateway_responses`]), the
//!   resource policy of a PRIVATE API ([`resource_policy`]), a deployment and
//!   a stage;
//! - the permission for that API (only) to invoke the function.
//!
//! [`render`] writes it as a CloudFormation template, a SAM template or a
//! Terraform configuration, byte-for-byte the same for the same input.

mod cloudformation;
mod terraform;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use goblet_core::api::Api;
use goblet_core::{Authorizer, Manifest, cors};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use goblet_project::config::{RoleConfig, StageConfig};
use goblet_project::preflight::Checked;

use crate::target::{
    EventFunctionTarget, FunctionSettings, LoggingSettings, MappingTarget, RuleTarget,
    event_function_name,
};

/// The Lambda runtime and handler of every goblet function.
pub const RUNTIME: &str = "provided.al2023";
pub const HANDLER: &str = "bootstrap";
/// The inline policy on the role goblet manages.
pub const ROLE_POLICY_NAME: &str = "goblet";
/// The alias API Gateway invokes. Each deploy that changes the function
/// publishes a version (code and configuration together) and then moves
/// this alias to it, so a request is served either wholly by the old
/// version or wholly by the new one, never new code with the old
/// environment, memory or timeout.
pub const ALIAS: &str = "live";
/// The statement id of the API's `lambda:InvokeFunction` permission on
/// [`ALIAS`].
pub const PERMISSION_SID: &str = "goblet-apigateway-invoke-live";
/// The statement id goblet gave the permission on the unqualified function
/// before it deployed through [`ALIAS`]: removed once the API has moved.
pub const UNQUALIFIED_PERMISSION_SID: &str = "goblet-apigateway-invoke";
/// The tags goblet puts on what it creates (besides the configured ones).
pub const TAG_APP: &str = "goblet:app";
pub const TAG_STAGE: &str = "goblet:stage";
/// The request template of the CORS preflight mock integration.
pub const MOCK_REQUEST_TEMPLATE: &str = "{\"statusCode\": 200}";
/// The REST API's binary media types. With `*/*`, API Gateway passes every
/// request body to the function as it came (base64 in the event) and sends
/// a reply the function marked `isBase64Encoded` as bytes; without it, an
/// `image/png` reply reaches the client as base64 text and an upload is
/// mangled into UTF-8. The runtime decodes base64 bodies, so text routes
/// are unaffected.
pub const BINARY_MEDIA_TYPES: [&str; 1] = ["*/*"];
/// The preflight mock's `contentHandling`: with [`BINARY_MEDIA_TYPES`] the
/// `OPTIONS` request is binary, and a MOCK cannot map a binary request (500).
pub const MOCK_CONTENT_HANDLING: &str = "CONVERT_TO_TEXT";
/// The gateway responses that carry CORS headers when a route has CORS.
pub const CORS_GATEWAY_RESPONSES: [&str; 2] = ["DEFAULT_4XX", "DEFAULT_5XX"];
/// The name of the zip file written next to the template.
pub const ZIP_FILE: &str = "bootstrap.zip";

/// The trust policy of the role goblet manages: Lambda may assume it.
pub fn role_trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }]
    })
}

/// The inline policy of the role goblet manages: writing the function's own
/// logs, then the configured `iam_policy_statements`.
pub fn role_policy(config: &StageConfig) -> Value {
    let group = config.log_group_name();
    let mut statements = vec![json!({
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [
            format!("arn:*:logs:*:*:log-group:{group}"),
            format!("arn:*:logs:*:*:log-group:{group}:*"),
        ]
    })];
    if let RoleConfig::Managed { extra_statements } = &config.role {
        statements.extend(extra_statements.iter().cloned());
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The stage's function settings, logging into `log_group`.
pub fn function_settings(config: &StageConfig, log_group: String) -> FunctionSettings {
    let clamp = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    FunctionSettings {
        architecture: config.architecture.as_str().to_owned(),
        memory_mb: clamp(config.memory_mb),
        timeout_secs: clamp(config.timeout_s),
        environment: config.environment.clone(),
        logging: LoggingSettings::new(&config.logging, log_group),
    }
}

/// The app's event handlers and plain functions as `goblet deploy`
/// creates them and `goblet package` writes them: a Lambda function each,
/// `{function_name}-{handler}`, with the stage's settings and a log group
/// of its own, and its event source mapping.
pub fn event_functions(manifest: &Manifest, config: &StageConfig) -> Vec<EventFunctionTarget> {
    manifest
        .functions
        .iter()
        .map(|f| {
            let function_name = event_function_name(&config.function_name, &f.name);
            let clamp = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
            let settings = FunctionSettings {
                memory_mb: clamp(config.function_memory_mb(&f.name)),
                timeout_secs: clamp(config.function_timeout_s(&f.name)),
                environment: config.function_environment(&f.name),
                ..function_settings(config, format!("/aws/lambda/{function_name}"))
            };
            EventFunctionTarget {
                handler: f.name.clone(),
                reserved_concurrency: config
                    .functions
                    .get(&f.name)
                    .and_then(|c| c.reserved_concurrency)
                    .map(clamp),
                settings,
                mapping: MappingTarget::of(&f.trigger),
                rule: RuleTarget::of(&f.trigger, &function_name),
                function_name,
            }
        })
        .collect()
}

/// The statements goblet's role needs for the event functions: writing
/// each one's logs, and reading each mapping's source (each source once);
/// `arn` writes a source's ARN (concrete for a deploy, a template for a
/// package).
pub fn event_function_statements(
    functions: &[EventFunctionTarget],
    arn: impl Fn(&MappingTarget) -> Value,
) -> Vec<Value> {
    let groups: Vec<String> = functions
        .iter()
        .flat_map(|f| {
            let group = &f.settings.logging.log_group;
            [
                format!("arn:*:logs:*:*:log-group:{group}"),
                format!("arn:*:logs:*:*:log-group:{group}:*"),
            ]
        })
        .collect();
    let logs = (!groups.is_empty()).then(|| {
        json!({
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": groups,
        })
    });
    let sources = functions
        .iter()
        .filter_map(|f| f.mapping.as_ref())
        .flat_map(|m| m.role_statements(arn(m)));
    logs.into_iter()
        .chain(sources)
        .fold(Vec::new(), |mut unique, statement| {
            if !unique.contains(&statement) {
                unique.push(statement);
            }
            unique
        })
}

/// The inline policy of the role a template creates: [`role_policy`], and
/// the event functions' statements, their sources' ARNs as templates.
pub fn template_role_policy(manifest: &Manifest, config: &StageConfig) -> Value {
    let mut policy = role_policy(config);
    let extra = event_function_statements(
        &event_functions(manifest, config),
        MappingTarget::source_arn_template,
    );
    if let Some(statements) = policy.get_mut("Statement").and_then(Value::as_array_mut) {
        statements.extend(extra);
    }
    policy
}

/// The tags of the function and the REST API: the configured ones plus
/// `goblet:app` and `goblet:stage`.
pub fn tags(config: &StageConfig) -> BTreeMap<String, String> {
    let mut tags = config.tags.clone();
    tags.insert(TAG_APP.to_owned(), config.app_name.clone());
    tags.insert(TAG_STAGE.to_owned(), config.stage.clone());
    tags
}

/// One resource of the REST API, root excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResource {
    /// `/users/{id}`.
    pub path: String,
    /// `/users`; `/` for a top-level resource.
    pub parent: String,
    /// The last segment as API Gateway's `pathPart`: `{id}`.
    pub path_part: String,
    /// A stable identifier made from the path: `UsersId` (see [`resource_ids`]).
    pub id: String,
}

/// What a method is wired to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodIntegration {
    /// `AWS_PROXY` to the function.
    Proxy,
    /// The CORS preflight: a `MOCK` answering 200 with these allowed methods.
    CorsMock { allow_methods: String },
}

/// One method of the REST API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiMethod {
    pub path: String,
    /// `GET`, …, `ANY`.
    pub http_method: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
    pub authorization_type: String,
    pub api_key_required: bool,
    /// The authorizer of a `CUSTOM` or `COGNITO_USER_POOLS` method, by name.
    pub authorizer: Option<String>,
    /// API Gateway's `authorizationScopes`: the OAuth scopes of which an
    /// access token must carry one (empty: an identity token is asked for).
    pub authorization_scopes: Vec<String>,
    pub integration: MethodIntegration,
}

/// Every resource the routes need (each route's path and its ancestors but
/// the root), sorted by path: the API model's resources.
pub fn api_resources(manifest: &Manifest) -> Vec<ApiResource> {
    let api = Api::new(manifest);
    let resources: Vec<&goblet_core::api::Resource> = api
        .resources()
        .iter()
        .filter(|r| r.parent.is_some())
        .collect();
    let ids = resource_ids(resources.iter().map(|r| r.path.as_str()));
    resources
        .into_iter()
        .map(|r| ApiResource {
            path: r.path.clone(),
            parent: r.parent.clone().unwrap_or_default(),
            path_part: r.path_part.clone(),
            id: ids[&r.path].clone(),
        })
        .collect()
}

/// Every method, sorted by (path, method): one per route, plus an `OPTIONS`
/// mock on each resource whose API model has a CORS preflight.
pub fn api_methods(manifest: &Manifest) -> Vec<ApiMethod> {
    let api = Api::new(manifest);
    let mut out: BTreeMap<(String, String), ApiMethod> = BTreeMap::new();
    for resource in api.resources() {
        for m in &resource.methods {
            out.insert(
                (resource.path.clone(), m.method.as_str().to_owned()),
                ApiMethod {
                    path: resource.path.clone(),
                    http_method: m.method.as_str().to_owned(),
                    authorization_type: m.authorization_type.as_str().to_owned(),
                    api_key_required: m.api_key_required,
                    authorizer: manifest.routes[m.route].authorizer.clone(),
                    authorization_scopes: manifest.routes[m.route].authorization_scopes.clone(),
                    integration: MethodIntegration::Proxy,
                },
            );
        }
        if let Some(allow_methods) = &resource.preflight {
            out.insert(
                (resource.path.clone(), "OPTIONS".to_owned()),
                ApiMethod {
                    path: resource.path.clone(),
                    http_method: "OPTIONS".to_owned(),
                    authorization_type: "NONE".to_owned(),
                    api_key_required: false,
                    authorizer: None,
                    authorization_scopes: Vec::new(),
                    integration: MethodIntegration::CorsMock {
                        allow_methods: allow_methods.clone(),
                    },
                },
            );
        }
    }
    out.into_values().collect()
}

/// The CORS headers of the preflight mock: the method response parameter
/// name and the integration response's (single-quoted) value.
pub fn cors_mock_headers(allow_methods: &str) -> [(String, String); 3] {
    [
        (
            "method.response.header.Access-Control-Allow-Headers".to_owned(),
            format!("'{}'", cors::ALLOW_HEADERS),
        ),
        (
            "method.response.header.Access-Control-Allow-Methods".to_owned(),
            format!("'{allow_methods}'"),
        ),
        (
            "method.response.header.Access-Control-Allow-Origin".to_owned(),
            format!("'{}'", cors::ALLOW_ORIGIN),
        ),
    ]
}

/// API Gateway's own errors (missing token, bad signature, missing key,
/// 502, 504) carry no CORS headers unless its gateway responses say so, and
/// a browser then reports a CORS failure instead of the error. When any
/// route has CORS: `DEFAULT_4XX` and `DEFAULT_5XX` with the headers a CORS
/// route answers with, as `responseParameters` (single-quoted values).
pub fn gateway_responses(manifest: &Manifest) -> BTreeMap<String, BTreeMap<String, String>> {
    if !manifest.routes.iter().any(|r| r.cors) {
        return BTreeMap::new();
    }
    let headers: BTreeMap<String, String> = [
        ("Access-Control-Allow-Origin", cors::ALLOW_ORIGIN),
        ("Access-Control-Allow-Headers", cors::ALLOW_HEADERS),
    ]
    .into_iter()
    .map(|(name, value)| {
        (
            format!("gatewayresponse.header.{name}"),
            format!("'{value}'"),
        )
    })
    .collect();
    CORS_GATEWAY_RESPONSES
        .iter()
        .map(|t| ((*t).to_owned(), headers.clone()))
        .collect()
}

/// The REST API's resource policy: the configured `resource_policy` as it
/// is, else for a PRIVATE API one allowing `execute-api:Invoke` on
/// `resource` (the API's ARN and `/*`; `execute-api:/*` in templates) to
/// requests through the configured VPC endpoints; `None` for public APIs.
pub fn resource_policy(config: &StageConfig, resource: &str) -> Option<Value> {
    if let Some(policy) = &config.resource_policy {
        return Some(policy.clone());
    }
    if config.endpoint_type != goblet_project::config::EndpointType::Private
        || config.vpc_endpoint_ids.is_empty()
    {
        return None;
    }
    Some(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": resource,
            "Condition": {"StringEquals": {"aws:SourceVpce": config.vpc_endpoint_ids}}
        }]
    }))
}

/// API Gateway's per-API quotas of resources (the root and every path
/// segment; 300 unless raised) and of authorizers (10 unless raised),
/// checked before any AWS call: past them, CreateResource, CreateAuthorizer
/// or PutRestApi fails halfway with `LimitExceededException`.
pub fn check_api_quotas(manifest: &Manifest, config: &StageConfig) -> Result<(), String> {
    let resources = Api::new(manifest).resources().len();
    let quota = config.api_resource_quota as usize;
    if resources > quota {
        return Err(format!(
            "the app's routes need {resources} API Gateway resources (the root and one per path \
             segment), over the quota of {quota} resources per REST API (stage {}): ask AWS for \
             more (Service Quotas: Amazon API Gateway, \"Resources per API\") and set \
             api_resource_quota = <the new quota> in [package.metadata.goblet], or spread the \
             routes over fewer paths",
            config.stage
        ));
    }
    let authorizers: Vec<&str> = manifest.authorizer_names().collect();
    let quota = config.api_authorizer_quota as usize;
    if authorizers.len() > quota {
        return Err(format!(
            "the app has {} authorizers ({}), over the quota of {quota} authorizers per REST API \
             (stage {}): ask AWS Support for more (\"Authorizers per API\") and set \
             api_authorizer_quota = <the new quota> in [package.metadata.goblet], or let routes \
             share an authorizer",
            authorizers.len(),
            authorizers.join(", "),
            config.stage
        ));
    }
    Ok(())
}

/// Everything a deploy checks of the app before any AWS call: the API's
/// quotas, the authorizers' names, and nothing this goblet cannot deploy
/// faithfully.
pub fn check_deployable(manifest: &Manifest, config: &StageConfig) -> Result<(), String> {
    check_functions_deployable(manifest, config)?;
    check_api_quotas(manifest, config)?;
    check_authorizer_names(manifest)
}

/// What `goblet package` checks: what a deploy does, and that no two
/// functions' names make the same CloudFormation logical id or Terraform
/// label (`a-b` and `a_b` would be one resource).
pub fn check_packageable(manifest: &Manifest, config: &StageConfig) -> Result<(), String> {
    check_deployable(manifest, config)?;
    let names: Vec<&str> = manifest.functions.iter().map(|f| f.name.as_str()).collect();
    for (i, a) in names.iter().enumerate() {
        if let Some(b) = names[..i].iter().find(|b| {
            cloudformation::event_function_id(b) == cloudformation::event_function_id(a)
                || terraform::name(b) == terraform::name(a)
        }) {
            return Err(format!(
                "the functions `{b}` and `{a}` differ only in case or punctuation, and \
                 CloudFormation and Terraform would name them alike: rename one of them \
                 (name = \"...\")"
            ));
        }
    }
    Ok(())
}

fn listed<'a>(functions: impl Iterator<Item = &'a goblet_core::function::Function>) -> String {
    let listed: Vec<String> = functions
        .map(|f| format!("{} `{}` at {}", f.trigger.attribute(), f.name, f.source))
        .collect();
    listed.join(", ")
}

/// The functions a deploy creates: plain functions, the triggers Lambda
/// polls for them (event source mappings) and EventBridge rules. SNS
/// subscriptions and S3 notifications are not deployed yet, and deploying
/// the app without them would leave it half there, so it is refused before
/// any AWS call. Each function's Lambda name (its rule's too) must fit
/// their 64 characters.
fn check_functions_deployable(manifest: &Manifest, config: &StageConfig) -> Result<(), String> {
    use goblet_core::function::Trigger;
    let undeployable: Vec<_> = manifest
        .functions
        .iter()
        .filter(|f| matches!(f.trigger, Trigger::Sns { .. } | Trigger::S3 { .. }))
        .collect();
    if !undeployable.is_empty() {
        return Err(format!(
            "this goblet does not deploy SNS subscriptions or S3 notifications yet: {}. \
             They run under `goblet local` (Lambda's Invoke API, `goblet invoke --local`) \
             and the test client; deploy an app without them",
            listed(undeployable.into_iter())
        ));
    }
    if !manifest.functions.is_empty() && manifest.routes.is_empty() {
        return Err(format!(
            "the app has functions ({}) and no routes: this goblet deploys every app with its \
             REST API, and API Gateway refuses to deploy an API without methods; add a route",
            listed(manifest.functions.iter())
        ));
    }
    for f in &manifest.functions {
        let name = crate::target::event_function_name(&config.function_name, &f.name);
        if name.len() > crate::target::FUNCTION_NAME_MAX {
            return Err(format!(
                "the Lambda function of `{}` ({}) would be named `{name}`, {} characters, over \
                 Lambda's {}: give it a shorter name with name = \"...\" in its attribute, or \
                 the stage a shorter function_name",
                f.name,
                f.source,
                name.len(),
                crate::target::FUNCTION_NAME_MAX
            ));
        }
    }
    Ok(())
}

/// An authorizer's name is its security scheme's in the OpenAPI document a
/// deploy imports, beside goblet's own two schemes.
fn check_authorizer_names(manifest: &Manifest) -> Result<(), String> {
    let reserved =
        |name: &str| name == crate::openapi::SIGV4_SCHEME || name == crate::openapi::API_KEY_SCHEME;
    let app = manifest
        .authorizers
        .iter()
        .find(|a| reserved(&a.name))
        .map(|a| {
            (
                a.name.as_str(),
                a.source.as_str(),
                "#[authorizer(name = \"...\")]",
            )
        });
    let configured = manifest
        .cognito_authorizers
        .iter()
        .map(|a| a.name.as_str())
        .chain(
            manifest
                .external_authorizers
                .iter()
                .map(|a| a.name.as_str()),
        )
        .find(|name| reserved(name))
        .map(|name| {
            (
                name,
                "configured in Cargo.toml",
                "[package.metadata.goblet.authorizers.NAME]",
            )
        });
    if let Some((name, source, rename)) = app.or(configured) {
        return Err(format!(
            "the authorizer `{name}` ({source}) has a name goblet keeps for its own security \
             schemes (`{}` and `{}`): give it another with {rename}",
            crate::openapi::SIGV4_SCHEME,
            crate::openapi::API_KEY_SCHEME
        ));
    }
    // CloudFormation's logical ids and Terraform's labels are made of the
    // names: `users-a` and `users_a` would be one resource.
    let names: Vec<&str> = manifest.authorizer_names().collect();
    for (i, a) in names.iter().enumerate() {
        if let Some(b) = names[..i].iter().find(|b| {
            cloudformation::authorizer_id(b) == cloudformation::authorizer_id(a)
                || terraform::name(b) == terraform::name(a)
        }) {
            return Err(format!(
                "the authorizers `{b}` and `{a}` differ only in case or punctuation, and \
                 CloudFormation and Terraform would name them alike: rename one of them"
            ));
        }
    }
    Ok(())
}

/// API Gateway's `identitySource` of an authorizer: its expressions joined
/// by commas.
pub fn identity_source(authorizer: &Authorizer) -> String {
    authorizer.identity_sources.join(", ")
}

/// Whether any route needs an API key: then the stage gets a usage plan and
/// a key, without which API Gateway answers every such request 403.
pub fn needs_usage_plan(manifest: &Manifest) -> bool {
    manifest.routes.iter().any(|r| r.api_key_required)
}

/// The usage plan's `throttle` (`rateLimit`, `burstLimit`), when configured.
pub fn usage_plan_throttle(config: &StageConfig) -> Option<(Option<f64>, Option<u32>)> {
    let plan = &config.usage_plan;
    (plan.rate_limit.is_some() || plan.burst_limit.is_some())
        .then_some((plan.rate_limit, plan.burst_limit))
}

/// The usage plan's `quota` (`limit`, `period`), when configured.
pub fn usage_plan_quota(config: &StageConfig) -> Option<(u32, String)> {
    let plan = &config.usage_plan;
    Some((plan.quota_limit?, plan.quota_period.clone()?))
}

/// Stable, unique, alphanumeric identifiers for resource paths: the segments
/// in PascalCase (`/users/{id}` → `UsersId`, `/files/{path+}` → `FilesPath`;
/// the root is the empty string). When two paths give the same name
/// (`/a-b` and `/ab`), the one later in sorted order gets 8 hex digits of the
/// SHA-256 of its path appended.
pub fn resource_ids<'a>(paths: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let sorted: BTreeSet<&str> = paths.into_iter().collect();
    let mut taken: BTreeSet<String> = BTreeSet::from([String::new()]);
    let mut out = BTreeMap::new();
    for path in sorted {
        if path == "/" {
            out.insert("/".to_owned(), String::new());
            continue;
        }
        let mut id = pascal(path);
        if taken.contains(&id) {
            id.push_str(&short_hash(path));
        }
        taken.insert(id.clone());
        out.insert(path.to_owned(), id);
    }
    out
}

fn pascal(text: &str) -> String {
    let mut out = String::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// `PascalCase` → `pascal_case`.
fn snake(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// 8 lowercase hex digits of the SHA-256 of `text`.
pub(super) fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `GET` → `Get`.
fn verb(method: &str) -> String {
    let lower = method.to_ascii_lowercase();
    pascal(&lower)
}

/// What `goblet package` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `template.json`: plain CloudFormation; the code comes from S3
    /// (parameters `CodeS3Bucket`, `CodeS3Key`).
    CloudFormation,
    /// `sam.json`: an AWS SAM template whose function's `CodeUri` is the local
    /// `bootstrap.zip` (`sam deploy` or `aws cloudformation package` uploads it).
    Sam,
    /// `main.tf`: a Terraform configuration for the AWS provider, with
    /// `filename = "${path.module}/bootstrap.zip"`.
    Terraform,
}

impl Format {
    pub const fn template_file(self) -> &'static str {
        match self {
            Format::CloudFormation => "template.json",
            Format::Sam => "sam.json",
            Format::Terraform => "main.tf",
        }
    }

    pub fn parse(word: &str) -> Option<Format> {
        match word {
            "cloudformation" => Some(Format::CloudFormation),
            "sam" => Some(Format::Sam),
            "terraform" => Some(Format::Terraform),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::CloudFormation => "cloudformation",
            Format::Sam => "sam",
            Format::Terraform => "terraform",
        })
    }
}

/// The template of `format` for `manifest` under `config`; `zip_sha256_b64`
/// is the code's hash ([`goblet_project::zip::code_sha256_base64`]), which
/// Terraform records and CloudFormation's function version names.
pub fn render(
    format: Format,
    manifest: &Manifest,
    config: &StageConfig,
    zip_sha256_b64: &str,
) -> String {
    match format {
        Format::CloudFormation => cloudformation::render(manifest, config, false, zip_sha256_b64),
        Format::Sam => cloudformation::render(manifest, config, true, zip_sha256_b64),
        Format::Terraform => terraform::render(manifest, config, zip_sha256_b64),
    }
}

/// The files `goblet package` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub template: PathBuf,
    pub zip: PathBuf,
}

/// Writes the template and `bootstrap.zip` of a checked binary into `out_dir`
/// (created if missing).
pub fn write(
    out_dir: &Path,
    format: Format,
    checked: &Checked,
    config: &StageConfig,
) -> io::Result<Written> {
    std::fs::create_dir_all(out_dir)?;
    let template = out_dir.join(format.template_file());
    let zip = out_dir.join(ZIP_FILE);
    std::fs::write(
        &template,
        render(format, &checked.manifest, config, &checked.zip_sha256_b64),
    )?;
    std::fs::write(&zip, &checked.zip)?;
    Ok(Written { template, zip })
}

/// What `goblet package` is asked to do.
#[derive(Debug, Clone)]
pub struct PackageOptions {
    pub format: Format,
    /// Where `Cargo.toml` (and its `[package.metadata.goblet]`) is.
    pub project: PathBuf,
    /// The app binary; `None`: `cargo build --release` in `project`.
    pub binary: Option<PathBuf>,
    pub overrides: goblet_project::config::Overrides,
    pub out_dir: PathBuf,
    /// The region the template is for, when the AWS configuration names one:
    /// it decides the endpoint type's default ([`StageConfig::for_region`]).
    pub region: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error(transparent)]
    App(#[from] goblet_project::ResolveError),
    #[error(transparent)]
    Preflight(#[from] goblet_project::preflight::PreflightError),
    /// What AWS would refuse, or what this goblet cannot deploy yet.
    #[error("{0}")]
    Refused(String),
    #[error("cannot write to {}: {error}", path.display())]
    Write { path: PathBuf, error: io::Error },
}

/// `goblet package`: reads the configuration (as it applies in the region
/// given, if any), checks the binary, warns about what would not work as
/// configured (on stderr), writes the template and `bootstrap.zip`.
pub fn run(options: &PackageOptions) -> Result<Written, PackageError> {
    let source = goblet_project::AppSource {
        project: Some(options.project.clone()),
        binary: options.binary.clone(),
    };
    let mut resolved = goblet_project::resolve(&source, &options.overrides)?.configured()?;
    if let Some(region) = &options.region {
        resolved
            .config
            .for_region(region)
            .map_err(goblet_project::ResolveError::Config)?;
    }
    let mut checked = resolved.preflight()?;
    let config = resolved.config;
    goblet_project::config::configure_functions(&mut checked.manifest, &config)
        .map_err(PackageError::Refused)?;
    check_packageable(&checked.manifest, &config).map_err(PackageError::Refused)?;
    for warning in config.warnings() {
        eprintln!("warning: {warning}");
    }
    write(&options.out_dir, options.format, &checked, &config).map_err(|error| {
        PackageError::Write {
            path: options.out_dir.clone(),
            error,
        }
    })
}

/// A short hash of everything a deployment of the API depends on, so a
/// changed API gets a new deployment (CloudFormation's logical id,
/// Terraform's `triggers`).
fn api_hash(manifest: &Manifest, methods: &[ApiMethod], config: &StageConfig) -> String {
    let mut text = format!("{}\n{}\n", config.endpoint_type, config.api_gateway_stage);
    text.push_str(&format!(
        "{BINARY_MEDIA_TYPES:?}\n{:?}\n{:?}\n",
        gateway_responses(manifest),
        resource_policy(config, "execute-api:/*")
    ));
    for m in methods {
        text.push_str(&format!(
            "{} {} {} {} {:?}\n",
            m.path, m.http_method, m.authorization_type, m.api_key_required, m.integration
        ));
        // Written only when set, so that the hash of an app without
        // authorizers stays what it was.
        if let Some(authorizer) = &m.authorizer {
            text.push_str(&format!("  authorizer {authorizer}\n"));
        }
        if !m.authorization_scopes.is_empty() {
            text.push_str(&format!("  scopes {}\n", m.authorization_scopes.join(" ")));
        }
    }
    for a in &manifest.authorizers {
        text.push_str(&format!(
            "authorizer {} {} {} {}\n",
            a.name,
            a.kind.as_str(),
            identity_source(a),
            a.ttl_seconds
        ));
    }
    for a in &manifest.cognito_authorizers {
        text.push_str(&format!(
            "authorizer {} COGNITO_USER_POOLS {} {}\n",
            a.name,
            a.identity_source,
            a.provider_arns.join(",")
        ));
    }
    for a in &manifest.external_authorizers {
        text.push_str(&format!(
            "authorizer {} {} {} {} {}\n",
            a.name,
            a.kind.as_str(),
            a.identity_sources.join(","),
            a.ttl_seconds,
            a.function_arn
        ));
    }
    short_hash(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resources_per_api_quota_is_checked() {
        use goblet_core::{Method, Route};
        let routes = (0..10)
            .map(|i| Route::new(Method::Get, &format!("/r{i}/{{id}}"), &format!("h{i}")))
            .collect();
        let manifest = Manifest::new("0".into(), "a".into(), routes).unwrap();
        let mut config = StageConfig::defaults("a", "dev");
        // The root, ten `/rN` and ten `/rN/{id}`.
        for (quota, ok) in [(300, true), (21, true), (20, false)] {
            config.api_resource_quota = quota;
            let checked = check_api_quotas(&manifest, &config);
            assert_eq!(checked.is_ok(), ok, "{quota}: {checked:?}");
        }
        let message = check_api_quotas(&manifest, &config).unwrap_err();
        assert!(
            message.contains("need 21") && message.contains("quota of 20"),
            "{message}"
        );
    }

    #[test]
    fn an_authorizer_may_not_take_a_name_goblet_keeps_for_its_schemes() {
        use goblet_core::{AuthorizationType, Authorizer, AuthorizerKind, Method, Route};
        let manifest = |name: &str| {
            let route = Route {
                authorization_type: AuthorizationType::Custom,
                source: "src/app.rs:9".into(),
                authorizer: Some(name.to_owned()),
                ..Route::new(Method::Get, "/orders", "h")
            };
            let authorizer = Authorizer {
                name: name.into(),
                kind: AuthorizerKind::Token,
                identity_sources: vec!["method.request.header.Authorization".into()],
                ttl_seconds: 300,
                handler: "app::f".into(),
                source: "src/app.rs:1".into(),
            };
            Manifest::with_authorizers("0".into(), "a".into(), vec![route], vec![authorizer])
                .unwrap()
        };
        let config = StageConfig::defaults("a", "dev");
        assert_eq!(check_deployable(&manifest("tokens"), &config), Ok(()));
        for reserved in ["sigv4", "api_key"] {
            let message = check_deployable(&manifest(reserved), &config).unwrap_err();
            assert!(
                message.contains(&format!("`{reserved}`")) && message.contains("src/app.rs:1"),
                "{message}"
            );
        }
    }

    /// A manifest with no route and a Cognito authorizer for each of `names`.
    fn with_pools(names: &[&str]) -> Result<Manifest, String> {
        let mut manifest = Manifest::new("0".into(), "a".into(), vec![]).unwrap();
        let pools = names
            .iter()
            .map(|name| {
                goblet_core::ConfiguredAuthorizer::CognitoUserPools(
                    goblet_core::CognitoAuthorizer {
                        name: (*name).to_owned(),
                        provider_arns: vec![
                            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_P1"
                                .into(),
                        ],
                        identity_source: "method.request.header.Authorization".into(),
                        ttl_seconds: 300,
                    },
                )
            })
            .collect();
        manifest.configure(pools, "Cargo.toml").unwrap();
        Ok(manifest)
    }

    #[test]
    fn configured_authorizers_are_checked_by_name_too() {
        let with = |names: &[&str]| {
            check_deployable(&with_pools(names)?, &StageConfig::defaults("a", "dev"))
        };
        assert_eq!(with(&["users", "admins"]), Ok(()));
        let reserved = with(&["sigv4"]).unwrap_err();
        assert!(reserved.contains("configured in Cargo.toml"), "{reserved}");
        for (a, b) in [("users-a", "users_a"), ("Users", "users")] {
            let clash = with(&[a, b]).unwrap_err();
            assert!(clash.contains("would name them alike"), "{a} {b}: {clash}");
        }
    }

    #[test]
    fn functions_are_checked_before_any_call() {
        use goblet_core::function::StartingPosition;
        use goblet_core::{Function, Trigger};
        let app = |routes: bool, names: &[&str], trigger: Trigger| {
            let routes = if routes {
                vec![goblet_core::Route::new(
                    goblet_core::Method::Get,
                    "/",
                    "index",
                )]
            } else {
                vec![]
            };
            let functions = names
                .iter()
                .map(|name| Function {
                    name: (*name).into(),
                    trigger: trigger.clone(),
                    handler: format!("a::{name}"),
                    source: "src/main.rs:7".into(),
                })
                .collect();
            Manifest::new("0.1.0".into(), "a".into(), routes)
                .unwrap()
                .with_functions(functions)
                .unwrap()
        };
        let sqs = || Trigger::Sqs {
            queue: "jobs".into(),
            batch_size: 10,
        };
        let config = StageConfig::defaults("a", "dev");
        let long = "f".repeat(60);
        // (routes, names, trigger, what a deploy and a package refuse it with)
        let cases: Vec<(bool, Vec<&str>, Trigger, Option<&str>)> = vec![
            (true, vec!["jobs"], sqs(), None),
            (true, vec!["resize"], Trigger::Invoke, None),
            (
                true,
                vec!["ddb"],
                Trigger::DynamoDb {
                    stream: "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x".into(),
                    starting_position: StartingPosition::Latest,
                    batch_size: 100,
                },
                None,
            ),
            (
                true,
                vec!["tick"],
                Trigger::Schedule {
                    expression: "rate(5 minutes)".into(),
                },
                None,
            ),
            (
                true,
                vec!["upload"],
                Trigger::S3 {
                    bucket: "uploads".into(),
                    events: vec!["s3:ObjectCreated:*".into()],
                    prefix: None,
                    suffix: None,
                },
                Some("#[on_s3_event] `upload` at src/main.rs:7"),
            ),
            (
                true,
                vec!["alert"],
                Trigger::Sns {
                    topic: "alerts".into(),
                },
                Some("SNS subscriptions"),
            ),
            (false, vec!["jobs"], sqs(), Some("and no routes")),
            (true, vec![long.as_str()], sqs(), Some("over Lambda's 64")),
        ];
        for (routes, names, trigger, refused) in cases {
            let manifest = app(routes, &names, trigger);
            for (what, checked) in [
                ("deploy", check_deployable(&manifest, &config)),
                ("package", check_packageable(&manifest, &config)),
            ] {
                match refused {
                    None => assert_eq!(checked, Ok(()), "{what} {names:?}"),
                    Some(expected) => {
                        let error = checked.unwrap_err();
                        assert!(error.contains(expected), "{what} {names:?}: {error}");
                    }
                }
            }
        }
        // Two names one template would give one logical id.
        let clash = app(true, &["a-b", "a_b"], Trigger::Invoke);
        assert_eq!(check_deployable(&clash, &config), Ok(()));
        let error = check_packageable(&clash, &config).unwrap_err();
        assert!(error.contains("`a-b` and `a_b`"), "{error}");
    }

    #[test]
    fn the_authorizers_per_api_quota_is_checked() {
        let names: Vec<String> = (0..11).map(|i| format!("pool{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut config = StageConfig::defaults("a", "dev");
        for (count, quota, ok) in [
            (10, 10, true),
            (11, 10, false),
            (11, 11, true),
            (1, 1, true),
        ] {
            config.api_authorizer_quota = quota;
            let checked = check_api_quotas(&with_pools(&names[..count]).unwrap(), &config);
            assert_eq!(checked.is_ok(), ok, "{count} of {quota}: {checked:?}");
        }
        config.api_authorizer_quota = 10;
        let message = check_api_quotas(&with_pools(&names).unwrap(), &config).unwrap_err();
        assert!(
            message.contains("11 authorizers (pool0, pool1,")
                && message.contains("quota of 10 authorizers")
                && message.contains("api_authorizer_quota"),
            "{message}"
        );
    }

    #[test]
    fn ids_are_stable_and_unique() {
        let ids = resource_ids([
            "/users/{id}",
            "/users",
            "/a-b",
            "/ab",
            "/files/{path+}",
            "/",
        ]);
        assert_eq!(ids["/"], "");
        assert_eq!(ids["/users"], "Users");
        assert_eq!(ids["/users/{id}"], "UsersId");
        assert_eq!(ids["/files/{path+}"], "FilesPath");
        assert_eq!(ids["/a-b"], "AB");
        assert_eq!(ids["/ab"], "Ab");
        let ids = resource_ids(["/x/{id}", "/x/id"]);
        assert_eq!(ids["/x/id"], "XId");
        assert!(ids["/x/{id}"].starts_with("XId") && ids["/x/{id}"].len() == 11);
        assert_eq!(snake("ResourceUsersId"), "resource_users_id");
        assert_eq!(verb("OPTIONS"), "Options");
    }
}
