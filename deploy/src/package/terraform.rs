//! The Terraform configuration (`main.tf`, AWS provider): the same resources
//! as the CloudFormation template, with `bootstrap.zip` next to it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use goblet_core::Manifest;
use serde_json::Value;

use super::{
    ALIAS, BINARY_MEDIA_TYPES, HANDLER, MOCK_CONTENT_HANDLING, MOCK_REQUEST_TEMPLATE,
    MethodIntegration, PERMISSION_SID, ROLE_POLICY_NAME, RUNTIME, ZIP_FILE, api_hash, api_methods,
    api_resources, cors_mock_headers, event_functions, gateway_responses, identity_source,
    needs_usage_plan, resource_ids, resource_policy, role_trust_policy, snake, tags,
    template_role_policy, usage_plan_quota, usage_plan_throttle, verb,
};
use goblet_project::config::{RoleConfig, StageConfig};

pub(super) fn render(manifest: &Manifest, config: &StageConfig, zip_sha256_b64: &str) -> String {
    let mut out = String::new();
    let o = &mut out;
    let description = format!("goblet app {} stage {}", config.app_name, config.stage);
    let _ = writeln!(
        o,
        "# Written by `goblet package --format terraform`: {description}.\n\
         # `terraform init && terraform apply`; {ZIP_FILE} must stay next to this file.\n"
    );
    o.push_str(
        "terraform {\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \">= 5.0\"\n    }\n  }\n}\n\n",
    );

    let role_arn = match &config.role {
        RoleConfig::Managed { .. } => {
            let _ = writeln!(
                o,
                "resource \"aws_iam_role\" \"function\" {{\n  name_prefix        = {}\n  description        = {}\n  assume_role_policy = jsonencode({})\n  tags               = {}\n}}\n",
                string(&format!("{}-", truncate(&config.function_name, 37))),
                string(&format!(
                    "goblet: {} stage {}",
                    config.app_name, config.stage
                )),
                hcl(&role_trust_policy(), 1),
                map(&tags(config), 1),
            );
            let _ = writeln!(
                o,
                "resource \"aws_iam_role_policy\" \"function\" {{\n  name   = {}\n  role   = aws_iam_role.function.id\n  policy = jsonencode({})\n}}\n",
                string(ROLE_POLICY_NAME),
                hcl(&template_role_policy(manifest, config), 1),
            );
            "aws_iam_role.function.arn".to_owned()
        }
        RoleConfig::Existing { arn } => string(arn),
    };

    let mut function_depends = Vec::new();
    if let RoleConfig::Managed { .. } = config.role {
        function_depends.push("aws_iam_role_policy.function".to_owned());
    }
    if let Some(days) = config.log_retention_days {
        let _ = writeln!(
            o,
            "resource \"aws_cloudwatch_log_group\" \"function\" {{\n  name              = {}\n  retention_in_days = {days}\n}}\n",
            string(&config.log_group_name()),
        );
        function_depends.push("aws_cloudwatch_log_group.function".to_owned());
    }

    lambda_function(
        o,
        &Lambda {
            label: "function",
            name: &config.function_name,
            handler: HANDLER,
            log_group: &config.log_group_name(),
            memory_mb: config.memory_mb,
            timeout_s: config.timeout_s,
            environment: &config.environment,
            // Code and configuration become a version together, behind the
            // alias API Gateway invokes, as `goblet deploy` does.
            publish: true,
            reserved: config.reserved_concurrency,
        },
        config,
        &role_arn,
        zip_sha256_b64,
        &function_depends,
    );
    let _ = writeln!(
        o,
        "resource \"aws_lambda_alias\" \"live\" {{\n  name             = {}\n  function_name    = aws_lambda_function.function.function_name\n  function_version = aws_lambda_function.function.version\n}}\n",
        string(ALIAS)
    );

    let functions = event_functions(manifest, config);
    for f in &functions {
        let label = format!("handler_{}", name(&f.handler));
        lambda_function(
            o,
            &Lambda {
                label: &label,
                name: &f.function_name,
                handler: &f.handler,
                log_group: &f.settings.logging.log_group,
                memory_mb: u32::try_from(f.settings.memory_mb).unwrap_or(config.memory_mb),
                timeout_s: u32::try_from(f.settings.timeout_secs).unwrap_or(config.timeout_s),
                environment: &f.settings.environment,
                publish: false,
                reserved: f.reserved_concurrency.and_then(|n| u32::try_from(n).ok()),
            },
            config,
            &role_arn,
            zip_sha256_b64,
            &function_depends,
        );
        if let Some(rule) = &f.rule {
            let bus = rule
                .bus
                .as_ref()
                .map(|b| format!("  event_bus_name = {}\n", string(b)))
                .unwrap_or_default();
            let trigger = match (&rule.schedule, &rule.pattern) {
                (Some(schedule), _) => format!("  schedule_expression = {}\n", string(schedule)),
                (None, Some(pattern)) => {
                    let pattern: Value =
                        serde_json::from_str(pattern).unwrap_or(Value::String(pattern.clone()));
                    format!("  event_pattern = jsonencode({})\n", hcl(&pattern, 1))
                }
                (None, None) => String::new(),
            };
            let _ = writeln!(
                o,
                "resource \"aws_cloudwatch_event_rule\" \"{label}\" {{\n  name        = {}\n  description = {}\n{bus}{trigger}  tags        = {}\n}}\n",
                string(&rule.name),
                string(&format!(
                    "goblet app {} stage {}: runs {}",
                    config.app_name, config.stage, f.function_name
                )),
                map(&tags(config), 1),
            );
            let _ = writeln!(
                o,
                "resource \"aws_cloudwatch_event_target\" \"{label}\" {{\n  rule      = aws_cloudwatch_event_rule.{label}.name\n{bus}  target_id = {}\n  arn       = aws_lambda_function.{label}.arn\n}}\n",
                string(crate::resources::rule::TARGET_ID),
            );
            let _ = writeln!(
                o,
                "resource \"aws_lambda_permission\" \"{label}_events\" {{\n  statement_id  = {}\n  action        = \"lambda:InvokeFunction\"\n  function_name = aws_lambda_function.{label}.function_name\n  principal     = \"events.amazonaws.com\"\n  source_arn    = aws_cloudwatch_event_rule.{label}.arn\n}}\n",
                string(crate::resources::rule::PERMISSION_SID),
            );
        }
        let Some(m) = &f.mapping else { continue };
        let _ = writeln!(
            o,
            "resource \"aws_lambda_event_source_mapping\" \"{label}\" {{"
        );
        let _ = writeln!(o, "  function_name    = aws_lambda_function.{label}.arn");
        let _ = writeln!(
            o,
            "  event_source_arn = {}",
            hcl(&m.source_arn_template(), 1)
        );
        let _ = writeln!(o, "  batch_size       = {}", m.batch_size);
        if m.batching_window() > 0 {
            let _ = writeln!(
                o,
                "  maximum_batching_window_in_seconds = {}",
                m.batching_window()
            );
        }
        if let Some(position) = &m.starting_position {
            let _ = writeln!(o, "  starting_position = {}", string(position));
        }
        if !m.response_types().is_empty() {
            let types: Vec<String> = m.response_types().iter().map(|t| string(t)).collect();
            let _ = writeln!(o, "  function_response_types = [{}]", types.join(", "));
        }
        o.push_str("}\n\n");
    }
    // What an ARN made from a name is written with (see `hcl`).
    if functions
        .iter()
        .filter_map(|f| f.mapping.as_ref())
        .any(|m| m.source_arn_template().is_object())
    {
        o.push_str(
            "data \"aws_partition\" \"current\" {}\n\ndata \"aws_region\" \"current\" {}\n\n",
        );
        if manifest.external_authorizers.is_empty() {
            let _ = writeln!(o, "data \"aws_caller_identity\" \"current\" {{}}\n");
        }
    }

    let binary_types: Vec<String> = BINARY_MEDIA_TYPES.iter().map(|t| string(t)).collect();
    let policy = resource_policy(config, "execute-api:/*")
        .map(|p| format!("  policy             = {}\n", string(&p.to_string())))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "resource \"aws_api_gateway_rest_api\" \"api\" {{\n  name               = {}\n  description        = {}\n  binary_media_types = [{}]\n{policy}  tags               = {}\n\n  endpoint_configuration {{\n    types = [{}]\n  }}\n}}\n",
        string(&config.function_name),
        string(&description),
        binary_types.join(", "),
        map(&tags(config), 1),
        string(config.endpoint_type.as_str()),
    );
    let mut deployment_depends = Vec::new();
    for (kind, parameters) in gateway_responses(manifest) {
        let id = kind.to_ascii_lowercase();
        let _ = writeln!(
            o,
            "resource \"aws_api_gateway_gateway_response\" \"{id}\" {{\n  rest_api_id         = aws_api_gateway_rest_api.api.id\n  response_type       = {}\n  response_parameters = {}\n}}\n",
            string(&kind),
            map(&parameters, 1),
        );
        deployment_depends.push(format!("aws_api_gateway_gateway_response.{id}"));
    }

    let resources = api_resources(manifest);
    let ids = resource_ids(resources.iter().map(|r| r.path.as_str()).chain(["/"]));
    let resource_id = |path: &str| -> String {
        if path == "/" {
            "aws_api_gateway_rest_api.api.root_resource_id".to_owned()
        } else {
            format!("aws_api_gateway_resource.{}.id", name(&ids[path]))
        }
    };
    for r in &resources {
        let _ = writeln!(
            o,
            "resource \"aws_api_gateway_resource\" \"{}\" {{\n  rest_api_id = aws_api_gateway_rest_api.api.id\n  parent_id   = {}\n  path_part   = {}\n}}\n",
            name(&r.id),
            resource_id(&r.parent),
            string(&r.path_part),
        );
    }

    for a in &manifest.authorizers {
        let _ = write!(
            o,
            "resource \"aws_api_gateway_authorizer\" \"{}\" {{\n  rest_api_id                      = aws_api_gateway_rest_api.api.id\n  name                             = {}\n  type                             = {}\n  authorizer_uri                   = aws_lambda_alias.live.invoke_arn\n  authorizer_result_ttl_in_seconds = {}\n",
            name(&a.name),
            string(&a.name),
            string(a.kind.as_str()),
            a.ttl_seconds,
        );
        if !a.identity_sources.is_empty() {
            let _ = writeln!(
                o,
                "  identity_source                  = {}",
                string(&identity_source(a))
            );
        }
        let _ = writeln!(o, "}}\n");
    }
    for a in &manifest.cognito_authorizers {
        let pools: Vec<String> = a.provider_arns.iter().map(|p| string(p)).collect();
        let _ = writeln!(
            o,
            "resource \"aws_api_gateway_authorizer\" \"{}\" {{\n  rest_api_id                      = aws_api_gateway_rest_api.api.id\n  name                             = {}\n  type                             = \"COGNITO_USER_POOLS\"\n  provider_arns                    = [{}]\n  identity_source                  = {}\n  authorizer_result_ttl_in_seconds = {}\n}}\n",
            name(&a.name),
            string(&a.name),
            pools.join(", "),
            string(&a.identity_source),
            a.ttl_seconds,
        );
    }

    if !manifest.external_authorizers.is_empty() {
        let _ = writeln!(o, "data \"aws_caller_identity\" \"current\" {{}}\n");
    }
    for a in &manifest.external_authorizers {
        let label = name(&a.name);
        let _ = write!(
            o,
            "resource \"aws_api_gateway_authorizer\" \"{label}\" {{\n  rest_api_id                      = aws_api_gateway_rest_api.api.id\n  name                             = {}\n  type                             = {}\n  authorizer_uri                   = {}\n  authorizer_result_ttl_in_seconds = {}\n",
            string(&a.name),
            string(a.kind.as_str()),
            string(&crate::openapi::external_uri(a)),
            a.ttl_seconds,
        );
        if !a.identity_sources.is_empty() {
            let _ = writeln!(
                o,
                "  identity_source                  = {}",
                string(&a.identity_sources.join(", "))
            );
        }
        let _ = writeln!(o, "}}\n");
        // The deploying account's function lets API Gateway call it; another
        // account's owner grants that itself.
        let account = a.function().map(|f| f.account).unwrap_or_default();
        let _ = writeln!(
            o,
            "resource \"aws_lambda_permission\" \"authorizer_{label}\" {{\n  count         = data.aws_caller_identity.current.account_id == {} ? 1 : 0\n  action        = \"lambda:InvokeFunction\"\n  function_name = {}\n  principal     = \"apigateway.amazonaws.com\"\n  source_arn    = \"${{aws_api_gateway_rest_api.api.execution_arn}}/authorizers/*\"\n}}\n",
            string(&account),
            string(&a.function_arn),
        );
    }

    let methods = api_methods(manifest);
    for m in &methods {
        let id = name(&format!("{}{}", ids[&m.path], verb(&m.http_method)));
        let authorizer = m
            .authorizer
            .as_ref()
            .map(|a| {
                format!(
                    "  authorizer_id    = aws_api_gateway_authorizer.{}.id\n",
                    name(a)
                )
            })
            .unwrap_or_default();
        let scopes = if m.authorization_scopes.is_empty() {
            String::new()
        } else {
            let scopes: Vec<String> = m.authorization_scopes.iter().map(|s| string(s)).collect();
            format!("  authorization_scopes = [{}]\n", scopes.join(", "))
        };
        let authorizer = authorizer + &scopes;
        let _ = writeln!(
            o,
            "resource \"aws_api_gateway_method\" \"{id}\" {{\n  rest_api_id      = aws_api_gateway_rest_api.api.id\n  resource_id      = {}\n  http_method      = {}\n  authorization    = {}\n{authorizer}  api_key_required = {}\n}}\n",
            resource_id(&m.path),
            string(&m.http_method),
            string(&m.authorization_type),
            m.api_key_required,
        );
        let common = format!(
            "  rest_api_id = aws_api_gateway_rest_api.api.id\n  resource_id = {}\n  http_method = aws_api_gateway_method.{id}.http_method\n",
            resource_id(&m.path)
        );
        match &m.integration {
            MethodIntegration::Proxy => {
                let _ = writeln!(
                    o,
                    "resource \"aws_api_gateway_integration\" \"{id}\" {{\n{common}  type                    = \"AWS_PROXY\"\n  integration_http_method = \"POST\"\n  uri                     = aws_lambda_alias.live.invoke_arn\n}}\n"
                );
            }
            MethodIntegration::CorsMock { allow_methods } => {
                let headers = cors_mock_headers(allow_methods);
                let declared: BTreeMap<String, bool> =
                    headers.iter().map(|(k, _)| (k.clone(), false)).collect();
                let values: BTreeMap<String, String> = headers.into_iter().collect();
                let _ = writeln!(
                    o,
                    "resource \"aws_api_gateway_integration\" \"{id}\" {{\n{common}  type        = \"MOCK\"\n  content_handling = {}\n  request_templates = {{\n    \"application/json\" = {}\n  }}\n}}\n",
                    string(MOCK_CONTENT_HANDLING),
                    string(MOCK_REQUEST_TEMPLATE)
                );
                let declared = declared
                    .iter()
                    .map(|(k, v)| format!("    {} = {v}\n", string(k)))
                    .collect::<String>();
                let _ = writeln!(
                    o,
                    "resource \"aws_api_gateway_method_response\" \"{id}\" {{\n{common}  status_code = \"200\"\n  response_parameters = {{\n{declared}  }}\n}}\n"
                );
                let _ = writeln!(
                    o,
                    "resource \"aws_api_gateway_integration_response\" \"{id}\" {{\n{common}  status_code = aws_api_gateway_method_response.{id}.status_code\n  response_parameters = {}\n\n  depends_on = [aws_api_gateway_integration.{id}]\n}}\n",
                    map(&values, 1)
                );
                deployment_depends.push(format!("aws_api_gateway_integration_response.{id}"));
            }
        }
        deployment_depends.push(format!("aws_api_gateway_integration.{id}"));
    }

    let depends = deployment_depends
        .iter()
        .map(|d| format!("    {d},\n"))
        .collect::<String>();
    let _ = writeln!(
        o,
        "resource \"aws_api_gateway_deployment\" \"api\" {{\n  rest_api_id = aws_api_gateway_rest_api.api.id\n  description = {}\n\n  triggers = {{\n    redeployment = {}\n  }}\n\n  lifecycle {{\n    create_before_destroy = true\n  }}\n\n  depends_on = [\n{depends}  ]\n}}\n",
        string(&format!("goblet deploy of {}", config.app_name)),
        string(&api_hash(manifest, &methods, config)),
    );
    let _ = writeln!(
        o,
        "resource \"aws_api_gateway_stage\" \"api\" {{\n  rest_api_id   = aws_api_gateway_rest_api.api.id\n  deployment_id = aws_api_gateway_deployment.api.id\n  stage_name    = {}\n  tags          = {}\n}}\n",
        string(&config.api_gateway_stage),
        map(&tags(config), 1),
    );
    if needs_usage_plan(manifest) {
        let mut plan = format!(
            "resource \"aws_api_gateway_usage_plan\" \"api\" {{\n  name        = {}\n  description = {}\n  tags        = {}\n\n  api_stages {{\n    api_id = aws_api_gateway_rest_api.api.id\n    stage  = aws_api_gateway_stage.api.stage_name\n  }}\n",
            string(&config.function_name),
            string(&description),
            map(&tags(config), 1),
        );
        if let Some((rate, burst)) = usage_plan_throttle(config) {
            plan.push_str("\n  throttle_settings {\n");
            if let Some(rate) = rate {
                plan.push_str(&format!("    rate_limit  = {rate}\n"));
            }
            if let Some(burst) = burst {
                plan.push_str(&format!("    burst_limit = {burst}\n"));
            }
            plan.push_str("  }\n");
        }
        if let Some((limit, period)) = usage_plan_quota(config) {
            plan.push_str(&format!(
                "\n  quota_settings {{\n    limit  = {limit}\n    period = {}\n  }}\n",
                string(&period)
            ));
        }
        plan.push_str("}\n");
        let _ = writeln!(o, "{plan}");
        let keys: Vec<String> = if config.api_key_ids.is_empty() {
            let _ = writeln!(
                o,
                "resource \"aws_api_gateway_api_key\" \"api\" {{\n  name        = {}\n  description = {}\n  enabled     = true\n  tags        = {}\n}}\n",
                string(&config.function_name),
                string(&description),
                map(&tags(config), 1),
            );
            vec!["aws_api_gateway_api_key.api.id".to_owned()]
        } else {
            config.api_key_ids.iter().map(|id| string(id)).collect()
        };
        for (i, key) in keys.iter().enumerate() {
            let _ = writeln!(
                o,
                "resource \"aws_api_gateway_usage_plan_key\" \"api_{}\" {{\n  key_id        = {key}\n  key_type      = \"API_KEY\"\n  usage_plan_id = aws_api_gateway_usage_plan.api.id\n}}\n",
                i + 1
            );
        }
    }
    let _ = writeln!(
        o,
        "resource \"aws_lambda_permission\" \"api\" {{\n  statement_id  = {}\n  action        = \"lambda:InvokeFunction\"\n  function_name = aws_lambda_function.function.function_name\n  qualifier     = aws_lambda_alias.live.name\n  principal     = \"apigateway.amazonaws.com\"\n  source_arn    = \"${{aws_api_gateway_rest_api.api.execution_arn}}/*\"\n}}\n",
        string(PERMISSION_SID),
    );
    let _ = writeln!(
        o,
        "output \"invoke_url\" {{\n  description = \"The URL of the API stage\"\n  value       = \"${{aws_api_gateway_stage.api.invoke_url}}/\"\n}}\n\n\
         output \"function_name\" {{\n  value = aws_lambda_function.function.function_name\n}}\n\n\
         output \"rest_api_id\" {{\n  value = aws_api_gateway_rest_api.api.id\n}}"
    );
    out
}

