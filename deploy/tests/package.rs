//! `goblet package`: CloudFormation and SAM templates that pass cfn-lint (SAM
//! also after aws-sam-translator), a Terraform configuration that parses, all
//! deterministic and describing the deployer's resources.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use goblet_core::Manifest;
use goblet_core::logging::{LogFormat, LogLevel, Logging};
use goblet_deploy::package::{self, Format};
use goblet_project::config::{
    Architecture, EndpointType, RoleConfig, StageConfig, UsagePlanConfig,
};
use goblet_tests::elf::{Elf, records, route, scratch};
use serde_json::{Value, json};

fn app() -> Elf {
    Elf {
        routes: Some(records(
            "shop",
            &[
                &route("/", "GET", "AWS_IAM", false, false),
                &route("/users", "GET", "NONE", false, true),
                &route("/users", "POST", "NONE", true, true),
                &route("/users/{id}", "GET", "AWS_IAM", false, false),
                &route("/users/{id}", "DELETE", "AWS_IAM", true, false),
                &route("/files/{path+}", "ANY", "NONE", false, false),
                &route("/a-b", "GET", "NONE", false, false),
                &route("/ab", "GET", "NONE", false, false),
                &route("/v1.2/x_y-z", "PUT", "NONE", false, true),
            ],
        )),
        ..Elf::hello()
    }
}

fn manifest() -> Manifest {
    goblet_project::manifest::parse_app_binary(&app().build())
        .unwrap()
        .manifest
}

