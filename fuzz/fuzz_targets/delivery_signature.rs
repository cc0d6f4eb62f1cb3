//! Standard Webhooks delivery requests through a `Receiver`, with arbitrary headers, body and secret.
//!
//! Input: 9 control bytes (header-name spelling and the clock as little-endian `i64` seconds),
//! then five parts separated by zero bytes: the secret (as text, else as raw key bytes), the
//! `webhook-id`, the `webhook-timestamp`, the `webhook-signature` and the body.
//!
//! Properties: receiving never panics and every error maps to 400, 401 or 422; a request the
//! `Signer` signed verifies, and then the receiver's verdict is exactly the envelope parser's; a
//! valid envelope round-trips through `to_vec`; appending entries to a genuine signature never makes
//! it fail but for length; a secret's text form reads back as the same secret.

#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use loop_contracts::delivery::{
    DeliveryError, Envelope, Receiver, Signer, Verifier, WebhookId, WebhookSecret, WEBHOOK_ID, WEBHOOK_SIGNATURE,
    WEBHOOK_TIMESTAMP,
};

/// The last second of year 9999, a bound on the times signed here (the verifier refuses times that
/// `chrono` cannot represent, some 260,000 years on).
const MAX_SECS: i64 = 253_402_300_799;

fn time(secs: i64) -> SystemTime {
    let magnitude = Duration::from_secs(secs.unsigned_abs());
    let time = if secs >= 0 { UNIX_EPOCH.checked_add(magnitude) } else { UNIX_EPOCH.checked_sub(magnitude) };
    time.unwrap_or(UNIX_EPOCH)
}

fn spell(name: &str, style: u8) -> String {
    match style % 3 {
        0 => name.to_owned(),
        1 => name.to_ascii_uppercase(),
        _ => name.split('-').map(|w| w[..1].to_ascii_uppercase() + &w[1..]).collect::<Vec<_>>().join("-"),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let (control, rest) = data.split_at(9);
    let clock = i64::from_le_bytes(control[1..9].try_into().unwrap());
    let now = time(clock);
    let mut parts = rest.splitn(5, |&b| b == 0);
    let mut next = || parts.next().unwrap_or_default();
    let (secret_bytes, id, timestamp, signature, body) = (next(), next(), next(), next(), next());
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();

    let secret = match WebhookSecret::parse(&text(secret_bytes)) {
        Ok(secret) => secret,
        Err(err) => {
            let _ = err.to_string();
            match WebhookSecret::from_bytes(secret_bytes) {
                Ok(secret) => secret,
                Err(_) => WebhookSecret::from_bytes([42; 32]).unwrap(),
            }
        }
    };
    assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");
    let whsec = secret.expose_whsec();
    match WebhookSecret::parse(&whsec) {
        Ok(again) => assert_eq!(again.expose_whsec(), whsec),
        Err(_) => assert!(!(WebhookSecret::MIN_LEN..=WebhookSecret::MAX_LEN).contains(&secret.len())),
    }

    let receiver = Receiver::new(Verifier::new(secret.clone()));
    let style = control[0];
    let (id, timestamp, signature) = (text(id), text(timestamp), text(signature));
    let headers = [
        (spell(WEBHOOK_ID, style), id.clone()),
        (spell(WEBHOOK_TIMESTAMP, style), timestamp),
        (spell(WEBHOOK_SIGNATURE, style), signature.clone()),
    ];
    // Whatever the headers say.
    if let Err(err) = receiver.receive_at(&headers, body, now) {
        assert!(matches!(err.http_status(), 400 | 401 | 422), "{err:?}");
        let _ = err.to_response();
    }

    // A genuine request, signed at the receiver's clock.
    let Ok(id) = WebhookId::new(id) else { return };
    let signed_at = clock.clamp(0, MAX_SECS);
    let now = time(signed_at);
    let signed = Signer::new(secret).sign(&id, signed_at as u64, body);
    let received = receiver.receive_at(&signed, body, now);
    let parsed = Envelope::from_slice(body);
    match (&received, &parsed) {
        (Ok(delivery), Ok(envelope)) => {
            assert_eq!(delivery.webhook_id, id);
            assert_eq!(delivery.timestamp.timestamp(), signed_at);
            assert_eq!(delivery.event_timestamp, envelope.timestamp);
            assert_eq!(delivery.event, envelope.event);
            assert_eq!(
                Envelope::from_slice(&envelope.to_vec()).as_ref(),
                Ok(envelope),
                "the envelope does not round-trip"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("the receiver said {received:?}, the envelope parser {parsed:?}"),
    }
    let stale = receiver.receive_at(&signed, body, time(signed_at + 301));
    assert_eq!(stale.unwrap_err(), DeliveryError::TimestampTooOld { age_secs: 301, tolerance_secs: 300 });

    // More entries after the genuine one.
    let extended = [
        (WEBHOOK_ID.to_owned(), id.to_string()),
        (WEBHOOK_TIMESTAMP.to_owned(), signed.timestamp().to_string()),
        (WEBHOOK_SIGNATURE.to_owned(), format!("{} {signature}", signed.signature())),
    ];
    match receiver.verifier().verify_at(&extended, body, now) {
        Ok(verified) => assert_eq!(verified.webhook_id, id),
        Err(err) => assert!(
            matches!(err, DeliveryError::MalformedHeader { header: WEBHOOK_SIGNATURE, .. }),
            "a genuine signature with more entries: {err:?}"
        ),
    }
});
