//! goblet's REST API (`{app}-{stage}`, tagged): its resources, methods and
//! integrations (from the routes), its deployment and its stages.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{
    EndpointConfiguration, EndpointType, IntegrationType, Op, PatchOperation, PutMode,
};
use serde_json::Value;

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::openapi::{self, same_policy};
use crate::package::{BINARY_MEDIA_TYPES, MOCK_CONTENT_HANDLING, gateway_responses};
use crate::plan::{Action, Kind};
use crate::resources::{every_page, goblet_tags, recorded_or_ours};
use crate::state::{Deployed, RestApiRecord};
use crate::target::{
    Integration, MethodTarget, Target, account_of, alias_arn, api_arn, function_description,
    proxy_uri,
};

// Observe.

#[derive(Debug)]
pub struct ApiObs {
    pub id: String,
    /// `EDGE`, `REGIONAL` or `PRIVATE`.
    pub endpoint_type: Option<String>,
    pub resources: BTreeMap<String, ResourceObs>,
    /// The stage's current deployment; `None` when the stage does not exist.
    pub stage_deployment: Option<String>,
    /// The API's other stages: left by an earlier `api_gateway_stage`.
    pub other_stages: Vec<String>,
    pub binary_media_types: Vec<String>,
    /// The resource policy, as API Gateway returns it (parsed).
    pub policy: Option<Value>,
    /// The gateway responses set on the API (not API Gateway's defaults):
    /// response type → `responseParameters`.
    pub gateway_responses: BTreeMap<String, BTreeMap<String, String>>,
    /// The API's authorizers, by name.
    pub authorizers: BTreeMap<String, AuthorizerObs>,
}

/// An authorizer of the REST API, as `GetAuthorizers` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerObs {
    pub id: String,
    /// `TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`.
    pub kind: String,
    pub uri: String,
    /// The identity source expressions, as API Gateway keeps them
    /// (comma-separated), split and trimmed.
    pub identity_sources: Vec<String>,
    pub ttl_seconds: i32,
    /// A `COGNITO_USER_POOLS` authorizer's user pools.
    pub provider_arns: Vec<String>,
}

#[derive(Debug)]
pub struct ResourceObs {
    pub id: String,
    pub methods: BTreeMap<String, MethodObs>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodObs {
    pub authorization_type: String,
    pub api_key_required: bool,
    /// The authorizer's name (its id where the API has no authorizer of
    /// that id).
    pub authorizer: Option<String>,
    pub authorization_scopes: Vec<String>,
    pub integration: IntegrationObs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntegrationObs {
    Missing,
    Proxy {
        http_method: String,
        uri: String,
    },
    /// A MOCK; the allowed methods its 200 response sends, when it is complete
    /// (method response and integration response both there), and its
    /// `contentHandling`.
    Mock {
        allow_methods: Option<String>,
        content_handling: Option<String>,
    },
    Other(String),
}

/// A REST API as `GetRestApis` lists it.
#[derive(Debug)]
struct Listed {
    id: String,
    endpoint_type: Option<String>,
    binary_media_types: Vec<String>,
    policy: Option<Value>,
}

/// The id of the REST API goblet made for this app and stage.
pub async fn api_named(
    aws: &Aws,
    name: &str,
    app: &str,
    stage: &str,
) -> Result<Option<String>, AwsError> {
    Ok(find_api(aws, name, app, stage, None).await?.map(|l| l.id))
}

/// The recorded REST API if it still exists, else the one named `name` with
/// goblet's tags for `app` and `stage`.
async fn find_api(
    aws: &Aws,
    name: &str,
    app: &str,
    stage: &str,
    recorded: Option<&str>,
) -> Result<Option<Listed>, AwsError> {
    let apis = every_page(|position| async move {
        let page = aws
            .read_call(
                "apigateway:GET",
                "list REST APIs",
                aws.apigateway
                    .get_rest_apis()
                    .limit(500)
                    .set_position(position)
                    .send(),
            )
            .await?;
        Ok((page.items.unwrap_or_default(), page.position))
    })
    .await?;
    let listed = |api: &aws_sdk_apigateway::types::RestApi| Listed {
        id: api.id.clone().unwrap_or_default(),
        endpoint_type: api
            .endpoint_configuration
            .as_ref()
            .and_then(|c| c.types.as_ref())
            .and_then(|t| t.first().map(|t| t.as_str().to_owned())),
        binary_media_types: api.binary_media_types.clone().unwrap_or_default(),
        policy: api.policy.as_deref().and_then(parse_policy),
    };
    let chosen = recorded_or_ours(
        &apis,
        recorded,
        |api| api.id.as_deref(),
        |api| {
            let tags = api.tags.clone().unwrap_or_default().into_iter().collect();
            api.name.as_deref() == Some(name) && goblet_tags(&tags, app, stage)
        },
    );
    Ok(chosen.map(listed))
}

/// A policy as API Gateway returns it: JSON text, its quotes escaped with
/// backslashes (`{\\"Version\\":…}`) by API Gateway, or plain.
fn parse_policy(text: &str) -> Option<Value> {
    if text.is_empty() {
        return None;
    }
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&text.replace("\\\"", "\"")).ok())
        .or(Some(Value::String(text.to_owned())))
}

