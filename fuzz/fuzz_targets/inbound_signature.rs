//! Inbound vendor signatures (Shopify, Typeform, Calendly) with arbitrary headers, body and secret.
//!
//! Input: 19 control bytes (scheme, tolerance, header-name spelling, signing time and clock as
//! little-endian `i64` seconds), then the secret, a zero byte, the signature header's value, a zero
//! byte, the body.
//!
//! Properties: verification never panics, whatever the header; an empty secret never verifies; a
//! signature made with `sign` verifies over the same body (within the tolerance, for Calendly, with
//! the exact age reported otherwise) and is a mismatch over any other body; extra entries after a
//! genuine Calendly signature never turn it into a mismatch.

#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use loop_contracts::inbound::{SignatureError, SignatureScheme, SigningSecret};

fn time(secs: i64) -> SystemTime {
    let magnitude = Duration::from_secs(secs.unsigned_abs());
    let time = if secs >= 0 { UNIX_EPOCH.checked_add(magnitude) } else { UNIX_EPOCH.checked_sub(magnitude) };
    time.unwrap_or(UNIX_EPOCH)
}

fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 19 {
        return;
    }
    let (control, rest) = data.split_at(19);
    let tolerance = [0, 1, 180, u64::MAX][usize::from(control[1] % 4)];
    let scheme = match control[0] % 3 {
        0 => SignatureScheme::Shopify,
        1 => SignatureScheme::Typeform,
        _ => SignatureScheme::Calendly { tolerance: Duration::from_secs(tolerance) },
    };
    let name = match control[2] % 3 {
        0 => scheme.header_name().to_owned(),
        1 => scheme.header_name().to_ascii_lowercase(),
        _ => scheme.header_name().to_ascii_uppercase(),
    };
    let signed_at = time(i64::from_le_bytes(control[3..11].try_into().unwrap()));
    let now = time(i64::from_le_bytes(control[11..19].try_into().unwrap()));

    let mut parts = rest.splitn(3, |&b| b == 0);
    let secret_bytes = parts.next().unwrap_or_default();
    let value = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default();
    let secret = SigningSecret::new(secret_bytes);
    assert_eq!(format!("{secret:?}"), "SigningSecret([REDACTED])");

    // Whatever the header says.
    let verdict = scheme.verify_at(&secret, &[(name.as_str(), value.as_str())], body, now);
    if secret_bytes.is_empty() {
        assert!(verdict.is_err(), "an empty secret verified");
    }
    if let Err(err) = &verdict {
        let _ = err.to_string();
    }
    assert_eq!(
        scheme.verify_at(&secret, &[("X-Other", value.as_str())], body, now).unwrap_err(),
        SignatureError::Missing { header: scheme.header_name() }
    );

    // A genuine signature.
    let (signed_name, signed_value) = scheme.sign(&secret, body, signed_at);
    assert_eq!(signed_name, scheme.header_name());
    let genuine = scheme.verify_at(&secret, &[(name.as_str(), signed_value.as_str())], body, now);
    if secret_bytes.is_empty() {
        assert_eq!(genuine, Err(SignatureError::EmptySecret));
        return;
    }
    match scheme {
        SignatureScheme::Calendly { tolerance } => {
            let (signed, clock, tolerance_secs) = (unix_secs(signed_at), unix_secs(now), tolerance.as_secs());
            let expected = if clock >= signed && clock - signed > tolerance_secs {
                Err(SignatureError::Stale { age_secs: clock - signed, tolerance_secs })
            } else if signed > clock && signed - clock > tolerance_secs {
                Err(SignatureError::FromTheFuture { ahead_secs: signed - clock, tolerance_secs })
            } else {
                Ok(())
            };
            assert_eq!(genuine, expected);
            // More entries after the genuine ones: never a mismatch.
            let extended = format!("{signed_value},{value}");
            let verdict = scheme.verify_at(&secret, &[(name.as_str(), extended.as_str())], body, now);
            assert!(verdict == expected || matches!(verdict, Err(SignatureError::Malformed { .. })), "{verdict:?}");
        }
        _ => assert_eq!(genuine, Ok(()), "a genuine signature did not verify"),
    }
    let mut other = body.to_vec();
    other.push(b' ');
    let tampered = scheme.verify_at(&secret, &[(name.as_str(), signed_value.as_str())], &other, now);
    assert_eq!(tampered, Err(SignatureError::Mismatch), "a signature verified over another body");
});
