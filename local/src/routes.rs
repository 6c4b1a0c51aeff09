//! The gateway's route table: the app's API model (`goblet_core::api`),
//! plus what the gateway adds per method, built once.

use goblet_core::Manifest;
use goblet_core::api::{Api, ApiMethod, Found};

/// Every resource of the app, and the HTTP API route key of every method
/// (`GET /users/{id}`), made once rather than per request.
#[derive(Debug)]
pub(crate) struct RouteTable {
    api: Api,
    /// By manifest route index ([`goblet_core::api::ApiMethod::route`]).
    route_keys: Vec<String>,
    /// The authorizer of each route, by manifest route index.
    authorizers: Vec<Option<String>>,
    /// The `authorizationScopes` of each route, by manifest route index.
    scopes: Vec<Vec<String>>,
}

impl RouteTable {
    /// Builds the table; the manifest was validated when it was read.
    pub(crate) fn new(manifest: &Manifest) -> RouteTable {
        RouteTable {
            api: Api::new(manifest),
            route_keys: manifest
                .routes
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect(),
            authorizers: manifest
                .routes
                .iter()
                .map(|r| r.authorizer.clone())
                .collect(),
            scopes: manifest
                .routes
                .iter()
                .map(|r| r.authorization_scopes.clone())
                .collect(),
        }
    }

    /// The OAuth scopes a `COGNITO_USER_POOLS` method asks for (any one of them).
    pub(crate) fn scopes(&self, method: &ApiMethod) -> &[String] {
        &self.scopes[method.route]
    }

    /// The name of the authorizer guarding a `CUSTOM` or `COGNITO_USER_POOLS` method.
    pub(crate) fn authorizer(&self, method: &ApiMethod) -> Option<&str> {
        self.authorizers[method.route].as_deref()
    }

    /// The resource for a raw (percent-encoded) path, relative to the stage.
    pub(crate) fn find(&self, raw_path: &str) -> Option<Found<'_>> {
        self.api.find(raw_path)
    }

    /// `GET /users/{id}`: the HTTP API route key of a method.
    pub(crate) fn route_key(&self, method: &ApiMethod) -> &str {
        &self.route_keys[method.route]
    }

    /// Every method, sorted by path then method, for the start-up table.
    pub(crate) fn listing(&self) -> Vec<(&str, &ApiMethod)> {
        self.api.methods().collect()
    }

    /// Whether any method needs an IAM signature / an API key.
    pub(crate) fn any(&self, pred: impl Fn(&ApiMethod) -> bool) -> bool {
        self.api.methods().any(|(_, m)| pred(m))
    }
}

#[cfg(test)]
mod tests {
    use goblet_core::{AuthorizationType, Method, Route};

    use super::*;

    fn route(path: &str, method: Method) -> Route {
        Route {
            authorization_type: AuthorizationType::AwsIam,
            api_key_required: true,
            content_types: vec!["application/json".into()],
            source: format!("src/app.rs:{path}:{method}"),
            ..Route::new(method, path, "app::h")
        }
    }

    #[test]
    fn route_keys_listing_and_predicates() {
        let manifest = Manifest::new(
            "0.1.0".into(),
            "t".into(),
            vec![
                route("/users/{id}", Method::Get),
                route("/echo", Method::Any),
            ],
        )
        .unwrap();
        let table = RouteTable::new(&manifest);
        let found = table.find("/users/7").unwrap();
        let get = &found.resource.methods[0];
        assert_eq!(table.route_key(get), "GET /users/{id}");
        let listing: Vec<(&str, &str)> = table
            .listing()
            .into_iter()
            .map(|(p, m)| (p, table.route_key(m)))
            .collect();
        assert_eq!(
            listing,
            [("/echo", "ANY /echo"), ("/users/{id}", "GET /users/{id}")]
        );
        assert!(table.any(|m| m.api_key_required));
        assert!(!table.any(|m| m.authorization_type == AuthorizationType::None));
    }
}
