//! The Standard Webhooks `v1` scheme: HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::WebhookSecret;

pub(super) type HmacSha256 = Hmac<Sha256>;

/// Length in bytes of an HMAC-SHA256 tag.
pub(super) const TAG_LEN: usize = 32;

/// The MAC state after hashing `{id}.{timestamp}.{body}`.
pub(super) fn signed_content_mac(secret: &WebhookSecret, id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; the fallback is unreachable and still never panics.
    let mut mac = HmacSha256::new_from_slice(secret.key()).unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Whole seconds since the Unix epoch (negative before it).
pub(super) fn unix_secs(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn unix_secs_before_the_epoch_is_negative() {
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(5)), -5);
        assert_eq!(unix_secs(UNIX_EPOCH + Duration::from_millis(5_999)), 5);
    }
}
