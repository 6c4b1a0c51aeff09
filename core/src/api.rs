//! The API model: the REST API a manifest describes, derived once and used
//! by the runtime's route table, `goblet local`, `goblet package` and
//! `goblet deploy`, so they cannot disagree about it.
//!
//! - resources: every route's path and its ancestors, each with its parent,
//!   its `pathPart` and its parameter names in template order;
//! - methods per resource, and how a request method resolves: the exact
//!   method, else `ANY`, else the CORS preflight when the resource has a
//!   `cors = true` route and no `OPTIONS` method of its own (API Gateway's
//!   mock `OPTIONS` wins over `ANY`);
//! - the preflight's `Access-Control-Allow-Methods`;
//! - matching a request path to a resource with API Gateway's priorities
//!   ([`PathMatcher`]).

use std::collections::{BTreeSet, HashMap};

use crate::{AuthorizationType, Manifest, Match, Method, PathMatcher, PathTemplate, cors};

/// One method of a resource, for one manifest route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiMethod {
    pub method: Method,
    pub authorization_type: AuthorizationType,
    pub api_key_required: bool,
    pub cors: bool,
    /// The route's index in [`Manifest::routes`].
    pub route: usize,
}

/// One resource of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// `/users/{id}`; `/` for the root.
    pub path: String,
    /// `/users`; `None` for the root.
    pub parent: Option<String>,
    /// The last segment, API Gateway's `pathPart`: `{id}`; empty for the root.
    pub path_part: String,
    /// The template's parameter names, in template order.
    pub param_names: Vec<String>,
    /// The routes' methods, sorted; empty for a resource that is only an
    /// ancestor of others.
    pub methods: Vec<ApiMethod>,
    /// `Access-Control-Allow-Methods` of the CORS preflight API Gateway
    /// answers on this resource: set when a method is `cors = true` and no
    /// `OPTIONS` method is defined.
    pub preflight: Option<String>,
}

/// How a request method resolves on a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// The method serving it: the exact one, else `ANY`.
    Method(&'a ApiMethod),
    /// The CORS preflight mock, with its allowed methods.
    Preflight(&'a str),
    /// No method serves it.
    NotAllowed,
}

impl Resource {
    /// How `method` (an HTTP method, upper case) resolves here.
    pub fn resolve(&self, method: &str) -> Resolved<'_> {
        if let Some(m) = self.methods.iter().find(|m| m.method.as_str() == method) {
            return Resolved::Method(m);
        }
        if method == "OPTIONS"
            && let Some(allow) = &self.preflight
        {
            return Resolved::Preflight(allow);
        }
        match self.methods.iter().find(|m| m.method == Method::Any) {
            Some(any) => Resolved::Method(any),
            None => Resolved::NotAllowed,
        }
    }

    /// Whether any method is `cors = true`.
    pub fn cors(&self) -> bool {
        self.methods.iter().any(|m| m.cors)
    }
}

/// The API of a manifest.
#[derive(Debug, Clone)]
pub struct Api {
    /// Sorted by path; the root first.
    resources: Vec<Resource>,
    by_path: HashMap<String, usize>,
    /// Resources with methods only: an ancestor without methods is not a
    /// route, and API Gateway answers it as an unknown path.
    matcher: PathMatcher<usize>,
}

impl Api {
    /// The API of a validated manifest (see [`Manifest::new`]): a route
    /// whose path does not parse is left out.
    pub fn new(manifest: &Manifest) -> Api {
        let templates: Vec<Option<PathTemplate>> = manifest
            .routes
            .iter()
            .map(|r| PathTemplate::parse(&r.path).ok())
            .collect();
        let paths: BTreeSet<String> = templates
            .iter()
            .flatten()
            .flat_map(|t| t.ancestors())
            .chain(["/".to_owned()])
            .collect();
        let mut resources: Vec<Resource> = paths.into_iter().map(resource_of).collect();
        let by_path: HashMap<String, usize> = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.path.clone(), i))
            .collect();
        let mut matcher = PathMatcher::new();
        for (index, (route, template)) in manifest.routes.iter().zip(&templates).enumerate() {
            let Some(template) = template else { continue };
            let at = by_path[&route.path];
            matcher.entry(template, || at);
            resources[at].methods.push(ApiMethod {
                method: route.method,
                authorization_type: route.authorization_type,
                api_key_required: route.api_key_required,
                cors: route.cors,
                route: index,
            });
        }
        for resource in &mut resources {
            resource.methods.sort_by_key(|m| m.method);
            let has_options = resource.methods.iter().any(|m| m.method == Method::Options);
            if resource.cors() && !has_options {
                resource.preflight = Some(cors::allow_methods(
                    resource.methods.iter().map(|m| m.method.as_str()),
                ));
            }
        }
        Api {
            resources,
            by_path,
            matcher,
        }
    }

    /// Every resource, sorted by path, the root first.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The resource of a path template, e.g. the `resource` API Gateway
    /// names in an event.
    pub fn resource(&self, path: &str) -> Option<&Resource> {
        self.by_path.get(path).map(|&i| &self.resources[i])
    }

    /// The resource (with methods) serving a raw, percent-encoded request
    /// path, with its decoded parameters.
    pub fn find(&self, raw_path: &str) -> Option<Found<'_>> {
        let Match { value, params, .. } = self.matcher.find(raw_path)?;
        Some(Found {
            resource: &self.resources[*value],
            params,
        })
    }

    /// Every method with its resource path, sorted by path then method.
    pub fn methods(&self) -> impl Iterator<Item = (&str, &ApiMethod)> {
        self.resources
            .iter()
            .flat_map(|r| r.methods.iter().map(move |m| (r.path.as_str(), m)))
    }
}

