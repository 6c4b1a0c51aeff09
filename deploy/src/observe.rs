//! What exists on AWS now, found by the record and by deterministic names and
//! tags (role and function name, REST API name and tags, resources by path,
//! permission by statement id). Reads only.

use std::collections::BTreeMap;

use aws_sdk_apigateway::types::IntegrationType;

use crate::aws::{Aws, AwsError};
pub use crate::resources::function::FunctionObs;
pub use crate::resources::role::RoleObs;
use crate::resources::{function, goblet_tags, log_group, permission, role};
use crate::state::Deployed;
use crate::target::{RoleTarget, Target};

#[derive(Debug, Default)]
pub struct Observed {
    pub role: Option<RoleObs>,
    pub function: Option<FunctionObs>,
    /// The function's log group and its retention, when looked at.
    pub log_group: Option<Option<i32>>,
    /// goblet's invoke permission: its `SourceArn`.
    pub permission: Option<Option<String>>,
    pub api: Option<ApiObs>,
}

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
    /// (method response and integration response both there).
    Mock {
        allow_methods: Option<String>,
    },
    Other(String),
}

/// Looks at everything the target may already have on AWS.
pub async fn observe(aws: &Aws, target: &Target, state: &Deployed) -> Result<Observed, AwsError> {
    let mut out = Observed::default();
    if let RoleTarget::Managed { name, .. } = &target.role {
        out.role = role::observe_role(aws, name).await?;
    }
    out.function = function::observe_function(aws, &target.function_name).await?;
    if out.function.is_some() {
        out.permission = Some(permission::observe_permission(aws, &target.function_name).await?);
    }
    if target.log_retention_days.is_some() || state.log_group.is_some() {
        out.log_group =
            log_group::observe_log_group(aws, &log_group::log_group_name(&target.function_name))
                .await?;
    }
    let api_id = state.rest_api.as_ref().map(|r| r.id.as_str());
    out.api = observe_api(aws, target, api_id).await?;
    Ok(out)
}

/// The id of the REST API goblet made for this app and stage.
pub async fn api_named(
    aws: &Aws,
    name: &str,
    app: &str,
    stage: &str,
) -> Result<Option<String>, AwsError> {
    Ok(find_api(aws, name, app, stage, None)
        .await?
        .map(|(id, _)| id))
}

/// The recorded REST API if it still exists, else the one named `name` with
/// goblet's tags for `app` and `stage`: its id and endpoint type.
async fn find_api(
    aws: &Aws,
    name: &str,
    app: &str,
    stage: &str,
    recorded: Option<&str>,
) -> Result<Option<(String, Option<String>)>, AwsError> {
    let mut position = None;
    let mut chosen = None;
    loop {
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
        for api in page.items.unwrap_or_default() {
            let id = api.id.clone().unwrap_or_default();
            let tags = api.tags.unwrap_or_default().into_iter().collect();
            let ours = api.name.as_deref() == Some(name) && goblet_tags(&tags, app, stage);
            let endpoint_type = api
                .endpoint_configuration
                .and_then(|c| c.types)
                .and_then(|t| t.first().map(|t| t.as_str().to_owned()));
            if Some(id.as_str()) == recorded {
                chosen = Some((id, endpoint_type));
                break;
            }
            if ours && chosen.is_none() {
                chosen = Some((id, endpoint_type));
            }
        }
        position = page.position;
        if position.is_none()
            || chosen
                .as_ref()
                .is_some_and(|(c, _)| Some(c.as_str()) == recorded)
        {
            break;
        }
    }
    Ok(chosen)
}

/// The REST API: the recorded one, else the one named and tagged for this stage.
async fn observe_api(
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
    let Some((id, endpoint_type)) = chosen else {
        return Ok(None);
    };
    let resources = observe_resources(aws, &id).await?;
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
        endpoint_type,
        resources,
        stage_deployment,
        other_stages,
    }))
}

async fn observe_resources(
    aws: &Aws,
    api_id: &str,
) -> Result<BTreeMap<String, ResourceObs>, AwsError> {
    let mut out = BTreeMap::new();
    let mut position = None;
    loop {
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
        for resource in page.items.unwrap_or_default() {
            let methods = resource
                .resource_methods
                .unwrap_or_default()
                .into_iter()
                .map(|(name, m)| {
                    let integration = match m.method_integration {
                        None => IntegrationObs::Missing,
                        Some(i) => match i.r#type {
                            Some(IntegrationType::AwsProxy) => IntegrationObs::Proxy {
                                http_method: i.http_method.unwrap_or_default(),
                                uri: i.uri.unwrap_or_default(),
                            },
                            Some(IntegrationType::Mock) => {
                                let method_response = m
                                    .method_responses
                                    .as_ref()
                                    .is_some_and(|r| r.contains_key("200"));
                                let allow = i
                                    .integration_responses
                                    .unwrap_or_default()
                                    .remove("200")
                                    .and_then(|r| r.response_parameters)
                                    .and_then(|mut p| {
                                        p.remove("method.response.header.Access-Control-Allow-Methods")
                                    })
                                    .map(|v| v.trim_matches('\'').to_owned());
                                IntegrationObs::Mock {
                                    allow_methods: allow.filter(|_| method_response),
                                }
                            }
                            other => IntegrationObs::Other(
                                other.map(|t| t.as_str().to_owned()).unwrap_or_default(),
                            ),
                        },
                    };
                    let obs = MethodObs {
                        authorization_type: m
                            .authorization_type
                            .unwrap_or_else(|| "NONE".to_owned()),
                        api_key_required: m.api_key_required.unwrap_or(false),
                        integration,
                    };
                    (name, obs)
                })
                .collect();
            out.insert(
                resource.path.unwrap_or_default(),
                ResourceObs {
                    id: resource.id.unwrap_or_default(),
                    methods,
                },
            );
        }
        position = page.position;
        if position.is_none() {
            break;
        }
    }
    Ok(out)
}
