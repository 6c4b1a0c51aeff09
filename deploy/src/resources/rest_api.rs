//! goblet's REST API (`{app}-{stage}`, tagged): its resources, methods and
//! integrations (from the routes), its deployment and its stages.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_apigateway::types::{
    EndpointConfiguration, EndpointType, IntegrationType, Op, PatchOperation,
};

use crate::DeployError;
use crate::apply::Apply;
use crate::aws::{Aws, AwsError, found};
use crate::plan::Action;
use crate::resources::goblet_tags;
use crate::state::{Deployed, RestApiRecord};
use crate::target::{
    Integration, MOCK_REQUEST_TEMPLATE, MethodTarget, Target, cors_mock_headers,
    function_description, proxy_uri,
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
                .map(|(name, m)| (name, method_obs(m)))
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

fn method_obs(m: aws_sdk_apigateway::types::Method) -> MethodObs {
    let method_response = m
        .method_responses
        .as_ref()
        .is_some_and(|r| r.contains_key("200"));
    MethodObs {
        authorization_type: m.authorization_type.unwrap_or_else(|| "NONE".to_owned()),
        api_key_required: m.api_key_required.unwrap_or(false),
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
            let allow = i
                .integration_responses
                .unwrap_or_default()
                .remove("200")
                .and_then(|r| r.response_parameters)
                .and_then(|mut p| p.remove("method.response.header.Access-Control-Allow-Methods"))
                .map(|v| v.trim_matches('\'').to_owned());
            IntegrationObs::Mock {
                allow_methods: allow.filter(|_| method_response),
            }
        }
        other => IntegrationObs::Other(other.map(|t| t.as_str().to_owned()).unwrap_or_default()),
    }
}

// Plan.

