//! The sandbox's `POST /api/events` and schema routes over real HTTP: every status with its body
//! and headers, API keys, the body limit.

use loop_contracts::api_key::Tier;
use loop_contracts::inbound::{Declaration, Intake, TransformContext};
use loop_contracts::sandbox::{Sandbox, SandboxError, Via};
use loop_contracts::{validate_event, ErrorCode, ValidationError};
use serde_json::{json, Value};
use suite::sandbox::*;

#[tokio::test]
async fn a_valid_event_is_accepted_with_rate_limit_headers() {
    let sandbox = start(Sandbox::builder()).await;
    let client = client();
    let before = unix_now();
    let response = post_event(&client, &sandbox, KEY, &lead_request(1)).await;
    let (limit, remaining, reset) = rate_headers(&response);
    assert_eq!((limit, remaining), (100, 199), "Standard: 100/s, burst 200, one spent");
    assert!(reset >= before && reset <= unix_now() + 2, "reset {reset} is Unix seconds, about now");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().get("idempotent-replayed").is_none());
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 200);
    assert_eq!(body["ok"], true);
    assert_eq!(body["event"], "lead.captured.v1");
    assert_eq!(body["eventId"], event_id(1));
    assert_eq!(body["sequence"], 1);
    let received = body["receivedAt"].as_str().unwrap();
    assert!(received.ends_with('Z') && received.len() == "2026-05-19T12:00:00.000Z".len(), "{received}");

    let accepted = sandbox.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].sequence, 1);
    assert_eq!(accepted[0].event_id, event_id(1));
    assert_eq!(accepted[0].payload, validate_event("lead.captured.v1", &lead(1)).unwrap().to_value());
    let Via::Api { key } = &accepted[0].via else { panic!("{:?}", accepted[0].via) };
    assert!(key.starts_with("lk_test_[REDACTED ") && !key.contains("sandbox_suite_key"), "{key}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn malformed_bodies_are_400_malformed_request() {
    let sandbox = start(builder()).await;
    let client = client();
    // serde's derive would read `{"event", "payload"}` from an array of the two, in order.
    let array = format!(r#"["lead.captured.v1", {}]"#, lead(1));
    let cases: &[(&[u8], &str)] = &[
        (array.as_bytes(), "invalid type: sequence, expected a JSON object"),
        (b"{\"event\": \"lead.captured.v1\", ", "malformed JSON"),
        (b"", "malformed JSON"),
        (b"[1, 2]", "the body must be"),
        (b"{\"event\": \"lead.captured.v1\"}", "missing field `payload`"),
        (b"{\"payload\": {}}", "missing field `event`"),
        (b"{\"event\": 7, \"payload\": {}}", "invalid type"),
    ];
    for (body, phrase) in cases {
        let response = client
            .post(format!("{}/api/events", sandbox.url()))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        rate_headers(&response);
        let (status, _, body) = parts(response).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["ok"], false);
        assert_eq!(body["error"]["code"], "MALFORMED_REQUEST");
        assert_eq!(body["error"]["issues"], json!([]));
        assert!(body["error"]["message"].as_str().unwrap().contains(phrase), "{body}");
    }
    let response = client
        .post(format!("{}/api/events", sandbox.url()))
        .bearer_auth(KEY)
        .header("idempotency-key", "")
        .json(&lead_request(1))
        .send()
        .await
        .unwrap();
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("MALFORMED_REQUEST")), "{body}");
    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn unknown_events_and_invalid_payloads_are_422_in_the_platform_format() {
    let sandbox = start(builder()).await;
    let client = client();

    let response = post_event(&client, &sandbox, KEY, &json!({"event": "lead.captured.v9", "payload": lead(1)})).await;
    rate_headers(&response);
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 422);
    assert_eq!(body, ValidationError::unknown_event("lead.captured.v9").to_response());

    // The integration guide's example, exactly.
    let mut payload = lead(2);
    payload["email"] = json!("not-an-email");
    let response = post_event(&client, &sandbox, KEY, &json!({"event": "lead.captured.v1", "payload": payload})).await;
    rate_headers(&response);
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"ok": false, "error": {"code": "VALIDATION_ERROR",
            "message": "payload.email must be a valid email address",
            "issues": [{"path": "email", "message": "Invalid email", "code": "invalid_string"}]}})
    );

    // Every issue, in Zod's order, as validate_event reports them.
    let payload = json!({"eventId": "nope", "email": 3, "source": "fax", "attribution": []});
    let response = post_event(&client, &sandbox, KEY, &json!({"event": "lead.captured.v1", "payload": payload})).await;
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 422);
    assert_eq!(body, validate_event("lead.captured.v1", &payload).unwrap_err().to_response());
    assert!(body["error"]["issues"].as_array().unwrap().len() >= 5, "{body}");

    // A payload that is not an object is a validation failure, as the platform's Zod says.
    let response = post_event(&client, &sandbox, KEY, &json!({"event": "lead.captured.v1", "payload": null})).await;
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("VALIDATION_ERROR")), "{body}");
    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn numbers_beyond_a_double_get_zods_verdict_and_are_stored_as_null() {
    let sandbox = start(builder()).await;
    let client = client();
    let post = |body: String| {
        client.post(format!("{}/api/events", sandbox.url())).bearer_auth(KEY).body(body.into_bytes()).send()
    };
    let form = r#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "provider": "typeform", "formId": "f1",
        "responseId": "r1", "answers": [], "hidden": {"h": -1e999}, "score": 1e999}"#;
    // JSON.parse reads 1e999 as Infinity; Zod accepts it in a `number` field; the platform keeps
    // what JSON.stringify writes for it, null.
    let (status, _, body) =
        parts(post(format!(r#"{{"event": "form.submitted.v1", "payload": {form}}}"#)).await.unwrap()).await;
    assert_eq!((status, &body["ok"]), (200, &json!(true)), "{body}");
    let accepted = sandbox.accepted();
    assert_eq!(accepted[0].payload["score"], Value::Null);
    assert_eq!(accepted[0].payload["hidden"], json!({"h": null}));

    // Where a string or an integer is expected, it is a number Zod refuses as any other.
    let order = r#"{"lineItems": [{"title": 1e999, "quantity": 123e400}]}"#;
    let (status, _, body) =
        parts(post(format!(r#"{{"event": "order.completed.v1", "payload": {order}}}"#)).await.unwrap()).await;
    assert_eq!(status, 422);
    let schema = loop_contracts::catalog().get("order.completed.v1").unwrap();
    assert_eq!(body, schema.validate_str(order).unwrap_err().to_response());
    let issues = body["error"]["issues"].as_array().unwrap();
    assert!(issues.contains(
        &json!({"path": "lineItems.0.quantity", "message": "Expected integer, received float", "code": "invalid_type"})
    ));

    // The request around the payload is judged as for any body: a repeated field after an
    // infinity is refused at its place, a syntax error too.
    let (status, _, body) = parts(
        post(r#"{"event": "form.submitted.v1", "payload": {"score": 1e999}, "event": "x"}"#.to_owned()).await.unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "the body must be {\"event\": \"<name>\", \"payload\": {...}}: duplicate field `event` at line 1 column 67"
    );
    let (status, _, body) = parts(post(r#"{"event": "x", "payload": [1e999 1]}"#.to_owned()).await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "malformed JSON: expected `,` or `]` at line 1 column 34");
    assert_eq!(sandbox.accepted().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn api_keys_are_checked_and_never_echoed() {
    let secret_part = "only_this_one_0000000000000";
    let allowed = format!("lk_test_{secret_part}");
    let sandbox = start(builder().accept_key(key(&allowed))).await;
    let client = client();
    let url = format!("{}/api/events", sandbox.url());
    let cases: Vec<(Option<String>, &str)> = vec![
        (None, "missing API key"),
        (Some(format!("Basic {allowed}")), "must be `Bearer <key>`"),
        (Some("Bearer".to_owned()), "must be `Bearer <key>`"),
        (Some("Bearer lk_test_abc123".to_owned()), "too short"),
        (Some(format!("Bearer sk_test_{secret_part}")), "does not start with `lk_`"),
        (Some(format!("Bearer lk_prod_{secret_part}")), "prefix"),
        (Some(format!("Bearer lk_test_{secret_part}!")), "character"),
        (Some(format!("Bearer lk_live_{secret_part}")), "live API keys (lk_live_) are not accepted by the sandbox"),
        (Some(format!("Bearer lk_test_{secret_part}x")), "unknown API key lk_test_[REDACTED "),
        (Some(format!("Bearer {OTHER_KEY}")), "unknown API key lk_dev_[REDACTED "),
    ];
    for (authorization, phrase) in cases {
        let mut request = client.post(&url).json(&lead_request(1));
        if let Some(value) = &authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        rate_headers(&response);
        assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"loop-sandbox\"");
        let (status, _, body) = parts(response).await;
        assert_eq!(status, 401, "{authorization:?}: {body}");
        assert_eq!(body["error"]["code"], "UNAUTHORIZED");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(phrase), "{authorization:?}: {message}");
        assert!(!body.to_string().contains(secret_part), "the key leaked: {body}");
        assert!(!body.to_string().contains("sandbox_suite_key"), "the key leaked: {body}");
    }
    let response = post_event(&client, &sandbox, &allowed, &lead_request(1)).await;
    assert_eq!(response.status(), 200);
    // The scheme is case-insensitive.
    let response = client.post(&url).header("authorization", format!("bearer {allowed}")).json(&lead_request(2));
    assert_eq!(response.send().await.unwrap().status(), 200);

    // Without a list, any well-formed lk_test_ or lk_dev_ key, and still never lk_live_.
    let open = start(builder()).await;
    assert_eq!(post_event(&client, &open, KEY, &lead_request(1)).await.status(), 200);
    assert_eq!(post_event(&client, &open, OTHER_KEY, &lead_request(1)).await.status(), 200);
    let live = format!("lk_live_{secret_part}");
    assert_eq!(post_event(&client, &open, &live, &lead_request(2)).await.status(), 401);
    assert_eq!(open.accepted().len(), 2);
}

#[tokio::test]
async fn configuring_a_live_key_or_a_webhook_path_under_the_api_fails_at_start() {
    let live = key("lk_live_0123456789abcdef0123");
    assert!(matches!(Sandbox::builder().accept_key(live).start().await, Err(SandboxError::LiveKey)));
    let mut intake = Intake::new(TransformContext::default());
    intake
        .declare(
            Declaration::parse(
                r#"{"name": "lead.captured.v1", "source": "custom", "webhookPath": "/api/events/lead",
                    "transform": {"occurredAt": "$.at", "email": "$.email", "source": {"const": "other"},
                                  "attribution": {"path": "$.utm", "default": {}}}}"#,
            )
            .unwrap(),
        )
        .unwrap();
    let err = Sandbox::builder().intake(intake).start().await.unwrap_err();
    assert!(matches!(err, SandboxError::WebhookPath(ref p) if p == "/api/events/lead"), "{err}");
    let err = Sandbox::builder().faults(loop_contracts::sandbox::FaultConfig::seeded(1).with_error_rate(2.0));
    assert!(matches!(err.start().await, Err(SandboxError::Faults(_))));
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let sandbox = start(builder().body_limit(2048)).await;
    let client = client();
    let mut big = lead(1);
    big["attribution"] = json!({"note": "x".repeat(4096)});
    let response = post_event(&client, &sandbox, KEY, &json!({"event": "lead.captured.v1", "payload": big})).await;
    rate_headers(&response);
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "MALFORMED_REQUEST");
    assert!(body["error"]["message"].as_str().unwrap().contains("2048 bytes"), "{body}");
    // Under the limit on the same sandbox: fine.
    assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(2)).await.status(), 200);

    // The default limit is 1 MiB.
    let sandbox = start(builder()).await;
    let mut big = lead(3);
    big["attribution"] = json!({"note": "x".repeat(1 << 20)});
    let response = post_event(&client, &sandbox, KEY, &json!({"event": "lead.captured.v1", "payload": big})).await;
    assert_eq!(response.status(), 413);
    let mut fits = lead(4);
    fits["attribution"] = json!({"note": "x".repeat(1000 * 1000)});
    let response = post_event(&client, &sandbox, KEY, &json!({"event": "lead.captured.v1", "payload": fits})).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn schema_discovery_and_catalog_listing() {
    let sandbox = start(Sandbox::builder()).await;
    let client = client();
    let root = suite::workspace_root().join("schemas");

    // Anonymous reads are allowed and counted against the address.
    let response = client.get(format!("{}/api/events/schema/lead.captured.v1", sandbox.url())).send().await.unwrap();
    let (limit, remaining, _) = rate_headers(&response);
    assert_eq!((limit, remaining), (100, 199));
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 200);
    let committed: Value =
        serde_json::from_slice(&std::fs::read(root.join("lead.captured.v1.fields.json")).unwrap()).unwrap();
    assert_eq!(body, committed, "the platform's published discovery document");

    let response = client
        .get(format!("{}/api/events/schema/order.completed.v1?format=json-schema", sandbox.url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 200);
    let committed: Value =
        serde_json::from_slice(&std::fs::read(root.join("order.completed.v1.schema.json")).unwrap()).unwrap();
    assert_eq!(body, committed);

    let response = client.get(format!("{}/api/events/schema", sandbox.url())).send().await.unwrap();
    rate_headers(&response);
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body["events"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, loop_contracts::catalog().names().collect::<Vec<_>>());
    assert_eq!(body["events"][0]["schema"], format!("/api/events/schema/{}", names[0]));

    // An unknown name on a read: 404 with `UNKNOWN_EVENT`, the exception `docs/platform.md` §2.2
    // records to the code's 422 (a send of that name still gets 422).
    let response = client.get(format!("{}/api/events/schema/lead.captured.v9", sandbox.url())).send().await.unwrap();
    rate_headers(&response);
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 404);
    assert_eq!(body, ValidationError::unknown_event("lead.captured.v9").to_response());
    assert_eq!(ErrorCode::UnknownEvent.http_status(), 422, "the read is the exception, not the rule");

    // A key, when given, must be valid.
    let response = client
        .get(format!("{}/api/events/schema/lead.captured.v1", sandbox.url()))
        .bearer_auth("lk_live_0123456789abcdef0123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_json_with_rate_headers() {
    let sandbox = start(builder()).await;
    let client = client();
    let response = client.get(format!("{}/api/events", sandbox.url())).bearer_auth(KEY).send().await.unwrap();
    rate_headers(&response);
    assert_eq!(response.headers()["allow"], "POST");
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["error"]["code"].as_str()), (405, Some("METHOD_NOT_ALLOWED")));

    let response = client.get(format!("{}/api/nothing-here", sandbox.url())).send().await.unwrap();
    rate_headers(&response);
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")));
}

#[tokio::test]
async fn tiers_apply_per_key() {
    let premium = key(OTHER_KEY);
    let sandbox = start(Sandbox::builder().tier_for(premium, Tier::PREMIUM)).await;
    let client = client();
    let response = post_event(&client, &sandbox, OTHER_KEY, &lead_request(1)).await;
    assert_eq!(rate_headers(&response).0, 1000);
    assert_eq!(rate_headers(&response).1, 1999);
    let response = post_event(&client, &sandbox, KEY, &lead_request(2)).await;
    assert_eq!(rate_headers(&response).0, 100);
}

#[tokio::test]
async fn hostile_requests_get_json_errors_and_the_server_keeps_serving() {
    use reqwest::header::HeaderValue;
    let sandbox = start(builder()).await;
    let client = client();
    let url = format!("{}/api/events", sandbox.url());
    let cases: Vec<(HeaderValue, Option<HeaderValue>, Vec<u8>, u16)> = vec![
        (HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(), None, b"{}".to_vec(), 401),
        (HeaderValue::from_str(&format!("Bearer lk_test_{}", "a".repeat(10_000))).unwrap(), None, vec![], 401),
        (
            HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap(),
            Some(HeaderValue::from_str(&"k".repeat(256)).unwrap()),
            serde_json::to_vec(&lead_request(1)).unwrap(),
            400,
        ),
        (
            HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap(),
            Some(HeaderValue::from_bytes(b"\xffkey").unwrap()),
            serde_json::to_vec(&lead_request(1)).unwrap(),
            400,
        ),
        (HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap(), None, "[".repeat(100_000).into_bytes(), 400),
        (HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap(), None, vec![0xff; 1000], 400),
        (
            HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap(),
            None,
            br#"{"event": "x", "payload": 1e400}"#.to_vec(),
            422,
        ),
    ];
    for (authorization, idempotency, body, expected) in cases {
        let mut request = client.post(&url).header("authorization", authorization).body(body);
        if let Some(idempotency) = idempotency {
            request = request.header("idempotency-key", idempotency);
        }
        let response = request.send().await.unwrap();
        rate_headers(&response);
        let (status, _, body) = parts(response).await;
        assert_eq!(status, expected, "{body}");
        assert_eq!(body["ok"], false);
    }
    let response = client.get(format!("{}/{}", sandbox.url(), "x/".repeat(2000))).send().await.unwrap();
    assert_eq!(response.status(), 404);
    for query in [
        "after=18446744073709551615",
        "after=-1",
        "limit=0",
        "wait=99999999999999999999",
        "limit=18446744073709551615&wait=1",
    ] {
        let response =
            client.get(format!("{}/__sandbox/events?{query}", sandbox.url())).bearer_auth(KEY).send().await.unwrap();
        assert!(matches!(response.status().as_u16(), 200 | 400), "{query}: {}", response.status());
    }
    assert_eq!(post_event(&client, &sandbox, KEY, &lead_request(2)).await.status(), 200, "still serving");
}

#[test]
fn every_error_code_the_sandbox_sends_parses_as_an_error_response() {
    for (code, status) in [
        ("IDEMPOTENCY_CONFLICT", 409),
        ("IDEMPOTENCY_IN_PROGRESS", 409),
        ("NOT_FOUND", 404),
        ("METHOD_NOT_ALLOWED", 405),
        ("RATE_LIMITED", 429),
    ] {
        let body = format!(r#"{{"ok": false, "error": {{"code": "{code}", "message": "m", "issues": []}}}}"#);
        let parsed: loop_contracts::ErrorResponse =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(parsed.error.code.as_str(), code);
        assert_eq!(parsed.error.code.http_status(), status);
    }
}

/// Reads one HTTP/1.1 response with a `content-length` body; `None` at end of stream.
async fn read_response(stream: &mut tokio::net::TcpStream) -> Option<(u16, String)> {
    use tokio::io::AsyncReadExt;
    let mut buffer = Vec::new();
    let mut byte = [0u8; 1];
    while !buffer.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buffer.push(byte[0]);
    }
    let head = String::from_utf8(buffer).unwrap();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some((status, head))
}

#[tokio::test]
async fn a_refused_request_leaves_its_keep_alive_connection_usable() {
    use tokio::io::AsyncWriteExt;
    let sandbox = start(Sandbox::builder().default_tier(Tier::new(1, 1).unwrap())).await;
    let body = lead_request(1).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let head = |method: &str, path: &str, key: &str| {
        let authorization = if key.is_empty() { String::new() } else { format!("authorization: Bearer {key}\r\n") };
        format!(
            "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n{authorization}\
             content-length: {}\r\n\r\n",
            body.len()
        )
    };
    let mut stream = tokio::net::TcpStream::connect(sandbox.local_addr()).await.unwrap();
    // Refused without its body being needed (a malformed key, no such route, a wrong method, then
    // the rate limit): the body arrives late, after the server could have answered, and the
    // connection serves the next request.
    for (method, path, key, status) in [
        ("POST", "/api/events", "lk_test_short", 401),
        ("POST", "/nowhere", "lk_test_short", 404),
        ("PUT", "/api/events/schema/lead.captured.v1", "", 405),
        ("POST", "/webhooks/nowhere", "lk_test_short", 404),
        ("POST", "/api/events", KEY, 200),
        ("POST", "/api/events", KEY, 429),
        ("POST", "/api/events", KEY, 429),
    ] {
        stream.write_all(head(method, path, key).as_bytes()).await.unwrap();
        stream.write_all(first.as_bytes()).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        stream.write_all(rest.as_bytes()).await.unwrap();
        let (got, head) = read_response(&mut stream).await.expect("an answer on the same connection");
        assert_eq!(got, status, "{head}");
    }
}

#[tokio::test]
async fn a_trickled_body_is_answered_408_within_the_body_timeout() {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncWriteExt;
    let sandbox = start(Sandbox::builder().body_timeout(Duration::from_millis(300))).await;
    // The API (with a key) and a webhook route (no key needed): ten bytes of a hundred, then nothing.
    for (path, authorization) in
        [("/api/events", format!("authorization: Bearer {KEY}\r\n")), ("/webhooks/shopify", String::new())]
    {
        let mut stream = tokio::net::TcpStream::connect(sandbox.local_addr()).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n{authorization}\
             content-length: 100\r\n\r\n{{\"event\":"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let started = Instant::now();
        let answer = tokio::time::timeout(Duration::from_secs(5), read_response(&mut stream)).await;
        let (status, head) = answer.expect("no answer: the body is waited for forever").expect("an answer");
        assert_eq!(status, 408, "{path}: {head}");
        assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
        assert!(started.elapsed() >= Duration::from_millis(300), "{path}: {:?}", started.elapsed());
    }
    assert_eq!(post_event(&client(), &sandbox, KEY, &lead_request(1)).await.status(), 200, "still serving");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    use std::time::Duration;
    let sandbox = start(Sandbox::builder().max_connections(2)).await;
    // Two idle connections hold both slots (hyper waits up to 30 s for their requests).
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(tokio::net::TcpStream::connect(sandbox.local_addr()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let url = format!("{}/api/events/schema/lead.captured.v1", sandbox.url());
    let third = tokio::spawn(async move { reqwest::Client::new().get(url).send().await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!third.is_finished(), "a third connection is not served while two are held");
    drop(held.pop());
    let status = tokio::time::timeout(Duration::from_secs(10), third).await.expect("served once a slot is free");
    assert_eq!(status.unwrap().unwrap(), 200);
}
