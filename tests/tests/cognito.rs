//! Cognito user pool authorizers end to end: the release build of
//! `examples/members` under a real `goblet local`, called over loopback with
//! tokens from three real sources: `goblet token`, PyJWT signing with keys
//! this test makes, and moto's Cognito (`admin_initiate_auth`) with the
//! pool's JWKS served by moto on loopback.

use std::path::{Path, PathBuf};
use std::process::Command;

use goblet_tests::build::{self, workspace_root};
use goblet_tests::local::{Reply, Scratch, Served, clean_command};
use goblet_tests::moto::{Moto, credentials, python};
use serde_json::{Value, json};

const UNAUTHORIZED: &str = r#"{"message":"Unauthorized"}"#;
const EXPIRED: &str = r#"{"message":"The incoming token has expired"}"#;
/// The pool `examples/members/Cargo.toml` configures.
const MEMBERS_ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Goblet1";

fn members_project() -> PathBuf {
    workspace_root().join("examples/members")
}

/// Where no pool's keys can be read: a closed port on loopback (discard),
/// so that nothing leaves the machine for the real pool's issuer.
const NO_COGNITO: (&str, &str) = ("AWS_ENDPOINT_URL", "http://127.0.0.1:9");

/// `goblet local` serving the members app, with `HOME` in `home`.
fn serve(home: &Path, project: &Path, extra: &[&str], env: &[(&str, &str)]) -> Served {
    let mut command = clean_command(&build::release().goblet, home);
    command.envs(env.iter().copied());
    let mut args = vec!["--project", project.to_str().unwrap()];
    args.extend_from_slice(extra);
    Served::launch(command, &build::release().members, &args)
}

fn bearer(served: &Served, target: &str, token: &str) -> Reply {
    let header = format!("Bearer {token}");
    served.request("GET", target, &[("Authorization", &header)], b"")
}

fn raw(served: &Served, target: &str, token: &str) -> Reply {
    served.request("GET", target, &[("Authorization", token)], b"")
}

fn refused(reply: &Reply, body: &str) {
    reply.assert_gateway_body(401, body, Some("UnauthorizedException"));
}

/// `goblet token` as the user runs it, with `HOME` in `home`.
fn goblet_token(home: &Path, args: &[&str]) -> String {
    let output = clean_command(&build::release().goblet, home)
        .arg("token")
        .args(["--project", members_project().to_str().unwrap()])
        .args(args)
        .output()
        .expect("run goblet token");
    assert!(
        output.status.success(),
        "goblet token {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    token
}

#[test]
fn goblet_token_mints_what_goblet_local_trusts() {
    let home = Scratch::new();
    let id = goblet_token(&home.0, &["--username", "alice"]);
    let access = goblet_token(&home.0, &["--scope", "reports/read"]);
    let other_scope = goblet_token(&home.0, &["--scope", "reports/write"]);
    let served = serve(&home.0, &members_project(), &[], &[NO_COGNITO]);

    // The open route needs nothing.
    assert_eq!(served.get("/api/").status, 200);

    // An identity token reaches /me; the handler reads its claims.
    let me = bearer(&served, "/api/me", &id);
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["user"], "alice");
    assert_eq!(me.json()["token_use"], "id");
    // Without `Bearer ` too, as API Gateway takes it.
    assert_eq!(raw(&served, "/api/me", &id).status, 200);

    // No token, an empty one, or one that is not a JWT: 401, and the
    // function is never asked.
    refused(&served.get("/api/me"), UNAUTHORIZED);
    refused(&raw(&served, "/api/me", ""), UNAUTHORIZED);
    refused(&bearer(&served, "/api/me", "not-a-jwt"), UNAUTHORIZED);

    // A route with scopes takes only an access token granted one of them.
    refused(&bearer(&served, "/api/reports", &id), UNAUTHORIZED);
    refused(&bearer(&served, "/api/reports", &other_scope), UNAUTHORIZED);
    let reports = bearer(&served, "/api/reports", &access);
    assert_eq!(reports.status, 200, "{}", reports.text());
    assert_eq!(reports.json()["scope"], "reports/read");
    // An access token is not an identity token: a route without scopes refuses it.
    refused(&bearer(&served, "/api/me", &access), UNAUTHORIZED);

    // A token tampered with after signing (its claims changed) is refused.
    let mut parts: Vec<String> = id.split('.').map(str::to_owned).collect();
    parts[1] = base64_url(
        &json!({"sub": "x", "iss": MEMBERS_ISSUER, "token_use": "id",
        "exp": 4_000_000_000u64, "cognito:username": "mallory"}),
    );
    refused(&bearer(&served, "/api/me", &parts.join(".")), UNAUTHORIZED);

    // Only the accepted calls ran the function.
    served.wait_for_lines(4, |l| l.starts_with("REPORT RequestId: "));
    let started = served
        .output()
        .iter()
        .filter(|l| l.starts_with("START RequestId: "))
        .count();
    assert_eq!(started, 4, "{:#?}", served.output());
}

