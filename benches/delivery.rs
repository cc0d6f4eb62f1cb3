//! Delivery webhooks: verify and parse one signed `message.bounced.v1` delivery, against HMAC-SHA256
//! alone over the same signed bytes (the share of the time the cryptography takes), verification
//! alone, parsing alone, and signing.
//!
//! Run: `cargo bench --bench delivery`; figures in `benches/README.md`.

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hmac::{Hmac, Mac};
use loop_contracts::delivery::{DeliveryEvent, Envelope, Receiver, Signer, Verifier, WebhookSecret};
use sha2::Sha256;

/// A 32-byte key, as the platform issues them.
const KEY: [u8; 32] = *b"bench-key-0123456789abcdefghijkl";
const SIGNED_AT: u64 = 1_779_192_000;

fn delivery(c: &mut Criterion) {
    let secret = WebhookSecret::from_bytes(KEY).unwrap();
    let event = DeliveryEvent::from_json_slice(
        "message.bounced.v1",
        br#"{"eventId": "3f0c8b1e-5a2d-4c6f-9e1b-7d2a4c6e8f01", "occurredAt": "2026-05-19T12:00:00.123Z",
             "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
             "channel": "email", "recipient": "ana@example.com", "bounceType": "hard",
             "reason": "550 5.1.1 mailbox unavailable", "diagnosticCode": "smtp; 550 5.1.1",
             "personId": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "campaignId": "spring-sale-2026"}"#,
    )
    .unwrap();
    let envelope = Envelope::new(event);
    let signer = Signer::new(secret.clone());
    let signed = signer.sign_envelope(&envelope, SIGNED_AT);
    let receiver = Receiver::new(Verifier::new(secret.clone()));
    let now = UNIX_EPOCH + Duration::from_secs(SIGNED_AT + 1);
    assert!(receiver.receive_at(&signed.headers, &signed.body, now).is_ok());

    // Exactly the bytes the verifier hashes: `{id}.{timestamp}.{body}`.
    let mut content = format!("{}.{}.", signed.headers.id(), signed.headers.timestamp()).into_bytes();
    content.extend_from_slice(&signed.body);

    let mut group = c.benchmark_group("delivery");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify_and_parse", |b| {
        b.iter(|| receiver.receive_at(black_box(&signed.headers), black_box(&signed.body), now).unwrap())
    });
    group.bench_function("verify_only", |b| {
        b.iter(|| receiver.verifier().verify_at(black_box(&signed.headers), black_box(&signed.body), now).unwrap())
    });
    group.bench_function("hmac_sha256_only", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&KEY)).unwrap();
            mac.update(black_box(&content));
            mac.finalize().into_bytes()
        })
    });
    group.bench_function("parse_only", |b| b.iter(|| Envelope::from_slice(black_box(&signed.body)).unwrap()));
    group.bench_function("sign_envelope", |b| b.iter(|| signer.sign_envelope(black_box(&envelope), SIGNED_AT)));
    group.finish();
    println!("signed content: {} bytes (body {} bytes)", content.len(), signed.body.len());

    // Criterion runs the functions one after another, so on a shared machine a change of load
    // between two of them skews their ratio. Interleaved rounds give the share of HMAC-SHA256 in
    // verify-and-parse from timings taken seconds apart, round by round.
    if std::env::args().any(|arg| arg == "--bench") {
        let hmac_once = || {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&KEY)).unwrap();
            mac.update(black_box(&content));
            mac.finalize().into_bytes()
        };
        let full_once = || receiver.receive_at(black_box(&signed.headers), black_box(&signed.body), now).unwrap();
        let verify_once =
            || receiver.verifier().verify_at(black_box(&signed.headers), black_box(&signed.body), now).unwrap();
        let parse_once = || Envelope::from_slice(black_box(&signed.body)).unwrap();
        let (mut full, mut verify, mut hmac, mut parse, mut share) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..301 {
            let f = time_per_call(full_once);
            let h = time_per_call(hmac_once);
            verify.push(time_per_call(verify_once));
            parse.push(time_per_call(parse_once));
            share.push(h / f);
            full.push(f);
            hmac.push(h);
        }
        println!(
            "interleaved medians over 301 rounds of 2,000 calls each: verify_and_parse {:.0} ns, \
             verify_only {:.0} ns, hmac_sha256_only {:.0} ns, parse_only {:.0} ns; \
             HMAC share of verify_and_parse {:.1}% (median of per-round ratios)",
            suite::median(&mut full),
            suite::median(&mut verify),
            suite::median(&mut hmac),
            suite::median(&mut parse),
            100.0 * suite::median(&mut share)
        );
    }
}

/// Nanoseconds per call over 2,000 calls.
fn time_per_call<T>(mut f: impl FnMut() -> T) -> f64 {
    const CALLS: u32 = 2_000;
    let start = std::time::Instant::now();
    for _ in 0..CALLS {
        black_box(f());
    }
    start.elapsed().as_nanos() as f64 / f64::from(CALLS)
}

criterion_group!(benches, delivery);
criterion_main!(benches);
