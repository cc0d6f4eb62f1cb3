//! API keys parsed from arbitrary text; what is shown of a key never contains its secret part.
//!
//! Input: a selector byte (a prefix to put in front: none, `lk_live_`, `lk_test_` or `lk_dev_`),
//! then the text (bytes that are not UTF-8 are read lossily).
//!
//! Properties: parsing never panics; an accepted key's `Display`, `Debug` and `{:#?}` are exactly
//! the scope's prefix and the fingerprint, and never contain the secret part; the key round-trips
//! through `expose_secret`; an error's `Display` and `Debug` are one of the fixed messages with
//! numbers filled in, so no part of the text can appear in them.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use loop_contracts::api_key::{ApiKey, ApiKeyError};

/// Every error's `Display` and `Debug`, digits removed.
static ERROR_SHAPES: LazyLock<Vec<String>> = LazyLock::new(|| {
    [
        ApiKeyError::Empty,
        ApiKeyError::MissingPrefix,
        ApiKeyError::UnknownPrefix,
        ApiKeyError::TooShort { len: 0 },
        ApiKeyError::TooLong { len: 0 },
        ApiKeyError::BadCharacter { position: 0 },
    ]
    .iter()
    .flat_map(|e| [without_digits(&e.to_string()), without_digits(&format!("{e:?}"))])
    .collect()
});

fn without_digits(s: &str) -> String {
    s.chars().filter(|c| !c.is_ascii_digit()).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let prefix = ["", "lk_live_", "lk_test_", "lk_dev_"][usize::from(selector % 4)];
    let text = format!("{prefix}{}", String::from_utf8_lossy(rest));

    match ApiKey::parse(&text) {
        Ok(key) => {
            let scope_prefix = key.scope().prefix();
            let secret = text.strip_prefix(scope_prefix).expect("the key starts with its scope's prefix");
            assert!(secret.len() >= ApiKey::MIN_SECRET_LEN && secret.len() <= ApiKey::MAX_SECRET_LEN);
            let fingerprint = key.fingerprint();
            assert!(fingerprint.len() == 8 && fingerprint.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
            let display = key.to_string();
            assert_eq!(display, format!("{scope_prefix}[REDACTED {fingerprint}]"));
            assert_eq!(format!("{key:?}"), format!("ApiKey({display})"));
            for shown in [display.clone(), format!("{key:?}"), format!("{key:#?}"), format!("{:?}", Some(&key))] {
                assert!(!shown.contains(secret), "{shown:?} shows the secret");
            }
            assert!(ApiKey::parse(&display).is_err(), "the redacted form parses as a key");
            assert_eq!(key.expose_secret(), text);
            let again: ApiKey = key.expose_secret().parse().expect("an exposed key parses");
            assert_eq!(again, key);
            assert_eq!(again.fingerprint(), fingerprint);
        }
        Err(err) => {
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(ERROR_SHAPES.contains(&without_digits(&shown)), "unexpected error text {shown:?}");
            }
        }
    }
});
