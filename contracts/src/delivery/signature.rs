//! The Standard Webhooks `v1` scheme: HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`.

use hmac::Mac;

use super::WebhookSecret;
use crate::inbound::hmac_sha256::HmacSha256;

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