/// The REST API, its resources and its methods: created, or brought in line
/// with the routes. Unwanted resources are deleted (children before their
/// parents) before anything is created: API Gateway allows one `{param}`
/// sibling, so `/users/{id}` must be gone before `/users/{user_id}` can be
/// made. (Real API Gateway deletes a resource's subtree with it; moto leaves
/// the children behind, dangling. Leaves first is right on both.) `uri` is
/// the function's proxy integration URI, when known.
pub fn plan(target: &Target, observed: Option<&ApiObs>, uri: Option<&str>) -> Vec<Action> {
    let empty = BTreeMap::new();
    let mut actions = Vec::new();
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
    actions.extend(resource_deletions(existing, &wanted_paths));
    actions.extend(resource_creations(existing, &wanted_paths));
    let wanted_methods = target.methods();
    actions.extend(method_deletions(existing, &wanted_paths, &wanted_methods));
    actions.extend(method_puts(existing, &wanted_methods, uri));
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

/// Resources no route needs, deepest first.
fn resource_deletions(
    existing: &BTreeMap<String, ResourceObs>,
    wanted_paths: &BTreeSet<String>,
) -> Vec<Action> {
    let mut unwanted: Vec<&String> = existing
        .keys()
        .filter(|p| !wanted_paths.contains(*p))
        .collect();
    unwanted.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
    unwanted
        .into_iter()
        .map(|path| Action::DeleteResource {
            path: path.clone(),
            methods: existing[path].methods.keys().cloned().collect(),
        })
        .collect()
}

/// Resources the routes need that do not exist; the root comes with the
/// REST API.
fn resource_creations(
    existing: &BTreeMap<String, ResourceObs>,
    wanted_paths: &BTreeSet<String>,
) -> Vec<Action> {
    wanted_paths
        .iter()
        .filter(|path| *path != "/" && !existing.contains_key(*path))
        .map(|path| Action::CreateResource { path: path.clone() })
        .collect()
}

/// Methods of removed routes, on resources that stay.
fn method_deletions(
    existing: &BTreeMap<String, ResourceObs>,
    wanted_paths: &BTreeSet<String>,
    wanted_methods: &BTreeMap<(String, String), MethodTarget>,
) -> Vec<Action> {
    let mut actions = Vec::new();
    for (path, resource) in existing {
        if !wanted_paths.contains(path) {
            continue;
        }
        for method in resource.methods.keys() {
            if !wanted_methods.contains_key(&(path.clone(), method.clone())) {
                actions.push(Action::DeleteMethod {
                    path: path.clone(),
                    method: method.clone(),
                });
            }
        }
    }
    actions
}

/// Methods the routes need: put when missing, replaced when they differ.
fn method_puts(
    existing: &BTreeMap<String, ResourceObs>,
    wanted_methods: &BTreeMap<(String, String), MethodTarget>,
    uri: Option<&str>,
) -> Vec<Action> {
    let mut actions = Vec::new();
    for ((path, method), wanted) in wanted_methods {
        let current = existing.get(path).and_then(|r| r.methods.get(method));
        match current {
            None => actions.push(Action::PutMethod {
                path: path.clone(),
                method: method.clone(),
                target: wanted.clone(),
            }),
            Some(current) => {
                let changes = method_changes(current, wanted, uri);
                if !changes.is_empty() {
                    actions.push(Action::ReplaceMethod {
                        path: path.clone(),
                        method: method.clone(),
                        target: wanted.clone(),
                        changes,
                    });
                }
            }
        }
    }
    actions
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
    let integration_ok = match (&current.integration, &wanted.integration) {
        (
            IntegrationObs::Proxy {
                http_method,
                uri: u,
            },
            Integration::Proxy,
        ) => http_method == "POST" && uri.is_none_or(|wanted| wanted == u),
        (IntegrationObs::Mock { allow_methods }, Integration::CorsMock { allow_methods: a }) => {
            allow_methods.as_ref() == Some(a)
        }
        _ => false,
    };
    if !integration_ok {
        let now = match &current.integration {
            IntegrationObs::Missing => "none".to_owned(),
            IntegrationObs::Proxy { .. } => "AWS_PROXY (other function)".to_owned(),
            IntegrationObs::Mock { .. } => "MOCK (incomplete or other methods)".to_owned(),
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
        let out = aws
            .write_call(
                "apigateway:POST",
                format!("create REST API {}", t.api_name),
                aws.apigateway
                    .create_rest_api()
                    .name(&t.api_name)
                    .description(function_description(&t.app_name, &t.stage))
                    .endpoint_configuration(
                        EndpointConfiguration::builder().types(endpoint).build(),
                    )
                    .set_tags(Some(t.tags.clone().into_iter().collect()))
                    .send(),
            )
            .await?;
        let id = out.id.unwrap_or_default();
        self.state.rest_api = Some(RestApiRecord {
            id: id.clone(),
            name: t.api_name.clone(),
        });
        self.save()?;
        if let Some(root) = out.root_resource_id {
            self.resource_ids.insert("/".to_owned(), root);
        }
        self.api_id = Some(id);
        Ok(())
    }

    pub(crate) async fn create_resource(&mut self, path: &str) -> Result<(), DeployError> {
        let aws = self.aws;
        let api = self.api_id()?;
        if path == "/" {
            // Every REST API has its root; CreateRestApi reports its id.
            if !self.resource_ids.contains_key("/") {
                return Err(DeployError::Inconsistent(format!(
                    "REST API {api} has no root resource"
                )));
            }
            return Ok(());
        }
        let (parent, part) = path.rsplit_once('/').expect("paths start with /");
        let parent = if parent.is_empty() { "/" } else { parent };
        let parent_id =
            self.resource_ids.get(parent).cloned().ok_or_else(|| {
                DeployError::Inconsistent(format!("no resource {parent} for {path}"))
            })?;
        let out = aws
            .write_call(
                "apigateway:POST",
                format!("create resource {path}"),
                aws.apigateway
                    .create_resource()
                    .rest_api_id(&api)
                    .parent_id(parent_id)
                    .path_part(part)
                    .send(),
            )
            .await?;
        self.resource_ids
            .insert(path.to_owned(), out.id.unwrap_or_default());
        Ok(())
    }

    pub(crate) async fn delete_resource(&mut self, path: &str) -> Result<(), DeployError> {
        let aws = self.aws;
        let api = self.api_id()?;
        let id = self.resource_id(path)?;
        found(
            aws.write_call(
                "apigateway:DELETE",
                format!("delete resource {path}"),
                aws.apigateway
                    .delete_resource()
                    .rest_api_id(&api)
                    .resource_id(id)
                    .send(),
            )
            .await,
        )?;
        self.resource_ids.remove(path);
        Ok(())
    }

    pub(crate) async fn replace_method(
        &mut self,
        path: &str,
        method: &str,
        target: &MethodTarget,
    ) -> Result<(), DeployError> {
        // API Gateway's update_method/update_integration (PATCH) would do
        // this in place, but moto lacks them (500 NotImplemented). Delete +
        // put + integration works on both, and callers only see the
        // method change at the next deployment, so it is never half-done
        // for them.
        self.delete_method(path, method).await?;
        self.put_method(path, method, target).await?;
        Ok(())
    }

    pub(crate) async fn create_deployment(&mut self) -> Result<(), DeployError> {
        let (aws, t) = (self.aws, self.target);
        let api = self.api_id()?;
        let out = aws
            .write_call(
                "apigateway:POST",
                format!("create deployment to stage {}", t.api_stage),
                aws.apigateway
                    .create_deployment()
                    .rest_api_id(&api)
                    .stage_name(&t.api_stage)
                    .description(format!("goblet deploy of {}", t.app_name))
                    .send(),
            )
            .await?;
        self.state.pending_deployment = false;
        self.state.deployment_id = out.id;
        self.save()?;
        Ok(())
    }

    pub(crate) async fn put_method(
        &mut self,
        path: &str,
        method: &str,
        target: &MethodTarget,
    ) -> Result<(), DeployError> {
        let aws = self.aws;
        let api = self.api_id()?;
        let resource = self.resource_id(path)?;
        let what = format!("{method} {path}");
        aws.write_call(
            "apigateway:PUT",
            format!("put method {what}"),
            aws.apigateway
                .put_method()
                .rest_api_id(&api)
                .resource_id(&resource)
                .http_method(method)
                .authorization_type(&target.authorization_type)
                .api_key_required(target.api_key_required)
                .send(),
        )
        .await?;
        match &target.integration {
            Integration::Proxy => {
                let uri = proxy_uri(&aws.region, &self.function_arn()?);
                aws.write_call(
                    "apigateway:PUT",
                    format!("put integration {what}"),
                    aws.apigateway
                        .put_integration()
                        .rest_api_id(&api)
                        .resource_id(&resource)
                        .http_method(method)
                        .r#type(IntegrationType::AwsProxy)
                        .integration_http_method("POST")
                        .uri(uri)
                        .send(),
                )
                .await?;
            }
            Integration::CorsMock { allow_methods } => {
                let headers = cors_mock_headers(allow_methods);
                aws.write_call(
                    "apigateway:PUT",
                    format!("put integration {what}"),
                    aws.apigateway
                        .put_integration()
                        .rest_api_id(&api)
                        .resource_id(&resource)
                        .http_method(method)
                        .r#type(IntegrationType::Mock)
                        .request_templates("application/json", MOCK_REQUEST_TEMPLATE)
                        .send(),
                )
                .await?;
                aws.write_call(
                    "apigateway:PUT",
                    format!("put method response {what}"),
                    aws.apigateway
                        .put_method_response()
                        .rest_api_id(&api)
                        .resource_id(&resource)
                        .http_method(method)
                        .status_code("200")
                        .set_response_parameters(Some(
                            headers.iter().map(|(k, _)| (k.clone(), false)).collect(),
                        ))
                        .send(),
                )
                .await?;
                aws.write_call(
                    "apigateway:PUT",
                    format!("put integration response {what}"),
                    aws.apigateway
                        .put_integration_response()
                        .rest_api_id(&api)
                        .resource_id(&resource)
                        .http_method(method)
                        .status_code("200")
                        .set_response_parameters(Some(
                            headers.into_iter().collect::<HashMap<_, _>>(),
                        ))
                        .send(),
                )
                .await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn delete_method(
        &mut self,
        path: &str,
        method: &str,
    ) -> Result<(), DeployError> {
        let api = self.api_id()?;
        let resource = self.resource_id(path)?;
        found(
            self.aws
                .write_call(
                    "apigateway:DELETE",
                    format!("delete method {method} {path}"),
                    self.aws
                        .apigateway
                        .delete_method()
                        .rest_api_id(&api)
                        .resource_id(resource)
                        .http_method(method)
                        .send(),
                )
                .await,
        )?;
        Ok(())
    }
}