/// A Terraform resource name: `UsersIdGet` → `users_id_get`; the root `""` → `root`.
pub(super) fn name(id: &str) -> String {
    if id.is_empty() {
        "root".to_owned()
    } else if id.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("r_{}", snake(id))
    } else {
        snake(id)
    }
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// One of goblet's Lambda functions in `main.tf`.
struct Lambda<'a> {
    label: &'a str,
    name: &'a str,
    handler: &'a str,
    log_group: &'a str,
    memory_mb: u32,
    timeout_s: u32,
    environment: &'a BTreeMap<String, String>,
    publish: bool,
    reserved: Option<u32>,
}

fn lambda_function(
    o: &mut String,
    f: &Lambda<'_>,
    config: &StageConfig,
    role_arn: &str,
    zip_sha256_b64: &str,
    depends: &[String],
) {
    let description = format!("goblet app {} stage {}", config.app_name, config.stage);
    let _ = writeln!(o, "resource \"aws_lambda_function\" \"{}\" {{", f.label);
    let _ = writeln!(o, "  function_name    = {}", string(f.name));
    let _ = writeln!(o, "  description      = {}", string(&description));
    let _ = writeln!(o, "  role             = {role_arn}");
    let _ = writeln!(o, "  runtime          = {}", string(RUNTIME));
    let _ = writeln!(o, "  handler          = {}", string(f.handler));
    let _ = writeln!(
        o,
        "  architectures    = [{}]",
        string(config.architecture.as_str())
    );
    let _ = writeln!(o, "  memory_size      = {}", f.memory_mb);
    let _ = writeln!(o, "  timeout          = {}", f.timeout_s);
    let _ = writeln!(o, "  filename         = \"${{path.module}}/{ZIP_FILE}\"");
    let _ = writeln!(o, "  source_code_hash = {}", string(zip_sha256_b64));
    if f.publish {
        let _ = writeln!(o, "  publish          = true");
    }
    if let Some(n) = f.reserved {
        let _ = writeln!(o, "  reserved_concurrent_executions = {n}");
    }
    let _ = writeln!(o, "  tags             = {}", map(&tags(config), 1));
    if !f.environment.is_empty() {
        let _ = writeln!(
            o,
            "\n  environment {{\n    variables = {}\n  }}",
            map(f.environment, 2)
        );
    }
    // As `goblet deploy` sends it: the format always, since the provider
    // keeps the last one it saw when the block goes away.
    let level = config
        .logging
        .application_level()
        .map(|l| format!("    application_log_level = {}\n", string(l.as_str())))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "\n  logging_config {{\n    log_format            = {}\n{level}    log_group             = {}\n  }}",
        string(config.logging.format.as_str()),
        string(f.log_group),
    );
    if !depends.is_empty() {
        let _ = writeln!(o, "\n  depends_on = [{}]", depends.join(", "));
    }
    o.push_str("}\n\n");
}