fn full_config() -> StageConfig {
    StageConfig {
        memory_mb: 512,
        timeout_s: 20,
        architecture: Architecture::Arm64,
        environment: [(
            "GREETING".to_owned(),
            "hello ${not} %{a} template".to_owned(),
        )]
        .into(),
        tags: [("team".to_owned(), "web".to_owned())].into(),
        reserved_concurrency: Some(3),
        log_retention_days: Some(14),
        logging: Logging {
            format: LogFormat::Json,
            level: Some(LogLevel::Debug),
        },
        endpoint_type: EndpointType::Regional,
        api_gateway_stage: "v1".into(),
        usage_plan: UsagePlanConfig {
            rate_limit: Some(100.0),
            burst_limit: Some(200),
            quota_limit: Some(10000),
            quota_period: Some("MONTH".into()),
        },
        api_key_ids: vec!["a1b2c3d4e5".into()],
        role: RoleConfig::Managed {
            extra_statements: vec![
                json!({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::shop-bucket/*"}),
            ],
        },
        ..StageConfig::defaults("shop", "prod")
    }
}

fn existing_role_config() -> StageConfig {
    StageConfig {
        role: RoleConfig::Existing {
            arn: "arn:aws:iam::123456789012:role/shop".into(),
        },
        ..StageConfig::defaults("shop", "dev")
    }
}

/// A PRIVATE API reached through two VPC endpoints.
fn private_config() -> StageConfig {
    StageConfig {
        endpoint_type: EndpointType::Private,
        vpc_endpoint_ids: vec!["vpce-0123456789abcdef0".into(), "vpce-1a2b3c4d".into()],
        ..StageConfig::defaults("shop", "internal")
    }
}

fn configs() -> [(&'static str, StageConfig); 4] {
    [
        ("default", StageConfig::defaults("shop", "dev")),
        ("full", full_config()),
        ("existing-role", existing_role_config()),
        ("private", private_config()),
    ]
}

#[test]
fn api_key_routes_get_a_usage_plan_and_a_key() {
    // goblet's own key by default.
    let default = cfn(&StageConfig::defaults("shop", "dev"));
    let r = &default["Resources"];
    assert_eq!(r["UsagePlan"]["Type"], "AWS::ApiGateway::UsagePlan");
    assert_eq!(
        r["UsagePlan"]["Properties"]["ApiStages"],
        json!([{"ApiId": {"Ref": "RestApi"}, "Stage": {"Ref": "ApiStage"}}])
    );
    assert_eq!(r["ApiKey"]["Properties"]["Enabled"], true);
    assert_eq!(
        r["UsagePlanKey"]["Properties"],
        json!({"KeyId": {"Ref": "ApiKey"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "UsagePlan"}})
    );
    // The configured keys and limits instead.
    let full = cfn(&full_config());
    let r = &full["Resources"];
    assert!(r.get("ApiKey").is_none());
    assert_eq!(r["UsagePlanKey"]["Properties"]["KeyId"], "a1b2c3d4e5");
    assert_eq!(
        r["UsagePlan"]["Properties"]["Throttle"],
        json!({"RateLimit": 100.0, "BurstLimit": 200})
    );
    assert_eq!(
        r["UsagePlan"]["Properties"]["Quota"],
        json!({"Limit": 10000, "Period": "MONTH"})
    );
    let tf = package::render(package::Format::Terraform, &manifest(), &full_config(), "h");
    assert!(
        tf.contains("resource \"aws_api_gateway_usage_plan\" \"api\""),
        "{tf}"
    );
    assert!(tf.contains("key_id        = \"a1b2c3d4e5\""), "{tf}");
}

#[test]
fn a_private_api_carries_its_resource_policy_in_every_format() {
    let config = private_config();
    let api = &cfn(&config)["Resources"]["RestApi"]["Properties"];
    assert_eq!(api["EndpointConfiguration"]["Types"], json!(["PRIVATE"]));
    assert_eq!(
        api["Policy"]["Statement"][0],
        json!({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
               "Resource": "execute-api:/*",
               "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-0123456789abcdef0", "vpce-1a2b3c4d"]}}})
    );
    let tf = package::render(package::Format::Terraform, &manifest(), &config, "h");
    assert!(tf.contains("aws:SourceVpce"), "{tf}");
    // Public APIs have none.
    let public = &cfn(&StageConfig::defaults("shop", "dev"))["Resources"]["RestApi"]["Properties"];
    assert!(public.get("Policy").is_none());
}

fn venv_bin(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let path = root.join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `bash scripts/setup-python.sh` first",
        path.display()
    );
    path
}

fn cfn_lint(files: &[PathBuf]) {
    let output = Command::new(venv_bin("cfn-lint"))
        .args(files)
        .output()
        .expect("run cfn-lint");
    assert!(
        output.status.success(),
        "cfn-lint found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The SAM template at `path` through aws-sam-translator, into `out`. The
/// translator wants an S3 `CodeUri`; the template keeps the local zip.
fn sam_translate(path: &Path, out: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python/sam_translate.py");
    let output = Command::new(venv_bin("python"))
        .arg(script)
        .arg(path)
        .arg(out)
        .args(["--code-uri", "s3://goblet-test-bucket/bootstrap.zip"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "aws-sam-translator failed on {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

#[test]
fn cloudformation_and_sam_pass_cfn_lint_and_the_sam_translator() {
    let dir = scratch("package-lint");
    let manifest = manifest();
    let mut files = Vec::new();
    for (name, config) in configs() {
        for format in [Format::CloudFormation, Format::Sam] {
            let path = dir.join(format!("{name}-{}", format.template_file()));
            std::fs::write(&path, package::render(format, &manifest, &config, "hash")).unwrap();
            files.push(path.clone());
            if format == Format::Sam {
                let out = dir.join(format!("{name}-sam-translated.json"));
                let translated = sam_translate(&path, &out);
                assert_eq!(
                    translated["Resources"]["Function"]["Type"],
                    "AWS::Lambda::Function"
                );
                assert_eq!(
                    translated["Resources"]["Function"]["Properties"]["Code"],
                    json!({"S3Bucket": "goblet-test-bucket", "S3Key": "bootstrap.zip"})
                );
                files.push(out);
            }
        }
    }
    cfn_lint(&files);
}

fn cfn(config: &StageConfig) -> Value {
    serde_json::from_str(&package::render(
        Format::CloudFormation,
        &manifest(),
        config,
        "hash",
    ))
    .unwrap()
}

#[test]
fn cloudformation_describes_the_deployed_resources() {
    let t = cfn(&full_config());
    let r = &t["Resources"];
    let types: BTreeSet<(String, String)> = r
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["Type"].as_str().unwrap().to_owned()))
        .collect();
    for (id, ty) in [
        ("FunctionRole", "AWS::IAM::Role"),
        ("Function", "AWS::Lambda::Function"),
        ("FunctionLogGroup", "AWS::Logs::LogGroup"),
        ("RestApi", "AWS::ApiGateway::RestApi"),
        ("ResourceUsers", "AWS::ApiGateway::Resource"),
        ("ResourceUsersId", "AWS::ApiGateway::Resource"),
        ("ResourceFiles", "AWS::ApiGateway::Resource"),
        ("ResourceFilesPath", "AWS::ApiGateway::Resource"),
        ("ResourceAB", "AWS::ApiGateway::Resource"),
        ("ResourceAb", "AWS::ApiGateway::Resource"),
        ("ResourceV12", "AWS::ApiGateway::Resource"),
        ("ResourceV12XYZ", "AWS::ApiGateway::Resource"),
        ("MethodGet", "AWS::ApiGateway::Method"),
        ("MethodUsersGet", "AWS::ApiGateway::Method"),
        ("MethodUsersPost", "AWS::ApiGateway::Method"),
        ("MethodUsersOptions", "AWS::ApiGateway::Method"),
        ("MethodUsersIdGet", "AWS::ApiGateway::Method"),
        ("MethodUsersIdDelete", "AWS::ApiGateway::Method"),
        ("MethodFilesPathAny", "AWS::ApiGateway::Method"),
        ("MethodV12XYZPut", "AWS::ApiGateway::Method"),
        ("MethodV12XYZOptions", "AWS::ApiGateway::Method"),
        ("ApiStage", "AWS::ApiGateway::Stage"),
        ("ApiInvokePermission", "AWS::Lambda::Permission"),
    ] {
        assert!(
            types.contains(&(id.to_owned(), ty.to_owned())),
            "{id} {ty} in {types:?}"
        );
    }
    // One resource per path segment, one method per route plus two CORS mocks, one deployment.
    let count = |ty: &str| types.iter().filter(|(_, t)| t == ty).count();
    assert_eq!(count("AWS::ApiGateway::Resource"), 8);
    assert_eq!(count("AWS::ApiGateway::Method"), 11);
    assert_eq!(count("AWS::ApiGateway::Deployment"), 1);

    assert_eq!(
        r["ResourceUsersId"]["Properties"]["ParentId"],
        json!({"Ref": "ResourceUsers"})
    );
    assert_eq!(r["ResourceUsersId"]["Properties"]["PathPart"], "{id}");
    assert_eq!(
        r["ResourceUsers"]["Properties"]["ParentId"],
        json!({"Fn::GetAtt": ["RestApi", "RootResourceId"]})
    );
    let get = &r["MethodUsersIdGet"]["Properties"];
    assert_eq!(get["AuthorizationType"], "AWS_IAM");
    assert_eq!(get["ApiKeyRequired"], false);
    assert_eq!(get["Integration"]["Type"], "AWS_PROXY");
    assert_eq!(get["Integration"]["IntegrationHttpMethod"], "POST");
    assert_eq!(
        get["Integration"]["Uri"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FunctionAliaslive}/invocations"})
    );
    // The API invokes the alias `live`, on a version of this code and
    // configuration.
    let alias = &r["FunctionAliaslive"];
    assert_eq!(alias["Type"], "AWS::Lambda::Alias");
    assert_eq!(alias["Properties"]["Name"], "live");
    let version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        .as_str()
        .unwrap();
    assert!(version_id.starts_with("FunctionVersion"), "{version_id}");
    assert_eq!(r[version_id]["Type"], "AWS::Lambda::Version");
    assert_eq!(r[version_id]["Properties"]["CodeSha256"], "hash");
    assert_eq!(
        r[version_id]["Properties"]["FunctionName"],
        json!({"Ref": "Function"})
    );
    assert_eq!(
        r["ApiInvokePermission"]["Properties"]["FunctionName"],
        json!({"Ref": "FunctionAliaslive"})
    );
    assert_eq!(r["MethodUsersPost"]["Properties"]["ApiKeyRequired"], true);
    assert_eq!(
        r["MethodUsersPost"]["Properties"]["AuthorizationType"],
        "NONE"
    );
    let mock = &r["MethodUsersOptions"]["Properties"];
    assert_eq!(mock["Integration"]["Type"], "MOCK");
    assert_eq!(
        mock["Integration"]["IntegrationResponses"][0]["ResponseParameters"]["method.response.header.Access-Control-Allow-Methods"],
        "'GET,OPTIONS,POST'"
    );

    let f = &r["Function"]["Properties"];
    assert_eq!(f["Runtime"], "provided.al2023");
    assert_eq!(f["Handler"], "bootstrap");
    assert_eq!(f["Architectures"], json!(["arm64"]));
    assert_eq!(
        (f["MemorySize"].as_u64(), f["Timeout"].as_u64()),
        (Some(512), Some(20))
    );
    assert_eq!(f["ReservedConcurrentExecutions"], 3);
    assert_eq!(f["FunctionName"], "shop-prod");
    assert_eq!(f["Role"], json!({"Fn::GetAtt": ["FunctionRole", "Arn"]}));
    assert_eq!(
        f["Environment"]["Variables"]["GREETING"],
        "hello ${not} %{a} template"
    );
    assert_eq!(
        f["Tags"],
        json!([{"Key": "goblet:app", "Value": "shop"}, {"Key": "goblet:stage", "Value": "prod"}, {"Key": "team", "Value": "web"}])
    );
    assert_eq!(
        f["LoggingConfig"],
        json!({"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "LogGroup": "/aws/lambda/shop-prod"})
    );
    assert_eq!(r["Function"]["DependsOn"], json!(["FunctionLogGroup"]));
    assert_eq!(r["FunctionLogGroup"]["Properties"]["RetentionInDays"], 14);
    assert_eq!(
        r["FunctionLogGroup"]["Properties"]["LogGroupName"],
        "/aws/lambda/shop-prod"
    );

    let role = &r["FunctionRole"]["Properties"];
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );
    let statements = &role["Policies"][0]["PolicyDocument"]["Statement"];
    assert_eq!(statements[0]["Action"][1], "logs:CreateLogStream");
    assert_eq!(statements[1]["Resource"], "arn:aws:s3:::shop-bucket/*");

    assert_eq!(
        r["RestApi"]["Properties"]["EndpointConfiguration"]["Types"],
        json!(["REGIONAL"])
    );
    assert_eq!(r["ApiStage"]["Properties"]["StageName"], "v1");
    let permission = &r["ApiInvokePermission"]["Properties"];
    assert_eq!(permission["Action"], "lambda:InvokeFunction");
    assert_eq!(permission["Principal"], "apigateway.amazonaws.com");
    assert_eq!(
        permission["SourceArn"],
        json!({"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApi}/*"})
    );
    assert_eq!(
        t["Outputs"]["InvokeUrl"]["Value"],
        json!({"Fn::Sub": "https://${RestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/v1/"})
    );
}

/// A CloudFormation version is immutable: a new one, under a new logical
/// id, whenever the code or a setting a version keeps changes, and the same
/// one otherwise.
#[test]
fn the_function_version_changes_with_the_code_and_configuration() {
    let version_of = |config: &StageConfig, sha: &str| -> String {
        let t: Value = serde_json::from_str(&package::render(
            Format::CloudFormation,
            &manifest(),
            config,
            sha,
        ))
        .unwrap();
        t["Resources"]["FunctionAliaslive"]["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let base = full_config();
    let same = version_of(&base, "hash");
    assert_eq!(version_of(&base, "hash"), same);
    let mut tagged = base.clone();
    tagged.tags.insert("owner".into(), "me".into());
    assert_eq!(version_of(&tagged, "hash"), same, "tags are not versioned");
    type Edit = fn(&mut StageConfig);
    let rows: &[(&str, Edit)] = &[
        ("memory", |c| c.memory_mb = 1024),
        ("timeout", |c| c.timeout_s = 5),
        ("environment", |c| {
            c.environment.insert("NEW".into(), "1".into());
        }),
        ("architecture", |c| c.architecture = Architecture::X86_64),
        ("log level", |c| c.logging.level = Some(LogLevel::Warn)),
        ("log format", |c| c.logging = Logging::default()),
    ];
    for (what, edit) in rows {
        let mut changed = base.clone();
        edit(&mut changed);
        assert_ne!(version_of(&changed, "hash"), same, "{what}");
    }
    assert_ne!(version_of(&base, "other code"), same, "code");
}

#[test]
fn an_existing_role_is_used_not_created() {
    let t = cfn(&existing_role_config());
    let r = &t["Resources"];
    assert!(r.get("FunctionRole").is_none());
    assert!(r.get("FunctionLogGroup").is_none());
    assert_eq!(
        r["Function"]["Properties"]["Role"],
        "arn:aws:iam::123456789012:role/shop"
    );
    assert!(r["Function"].get("DependsOn").is_none());
    assert!(
        r["Function"]["Properties"]
            .get("ReservedConcurrentExecutions")
            .is_none()
    );
    assert_eq!(
        r["Function"]["Properties"]["Architectures"],
        json!(["x86_64"])
    );
    assert_eq!(
        r["RestApi"]["Properties"]["EndpointConfiguration"]["Types"],
        json!(["EDGE"])
    );
}

#[test]
fn the_deployment_changes_with_the_api_only() {
    let id = |t: &Value| {
        t["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .find(|k| k.starts_with("Deployment"))
            .unwrap()
            .clone()
    };
    let base = StageConfig::defaults("shop", "dev");
    let more_memory = StageConfig {
        memory_mb: 1024,
        ..base.clone()
    };
    let other_stage = StageConfig {
        api_gateway_stage: "v2".into(),
        ..base.clone()
    };
    assert_eq!(id(&cfn(&base)), id(&cfn(&more_memory)));
    assert_ne!(id(&cfn(&base)), id(&cfn(&other_stage)));
}

#[test]
fn terraform_parses_and_names_every_resource() {
    let manifest = manifest();
    for (name, config) in configs() {
        let text = package::render(Format::Terraform, &manifest, &config, "c29tZSBoYXNo");
        let body: hcl::Body = hcl::from_str(&text)
            .unwrap_or_else(|e| panic!("{name}: main.tf does not parse: {e}\n{text}"));
        let mut resources = BTreeSet::new();
        for block in body.blocks() {
            if block.identifier() == "resource" {
                let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
                resources.insert(format!("{}.{}", labels[0], labels[1]));
            }
        }
        let expect = |r: &str, present: bool| {
            assert_eq!(
                resources.contains(r),
                present,
                "{name}: {r} in {resources:?}"
            );
        };
        let managed = matches!(config.role, RoleConfig::Managed { .. });
        expect("aws_iam_role.function", managed);
        expect("aws_iam_role_policy.function", managed);
        expect(
            "aws_cloudwatch_log_group.function",
            config.log_retention_days.is_some(),
        );
        for r in [
            "aws_lambda_function.function",
            "aws_api_gateway_rest_api.api",
            "aws_api_gateway_resource.users",
            "aws_api_gateway_resource.users_id",
            "aws_api_gateway_resource.files_path",
            "aws_api_gateway_method.users_id_get",
            "aws_api_gateway_integration.users_id_get",
            "aws_api_gateway_method.get",
            "aws_api_gateway_method.users_options",
            "aws_api_gateway_integration.users_options",
            "aws_api_gateway_method_response.users_options",
            "aws_api_gateway_integration_response.users_options",
            "aws_api_gateway_deployment.api",
            "aws_api_gateway_stage.api",
            "aws_lambda_permission.api",
        ] {
            expect(r, true);
        }
        assert_eq!(
            resources
                .iter()
                .filter(|r| r.starts_with("aws_api_gateway_method."))
                .count(),
            11
        );
        let function = body
            .blocks()
            .find(|b| {
                b.identifier() == "resource"
                    && b.labels().iter().map(|l| l.as_str()).collect::<Vec<_>>()
                        == ["aws_lambda_function", "function"]
            })
            .unwrap();
        let attr = |key: &str| {
            function
                .body()
                .attributes()
                .find(|a| a.key() == key)
                .unwrap_or_else(|| panic!("{name}: no {key}"))
                .expr()
                .to_string()
        };
        assert_eq!(attr("runtime"), "\"provided.al2023\"");
        assert_eq!(attr("handler"), "\"bootstrap\"");
        assert_eq!(attr("source_code_hash"), "\"c29tZSBoYXNo\"");
        assert!(attr("filename").contains("bootstrap.zip"));
        assert_eq!(attr("memory_size"), config.memory_mb.to_string());
        assert!(attr("architectures").contains(config.architecture.as_str()));
        assert!(text.contains("uri                     = aws_lambda_alias.live.invoke_arn"));
        assert_eq!(attr("publish"), "true");
        assert!(text.contains("qualifier     = aws_lambda_alias.live.name"));
        assert!(text.contains("function_version = aws_lambda_function.function.version"));
        assert!(
            text.contains("source_arn    = \"${aws_api_gateway_rest_api.api.execution_arn}/*\"")
        );
        let logging = function
            .body()
            .blocks()
            .find(|b| b.identifier() == "logging_config")
            .unwrap_or_else(|| panic!("{name}: no logging_config"));
        let logging_attr = |key: &str| {
            logging
                .body()
                .attributes()
                .find(|a| a.key() == key)
                .map(|a| a.expr().to_string())
        };
        assert_eq!(
            logging_attr("log_group"),
            Some(format!("\"{}\"", config.log_group_name()))
        );
        if name == "full" {
            // `${` in a value stays literal.
            assert!(text.contains("hello $${not} %%{a} template"), "{text}");
            assert_eq!(logging_attr("log_format").as_deref(), Some("\"JSON\""));
            assert_eq!(
                logging_attr("application_log_level").as_deref(),
                Some("\"DEBUG\"")
            );
        } else {
            // Text, said explicitly: the provider keeps the last format it saw otherwise.
            assert_eq!(logging_attr("log_format").as_deref(), Some("\"Text\""));
            assert_eq!(logging_attr("application_log_level"), None);
        }
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let manifest = manifest();
    for (_, config) in configs() {
        for format in [Format::CloudFormation, Format::Sam, Format::Terraform] {
            assert_eq!(
                package::render(format, &manifest, &config, "h"),
                package::render(format, &manifest, &config, "h")
            );
        }
    }
}

/// The release `goblet` command (built once for every end-to-end test).
fn goblet(args: &[&str]) -> std::process::Output {
    goblet_tests::cli::command().args(args).output().unwrap()
}

#[test]
fn the_package_command_writes_the_template_and_the_zip_deterministically() {
    let dir = scratch("package-command");
    let binary = dir.join("shop");
    std::fs::write(&binary, app().build()).unwrap();
    let project = dir.join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"shop\"\n\n[package.metadata.goblet]\nlog_retention_days = 7\n\n[package.metadata.goblet.stages.prod]\nmemory = 1024\n",
    )
    .unwrap();
    let mut outputs = Vec::new();
    for (run, format) in [
        (0, "cloudformation"),
        (1, "cloudformation"),
        (0, "sam"),
        (0, "terraform"),
    ] {
        let out = dir.join(format!("out-{format}-{run}"));
        let output = goblet(&[
            "package",
            "--format",
            format,
            "--binary",
            binary.to_str().unwrap(),
            "--project",
            project.to_str().unwrap(),
            "--stage",
            "prod",
            out.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let template = out.join(match format {
            "cloudformation" => "template.json",
            "sam" => "sam.json",
            _ => "main.tf",
        });
        let template = std::fs::read_to_string(&template).unwrap();
        let zip = std::fs::read(out.join("bootstrap.zip")).unwrap();
        assert_eq!(
            zip,
            goblet_project::zip::bootstrap_zip(&app().build()).unwrap()
        );
        outputs.push((template, zip));
    }
    assert_eq!(outputs[0], outputs[1]);
    let t: Value = serde_json::from_str(&outputs[0].0).unwrap();
    assert_eq!(t["Resources"]["Function"]["Properties"]["MemorySize"], 1024);
    assert_eq!(
        t["Resources"]["FunctionLogGroup"]["Properties"]["RetentionInDays"],
        7
    );
    let sam: Value = serde_json::from_str(&outputs[2].0).unwrap();
    assert_eq!(
        sam["Resources"]["Function"]["Properties"]["CodeUri"],
        "bootstrap.zip"
    );
    let hash = goblet_project::zip::code_sha256_base64(&outputs[3].1);
    assert!(
        outputs[3]
            .0
            .contains(&format!("source_code_hash = \"{hash}\""))
    );

    // Bad configuration, bad binary: one clear line each, nothing written.
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"shop\"\n\n[package.metadata.goblet.stages.prod]\nmemory = 64\n",
    )
    .unwrap();
    let out = dir.join("out-bad");
    let output = goblet(&[
        "package",
        "--format",
        "sam",
        "--binary",
        binary.to_str().unwrap(),
        "--project",
        project.to_str().unwrap(),
        "--stage",
        "prod",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "[package.metadata.goblet.stages.prod] memory = 64: must be between 128 and 10240 MB"
        ),
        "{stderr}"
    );
    assert!(!out.exists());
    let output = goblet(&[
        "package",
        "--format",
        "sam",
        "--binary",
        project.join("Cargo.toml").to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("this is a text file"));
    let output = goblet(&[
        "package",
        "--format",
        "sam",
        "--binary",
        binary.to_str().unwrap(),
        "--memory",
        "99999",
        out.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--memory 99999: must be between"));
}

/// `GET /orders` behind the TOKEN authorizer `tokens`, `GET /tenants`
/// behind the REQUEST authorizer `tenants` (two sources, no cache), `/` open.
fn authorizers_manifest(tokens_ttl: u32) -> Manifest {
    use goblet_core::{AuthorizationType, Authorizer, AuthorizerKind, Method, Route};
    let route = |path: &str, authorizer: Option<&str>| Route {
        authorization_type: if authorizer.is_some() {
            AuthorizationType::Custom
        } else {
            AuthorizationType::None
        },
        content_types: vec!["application/json".into()],
        name: "h".into(),
        source: format!("src/app.rs:{}", path.len()),
        authorizer: authorizer.map(str::to_owned),
        ..Route::new(Method::Get, path, "orders::app::h")
    };
    Manifest::with_authorizers(
        "0.1.0".into(),
        "orders".into(),
        vec![
            route("/", None),
            route("/orders", Some("tokens")),
            route("/tenants", Some("tenants")),
        ],
        vec![
            Authorizer {
                name: "tokens".into(),
                kind: AuthorizerKind::Token,
                identity_sources: vec!["method.request.header.Authorization".into()],
                ttl_seconds: tokens_ttl,
                handler: "orders::app::tokens".into(),
                source: "src/app.rs:1".into(),
            },
            Authorizer {
                name: "tenants".into(),
                kind: AuthorizerKind::Request,
                identity_sources: vec![
                    "method.request.header.X-Tenant".into(),
                    "method.request.querystring.key".into(),
                ],
                ttl_seconds: 0,
                handler: "orders::app::tenants".into(),
                source: "src/app.rs:2".into(),
            },
        ],
    )
    .unwrap()
}

#[test]
fn lambda_authorizers_are_in_every_format() {
    let manifest = authorizers_manifest(300);
    let config = StageConfig::defaults("orders", "dev");
    let dir = scratch("package-authorizers");

    let cfn: Value = serde_json::from_str(&package::render(
        Format::CloudFormation,
        &manifest,
        &config,
        "hash",
    ))
    .unwrap();
    let resources = &cfn["Resources"];
    let uri = json!({"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FunctionAliaslive}/invocations"});
    assert_eq!(
        resources["AuthorizerTokens"],
        json!({"Type": "AWS::ApiGateway::Authorizer", "Properties": {
            "RestApiId": {"Ref": "RestApi"}, "Name": "tokens", "Type": "TOKEN",
            "AuthorizerUri": uri, "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": 300}})
    );
    assert_eq!(
        resources["AuthorizerTenants"]["Properties"]["IdentitySource"],
        "method.request.header.X-Tenant, method.request.querystring.key"
    );
    assert_eq!(
        resources["AuthorizerTenants"]["Properties"]["AuthorizerResultTtlInSeconds"],
        0
    );
    let orders = &resources["MethodOrdersGet"]["Properties"];
    assert_eq!(orders["AuthorizationType"], "CUSTOM");
    assert_eq!(orders["AuthorizerId"], json!({"Ref": "AuthorizerTokens"}));
    assert!(
        resources["MethodGet"]["Properties"]
            .get("AuthorizerId")
            .is_none()
    );
    // A new TTL is a new deployment.
    let deployment = |m: &Manifest| -> String {
        let text = package::render(Format::CloudFormation, m, &config, "hash");
        let cfn: Value = serde_json::from_str(&text).unwrap();
        cfn["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .find(|k| k.starts_with("Deployment"))
            .unwrap()
            .clone()
    };
    assert_ne!(deployment(&manifest), deployment(&authorizers_manifest(60)));

    let translated = lint_templates(&dir, &manifest, &config);
    assert_eq!(
        translated["Resources"]["AuthorizerTokens"]["Type"],
        "AWS::ApiGateway::Authorizer"
    );

    let text = package::render(Format::Terraform, &manifest, &config, "c29tZSBoYXNo");
    let tokens = |key| terraform_attribute(&text, "aws_api_gateway_authorizer", "tokens", key);
    assert_eq!(tokens("type"), "\"TOKEN\"");
    assert_eq!(tokens("authorizer_result_ttl_in_seconds"), "300");
    assert_eq!(tokens("authorizer_uri"), "aws_lambda_alias.live.invoke_arn");
    assert_eq!(
        terraform_attribute(
            &text,
            "aws_api_gateway_authorizer",
            "tenants",
            "identity_source"
        ),
        "\"method.request.header.X-Tenant, method.request.querystring.key\""
    );
    let method = |key| terraform_attribute(&text, "aws_api_gateway_method", "orders_get", key);
    assert_eq!(method("authorization"), "\"CUSTOM\"");
    assert_eq!(
        method("authorizer_id"),
        "aws_api_gateway_authorizer.tokens.id"
    );
}

/// Writes both templates of `manifest` into `dir` and checks them with
/// cfn-lint, SAM's also with the translator; returns SAM's translated.
fn lint_templates(dir: &Path, manifest: &Manifest, config: &StageConfig) -> Value {
    let mut files = Vec::new();
    let mut translated = Value::Null;
    for format in [Format::CloudFormation, Format::Sam] {
        let path = dir.join(format.template_file());
        std::fs::write(&path, package::render(format, manifest, config, "hash")).unwrap();
        files.push(path.clone());
        if format == Format::Sam {
            let out = dir.join("sam-translated.json");
            translated = sam_translate(&path, &out);
            files.push(out);
        }
    }
    cfn_lint(&files);
    translated
}

/// The expression of `key` in the block `resource "kind" "name"` of the
/// Terraform configuration `text`, which must parse.
fn terraform_attribute(text: &str, kind: &str, name: &str, key: &str) -> String {
    let body: hcl::Body =
        hcl::from_str(text).unwrap_or_else(|e| panic!("main.tf does not parse: {e}\n{text}"));
    body.blocks()
        .find(|b| {
            b.identifier() == "resource"
                && b.labels()[0].as_str() == kind
                && b.labels()[1].as_str() == name
        })
        .unwrap_or_else(|| panic!("no {kind}.{name} in\n{text}"))
        .body()
        .attributes()
        .find(|a| a.key() == key)
        .map(|a| a.expr().to_string())
        .unwrap_or_else(|| panic!("no {key} in {kind}.{name}\n{text}"))
}

const POOL_ARN: &str = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Members1";

/// `GET /me` and `GET /reports` (scope `reports/read`) behind the Cognito
/// authorizer `users`, configured with one pool.
fn user_pool_manifest() -> Manifest {
    use goblet_core::{AuthorizationType, CognitoAuthorizer, Method, Route};
    let route = |path: &str, scopes: &[&str]| Route {
        authorization_type: AuthorizationType::Custom,
        content_types: vec!["application/json".into()],
        name: "h".into(),
        source: format!("src/app.rs:{}", path.len()),
        authorizer: Some("users".into()),
        authorization_scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        ..Route::new(Method::Get, path, "members::app::h")
    };
    let mut manifest = Manifest::new(
        "0.1.0".into(),
        "members".into(),
        vec![route("/me", &[]), route("/reports", &["reports/read"])],
    )
    .unwrap();
    let users = CognitoAuthorizer {
        name: "users".into(),
        provider_arns: vec![POOL_ARN.into()],
        identity_source: "method.request.header.Authorization".into(),
        ttl_seconds: 60,
    };
    manifest
        .configure(
            vec![goblet_core::ConfiguredAuthorizer::CognitoUserPools(users)],
            "Cargo.toml",
        )
        .unwrap();
    manifest
}

#[test]
fn user_pool_authorizers_are_in_every_format() {
    let manifest = user_pool_manifest();
    let config = StageConfig::defaults("members", "dev");
    let dir = scratch("package-user-pools");

    let text = package::render(Format::CloudFormation, &manifest, &config, "hash");
    let cfn: Value = serde_json::from_str(&text).unwrap();
    let resources = &cfn["Resources"];
    assert_eq!(
        resources["AuthorizerUsers"],
        json!({"Type": "AWS::ApiGateway::Authorizer", "Properties": {
            "RestApiId": {"Ref": "RestApi"}, "Name": "users", "Type": "COGNITO_USER_POOLS",
            "ProviderARNs": [POOL_ARN], "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": 60}})
    );
    let me = &resources["MethodMeGet"]["Properties"];
    assert_eq!(me["AuthorizationType"], "COGNITO_USER_POOLS");
    assert_eq!(me["AuthorizerId"], json!({"Ref": "AuthorizerUsers"}));
    assert!(me.get("AuthorizationScopes").is_none());
    let reports = &resources["MethodReportsGet"]["Properties"];
    assert_eq!(reports["AuthorizationScopes"], json!(["reports/read"]));

    let translated = lint_templates(&dir, &manifest, &config);
    assert_eq!(
        translated["Resources"]["AuthorizerUsers"]["Properties"]["Type"],
        "COGNITO_USER_POOLS"
    );

    let text = package::render(Format::Terraform, &manifest, &config, "c29tZSBoYXNo");
    let attribute = |kind: &str, name: &str, key: &str| terraform_attribute(&text, kind, name, key);
    let users = |key| attribute("aws_api_gateway_authorizer", "users", key);
    assert_eq!(users("type"), "\"COGNITO_USER_POOLS\"");
    assert!(users("provider_arns").contains(POOL_ARN), "{text}");
    assert_eq!(
        users("identity_source"),
        "\"method.request.header.Authorization\""
    );
    assert_eq!(users("authorizer_result_ttl_in_seconds"), "60");
    let reports = |key| attribute("aws_api_gateway_method", "reports_get", key);
    assert_eq!(reports("authorization"), "\"COGNITO_USER_POOLS\"");
    assert_eq!(
        reports("authorizer_id"),
        "aws_api_gateway_authorizer.users.id"
    );
    assert!(
        reports("authorization_scopes").contains("reports/read"),
        "{text}"
    );
}

const SHARED_AUTH: &str = "arn:aws:lambda:eu-west-1:123456789012:function:passport-dev";

#[test]
fn external_authorizers_are_in_every_format_with_their_permission() {
    use goblet_core::{
        AuthorizationType, AuthorizerKind, ConfiguredAuthorizer, ExternalAuthorizer, Method, Route,
    };
    let mut manifest = Manifest::new(
        "0.1.0".into(),
        "catalog".into(),
        vec![Route {
            authorization_type: AuthorizationType::Custom,
            content_types: vec!["application/json".into()],
            name: "items".into(),
            source: "src/app.rs:9".into(),
            authorizer: Some("shared".into()),
            ..Route::new(Method::Get, "/items", "catalog::app::items")
        }],
    )
    .unwrap();
    manifest
        .configure(
            vec![ConfiguredAuthorizer::External(ExternalAuthorizer {
                name: "shared".into(),
                kind: AuthorizerKind::Token,
                function_arn: SHARED_AUTH.into(),
                identity_sources: vec!["method.request.header.Authorization".into()],
                ttl_seconds: 60,
            })],
            "Cargo.toml",
        )
        .unwrap();
    let config = StageConfig::defaults("catalog", "dev");
    let dir = scratch("package-external-authorizers");
    let uri = format!(
        "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{SHARED_AUTH}/invocations"
    );

    let text = package::render(Format::CloudFormation, &manifest, &config, "hash");
    let cfn: Value = serde_json::from_str(&text).unwrap();
    let resources = &cfn["Resources"];
    assert_eq!(
        resources["AuthorizerShared"]["Properties"]["AuthorizerUri"],
        json!(uri)
    );
    let permission = &resources["AuthorizerSharedPermission"];
    assert_eq!(permission["Type"], "AWS::Lambda::Permission");
    assert_eq!(permission["Properties"]["FunctionName"], SHARED_AUTH);
    assert_eq!(
        cfn["Conditions"][permission["Condition"].as_str().unwrap()],
        json!({"Fn::Equals": ["123456789012", {"Ref": "AWS::AccountId"}]})
    );
    let items = &resources["MethodItemsGet"]["Properties"];
    assert_eq!(items["AuthorizationType"], "CUSTOM");
    assert_eq!(items["AuthorizerId"], json!({"Ref": "AuthorizerShared"}));
    lint_templates(&dir, &manifest, &config);

    let text = package::render(Format::Terraform, &manifest, &config, "c29tZSBoYXNo");
    let attribute = |kind: &str, name: &str, key: &str| terraform_attribute(&text, kind, name, key);
    assert_eq!(
        attribute("aws_api_gateway_authorizer", "shared", "authorizer_uri"),
        format!("\"{uri}\"")
    );
    assert_eq!(
        attribute(
            "aws_lambda_permission",
            "authorizer_shared",
            "function_name"
        ),
        format!("\"{SHARED_AUTH}\"")
    );
    assert!(
        attribute("aws_lambda_permission", "authorizer_shared", "source_arn")
            .contains("/authorizers/*"),
        "{text}"
    );
}

/// An app with a function of every kind `goblet deploy` deploys.
fn functions_manifest() -> Manifest {
    use goblet_core::{Function, StartingPosition, Trigger};
    let function = |name: &str, trigger: Trigger| Function {
        name: name.into(),
        trigger,
        handler: format!("shop::{name}"),
        source: "src/app.rs:1".into(),
    };
    manifest()
        .with_functions(vec![
            function(
                "work",
                Trigger::Sqs {
                    queue: "jobs".into(),
                    batch_size: 20,
                },
            ),
            function(
                "orders-stream",
                Trigger::DynamoDb {
                    stream: "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026"
                        .into(),
                    starting_position: StartingPosition::TrimHorizon,
                    batch_size: 100,
                },
            ),
            function(
                "clicks",
                Trigger::Kinesis {
                    stream: "clicks".into(),
                    starting_position: StartingPosition::Latest,
                    batch_size: 50,
                },
            ),
            function("report", Trigger::Invoke),
            function(
                "hourly",
                Trigger::Schedule {
                    expression: "rate(1 hour)".into(),
                },
            ),
            function(
                "order",
                Trigger::EventBridge {
                    pattern: r#"{"source": ["shop.orders"]}"#.into(),
                    bus: Some("orders".into()),
                },
            ),
        ])
        .unwrap()
}

#[test]
fn event_functions_are_in_every_format() {
    let manifest = functions_manifest();
    let mut config = full_config();
    // `work` with settings of its own.
    config.functions.insert(
        "work".into(),
        goblet_project::config::FunctionConfig {
            memory_mb: Some(256),
            reserved_concurrency: Some(5),
            environment: [("WORKER".to_owned(), "yes".to_owned())].into(),
            ..Default::default()
        },
    );
    let translated = lint_templates(&scratch("package-functions"), &manifest, &config);
    let template: Value = serde_json::from_str(&package::render(
        Format::CloudFormation,
        &manifest,
        &config,
        "hash",
    ))
    .unwrap();
    let resources = &template["Resources"];
    let work = &resources["HandlerWorkFunction"];
    assert_eq!(work["Type"], "AWS::Lambda::Function");
    assert_eq!(work["Properties"]["FunctionName"], "shop-prod-work");
    assert_eq!(work["Properties"]["Handler"], "work");
    assert_eq!(
        work["Properties"]["LoggingConfig"]["LogGroup"],
        "/aws/lambda/shop-prod-work"
    );
    assert_eq!(
        work["Properties"]["Role"],
        json!({"Fn::GetAtt": ["FunctionRole", "Arn"]})
    );
    assert_eq!(work["Properties"]["MemorySize"], 256);
    assert_eq!(work["Properties"]["ReservedConcurrentExecutions"], 5);
    assert_eq!(
        work["Properties"]["Environment"]["Variables"],
        json!({"GREETING": "hello ${not} %{a} template", "WORKER": "yes"})
    );
    let report = &resources["HandlerReportFunction"]["Properties"];
    assert_eq!(report["MemorySize"], 512, "the stage's");
    assert!(report.get("ReservedConcurrentExecutions").is_none());
    assert!(resources["HandlerReportFunction"].is_object());
    assert!(
        resources["HandlerReportMapping"].is_null(),
        "a plain function has no mapping"
    );
    assert_eq!(
        resources["HandlerWorkMapping"]["Properties"],
        json!({
            "FunctionName": {"Ref": "HandlerWorkFunction"},
            "EventSourceArn": {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:jobs"},
            "BatchSize": 20,
            "MaximumBatchingWindowInSeconds": 1,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "Enabled": true,
        })
    );
    assert_eq!(
        resources["HandlerOrdersStreamMapping"]["Properties"]["EventSourceArn"],
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026"
    );
    assert_eq!(
        resources["HandlerOrdersStreamMapping"]["Properties"]["StartingPosition"],
        "TRIM_HORIZON"
    );
    // The role reads exactly these sources and writes each function's logs.
    let policy = &resources["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"];
    let text = policy.to_string();
    assert!(text.contains("sqs:ReceiveMessage"), "{policy:#}");
    assert!(
        text.contains(
            "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/clicks"
        )
    );
    assert!(text.contains("dynamodb:GetRecords"));
    assert!(text.contains("log-group:/aws/lambda/shop-prod-report:*"));
    // EventBridge rules with the function as their target, and its permission.
    assert_eq!(
        resources["HandlerHourlyRule"]["Properties"]["ScheduleExpression"],
        "rate(1 hour)"
    );
    assert_eq!(
        resources["HandlerOrderRule"]["Properties"]["EventPattern"],
        json!({"source": ["shop.orders"]})
    );
    assert_eq!(
        resources["HandlerOrderRule"]["Properties"]["EventBusName"],
        "orders"
    );
    assert_eq!(
        resources["HandlerOrderRule"]["Properties"]["Targets"],
        json!([{"Id": "goblet", "Arn": {"Fn::GetAtt": ["HandlerOrderFunction", "Arn"]}}])
    );
    assert_eq!(
        resources["HandlerOrderRulePermission"]["Properties"]["SourceArn"],
        json!({"Fn::GetAtt": ["HandlerOrderRule", "Arn"]})
    );
    // SAM: the same functions, the SAM way; the translator keeps the mappings.
    assert_eq!(
        translated["Resources"]["HandlerWorkFunction"]["Type"],
        "AWS::Lambda::Function"
    );
    assert_eq!(
        translated["Resources"]["HandlerWorkMapping"]["Type"],
        "AWS::Lambda::EventSourceMapping"
    );

    let text = package::render(Format::Terraform, &manifest, &config, "hash");
    let function = |key| terraform_attribute(&text, "aws_lambda_function", "handler_work", key);
    assert_eq!(function("handler"), "\"work\"");
    assert_eq!(function("function_name"), "\"shop-prod-work\"");
    assert_eq!(function("memory_size"), "256");
    assert_eq!(function("reserved_concurrent_executions"), "5");
    let mapping = |key| {
        terraform_attribute(
            &text,
            "aws_lambda_event_source_mapping",
            "handler_work",
            key,
        )
    };
    assert_eq!(
        mapping("function_name"),
        "aws_lambda_function.handler_work.arn"
    );
    assert_eq!(
        mapping("event_source_arn"),
        "\"arn:${data.aws_partition.current.partition}:sqs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:jobs\""
    );
    assert_eq!(mapping("maximum_batching_window_in_seconds"), "1");
    let clicks = |key| {
        terraform_attribute(
            &text,
            "aws_lambda_event_source_mapping",
            "handler_clicks",
            key,
        )
    };
    assert_eq!(clicks("starting_position"), "\"LATEST\"");
    let rule = |name, key| terraform_attribute(&text, "aws_cloudwatch_event_rule", name, key);
    assert_eq!(
        rule("handler_hourly", "schedule_expression"),
        "\"rate(1 hour)\""
    );
    assert_eq!(rule("handler_order", "event_bus_name"), "\"orders\"");
    assert!(rule("handler_order", "event_pattern").contains("jsonencode"));
    let target =
        |key| terraform_attribute(&text, "aws_cloudwatch_event_target", "handler_order", key);
    assert_eq!(target("arn"), "aws_lambda_function.handler_order.arn");
    assert_eq!(target("event_bus_name"), "\"orders\"");
    let permission =
        |key| terraform_attribute(&text, "aws_lambda_permission", "handler_hourly_events", key);
    assert_eq!(permission("principal"), "\"events.amazonaws.com\"");
    assert_eq!(
        permission("source_arn"),
        "aws_cloudwatch_event_rule.handler_hourly.arn"
    );
    for data in ["aws_partition", "aws_region", "aws_caller_identity"] {
        assert!(
            text.contains(&format!("data \"{data}\" \"current\" {{}}")),
            "{data}"
        );
    }
}