/// The REST API: the recorded one, else the one named and tagged for this stage.
pub async fn observe_api(
    aws: &Aws,
    target: &Target,
    recorded: Option<&str>,
) -> Result<Option<ApiObs>, AwsError> {
    let chosen = find_api(
        aws,
        &target.api_name,
        &target.app_name,
        &target.stage,
        recorded,
    )
    .await?;
    let Some(listed) = chosen else {
        return Ok(None);
    };
    let id = listed.id;
    let authorizers = observe_authorizers(aws, &id).await?;
    let mut resources = observe_resources(aws, &id).await?;
    // Methods name their authorizer by id; the plan compares names.
    for method in resources.values_mut().flat_map(|r| r.methods.values_mut()) {
        if let Some(id) = &method.authorizer
            && let Some((name, _)) = authorizers.iter().find(|(_, a)| a.id == *id)
        {
            method.authorizer = Some(name.clone());
        }
    }
    let gateway_responses = observe_gateway_responses(aws, &id).await?;
    let stages = aws
        .read_call(
            "apigateway:GET",
            format!("stages of REST API {id}"),
            aws.apigateway.get_stages().rest_api_id(&id).send(),
        )
        .await?;
    let mut stage_deployment = None;
    let mut other_stages = Vec::new();
    for stage in stages.item.unwrap_or_default() {
        let name = stage.stage_name.unwrap_or_default();
        if name == target.api_stage {
            stage_deployment = Some(stage.deployment_id.unwrap_or_default());
        } else {
            other_stages.push(name);
        }
    }
    other_stages.sort();
    Ok(Some(ApiObs {
        id,
        endpoint_type: listed.endpoint_type,
        resources,
        stage_deployment,
        other_stages,
        binary_media_types: listed.binary_media_types,
        policy: listed.policy,
        gateway_responses,
        authorizers,
    }))
}

async fn observe_authorizers(
    aws: &Aws,
    api_id: &str,
) -> Result<BTreeMap<String, AuthorizerObs>, AwsError> {
    let authorizers = every_page(|position| async move {
        let page = aws
            .read_call(
                "apigateway:GET",
                format!("authorizers of REST API {api_id}"),
                aws.apigateway
                    .get_authorizers()
                    .rest_api_id(api_id)
                    .limit(500)
                    .set_position(position)
                    .send(),
            )
            .await?;
        Ok((page.items.unwrap_or_default(), page.position))
    })
    .await?;
    Ok(authorizers
        .into_iter()
        .map(|a| {
            let identity_sources = a
                .identity_source
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            let observed = AuthorizerObs {
                id: a.id.unwrap_or_default(),
                kind: a.r#type.map(|t| t.as_str().to_owned()).unwrap_or_default(),
                uri: a.authorizer_uri.unwrap_or_default(),
                identity_sources,
                // API Gateway's default when none is set.
                ttl_seconds: a.authorizer_result_ttl_in_seconds.unwrap_or(300),
                provider_arns: a.provider_arns.unwrap_or_default(),
            };
            (a.name.unwrap_or_default(), observed)
        })
        .collect())
}

