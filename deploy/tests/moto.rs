//! The deployer's plan/apply/record cycle against moto's server on loopback,
//! with a recording proxy counting the AWS calls.
//!
//! Runs the deploy library in-process on hello world's real manifest (read
//! from its release binary). One test: the AWS endpoint is process-wide.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use goblet_core::AuthorizationType;
use goblet_deploy::target::{FunctionSettings, RoleTarget, TAG_APP, TAG_STAGE, Target};
use goblet_deploy::{self as deploy, DeleteOptions, DeployOptions};
use goblet_tests::aws_proxy::Proxy;
use goblet_tests::build::{release, scratch_dir};
use goblet_tests::moto::{Moto, credentials};
use serde_json::{Value, json};

fn target(zip: &[u8]) -> Target {
    let app =
        goblet_project::read_app_binary(&release().helloworld).expect("helloworld's manifest");
    let tags = BTreeMap::from([
        (TAG_APP.to_owned(), "helloworld".to_owned()),
        (TAG_STAGE.to_owned(), "dev".to_owned()),
    ]);
    Target {
        app_name: "helloworld".into(),
        stage: "dev".into(),
        function_name: "helloworld-dev".into(),
        role: RoleTarget::Managed {
            name: "helloworld-dev".into(),
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
        },
        tags,
        reserved_concurrency: None,
        log_retention_days: Some(14),
        api_name: "helloworld-dev".into(),
        api_stage: "dev".into(),
        endpoint_type: "REGIONAL".into(),
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
    // hello world's real package, so the figures include a real upload.
    let binary = std::fs::read(&release().helloworld).expect("helloworld's binary");
    let zip = goblet_project::zip::bootstrap_zip(&binary).expect("bootstrap.zip");
    let mut bench = Vec::new();

    // Dry run of a first deploy: reads only.
    deploy::deploy(sdk, target(&zip), options(&base, true)).unwrap();
    assert_eq!(proxy.mutating(), [], "{:#?}", proxy.calls());
    assert!(!base.join(".goblet/deployed/dev.json").exists());

    // First deploy.
    proxy.reset();
    let t0 = Instant::now();
    deploy::deploy(sdk, target(&zip), options(&base, false)).unwrap();
    bench.push(("first deploy", proxy.calls(), t0.elapsed()));
    let snap = moto.normalized_snapshot();
    let role = &snap["roles"]["helloworld-dev"];
    assert!(
        role["trust"].to_string().contains("lambda.amazonaws.com"),
        "{role}"
    );
    assert!(
        role["policies"]["goblet"]
            .to_string()
            .contains("logs:PutLogEvents")
    );
    let function = &snap["functions"]["helloworld-dev"];
    assert_eq!(function["runtime"], "provided.al2023");
    assert_eq!(function["handler"], "bootstrap");
    assert_eq!(function["arch"], json!(["x86_64"]));
    assert_eq!(function["code_sha256"], sha256_b64(&zip));
    assert_eq!(function["tags"][TAG_APP], "helloworld");
    let fn_arn = "arn:aws:lambda:us-east-1:123456789012:function:helloworld-dev";
    assert_eq!(
        function["permissions"],
        json!([{"sid": "goblet-apigateway-invoke", "principal": {"Service": "apigateway.amazonaws.com"},
                "action": "lambda:InvokeFunction",
                "condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:<api>/*"}}}])
    );
    let api = &snap["apis"]["helloworld-dev"];
    assert_eq!(
        api["tags"],
        json!({"goblet:app": "helloworld", "goblet:stage": "dev"})
    );
    assert_eq!(api["stages"], json!({"dev": true}));
    assert_eq!(
        api["resources"],
        json!({"/": {"GET": {"auth": "AWS_IAM", "apiKey": false, "integration": "AWS_PROXY",
            "integrationMethod": "POST",
            "uri": format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn_arn}/invocations")}}})
    );
    assert_eq!(snap["log_groups"]["/aws/lambda/helloworld-dev"], 14);
    let record: Value =
        serde_json::from_slice(&std::fs::read(base.join(".goblet/deployed/dev.json")).unwrap())
            .unwrap();
    let api_id = record["rest_api"]["id"].as_str().unwrap();
    assert_eq!(
        record["url"],
        format!("{}/restapis/{api_id}/dev/_user_request_/", proxy.endpoint())
    );
    // One call per thing created; reads only before the first change.
    let ops: Vec<String> = proxy.mutating().into_iter().map(|c| c.operation).collect();
    assert_eq!(ops.len(), 10, "{ops:#?}");
    let first = snap;

    // Unchanged: zero mutating calls, no new deployment.
    proxy.reset();
    let t0 = Instant::now();
    deploy::deploy(sdk, target(&zip), options(&base, false)).unwrap();
    bench.push(("unchanged redeploy", proxy.calls(), t0.elapsed()));
    assert_eq!(proxy.mutating(), [], "{:#?}", proxy.calls());
    assert_eq!(moto.normalized_snapshot(), first);

    // One route's auth flipped: that method, and one deployment.
    let mut open = target(&zip);
    open.manifest.routes[0].authorization_type = AuthorizationType::None;
    proxy.reset();
    let t0 = Instant::now();
    deploy::deploy(sdk, open.clone(), options(&base, false)).unwrap();
    bench.push(("one-route auth change", proxy.calls(), t0.elapsed()));
    let ops: Vec<String> = proxy.mutating().into_iter().map(|c| c.operation).collect();
    let resource = ops[0].clone();
    assert!(resource.starts_with("DELETE /restapis/"), "{ops:#?}");
    assert_eq!(
        ops,
        [
            resource.clone(),
            resource.replace("DELETE", "PUT"),
            format!("{}/integration", resource.replace("DELETE", "PUT")),
            format!("POST /restapis/{api_id}/deployments"),
        ]
    );
    let snap = moto.normalized_snapshot();
    assert_eq!(
        snap["apis"]["helloworld-dev"]["resources"]["/"]["GET"]["auth"],
        "NONE"
    );
    assert_eq!(snap["roles"], first["roles"]);
    assert_eq!(snap["functions"], first["functions"]);

    // A route added under a new path, then removed: method and resources go.
    let mut more = open.clone();
    let mut extra = more.manifest.routes[0].clone();
    extra.path = "/a/{id}".into();
    more.manifest.routes.push(extra);
    deploy::deploy(sdk, more, options(&base, false)).unwrap();
    assert!(
        moto.normalized_snapshot()["apis"]["helloworld-dev"]["resources"]["/a/{id}"]["GET"]
            .is_object()
    );
    proxy.reset();
    deploy::deploy(sdk, open, options(&base, false)).unwrap();
    let resources = &moto.normalized_snapshot()["apis"]["helloworld-dev"]["resources"];
    assert_eq!(resources.as_object().unwrap().len(), 1, "{resources}");
    let ops: Vec<String> = proxy.mutating().into_iter().map(|c| c.operation).collect();
    assert_eq!(
        ops.len(),
        3,
        "two resource deletes and a deployment: {ops:#?}"
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
        assert_eq!(snap["roles"], json!({}));
        assert_eq!(snap["functions"], json!({}));
        assert_eq!(snap["apis"], json!({}));
        assert_eq!(snap["log_groups"], json!({}));
        assert!(!base.join(".goblet/deployed/dev.json").exists());
    }

    println!("\n| hello world vs moto | mutating calls | total calls | wall time |");
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
