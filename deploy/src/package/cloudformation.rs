//! The CloudFormation and SAM templates (JSON). Both describe the same
//! resources; SAM only swaps the function for an `AWS::Serverless::Function`
//! whose `CodeUri` is the local `bootstrap.zip`.

use goblet_core::Manifest;
use serde_json::{Map, Value, json};

use super::{
    ALIAS, ApiMethod, BINARY_MEDIA_TYPES, HANDLER, MOCK_CONTENT_HANDLING, MOCK_REQUEST_TEMPLATE,
    MethodIntegration, ROLE_POLICY_NAME, RUNTIME, ZIP_FILE, api_hash, api_methods, api_resources,
    cors_mock_headers, event_functions, gateway_responses, identity_source, needs_usage_plan,
    pascal, resource_ids, resource_policy, role_trust_policy, short_hash, tags,
    template_role_policy, usage_plan_quota, usage_plan_throttle, verb,
};
use goblet_project::config::{RoleConfig, StageConfig};

const ROLE: &str = "FunctionRole";
const FUNCTION: &str = "Function";
const LOG_GROUP: &str = "FunctionLogGroup";
const API: &str = "RestApi";
const STAGE: &str = "ApiStage";
const USAGE_PLAN: &str = "UsagePlan";
const API_KEY: &str = "ApiKey";
const PERMISSION: &str = "ApiInvokePermission";
/// The alias's logical id: SAM's name for the alias `AutoPublishAlias` makes
/// (`{function}Alias{alias}`), and the CloudFormation template's too.
const ALIAS_ID: &str = "FunctionAliaslive";

