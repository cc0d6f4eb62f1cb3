//! The client against hostile input of its own: payloads nested deeper than JSON text can be,
//! a server answering with an endless body, credentials in the base URL; API keys refused with a
//! typed error, never sent over plain HTTP off loopback (docs/hostile-input.md), and redirects
//! never followed (docs/security-review.md).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use loop_contracts::api_key::{ApiKey, ApiKeyError};
use loop_contracts::client::{AttemptOutcome, BuildError, Client, RetryPolicy, SendError};
use loop_contracts::ErrorCode;
use serde_json::{Map, Value};
use suite::client::*;
use suite::secrets::SECRET;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A `Value` built in memory, nested `depth` levels under the payload's `attribution`.
fn nested(depth: usize) -> Value {
    let mut payload = lead(1);
    // Built by moves: `json!` would serialize (recursively) a `Value` it is given.
    let mut inner = Value::from("bottom");
    for _ in 0..depth {
        inner = Value::Object(Map::from_iter([("a".to_owned(), inner)]));
    }
    payload["attribution"] = Value::Object(Map::from_iter([("deep".to_owned(), inner)]));
    payload
}

#[tokio::test]
async fn a_payload_deeper_than_json_text_is_refused_before_anything_is_sent() {
    let sandbox = start(builder()).await;
    let client = client_builder(&sandbox).build().unwrap();
    // 10,000 levels would overflow the stack wherever a `Value` is cloned or serialized.
    let deep = nested(10_000);
    let err = client.send_json("lead.captured.v1", &deep).await.unwrap_err();
    let SendError::Invalid(error) = &err else { panic!("{err:?}") };
    assert_eq!(error.code(), ErrorCode::MalformedRequest);
    assert_eq!(error.message(), "the payload is nested deeper than 128 levels");
    assert!(sandbox.accepted().is_empty());
    // What JSON text can hold is sent as usual.
    client.send_json("lead.captured.v1", &nested(100)).await.unwrap();
    assert_eq!(sandbox.accepted().len(), 1);
    // `deep` is dropped iteratively: serde_json's `Value` drop recurses too.
    let mut stack = vec![deep];
    while let Some(mut value) = stack.pop() {
        if let Some(map) = value.as_object_mut() {
            stack.extend(std::mem::take(map).into_iter().map(|(_, v)| v));
        }
    }
}

#[tokio::test]
async fn a_typed_event_holding_nan_is_refused_before_anything_is_sent() {
    use loop_contracts::Event;
    let catalog = loop_contracts::catalog().clone().with_event::<suite::meter::MeterRead>();
    let sandbox = start(builder().catalog(catalog)).await;
    let client = client_builder(&sandbox).build().unwrap();
    let payload = serde_json::json!({
        "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "value": 1.5,
    });
    let mut read = suite::meter::MeterRead::from_json_value(&payload).unwrap();
    read.note = Some(f64::NAN); // serde_json would have written `null`, and the note was gone
    let err = client.send(&read).await.unwrap_err();
    let SendError::Invalid(error) = &err else { panic!("{err:?}") };
    assert_eq!(error.code(), ErrorCode::MalformedRequest);
    assert!(error.message().contains("a `number` field holds NaN"), "{error}");
    assert!(sandbox.accepted().is_empty());
    read.note = Some(2.0);
    client.send(&read).await.unwrap();
    assert_eq!(sandbox.accepted()[0].payload["note"], 2.0);
}

#[tokio::test]
async fn an_endless_response_body_is_cut_off_not_buffered() {
    let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = server.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 65536];
                let _ = stream.read(&mut buffer).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 65536, " ".repeat(65536));
                // 64 MiB if the client kept reading.
                for _ in 0..1024 {
                    if stream.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let client = Client::builder()
        .key(key(KEY))
        .base_url(format!("http://{addr}"))
        .retry_policy(RetryPolicy::no_retries())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let err = client.send_json("lead.captured.v1", &lead(1)).await.unwrap_err();
    let SendError::Exhausted { attempts } = &err else { panic!("{err:?}") };
    assert_eq!(
        attempts[0].outcome,
        AttemptOutcome::Network("the response body is over 1048576 bytes".into()),
        "{attempts:?}"
    );
}

