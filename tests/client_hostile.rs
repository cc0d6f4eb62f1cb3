//! The client against hostile input of its own: payloads nested deeper than JSON text can be,
//! a server answering with an endless body, credentials in the base URL.

mod client_support;

use std::time::Duration;

use client_support::*;
use loop_contracts::client::{AttemptOutcome, BuildError, Client, RetryPolicy, SendError};
use loop_contracts::ErrorCode;
use serde_json::{Map, Value};
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
    let err = Client::builder().key(key(KEY)).base_url("https://user:hunter2@comms.example.com/").build().unwrap_err();
    assert_eq!(err, BuildError::InvalidBaseUrl { url: "https://[REDACTED]@comms.example.com/".into() });
    assert!(!err.to_string().contains("hunter2"));
    let err = Client::builder().key(key(KEY)).base_url("not a url, pw@secret").build().unwrap_err();
    assert!(matches!(err, BuildError::InvalidBaseUrl { .. }));
}
