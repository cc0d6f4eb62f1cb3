//! Outbound delivery webhooks: Standard Webhooks verification and signing, the envelope, the
//! receiver and the deduplicator.
//!
//! Signatures come from three places, none of them the code under test: the published vectors of
//! the Standard Webhooks reference libraries (`tests/fixtures/standard-webhooks/`), vectors
//! computed with `openssl` when these tests were written (command beside each), and reference
//! vectors that Python's `hmac` module computed once (`tests/fixtures/signatures/reference.json`,
//! written by `compute.py` beside it). The tests run nothing but the code under test.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use loop_contracts::delivery::{
    Deduplicator, DeliveryError, DeliveryEvent, Duplicate, Envelope, Receiver, SecretError, Signer, Verifier,
    WebhookId, WebhookSecret,
};
use loop_contracts::{ErrorCode, IssueCode};
use proptest::prelude::*;
use serde_json::Value;

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn secret(text: &str) -> WebhookSecret {
    WebhookSecret::parse(text).unwrap()
}

fn headers<'a>(id: &'a str, timestamp: &'a str, signature: &'a str) -> [(&'static str, &'a str); 3] {
    [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signature)]
}

// ---------------------------------------------------------------------------------------------
// The published vectors, read in place.

fn vectors() -> Value {
    let path = suite::fixture("standard-webhooks/test-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn str_of<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key].as_str().unwrap_or_else(|| panic!("{key} in {case}"))
}

/// The fixture's outcome names for a verification result.
fn outcome(result: &Result<loop_contracts::delivery::VerifiedWebhook, DeliveryError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(DeliveryError::InvalidSignature { .. }) => "invalid_signature",
        Err(DeliveryError::TimestampTooOld { .. }) => "timestamp_too_old",
        Err(DeliveryError::TimestampTooNew { .. }) => "timestamp_too_new",
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn published_sign_vectors_are_reproduced() {
    let vectors = vectors();
    let cases = vectors["sign_vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        let signer = Signer::new(secret(str_of(case, "secret")));
        let id = WebhookId::new(str_of(case, "msg_id")).unwrap();
        let timestamp = case["timestamp"].as_u64().unwrap();
        let headers = signer.sign(&id, timestamp, str_of(case, "payload").as_bytes());
        assert_eq!(headers.signature(), str_of(case, "expected_signature"), "{}", case["name"]);
        // And the mirror image accepts what was signed.
        let verifier = Verifier::new(secret(str_of(case, "secret")));
        assert!(verifier.verify_at(&headers, str_of(case, "payload").as_bytes(), at(timestamp)).is_ok());
    }
}

#[test]
fn published_verify_cases_give_the_expected_outcome() {
    let vectors = vectors();
    let cases = vectors["verify_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 12);
    for case in cases {
        let verifier = Verifier::new(secret(str_of(case, "secret")));
        let headers =
            headers(str_of(case, "webhook_id"), str_of(case, "webhook_timestamp"), str_of(case, "webhook_signature"));
        let now = at(case["now"].as_u64().unwrap());
        let result = verifier.verify_at(&headers, str_of(case, "payload").as_bytes(), now);
        assert_eq!(outcome(&result), str_of(case, "expected"), "case {:?}: {result:?}", case["name"]);
    }
}

#[test]
fn published_secret_parsing_cases() {
    let vectors = vectors();
    let cases = vectors["secret_parsing_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    // The first three as the libraries specify them.
    assert_eq!(WebhookSecret::parse(str_of(&cases[0], "secret")).unwrap_err(), SecretError::Empty);
    assert_eq!(WebhookSecret::parse(str_of(&cases[1], "secret")).unwrap_err(), SecretError::Empty);
    let bare = secret(str_of(&cases[2], "secret"));
    let id = WebhookId::new("msg_p5jXN8AQM9LWM0D4loKWxJek").unwrap();
    let body = br#"{"test": 2432232314}"#;
    assert_eq!(
        Signer::new(bare).sign(&id, 1_614_265_330, body).signature(),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        "the prefix is optional"
    );
    // Unpadded base64 is accepted, as in the Python library, but the 24-byte minimum of the
    // specification stands: 31 characters decode to 23 bytes.
    assert_eq!(str_of(&cases[3], "secret"), "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS");
    assert_eq!(WebhookSecret::parse(str_of(&cases[3], "secret")).unwrap_err(), SecretError::Length { len: 23 });
    let unpadded = secret(str_of(&cases[4], "secret"));
    assert_eq!(unpadded.len(), 25);
    // python3 -c "import base64,hmac,hashlib; k=base64.b64decode('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr==');
    //   print(base64.b64encode(hmac.new(k, b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}',
    //   hashlib.sha256).digest()).decode())"
    assert_eq!(
        Signer::new(unpadded).sign(&id, 1_614_265_330, body).signature(),
        "v1,yK2tMbA6BHPrMEJ1lLv7UlJJbgFoqGenJkiajZ29evg="
    );
}

#[test]
fn published_bad_timestamps_are_refused_as_headers() {
    // The libraries' `sign` refuses these timestamp arguments; `Signer::sign` takes a `u64`, so they
    // cannot be passed. As received header values, they are malformed before any hashing.
    let vectors = vectors();
    let verifier = Verifier::new(secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    for case in vectors["sign_timestamp_argument_cases"].as_array().unwrap() {
        let headers = headers("msg_1", str_of(case, "timestamp"), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let err = verifier.verify_at(&headers, b"{}", at(1_614_265_330)).unwrap_err();
        assert!(matches!(err, DeliveryError::MalformedHeader { header: "webhook-timestamp", .. }), "{case}: {err:?}");
        assert_eq!(err.http_status(), 400);
    }
}

// ---------------------------------------------------------------------------------------------
// Independent vectors computed with openssl when these tests were written.

/// A `message.bounced.v1` delivery as a sender might space it, with a non-ASCII recipient.
const BOUNCE_BODY: &str = r#"{"type": "message.bounced.v1", "timestamp": "2026-05-19T12:00:00.123Z", "data": {"eventId": "3f0c8b1e-5a2d-4c6f-9e1b-7d2a4c6e8f01", "occurredAt": "2026-05-19T12:00:00.123Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "email", "recipient": "zoë@example.com", "bounceType": "hard", "reason": "550 5.1.1 mailbox unavailable", "diagnosticCode": "smtp; 550 5.1.1"}}"#;
const BOUNCE_ID: &str = "msg_2Lc3Jm5QbXvN8pR4tW7yZ0aB";
const BOUNCE_TS: u64 = 1_779_192_000;
/// 32 random bytes (`openssl rand -base64 32`).
const SECRET_32: &str = "whsec_EfPXD6lFYY4L/75LTzOrfpx+0TJJq5mCk/1qNJe/LK4=";
/// 64 random bytes (`openssl rand -base64 64`).
const SECRET_64: &str =
    "whsec_jo4ORxMAfcSwNs3+8iqvAVC0hZy1qkeWGCJBjObcW0uBUEzFWUvWmiWlfS1vPm9nlgjqVd4zq6IABEK9o/MuzA==";
/// With `BOUNCE_BODY` in body.txt (no final newline) and K the key's hex:
/// `{ printf '%s' 'msg_2Lc3Jm5QbXvN8pR4tW7yZ0aB.1779192000.'; cat body.txt; } |
///  openssl dgst -sha256 -mac HMAC -macopt hexkey:$K -binary | base64`
/// (cross-checked with Python's `hmac`).
const SIG_32: &str = "v1,IG21ukVZ5WWLBR6AS4q1nWJkJ30iaMGdvypARzBRKTg=";
const SIG_64: &str = "v1,si9mugOVQDRPkoWe3lnFN5OEIiekG4ZLX+6dP99mWSU=";

fn bounce_receiver() -> Receiver {
    Receiver::new(Verifier::new(secret(SECRET_32)))
}

#[test]
fn independent_openssl_vectors_verify_and_parse() {
    let now = at(BOUNCE_TS + 5);
    let delivery =
        bounce_receiver().receive_at(&headers(BOUNCE_ID, "1779192000", SIG_32), BOUNCE_BODY.as_bytes(), now).unwrap();
    assert_eq!(delivery.webhook_id.as_str(), BOUNCE_ID);
    assert_eq!(delivery.timestamp.timestamp(), 1_779_192_000);
    assert_eq!(delivery.event_timestamp.timestamp_millis(), 1_779_192_000_123);
    let DeliveryEvent::MessageBounced(bounce) = &delivery.event else { panic!("{:?}", delivery.event) };
    assert_eq!(bounce.recipient, "zoë@example.com");
    assert_eq!(bounce.bounce_type.as_str(), "hard");
    assert_eq!(bounce.diagnostic_code.as_deref(), Some("smtp; 550 5.1.1"));

    let wide = Receiver::new(Verifier::new(secret(SECRET_64)));
    assert!(wide.receive_at(&headers(BOUNCE_ID, "1779192000", SIG_64), BOUNCE_BODY.as_bytes(), now).is_ok());
    // And the signer reproduces both.
    let id = WebhookId::new(BOUNCE_ID).unwrap();
    assert_eq!(Signer::new(secret(SECRET_32)).sign(&id, BOUNCE_TS, BOUNCE_BODY.as_bytes()).signature(), SIG_32);
    assert_eq!(Signer::new(secret(SECRET_64)).sign(&id, BOUNCE_TS, BOUNCE_BODY.as_bytes()).signature(), SIG_64);
    assert_eq!(
        Signer::new(secret(SECRET_32))
            .with_secret(secret(SECRET_64))
            .sign(&id, BOUNCE_TS, BOUNCE_BODY.as_bytes())
            .signature(),
        format!("{SIG_32} {SIG_64}")
    );
}

#[test]
fn signer_and_verifier_match_the_committed_reference_vectors() {
    // Keys of 24 to 59 bytes, growing ids and non-ASCII bodies, signed by Python's hmac module:
    // tests/fixtures/signatures/compute.py wrote them to reference.json beside it.
    let path = suite::fixture("signatures/reference.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: Value = serde_json::from_str(&text).unwrap();
    let cases = file["standard_webhooks"]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let secret = WebhookSecret::from_bytes(unhex(str_of(case, "key_hex"))).unwrap();
        let id = WebhookId::new(str_of(case, "webhook_id")).unwrap();
        let ts = case["timestamp"].as_u64().unwrap();
        let body = str_of(case, "body").as_bytes();
        let expected = str_of(case, "signature");
        assert_eq!(Signer::new(secret.clone()).sign(&id, ts, body).signature(), expected, "{case}");
        let verifier = Verifier::new(secret);
        assert!(verifier.verify_at(&headers(&id, &ts.to_string(), expected), body, at(ts)).is_ok(), "{case}");
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals.

#[test]
fn a_signature_made_with_another_secret_is_forged() {
    let forger = Signer::new(WebhookSecret::from_bytes([0x41; 32]).unwrap());
    let forged = forger.sign(&WebhookId::new(BOUNCE_ID).unwrap(), BOUNCE_TS, BOUNCE_BODY.as_bytes());
    let err = bounce_receiver().receive_at(&forged, BOUNCE_BODY.as_bytes(), at(BOUNCE_TS)).unwrap_err();
    assert_eq!(err, DeliveryError::InvalidSignature { v1_entries: 1 });
    assert_eq!(err.http_status(), 401);
    assert_eq!(err.error_code(), ErrorCode::Unauthorized);
}

#[test]
fn changing_any_signed_part_breaks_the_signature() {
    let receiver = bounce_receiver();
    let now = at(BOUNCE_TS);
    let other_id = headers("msg_2Lc3Jm5QbXvN8pR4tW7yZ0aC", "1779192000", SIG_32);
    let other_ts = headers(BOUNCE_ID, "1779192001", SIG_32);
    let padded_ts = headers(BOUNCE_ID, "01779192000", SIG_32);
    for h in [other_id, other_ts, padded_ts] {
        let err = receiver.receive_at(&h, BOUNCE_BODY.as_bytes(), now).unwrap_err();
        assert_eq!(err, DeliveryError::InvalidSignature { v1_entries: 1 }, "{h:?}");
    }
    let ok = headers(BOUNCE_ID, "1779192000", SIG_32);
    let mut flipped = BOUNCE_BODY.as_bytes().to_vec();
    flipped[100] ^= 1;
    let truncated = &BOUNCE_BODY.as_bytes()[..BOUNCE_BODY.len() - 1];
    let extended = format!("{BOUNCE_BODY}\n");
    for body in [&flipped[..], truncated, extended.as_bytes()] {
        assert_eq!(receiver.receive_at(&ok, body, now).unwrap_err(), DeliveryError::InvalidSignature { v1_entries: 1 });
    }
}

#[test]
fn a_re_encoded_body_does_not_verify() {
    // The most common webhook bug: parsing the body and verifying its re-serialisation.
    let value: Value = serde_json::from_str(BOUNCE_BODY).unwrap();
    let compact = serde_json::to_vec(&value).unwrap();
    let pretty = serde_json::to_vec_pretty(&value).unwrap();
    let ascii_escaped = BOUNCE_BODY.replace('ë', "\\u00eb");
    assert_ne!(compact, BOUNCE_BODY.as_bytes());
    for body in [&compact[..], &pretty[..], ascii_escaped.as_bytes()] {
        // Same JSON value, different bytes.
        assert_eq!(serde_json::from_slice::<Value>(body).unwrap(), value);
        let err =
            bounce_receiver().receive_at(&headers(BOUNCE_ID, "1779192000", SIG_32), body, at(BOUNCE_TS)).unwrap_err();
        assert_eq!(err, DeliveryError::InvalidSignature { v1_entries: 1 });
    }
}

#[test]
fn truncated_and_mangled_signatures_are_refused() {
    let receiver = bounce_receiver();
    let tag = SIG_32.strip_prefix("v1,").unwrap();
    let cases = [
        format!("v1,{}", &tag[..43]),         // padding cut
        format!("v1,{}", &tag[..40]),         // truncated
        format!("v1,{}", &tag[..22]),         // half
        "v1,".to_owned(),                     // empty
        format!("v1,{tag}A"),                 // one character too many
        format!("v1 {tag}"),                  // no comma
        format!("V1,{tag}"),                  // version is case-sensitive
        format!("v1,{}", tag.to_lowercase()), // base64 is case-sensitive
        String::new(),                        // empty header
    ];
    for signature in &cases {
        let err = receiver
            .receive_at(&headers(BOUNCE_ID, "1779192000", signature), BOUNCE_BODY.as_bytes(), at(BOUNCE_TS))
            .unwrap_err();
        assert!(matches!(err, DeliveryError::InvalidSignature { .. }), "{signature:?}: {err:?}");
        assert_eq!(err.http_status(), 401);
    }
}

#[test]
fn stale_and_future_timestamps_are_refused_after_the_signature() {
    let receiver = bounce_receiver();
    let h = headers(BOUNCE_ID, "1779192000", SIG_32);
    let body = BOUNCE_BODY.as_bytes();
    assert!(receiver.receive_at(&h, body, at(BOUNCE_TS + 300)).is_ok());
    assert!(receiver.receive_at(&h, body, at(BOUNCE_TS - 300)).is_ok());
    let stale = receiver.receive_at(&h, body, at(BOUNCE_TS + 3600)).unwrap_err();
    assert_eq!(stale, DeliveryError::TimestampTooOld { age_secs: 3600, tolerance_secs: 300 });
    let future = receiver.receive_at(&h, body, at(BOUNCE_TS - 301)).unwrap_err();
    assert_eq!(future, DeliveryError::TimestampTooNew { ahead_secs: 301, tolerance_secs: 300 });
    assert_eq!((stale.http_status(), future.http_status()), (401, 401));
    // A forged request is reported as forged, whatever its timestamp.
    let forged = headers(BOUNCE_ID, "1000000000", SIG_32);
    assert!(matches!(receiver.receive_at(&forged, body, at(BOUNCE_TS)), Err(DeliveryError::InvalidSignature { .. })));
    // A narrower tolerance.
    let strict = Receiver::new(Verifier::new(secret(SECRET_32)).with_tolerance(Duration::from_secs(10)));
    assert!(strict.receive_at(&h, body, at(BOUNCE_TS + 10)).is_ok());
    assert_eq!(
        strict.receive_at(&h, body, at(BOUNCE_TS + 11)).unwrap_err(),
        DeliveryError::TimestampTooOld { age_secs: 11, tolerance_secs: 10 }
    );
    // Before the epoch, the clock is simply far behind.
    assert!(matches!(
        receiver.receive_at(&h, body, UNIX_EPOCH - Duration::from_secs(1)),
        Err(DeliveryError::TimestampTooNew { .. })
    ));
}

#[test]
fn missing_headers_are_named_with_their_status() {
    let receiver = bounce_receiver();
    let full = headers(BOUNCE_ID, "1779192000", SIG_32);
    for (i, (name, status)) in
        [("webhook-id", 400), ("webhook-timestamp", 400), ("webhook-signature", 401)].into_iter().enumerate()
    {
        let partial: Vec<(&str, &str)> = full.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| *p).collect();
        let err = receiver.receive_at(&partial, BOUNCE_BODY.as_bytes(), at(BOUNCE_TS)).unwrap_err();
        assert_eq!(err, DeliveryError::MissingHeader { header: name });
        assert_eq!(err.http_status(), status, "{name}");
    }
}

#[test]
fn header_names_ignore_case_and_values_drop_surrounding_whitespace() {
    let padded_signature = format!(" {SIG_32}\t");
    let h = [
        ("Webhook-Id", " msg_2Lc3Jm5QbXvN8pR4tW7yZ0aB"),
        ("WEBHOOK-TIMESTAMP", "1779192000 "),
        ("webhook-Signature", padded_signature.as_str()),
    ];
    assert!(bounce_receiver().receive_at(&h, BOUNCE_BODY.as_bytes(), at(BOUNCE_TS)).is_ok());
}

#[test]
fn oversized_or_malformed_headers_are_refused_before_hashing() {
    let receiver = bounce_receiver();
    let body = BOUNCE_BODY.as_bytes();
    let long_id = format!("msg_{}", "a".repeat(253));
    let long_signature = format!("{} {SIG_32}", "v2,x".repeat(600));
    let cases: [([(&str, &str); 3], &str); 7] = [
        (headers(&long_id, "1779192000", SIG_32), "webhook-id"),
        (headers("msg with space", "1779192000", SIG_32), "webhook-id"),
        (headers("msg_é", "1779192000", SIG_32), "webhook-id"),
        (headers("", "1779192000", SIG_32), "webhook-id"),
        (headers(BOUNCE_ID, "17791920000000000000", SIG_32), "webhook-timestamp"),
        (headers(BOUNCE_ID, "1779192000.5", SIG_32), "webhook-timestamp"),
        (headers(BOUNCE_ID, "1779192000", &long_signature), "webhook-signature"),
    ];
    for (h, header) in &cases {
        let err = receiver.receive_at(h, body, at(BOUNCE_TS)).unwrap_err();
        assert!(matches!(&err, DeliveryError::MalformedHeader { header: h, .. } if h == header), "{err:?}");
        assert_eq!(err.http_status(), 400);
    }
    // 256 bytes is the limit, inclusive (the signature then fails, as it should).
    let max_id = format!("msg_{}", "a".repeat(252));
    assert!(matches!(
        receiver.receive_at(&headers(&max_id, "1779192000", SIG_32), body, at(BOUNCE_TS)),
        Err(DeliveryError::InvalidSignature { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Rotation and versions.

#[test]
fn rotation_accepts_the_old_secret_and_any_matching_entry() {
    let now = at(BOUNCE_TS);
    let body = BOUNCE_BODY.as_bytes();
    // The receiver holds the new secret and still the old one: a request signed with the old one passes.
    let rotating = Receiver::new(Verifier::new(secret(SECRET_64)).with_secret(secret(SECRET_32)));
    assert!(rotating.receive_at(&headers(BOUNCE_ID, "1779192000", SIG_32), body, now).is_ok());
    assert!(rotating.receive_at(&headers(BOUNCE_ID, "1779192000", SIG_64), body, now).is_ok());
    // Once the old secret is dropped, its signatures no longer pass.
    let rotated = Receiver::new(Verifier::new(secret(SECRET_64)));
    assert!(rotated.receive_at(&headers(BOUNCE_ID, "1779192000", SIG_32), body, now).is_err());

    // Three entries, one valid, in every position.
    let decoy_a = "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ=";
    let decoy_b = "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=";
    for list in [
        format!("{SIG_32} {decoy_a} {decoy_b}"),
        format!("{decoy_a} {SIG_32} {decoy_b}"),
        format!("{decoy_a} {decoy_b} {SIG_32}"),
    ] {
        assert!(bounce_receiver().receive_at(&headers(BOUNCE_ID, "1779192000", &list), body, now).is_ok(), "{list}");
    }
    let none = format!("{decoy_a} {decoy_b}");
    assert_eq!(
        bounce_receiver().receive_at(&headers(BOUNCE_ID, "1779192000", &none), body, now).unwrap_err(),
        DeliveryError::InvalidSignature { v1_entries: 2 }
    );

    // A sender that signs with both secrets reaches receivers holding either.
    let both = Signer::new(secret(SECRET_64)).with_secret(secret(SECRET_32));
    let signed = both.sign(&WebhookId::new(BOUNCE_ID).unwrap(), BOUNCE_TS, body);
    assert!(bounce_receiver().receive_at(&signed, body, now).is_ok());
    assert!(rotated.receive_at(&signed, body, now).is_ok());
}

#[test]
fn entries_of_unknown_versions_are_skipped() {
    let tag = SIG_32.strip_prefix("v1,").unwrap();
    let body = BOUNCE_BODY.as_bytes();
    let receiver = bounce_receiver();
    // The valid tag under other versions does not count; beside a valid v1 entry, they do no harm.
    let mixed = format!("v1a,{tag} v2,{tag} v0,{tag} whatever {SIG_32} v3,=");
    assert!(receiver.receive_at(&headers(BOUNCE_ID, "1779192000", &mixed), body, at(BOUNCE_TS)).is_ok());
    let only_other = format!("v1a,{tag} v2,{tag}");
    assert_eq!(
        receiver.receive_at(&headers(BOUNCE_ID, "1779192000", &only_other), body, at(BOUNCE_TS)).unwrap_err(),
        DeliveryError::InvalidSignature { v1_entries: 0 }
    );
}

// ---------------------------------------------------------------------------------------------
// The envelope and the six delivery events.

const ENVELOPE: &str = r#""eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d""#;

/// A valid payload of each delivery event, with its type.
fn six_payloads() -> Vec<(&'static str, String)> {
    vec![
        (
            "message.sent.v1",
            format!(
                r#"{{{ENVELOPE}, "channel": "email", "recipient": "ana@example.com", "subject": "Your order", "templateId": "order-confirmation", "provider": "ses"}}"#
            ),
        ),
        (
            "message.delivered.v1",
            format!(r#"{{{ENVELOPE}, "channel": "sms", "recipient": "+15555550100", "provider": "twilio"}}"#),
        ),
        (
            "message.bounced.v1",
            format!(
                r#"{{{ENVELOPE}, "channel": "email", "recipient": "ana@example.com", "bounceType": "soft", "reason": "mailbox full"}}"#
            ),
        ),
        (
            "message.opened.v1",
            format!(
                r#"{{{ENVELOPE}, "channel": "email", "recipient": "ana@example.com", "userAgent": "Mozilla/5.0"}}"#
            ),
        ),
        (
            "message.clicked.v1",
            format!(
                r#"{{{ENVELOPE}, "channel": "whatsapp", "recipient": "+15555550100", "link": "https://example.com/sale?utm_source=loop"}}"#
            ),
        ),
        (
            "message.failed.v1",
            format!(
                r#"{{{ENVELOPE}, "channel": "push", "recipient": "device-token-1", "reason": "device token expired", "errorCode": "Unregistered", "retryable": false}}"#
            ),
        ),
    ]
}

fn envelope_body(event_type: &str, data: &str) -> String {
    format!(r#"{{"type": "{event_type}", "timestamp": "2026-05-19T12:00:00Z", "data": {data}}}"#)
}

/// Signs `body` with `SECRET_32` as `msg_test` at `BOUNCE_TS` and receives it.
fn receive_signed(body: &[u8]) -> Result<loop_contracts::delivery::Delivery, DeliveryError> {
    let id = WebhookId::new("msg_test").unwrap();
    let signed = Signer::new(secret(SECRET_32)).sign(&id, BOUNCE_TS, body);
    bounce_receiver().receive_at(&signed, body, at(BOUNCE_TS))
}

#[test]
fn each_delivery_event_parses_into_its_variant() {
    let payloads = six_payloads();
    assert_eq!(payloads.iter().map(|(t, _)| *t).collect::<Vec<_>>(), DeliveryEvent::NAMES);
    for (event_type, data) in &payloads {
        let delivery = receive_signed(envelope_body(event_type, data).as_bytes()).unwrap();
        let event = &delivery.event;
        assert_eq!(event.name(), *event_type);
        assert_eq!(event.message_id().to_string(), "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d");
        assert_eq!(event.event_id().to_string(), "550e8400-e29b-41d4-a716-446655440000");
        assert_eq!(event.brand_id().to_string(), "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e");
        let detail = match event {
            DeliveryEvent::MessageSent(e) => e.subject.clone().unwrap_or_default(),
            DeliveryEvent::MessageDelivered(e) => e.provider.clone().unwrap_or_default(),
            DeliveryEvent::MessageBounced(e) => {
                format!("{} {}", e.bounce_type, e.reason.as_deref().unwrap_or_default())
            }
            DeliveryEvent::MessageOpened(e) => e.user_agent.clone().unwrap_or_default(),
            DeliveryEvent::MessageClicked(e) => e.link.clone(),
            DeliveryEvent::MessageFailed(e) => format!("{} retryable={:?}", e.reason, e.retryable),
            _ => unreachable!("a seventh delivery event"),
        };
        let expected = [
            "Your order",
            "twilio",
            "soft mailbox full",
            "Mozilla/5.0",
            "https://example.com/sale?utm_source=loop",
            "device token expired retryable=Some(false)",
        ];
        assert!(expected.contains(&detail.as_str()), "{event_type}: {detail}");
        // The payload round-trips through the typed value, and through the Value path too.
        let data_value: Value = serde_json::from_str(data).unwrap();
        assert_eq!(event.to_payload(), data_value);
        assert_eq!(&DeliveryEvent::from_json_value(event_type, &data_value).unwrap(), event);
    }
}

#[test]
fn signer_and_receiver_round_trip_every_event() {
    let signer = Signer::new(secret(SECRET_64));
    let receiver = Receiver::new(Verifier::new(secret(SECRET_64)));
    for (event_type, data) in six_payloads() {
        let event = DeliveryEvent::from_json_slice(event_type, data.as_bytes()).unwrap();
        let envelope = Envelope::new(event.clone());
        let signed = signer.sign_envelope(&envelope, BOUNCE_TS);
        assert_eq!(signed.headers.id().as_str(), "msg_550e8400e29b41d4a716446655440000");
        let delivery = receiver.receive_at(&signed.headers, &signed.body, at(BOUNCE_TS + 1)).unwrap();
        assert_eq!(delivery.event, event);
        assert_eq!(delivery.event_timestamp, event.occurred_at());
        let body: Value = serde_json::from_slice(&signed.body).unwrap();
        assert_eq!(body["type"], event_type);
        assert_eq!(body["timestamp"], "2026-05-19T12:00:00Z");
    }
}

#[test]
fn an_invalid_payload_reports_the_engines_issues() {
    let data = format!(r#"{{{ENVELOPE}, "channel": "fax", "recipient": "", "bounceType": "hard", "extra": 1}}"#);
    let err = receive_signed(envelope_body("message.bounced.v1", &data).as_bytes()).unwrap_err();
    assert_eq!(err.http_status(), 422);
    assert_eq!(err.error_code(), ErrorCode::ValidationError);
    let DeliveryError::InvalidPayload { event_type, error } = &err else { panic!("{err:?}") };
    assert_eq!(*event_type, "message.bounced.v1");
    let issues: Vec<(&str, IssueCode)> = error.issues().iter().map(|i| (i.path.as_str(), i.code)).collect();
    assert_eq!(issues, [("channel", IssueCode::InvalidEnumValue), ("recipient", IssueCode::TooSmall)]);
    // The same verdict as validating the payload against the catalog.
    let direct =
        loop_contracts::validate_event("message.bounced.v1", &serde_json::from_str(&data).unwrap()).unwrap_err();
    assert_eq!(error.issues(), direct.issues());
    assert_eq!(err.to_response(), direct.to_response());

    // Every required field missing.
    let err = receive_signed(envelope_body("message.clicked.v1", "{}").as_bytes()).unwrap_err();
    let DeliveryError::InvalidPayload { error, .. } = &err else { panic!("{err:?}") };
    let paths: Vec<&str> = error.issues().iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths, ["eventId", "occurredAt", "brandId", "messageId", "channel", "recipient", "link"]);
    // Not an object.
    let err = receive_signed(envelope_body("message.sent.v1", "[1]").as_bytes()).unwrap_err();
    assert!(matches!(&err, DeliveryError::InvalidPayload { error, .. } if error.issues()[0].path.is_empty()));
}

#[test]
fn unknown_types_and_broken_envelopes_are_typed_errors() {
    let data = &six_payloads()[0].1;
    for event_type in ["message.complained.v1", "message.sent.v2", "lead.captured.v1", ""] {
        let err = receive_signed(envelope_body(event_type, data).as_bytes()).unwrap_err();
        assert_eq!(err, DeliveryError::UnknownType { event_type: event_type.to_owned() });
        assert_eq!((err.http_status(), err.error_code()), (422, ErrorCode::UnknownEvent));
    }
    let long_type = "x".repeat(10_000);
    let err = receive_signed(envelope_body(&long_type, data).as_bytes()).unwrap_err();
    assert!(matches!(&err, DeliveryError::UnknownType { event_type } if event_type.len() == 200));

    let not_json: [&[u8]; 5] = [b"", b"not json", b"{\"type\": ", &[0xff, 0xfe], b"{} trailing"];
    for body in not_json {
        let err = receive_signed(body).unwrap_err();
        assert!(matches!(err, DeliveryError::NotJson { .. }), "{body:?}: {err:?}");
        assert_eq!(err.http_status(), 400);
    }
    let malformed = [
        format!(r#"{{"timestamp": "2026-05-19T12:00:00Z", "data": {data}}}"#),
        format!(r#"{{"type": "message.sent.v1", "data": {data}}}"#),
        r#"{"type": "message.sent.v1", "timestamp": "2026-05-19T12:00:00Z"}"#.to_owned(),
        format!(r#"{{"type": 7, "timestamp": "2026-05-19T12:00:00Z", "data": {data}}}"#),
        format!(r#"{{"type": "message.sent.v1", "timestamp": 1779192000, "data": {data}}}"#),
        format!(r#"{{"type": "message.sent.v1", "timestamp": "2026-05-19T12:00:00+00:00", "data": {data}}}"#),
        format!(
            r#"{{"type": "message.sent.v1", "type": "message.sent.v1", "timestamp": "2026-05-19T12:00:00Z", "data": {data}}}"#
        ),
        "[]".to_owned(),
        "\"message.sent.v1\"".to_owned(),
    ];
    for body in &malformed {
        let err = receive_signed(body.as_bytes()).unwrap_err();
        assert!(matches!(err, DeliveryError::MalformedEnvelope { .. }), "{body}: {err:?}");
        assert_eq!(err.http_status(), 400);
    }
    // Extra top-level keys are ignored.
    let extra =
        format!(r#"{{"type": "message.sent.v1", "timestamp": "2026-05-19T12:00:00Z", "data": {data}, "version": 2}}"#);
    assert!(receive_signed(extra.as_bytes()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Deduplication and secrets.

#[test]
fn a_retry_with_a_new_timestamp_is_deduplicated_by_its_id() {
    let signer = Signer::new(secret(SECRET_32));
    let receiver = bounce_receiver();
    let seen = Deduplicator::new(1000);
    let event = DeliveryEvent::from_json_slice("message.opened.v1", six_payloads()[3].1.as_bytes()).unwrap();
    let envelope = Envelope::new(event);
    let mut processed = 0;
    let mut statuses = Vec::new();
    // The first attempt fails in the host, the second is processed, the third is a redelivery.
    for (attempt, fail) in [(0u64, true), (5, false), (35, false)] {
        let signed = signer.sign_envelope(&envelope, BOUNCE_TS + attempt);
        let delivery = receiver.receive_at(&signed.headers, &signed.body, at(BOUNCE_TS + attempt)).unwrap();
        assert_eq!(delivery.timestamp.timestamp(), (BOUNCE_TS + attempt) as i64);
        statuses.push(match seen.claim(&delivery.webhook_id) {
            Err(duplicate) => duplicate.http_status(),
            Ok(_claim) if fail => 500,
            Ok(claim) => {
                processed += 1;
                claim.done();
                204
            }
        });
    }
    assert_eq!(statuses, [500, 204, 200]);
    assert_eq!(processed, 1);
    assert_eq!(seen.claim("msg_550e8400e29b41d4a716446655440000").unwrap_err(), Duplicate::Processed);
}

#[test]
fn secrets_never_show_in_debug_or_errors() {
    let s32 = secret(SECRET_32);
    let key_b64 = SECRET_32.strip_prefix("whsec_").unwrap();
    let verifier = Verifier::new(s32.clone()).with_secret(secret(SECRET_64));
    let texts = [
        format!("{s32:?}"),
        format!("{s32:#?}"),
        format!("{verifier:?}"),
        format!("{:?}", Signer::new(s32.clone())),
        format!("{:?}", Receiver::new(verifier.clone())),
    ];
    assert_eq!(texts[0], "WebhookSecret([REDACTED])");
    for text in &texts {
        assert!(!text.contains(key_b64) && !text.contains(&key_b64[..12]), "{text}");
        assert!(text.contains("REDACTED") && !text.contains("[17, 243"), "{text}");
        // the key's first bytes
    }
    let errors = [
        WebhookSecret::parse("whsec_!!!!").unwrap_err().to_string(),
        WebhookSecret::parse("whsec_c2hvcnQ=").unwrap_err().to_string(),
        bounce_receiver()
            .receive_at(&headers(BOUNCE_ID, "1779192000", "v1,AAAA"), BOUNCE_BODY.as_bytes(), at(BOUNCE_TS))
            .unwrap_err()
            .to_string(),
    ];
    for text in &errors {
        assert!(!text.contains("c2hvcnQ") && !text.contains(key_b64) && !text.contains("AAAA"), "{text}");
    }
    // The one way out is named for what it does.
    assert_eq!(s32.expose_whsec(), SECRET_32);
}

// ---------------------------------------------------------------------------------------------
// No input makes the receiver panic.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_requests_never_panic(
        id in "\\PC{0,300}",
        timestamp in "[0-9+\\-. a-z]{0,25}",
        signature in "(v1[a]?,[A-Za-z0-9+/=]{0,46} ?){0,4}",
        body in proptest::collection::vec(any::<u8>(), 0..400),
        now in 0u64..4_000_000_000,
    ) {
        let result = bounce_receiver().receive_at(&headers(&id, &timestamp, &signature), &body, at(now));
        let err = result.expect_err("random input is never validly signed");
        prop_assert!([400, 401, 422].contains(&err.http_status()));
    }

    #[test]
    fn arbitrary_signed_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        // Correctly signed, so the envelope parser sees the arbitrary bytes.
        if let Err(err) = receive_signed(&body) {
            prop_assert!([400, 422].contains(&err.http_status()), "{err:?}");
        }
    }

    #[test]
    fn arbitrary_secret_text_never_panics(text in "\\PC{0,200}") {
        let _ = WebhookSecret::parse(&text);
    }
}
