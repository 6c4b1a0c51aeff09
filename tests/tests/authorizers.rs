//! Lambda authorizers end to end: the release build of `examples/orders`
//! under a real `goblet local`, called over loopback. API Gateway's answers
//! (status, exact body, `x-amzn-ErrorType`), its policy cache, and what the
//! authorizer's context looks like to the handler, in both event formats.

use goblet_tests::build;
use goblet_tests::local::{Reply, Scratch, Served, clean_command};
use serde_json::{Value, json};

const UNAUTHORIZED: &str = r#"{"message":"Unauthorized"}"#;
const EXPLICIT_DENY: &str =
    r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#;
const NOT_ALLOWED: &str = r#"{"Message":"User is not authorized to access this resource"}"#;

/// `goblet local` serving the orders app, with a `HOME` of its own.
struct Orders {
    served: Served,
    _home: Scratch,
}

impl Orders {
    fn start(extra: &[&str]) -> Orders {
        let home = Scratch::new();
        let command = clean_command(&build::release().goblet, &home.0);
        Orders {
            served: Served::launch(command, &build::release().orders, extra),
            _home: home,
        }
    }

    fn call(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
        self.served.request(method, target, headers, b"")
    }

    fn bearer(&self, method: &str, target: &str, token: &str) -> Reply {
        let header = format!("Bearer {token}");
        self.call(method, target, &[("Authorization", &header)])
    }

    /// How many invocations the function has started so far (the
    /// authorizer's and the routes' alike: they are one function).
    fn invocations(&self) -> usize {
        self.served
            .output()
            .iter()
            .filter(|l| l.starts_with("START RequestId: "))
            .count()
    }

    /// Waits until exactly `n` invocations have reported.
    fn wait_for_reports(&self, n: usize) {
        self.served
            .wait_for_lines(n, |l| l.starts_with("REPORT RequestId: "));
    }
}

fn caller(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["caller"].clone()
}

#[test]
fn a_token_authorizer_refuses_denies_and_grants_as_api_gateway_does() {
    let orders = Orders::start(&[]);

    // No Authorization header: API Gateway answers 401 without asking.
    orders.call("GET", "/api/orders", &[]).assert_gateway_body(
        401,
        UNAUTHORIZED,
        Some("UnauthorizedException"),
    );
    // An empty one counts as missing too.
    orders
        .call("GET", "/api/orders", &[("Authorization", "")])
        .assert_gateway_body(401, UNAUTHORIZED, Some("UnauthorizedException"));
    assert_eq!(orders.invocations(), 0, "{:#?}", orders.served.output());

    // The authorizer says "Unauthorized": 401.
    orders
        .call("GET", "/api/orders", &[("Authorization", "Basic YWxpY2U=")])
        .assert_gateway_body(401, UNAUTHORIZED, Some("UnauthorizedException"));
    orders
        .bearer("GET", "/api/orders", "nobody-token")
        .assert_gateway_body(401, UNAUTHORIZED, Some("UnauthorizedException"));
    // An explicit deny: 403, and the route is not called.
    orders
        .bearer("GET", "/api/orders", "mallory-token")
        .assert_gateway_body(403, EXPLICIT_DENY, Some("AccessDeniedException"));
    orders.wait_for_reports(3);

    // Bob may list orders...
    let bob = caller(&orders.bearer("GET", "/api/orders", "bob-token"));
    assert_eq!(bob["principal"], "bob");
    assert_eq!(bob["tier"], "silver");
    orders.wait_for_reports(5);
    // ...and nothing else: the cached policy does not cover DELETE, so
    // API Gateway answers 403 without calling the function at all.
    orders
        .bearer("DELETE", "/api/orders/o-1", "bob-token")
        .assert_gateway_body(403, NOT_ALLOWED, Some("AccessDeniedException"));
    // A denied token is cached too: no new invocation.
    orders
        .bearer("GET", "/api/orders", "mallory-token")
        .assert_gateway_body(403, EXPLICIT_DENY, Some("AccessDeniedException"));
    assert_eq!(orders.invocations(), 5, "{:#?}", orders.served.output());

    // Alice may call everything under /orders; her grant is cached for the
    // authorizer's 300 s, so the second call reuses the first answer.
    let first = orders.bearer("GET", "/api/orders/o-7", "alice-token");
    assert_eq!(
        first.json(),
        json!({
            "order": "o-7",
            "method": "GET",
            "caller": {"principal": "alice", "tier": "gold", "check": first.json()["caller"]["check"], "tenant": null},
        })
    );
    let check = first.json()["caller"]["check"].clone();
    assert!(
        check.is_string(),
        "REST APIs hand context values over as strings: {check}"
    );
    let second = caller(&orders.bearer("DELETE", "/api/orders/o-7", "alice-token"));
    assert_eq!(second["check"], check, "the cached grant, not a new check");
    orders.wait_for_reports(8);

    // The open route needs nothing.
    let open = orders.call("GET", "/api/", &[]);
    assert_eq!(open.status, 200, "{}", open.text());
    orders.wait_for_reports(9);
}

