//! `config::load`: `[package.metadata.goblet]`, stage tables, flags, and the errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use goblet_core::{AuthorizerKind, ConfiguredAuthorizer, ExternalAuthorizer};
use goblet_project::config::{
    self, Architecture, ConfigError, EndpointType, Overrides, RoleConfig, StageConfig,
};
use serde_json::json;

fn project(name: &str, goblet: &str) -> PathBuf {
    let dir = goblet_tests::build::scratch_dir(&format!("config-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\n\n{goblet}"),
    )
    .unwrap();
    dir
}

fn load(name: &str, goblet: &str, overrides: Overrides) -> Result<StageConfig, ConfigError> {
    config::load(&project(name, goblet), "app", &overrides)
}

fn stage(stage: &str) -> Overrides {
    Overrides {
        stage: Some(stage.into()),
        ..Overrides::default()
    }
}

fn error(name: &str, goblet: &str, overrides: Overrides) -> String {
    load(name, goblet, overrides).unwrap_err().to_string()
}

#[test]
fn no_section_or_no_file_means_defaults() {
    let config = load("none", "", Overrides::default()).unwrap();
    assert_eq!(config, StageConfig::defaults("app", "dev"));
    assert_eq!(config.function_name, "app-dev");
    assert_eq!(config.api_gateway_stage, "api");
    assert_eq!((config.memory_mb, config.timeout_s), (128, 29));
    assert!(config.timeout_s <= config::API_GATEWAY_TIMEOUT_S);
    assert_eq!(config.warnings(), Vec::<String>::new());
    assert_eq!(config.architecture, Architecture::X86_64);
    assert_eq!(config.endpoint_type, EndpointType::Edge);
    assert_eq!(
        config.role,
        RoleConfig::Managed {
            extra_statements: vec![]
        }
    );

    let empty = std::env::temp_dir().join(format!("goblet-config-nofile-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let config = config::load(&empty, "app", &stage("prod")).unwrap();
    assert_eq!(config, StageConfig::defaults("app", "prod"));
}

const FULL: &str = r#"
[package.metadata.goblet]
memory = 256
timeout = 30
architecture = "arm64"
api_gateway_stage = "v1"
endpoint_type = "regional"
log_retention_days = 14
reserved_concurrency = 5
environment = { GREETING = "hello", MODE = "dev" }
tags = { team = "web" }
iam_policy_statements = [
    { Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::b/*" },
]

[package.metadata.goblet.stages.prod]
memory = 1024
environment = { MODE = "prod" }
tags = { cost = "p" }
iam_role_arn = "arn:aws:iam::123456789012:role/prod-role"
vpc_endpoint_ids = ["vpce-0123456789abcdef0"]
"#;

#[test]
fn the_top_level_then_the_stage_then_flags() {
    let dev = load("full", FULL, Overrides::default()).unwrap();
    assert_eq!(dev.memory_mb, 256);
    assert_eq!(dev.timeout_s, 30);
    assert_eq!(dev.architecture, Architecture::Arm64);
    assert_eq!(dev.api_gateway_stage, "v1");
    assert_eq!(dev.endpoint_type, EndpointType::Regional);
    assert_eq!(dev.log_retention_days, Some(14));
    assert_eq!(dev.reserved_concurrency, Some(5));
    assert_eq!(dev.environment["MODE"], "dev");
    assert_eq!(
        dev.role,
        RoleConfig::Managed {
            extra_statements: vec![
                json!({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"})
            ]
        }
    );

    let prod = load("full", FULL, stage("prod")).unwrap();
    assert_eq!(prod.function_name, "app-prod");
    assert_eq!(prod.memory_mb, 1024);
    assert_eq!(prod.timeout_s, 30);
    assert_eq!(prod.environment["MODE"], "prod");
    assert_eq!(prod.environment["GREETING"], "hello");
    assert_eq!(prod.tags.len(), 2);
    assert_eq!(
        prod.role,
        RoleConfig::Existing {
            arn: "arn:aws:iam::123456789012:role/prod-role".into()
        }
    );

    let flagged = load(
        "full",
        FULL,
        Overrides {
            stage: Some("prod".into()),
            memory_mb: Some(2048),
            timeout_s: Some(900),
            architecture: Some(Architecture::X86_64),
            api_gateway_stage: Some("live".into()),
            endpoint_type: Some(EndpointType::Private),
        },
    )
    .unwrap();
    assert_eq!((flagged.memory_mb, flagged.timeout_s), (2048, 900));
    assert_eq!(flagged.architecture, Architecture::X86_64);
    assert_eq!(flagged.api_gateway_stage, "live");
    assert_eq!(flagged.endpoint_type, EndpointType::Private);
}

#[test]
fn each_bad_value_names_its_table_and_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[package.metadata.goblet.stages.prod]\nmemory = 64\n",
            "prod",
            "[package.metadata.goblet.stages.prod] memory = 64: must be between 128 and 10240 MB",
        ),
        (
            "[package.metadata.goblet]\nmemory = \"big\"\n",
            "dev",
            "[package.metadata.goblet] memory = \"big\": must be a whole number of MB",
        ),
        (
            "[package.metadata.goblet]\ntimeout = 901\n",
            "dev",
            "[package.metadata.goblet] timeout = 901: must be between 1 and 900 seconds",
        ),
        (
            "[package.metadata.goblet]\narchitecture = \"i686\"\n",
            "dev",
            "[package.metadata.goblet] architecture = \"i686\": must be \"x86_64\" or \"arm64\"",
        ),
        (
            "[package.metadata.goblet]\nlog_retention_days = 10\n",
            "dev",
            "[package.metadata.goblet] log_retention_days = 10: must be one of CloudWatch Logs' retention periods: 1, 3, 5",
        ),
        (
            "[package.metadata.goblet]\nendpoint_type = \"GLOBAL\"\n",
            "dev",
            "[package.metadata.goblet] endpoint_type = \"GLOBAL\": must be \"EDGE\", \"REGIONAL\" or \"PRIVATE\"",
        ),
        (
            "[package.metadata.goblet]\napi_authorizer_quota = 0\n",
            "dev",
            "[package.metadata.goblet] api_authorizer_quota = 0: must be a whole number of authorizers, 1 or more",
        ),
        (
            "[package.metadata.goblet.stages.prod]\napi_resource_quota = \"many\"\n",
            "prod",
            "[package.metadata.goblet.stages.prod] api_resource_quota = \"many\": must be a whole number of resources, 1 or more",
        ),
        (
            "[package.metadata.goblet]\nreserved_concurrency = -1\n",
            "dev",
            "[package.metadata.goblet] reserved_concurrency = -1: must be a whole number, 0 or more",
        ),
        (
            "[package.metadata.goblet]\napi_gateway_stage = \"a b\"\n",
            "dev",
            "[package.metadata.goblet] api_gateway_stage = \"a b\": an API Gateway stage name is",
        ),
        (
            "[package.metadata.goblet]\niam_role_arn = \"arn:aws:iam::123:role/x\"\n",
            "dev",
            "[package.metadata.goblet] iam_role_arn = \"arn:aws:iam::123:role/x\": must be an IAM role ARN",
        ),
        (
            "[package.metadata.goblet]\nenvironment = { AWS_REGION = \"x\" }\n",
            "dev",
            "[package.metadata.goblet] environment.AWS_REGION = \"x\": reserved by Lambda",
        ),
        (
            "[package.metadata.goblet]\nenvironment = { PORT = 8080 }\n",
            "dev",
            "[package.metadata.goblet] environment.PORT = 8080: must be a string",
        ),
        (
            "[package.metadata.goblet]\ntags = { \"aws:x\" = \"y\" }\n",
            "dev",
            "[package.metadata.goblet] tags.aws:x = \"y\": the `aws:` prefix is reserved by AWS",
        ),
        (
            "[package.metadata.goblet]\nmemroy = 256\n",
            "dev",
            "[package.metadata.goblet] memroy: unknown key; the keys are memory, timeout,",
        ),
        (
            "[package.metadata.goblet.stages.prod]\nstages = {}\n",
            "dev",
            "[package.metadata.goblet.stages.prod] stages: unknown key",
        ),
        (
            "[package.metadata.goblet]\niam_policy_statements = [{ Effect = \"Allow\", Action = \"s3:*\" }]\n",
            "dev",
            "[package.metadata.goblet] iam_policy_statements[0]: needs exactly one of Resource and NotResource",
        ),
        (
            "[package.metadata.goblet]\niam_policy_statements = [{ Effect = \"Maybe\", Action = \"s3:*\", Resource = \"*\" }]\n",
            "dev",
            "[package.metadata.goblet] iam_policy_statements[0]: Effect = \"Maybe\": must be \"Allow\" or \"Deny\"",
        ),
        (
            "[package.metadata.goblet]\niam_role_arn = \"arn:aws:iam::123456789012:role/r\"\niam_policy_statements = []\n",
            "dev",
            "[package.metadata.goblet] iam_policy_statements: cannot be used with iam_role_arn",
        ),
        (
            "[package.metadata.goblet]\nstages = 3\n",
            "dev",
            "[package.metadata.goblet] stages = 3: must be a table of stage tables",
        ),
        (
            "[package.metadata]\ngoblet = \"on\"\n",
            "dev",
            "[package.metadata.goblet] goblet = \"on\": must be a table",
        ),
    ];
    for (i, (toml, stage_name, expected)) in cases.iter().enumerate() {
        let message = error(&format!("bad-{i}"), toml, stage(stage_name));
        assert!(
            message.contains(expected),
            "case {i}: {message}\n  expected: {expected}"
        );
        assert!(message.contains("Cargo.toml: "), "case {i}: {message}");
    }
}

#[test]
fn every_stage_table_is_checked_even_when_another_is_deployed() {
    let message = error(
        "other-stage",
        "[package.metadata.goblet.stages.prod]\nmemory = 64\n",
        Overrides::default(),
    );
    assert!(message.contains("stages.prod] memory = 64"), "{message}");
}

#[test]
fn flags_are_checked_too() {
    let cases = [
        (
            Overrides {
                memory_mb: Some(100),
                ..Overrides::default()
            },
            "--memory 100: must be between 128 and 10240 MB",
        ),
        (
            Overrides {
                timeout_s: Some(0),
                ..Overrides::default()
            },
            "--timeout 0: must be between 1 and 900 seconds",
        ),
        (
            stage("pr od"),
            "--stage pr od: a stage name is letters, digits",
        ),
        (stage(&"x".repeat(70)), "Lambda allows 64"),
    ];
    for (overrides, expected) in cases {
        let err = load("flags", "", overrides).unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
        assert!(err.key().is_some_and(|k| k.starts_with("--")));
    }
}

#[test]
fn toml_syntax_errors_name_the_file() {
    let message = error("syntax", "[package.metadata.goblet\n", Overrides::default());
    assert!(message.contains("Cargo.toml: not valid TOML"), "{message}");
}

/// A `[package.metadata.goblet]` with `environment = { ... }` of these pairs.
fn environment_toml(table: &str, vars: &[(&str, String)]) -> String {
    let pairs: Vec<String> = vars.iter().map(|(k, v)| format!("{k} = {v:?}")).collect();
    format!("[{table}]\nenvironment = {{ {} }}\n", pairs.join(", "))
}

#[test]
fn environment_names_follow_lambdas_pattern_and_avoid_its_reserved_names() {
    // Lambda's Environment.Variables key pattern is [a-zA-Z]([a-zA-Z0-9_])+.
    let cases: &[(&str, Option<&str>)] = &[
        ("GREETING", None),
        ("g1_x", None),
        ("Ab", None),
        ("TZ", None),
        ("AWS_LAMBDA_EXEC_WRAPPER", None),
        ("A", Some("a letter then one or more letters")),
        ("_X", Some("a letter then one or more letters")),
        ("1X", Some("a letter then one or more letters")),
        ("A-B", Some("a letter then one or more letters")),
        ("\"A.B\"", Some("a letter then one or more letters")),
        ("\"Ä1\"", Some("a letter then one or more letters")),
    ];
    for (i, (name, expected)) in cases.iter().enumerate() {
        let toml = format!("[package.metadata.goblet]\nenvironment = {{ {name} = \"v\" }}\n");
        let result = load(&format!("env-name-{i}"), &toml, Overrides::default());
        match (expected, result) {
            (None, Ok(_)) => {}
            (Some(words), Err(e)) => {
                let message = e.to_string();
                let bare = name.trim_matches('"');
                assert!(
                    message.contains(words)
                        && message.contains(&format!(
                            "[package.metadata.goblet] environment.{bare} = \"v\""
                        )),
                    "{name}: {message}"
                );
            }
            (expected, result) => panic!("{name}: expected {expected:?}, got {result:?}"),
        }
    }
    for reserved in config::RESERVED_ENVIRONMENT {
        let toml = format!(
            "[package.metadata.goblet.stages.prod]\nenvironment = {{ {reserved} = \"v\" }}\n"
        );
        let message = error(&format!("env-reserved-{reserved}"), &toml, stage("prod"));
        // `_HANDLER` and `_X_AMZN_TRACE_ID` fail the pattern already.
        let why = if reserved.starts_with('_') {
            "a letter then one or more"
        } else {
            "reserved by Lambda"
        };
        assert!(
            message.contains(&format!(
                "[package.metadata.goblet.stages.prod] environment.{reserved} = \"v\": "
            )) && message.contains(why),
            "{message}"
        );
    }
}

#[test]
fn a_stages_environment_fits_lambdas_4_kb_as_lambda_measures_it() {
    // {"BIG":"…"} is 10 bytes around the value: 4086 of value fill 4096 exactly.
    let fits = [("BIG", "x".repeat(4086))];
    let toml = environment_toml("package.metadata.goblet", &fits);
    let config = load("env-size-fits", &toml, Overrides::default()).unwrap();
    assert_eq!(config::environment_size(&config.environment), 4096);

    let over = [("BIG", "x".repeat(4087))];
    let toml = environment_toml("package.metadata.goblet", &over);
    let err = load("env-size-over", &toml, Overrides::default()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("stage dev: the environment variables take 4097 bytes")
            && message.contains("4 KB (4096 bytes)")
            && message.contains("the largest: BIG (4095 bytes)")
            && message.contains("Cargo.toml: "),
        "{message}"
    );
    assert_eq!(err.key(), Some("environment"));

    // Names, quotes, separators and escapes count, as in the JSON Lambda measures.
    let escaped = BTreeMap::from([("Q".repeat(2), "\"\\".to_owned())]);
    assert_eq!(config::environment_size(&escaped), r#"{"QQ":"\"\\"}"#.len());
    assert_eq!(config::environment_size(&BTreeMap::new()), 2);

    // A stage's table adds to the top level's: the merged set is measured,
    // and a stage other than the one deployed is checked too.
    let half = "y".repeat(2100);
    let toml = format!(
        "{}\n{}",
        environment_toml("package.metadata.goblet", &[("ONE", half.clone())]),
        environment_toml("package.metadata.goblet.stages.prod", &[("TWO", half)])
    );
    assert!(load("env-size-merged", &toml, stage("dev")).is_err());
    let message = error("env-size-merged", &toml, stage("staging"));
    assert!(
        message.contains("stage prod: the environment variables take 4219 bytes")
            && message.contains("the largest: ONE (2108 bytes), TWO (2108 bytes)"),
        "{message}"
    );
}

#[test]
fn no_edge_endpoints_in_china_and_govcloud() {
    let configured = |name: &str, toml: &str, flag: Option<EndpointType>| {
        load(
            name,
            toml,
            Overrides {
                endpoint_type: flag,
                ..Overrides::default()
            },
        )
        .unwrap()
    };
    let edge_toml = "[package.metadata.goblet]\nendpoint_type = \"EDGE\"\n";
    // (A PRIVATE API needs its VPC endpoints, or a policy, configured.)
    let vpce_toml = "[package.metadata.goblet]\nvpc_endpoint_ids = [\"vpce-0123456789abcdef0\"]\n";
    let private_toml = "[package.metadata.goblet]\nendpoint_type = \"PRIVATE\"\nvpc_endpoint_ids = [\"vpce-0123456789abcdef0\"]\n";
    // (region, configuration, flag, the endpoint type, or the error's words)
    type Case = (
        &'static str,
        &'static str,
        Option<EndpointType>,
        Result<EndpointType, &'static [&'static str]>,
    );
    let cases: &[Case] = &[
        ("us-east-1", "", None, Ok(EndpointType::Edge)),
        ("eu-west-1", edge_toml, None, Ok(EndpointType::Edge)),
        ("cn-north-1", "", None, Ok(EndpointType::Regional)),
        ("cn-northwest-1", "", None, Ok(EndpointType::Regional)),
        ("us-gov-west-1", "", None, Ok(EndpointType::Regional)),
        (
            "us-gov-east-1",
            private_toml,
            None,
            Ok(EndpointType::Private),
        ),
        (
            "cn-north-1",
            vpce_toml,
            Some(EndpointType::Private),
            Ok(EndpointType::Private),
        ),
        (
            "cn-north-1",
            edge_toml,
            None,
            Err(&[
                "Cargo.toml: [package.metadata.goblet] endpoint_type = \"EDGE\"",
                "edge-optimized APIs do not exist in the aws-cn partition (region cn-north-1)",
                "\"REGIONAL\"",
            ]),
        ),
        (
            "us-gov-west-1",
            "",
            Some(EndpointType::Edge),
            Err(&[
                "--endpoint-type EDGE",
                "aws-us-gov partition (region us-gov-west-1)",
            ]),
        ),
    ];
    for (i, (region, toml, flag, expected)) in cases.iter().enumerate() {
        let mut config = configured(&format!("partition-{i}"), toml, *flag);
        match (config.for_region(region), expected) {
            (Ok(()), Ok(endpoint)) => assert_eq!(config.endpoint_type, *endpoint, "case {i}"),
            (Err(e), Err(words)) => {
                let message = e.to_string();
                for word in *words {
                    assert!(message.contains(word), "case {i}: no {word:?} in {message}");
                }
            }
            (got, expected) => panic!("case {i}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn a_timeout_past_api_gateways_29_s_is_warned_about_naming_the_key_and_stage() {
    let toml = "[package.metadata.goblet]\ntimeout = 29\n\n[package.metadata.goblet.stages.prod]\ntimeout = 60\n";
    assert_eq!(
        load("timeout-warn", toml, stage("dev")).unwrap().warnings(),
        Vec::<String>::new()
    );
    let warnings = load("timeout-warn", toml, stage("prod"))
        .unwrap()
        .warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("stage prod: ")
            && warnings[0]
                .contains("Cargo.toml: [package.metadata.goblet.stages.prod] timeout = 60")
            && warnings[0].contains("API Gateway waits at most 29 s")
            && warnings[0].contains("Regional or private API"),
        "{warnings:?}"
    );
    let flagged = load(
        "timeout-warn",
        toml,
        Overrides {
            timeout_s: Some(30),
            ..Overrides::default()
        },
    )
    .unwrap()
    .warnings();
    assert!(
        flagged[0].starts_with("stage dev: --timeout 30: "),
        "{flagged:?}"
    );
}

const POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab12";
const OTHER_POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Cd34";

#[test]
fn cognito_authorizers_are_read_and_a_stage_changes_only_the_keys_it_names() {
    let toml = format!(
        "[package.metadata.goblet.authorizers.users]\ntype = \"cognito_user_pools\"\n\
         provider_arns = [\"{POOL}\", \"{POOL}\"]\n\n\
         [package.metadata.goblet.stages.prod.authorizers.users]\nprovider_arns = [\"{OTHER_POOL}\"]\n\n\
         [package.metadata.goblet.stages.test.authorizers.users]\n\
         identity_source = \"method.request.header.X-Token\"\nttl = 0\n"
    );
    let pool = |config: &StageConfig| match &config.authorizers["users"] {
        ConfiguredAuthorizer::CognitoUserPools(a) => a.clone(),
        other => panic!("not a user pool authorizer: {other:?}"),
    };
    let dev = load("cognito-dev", &toml, Overrides::default()).unwrap();
    let users = pool(&dev);
    assert_eq!(users.name, "users");
    // Duplicates are one pool.
    assert_eq!(users.provider_arns, [POOL]);
    assert_eq!(users.identity_source, "method.request.header.Authorization");
    assert_eq!(users.ttl_seconds, 300, "API Gateway's default");
    let prod = pool(&load("cognito-prod", &toml, stage("prod")).unwrap());
    assert_eq!(prod.provider_arns, [OTHER_POOL]);
    assert_eq!(prod.identity_source, "method.request.header.Authorization");
    let test = pool(&load("cognito-test", &toml, stage("test")).unwrap());
    assert_eq!(test.provider_arns, [POOL]);
    assert_eq!(test.header(), "X-Token");
    assert_eq!(test.ttl_seconds, 0);
}

const AUTH_FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:shared-auth";

#[test]
fn external_authorizers_are_read_and_a_stage_may_retype_them() {
    let toml = format!(
        "[package.metadata.goblet.authorizers.shared]
type = \"token\"
\
         function_arn = \"{AUTH_FUNCTION}\"\n\n\
         [package.metadata.goblet.stages.prod.authorizers.shared]\nttl = 0\n\
         identity_source = \"method.request.header.X-Token\"\n\n\
         [package.metadata.goblet.stages.test.authorizers.shared]\ntype = \"request\"\n\
         function_arn = \"{AUTH_FUNCTION}:live\"\n\
         identity_sources = [\"method.request.header.X-Token\", \"method.request.querystring.k\"]\n"
    );
    let external = |config: &StageConfig| match &config.authorizers["shared"] {
        ConfiguredAuthorizer::External(a) => a.clone(),
        other => panic!("not an external authorizer: {other:?}"),
    };
    let dev = external(&load("external-dev", &toml, Overrides::default()).unwrap());
    assert_eq!(
        dev,
        ExternalAuthorizer {
            name: "shared".into(),
            kind: AuthorizerKind::Token,
            function_arn: AUTH_FUNCTION.into(),
            identity_sources: vec!["method.request.header.Authorization".into()],
            ttl_seconds: 300,
        }
    );
    let prod = external(&load("external-prod", &toml, stage("prod")).unwrap());
    assert_eq!(prod.function_arn, AUTH_FUNCTION);
    assert_eq!(prod.ttl_seconds, 0);
    assert_eq!(prod.identity_sources, ["method.request.header.X-Token"]);
    // A new type starts afresh: nothing of the token authorizer carries over.
    let test = external(&load("external-test", &toml, stage("test")).unwrap());
    assert_eq!(test.kind, AuthorizerKind::Request);
    assert_eq!(test.function_arn, format!("{AUTH_FUNCTION}:live"));
    assert_eq!(test.identity_sources.len(), 2);
    assert_eq!(test.ttl_seconds, 300);
}

#[test]
fn each_bad_authorizer_is_named_with_its_key() {
    let at = "[package.metadata.goblet.authorizers.users]";
    let table = |body: &str| format!("{at}\n{body}\n");
    let cases = [
        (
            table(&format!("provider_arns = [\"{POOL}\"]")),
            format!(
                "{at} type: is missing: type = \"cognito_user_pools\", \"token\" or \"request\""
            ),
        ),
        (
            table("type = \"cognito_user_pools\""),
            format!("{at} provider_arns: is missing"),
        ),
        (
            table(&format!(
                "type = \"cognito_user_pools\"\nprovider_arns = [\"{POOL}\"]\nttl = 3601"
            )),
            format!(
                "{at} ttl = 3601: must be a whole number of seconds from 0 (no caching) to 3600"
            ),
        ),
        (
            table("type = \"jwt\""),
            format!(
                "{at} type = \"jwt\": must be \"cognito_user_pools\", or \"token\" or \"request\""
            ),
        ),
        (
            table("type = \"token\""),
            format!("{at} function_arn: is missing: the authorizer's Lambda function"),
        ),
        (
            table("type = \"token\"\nfunction_arn = \"arn:aws:lambda:us-east-1:1:function:f\""),
            "is not a Lambda function ARN".to_owned(),
        ),
        (
            table(&format!(
                "type = \"token\"\nfunction_arn = \"{AUTH_FUNCTION}\"\nidentity_source = \"method.request.querystring.t\""
            )),
            "a token authorizer reads its token from a header".to_owned(),
        ),
        (
            table(&format!(
                "type = \"token\"\nfunction_arn = \"{AUTH_FUNCTION}\"\nidentity_sources = []"
            )),
            format!("{at} identity_sources: a token authorizer takes identity_source"),
        ),
        (
            table(&format!(
                "type = \"request\"\nfunction_arn = \"{AUTH_FUNCTION}\""
            )),
            format!("{at} identity_sources: the authorizer `users` has no identity source"),
        ),
        (
            table(&format!(
                "type = \"request\"\nfunction_arn = \"{AUTH_FUNCTION}\"\nidentity_sources = [\"nope\"]\nttl = 0"
            )),
            "identity source `nope` is not one API Gateway reads".to_owned(),
        ),
        (
            table(&format!(
                "type = \"token\"\nfunction_arn = \"{AUTH_FUNCTION}\"\nttl = 3601"
            )),
            format!(
                "{at} ttl = 3601: must be a whole number of seconds from 0 (no caching) to 3600"
            ),
        ),
        (
            table(&format!(
                "type = \"token\"\nfunction_arn = \"{AUTH_FUNCTION}\"\nprovider_arns = [\"{POOL}\"]"
            )),
            format!("{at} provider_arns: unknown key; the keys of a token authorizer are"),
        ),
        (
            table("type = \"cognito_user_pools\"\nprovider_arns = []"),
            format!(
                "{at} provider_arns = []: must be a list of Cognito user pool ARNs, one or more"
            ),
        ),
        (
            table(
                "type = \"cognito_user_pools\"\nprovider_arns = [\"arn:aws:iam::123456789012:role/r\"]",
            ),
            "is not a Cognito user pool ARN".to_owned(),
        ),
        (
            table(&format!(
                "type = \"cognito_user_pools\"\nprovider_arns = [\"{POOL}\"]\n\
                 identity_source = \"method.request.querystring.token\""
            )),
            "a Cognito user pool authorizer reads its token from a header".to_owned(),
        ),
        (
            table(&format!(
                "type = \"cognito_user_pools\"\nprovider_arns = [\"{POOL}\"]\nttls = 60"
            )),
            format!(
                "{at} ttls: unknown key; the keys of a Cognito user pool authorizer are type, \
                 provider_arns, identity_source, ttl"
            ),
        ),
        (
            "[package.metadata.goblet.authorizers]\nusers = 3\n".to_owned(),
            "[package.metadata.goblet] authorizers.users = 3: must be a table".to_owned(),
        ),
        (
            format!(
                "[package.metadata.goblet.authorizers.\"a b\"]\ntype = \"cognito_user_pools\"\nprovider_arns = [\"{POOL}\"]\n"
            ),
            "an authorizer name is 1 to 128 letters, digits, `-` and `_`".to_owned(),
        ),
    ];
    for (i, (toml, expected)) in cases.iter().enumerate() {
        let message = error(&format!("bad-authorizer-{i}"), toml, Overrides::default());
        assert!(
            message.contains(expected.as_str()),
            "case {i}: {message}\n  expected: {expected}"
        );
    }
}