/// The gateway responses set on the API; API Gateway lists its defaults too
/// (`defaultResponse: true`), which are not anybody's settings.
async fn observe_gateway_responses(
    aws: &Aws,
    api_id: &str,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, AwsError> {
    let out = aws
        .read_call(
            "apigateway:GET",
            format!("gateway responses of REST API {api_id}"),
            aws.apigateway
                .get_gateway_responses()
                .rest_api_id(api_id)
                .limit(500)
                .send(),
        )
        .await?;
    Ok(out
        .items
        .unwrap_or_default()
        .into_iter()
        .filter(|r| !r.default_response)
        .filter_map(|r| {
            let kind = r.response_type?.as_str().to_owned();
            let parameters = r
                .response_parameters
                .unwrap_or_default()
                .into_iter()
                .collect();
            Some((kind, parameters))
        })
        .collect())
}

async fn observe_resources(
    aws: &Aws,
    api_id: &str,
) -> Result<BTreeMap<String, ResourceObs>, AwsError> {
    let resources = every_page(|position| async move {
        let page = aws
            .read_call(
                "apigateway:GET",
                format!("resources of REST API {api_id}"),
                aws.apigateway
                    .get_resources()
                    .rest_api_id(api_id)
                    .embed("methods")
                    .limit(500)
                    .set_position(position)
                    .send(),
            )
            .await?;
        Ok((page.items.unwrap_or_default(), page.position))
    })
    .await?;
    Ok(resources
        .into_iter()
        .map(|resource| {
            let methods = resource
                .resource_methods
                .unwrap_or_default()
                .into_iter()
                .map(|(name, m)| (name, method_obs(m)))
                .collect();
            let observed = ResourceObs {
                id: resource.id.unwrap_or_default(),
                methods,
            };
            (resource.path.unwrap_or_default(), observed)
        })
        .collect())
}

fn method_obs(m: aws_sdk_apigateway::types::Method) -> MethodObs {
    let method_response = m
        .method_responses
        .as_ref()
        .is_some_and(|r| r.contains_key("200"));
    MethodObs {
        authorization_type: m.authorization_type.unwrap_or_else(|| "NONE".to_owned()),
        api_key_required: m.api_key_required.unwrap_or(false),
        authorizer: m.authorizer_id,
        authorization_scopes: m.authorization_scopes.unwrap_or_default(),
        integration: integration_obs(m.method_integration, method_response),
    }
}

/// A method's integration; a MOCK is complete when the method has its 200
/// response (`method_response`) and the integration its 200 response.
fn integration_obs(
    integration: Option<aws_sdk_apigateway::types::Integration>,
    method_response: bool,
) -> IntegrationObs {
    let Some(i) = integration else {
        return IntegrationObs::Missing;
    };
    match i.r#type {
        Some(IntegrationType::AwsProxy) => IntegrationObs::Proxy {
            http_method: i.http_method.unwrap_or_default(),
            uri: i.uri.unwrap_or_default(),
        },
        Some(IntegrationType::Mock) => {
            let content_handling = i.content_handling.as_ref().map(|c| c.as_str().to_owned());
            let allow = i
                .integration_responses
                .unwrap_or_default()
                .remove("200")
                .and_then(|r| r.response_parameters)
                .and_then(|mut p| p.remove("method.response.header.Access-Control-Allow-Methods"))
                .map(|v| v.trim_matches('\'').to_owned());
            IntegrationObs::Mock {
                allow_methods: allow.filter(|_| method_response),
                content_handling,
            }
        }
        other => IntegrationObs::Other(other.map(|t| t.as_str().to_owned()).unwrap_or_default()),
    }
}

