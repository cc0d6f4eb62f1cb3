//! Hostile delivery webhooks (Standard Webhooks; docs/hostile-input.md): each bad request to the
//! receiver with the exact error it gets.

use std::time::{Duration, UNIX_EPOCH};

use loop_contracts::delivery::{DeliveryError, Receiver, Signer, Verifier, WebhookId, WebhookSecret};

use suite::hostile::*;

const SIGNED_AT: u64 = 1_779_192_000;

fn envelope(data: &str) -> Vec<u8> {
    format!(r#"{{"type":"message.sent.v1","timestamp":"2026-05-19T12:00:00Z","data":{data}}}"#).into_bytes()
}

const SENT: &str = r#"{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","messageId":"9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d","channel":"email","recipient":"ana@example.com"}"#;

fn delivery_secret() -> WebhookSecret {
    WebhookSecret::from_bytes([42u8; 32]).unwrap()
}

/// The three headers for `body` signed at `at` with `secret`.
fn delivery_headers(secret: WebhookSecret, at: u64, body: &[u8]) -> Vec<(String, String)> {
    let headers = Signer::new(secret).sign(&WebhookId::new("msg_hostile").unwrap(), at, body);
    headers.iter().map(|(n, v)| pair(n, v)).collect()
}

struct DeliveryCase {
    input: &'static str,
    request: fn() -> Request,
    expect: fn() -> Result<(), (u16, DeliveryError)>,
}

fn signed_delivery(body: Vec<u8>) -> Request {
    (delivery_headers(delivery_secret(), SIGNED_AT, &body), body)
}

fn with_header(mut headers: Vec<(String, String)>, name: &str, value: Option<String>) -> Vec<(String, String)> {
    headers.retain(|(n, _)| n != name);
    headers.extend(value.map(|v| pair(name, v)));
    headers
}

const DELIVERIES: &[DeliveryCase] = &[
    DeliveryCase { input: "signed and valid", request: || signed_delivery(envelope(SENT)), expect: || Ok(()) },
    DeliveryCase {
        input: "forged (another secret)",
        request: || {
            let body = envelope(SENT);
            (delivery_headers(WebhookSecret::from_bytes([7u8; 32]).unwrap(), SIGNED_AT, &body), body)
        },
        expect: || Err((401, DeliveryError::InvalidSignature { v1_entries: 1 })),
    },
    DeliveryCase {
        input: "stale (301 s)",
        request: || {
            let body = envelope(SENT);
            (delivery_headers(delivery_secret(), SIGNED_AT - 301, &body), body)
        },
        expect: || Err((401, DeliveryError::TimestampTooOld { age_secs: 301, tolerance_secs: 300 })),
    },
    DeliveryCase {
        input: "from the future (301 s)",
        request: || {
            let body = envelope(SENT);
            (delivery_headers(delivery_secret(), SIGNED_AT + 301, &body), body)
        },
        expect: || Err((401, DeliveryError::TimestampTooNew { ahead_secs: 301, tolerance_secs: 300 })),
    },
    DeliveryCase {
        input: "missing signature",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            (with_header(headers, "webhook-signature", None), body)
        },
        expect: || Err((401, DeliveryError::MissingHeader { header: "webhook-signature" })),
    },
    DeliveryCase {
        input: "missing webhook-id",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            (with_header(headers, "webhook-id", None), body)
        },
        expect: || Err((400, DeliveryError::MissingHeader { header: "webhook-id" })),
    },
    DeliveryCase {
        input: "truncated signature",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            let signature = headers.iter().find(|(n, _)| n == "webhook-signature").unwrap().1[..30].to_owned();
            (with_header(headers, "webhook-signature", Some(signature)), body)
        },
        expect: || Err((401, DeliveryError::InvalidSignature { v1_entries: 0 })),
    },
    DeliveryCase {
        input: "a 3 KiB signature list",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            (with_header(headers, "webhook-signature", Some("v1,A ".repeat(600))), body)
        },
        expect: || {
            Err((400, DeliveryError::MalformedHeader { header: "webhook-signature", reason: "longer than 2048 bytes" }))
        },
    },
    DeliveryCase {
        input: "a timestamp with an exponent",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            (with_header(headers, "webhook-timestamp", Some("1.779192e9".into())), body)
        },
        expect: || {
            Err((
                400,
                DeliveryError::MalformedHeader { header: "webhook-timestamp", reason: "not integer Unix seconds" },
            ))
        },
    },
    DeliveryCase {
        input: "signed, body not JSON",
        request: || signed_delivery(b"\xff".to_vec()),
        expect: || Err((400, DeliveryError::NotJson { reason: "expected value at line 1 column 1".into() })),
    },
    DeliveryCase {
        input: "signed, 10,000-deep data",
        request: || signed_delivery(envelope(&nested(10_000))),
        expect: || {
            Err((
                400,
                DeliveryError::NotJson { reason: "`data`: recursion limit exceeded at line 1 column 128".into() },
            ))
        },
    },
    DeliveryCase {
        input: "signed, a number beyond a double under an unknown key of data",
        request: || signed_delivery(envelope(&SENT.replace(r#""channel""#, r#""x":1e400,"channel""#))),
        expect: || Ok(()),
    },
    DeliveryCase {
        input: "signed, a number beyond a double where data has a string",
        request: || signed_delivery(envelope(&SENT.replace(r#""ana@example.com""#, "-1e400"))),
        expect: || {
            let data = SENT.replace(r#""ana@example.com""#, "-1e400");
            let error = loop_contracts::catalog().get("message.sent.v1").unwrap().validate_str(&data).unwrap_err();
            assert_eq!(error.issues()[0].message, "Expected string, received number");
            Err((422, DeliveryError::InvalidPayload { event_type: "message.sent.v1", error }))
        },
    },
    DeliveryCase {
        input: "signed, a lone surrogate in data",
        request: || signed_delivery(envelope(r#"{"x": "\ud800"}"#)),
        expect: || {
            Err((
                400,
                DeliveryError::NotJson { reason: "`data`: unexpected end of hex escape at line 1 column 14".into() },
            ))
        },
    },
    DeliveryCase {
        input: "signed, a duplicate `type`",
        request: || {
            let body = envelope(SENT);
            signed_delivery([&br#"{"type":"message.failed.v1","#[..], &body[1..]].concat())
        },
        expect: || {
            Err((400, DeliveryError::MalformedEnvelope { reason: "duplicate field `type` at line 1 column 34".into() }))
        },
    },
];

#[test]
fn delivery_webhooks_get_the_exact_error_of_the_table() {
    let receiver = Receiver::new(Verifier::new(delivery_secret()));
    let now = UNIX_EPOCH + Duration::from_secs(SIGNED_AT);
    for case in DELIVERIES {
        let (headers, body) = (case.request)();
        match (receiver.receive_at(&headers, &body, now), &(case.expect)()) {
            (Ok(_), Ok(())) => {}
            (Err(err), Err((status, expected))) => {
                assert_eq!(&err, expected, "{}", case.input);
                assert_eq!(err.http_status(), *status, "{}", case.input);
                assert_eq!(err.to_response()["error"]["code"], err.error_code().as_str(), "{}", case.input);
            }
            (got, _) => panic!("{}: {got:?}", case.input),
        }
    }
}