/// CloudFormation's pseudo parameters in an `Fn::Sub` ARN and the data
/// sources `main.tf` reads them from.
const PSEUDO_PARAMETERS: [(&str, &str); 3] = [
    ("AWS::Partition", "data.aws_partition.current.partition"),
    ("AWS::Region", "data.aws_region.current.name"),
    (
        "AWS::AccountId",
        "data.aws_caller_identity.current.account_id",
    ),
];

/// An `Fn::Sub` string as an HCL template: its `${AWS::…}` pseudo
/// parameters interpolated from the data sources, everything else literal.
fn sub_template(sub: &str) -> String {
    let mut out = String::from("\"");
    let literal = |out: &mut String, text: &str| {
        let quoted = string(text);
        out.push_str(&quoted[1..quoted.len() - 1]);
    };
    let mut rest = sub;
    while let Some(at) = rest.find("${") {
        literal(&mut out, &rest[..at]);
        let (param, tail) = rest[at + 2..]
            .split_once('}')
            .unwrap_or((&rest[at + 2..], ""));
        match PSEUDO_PARAMETERS.iter().find(|(p, _)| *p == param) {
            Some((_, data)) => {
                let _ = write!(out, "${{{data}}}");
            }
            None => literal(&mut out, &format!("${{{param}}}")),
        }
        rest = tail;
    }
    literal(&mut out, rest);
    out.push('"');
    out
}

