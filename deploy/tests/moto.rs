//! The deployer's plan/apply/record cycle against moto's server on loopback,
//! with a recording proxy counting the AWS calls.
//!
//! Runs the deploy library in-process on the showcase's real manifest (read
//! from its release binary: CORS, an API key route, `ANY`, a greedy path, a
//! binary route, an IAM route). One test: the AWS endpoint is process-wide.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use goblet_core::AuthorizationType;
use goblet_core::logging::{LogFormat, LogLevel, Logging};
use goblet_deploy::resources::usage_plan::{Throttle, UsagePlanTarget};
use goblet_deploy::target::{
    FunctionSettings, LoggingSettings, RoleTarget, TAG_APP, TAG_STAGE, Target,
};
use goblet_deploy::{self as deploy, DeleteOptions, DeployOptions};
use goblet_tests::aws_proxy::{LambdaLogging, Proxy};
use goblet_tests::build::{release, scratch_dir};
use goblet_tests::moto::{Moto, credentials};
use serde_json::{Value, json};

fn target(zip: &[u8]) -> Target {
    let app = goblet_project::read_app_binary(&release().showcase).expect("showcase's manifest");
    let tags = BTreeMap::from([
        (TAG_APP.to_owned(), "showcase".to_owned()),
        (TAG_STAGE.to_owned(), "dev".to_owned()),
    ]);
    Target {
        app_name: "showcase".into(),
        stage: "dev".into(),
        function_name: "showcase-dev".into(),
        role: RoleTarget::Managed {
            name: "showcase-dev".into(),
            trust_policy: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            policy: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:*:logs:*:*:*"}]}),
        },
        function: FunctionSettings {
            architecture: "x86_64".into(),
            memory_mb: 128,
            timeout_secs: 30,
            environment: BTreeMap::new(),
            logging: LoggingSettings::new(&Logging::default(), "/aws/lambda/showcase-dev".into()),
        },
        tags,
        reserved_concurrency: None,
        log_retention_days: Some(14),
        api_name: "showcase-dev".into(),
        api_stage: "dev".into(),
        endpoint_type: "REGIONAL".into(),
        resource_policy: None,
        usage_plan: Some(UsagePlanTarget {
            name: "showcase-dev".into(),
            throttle: Some(Throttle {
                rate_limit: Some(50.0),
                burst_limit: Some(100),
            }),
            quota: None,
            api_key_ids: vec![],
        }),
        event_functions: vec![],
        manifest: app.manifest,
        zip: zip.to_vec(),
        zip_sha256: sha256_b64(zip),
    }
}

fn sha256_b64(data: &[u8]) -> String {
    let dir = scratch_dir("deploy-sha");
    let file = dir.join("zip");
    std::fs::write(&file, data).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,hashlib,base64;print(base64.b64encode(hashlib.sha256(open(sys.argv[1],'rb').read()).digest()).decode())",
        ])
        .arg(&file)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The AWS configuration of the environment set above, as the `goblet`
/// command would load it (endpoint, region and keys from the environment).
fn sdk_config() -> aws_config::SdkConfig {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(aws_config::defaults(aws_config::BehaviorVersion::latest()).load())
}

fn options(base: &Path, dry_run: bool) -> DeployOptions {
    DeployOptions {
        base_dir: base.to_owned(),
        stage: "dev".into(),
        dry_run,
        yes: true,
        json: true,
    }
}