// Plan.

/// One difference between the REST API and its target, carried by the one
/// `PutRestApi` that brings the API in line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiChange {
    pub kind: Kind,
    pub description: String,
}

impl ApiChange {
    fn new(kind: Kind, description: String) -> ApiChange {
        ApiChange { kind, description }
    }
}

/// The REST API, created, or brought in line with the routes and settings by
/// one `PutRestApi` (overwrite) whatever the number of differences; `uri` is
/// the function's proxy integration URI and `policy` the wanted resource
/// policy with the API's ARN spelled out, when known.
pub fn plan(
    target: &Target,
    observed: Option<&ApiObs>,
    uri: Option<&str>,
    policy: Option<&Value>,
) -> Vec<Action> {
    let empty = BTreeMap::new();
    let mut actions = Vec::new();
    let mut changes = Vec::new();
    let existing = match observed {
        None => {
            actions.push(Action::CreateRestApi);
            &empty
        }
        Some(api) => {
            actions.extend(endpoint_type_change(target, api));
            &api.resources
        }
    };
    let wanted_paths = target.resource_paths();
    changes.extend(resource_deletions(existing, &wanted_paths));
    changes.extend(resource_creations(existing, &wanted_paths));
    let wanted_methods = target.methods();
    changes.extend(method_deletions(existing, &wanted_paths, &wanted_methods));
    changes.extend(method_puts(existing, &wanted_methods, uri));
    changes.extend(settings_changes(target, observed, policy));
    changes.extend(authorizer_changes(target, observed, uri));
    if !changes.is_empty() {
        actions.push(Action::PutRestApi { changes });
    }
    actions
}

fn endpoint_type_change(target: &Target, api: &ApiObs) -> Option<Action> {
    let old = api
        .endpoint_type
        .as_ref()
        .filter(|t| **t != target.endpoint_type)?;
    Some(Action::ChangeEndpointType {
        old: old.clone(),
        new: target.endpoint_type.clone(),
    })
}

/// API Gateway allows every change of endpoint type but PRIVATE → EDGE
/// ("Changing a private API to an edge-optimized API is not supported"):
/// refused before any change, with the way there.
pub fn check_endpoint_change(target: &Target, observed: Option<&ApiObs>) -> Result<(), String> {
    let Some(old) = observed.and_then(|a| a.endpoint_type.as_deref()) else {
        return Ok(());
    };
    if old == "PRIVATE" && target.endpoint_type == "EDGE" {
        return Err(format!(
            "the REST API {} of stage {} is PRIVATE, and API Gateway cannot change a private API \
             to EDGE: deploy with endpoint_type = \"REGIONAL\" first, then EDGE; or run \
             `goblet delete --stage {}` and deploy again (the API, and its URL, are then new)",
            target.api_name, target.stage, target.stage
        ));
    }
    Ok(())
}