#[test]
fn a_request_authorizer_with_no_cache_is_asked_every_time() {
    let orders = Orders::start(&[]);
    let acme = [("X-Tenant", "acme")];

    // One identity source missing: 401 before any invocation.
    orders
        .call("GET", "/api/tenants/acme?key=acme-key", &[])
        .assert_gateway_body(401, UNAUTHORIZED, Some("UnauthorizedException"));
    orders
        .call("GET", "/api/tenants/acme", &acme)
        .assert_gateway_body(401, UNAUTHORIZED, Some("UnauthorizedException"));
    assert_eq!(orders.invocations(), 0, "{:#?}", orders.served.output());

    // ttl = 0: each call asks the authorizer, then calls the route.
    for round in 1..=2 {
        let reply = orders.call("GET", "/api/tenants/acme?key=acme-key", &acme);
        assert_eq!(
            reply.json(),
            json!({
                "tenant": "acme",
                "caller": {"principal": "acme", "tier": null, "check": null, "tenant": "acme"},
            })
        );
        orders.wait_for_reports(2 * round);
    }
    // The policy names acme's own resource only.
    orders
        .call("GET", "/api/tenants/globex?key=acme-key", &acme)
        .assert_gateway_body(403, NOT_ALLOWED, Some("AccessDeniedException"));
    // A wrong key: the authorizer denies explicitly.
    orders
        .call("GET", "/api/tenants/acme?key=guess", &acme)
        .assert_gateway_body(403, EXPLICIT_DENY, Some("AccessDeniedException"));
    orders.wait_for_reports(6);
}

#[test]
fn a_failing_authorizer_is_a_500_with_null_message_and_the_route_is_not_called() {
    let orders = Orders::start(&["--env", "ORDERS_STORE_OFFLINE=1"]);
    for _ in 0..2 {
        orders
            .bearer("GET", "/api/orders", "alice-token")
            .assert_gateway_body(
                500,
                r#"{"message":null}"#,
                Some("AuthorizerConfigurationException"),
            );
    }
    // A failure is not cached: both calls asked the authorizer, and only it.
    orders.wait_for_reports(2);
    let logged = orders.served.wait_for_line(|l| {
        l.contains("Execution failed due to configuration error: Authorizer error")
    });
    assert!(!logged.is_empty());
    let out = orders.served.output();
    assert!(
        out.iter()
            .any(|l| l.contains("the identity store is unreachable")),
        "the function's own error reaches the log: {out:#?}"
    );
}

#[test]
fn http_api_events_carry_the_authorizer_context_with_its_json_types() {
    let orders = Orders::start(&["--format", "http"]);
    let alice = caller(&orders.bearer("GET", "/api/orders", "alice-token"));
    // HTTP APIs hand a Lambda authorizer's context over as
    // `requestContext.authorizer.lambda`, values keeping their JSON type.
    assert_eq!(alice["tier"], "gold");
    assert_eq!(alice["check"], "1");
    orders
        .bearer("GET", "/api/orders", "mallory-token")
        .assert_gateway_body(403, EXPLICIT_DENY, Some("AccessDeniedException"));
    orders.call("GET", "/api/orders", &[]).assert_gateway_body(
        401,
        UNAUTHORIZED,
        Some("UnauthorizedException"),
    );
}

#[test]
fn the_banner_names_the_authorizers_and_the_routes_behind_them() {
    let orders = Orders::start(&[]);
    let out = orders.served.output();
    let text = out.join("\n");
    assert!(text.contains("tokens"), "{text}");
    assert!(text.contains("tenants"), "{text}");
    assert!(
        out.iter()
            .any(|l| l.contains("/orders") && l.contains("authorizer tokens")),
        "{text}"
    );
}