/// An HCL quoted string: JSON escapes, and `${`/`%{` kept literal.
pub(super) fn string(text: &str) -> String {
    let quoted = serde_json::to_string(text).expect("strings serialize");
    quoted.replace("${", "$${").replace("%{", "%%{")
}

/// A map of strings (or bools) as an HCL object, keys quoted, sorted.
fn map<V: serde::Serialize>(entries: &BTreeMap<String, V>, indent: usize) -> String {
    let value = serde_json::to_value(entries).expect("maps serialize");
    hcl(&value, indent)
}

/// A JSON value as an HCL expression (for `jsonencode(...)` and maps).
fn hcl(value: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent + 1);
    let end = "  ".repeat(indent);
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Array(items) => {
            let mut out = "[\n".to_owned();
            for item in items {
                let _ = writeln!(out, "{pad}{},", hcl(item, indent + 1));
            }
            out.push_str(&end);
            out.push(']');
            out
        }
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        // An ARN the shared model writes for CloudFormation.
        Value::Object(map)
            if map.len() == 1 && map.get("Fn::Sub").is_some_and(Value::is_string) =>
        {
            sub_template(map["Fn::Sub"].as_str().unwrap_or_default())
        }
        Value::Object(map) => {
            let mut out = "{\n".to_owned();
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                let _ = writeln!(out, "{pad}{} = {}", string(key), hcl(&map[key], indent + 1));
            }
            out.push_str(&end);
            out.push('}');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudformation_subs_become_templates_of_the_data_sources() {
        assert_eq!(
            sub_template("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:q\"${x}%{y}"),
            "\"arn:${data.aws_partition.current.partition}:sqs:${data.aws_region.current.name}:\
             ${data.aws_caller_identity.current.account_id}:q\\\"$${x}%%{y}\""
        );
        assert_eq!(sub_template("plain"), "\"plain\"");
        assert_eq!(
            sub_template("open ${AWS::Region"),
            "\"open ${data.aws_region.current.name}\""
        );
    }

    #[test]
    fn strings_escape_templates() {
        assert_eq!(string("a\"b${c}%{d}\n"), r#""a\"b$${c}%%{d}\n""#);
        assert_eq!(name(""), "root");
        assert_eq!(name("UsersIdGet"), "users_id_get");
        assert_eq!(name("V1Get"), "v1_get");
    }
}