pub(super) fn render(
    manifest: &Manifest,
    config: &StageConfig,
    sam: bool,
    zip_sha256_b64: &str,
) -> String {
    let mut resources = Map::new();
    let description = format!("goblet app {} stage {}", config.app_name, config.stage);

    let role = match &config.role {
        RoleConfig::Managed { .. } => {
            resources.insert(
                ROLE.into(),
                json!({
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "Description": format!("goblet: {} stage {}", config.app_name, config.stage),
                        "AssumeRolePolicyDocument": role_trust_policy(),
                        "Policies": [{"PolicyName": ROLE_POLICY_NAME, "PolicyDocument": template_role_policy(manifest, config)}],
                        "Tags": tag_list(config),
                    }
                }),
            );
            json!({"Fn::GetAtt": [ROLE, "Arn"]})
        }
        RoleConfig::Existing { arn } => json!(arn),
    };

    if let Some(days) = config.log_retention_days {
        resources.insert(
            LOG_GROUP.into(),
            json!({
                "Type": "AWS::Logs::LogGroup",
                "DeletionPolicy": "Delete",
                "UpdateReplacePolicy": "Delete",
                "Properties": {"LogGroupName": config.log_group_name(), "RetentionInDays": days}
            }),
        );
    }

    let mut function = function_properties(
        config,
        &config.function_name,
        HANDLER,
        &config.log_group_name(),
        &role,
        sam,
    );
    if sam {
        // A version of code and configuration together, behind the alias
        // API Gateway invokes, as `goblet deploy` does.
        function.insert("AutoPublishAlias".into(), json!(ALIAS));
        function.insert("AutoPublishAliasAllProperties".into(), json!(true));
    }
    if let Some(n) = config.reserved_concurrency {
        function.insert("ReservedConcurrentExecutions".into(), json!(n));
    }
    let mut function_resource = Map::new();
    function_resource.insert(
        "Type".into(),
        json!(if sam {
            "AWS::Serverless::Function"
        } else {
            "AWS::Lambda::Function"
        }),
    );
    if config.log_retention_days.is_some() {
        function_resource.insert("DependsOn".into(), json!([LOG_GROUP]));
    }
    function_resource.insert("Properties".into(), Value::Object(function));
    resources.insert(FUNCTION.into(), Value::Object(function_resource));
    if !sam {
        // A version is immutable, so a new one needs a new logical id: one
        // named by the code and configuration it publishes. CloudFormation
        // creates it after the function's update, moves the alias, then
        // deletes the old version.
        let version = format!("FunctionVersion{}", version_hash(config, zip_sha256_b64));
        resources.insert(
            version.clone(),
            json!({
                "Type": "AWS::Lambda::Version",
                "Properties": {
                    "FunctionName": {"Ref": FUNCTION},
                    "CodeSha256": zip_sha256_b64,
                    "Description": format!("goblet deploy of stage {}", config.stage),
                }
            }),
        );
        resources.insert(
            ALIAS_ID.into(),
            json!({
                "Type": "AWS::Lambda::Alias",
                "Properties": {
                    "Name": ALIAS,
                    "FunctionName": {"Ref": FUNCTION},
                    "FunctionVersion": {"Fn::GetAtt": [version, "Version"]},
                }
            }),
        );
    }

    for f in event_functions(manifest, config) {
        let id = event_function_id(&f.handler);
        let mut props = function_properties(
            config,
            &f.function_name,
            &f.handler,
            &f.settings.logging.log_group,
            &role,
            sam,
        );
        // Its own settings, where the configuration gives it some.
        props.insert("MemorySize".into(), json!(f.settings.memory_mb));
        props.insert("Timeout".into(), json!(f.settings.timeout_secs));
        if f.settings.environment.is_empty() {
            props.remove("Environment");
        } else {
            props.insert(
                "Environment".into(),
                json!({"Variables": f.settings.environment}),
            );
        }
        if let Some(n) = f.reserved_concurrency {
            props.insert("ReservedConcurrentExecutions".into(), json!(n));
        }
        let kind = if sam {
            "AWS::Serverless::Function"
        } else {
            "AWS::Lambda::Function"
        };
        resources.insert(id.clone(), json!({"Type": kind, "Properties": props}));
        if let Some(m) = &f.mapping {
            let mut mapping = Map::new();
            mapping.insert("FunctionName".into(), json!({"Ref": id}));
            mapping.insert("EventSourceArn".into(), m.source_arn_template());
            mapping.insert("BatchSize".into(), json!(m.batch_size));
            if m.batching_window() > 0 {
                mapping.insert(
                    "MaximumBatchingWindowInSeconds".into(),
                    json!(m.batching_window()),
                );
            }
            if let Some(position) = &m.starting_position {
                mapping.insert("StartingPosition".into(), json!(position));
            }
            if !m.response_types().is_empty() {
                mapping.insert("FunctionResponseTypes".into(), json!(m.response_types()));
            }
            mapping.insert("Enabled".into(), json!(true));
            resources.insert(
                mapping_id(&f.handler),
                json!({"Type": "AWS::Lambda::EventSourceMapping", "Properties": mapping}),
            );
        }
        if let Some(rule) = &f.rule {
            let rule_id = format!("Handler{}Rule", pascal(&f.handler));
            let mut props = Map::new();
            props.insert("Name".into(), json!(rule.name));
            props.insert(
                "Description".into(),
                json!(format!("{description}: runs {}", f.function_name)),
            );
            if let Some(bus) = &rule.bus {
                props.insert("EventBusName".into(), json!(bus));
            }
            if let Some(schedule) = &rule.schedule {
                props.insert("ScheduleExpression".into(), json!(schedule));
            }
            if let Some(pattern) = &rule.pattern {
                let pattern: Value = serde_json::from_str(pattern).unwrap_or(json!(pattern));
                props.insert("EventPattern".into(), pattern);
            }
            props.insert("State".into(), json!("ENABLED"));
            props.insert(
                "Targets".into(),
                json!([{"Id": crate::resources::rule::TARGET_ID, "Arn": {"Fn::GetAtt": [id, "Arn"]}}]),
            );
            resources.insert(
                rule_id.clone(),
                json!({"Type": "AWS::Events::Rule", "Properties": props}),
            );
            resources.insert(
                format!("{rule_id}Permission"),
                json!({
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "Action": "lambda:InvokeFunction",
                        "FunctionName": {"Ref": id},
                        "Principal": "events.amazonaws.com",
                        "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
                    }
                }),
            );
        }
    }

    let mut api = json!({
        "Type": "AWS::ApiGateway::RestApi",
        "Properties": {
            "Name": config.function_name,
            "Description": description,
            "EndpointConfiguration": {"Types": [config.endpoint_type.as_str()]},
            "BinaryMediaTypes": BINARY_MEDIA_TYPES,
            "Tags": tag_list(config),
        }
    });
    if let Some(policy) = resource_policy(config, "execute-api:/*") {
        api["Properties"]["Policy"] = policy;
    }
    resources.insert(API.into(), api);
    let mut gateway_response_ids = Vec::new();
    for (kind, parameters) in gateway_responses(manifest) {
        let id = format!("GatewayResponse{}", pascal(&kind.to_ascii_lowercase()));
        resources.insert(
            id.clone(),
            json!({
                "Type": "AWS::ApiGateway::GatewayResponse",
                "Properties": {
                    "RestApiId": {"Ref": API},
                    "ResponseType": kind,
                    "ResponseParameters": parameters,
                }
            }),
        );
        gateway_response_ids.push(id);
    }

    let api_resources = api_resources(manifest);
    let ids = resource_ids(api_resources.iter().map(|r| r.path.as_str()).chain(["/"]));
    let resource_ref = |path: &str| -> Value {
        if path == "/" {
            json!({"Fn::GetAtt": [API, "RootResourceId"]})
        } else {
            json!({"Ref": format!("Resource{}", ids[path])})
        }
    };
    for r in &api_resources {
        resources.insert(
            format!("Resource{}", r.id),
            json!({
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": API},
                    "ParentId": resource_ref(&r.parent),
                    "PathPart": r.path_part,
                }
            }),
        );
    }

    for a in &manifest.authorizers {
        let mut props = Map::new();
        props.insert("RestApiId".into(), json!({"Ref": API}));
        props.insert("Name".into(), json!(a.name));
        props.insert("Type".into(), json!(a.kind.as_str()));
        props.insert("AuthorizerUri".into(), alias_invocation_uri());
        if !a.identity_sources.is_empty() {
            props.insert("IdentitySource".into(), json!(identity_source(a)));
        }
        props.insert("AuthorizerResultTtlInSeconds".into(), json!(a.ttl_seconds));
        resources.insert(
            authorizer_id(&a.name),
            json!({"Type": "AWS::ApiGateway::Authorizer", "Properties": props}),
        );
    }
    for a in &manifest.cognito_authorizers {
        resources.insert(
            authorizer_id(&a.name),
            json!({"Type": "AWS::ApiGateway::Authorizer", "Properties": {
                "RestApiId": {"Ref": API},
                "Name": a.name,
                "Type": "COGNITO_USER_POOLS",
                "ProviderARNs": a.provider_arns,
                "IdentitySource": a.identity_source,
                "AuthorizerResultTtlInSeconds": a.ttl_seconds,
            }}),
        );
    }

    // An external authorizer calls its own function, which lets API Gateway
    // call it for this API when it is the deploying account's (another
    // account's owner grants that itself).
    let mut conditions = Map::new();
    for a in &manifest.external_authorizers {
        let id = authorizer_id(&a.name);
        let mut props = Map::new();
        props.insert("RestApiId".into(), json!({"Ref": API}));
        props.insert("Name".into(), json!(a.name));
        props.insert("Type".into(), json!(a.kind.as_str()));
        props.insert(
            "AuthorizerUri".into(),
            json!(crate::openapi::external_uri(a)),
        );
        if !a.identity_sources.is_empty() {
            props.insert(
                "IdentitySource".into(),
                json!(a.identity_sources.join(", ")),
            );
        }
        props.insert("AuthorizerResultTtlInSeconds".into(), json!(a.ttl_seconds));
        resources.insert(
            id.clone(),
            json!({"Type": "AWS::ApiGateway::Authorizer", "Properties": props}),
        );
        let account = a.function().map(|f| f.account).unwrap_or_default();
        let condition = format!("{id}InThisAccount");
        conditions.insert(
            condition.clone(),
            json!({"Fn::Equals": [account, {"Ref": "AWS::AccountId"}]}),
        );
        resources.insert(
            format!("{id}Permission"),
            json!({
                "Type": "AWS::Lambda::Permission",
                "Condition": condition,
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": a.function_arn,
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": {"Fn::Sub": format!("arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{API}}}/authorizers/*")},
                }
            }),
        );
    }

    let methods = api_methods(manifest);
    let mut method_ids = Vec::new();
    for m in &methods {
        let id = method_id(&ids[&m.path], m);
        resources.insert(id.clone(), method(m, resource_ref(&m.path)));
        method_ids.push(id);
    }

    let deployment = format!("Deployment{}", api_hash(manifest, &methods, config));
    resources.insert(
        deployment.clone(),
        json!({
            "Type": "AWS::ApiGateway::Deployment",
            "DependsOn": method_ids.into_iter().chain(gateway_response_ids).collect::<Vec<_>>(),
            "Properties": {"RestApiId": {"Ref": API}, "Description": format!("goblet deploy of {}", config.app_name)}
        }),
    );
    resources.insert(
        STAGE.into(),
        json!({
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {
                "RestApiId": {"Ref": API},
                "DeploymentId": {"Ref": deployment},
                "StageName": config.api_gateway_stage,
                "Tags": tag_list(config),
            }
        }),
    );
    if needs_usage_plan(manifest) {
        let mut plan = json!({
            "UsagePlanName": config.function_name,
            "Description": description,
            "ApiStages": [{"ApiId": {"Ref": API}, "Stage": {"Ref": STAGE}}],
            "Tags": tag_list(config),
        });
        if let Some((rate, burst)) = usage_plan_throttle(config) {
            let mut throttle = Map::new();
            if let Some(rate) = rate {
                throttle.insert("RateLimit".into(), json!(rate));
            }
            if let Some(burst) = burst {
                throttle.insert("BurstLimit".into(), json!(burst));
            }
            plan["Throttle"] = Value::Object(throttle);
        }
        if let Some((limit, period)) = usage_plan_quota(config) {
            plan["Quota"] = json!({"Limit": limit, "Period": period});
        }
        resources.insert(
            USAGE_PLAN.into(),
            json!({"Type": "AWS::ApiGateway::UsagePlan", "Properties": plan}),
        );
        let keys: Vec<Value> = if config.api_key_ids.is_empty() {
            resources.insert(
                API_KEY.into(),
                json!({
                    "Type": "AWS::ApiGateway::ApiKey",
                    "Properties": {
                        "Name": config.function_name,
                        "Description": description,
                        "Enabled": true,
                        "Tags": tag_list(config),
                    }
                }),
            );
            vec![json!({"Ref": API_KEY})]
        } else {
            config.api_key_ids.iter().map(|id| json!(id)).collect()
        };
        for (i, key) in keys.into_iter().enumerate() {
            let id = if i == 0 {
                "UsagePlanKey".to_owned()
            } else {
                format!("UsagePlanKey{}", i + 1)
            };
            resources.insert(
                id,
                json!({
                    "Type": "AWS::ApiGateway::UsagePlanKey",
                    "Properties": {"KeyId": key, "KeyType": "API_KEY", "UsagePlanId": {"Ref": USAGE_PLAN}}
                }),
            );
        }
    }
    resources.insert(
        PERMISSION.into(),
        json!({
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": ALIAS_ID},
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {"Fn::Sub": format!("arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{API}}}/*")},
            }
        }),
    );

    let mut template = Map::new();
    template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    if sam {
        template.insert("Transform".into(), json!("AWS::Serverless-2016-10-31"));
    }
    template.insert("Description".into(), json!(description));
    if !sam {
        template.insert(
            "Parameters".into(),
            json!({
                "CodeS3Bucket": {"Type": "String", "Description": format!("The S3 bucket {ZIP_FILE} was uploaded to")},
                "CodeS3Key": {"Type": "String", "Default": ZIP_FILE, "Description": format!("The S3 key of {ZIP_FILE}")},
            }),
        );
    }
    if !conditions.is_empty() {
        template.insert("Conditions".into(), Value::Object(conditions));
    }
    template.insert("Resources".into(), Value::Object(resources));
    template.insert(
        "Outputs".into(),
        json!({
            "InvokeUrl": {
                "Description": "The URL of the API stage",
                "Value": {"Fn::Sub": format!(
                    "https://${{{API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}/",
                    config.api_gateway_stage
                )},
            },
            "FunctionName": {"Value": {"Ref": FUNCTION}},
            "RestApiId": {"Value": {"Ref": API}},
        }),
    );
    let mut out = serde_json::to_string_pretty(&Value::Object(template))
        .expect("a template always serializes");
    out.push('\n');
    out
}

/// The function's `LoggingConfig`, as `goblet deploy` sends it: the format
/// always (so a template turned back to text says so), the application log
/// level with JSON, and the log group goblet manages.
/// The properties of one of goblet's functions, the API's and each event
/// function's alike: the stage's settings, its handler and log group.
fn function_properties(
    config: &StageConfig,
    name: &str,
    handler: &str,
    log_group: &str,
    role: &Value,
    sam: bool,
) -> Map<String, Value> {
    let description = format!("goblet app {} stage {}", config.app_name, config.stage);
    let mut props = Map::new();
    props.insert("FunctionName".into(), json!(name));
    props.insert("Description".into(), json!(description));
    props.insert("Runtime".into(), json!(RUNTIME));
    props.insert("Handler".into(), json!(handler));
    props.insert(
        "Architectures".into(),
        json!([config.architecture.as_str()]),
    );
    props.insert("MemorySize".into(), json!(config.memory_mb));
    props.insert("Timeout".into(), json!(config.timeout_s));
    props.insert("Role".into(), role.clone());
    if sam {
        props.insert("CodeUri".into(), json!(ZIP_FILE));
        props.insert("Tags".into(), json!(tags(config)));
    } else {
        props.insert(
            "Code".into(),
            json!({"S3Bucket": {"Ref": "CodeS3Bucket"}, "S3Key": {"Ref": "CodeS3Key"}}),
        );
        props.insert("Tags".into(), tag_list(config));
    }
    if !config.environment.is_empty() {
        props.insert(
            "Environment".into(),
            json!({"Variables": config.environment}),
        );
    }
    props.insert("LoggingConfig".into(), logging_config(config, log_group));
    props
}

fn logging_config(config: &StageConfig, log_group: &str) -> Value {
    let mut logging = Map::new();
    logging.insert("LogFormat".into(), json!(config.logging.format.as_str()));
    if let Some(level) = config.logging.application_level() {
        logging.insert("ApplicationLogLevel".into(), json!(level.as_str()));
    }
    logging.insert("LogGroup".into(), json!(log_group));
    Value::Object(logging)
}

/// The logical id of an event function: `Handler{Name}Function`, clear of
/// the API function's ids (`FunctionRole`, `FunctionVersion…`).
pub(super) fn event_function_id(handler: &str) -> String {
    format!("Handler{}Function", pascal(handler))
}

/// The logical id of an event function's mapping.
fn mapping_id(handler: &str) -> String {
    format!("Handler{}Mapping", pascal(handler))
}

/// What names a version of the function: its code and every setting a
/// version keeps.
fn version_hash(config: &StageConfig, zip_sha256_b64: &str) -> String {
    let role = match &config.role {
        RoleConfig::Managed { .. } => "managed".to_owned(),
        RoleConfig::Existing { arn } => arn.clone(),
    };
    short_hash(&format!(
        "{zip_sha256_b64}\n{RUNTIME}\n{HANDLER}\n{}\n{}\n{}\n{role}\n{:?}\n{}\n",
        config.architecture.as_str(),
        config.memory_mb,
        config.timeout_s,
        config.environment,
        logging_config(config, &config.log_group_name()),
    ))
}

/// `Method{ResourceId}{Verb}`: `MethodUsersIdGet`, `MethodGet` for the root.
pub(super) fn method_id(resource_id: &str, m: &ApiMethod) -> String {
    format!("Method{resource_id}{}", verb(&m.http_method))
}

/// `Authorizer{Name}`: `AuthorizerTokens`.
pub(super) fn authorizer_id(name: &str) -> String {
    format!("Authorizer{}", pascal(name))
}

/// The URI by which API Gateway invokes the function's alias, for the
/// proxy integrations and the Lambda authorizers alike.
fn alias_invocation_uri() -> Value {
    json!({"Fn::Sub": format!(
        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{ALIAS_ID}}}/invocations"
    )})
}

fn method(m: &ApiMethod, resource: Value) -> Value {
    let mut props = Map::new();
    props.insert("RestApiId".into(), json!({"Ref": API}));
    props.insert("ResourceId".into(), resource);
    props.insert("HttpMethod".into(), json!(m.http_method));
    props.insert("AuthorizationType".into(), json!(m.authorization_type));
    props.insert("ApiKeyRequired".into(), json!(m.api_key_required));
    if let Some(authorizer) = &m.authorizer {
        props.insert(
            "AuthorizerId".into(),
            json!({"Ref": authorizer_id(authorizer)}),
        );
    }
    if !m.authorization_scopes.is_empty() {
        props.insert("AuthorizationScopes".into(), json!(m.authorization_scopes));
    }
    match &m.integration {
        MethodIntegration::Proxy => {
            props.insert(
                "Integration".into(),
                json!({
                    "Type": "AWS_PROXY",
                    "IntegrationHttpMethod": "POST",
                    "Uri": alias_invocation_uri(),
                }),
            );
        }
        MethodIntegration::CorsMock { allow_methods } => {
            let headers = cors_mock_headers(allow_methods);
            let declared: Map<String, Value> = headers
                .iter()
                .map(|(k, _)| (k.clone(), json!(false)))
                .collect();
            let values: Map<String, Value> =
                headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            props.insert(
                "Integration".into(),
                json!({
                    "Type": "MOCK",
                    "RequestTemplates": {"application/json": MOCK_REQUEST_TEMPLATE},
                    "ContentHandling": MOCK_CONTENT_HANDLING,
                    "IntegrationResponses": [{"StatusCode": "200", "ResponseParameters": values}],
                }),
            );
            props.insert(
                "MethodResponses".into(),
                json!([{"StatusCode": "200", "ResponseParameters": declared}]),
            );
        }
    }
    json!({"Type": "AWS::ApiGateway::Method", "Properties": props})
}

/// CloudFormation's tag list, sorted by key.
fn tag_list(config: &StageConfig) -> Value {
    Value::Array(
        tags(config)
            .into_iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}