/// What the venv's Python prints (JSON) running `script` with `args`.
fn python_json(script: &str, args: &[&str]) -> Value {
    let output = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Base64url without padding, as JWTs carry their parts.
fn base64_url(value: &Value) -> String {
    const ENCODE: &str = "import base64, json, sys; \
        print(json.dumps(base64.urlsafe_b64encode(sys.argv[1].encode()).decode().rstrip('=')))";
    python_json(ENCODE, &[&value.to_string()])
        .as_str()
        .unwrap()
        .to_owned()
}

/// PyJWT signs with an RSA key this script makes; prints its JWKS and a
/// token per case.
const PYJWT_TOKENS: &str = r#"
import base64, hashlib, hmac, json, sys, time, jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

iss = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
jwk.update(kid="test-key", alg="RS256", use="sig")
now = int(time.time())

def token(signer=key, kid="test-key", alg="RS256", **changes):
    claims = {"sub": "7d8c-test", "iss": iss, "token_use": "id", "aud": "client-1",
              "cognito:username": "carol", "email": "carol@example.com",
              "iat": now, "auth_time": now, "exp": now + 600}
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, signer, algorithm=alg, headers={"kid": kid})

def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def hs256_with_public_key():
    # The classic confusion: HMAC keyed with the RSA public key, which a
    # verifier trusting the header's `alg` would accept.
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64(json.dumps({"alg": "HS256", "kid": "test-key", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": "x", "iss": iss, "token_use": "id", "exp": now + 600}).encode())
    mac = hmac.new(public, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"

print(json.dumps({
    "jwks": {"keys": [jwk]},
    "good": token(),
    "access": token(token_use="access", aud=None, client_id="client-1", scope="openid reports/read"),
    "expired": token(exp=now - 60),
    "not_yet": token(nbf=now + 600),
    "other_issuer": token(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
    "stranger": token(signer=stranger),
    "unknown_kid": token(kid="nobody"),
    "no_token_use": token(token_use=None),
    "no_exp": token(exp=None),
    "no_kid": jwt.encode({"sub": "x", "iss": iss, "token_use": "id", "exp": now + 600}, key, algorithm="RS256"),
    "hs256": hs256_with_public_key(),
    "none": jwt.encode({"sub": "x", "iss": iss, "token_use": "id", "exp": now + 600}, None, algorithm="none"),
}))
"#;

#[test]
fn tokens_signed_with_a_jwks_file_are_checked_as_api_gateway_does() {
    let cases = python_json(PYJWT_TOKENS, &[MEMBERS_ISSUER]);
    let home = Scratch::new();
    let jwks = home.0.join("pool-jwks.json");
    std::fs::write(&jwks, cases["jwks"].to_string()).unwrap();
    let served = serve(
        &home.0,
        &members_project(),
        &["--jwks", jwks.to_str().unwrap()],
        &[NO_COGNITO],
    );
    let token = |name: &str| cases[name].as_str().unwrap().to_owned();

    let me = bearer(&served, "/api/me", &token("good"));
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["user"], "carol");
    assert_eq!(me.json()["sub"], "7d8c-test");
    let reports = bearer(&served, "/api/reports", &token("access"));
    assert_eq!(reports.status, 200, "{}", reports.text());
    assert_eq!(reports.json()["client_id"], "client-1");

    // API Gateway's own answer for an expired token.
    refused(&bearer(&served, "/api/me", &token("expired")), EXPIRED);
    for case in [
        "not_yet",
        "other_issuer",
        "stranger",
        "unknown_kid",
        "no_token_use",
        "no_exp",
        "no_kid",
        "hs256",
        "none",
    ] {
        let reply = bearer(&served, "/api/me", &token(case));
        assert_eq!(reply.status, 401, "{case}: {}", reply.text());
        refused(&reply, UNAUTHORIZED);
    }
}

#[test]
fn moto_cognito_tokens_are_verified_against_the_pools_jwks() {
    let moto = Moto::start();
    let pool = moto.boto3(
        r#"
idp = boto3.client("cognito-idp")
pool = idp.create_user_pool(PoolName="members")["UserPool"]
client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web",
    ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
idp.admin_create_user(UserPoolId=pool["Id"], Username="dana", MessageAction="SUPPRESS",
    UserAttributes=[{"Name": "email", "Value": "dana@example.com"}])
idp.admin_set_user_password(UserPoolId=pool["Id"], Username="dana", Password="Secret-pass-1", Permanent=True)
auth = idp.admin_initiate_auth(UserPoolId=pool["Id"], ClientId=client["ClientId"],
    AuthFlow="ADMIN_USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": "dana", "PASSWORD": "Secret-pass-1"})["AuthenticationResult"]
print(json.dumps({"arn": pool["Arn"], "id": auth["IdToken"], "access": auth["AccessToken"]}))
"#,
    );
    // A project of its own naming moto's pool: the members binary, configured anew.
    let project = Scratch::new();
    std::fs::write(
        project.0.join("Cargo.toml"),
        format!(
            "[package]\nname = \"members\"\nversion = \"0.1.0\"\n\n\
             [package.metadata.goblet.authorizers.users]\n\
             type = \"cognito_user_pools\"\nprovider_arns = [\"{}\"]\n",
            pool["arn"].as_str().unwrap()
        ),
    )
    .unwrap();
    let home = Scratch::new();
    let endpoint = moto.endpoint();
    let mut env: Vec<(&str, &str)> = credentials().to_vec();
    env.push(("AWS_ENDPOINT_URL", &endpoint));
    let served = serve(&home.0, &project.0, &[], &env);
    assert!(
        !served
            .output()
            .iter()
            .any(|l| l.contains("cannot read the keys")),
        "{:#?}",
        served.output()
    );

    let me = bearer(&served, "/api/me", pool["id"].as_str().unwrap());
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["user"], "dana");
    // moto's access token carries only `aws.cognito.signin.user.admin`:
    // refused where reports/read is asked for, and where an identity token is.
    refused(
        &bearer(&served, "/api/reports", pool["access"].as_str().unwrap()),
        UNAUTHORIZED,
    );
    refused(
        &bearer(&served, "/api/me", pool["access"].as_str().unwrap()),
        UNAUTHORIZED,
    );
    // A token of goblet token's local key still works next to the pool's.
    let minted = clean_command(&build::release().goblet, &home.0)
        .args(["token", "--project", project.0.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(minted.status.success(), "{minted:?}");
    let minted = String::from_utf8(minted.stdout).unwrap();
    assert_eq!(bearer(&served, "/api/me", minted.trim()).status, 200);
}

#[test]
fn an_unreachable_pool_is_said_at_start_up_and_its_tokens_refused() {
    let home = Scratch::new();
    let served = serve(&home.0, &members_project(), &[], &[NO_COGNITO]);
    served.wait_for_line(|l| l.contains("cannot read the keys of the user pool us-east-1_Goblet1"));
    // The local key of goblet token is still trusted.
    let id = goblet_token(&home.0, &[]);
    assert_eq!(bearer(&served, "/api/me", &id).status, 200);
}

#[test]
fn goblet_token_refuses_what_it_cannot_mint() {
    let home = Scratch::new();
    let run = |args: &[&str]| {
        goblet_tests::cli::run(
            clean_command(&build::release().goblet, &home.0)
                .arg("token")
                .args(args),
        )
    };
    let project = members_project();
    let project = project.to_str().unwrap();
    let unknown = run(&["--project", project, "--authorizer", "admins"]);
    assert!(
        unknown
            .expect_user_error()
            .contains("no Cognito authorizer `admins` (it has: users)"),
        "{unknown:#?}"
    );
    let too_long = run(&["--project", project, "--expires-in", "86401"]);
    assert!(
        too_long.expect_user_error().contains("--expires-in"),
        "{too_long:#?}"
    );
    let empty = Scratch::new();
    let none = run(&["--project", empty.0.to_str().unwrap()]);
    assert!(
        none.expect_user_error().contains("no Cognito authorizer"),
        "{none:#?}"
    );
}

/// Two pools, each key in its pool's JWKS, served on loopback as Cognito
/// serves them (`{pool}/.well-known/jwks.json`); tokens signed by the test.
const TWO_POOLS: &str = r#"
import base64, json, os, sys, time, jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.algorithms import RSAAlgorithm

root, a, b = sys.argv[1], sys.argv[2], sys.argv[3]
keys = {}
for pool, kid in ((a, "key-a"), (b, "key-b")):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=kid, alg="RS256", use="sig")
    os.makedirs(f"{root}/{pool}/.well-known")
    with open(f"{root}/{pool}/.well-known/jwks.json", "w") as f:
        json.dump({"keys": [jwk]}, f)
    keys[pool] = (key, kid)
now = int(time.time())
def issuer(pool):
    return f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
def claims(signer, iss):
    return {"sub": "s", "iss": iss, "token_use": "id", "cognito:username": signer, "exp": now + 600}
def token(signer, claimed, kid=None):
    key, own = keys[signer]
    return jwt.encode(claims(signer, issuer(claimed)), key, algorithm="RS256", headers={"kid": kid or own})
def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
def issuer_list_token():
    # PyJWT refuses to write a list as `iss`: signed by hand, RS256 as PyJWT would.
    key, kid = keys[a]
    head = b64(json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims(a, [issuer(a), issuer(b)])).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64(signature)}"
print(json.dumps({
    "a": token(a, a), "b": token(b, b),
    "a_claims_b": token(a, b), "a_claims_b_with_kid_b": token(a, b, "key-b"),
    "issuer_list": issuer_list_token(),
}))
"#;

#[test]
fn a_pools_key_vouches_for_that_pool_alone() {
    const A: &str = "us-east-1_PoolA";
    const B: &str = "us-east-1_PoolB";
    let site = Scratch::new();
    let tokens = python_json(TWO_POOLS, &[site.0.to_str().unwrap(), A, B]);
    let token = |name: &str| tokens[name].as_str().unwrap().to_owned();
    // Python's http.server stands in for Cognito's key endpoint.
    let (mut server, lines) = goblet_tests::process::spawn(
        Command::new(python())
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .current_dir(&site.0),
    );
    let port = {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let found = lines.lock().unwrap().iter().find_map(|l| {
                l.split(" port ")
                    .nth(1)?
                    .split_whitespace()
                    .next()?
                    .parse::<u16>()
                    .ok()
            });
            if let Some(port) = found {
                break port;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{:#?}",
                lines.lock().unwrap()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let project = Scratch::new();
    std::fs::write(
        project.0.join("Cargo.toml"),
        format!(
            "[package]\nname = \"members\"\nversion = \"0.1.0\"\n\n\
             [package.metadata.goblet.authorizers.users]\ntype = \"cognito_user_pools\"\n\
             provider_arns = [\"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{A}\", \
             \"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{B}\"]\n\
             identity_source = \"method.request.header.X-Token\"\n"
        ),
    )
    .unwrap();
    let home = Scratch::new();
    let endpoint = format!("http://127.0.0.1:{port}");
    let served = serve(
        &home.0,
        &project.0,
        &[],
        &[("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", &endpoint)],
    );
    let with =
        |header: &str, token: &str| served.request("GET", "/api/me", &[(header, token)], b"");
    // Each pool's own tokens, from the configured header, `bearer` in any case.
    for pool in ["a", "b"] {
        let reply = with("X-Token", &format!("bearer {}", token(pool)));
        assert_eq!(reply.status, 200, "{pool}: {}", reply.text());
    }
    // The token in another header than the authorizer's: missing.
    refused(&with("Authorization", &token("a")), UNAUTHORIZED);
    // Pool A's key does not vouch for a token claiming pool B, whichever
    // key id it names; nor does a list of issuers pass for one.
    for case in ["a_claims_b", "a_claims_b_with_kid_b", "issuer_list"] {
        let reply = with("X-Token", &token(case));
        assert_eq!(reply.status, 401, "{case}: {}", reply.text());
    }
    let _ = server.kill();
    let _ = server.wait();
}