/// The app's authorizers (Lambda and Cognito): created when missing,
/// changed when their type, function, identity sources, TTL or user pools
/// differ, deleted when no longer the app's.
fn authorizer_changes(
    target: &Target,
    observed: Option<&ApiObs>,
    uri: Option<&str>,
) -> Vec<ApiChange> {
    let empty = BTreeMap::new();
    let current = observed.map_or(&empty, |a| &a.authorizers);
    let wanted = wanted_authorizers(target);
    let mut out = Vec::new();
    for want in &wanted {
        let name = &want.name;
        let Some(now) = current.get(name) else {
            out.push(ApiChange::new(
                Kind::Create,
                format!(
                    "create authorizer {name} ({}, ttl {} s)",
                    want.kind, want.ttl_seconds
                ),
            ));
            continue;
        };
        let mut changes = Vec::new();
        if now.kind != want.kind {
            changes.push(format!("type {} → {}", now.kind, want.kind));
        }
        match &want.function {
            Called::StageFunction if uri.is_some_and(|u| u != now.uri) => {
                changes.push("function → this stage's".to_owned());
            }
            Called::External(wanted) if *wanted != now.uri => {
                changes.push(format!("function → {}", function_of_uri(wanted)));
            }
            _ => {}
        }
        if now.identity_sources != want.identity_sources {
            changes.push(format!(
                "identitySource {} → {}",
                now.identity_sources.join(", "),
                want.identity_sources.join(", ")
            ));
        }
        if now.ttl_seconds != want.ttl_seconds {
            changes.push(format!(
                "ttl {} s → {} s",
                now.ttl_seconds, want.ttl_seconds
            ));
        }
        let mut pools = now.provider_arns.clone();
        pools.sort();
        if pools != want.provider_arns {
            changes.push(format!(
                "providerARNs {} → {}",
                list_or_none(&now.provider_arns),
                list_or_none(&want.provider_arns)
            ));
        }
        if !changes.is_empty() {
            out.push(ApiChange::new(
                Kind::Change,
                format!("change authorizer {name} {}", changes.join(", ")),
            ));
        }
    }
    for name in current
        .keys()
        .filter(|n| !wanted.iter().any(|a| a.name == **n))
    {
        out.push(ApiChange::new(
            Kind::Delete,
            format!("delete authorizer {name}"),
        ));
    }
    out
}

/// An authorizer as the plan compares it with what API Gateway lists.
struct WantedAuthorizer {
    name: String,
    kind: String,
    function: Called,
    identity_sources: Vec<String>,
    ttl_seconds: i32,
    /// Sorted: API Gateway keeps the list as given, the order means nothing.
    provider_arns: Vec<String>,
}

/// What an authorizer calls.
enum Called {
    /// The app's authorizers: the stage's function.
    StageFunction,
    /// A configured `function_arn`: its invocation URI.
    External(String),
    /// Cognito's: nothing.
    Nothing,
}

/// The function ARN inside an invocation URI (`…/functions/{arn}/invocations`).
fn function_of_uri(uri: &str) -> &str {
    uri.split_once("/functions/")
        .map_or(uri, |(_, rest)| rest.trim_end_matches("/invocations"))
}

