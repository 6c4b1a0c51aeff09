//! The REST API as one OpenAPI 3.0 document with API Gateway's extensions:
//! what a deploy sends with one `PutRestApi` (mode `overwrite`), so that the
//! number of API Gateway calls of a deploy does not grow with its routes
//! (API Gateway's control plane allows 10 requests a second per account,
//! `CreateResource` 5; a call per resource and method made a 400-route app
//! wait minutes).
//!
//! The document says everything `goblet package` says of the API: resources
//! (by their paths), methods with their authorization and API-key setting,
//! the proxy and preflight integrations, the binary media types, the gateway
//! responses and the resource policy.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::package::{
    ApiMethod, BINARY_MEDIA_TYPES, MOCK_CONTENT_HANDLING, MOCK_REQUEST_TEMPLATE, MethodIntegration,
    api_methods, cors_mock_headers, gateway_responses, identity_source,
};
use crate::target::{Target, function_description, proxy_uri};

/// The security scheme of `AWS_IAM` methods (SigV4).
pub const SIGV4_SCHEME: &str = "sigv4";
/// The security scheme of methods that need an API key (`x-api-key` header).
pub const API_KEY_SCHEME: &str = "api_key";
/// The operation name API Gateway reads as its `ANY` method.
pub const ANY_METHOD: &str = "x-amazon-apigateway-any-method";

/// The document for `target`, its proxy integrations and its Lambda
/// authorizers calling `uri` (the app's function answers both), and its
/// resource policy `policy` (already naming the API's ARN).
pub fn document(target: &Target, uri: &str, policy: Option<&Value>) -> Value {
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for method in api_methods(&target.manifest) {
        let operation = operation(&method, uri);
        paths
            .entry(method.path.clone())
            .or_default()
            .insert(operation_name(&method.http_method), operation);
    }
    let mut schemes = json!({
        SIGV4_SCHEME: {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
        },
        API_KEY_SCHEME: {"type": "apiKey", "name": "x-api-key", "in": "header"},
    });
    for authorizer in &target.manifest.authorizers {
        schemes[authorizer.name.as_str()] = authorizer_scheme(authorizer, uri);
    }
    for authorizer in &target.manifest.cognito_authorizers {
        schemes[authorizer.name.as_str()] = user_pool_scheme(authorizer);
    }
    for authorizer in &target.manifest.external_authorizers {
        schemes[authorizer.name.as_str()] = authorizer_scheme(
            &authorizer.as_lambda("configuration"),
            &external_uri(authorizer),
        );
    }
    let mut doc = json!({
        "openapi": "3.0.1",
        "info": {
            "title": target.api_name,
            "description": function_description(&target.app_name, &target.stage),
            "version": target.manifest.goblet_version,
        },
        "paths": paths,
        "components": {"securitySchemes": schemes},
        "x-amazon-apigateway-binary-media-types": BINARY_MEDIA_TYPES,
        "x-amazon-apigateway-api-key-source": "HEADER",
    });
    let responses = gateway_responses(&target.manifest);
    if !responses.is_empty() {
        let responses: Map<String, Value> = responses
            .into_iter()
            .map(|(kind, parameters)| (kind, json!({"responseParameters": parameters})))
            .collect();
        doc["x-amazon-apigateway-gateway-responses"] = Value::Object(responses);
    }
    if let Some(policy) = policy {
        doc["x-amazon-apigateway-policy"] = policy.clone();
    }
    doc
}

/// A Lambda authorizer as API Gateway imports it: an `apiKey` scheme of
/// auth type `custom`. A TOKEN authorizer's scheme names its header; a
/// REQUEST authorizer's reads several sources, and the scheme's own header
/// is not used.
fn authorizer_scheme(authorizer: &goblet_core::Authorizer, uri: &str) -> Value {
    let header = match authorizer.sources().next() {
        Some(goblet_core::IdentitySource::Header(name))
            if authorizer.kind == goblet_core::AuthorizerKind::Token =>
        {
            name
        }
        _ => "Unused".to_owned(),
    };
    let mut settings = json!({
        "type": authorizer.kind.as_str().to_ascii_lowercase(),
        "authorizerUri": uri,
        "authorizerResultTtlInSeconds": authorizer.ttl_seconds,
    });
    if !authorizer.identity_sources.is_empty() {
        settings["identitySource"] = json!(identity_source(authorizer));
    }
    json!({
        "type": "apiKey",
        "name": header,
        "in": "header",
        "x-amazon-apigateway-authtype": "custom",
        "x-amazon-apigateway-authorizer": settings,
    })
}

/// What API Gateway calls for an external authorizer: its own function,
/// through Lambda in the function's region.
pub fn external_uri(authorizer: &goblet_core::ExternalAuthorizer) -> String {
    let region = authorizer.function().map(|f| f.region).unwrap_or_default();
    proxy_uri(&region, &authorizer.function_arn)
}

