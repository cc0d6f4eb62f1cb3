//! Hostile requests to the sandbox over HTTP (docs/hostile-input.md), each with the exact answer it
//! gets: a refused request leaves its accepted events and idempotency keys as they were, and a
//! webhook whose signature fails is refused before its body is read.

use std::io::{Read, Write};
use std::time::Duration;

use loop_contracts::inbound::SignatureScheme;
use loop_contracts::validate_event;
use serde_json::{json, Value};
use suite::sandbox::*;

use suite::hostile::*;

/// What `GET /__sandbox` counts: (accepted events, kept events, idempotency keys).
async fn counters(sandbox: &loop_contracts::sandbox::SandboxHandle) -> (u64, u64, u64) {
    let status: Value = client()
        .get(format!("{}/__sandbox", sandbox.url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n = |k: &str| status[k].as_u64().unwrap_or_else(|| panic!("{k} in {status}"));
    (n("acceptedEvents"), n("keptEvents"), n("idempotencyKeys"))
}

#[derive(Clone, Copy)]
enum Auth {
    Key,
    None,
    Raw(&'static str),
    Bytes(&'static [u8]),
}

struct HttpCase {
    input: &'static str,
    auth: Auth,
    content_type: Option<&'static str>,
    idempotency_key: &'static str,
    body: fn() -> Vec<u8>,
    status: u16,
    code: &'static str,
    message: &'static str,
}

/// The Idempotency-Key every refused request carries; it must stay free.
const HOSTILE_KEY: &str = "hostile-0001";

fn request(payload: &str) -> Vec<u8> {
    format!(r#"{{"event": "lead.captured.v1", "payload": {payload}}}"#).into_bytes()
}

const REFUSED: &[HttpCase] = &[
    HttpCase {
        input: "malformed JSON",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || br#"{"event": "lead.captured.v1", "payload": "#.to_vec(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: EOF while parsing a value at line 1 column 41",
    },
    HttpCase {
        input: "form encoding (wrong content type and body)",
        auth: Auth::Key,
        content_type: Some("application/x-www-form-urlencoded"),
        idempotency_key: HOSTILE_KEY,
        body: || b"event=lead.captured.v1&payload=%7B%7D".to_vec(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: expected value at line 1 column 1",
    },
    HttpCase {
        input: "not the request shape",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || LEAD.as_bytes().to_vec(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "the body must be {\"event\": \"<name>\", \"payload\": {...}}: missing field `event` at line 1 column 214",
    },
    HttpCase {
        input: "a duplicate `event` key",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || [&br#"{"event": "order.completed.v1", "#[..], &request(LEAD)[1..]].concat(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "the body must be {\"event\": \"<name>\", \"payload\": {...}}: duplicate field `event` at line 1 column 39",
    },
    HttpCase {
        input: "huge body (over 1 MiB)",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&format!(r#"{{"note": "{}"}}"#, "a".repeat(10 << 20))),
        status: 413,
        code: "MALFORMED_REQUEST",
        message: "the request body is larger than the limit of 1048576 bytes",
    },
    HttpCase {
        input: "10,000-deep nesting",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&nested(10_000)),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: recursion limit exceeded at line 1 column 168",
    },
    HttpCase {
        input: "a number beyond a double where a string is expected",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&String::from_utf8(lead_with(r#""personId": 1e400"#)).unwrap()),
        status: 422,
        code: "VALIDATION_ERROR",
        message: "payload.personId must be a string, not a number",
    },
    HttpCase {
        input: "invalid UTF-8",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || [&request(LEAD)[..60], &b"\xff\xfe"[..], &request(LEAD)[60..]].concat(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: invalid unicode code point at line 1 column 61",
    },
    HttpCase {
        input: "a lone surrogate",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&String::from_utf8(lead_with(r#""email": "\udc00""#)).unwrap()),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: lone leading surrogate in hex escape at line 1 column 272",
    },
    HttpCase {
        input: "an integer beyond i64 where a string is expected",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&String::from_utf8(lead_with(r#""email": 123456789012345678901234567890"#)).unwrap()),
        status: 422,
        code: "VALIDATION_ERROR",
        message: "payload.email must be a string, not a number",
    },
    HttpCase {
        input: "a 1 MB string as the email (no `@`)",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&String::from_utf8(lead_with(&format!(r#""email": "{}""#, "a".repeat(1_000_000)))).unwrap()),
        status: 422,
        code: "VALIDATION_ERROR",
        message: "payload.email must be a valid email address",
    },
    HttpCase {
        input: "an unknown event",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || format!(r#"{{"event": "lead.captured.v9", "payload": {LEAD}}}"#).into_bytes(),
        status: 422,
        code: "UNKNOWN_EVENT",
        message: "event \"lead.captured.v9\" is not in the catalog",
    },
    HttpCase {
        input: "a 256-character Idempotency-Key",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        body: || request(LEAD),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "the Idempotency-Key header must be 1 to 255 visible ASCII characters",
    },
    HttpCase {
        input: "missing API key",
        auth: Auth::None,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "missing API key: send `Authorization: Bearer <key>` with an lk_test_ or lk_dev_ key",
    },
    HttpCase {
        input: "wrong scheme (Basic)",
        auth: Auth::Raw("Basic bGtfdGVzdF9zYW5kYm94"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "the Authorization header must be `Bearer <key>`",
    },
    HttpCase {
        input: "Authorization that is not ASCII",
        auth: Auth::Bytes(b"Bearer lk_test_\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "the Authorization header must be `Bearer <key>`",
    },
    HttpCase {
        input: "malformed key (too short)",
        auth: Auth::Raw("Bearer lk_test_abc123"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "malformed API key: the API key is too short: its secret part has 6 characters, at least 16 are required",
    },
    HttpCase {
        input: "malformed key (unknown prefix)",
        auth: Auth::Raw("Bearer lk_prod_0123456789abcdef0123"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "malformed API key: the API key's prefix is not lk_live_, lk_test_ or lk_dev_",
    },
    HttpCase {
        input: "two tokens after Bearer",
        auth: Auth::Raw("Bearer lk_test_0123456789abcdef0123 lk_test_0123456789abcdef0124"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "malformed API key: the API key has a character other than A-Z, a-z, 0-9, `_` and `-` at position 28",
    },
    HttpCase {
        input: "a live key",
        auth: Auth::Raw("Bearer lk_live_0123456789abcdef0123"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "live API keys (lk_live_) are not accepted by the sandbox, which never delivers messages: use an \
                  lk_test_ or lk_dev_ key",
    },
];

#[tokio::test]
async fn the_sandbox_refuses_each_hostile_request_exactly_and_keeps_no_trace() {
    use reqwest::header::HeaderValue;
    let sandbox = start(builder()).await;
    let http = client();
    let url = format!("{}/api/events", sandbox.url());
    let before = counters(&sandbox).await;
    for case in REFUSED {
        let mut request = http.post(&url).header("idempotency-key", case.idempotency_key).body((case.body)());
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        request = match case.auth {
            Auth::Key => request.bearer_auth(KEY),
            Auth::None => request,
            Auth::Raw(value) => request.header("authorization", value),
            Auth::Bytes(value) => request.header("authorization", HeaderValue::from_bytes(value).unwrap()),
        };
        let response = request.send().await.unwrap();
        rate_headers(&response);
        let (status, _, body) = parts(response).await;
        assert_eq!(
            (status, body["error"]["code"].as_str(), body["error"]["message"].as_str()),
            (case.status, Some(case.code), Some(case.message)),
            "{}: {body:.300}",
            case.input
        );
        assert_eq!(body["ok"], false);
        assert_eq!(counters(&sandbox).await, before, "{}: nothing recorded", case.input);
    }
    // The Idempotency-Key every refused request used is still free: the valid request is processed
    // as new, not replayed.
    let response = http
        .post(&url)
        .bearer_auth(KEY)
        .header("idempotency-key", HOSTILE_KEY)
        .json(&json!({"event": "lead.captured.v1", "payload": serde_json::from_str::<Value>(LEAD).unwrap()}))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("idempotent-replayed").is_none());
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["sequence"].as_u64()), (200, Some(1)), "{body}");
    assert_eq!(counters(&sandbox).await, (1, 1, 1));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_sandbox_accepts_what_the_platform_would_and_records_it_once() {
    let sandbox = start(builder()).await;
    let http = client();
    let url = format!("{}/api/events", sandbox.url());
    let payload = |i: u64| {
        let mut payload = lead(i);
        payload.as_object_mut().unwrap().remove("personId");
        payload.to_string()
    };
    // ~100,000 unknown keys that fit the 1 MiB limit (base-36 names).
    let many_keys = |i: u64| {
        let keys: Vec<String> = (0..100_000u32)
            .map(|n| {
                let mut name = String::new();
                let mut n = n;
                loop {
                    name.insert(0, char::from_digit(n % 36, 36).unwrap());
                    n /= 36;
                    if n == 0 {
                        break name;
                    }
                }
            })
            .map(|name| format!(r#""{name}":0"#))
            .collect();
        let base = payload(i);
        format!("{},{}}}", &base[..base.len() - 1], keys.join(","))
    };
    let cases: Vec<(&str, Option<&str>, String)> = vec![
        ("content type text/plain: the body is read as JSON regardless", Some("text/plain"), payload(1)),
        ("no content type", None, payload(2)),
        ("100,000 unknown keys (stripped)", Some("application/json"), many_keys(3)),
        (
            "a duplicate key, the last one valid",
            Some("application/json"),
            format!(r#"{{"email": "not-an-email", {}"#, &payload(4)[1..]),
        ),
    ];
    for (n, (input, content_type, payload)) in cases.iter().enumerate() {
        let body = format!(r#"{{"event": "lead.captured.v1", "payload": {payload}}}"#);
        assert!(body.len() < 1 << 20, "{input}: {} bytes", body.len());
        let mut request = http.post(&url).bearer_auth(KEY).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", *content_type);
        }
        let (status, _, body) = parts(request.send().await.unwrap()).await;
        assert_eq!(status, 200, "{input}: {body}");
        let accepted = sandbox.accepted();
        assert_eq!(accepted.len(), n + 1, "{input}");
        let expected = validate_event("lead.captured.v1", &lead(n as u64 + 1)).unwrap().to_value();
        let mut expected = expected.as_object().unwrap().clone();
        expected.remove("personId");
        assert_eq!(accepted[n].payload, Value::Object(expected), "{input}");
    }
    // An integer beyond i64 in an integer field is valid for Zod, so for the sandbox too.
    let mut order = serde_json::from_str::<Value>(LEAD).unwrap();
    order["eventId"] = json!(event_id(9));
    order["lineItems"] =
        serde_json::from_str(r#"[{"title": "t", "quantity": 123456789012345678901234567890}]"#).unwrap();
    let body = json!({"event": "order.completed.v1", "payload": order});
    let (status, _, body) = parts(post_event(&http, &sandbox, KEY, &body).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sandbox.accepted()[4].payload["lineItems"][0]["quantity"], json!(1.2345678901234568e29));
    sandbox.shutdown().await;
}

/// Sends raw bytes to the sandbox and returns the status line of the answer ("" when the
/// connection closed without one).
fn raw_exchange(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // The server may answer and close before reading everything: later writes may fail.
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_headers_and_unannounced_huge_bodies_are_cut_off() {
    let sandbox = start(builder()).await;
    let addr = sandbox.local_addr();
    let before = counters(&sandbox).await;
    let run = |head: String, body: Vec<u8>| tokio::task::spawn_blocking(move || raw_exchange(addr, &head, &body));

    // A 1 MiB header, and 200 headers: refused by the HTTP layer (431, no body).
    let big = format!(
        "POST /api/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\nX-Big: {}\r\nContent-Length: 2\r\n\r\n",
        "a".repeat(1 << 20)
    );
    assert_eq!(run(big, b"{}".to_vec()).await.unwrap(), "HTTP/1.1 431 Request Header Fields Too Large");
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("POST /api/events HTTP/1.1\r\nHost: localhost\r\n{many}Content-Length: 2\r\n\r\n");
    assert_eq!(run(many, b"{}".to_vec()).await.unwrap(), "HTTP/1.1 431 Request Header Fields Too Large");

    // A chunked body with no Content-Length that grows past 1 MiB: 413 once the limit is crossed.
    let head = format!(
        "POST /api/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
    let body = format!("{}0\r\n\r\n", chunk.repeat(17)).into_bytes();
    assert_eq!(run(head, body).await.unwrap(), "HTTP/1.1 413 Payload Too Large");

    assert_eq!(counters(&sandbox).await, before);
    assert_eq!(post_event(&client(), &sandbox, KEY, &lead_request(1)).await.status(), 200, "still serving");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn sandbox_webhooks_with_bad_signatures_or_bodies_leave_no_trace() {
    let sandbox = start(builder().intake(inbound_intake())).await;
    let http = client();
    let before = counters(&sandbox).await;
    let body = fixture("shopify/orders-create.json");
    let deep = shopify_order_with(&format!(r#""email": {}"#, nested(10_000)));
    let (name, deep_signature) = signed(SignatureScheme::Shopify, SHOPIFY_SECRET, &deep, 0);
    type Case<'a> = (Vec<(&'a str, String)>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (vec![("X-Shopify-Topic", "orders/create".into())], body.clone(), 401, "UNAUTHORIZED"),
        (
            vec![("X-Shopify-Topic", "orders/create".into()), (name, format!("{}=", "A".repeat(43)))],
            body.clone(),
            401,
            "UNAUTHORIZED",
        ),
        (vec![("X-Shopify-Topic", "orders/create".into()), (name, deep_signature)], deep, 400, "MALFORMED_REQUEST"),
    ];
    for (headers, body, status, code) in cases {
        let mut request = http.post(format!("{}/webhooks/shopify", sandbox.url())).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let (got, _, answer) = parts(request.send().await.unwrap()).await;
        assert_eq!((got, answer["error"]["code"].as_str()), (status, Some(code)), "{answer}");
        assert_eq!(counters(&sandbox).await, before);
    }
    sandbox.shutdown().await;
}
