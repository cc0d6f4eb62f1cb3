//! What every webhook signature here shares: HMAC-SHA256 tags, and signed Unix timestamps checked
//! against a tolerance. The vendors' schemes ([`SignatureScheme`](super::SignatureScheme)) and the
//! Standard Webhooks one of the `delivery` module both use it; `delivery` depends on `inbound`, never
//! the reverse, so this lives here.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::Hmac;
use secrecy::SecretSlice;
use sha2::Sha256;
use zeroize::Zeroizing;

/// HMAC with SHA-256, the only MAC any scheme here uses.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Length in bytes of an HMAC-SHA256 tag.
pub(crate) const TAG_LEN: usize = 32;

/// An HMAC key held for as long as its owner lives: zeroed on drop, `[REDACTED]` in `Debug`.
pub(crate) type SecretKey = SecretSlice<u8>;

/// `bytes` as a [`SecretKey`], and `bytes` zeroed, its spare capacity included. The key is copied
/// into a box of exactly its length: `SecretSlice::from(Vec)` would shrink the vector in place,
/// which may move it and free the old allocation without zeroing it.
pub(crate) fn secret_key(bytes: Vec<u8>) -> SecretKey {
    let bytes = Zeroizing::new(bytes);
    SecretKey::from(Box::<[u8]>::from(bytes.as_slice()))
}

/// How a signed timestamp lies outside the tolerance; each scheme turns it into its own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skew {
    /// Older than the tolerance allows (a replay, or a slow clock here), by this many whole seconds.
    Old {
        /// How old the timestamp is.
        age_secs: u64,
    },
    /// Further ahead than the tolerance allows (a fast clock somewhere).
    Ahead {
        /// How far ahead the timestamp is.
        ahead_secs: u64,
    },
}

/// Whether `signed` is within `tolerance_secs` of `now`, in both directions; the edge is inclusive
/// (a timestamp exactly `tolerance_secs` old passes), as in the Standard Webhooks reference
/// libraries. Both times are Unix seconds; a distance beyond `u64` saturates.
pub(crate) fn check_freshness(signed: i128, now: i128, tolerance_secs: u64) -> Result<(), Skew> {
    let age = now - signed;
    let tolerance = i128::from(tolerance_secs);
    let secs = |d: i128| u64::try_from(d).unwrap_or(u64::MAX);
    if age > tolerance {
        Err(Skew::Old { age_secs: secs(age) })
    } else if -age > tolerance {
        Err(Skew::Ahead { ahead_secs: secs(-age) })
    } else {
        Ok(())
    }
}

/// Whole seconds since the Unix epoch (negative before it).
pub(crate) fn unix_secs(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn a_secret_key_is_the_bytes_and_zeroed_on_drop() {
        fn zeroed_on_drop<T: zeroize::ZeroizeOnDrop + ?Sized>(_: &T) {}
        let mut spacious = Vec::with_capacity(100);
        spacious.extend_from_slice(b"the key");
        let key = secret_key(spacious);
        zeroed_on_drop(&key);
        assert_eq!(key.expose_secret(), b"the key");
        assert_eq!(secret_key(Vec::new()).expose_secret(), b"");
        assert!(!format!("{key:?}").contains("the key"));
    }

    #[test]
    fn unix_secs_before_the_epoch_is_negative() {
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(5)), -5);
        assert_eq!(unix_secs(UNIX_EPOCH + Duration::from_millis(5_999)), 5);
    }

    #[test]
    fn freshness_is_inclusive_both_ways_and_saturates() {
        assert_eq!(check_freshness(1000, 1300, 300), Ok(()));
        assert_eq!(check_freshness(1000, 700, 300), Ok(()));
        assert_eq!(check_freshness(1000, 1301, 300), Err(Skew::Old { age_secs: 301 }));
        assert_eq!(check_freshness(1000, 699, 300), Err(Skew::Ahead { ahead_secs: 301 }));
        let (max, min) = (i128::from(u64::MAX), -i128::from(u64::MAX));
        assert_eq!(check_freshness(max, min, 0), Err(Skew::Ahead { ahead_secs: u64::MAX }));
    }
}