#[test]
fn credentials_in_the_base_url_are_refused_and_not_shown() {
    let refused = |url: &str| match Client::builder().key(key(KEY)).base_url(url).build() {
        Err(BuildError::InvalidBaseUrl { url, reason }) => (url, reason),
        other => panic!("{url}: {other:?}"),
    };
    let (shown, reason) = refused("https://user:hunter2@comms.example.com/");
    assert_eq!(
        (shown.as_str(), reason),
        ("https://[REDACTED]@comms.example.com/", "it carries credentials: the API key is the only one sent")
    );
    // Passwords that end the authority early (`#`, `?`, `/`), and URLs without `//`, do not parse
    // or parse otherwise: whatever comes before the last `@` is never shown.
    for (url, expected) in [
        ("https://ops:hun#ter2@comms.example.com", "https://[REDACTED]@comms.example.com"),
        ("https://ops:hun?ter2@comms.example.com", "https://[REDACTED]@comms.example.com"),
        ("https://ops:hun/ter2@comms.example.com", "https://[REDACTED]@comms.example.com"),
        ("https:ops:hunter2@comms.example.com", "https:[REDACTED]@comms.example.com"),
        ("ops:hunter2@comms.example.com", "ops:[REDACTED]@comms.example.com"),
        ("not a url, pw@secret", "[REDACTED]@secret"),
    ] {
        let (shown, _) = refused(url);
        assert_eq!(shown, expected, "{url}");
        let err = Client::builder().key(key(KEY)).base_url(url).build().unwrap_err();
        assert!(!err.to_string().contains("ter2") && !format!("{err:?}").contains("ter2"), "{err}");
    }
}

#[test]
fn a_token_in_the_base_urls_query_shows_neither_in_the_error_nor_in_the_builders_debug() {
    let url = "https://comms.example.com/?token=s3cr3t-t0ken#frag-s3cr3t";
    let builder = Client::builder().key(key(KEY)).base_url(url);
    let debug = format!("{builder:?}");
    assert!(debug.contains("https://comms.example.com/?[REDACTED]") && !debug.contains("s3cr3t"), "{debug}");
    let err = builder.build().unwrap_err();
    let BuildError::InvalidBaseUrl { url: shown, .. } = &err else { panic!("{err:?}") };
    assert_eq!(shown, "https://comms.example.com/?[REDACTED]");
    assert!(!err.to_string().contains("s3cr3t") && !format!("{err:?}").contains("s3cr3t"), "{err}");
    let err = Client::builder().key(key(KEY)).base_url("https://comms.example.com/#s3cr3t").build().unwrap_err();
    assert!(!format!("{err:?}").contains("s3cr3t"), "{err:?}");
}

#[test]
fn a_name_under_localhost_is_not_trusted_with_plain_http() {
    // `*.localhost` is looked up through DNS on many systems: only addresses and `localhost` itself
    // are loopback to the client.
    for url in ["http://api.localhost:8787", "http://localhost.example.com:8787"] {
        let err = Client::builder().key(key(KEY)).base_url(url).build().unwrap_err();
        assert!(matches!(err, BuildError::InsecureBaseUrl { .. }), "{url}: {err:?}");
    }
    for url in ["http://localhost:8787", "http://LOCALHOST:8787", "http://127.0.0.9:8787", "http://[::1]:8787"] {
        assert!(Client::builder().key(key(KEY)).base_url(url).build().is_ok(), "{url}");
    }
}

#[test]
fn base_urls_that_would_misroute_are_refused_with_the_reason() {
    let refused = |url: &str| match Client::builder().key(key(KEY)).base_url(url).build() {
        Err(err @ BuildError::InvalidBaseUrl { .. }) => err.to_string(),
        other => panic!("{url}: {other:?}"),
    };
    // `localhost:8787` parses as the scheme `localhost` with nothing after it.
    assert!(refused("localhost:8787").contains("it has no scheme"));
    assert!(refused("comms.example.com").contains("it has no scheme"));
    assert!(refused("http://127.0.0.1:8787/api/events").contains("give the platform's root"));
    assert!(refused("https://comms.example.com/api").contains("give the platform's root"));
    assert!(refused("https://comms.example.com/?region=eu").contains("query or fragment"));
    assert!(refused("https://comms.example.com/#x").contains("query or fragment"));
    assert!(refused("ftp://comms.example.com").ends_with("its scheme is not http or https"));
    // A path prefix (a proxy in front of the platform) is a base URL.
    let client = Client::builder().key(key(KEY)).base_url("https://proxy.example.com/loop/").build().unwrap();
    assert_eq!(client.base_url(), "https://proxy.example.com/loop");
}

// ---------------------------------------------------------------------------------------------
// API keys and the client builder

const SECRET_PART: &str = "Zx9_Qw-8Er7Ty6Ui5Op4";