/// A resource found for a request path.
#[derive(Debug)]
pub struct Found<'a> {
    pub resource: &'a Resource,
    /// Decoded path parameters, in template order.
    pub params: Vec<(&'a str, String)>,
}

fn resource_of(path: String) -> Resource {
    let (parent, path_part) = match path.rsplit_once('/') {
        _ if path == "/" => (None, String::new()),
        Some(("", part)) => (Some("/".to_owned()), part.to_owned()),
        Some((parent, part)) => (Some(parent.to_owned()), part.to_owned()),
        None => (None, path.clone()),
    };
    let param_names = PathTemplate::parse(&path)
        .map(|t| t.parameter_names().map(str::to_owned).collect())
        .unwrap_or_default();
    Resource {
        path,
        parent,
        path_part,
        param_names,
        methods: Vec::new(),
        preflight: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Route;

    fn route(path: &str, method: Method, cors: bool) -> Route {
        Route {
            cors,
            source: format!("src/app.rs:{path}:{method}"),
            ..Route::new(method, path, "app::h")
        }
    }

    fn api(routes: Vec<Route>) -> Api {
        Api::new(&Manifest::new("0.1.0".into(), "t".into(), routes).unwrap())
    }

    #[test]
    fn resources_are_every_ancestor_with_parent_and_part() {
        let api = api(vec![
            route("/users/{id}/posts", Method::Get, false),
            route("/files/{path+}", Method::Get, false),
        ]);
        type Row<'a> = (&'a str, Option<&'a str>, &'a str, Vec<&'a str>, usize);
        let rows: Vec<Row> = api
            .resources()
            .iter()
            .map(|r| {
                (
                    r.path.as_str(),
                    r.parent.as_deref(),
                    r.path_part.as_str(),
                    r.param_names.iter().map(String::as_str).collect(),
                    r.methods.len(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("/", None, "", vec![], 0),
                ("/files", Some("/"), "files", vec![], 0),
                ("/files/{path+}", Some("/files"), "{path+}", vec!["path"], 1),
                ("/users", Some("/"), "users", vec![], 0),
                ("/users/{id}", Some("/users"), "{id}", vec!["id"], 0),
                (
                    "/users/{id}/posts",
                    Some("/users/{id}"),
                    "posts",
                    vec!["id"],
                    1
                ),
            ]
        );
    }

    #[test]
    fn methods_resolve_exact_then_preflight_then_any() {
        let api = api(vec![
            route("/echo", Method::Any, false),
            route("/echo", Method::Get, false),
            route("/cors", Method::Post, true),
            route("/cors", Method::Get, false),
            route("/both", Method::Any, true),
            route("/own", Method::Get, true),
            route("/own", Method::Options, false),
        ]);
        let method = |path: &str, m: &str| match api.resource(path).unwrap().resolve(m) {
            Resolved::Method(found) => format!("method {}", found.method),
            Resolved::Preflight(allow) => format!("preflight {allow}"),
            Resolved::NotAllowed => "not allowed".to_owned(),
        };
        let cases = [
            ("/echo", "GET", "method GET"),
            ("/echo", "PATCH", "method ANY"),
            ("/echo", "OPTIONS", "method ANY"),
            ("/cors", "GET", "method GET"),
            ("/cors", "OPTIONS", "preflight GET,OPTIONS,POST"),
            ("/cors", "DELETE", "not allowed"),
            // The preflight mock wins over ANY.
            (
                "/both",
                "OPTIONS",
                "preflight DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT",
            ),
            ("/both", "PUT", "method ANY"),
            // An OPTIONS route of the app's own replaces the mock.
            ("/own", "OPTIONS", "method OPTIONS"),
        ];
        for (path, m, expected) in cases {
            assert_eq!(method(path, m), expected, "{m} {path}");
        }
        assert_eq!(api.resource("/own").unwrap().preflight, None);
    }

    #[test]
    fn paths_match_resources_with_methods_only() {
        let api = api(vec![
            route("/users/{id}", Method::Get, false),
            route("/users/me", Method::Get, false),
        ]);
        let found = api.find("/users/a%20b").unwrap();
        assert_eq!(found.resource.path, "/users/{id}");
        assert_eq!(found.params, vec![("id", "a b".to_owned())]);
        assert_eq!(api.find("/users/me").unwrap().resource.path, "/users/me");
        // `/users` is a resource (an ancestor) but serves nothing.
        assert!(api.resource("/users").is_some());
        assert!(api.find("/users").is_none());
        assert!(api.find("/nope").is_none());
    }

    #[test]
    fn methods_point_back_at_their_routes() {
        let manifest = Manifest::new(
            "0.1.0".into(),
            "t".into(),
            vec![
                route("/b", Method::Post, false),
                route("/a", Method::Get, false),
                route("/b", Method::Get, false),
            ],
        )
        .unwrap();
        let api = Api::new(&manifest);
        let listed: Vec<(&str, Method)> = api.methods().map(|(p, m)| (p, m.method)).collect();
        assert_eq!(
            listed,
            [
                ("/a", Method::Get),
                ("/b", Method::Get),
                ("/b", Method::Post)
            ]
        );
        for (path, method) in api.methods() {
            let route = &manifest.routes[method.route];
            assert_eq!((route.path.as_str(), route.method), (path, method.method));
        }
    }
}