#[test]
fn deploy_redeploy_change_remove_delete() {
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port);
    proxy.rule(LambdaLogging::default());
    // SAFETY: the only test in this process; set before any thread reads them.
    unsafe {
        for (k, v) in credentials() {
            std::env::set_var(k, v);
        }
        std::env::set_var("AWS_ENDPOINT_URL", proxy.endpoint());
    }
    let sdk = sdk_config();
    let sdk = &sdk;
    let base = scratch_dir("deploy-lib");
    let _ = std::fs::remove_dir_all(base.join(".goblet"));
    // The showcase's real package, so the figures include a real upload.
    let binary = std::fs::read(&release().showcase).expect("showcase's binary");
    let zip = goblet_project::zip::bootstrap_zip(&binary).expect("bootstrap.zip");
    let mut bench = Vec::new();

    // Dry run of a first deploy: reads only.
    deploy::deploy(sdk, target(&zip), options(&base, true)).unwrap();
    assert_eq!(proxy.mutating(), [], "{:#?}", proxy.calls());
    assert!(!base.join(".goblet/deployed/dev.json").exists());

    // First deploy: a fixed number of calls, whatever the number of routes.
    proxy.reset();
    let t0 = Instant::now();
    deploy::deploy(sdk, target(&zip), options(&base, false)).unwrap();
    bench.push(("first deploy", proxy.calls(), t0.elapsed()));
    let snap = moto.normalized_snapshot();
    let role = &snap["roles"]["showcase-dev"];
    assert!(
        role["trust"].to_string().contains("lambda.amazonaws.com"),
        "{role}"
    );
    assert!(
        role["policies"]["goblet"]
            .to_string()
            .contains("logs:PutLogEvents")
    );
    let function = &snap["functions"]["showcase-dev"];
    assert_eq!(function["runtime"], "provided.al2023");
    assert_eq!(function["handler"], "bootstrap");
    assert_eq!(function["arch"], json!(["x86_64"]));
    assert_eq!(function["code_sha256"], sha256_b64(&zip));
    assert_eq!(function["tags"][TAG_APP], "showcase");
    let fn_arn = "arn:aws:lambda:us-east-1:123456789012:function:showcase-dev";
    assert_eq!(
        function["permissions"],
        json!([{"sid": "goblet-apigateway-invoke-live", "principal": {"Service": "apigateway.amazonaws.com"},
                "action": "lambda:InvokeFunction", "qualified": true,
                "condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:<api>/*"}}}])
    );
    // API Gateway invokes the alias, on a version of exactly this code.
    assert_eq!(function["aliases"], json!({"live": "1"}));
    assert_eq!(function["live"]["code_sha256"], sha256_b64(&zip));
    assert_eq!(function["live"]["memory"], 128);
    let api = &snap["apis"]["showcase-dev"];
    assert_eq!(
        api["tags"],
        json!({"goblet:app": "showcase", "goblet:stage": "dev"})
    );
    assert_eq!(api["stages"], json!({"dev": true}));
    let uri = format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn_arn}:live/invocations"
    );
    let resources = &api["resources"];
    assert_eq!(
        resources["/whoami"]["GET"],
        json!({"auth": "AWS_IAM", "apiKey": false, "integration": "AWS_PROXY",
               "integrationMethod": "POST", "uri": uri})
    );
    assert_eq!(resources["/keyed"]["GET"]["apiKey"], true);
    assert_eq!(resources["/echo"]["ANY"]["integration"], "AWS_PROXY");
    assert_eq!(resources["/files/{path+}"]["GET"]["uri"], uri.as_str());
    assert_eq!(resources["/cors"]["OPTIONS"]["integration"], "MOCK");
    assert_eq!(
        resources["/cors"]["OPTIONS"]["contentHandling"],
        "CONVERT_TO_TEXT"
    );
    assert_eq!(snap["log_groups"]["/aws/lambda/showcase-dev"], 14);
    let record: Value =
        serde_json::from_slice(&std::fs::read(base.join(".goblet/deployed/dev.json")).unwrap())
            .unwrap();
    let api_id = record["rest_api"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        record["url"],
        format!("{}/restapis/{api_id}/dev/_user_request_/", proxy.endpoint())
    );
    // One call per AWS resource; the whole API in one PutRestApi.
    let ops: Vec<String> = proxy.mutating().into_iter().map(|c| c.operation).collect();
    assert_eq!(
        ops,
        [
            "CreateRole".to_owned(),
            "PutRolePolicy".into(),
            "POST /2015-03-31/functions".into(),
            "POST /2015-03-31/functions/showcase-dev/versions".into(),
            "POST /2015-03-31/functions/showcase-dev/aliases".into(),
            "CreateLogGroup".into(),
            "PutRetentionPolicy".into(),
            "POST /restapis".into(),
            format!("PUT /restapis/{api_id}"),
            format!(
                "POST /2015-03-31/functions/{}/policy",
                fn_arn.replace(':', "%3A")
            ),
            format!("POST /restapis/{api_id}/deployments"),
            "POST /apikeys".into(),
            "POST /usageplans".into(),
            format!(
                "POST /usageplans/{}/keys",
                record["usage_plan"].as_str().unwrap()
            ),
        ]
    );
    // The `api_key` route works once deployed: a usage plan on the stage,
    // goblet's key in it.
    assert_eq!(
        snap["usage_plans"]["showcase-dev"],
        json!({"stages": ["showcase-dev/dev"], "throttle": {"rateLimit": 50.0, "burstLimit": 100},
               "quota": null, "keys": ["showcase-dev"]})
    );
    assert_eq!(snap["api_keys"]["showcase-dev"]["enabled"], true);
    assert_eq!(
        snap["api_keys"]["showcase-dev"]["tags"][TAG_APP],
        "showcase"
    );
    // What was sent is what API Gateway documents: an OpenAPI 3 document
    // with its extensions (moto ignores most of it; the proxy's rule does not).
    let sent = proxy.bodies(&format!("PUT /restapis/{api_id}"));
    let doc: Value = serde_json::from_slice(&sent[0]).expect("a JSON document");
    assert_eq!(doc["openapi"], "3.0.1");
    assert_eq!(
        doc["x-amazon-apigateway-binary-media-types"],
        json!(["*/*"])
    );
    assert_eq!(
        doc["paths"]["/whoami"]["get"]["security"],
        json!([{"sigv4": []}])
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["sigv4"]["x-amazon-apigateway-authtype"],
        "awsSigv4"
    );
    // goblet package and goblet deploy describe the same API.
    same_api_as_package(
        &moto.snapshot_via(&proxy.endpoint())["apis"]["showcase-dev"],
        &target(&zip),
    );
    let first = snap;

    // Unchanged: zero mutating calls, no new deployment.
    proxy.reset();
    let t0 = Instant::now();
    deploy::deploy(sdk, target(&zip), options(&base, false)).unwrap();
    bench.push(("unchanged redeploy", proxy.calls(), t0.elapsed()));
    assert_eq!(proxy.mutating(), [], "{:#?}", proxy.calls());
    assert_eq!(moto.normalized_snapshot(), first);

    // One route's auth flipped: the definition, and one deployment.
    let mut open = target(&zip);
    let whoami = open
        .manifest
        .routes
        .iter_mut()
        .find(|r| r.path == "/whoami")
        .unwrap();
    whoami.authorization_type = AuthorizationType::None;
    proxy.reset();
    let t0 = Instant::now();
    deploy::deploy(sdk, open.clone(), options(&base, false)).unwrap();
    bench.push(("one-route auth change", proxy.calls(), t0.elapsed()));
    let ops: Vec<String> = proxy.mutating().into_iter().map(|c| c.operation).collect();
    assert_eq!(
        ops,
        [
            format!("PUT /restapis/{api_id}"),
            format!("POST /restapis/{api_id}/deployments"),
        ]
    );
    let snap = moto.normalized_snapshot();
    let resources = &snap["apis"]["showcase-dev"]["resources"];
    assert_eq!(resources["/whoami"]["GET"]["auth"], "NONE");
    assert_eq!(resources["/keyed"]["GET"]["apiKey"], true);
    assert_eq!(snap["roles"], first["roles"]);
    assert_eq!(snap["functions"], first["functions"]);

    // New code and a new environment: both applied to the function, then
    // one version of both, then the alias moves to it. Until then the alias
    // serves the old code with the old environment.
    let mut binary2 = binary.clone();
    binary2.extend_from_slice(b"another build");
    let zip2 = goblet_project::zip::bootstrap_zip(&binary2).expect("bootstrap.zip");
    let mut changed = open.clone();
    changed.zip = zip2.clone();
    changed.zip_sha256 = sha256_b64(&zip2);
    changed.function.environment = BTreeMap::from([("GREETING".into(), "hi".into())]);
    proxy.reset();
    let t0 = Instant::now();
    deploy::deploy(sdk, changed.clone(), options(&base, false)).unwrap();
    bench.push(("code and environment change", proxy.calls(), t0.elapsed()));
    let ops: Vec<String> = proxy.mutating().into_iter().map(|c| c.operation).collect();
    assert_eq!(
        ops,
        [
            "PUT /2015-03-31/functions/showcase-dev/code",
            "PUT /2015-03-31/functions/showcase-dev/configuration",
            "POST /2015-03-31/functions/showcase-dev/versions",
            "PUT /2015-03-31/functions/showcase-dev/aliases/live",
        ]
    );
    let function = &moto.normalized_snapshot()["functions"]["showcase-dev"];
    assert_eq!(function["aliases"], json!({"live": "2"}));
    assert_eq!(function["live"]["code_sha256"], sha256_b64(&zip2));
    assert_eq!(function["live"]["env"], json!({"GREETING": "hi"}));
    proxy.reset();
    deploy::deploy(sdk, changed.clone(), options(&base, false)).unwrap();
    assert_eq!(proxy.mutating(), [], "{:#?}", proxy.calls());

    // JSON logs at DEBUG: the configuration, a version of it, the alias;
    // then nothing again. (moto keeps no LoggingConfig: the proxy does, as
    // Lambda does, and answers through it.)
    let mut json_logs = changed.clone();
    let logging = Logging {
        format: LogFormat::Json,
        level: Some(LogLevel::Debug),
    };
    json_logs.function.logging = LoggingSettings::new(&logging, "/aws/lambda/showcase-dev".into());
    proxy.reset();
    deploy::deploy(sdk, json_logs.clone(), options(&base, false)).unwrap();
    assert_eq!(
        proxy.mutating_operations(),
        [
            "PUT /2015-03-31/functions/showcase-dev/configuration",
            "POST /2015-03-31/functions/showcase-dev/versions",
            "PUT /2015-03-31/functions/showcase-dev/aliases/live",
        ]
    );
    let sent: Value = serde_json::from_slice(
        &proxy.bodies("PUT /2015-03-31/functions/showcase-dev/configuration")[0],
    )
    .unwrap();
    assert_eq!(
        sent["LoggingConfig"],
        json!({"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "LogGroup": "/aws/lambda/showcase-dev"})
    );
    let function = &moto.snapshot_via(&proxy.endpoint())["functions"]["showcase-dev"];
    assert_eq!(function["live"]["logging"]["LogFormat"], "JSON");
    assert_eq!(function["live"]["logging"]["ApplicationLogLevel"], "DEBUG");
    proxy.reset();
    deploy::deploy(sdk, json_logs, options(&base, false)).unwrap();
    assert_eq!(proxy.mutating(), [], "{:#?}", proxy.calls());
    // And back to text: the level goes with the format.
    proxy.reset();
    deploy::deploy(sdk, changed, options(&base, false)).unwrap();
    assert_eq!(proxy.mutating().len(), 3, "{:#?}", proxy.calls());
    let live = &moto.snapshot_via(&proxy.endpoint())["functions"]["showcase-dev"]["live"];
    assert_eq!(
        live["logging"],
        json!({"LogFormat": "Text", "LogGroup": "/aws/lambda/showcase-dev"})
    );

    // A route added under a new path, then removed: resources follow.
    let mut more = open.clone();
    let mut extra = more.manifest.routes[0].clone();
    extra.path = "/a/{id}".into();
    more.manifest.routes.push(extra);
    deploy::deploy(sdk, more, options(&base, false)).unwrap();
    assert!(
        moto.normalized_snapshot()["apis"]["showcase-dev"]["resources"]["/a/{id}"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
    );
    proxy.reset();
    deploy::deploy(sdk, open, options(&base, false)).unwrap();
    let resources = &moto.normalized_snapshot()["apis"]["showcase-dev"]["resources"];
    assert!(resources.get("/a").is_none(), "{resources}");
    assert!(resources.get("/a/{id}").is_none(), "{resources}");
    assert_eq!(
        proxy.mutating().len(),
        2,
        "the definition and a deployment: {:#?}",
        proxy.calls()
    );

    // Delete, twice.
    for _ in 0..2 {
        deploy::delete(
            sdk,
            DeleteOptions {
                base_dir: base.clone(),
                stage: "dev".into(),
                yes: true,
            },
        )
        .unwrap();
        let snap = moto.snapshot();
        assert_eq!(snap["usage_plans"], json!({}));
        assert_eq!(snap["api_keys"], json!({}));
        assert_eq!(snap["roles"], json!({}));
        assert_eq!(snap["functions"], json!({}));
        assert_eq!(snap["apis"], json!({}));
        assert_eq!(snap["log_groups"], json!({}));
        assert!(!base.join(".goblet/deployed/dev.json").exists());
    }

    println!(
        "\n| showcase ({} routes) vs moto | mutating calls | total calls | wall time |",
        target(&zip).manifest.routes.len()
    );
    println!("|---|---:|---:|---:|");
    for (name, calls, time) in bench {
        println!(
            "| {name} | {} | {} | {:.0} ms |",
            calls.iter().filter(|c| c.mutating).count(),
            calls.len(),
            time.as_secs_f64() * 1000.0
        );
    }
}

/// The REST API `goblet package` writes for `target` (its CloudFormation
/// template) against the one deployed (`api`, a snapshot): the same
/// resources, methods, authorization, API keys, integrations, binary media
/// types and gateway responses.
fn same_api_as_package(api: &Value, target: &Target) {
    let mut config = goblet_project::config::StageConfig::defaults("showcase", "dev");
    config.endpoint_type = goblet_project::config::EndpointType::Regional;
    config.api_gateway_stage = "dev".into();
    let template: Value = serde_json::from_str(&deploy::package::render(
        deploy::package::Format::CloudFormation,
        &target.manifest,
        &config,
        "",
    ))
    .unwrap();
    let resources = template["Resources"].as_object().unwrap();
    let path_of = |reference: &Value| -> String {
        let mut parts = Vec::new();
        let mut at = reference.clone();
        while let Some(id) = at["Ref"].as_str() {
            let r = &resources[id]["Properties"];
            parts.push(r["PathPart"].as_str().unwrap().to_owned());
            at = r["ParentId"].clone();
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    };
    let mut packaged = BTreeMap::new();
    let mut responses = BTreeMap::new();
    for r in resources.values() {
        let p = &r["Properties"];
        match r["Type"].as_str().unwrap() {
            "AWS::ApiGateway::Method" => {
                let integration = &p["Integration"];
                let mut method = json!({
                    "auth": p["AuthorizationType"], "apiKey": p["ApiKeyRequired"],
                    "integration": integration["Type"],
                });
                if let Some(c) = integration.get("ContentHandling") {
                    method["contentHandling"] = c.clone();
                }
                // What the integration invokes: the function's alias, by name.
                if let Some(uri) = integration["Uri"]["Fn::Sub"].as_str() {
                    let alias = uri
                        .split("${")
                        .filter_map(|part| part.split_once('}'))
                        .map(|(id, _)| id)
                        .find(|id| resources.get(*id).is_some())
                        .expect("the URI names a resource");
                    assert_eq!(resources[alias]["Type"], "AWS::Lambda::Alias", "{uri}");
                    method["invokes"] = resources[alias]["Properties"]["Name"].clone();
                }
                packaged.insert(
                    (
                        path_of(&p["ResourceId"]),
                        p["HttpMethod"].as_str().unwrap().to_owned(),
                    ),
                    method,
                );
            }
            "AWS::ApiGateway::GatewayResponse" => {
                responses.insert(
                    p["ResponseType"].as_str().unwrap().to_owned(),
                    p["ResponseParameters"].clone(),
                );
            }
            _ => {}
        }
    }
    let mut deployed = BTreeMap::new();
    for (path, methods) in api["resources"].as_object().unwrap() {
        for (method, m) in methods.as_object().unwrap() {
            let mut method_json = json!({
                "auth": m["auth"], "apiKey": m["apiKey"], "integration": m["integration"],
            });
            if let Some(c) = m.get("contentHandling") {
                method_json["contentHandling"] = c.clone();
            }
            if let Some(uri) = m["uri"].as_str() {
                // `…/functions/arn:aws:lambda:region:account:function:name:live/invocations`
                let function = uri.split("/functions/").nth(1).unwrap_or_default();
                let qualifier = function.trim_end_matches("/invocations").split(':').nth(7);
                method_json["invokes"] = json!(qualifier);
            }
            deployed.insert((path.clone(), method.clone()), method_json);
        }
    }
    assert_eq!(deployed, packaged);
    assert_eq!(
        api["binaryMediaTypes"],
        template["Resources"]["RestApi"]["Properties"]["BinaryMediaTypes"]
    );
    assert_eq!(api["gatewayResponses"], json!(responses));
    assert!(!responses.is_empty(), "the showcase has CORS routes");
}