#[test]
fn api_keys_are_refused_with_a_typed_error_that_never_holds_the_text() {
    let cases: Vec<(String, ApiKeyError)> = vec![
        (String::new(), ApiKeyError::Empty),
        (format!("Bearer lk_test_{SECRET_PART}"), ApiKeyError::MissingPrefix),
        (format!("sk_live_{SECRET_PART}"), ApiKeyError::MissingPrefix),
        (format!("lk_prod_{SECRET_PART}"), ApiKeyError::UnknownPrefix),
        ("lk_test_abc123".into(), ApiKeyError::TooShort { len: 6 }),
        (format!("lk_test_{}", "a".repeat(10_000)), ApiKeyError::TooLong { len: 10_000 }),
        (format!("lk_test_{SECRET_PART}\n"), ApiKeyError::BadCharacter { position: 28 }),
        (format!("lk_test_{SECRET_PART} {SECRET_PART}"), ApiKeyError::BadCharacter { position: 28 }),
        (format!("lk_test_é{SECRET_PART}"), ApiKeyError::BadCharacter { position: 8 }),
    ];
    for (text, expected) in cases {
        let err = ApiKey::parse(&text).unwrap_err();
        assert_eq!(err, expected, "{text:?}");
        assert!(!format!("{err} {err:?}").contains(SECRET_PART), "{err}");
    }
}

#[test]
fn a_key_is_never_sent_over_plain_http_to_a_host_that_is_not_loopback() {
    let refused = |host: &str| {
        Err(format!(
            "refusing to send an API key over plain http:// to {host}, which is not a loopback host; use https://"
        ))
    };
    let invalid = |url: &str, reason: &str| Err(format!("the base URL {url:?} is refused: {reason}"));
    let cases: Vec<(&str, Result<(), String>)> = vec![
        ("http://comms.example.com", refused("comms.example.com")),
        ("http://10.0.0.1:8787", refused("10.0.0.1")),
        ("http://0.0.0.0:8787", refused("0.0.0.0")),
        ("http://localhost.example.com", refused("localhost.example.com")),
        ("http://127.0.0.1.nip.io", refused("127.0.0.1.nip.io")),
        ("http://[::ffff:127.0.0.1]:8787", refused("[::ffff:7f00:1]")),
        ("ftp://comms.example.com", invalid("ftp://comms.example.com", "its scheme is not http or https")),
        (
            "comms.example.com",
            invalid("comms.example.com", "it has no scheme: write https://host (or http:// to a loopback host)"),
        ),
        (
            "https://user:pw@comms.example.com",
            invalid("https://[REDACTED]@comms.example.com", "it carries credentials: the API key is the only one sent"),
        ),
        ("http://127.0.0.1:8787", Ok(())),
        ("http://127.8.9.10:8787", Ok(())),
        ("http://localhost:8787", Ok(())),
        ("http://[::1]:8787", Ok(())),
        ("https://comms.example.com", Ok(())),
    ];
    for scope in ["lk_live_", "lk_test_"] {
        let key = ApiKey::parse(&format!("{scope}{SECRET_PART}")).unwrap();
        for (url, expected) in &cases {
            let result = Client::builder().key(key.clone()).base_url(*url).build().map(drop);
            if let Err(err) = &result {
                assert!(!format!("{err} {err:?}").contains(SECRET_PART), "{err}");
                assert!(matches!(err, BuildError::InsecureBaseUrl { .. } | BuildError::InvalidBaseUrl { .. }));
            }
            assert_eq!(&result.map_err(|e| e.to_string()), expected, "{scope} {url}");
        }
    }
}

/// Reads one HTTP/1.1 request (head and `Content-Length` body) from a connection.
async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length || n == 0 {
                return text;
            }
        } else if n == 0 {
            return text;
        }
    }
}

#[tokio::test]
async fn the_client_does_not_follow_redirects() {
    // Where a redirect would lead: it must never be reached.
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_addr = elsewhere.local_addr().unwrap();
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&reached);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = elsewhere.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            read_request(&mut stream).await;
            let ok = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}";
            let _ = stream.write_all(ok.as_bytes()).await;
        }
    });
    // The "platform": answers every request with a redirect.
    let platform = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let platform_addr = platform.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = platform.accept().await {
            read_request(&mut stream).await;
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://{elsewhere_addr}/api/events\r\n\
                 content-length: 0\r\nconnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let key = ApiKey::parse(&format!("lk_test_{SECRET}")).unwrap();
    let client = Client::builder().key(key).base_url(format!("http://{platform_addr}")).build().unwrap();
    let err = client.send_json("lead.captured.v1", &lead(1)).await.unwrap_err();
    assert!(matches!(err, SendError::Rejected { status: 307, ref attempts, .. } if attempts.len() == 1), "{err:?}");
    assert_eq!(reached.load(Ordering::SeqCst), 0, "the redirect was not followed");
}
