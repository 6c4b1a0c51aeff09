//! The AWS calls of a deploy do not grow with the app: apps of 10, 100 and
//! 400 routes (the shapes of `bench/routes_gen.rs`: literal, `{param}` with
//! two methods, nested literal under a parameter with IAM, greedy) deployed
//! in-process against moto through the recording proxy.
//!
//! Prints the table BENCHMARKS.md quotes: calls per deploy, and the time
//! API Gateway's own quotas alone impose on them (10 control-plane requests
//! a second per account; CreateRestApi one per 3 s for REGIONAL APIs;
//! PutRestApi one per second; CreateDeployment one per 5 s).

use std::collections::BTreeMap;
use std::path::Path;

use goblet_core::{AuthorizationType, Manifest, Method, Route};
use goblet_deploy::target::{
    FunctionSettings, LoggingSettings, RoleTarget, TAG_APP, TAG_STAGE, Target,
};
use goblet_deploy::{self as deploy, DeleteOptions, DeployOptions};
use goblet_tests::aws_proxy::{Call, Proxy};
use goblet_tests::build::{release, scratch_dir};
use goblet_tests::moto::{Moto, credentials};
use serde_json::json;

/// `count` routes (methods) in `bench/routes_gen.rs`'s shapes.
fn routes(count: usize) -> Vec<Route> {
    let route = |path: String, method: Method, auth: AuthorizationType| Route {
        source: format!("src/app.rs:{path}:{}", method.as_str()),
        name: format!("r{}", path.len()),
        authorization_type: auth,
        ..Route::new(
            method,
            &path,
            &format!(
                "app::{}_{}",
                path.replace(['/', '{', '}', '+'], "_"),
                method.as_str()
            ),
        )
    };
    let mut out = vec![route("/".into(), Method::Get, AuthorizationType::AwsIam)];
    let mut i = 0;
    while out.len() < count {
        i += 1;
        match i % 4 {
            0 => out.push(route(
                format!("/r{i}"),
                Method::Get,
                AuthorizationType::None,
            )),
            1 => {
                out.push(route(
                    format!("/r{i}/{{id}}"),
                    Method::Get,
                    AuthorizationType::None,
                ));
                if out.len() < count {
                    out.push(route(
                        format!("/r{i}/{{id}}"),
                        Method::Put,
                        AuthorizationType::None,
                    ));
                }
            }
            2 => out.push(route(
                format!("/r{i}/items/{{id}}/detail"),
                Method::Get,
                AuthorizationType::AwsIam,
            )),
            _ => out.push(route(
                format!("/r{i}/{{proxy+}}"),
                Method::Get,
                AuthorizationType::None,
            )),
        }
    }
    out
}

fn target(count: usize, zip: &[u8], sha: &str) -> Target {
    let name = format!("scale{count}");
    let manifest = Manifest::new("0".into(), name.clone(), routes(count)).expect("a manifest");
    Target {
        app_name: name.clone(),
        stage: "dev".into(),
        function_name: format!("{name}-dev"),
        role: RoleTarget::Managed {
            name: format!("{name}-dev"),
            trust_policy: goblet_deploy::package::role_trust_policy(),
            policy: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}),
        },
        function: FunctionSettings {
            architecture: "x86_64".into(),
            memory_mb: 128,
            timeout_secs: 29,
            environment: BTreeMap::new(),
            // Lambda's default; moto reports none, which reads as the same.
            logging: LoggingSettings::new(&Default::default(), format!("/aws/lambda/{name}-dev")),
        },
        tags: BTreeMap::from([
            (TAG_APP.to_owned(), name.clone()),
            (TAG_STAGE.to_owned(), "dev".to_owned()),
        ]),
        reserved_concurrency: None,
        log_retention_days: None,
        api_name: format!("{name}-dev"),
        api_stage: "api".into(),
        endpoint_type: "REGIONAL".into(),
        resource_policy: None,
        usage_plan: None,
        event_functions: vec![],
        manifest,
        zip: zip.to_vec(),
        zip_sha256: sha.to_owned(),
    }
}

fn options(base: &Path) -> DeployOptions {
    DeployOptions {
        base_dir: base.to_owned(),
        stage: "dev".into(),
        dry_run: false,
        yes: true,
        json: true,
    }
}

/// API Gateway's calls among `calls`: those under `/restapis`.
fn apigateway(calls: &[Call]) -> Vec<&Call> {
    calls
        .iter()
        .filter(|c| c.operation.contains("/restapis"))
        .collect()
}

