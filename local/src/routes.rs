//! The gateway's route table, built once from the app's manifest: API Gateway
//! resources found with [`PathMatcher`], each with its methods.

use goblet_core::{AuthorizationType, Manifest, Method, PathMatcher, PathTemplate, cors};

/// One API Gateway method on a resource.
#[derive(Debug, Clone)]
pub(crate) struct MethodDef {
    pub method: Method,
    pub auth: AuthorizationType,
    pub api_key: bool,
    pub cors: bool,
    /// `GET /users/{id}`: the HTTP API route key.
    pub route_key: String,
}

/// One API Gateway resource: a path template and its methods.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub template: String,
    pub methods: Vec<MethodDef>,
    /// Set when a method is `cors = true` and no `OPTIONS` method is defined:
    /// the gateway answers the preflight with these allowed methods.
    pub preflight: Option<String>,
}

impl Resource {
    /// The method serving `method`: an exact definition, else `ANY`.
    pub(crate) fn method(&self, method: &str) -> Option<&MethodDef> {
        self.methods
            .iter()
            .find(|d| d.method.as_str() == method)
            .or_else(|| self.methods.iter().find(|d| d.method == Method::Any))
    }
}

/// Every resource of the app.
#[derive(Debug)]
pub(crate) struct RouteTable {
    matcher: PathMatcher<Resource>,
}

/// A resource found for a request path, with its decoded path parameters.
pub(crate) struct Found<'t> {
    pub resource: &'t Resource,
    pub params: Vec<(&'t str, String)>,
}

impl RouteTable {
    /// Builds the table; the manifest was validated when it was read.
    pub(crate) fn new(manifest: &Manifest) -> Result<RouteTable, String> {
        let mut matcher = PathMatcher::new();
        for route in &manifest.routes {
            let template = PathTemplate::parse(&route.path)
                .map_err(|e| format!("route {} {}: {e}", route.method, route.path))?;
            let resource = matcher.entry(&template, || Resource {
                template: route.path.clone(),
                methods: Vec::new(),
                preflight: None,
            });
            resource.methods.push(MethodDef {
                method: route.method,
                auth: route.authorization_type,
                api_key: route.api_key_required,
                cors: route.cors,
                route_key: format!("{} {}", route.method, route.path),
            });
        }
        let mut table = RouteTable { matcher };
        table.finish();
        Ok(table)
    }

    fn finish(&mut self) {
        // `values` borrows immutably; collect the templates, then fix each up.
        let templates: Vec<String> = self
            .matcher
            .values()
            .into_iter()
            .map(|r| r.template.clone())
            .collect();
        for template in templates {
            let Ok(parsed) = PathTemplate::parse(&template) else {
                continue;
            };
            let resource = self
                .matcher
                .entry(&parsed, || unreachable_resource(&template));
            resource.methods.sort_by_key(|d| d.method);
            let has_options = resource.methods.iter().any(|d| d.method == Method::Options);
            if resource.methods.iter().any(|d| d.cors) && !has_options {
                resource.preflight = Some(cors::allow_methods(
                    resource.methods.iter().map(|d| d.method.as_str()),
                ));
            }
        }
    }

    /// The resource for a raw (percent-encoded) path, relative to the stage.
    pub(crate) fn find(&self, raw_path: &str) -> Option<Found<'_>> {
        self.matcher.find(raw_path).map(|m| Found {
            resource: m.value,
            params: m.params,
        })
    }

    /// Every method, sorted by path then method, for the start-up table.
    pub(crate) fn listing(&self) -> Vec<(&str, &MethodDef)> {
        let mut all: Vec<(&str, &MethodDef)> = self
            .matcher
            .values()
            .into_iter()
            .flat_map(|r| r.methods.iter().map(move |d| (r.template.as_str(), d)))
            .collect();
        all.sort_by(|a, b| a.0.cmp(b.0).then(a.1.method.cmp(&b.1.method)));
        all
    }

    /// Whether any method needs an IAM signature / an API key.
    pub(crate) fn any(&self, pred: impl Fn(&MethodDef) -> bool) -> bool {
        self.matcher
            .values()
            .into_iter()
            .any(|r| r.methods.iter().any(&pred))
    }
}

/// `entry` on a template already in the table never creates a value.
fn unreachable_resource(template: &str) -> Resource {
    Resource {
        template: template.to_owned(),
        methods: Vec::new(),
        preflight: None,
    }
}

#[cfg(test)]
mod tests {
    use goblet_core::{Route, manifest::*};

    use super::*;

    fn route(path: &str, method: Method, cors: bool) -> Route {
        Route {
            path: path.into(),
            method,
            authorization_type: AuthorizationType::None,
            api_key_required: false,
            cors,
            content_types: vec!["application/json".into()],
            handler: "app::h".into(),
            path_parameters: Vec::new(),
            name: "h".into(),
            source: "src/app.rs:1".into(),
        }
    }

    fn manifest(routes: Vec<Route>) -> Manifest {
        Manifest {
            manifest_version: MANIFEST_VERSION,
            goblet_version: "0.1.0".into(),
            app_name: "t".into(),
            routes,
        }
    }

    #[test]
    fn exact_method_then_any_and_cors_preflight() {
        let table = RouteTable::new(&manifest(vec![
            route("/echo", Method::Any, false),
            route("/echo", Method::Get, false),
            route("/cors", Method::Post, true),
            route("/cors", Method::Get, true),
            route("/users/{id}", Method::Get, false),
        ]))
        .unwrap();
        let echo = table.find("/echo").unwrap().resource;
        assert_eq!(echo.method("GET").unwrap().method, Method::Get);
        assert_eq!(echo.method("PATCH").unwrap().method, Method::Any);
        assert!(echo.preflight.is_none());
        let cors = table.find("/cors/").unwrap().resource;
        assert_eq!(cors.preflight.as_deref(), Some("GET,OPTIONS,POST"));
        assert!(cors.method("OPTIONS").is_none());
        let found = table.find("/users/a%20b").unwrap();
        assert_eq!(found.params, vec![("id", "a b".to_owned())]);
        assert_eq!(found.resource.methods[0].route_key, "GET /users/{id}");
        assert!(table.find("/nope").is_none());
        assert_eq!(table.listing().len(), 5);
    }
}
