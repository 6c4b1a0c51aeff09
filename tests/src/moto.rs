//! moto's server on loopback as the AWS stand-in, started by the tests
//! themselves (`bash scripts/setup-python.sh` installs it into `.venv`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::build::workspace_root;

/// A running `moto_server`, killed on drop.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    pub port: u16,
}

/// The venv's Python.
pub fn python() -> PathBuf {
    workspace_root().join(".venv/bin/python")
}

impl Moto {
    pub fn start() -> Moto {
        let server = workspace_root().join(".venv/bin/moto_server");
        assert!(
            server.exists(),
            "{} is missing: run `bash scripts/setup-python.sh`",
            server.display()
        );
        // moto binds port 0 itself and says which port it got: no port is
        // picked here, released, and raced for by another process.
        let mut child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start moto_server");
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("moto's stderr");
        std::thread::spawn(move || {
            // werkzeug prints ` * Running on http://127.0.0.1:PORT` once bound;
            // then every request is logged: keep reading, or moto blocks.
            let mut early = Vec::new();
            let mut told = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if told {
                    continue;
                }
                if let Some(port) = line
                    .split("Running on http://127.0.0.1:")
                    .nth(1)
                    .and_then(|rest| rest.trim().parse::<u16>().ok())
                {
                    told = true;
                    let _ = port_tx.send(Ok(port));
                } else {
                    early.push(line);
                }
            }
            if !told {
                let _ = port_tx.send(Err(early.join("\n")));
            }
        });
        let port = match port_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(port)) => port,
            Ok(Err(output)) => panic!("moto_server exited without listening: {output}"),
            Err(_) => {
                let _ = child.kill();
                panic!("moto_server did not say it listens within 60 s")
            }
        };
        // It listens before it prints; check, bounded, all the same.
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { child, port }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs Python (boto3) against this moto; returns its stdout as JSON.
    pub fn boto3(&self, script: &str) -> serde_json::Value {
        self.boto3_via(&self.endpoint(), script)
    }

    /// [`Moto::boto3`] through another endpoint: the recording proxy, to see
    /// moto as the proxy's [`crate::apigateway`] rule makes it answer.
    pub fn boto3_via(&self, endpoint: &str, script: &str) -> serde_json::Value {
        let output = Command::new(python())
            .arg("-c")
            .arg(format!("{PRELUDE}\n{script}"))
            .env("AWS_ENDPOINT_URL", endpoint)
            .envs(credentials())
            .output()
            .expect("run python");
        assert!(
            output.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "python printed no JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    /// Everything in moto a deploy could have created, normalized (ids
    /// replaced by paths and names) so two deploys can be compared.
    pub fn snapshot(&self) -> serde_json::Value {
        self.boto3(SNAPSHOT)
    }

    /// [`Moto::snapshot`] with the REST APIs' ids (random) replaced by `<api>`.
    pub fn normalized_snapshot(&self) -> serde_json::Value {
        normalized(self.snapshot())
    }

    /// What AWS would hold, read through the proxy (binary media types
    /// included), API ids normalized as in [`Moto::normalized_snapshot`].
    pub fn snapshot_via(&self, endpoint: &str) -> serde_json::Value {
        normalized(self.boto3_via(endpoint, SNAPSHOT))
    }
}

fn normalized(snap: serde_json::Value) -> serde_json::Value {
    {
        let mut text = snap.to_string();
        if let Some(apis) = snap["apis"].as_object() {
            for api in apis.values() {
                if let Some(id) = api["id"].as_str() {
                    text = text.replace(id, "<api>");
                }
            }
        }
        serde_json::from_str(&text).expect("still JSON")
    }
}

impl Moto {
    /// POSTs `body` to moto's own API, e.g. `/moto-api/config`; returns the
    /// response body.
    pub fn moto_api(&self, path: &str, body: &serde_json::Value) -> String {
        let body = body.to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .expect("send to moto");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read moto's answer");
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        assert!(
            head.starts_with("HTTP/1.1 20") || head.starts_with("HTTP/1.0 20"),
            "POST {path}: {response}"
        );
        body.to_owned()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fake credentials and region every test uses.
pub fn credentials() -> [(&'static str, &'static str); 5] {
    [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_SESSION_TOKEN", "testing"),
    ]
}

const PRELUDE: &str = r#"
import json, boto3
iam = boto3.client("iam")
lam = boto3.client("lambda")
apigw = boto3.client("apigateway")
logs = boto3.client("logs")
"#;

const SNAPSHOT: &str = r#"
out = {"roles": {}, "functions": {}, "apis": {}, "log_groups": {}, "usage_plans": {}, "api_keys": {}}
for r in iam.list_roles()["Roles"]:
    name = r["RoleName"]
    pols = {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}
    out["roles"][name] = {"trust": r["AssumeRolePolicyDocument"], "policies": pols}
for f in lam.list_functions()["Functions"]:
    name = f["FunctionName"]
    got = lam.get_function(FunctionName=name)
    c = got["Configuration"]
    try:
        policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
        stmts = sorted([{"sid": s["Sid"], "principal": s["Principal"], "action": s["Action"],
                         "condition": s.get("Condition"),
                         "qualified": s.get("Resource", "").endswith(":live")}
                        for s in policy["Statement"]],
                       key=lambda s: s["sid"])
    except lam.exceptions.ResourceNotFoundException:
        stmts = []
    out["functions"][name] = {
        "runtime": c.get("Runtime"), "handler": c.get("Handler"), "role": c.get("Role"),
        "arch": c.get("Architectures"), "memory": c.get("MemorySize"), "timeout": c.get("Timeout"),
        "env": c.get("Environment", {}).get("Variables", {}), "code_sha256": c.get("CodeSha256"),
        "tags": got.get("Tags", {}), "permissions": stmts,
        "reserved": got.get("Concurrency", {}).get("ReservedConcurrentExecutions"),
        "aliases": {a["Name"]: a["FunctionVersion"]
                    for a in lam.list_aliases(FunctionName=name)["Aliases"]},
        "versions": [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]],
        "logging": c.get("LoggingConfig"),
    }
    mappings = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    if mappings:
        out["functions"][name]["mappings"] = sorted(
            [{"source": m["EventSourceArn"], "batch": m.get("BatchSize"),
              "window": m.get("MaximumBatchingWindowInSeconds", 0),
              "position": m.get("StartingPosition"),
              "responses": m.get("FunctionResponseTypes", []), "state": m.get("State")}
             for m in mappings], key=lambda m: m["source"])
    try:
        v = lam.get_function(FunctionName=name, Qualifier="live")["Configuration"]
        out["functions"][name]["live"] = {
            "version": v.get("Version"), "code_sha256": v.get("CodeSha256"), "role": v.get("Role"),
            "memory": v.get("MemorySize"), "timeout": v.get("Timeout"),
            "env": v.get("Environment", {}).get("Variables", {}), "logging": v.get("LoggingConfig")}
    except lam.exceptions.ResourceNotFoundException:
        pass
def authorizer(a):
    seen = {"type": a.get("type"), "uri": a.get("authorizerUri"),
            "identitySource": a.get("identitySource"), "ttl": a.get("authorizerResultTtlInSeconds")}
    if a.get("providerARNs"):
        seen["providerARNs"] = a["providerARNs"]
    return seen
for api in apigw.get_rest_apis()["items"]:
    aid = api["id"]
    authorizers = {a["id"]: a for a in apigw.get_authorizers(restApiId=aid).get("items", [])}
    resources = {}
    for r in apigw.get_resources(restApiId=aid, embed=["methods"])["items"]:
        methods = {}
        for m in r.get("resourceMethods", {}):
            got = apigw.get_method(restApiId=aid, resourceId=r["id"], httpMethod=m)
            integ = got.get("methodIntegration", {})
            methods[m] = {"auth": got.get("authorizationType"), "apiKey": got.get("apiKeyRequired"),
                          "integration": integ.get("type"), "uri": integ.get("uri"),
                          "integrationMethod": integ.get("httpMethod")}
            if integ.get("contentHandling"):
                methods[m]["contentHandling"] = integ["contentHandling"]
            if got.get("authorizerId"):
                a = authorizers.get(got["authorizerId"])
                methods[m]["authorizer"] = a["name"] if a else "unknown id " + got["authorizerId"]
            if got.get("authorizationScopes"):
                methods[m]["scopes"] = got["authorizationScopes"]
        resources[r["path"]] = methods
    stages = {s["stageName"]: True for s in apigw.get_stages(restApiId=aid)["item"]}
    key = api["name"]
    while key in out["apis"]:
        key += "+dup"
    responses = {g["responseType"]: g.get("responseParameters", {})
                 for g in apigw.get_gateway_responses(restApiId=aid)["items"]
                 if not g.get("defaultResponse")}
    policy = api.get("policy") or None
    out["apis"][key] = {"id": aid, "tags": api.get("tags", {}), "resources": resources, "stages": stages,
                        "binaryMediaTypes": api.get("binaryMediaTypes", []),
                        "gatewayResponses": responses,
                        "policy": json.loads(policy) if policy else None,
                        "authorizers": {a["name"]: authorizer(a) for a in authorizers.values()},
                        "endpoint": api.get("endpointConfiguration", {}).get("types")}
ids = {api["id"]: api["name"] for api in apigw.get_rest_apis()["items"]}
keys = {k["id"]: k for k in apigw.get_api_keys()["items"]}
for k in keys.values():
    out["api_keys"][k["name"]] = {"enabled": k.get("enabled"), "tags": k.get("tags", {})}
for p in apigw.get_usage_plans()["items"]:
    plan_keys = apigw.get_usage_plan_keys(usagePlanId=p["id"])["items"]
    out["usage_plans"][p["name"]] = {
        "stages": sorted(ids.get(s["apiId"], s["apiId"]) + "/" + s["stage"] for s in p.get("apiStages", [])),
        "throttle": p.get("throttle"), "quota": p.get("quota"),
        "keys": sorted(keys[k["id"]]["name"] if k["id"] in keys else k["id"] for k in plan_keys),
    }
events = boto3.client("events")
rules = {}
for bus in [b["Name"] for b in events.list_event_buses()["EventBuses"]]:
    for r in events.list_rules(EventBusName=bus)["Rules"]:
        targets = events.list_targets_by_rule(Rule=r["Name"], EventBusName=bus)["Targets"]
        rules[bus + "/" + r["Name"]] = {
            "schedule": r.get("ScheduleExpression"),
            "pattern": json.loads(r["EventPattern"]) if r.get("EventPattern") else None,
            "state": r.get("State"), "targets": sorted(t["Id"] + " " + t["Arn"] for t in targets)}
if rules:
    out["rules"] = rules
for g in logs.describe_log_groups()["logGroups"]:
    out["log_groups"][g["logGroupName"]] = g.get("retentionInDays")
print(json.dumps(out, sort_keys=True))
"#;