/// A Cognito user pool authorizer as API Gateway imports it: an `apiKey`
/// scheme of auth type `cognito_user_pools`. The scheme's header is the
/// identity source (`identitySource` is for Lambda and JWT authorizers).
fn user_pool_scheme(authorizer: &goblet_core::CognitoAuthorizer) -> Value {
    json!({
        "type": "apiKey",
        "name": authorizer.header(),
        "in": "header",
        "x-amazon-apigateway-authtype": "cognito_user_pools",
        "x-amazon-apigateway-authorizer": {
            "type": "cognito_user_pools",
            "providerARNs": authorizer.provider_arns,
            "authorizerResultTtlInSeconds": authorizer.ttl_seconds,
        },
    })
}

/// `get`, …, and API Gateway's extension for `ANY`.
pub fn operation_name(http_method: &str) -> String {
    if http_method == "ANY" {
        ANY_METHOD.to_owned()
    } else {
        http_method.to_ascii_lowercase()
    }
}

fn operation(method: &ApiMethod, uri: &str) -> Value {
    let mut op = Map::new();
    let parameters: Vec<Value> = path_parameters(&method.path)
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
        })
        .collect();
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    let mut requirement = Map::new();
    if method.authorization_type == "AWS_IAM" {
        requirement.insert(SIGV4_SCHEME.into(), json!([]));
    }
    if method.api_key_required {
        requirement.insert(API_KEY_SCHEME.into(), json!([]));
    }
    if let Some(authorizer) = &method.authorizer {
        // A Cognito method's scopes are its requirement's: the import makes
        // them the method's `authorizationScopes`.
        requirement.insert(authorizer.clone(), json!(method.authorization_scopes));
    }
    if !requirement.is_empty() {
        // One requirement object: every scheme in it must be met.
        op.insert("security".into(), json!([requirement]));
    }
    match &method.integration {
        MethodIntegration::Proxy => {
            op.insert(
                "responses".into(),
                json!({"default": {"description": "The function's response"}}),
            );
            op.insert(
                "x-amazon-apigateway-integration".into(),
                json!({
                    "type": "aws_proxy",
                    "httpMethod": "POST",
                    "uri": uri,
                    "passthroughBehavior": "when_no_match",
                }),
            );
        }
        MethodIntegration::CorsMock { allow_methods } => {
            let headers = cors_mock_headers(allow_methods);
            let declared: Map<String, Value> = headers
                .iter()
                .map(|(k, _)| {
                    let name = k.trim_start_matches("method.response.header.");
                    (name.to_owned(), json!({"schema": {"type": "string"}}))
                })
                .collect();
            let values: Map<String, Value> =
                headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            op.insert(
                "responses".into(),
                json!({"200": {"description": "CORS preflight", "headers": declared}}),
            );
            op.insert(
                "x-amazon-apigateway-integration".into(),
                json!({
                    "type": "mock",
                    "requestTemplates": {"application/json": MOCK_REQUEST_TEMPLATE},
                    "passthroughBehavior": "when_no_match",
                    "contentHandling": MOCK_CONTENT_HANDLING,
                    "responses": {"default": {"statusCode": "200", "responseParameters": values}},
                }),
            );
        }
    }
    Value::Object(op)
}

/// The names of a path's `{param}` and `{param+}` segments, as API Gateway
/// exports them (`proxy` for `{proxy+}`).
fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|segment| {
        let name = segment.strip_prefix('{')?.strip_suffix('}')?;
        Some(name.strip_suffix('+').unwrap_or(name))
    })
}

/// `policy` with API Gateway's short resource form (`execute-api:/*`, as the
/// console and templates write it) spelled out as the ARN of API `api_arn`
/// (`arn:aws:execute-api:us-east-1:123456789012:abc123`), which is what
/// API Gateway stores and returns, so that an unchanged policy compares equal.
pub fn expand_policy(policy: &Value, api_arn: &str) -> Value {
    match policy {
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| expand_policy(v, api_arn)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if k == "Resource" || k == "NotResource" {
                        expand_resources(v, api_arn)
                    } else {
                        expand_policy(v, api_arn)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A statement's `Resource`: a string or a list of them.
fn expand_resources(value: &Value, api_arn: &str) -> Value {
    match value {
        Value::String(s) => match s.strip_prefix("execute-api:") {
            Some(rest) => Value::String(format!("{api_arn}{rest}")),
            None => value.clone(),
        },
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| expand_resources(v, api_arn)).collect())
        }
        other => other.clone(),
    }
}

