//! The client against hostile input of its own: payloads nested deeper than JSON text can be,
//! a server answering with an endless body, credentials in the base URL.

use std::time::Duration;

use loop_contracts::client::{AttemptOutcome, BuildError, Client, RetryPolicy, SendError};
use loop_contracts::ErrorCode;
use serde_json::{Map, Value};
use suite::client::*;
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