/// The least time API Gateway's quotas allow for `calls`, in seconds: the
/// account-wide 10 requests a second, and the per-operation ones after the
/// first call of each (none waits at the start of a deploy).
fn quota_bound_seconds(calls: &[&Call]) -> f64 {
    let count = |pred: &dyn Fn(&str) -> bool| calls.iter().filter(|c| pred(&c.operation)).count();
    let puts = count(&|op| op.starts_with("PUT /restapis/") && op.matches('/').count() == 2);
    let deployments = count(&|op| op.ends_with("/deployments") && op.starts_with("POST"));
    let creates = count(&|op| op == "POST /restapis");
    let resources = count(&|op| op.starts_with("POST /restapis/") && op.contains("/resources/"));
    let floor = calls.len() as f64 / 10.0;
    let per_op = [
        (puts, 1.0),
        (deployments, 5.0),
        (creates, 3.0),
        (resources, 0.2),
    ]
    .into_iter()
    .map(|(n, every)| n.saturating_sub(1) as f64 * every)
    .fold(0.0, f64::max);
    floor.max(per_op)
}

#[test]
fn api_gateway_calls_do_not_grow_with_the_routes() {
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port);
    // SAFETY: the only test in this process; set before any thread reads them.
    unsafe {
        for (k, v) in credentials() {
            std::env::set_var(k, v);
        }
        std::env::set_var("AWS_ENDPOINT_URL", proxy.endpoint());
    }
    let sdk = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(aws_config::defaults(aws_config::BehaviorVersion::latest()).load());
    let binary = std::fs::read(&release().helloworld).expect("helloworld's binary");
    let zip = goblet_project::zip::bootstrap_zip(&binary).expect("bootstrap.zip");
    let sha = goblet_project::zip::code_sha256_base64(&zip);

    let mut rows = Vec::new();
    for count in [10, 100, 400] {
        let base = scratch_dir(&format!("deploy-scale-{count}"));
        let _ = std::fs::remove_dir_all(base.join(".goblet"));
        proxy.reset();
        deploy::deploy(&sdk, target(count, &zip, &sha), options(&base)).unwrap();
        let first = proxy.calls();
        let resources = moto.snapshot()["apis"][format!("scale{count}-dev")]["resources"]
            .as_object()
            .map(|r| r.len())
            .unwrap_or_default();
        assert_eq!(
            resources,
            goblet_core::api::Api::new(&target(count, &zip, &sha).manifest)
                .resources()
                .len(),
            "{count} routes: every resource made"
        );

        let mut changed = target(count, &zip, &sha);
        let last = changed.manifest.routes.len() - 1;
        changed.manifest.routes[last].authorization_type = AuthorizationType::AwsIam;
        proxy.reset();
        deploy::deploy(&sdk, changed, options(&base)).unwrap();
        let one_route = proxy.calls();
        let mutating: Vec<&str> = one_route
            .iter()
            .filter(|c| c.mutating)
            .map(|c| c.operation.as_str())
            .collect();
        assert_eq!(
            mutating.len(),
            2,
            "{count} routes: one PutRestApi and one deployment: {mutating:#?}"
        );
        rows.push((count, first, one_route));
        deploy::delete(
            &sdk,
            DeleteOptions {
                base_dir: base.clone(),
                stage: "dev".into(),
                yes: true,
            },
        )
        .unwrap();
    }
    // The same API Gateway calls for 10, 100 and 400 routes.
    let shape = |calls: &[Call]| -> Vec<String> {
        apigateway(calls)
            .iter()
            .map(|c| {
                // Ids differ between APIs; the operations do not.
                c.operation
                    .split('/')
                    .enumerate()
                    .map(|(i, part)| if i == 2 { "<id>" } else { part })
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect()
    };
    for (count, first, one_route) in &rows[1..] {
        assert_eq!(
            shape(first),
            shape(&rows[0].1),
            "first deploy, {count} routes"
        );
        assert_eq!(
            shape(one_route),
            shape(&rows[0].2),
            "one-route change, {count} routes"
        );
    }

    println!(
        "\n| routes | first deploy: calls (API Gateway) | quota-bound time | one-route change: calls (API Gateway) | quota-bound time |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for (count, first, one_route) in &rows {
        let (a, b) = (apigateway(first), apigateway(one_route));
        println!(
            "| {count} | {} ({}) | {:.1} s | {} ({}) | {:.1} s |",
            first.len(),
            a.len(),
            quota_bound_seconds(&a),
            one_route.len(),
            b.len(),
            quota_bound_seconds(&b)
        );
    }
}