/// Whether two policy documents say the same: IAM reads a one-element list
/// as its element, and stores policies without insignificant whitespace.
pub fn same_policy(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

fn normalize(value: &Value) -> Value {
    match value {
        Value::Array(items) if items.len() == 1 => normalize(&items[0]),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::tests_support::target_with;
    use goblet_core::{AuthorizationType, Method};

    #[test]
    fn every_route_setting_is_in_the_document() {
        let t = target_with(&[
            ("/", Method::Get, AuthorizationType::AwsIam, false, false),
            ("/keyed", Method::Post, AuthorizationType::None, true, false),
            ("/both", Method::Put, AuthorizationType::AwsIam, true, false),
            (
                "/files/{path+}",
                Method::Any,
                AuthorizationType::None,
                false,
                true,
            ),
            (
                "/users/{id}",
                Method::Get,
                AuthorizationType::None,
                false,
                false,
            ),
        ]);
        let doc = document(&t, "arn:uri", None);
        let paths = &doc["paths"];
        assert_eq!(paths["/"]["get"]["security"], json!([{"sigv4": []}]));
        assert_eq!(
            paths["/keyed"]["post"]["security"],
            json!([{"api_key": []}])
        );
        assert_eq!(
            paths["/both"]["put"]["security"],
            json!([{"api_key": [], "sigv4": []}])
        );
        assert!(paths["/users/{id}"]["get"].get("security").is_none());
        assert_eq!(
            paths["/users/{id}"]["get"]["parameters"][0]["name"],
            json!("id")
        );
        let any = &paths["/files/{path+}"][ANY_METHOD];
        assert_eq!(any["parameters"][0]["name"], json!("path"));
        assert_eq!(any["x-amazon-apigateway-integration"]["type"], "aws_proxy");
        assert_eq!(any["x-amazon-apigateway-integration"]["uri"], "arn:uri");
        assert_eq!(any["x-amazon-apigateway-integration"]["httpMethod"], "POST");
        // The CORS route's resource gets its preflight mock, text-only.
        let options = &paths["/files/{path+}"]["options"]["x-amazon-apigateway-integration"];
        assert_eq!(options["type"], "mock");
        assert_eq!(options["contentHandling"], "CONVERT_TO_TEXT");
        assert_eq!(
            options["responses"]["default"]["responseParameters"]["method.response.header.Access-Control-Allow-Origin"],
            "'*'"
        );
        assert_eq!(
            doc["x-amazon-apigateway-binary-media-types"],
            json!(["*/*"])
        );
        assert!(
            doc["x-amazon-apigateway-gateway-responses"]["DEFAULT_4XX"]["responseParameters"]
                ["gatewayresponse.header.Access-Control-Allow-Origin"]
                .is_string()
        );
        assert!(doc.get("x-amazon-apigateway-policy").is_none());
    }

    #[test]
    fn lambda_authorizers_are_custom_schemes_calling_the_function() {
        let t = crate::target::tests_support::target_with_authorizers(300);
        let doc = document(&t, "arn:uri", None);
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(
            schemes["tokens"],
            json!({
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "token",
                    "authorizerUri": "arn:uri",
                    "authorizerResultTtlInSeconds": 300,
                    "identitySource": "method.request.header.Authorization",
                },
            })
        );
        let tenants = &schemes["tenants"]["x-amazon-apigateway-authorizer"];
        assert_eq!(tenants["type"], "request");
        assert_eq!(tenants["authorizerResultTtlInSeconds"], 0);
        assert_eq!(
            tenants["identitySource"],
            "method.request.header.X-Tenant, method.request.querystring.key"
        );
        assert!(schemes["sigv4"].is_object() && schemes["api_key"].is_object());
        let paths = &doc["paths"];
        assert_eq!(paths["/orders"]["get"]["security"], json!([{"tokens": []}]));
        assert_eq!(
            paths["/tenants"]["get"]["security"],
            json!([{"tenants": []}])
        );
        assert!(paths["/"]["get"].get("security").is_none());
    }

    #[test]
    fn user_pool_authorizers_are_cognito_schemes_with_the_methods_scopes() {
        let t = crate::target::tests_support::target_with_user_pool();
        let doc = document(&t, "arn:uri", None);
        assert_eq!(
            doc["components"]["securitySchemes"]["users"],
            json!({
                "type": "apiKey",
                "name": "X-Token",
                "in": "header",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": {
                    "type": "cognito_user_pools",
                    "providerARNs": [crate::target::tests_support::POOL_ARN],
                    "authorizerResultTtlInSeconds": 300,
                },
            })
        );
        let paths = &doc["paths"];
        assert_eq!(paths["/me"]["get"]["security"], json!([{"users": []}]));
        assert_eq!(
            paths["/reports"]["get"]["security"],
            json!([{"users": ["reports/read", "reports/all"]}])
        );
    }

    #[test]
    fn no_cors_route_no_gateway_responses() {
        let t = target_with(&[("/", Method::Get, AuthorizationType::None, false, false)]);
        let doc = document(&t, "u", Some(&json!({"Statement": []})));
        assert!(doc.get("x-amazon-apigateway-gateway-responses").is_none());
        assert_eq!(doc["x-amazon-apigateway-policy"], json!({"Statement": []}));
    }

    #[test]
    fn policies_compare_as_api_gateway_stores_them() {
        let arn = "arn:aws:execute-api:us-east-1:123456789012:abc";
        let short = json!({"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1"]}}}]});
        let stored = json!({"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
            "Resource": format!("{arn}/*"),
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}]});
        assert!(same_policy(&expand_policy(&short, arn), &stored));
        assert!(!same_policy(&short, &stored));
        let other = json!({"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
            "Resource": format!("{arn}/*"),
            "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}}]});
        assert!(!same_policy(&expand_policy(&short, arn), &other));
    }
}