fn wanted_authorizers(target: &Target) -> Vec<WantedAuthorizer> {
    // The app's and the external Lambda authorizers differ only in the
    // function they call.
    let lambda = |a: &goblet_core::Authorizer, function: Called| WantedAuthorizer {
        name: a.name.clone(),
        kind: a.kind.as_str().to_owned(),
        function,
        identity_sources: a.identity_sources.clone(),
        ttl_seconds: i32::try_from(a.ttl_seconds).unwrap_or(i32::MAX),
        provider_arns: Vec::new(),
    };
    let app = target
        .manifest
        .authorizers
        .iter()
        .map(|a| lambda(a, Called::StageFunction));
    let external = target.manifest.external_authorizers.iter().map(|a| {
        lambda(
            &a.as_lambda("configuration"),
            Called::External(crate::openapi::external_uri(a)),
        )
    });
    let cognito = target
        .manifest
        .cognito_authorizers
        .iter()
        .map(|a| WantedAuthorizer {
            name: a.name.clone(),
            kind: goblet_core::AuthorizationType::CognitoUserPools
                .as_str()
                .to_owned(),
            function: Called::Nothing,
            identity_sources: vec![a.identity_source.clone()],
            ttl_seconds: i32::try_from(a.ttl_seconds).unwrap_or(i32::MAX),
            provider_arns: {
                let mut pools = a.provider_arns.clone();
                pools.sort();
                pools
            },
        });
    app.chain(cognito).chain(external).collect()
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// Resources no route needs, deepest first.
fn resource_deletions(
    existing: &BTreeMap<String, ResourceObs>,
    wanted_paths: &BTreeSet<String>,
) -> Vec<ApiChange> {
    let mut unwanted: Vec<&String> = existing
        .keys()
        .filter(|p| !wanted_paths.contains(*p))
        .collect();
    unwanted.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
    unwanted
        .into_iter()
        .map(|path| {
            let methods: Vec<&str> = existing[path].methods.keys().map(String::as_str).collect();
            let description = if methods.is_empty() {
                format!("delete resource {path}")
            } else {
                format!("delete resource {path} (methods {})", methods.join(", "))
            };
            ApiChange::new(Kind::Delete, description)
        })
        .collect()
}

/// Resources the routes need that do not exist; the root comes with the
/// REST API.
fn resource_creations(
    existing: &BTreeMap<String, ResourceObs>,
    wanted_paths: &BTreeSet<String>,
) -> Vec<ApiChange> {
    wanted_paths
        .iter()
        .filter(|path| *path != "/" && !existing.contains_key(*path))
        .map(|path| ApiChange::new(Kind::Create, format!("create resource {path}")))
        .collect()
}

/// Methods of removed routes, on resources that stay.
fn method_deletions(
    existing: &BTreeMap<String, ResourceObs>,
    wanted_paths: &BTreeSet<String>,
    wanted_methods: &BTreeMap<(String, String), MethodTarget>,
) -> Vec<ApiChange> {
    let mut changes = Vec::new();
    for (path, resource) in existing {
        if !wanted_paths.contains(path) {
            continue;
        }
        for method in resource.methods.keys() {
            if !wanted_methods.contains_key(&(path.clone(), method.clone())) {
                changes.push(ApiChange::new(
                    Kind::Delete,
                    format!("delete method {method} {path}"),
                ));
            }
        }
    }
    changes
}

/// Methods the routes need: created when missing, changed when they differ.
fn method_puts(
    existing: &BTreeMap<String, ResourceObs>,
    wanted_methods: &BTreeMap<(String, String), MethodTarget>,
    uri: Option<&str>,
) -> Vec<ApiChange> {
    let mut out = Vec::new();
    for ((path, method), wanted) in wanted_methods {
        let current = existing.get(path).and_then(|r| r.methods.get(method));
        match current {
            None => out.push(ApiChange::new(
                Kind::Create,
                format!(
                    "create method {method} {path} authorizationType {}{}{}",
                    wanted.authorization_type,
                    if wanted.api_key_required {
                        " apiKeyRequired"
                    } else {
                        ""
                    },
                    match &wanted.integration {
                        Integration::Proxy => " → function",
                        Integration::CorsMock { .. } => " (CORS preflight)",
                    }
                ),
            )),
            Some(current) => {
                let changes = method_changes(current, wanted, uri);
                if !changes.is_empty() {
                    out.push(ApiChange::new(
                        Kind::Change,
                        format!("change {method} {path} {}", changes.join(", ")),
                    ));
                }
            }
        }
    }
    out
}

/// The API's own settings: binary media types, gateway responses, policy.
fn settings_changes(
    target: &Target,
    observed: Option<&ApiObs>,
    policy: Option<&Value>,
) -> Vec<ApiChange> {
    let mut out = Vec::new();
    let wanted_types: Vec<String> = BINARY_MEDIA_TYPES.iter().map(|t| (*t).to_owned()).collect();
    // A new API is created with them.
    let current_types =
        observed.map_or_else(|| wanted_types.clone(), |a| a.binary_media_types.clone());
    if current_types != wanted_types {
        out.push(ApiChange::new(
            Kind::Change,
            format!(
                "change binaryMediaTypes [{}] → [{}]",
                current_types.join(", "),
                wanted_types.join(", ")
            ),
        ));
    }
    let empty = BTreeMap::new();
    let current = observed.map(|a| &a.gateway_responses).unwrap_or(&empty);
    let wanted = gateway_responses(&target.manifest);
    for (kind, parameters) in &wanted {
        match current.get(kind) {
            None => out.push(ApiChange::new(
                Kind::Create,
                format!("create gateway response {kind} (CORS headers)"),
            )),
            Some(now) if now != parameters => out.push(ApiChange::new(
                Kind::Change,
                format!("change gateway response {kind} (CORS headers)"),
            )),
            Some(_) => {}
        }
    }
    for kind in current.keys().filter(|k| !wanted.contains_key(*k)) {
        out.push(ApiChange::new(
            Kind::Delete,
            format!("delete gateway response {kind}"),
        ));
    }
    match (observed.and_then(|a| a.policy.as_ref()), policy) {
        (None, Some(_)) => out.push(ApiChange::new(
            Kind::Create,
            "create resource policy".to_owned(),
        )),
        (Some(now), Some(wanted)) if !same_policy(now, wanted) => out.push(ApiChange::new(
            Kind::Change,
            "change resource policy".to_owned(),
        )),
        (Some(_), None) => out.push(ApiChange::new(
            Kind::Delete,
            "delete resource policy".to_owned(),
        )),
        _ => {}
    }
    out
}

/// A deployment publishes API changes (any of `planned` that
/// [`Action::changes_api`]), including those of a killed deploy, and makes a
/// missing stage.
pub fn plan_deployment(
    observed: Option<&ApiObs>,
    state: &Deployed,
    planned: &[Action],
) -> Option<Action> {
    let stage_missing = observed.is_none_or(|a| a.stage_deployment.is_none());
    (planned.iter().any(Action::changes_api) || stage_missing || state.pending_deployment)
        .then_some(Action::CreateDeployment)
}

/// goblet owns its REST API: a stage other than the configured one is an
/// earlier `api_gateway_stage`, still serving the old routes at the old URL.
pub fn plan_stale_stages(observed: Option<&ApiObs>) -> Vec<Action> {
    observed
        .map(|api| {
            api.other_stages
                .iter()
                .map(|name| Action::DeleteStage { name: name.clone() })
                .collect()
        })
        .unwrap_or_default()
}

/// What differs between a method and its target ("authorizationType NONE → AWS_IAM").
pub(crate) fn method_changes(
    current: &MethodObs,
    wanted: &MethodTarget,
    uri: Option<&str>,
) -> Vec<String> {
    let mut changes = Vec::new();
    if current.authorization_type != wanted.authorization_type {
        changes.push(format!(
            "authorizationType {} → {}",
            current.authorization_type, wanted.authorization_type
        ));
    }
    if current.api_key_required != wanted.api_key_required {
        changes.push(format!(
            "apiKeyRequired {} → {}",
            current.api_key_required, wanted.api_key_required
        ));
    }
    if current.authorizer != wanted.authorizer {
        let name = |a: &Option<String>| a.clone().unwrap_or_else(|| "none".to_owned());
        changes.push(format!(
            "authorizer {} → {}",
            name(&current.authorizer),
            name(&wanted.authorizer)
        ));
    }
    if current.authorization_scopes != wanted.authorization_scopes {
        changes.push(format!(
            "authorizationScopes {} → {}",
            list_or_none(&current.authorization_scopes),
            list_or_none(&wanted.authorization_scopes)
        ));
    }
    let integration_ok = match (&current.integration, &wanted.integration) {
        (
            IntegrationObs::Proxy {
                http_method,
                uri: u,
            },
            Integration::Proxy,
        ) => http_method == "POST" && uri.is_none_or(|wanted| wanted == u),
        (
            IntegrationObs::Mock {
                allow_methods,
                content_handling,
            },
            Integration::CorsMock { allow_methods: a },
        ) => {
            allow_methods.as_ref() == Some(a)
                && content_handling.as_deref() == Some(MOCK_CONTENT_HANDLING)
        }
        _ => false,
    };
    if !integration_ok {
        let now = match &current.integration {
            IntegrationObs::Missing => "none".to_owned(),
            IntegrationObs::Proxy { .. } => "AWS_PROXY (other function)".to_owned(),
            IntegrationObs::Mock { .. } => "MOCK (incomplete, other methods or binary)".to_owned(),
            IntegrationObs::Other(t) => t.clone(),
        };
        let new = match &wanted.integration {
            Integration::Proxy => "AWS_PROXY".to_owned(),
            Integration::CorsMock { allow_methods } => format!("MOCK ({allow_methods})"),
        };
        changes.push(format!("integration {now} → {new}"));
    }
    changes
}

// Apply.

impl Apply<'_> {
    pub(crate) async fn delete_stage(&mut self, name: &str) -> Result<(), DeployError> {
        let aws = self.aws;
        let api = self.api_id()?;
        found(
            aws.write_call(
                "apigateway:DELETE",
                format!("stage {name}"),
                aws.apigateway
                    .delete_stage()
                    .rest_api_id(&api)
                    .stage_name(name)
                    .send(),
            )
            .await,
        )?;
        Ok(())
    }

    pub(crate) async fn change_endpoint_type(
        &mut self,
        old: &str,
        new: &str,
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        let api = self.api_id()?;
        aws.write_call(
            "apigateway:PATCH",
            format!("REST API {api}"),
            aws.apigateway
                .update_rest_api()
                .rest_api_id(&api)
                .patch_operations(
                    PatchOperation::builder()
                        .op(Op::Replace)
                        .path(format!("/endpointConfiguration/types/{old}"))
                        .value(new)
                        .build(),
                )
                .send(),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn create_rest_api(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let endpoint = EndpointType::from(t.endpoint_type.as_str());
        let policy = t.resource_policy.as_ref().map(Value::to_string);
        let out = aws
            .quota_call(
                "apigateway:POST",
                format!("create REST API {}", t.api_name),
                || {
                    aws.apigateway
                        .create_rest_api()
                        .name(&t.api_name)
                        .description(function_description(&t.app_name, &t.stage))
                        .endpoint_configuration(
                            EndpointConfiguration::builder()
                                .types(endpoint.clone())
                                .build(),
                        )
                        .set_binary_media_types(Some(
                            BINARY_MEDIA_TYPES.iter().map(|t| (*t).to_owned()).collect(),
                        ))
                        .set_policy(policy.clone())
                        .set_tags(Some(t.tags.clone().into_iter().collect()))
                        .send()
                },
            )
            .await?;
        let id = out.id.unwrap_or_default();
        self.state.rest_api = Some(RestApiRecord {
            id: id.clone(),
            name: t.api_name.clone(),
        });
        self.save()?;
        self.api_id = Some(id);
        Ok(())
    }

    /// The whole API in one call: its resources, methods, integrations and
    /// settings, from [`openapi::document`].
    pub(crate) async fn put_rest_api(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let api = self.api_id()?;
        let function_arn = self.function_arn()?;
        let uri = proxy_uri(&aws.region, &alias_arn(&function_arn));
        let policy = match (&t.resource_policy, account_of(&function_arn)) {
            (Some(policy), Some(account)) => Some(openapi::expand_policy(
                policy,
                &api_arn(&aws.region, account, &api),
            )),
            (policy, _) => policy.clone(),
        };
        let document = openapi::document(t, &uri, policy.as_ref());
        let body = serde_json::to_vec(&document).expect("the document serializes");
        aws.quota_call(
            "apigateway:PUT",
            format!("put REST API {api} definition"),
            || {
                aws.apigateway
                    .put_rest_api()
                    .rest_api_id(&api)
                    .mode(PutMode::Overwrite)
                    .fail_on_warnings(true)
                    .body(Blob::new(body.clone()))
                    .send()
            },
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn create_deployment(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let api = self.api_id()?;
        let out = aws
            .quota_call(
                "apigateway:POST",
                format!("create deployment to stage {}", t.api_stage),
                || {
                    aws.apigateway
                        .create_deployment()
                        .rest_api_id(&api)
                        .stage_name(&t.api_stage)
                        .description(format!("goblet deploy of {}", t.app_name))
                        .send()
                },
            )
            .await?;
        self.state.pending_deployment = false;
        self.state.deployment_id = out.id;
        self.save()?;
        Ok(())
    }
}
