//! Verifying Standard Webhooks `v1` signatures: the receiving side.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::digest::CtOutput;
use hmac::Mac;

use super::signature::signed_content_mac;
use super::webhook_id::{check_id, WebhookId};
use super::{DeliveryError, WebhookSecret, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use crate::inbound::hmac_sha256::{self, unix_secs, HmacSha256, Skew, TAG_LEN};
use crate::inbound::Headers;

/// The most digits of a `webhook-timestamp` value: every `i64` fits.
const MAX_TIMESTAMP_DIGITS: usize = 19;
/// The most bytes of a `webhook-signature` value: room for forty `v1` entries (47 bytes each), far
/// more than any rotation needs. Longer values are refused before anything is decoded or hashed.
const MAX_SIGNATURE_LEN: usize = 2048;

/// What a [`Verifier`] established: the request was signed by a holder of one of the secrets, at a
/// time within the tolerance.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use loop_contracts::delivery::{Verifier, WebhookSecret};
///
/// // The Standard Webhooks reference libraries' own test vector.
/// let verifier = Verifier::new(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
/// let headers = [
///     ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
///     ("webhook-timestamp", "1614265330"),
///     ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
/// ];
/// let now = UNIX_EPOCH + Duration::from_secs(1_614_265_330);
/// let verified = verifier.verify_at(&headers, br#"{"test": 2432232314}"#, now)?;
/// assert_eq!(verified.webhook_id.as_str(), "msg_p5jXN8AQM9LWM0D4loKWxJek");
/// assert_eq!(verified.timestamp.timestamp(), 1_614_265_330);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedWebhook {
    /// The `webhook-id`: deduplicate on it.
    pub webhook_id: WebhookId,
    /// The `webhook-timestamp`: when this attempt was signed (each retry is signed anew).
    pub timestamp: DateTime<Utc>,
}

/// Verifies Standard Webhooks `v1` signatures on raw request bodies.
///
/// - Headers `webhook-id`, `webhook-timestamp`, `webhook-signature`, found with [`Headers`] (any
///   case, first occurrence; spaces and tabs around a value are dropped, as HTTP does). Each value
///   is checked for length before anything else is done with it: an id of at most 256 visible ASCII
///   bytes, a timestamp of 1 to 19 ASCII digits (Unix seconds; no sign, no fraction), a signature
///   list of at most 2 KiB.
/// - The signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`, the timestamp hashed as
///   received; the body must be the bytes exactly as they arrived (re-serialised JSON does not
///   verify).
/// - The signature header is a space-separated list of `<version>,<base64>` entries. Entries of other
///   versions (`v1a`, `v2`) and `v1` entries that are not the standard base64 of 32 bytes are
///   skipped; one `v1` entry that matches any of the secrets is enough (several entries and several
///   secrets are how keys rotate). Tags are compared in constant time.
/// - The signature is checked before the timestamp, so [`DeliveryError::TimestampTooOld`] and
///   [`DeliveryError::TimestampTooNew`] only ever describe a request the sender really signed (a
///   replay or a skewed clock), never a forgery. The tolerance applies in both directions and its
///   edge is inclusive (300 s old passes, 301 s does not), as in the reference libraries.
///
/// ```
/// use loop_contracts::delivery::{DeliveryError, Signer, Verifier, WebhookId, WebhookSecret};
///
/// let old = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let new = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
/// // During a rotation the receiver accepts both secrets.
/// let verifier = Verifier::new(new.clone()).with_secret(old.clone());
///
/// let body = br#"{"type":"message.sent.v1"}"#;
/// let headers = Signer::new(old).sign_now(&WebhookId::new("msg_1")?, body);
/// assert!(verifier.verify(&headers, body).is_ok());
/// assert_eq!(
///     verifier.verify(&headers, br#"{"type": "message.sent.v1"}"#).unwrap_err(),
///     DeliveryError::InvalidSignature { v1_entries: 1 },
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Vec<WebhookSecret>,
    tolerance: Duration,
}

impl Verifier {
    /// Five minutes: the tolerance of every Standard Webhooks reference library.
    ///
    /// ```
    /// use loop_contracts::delivery::Verifier;
    ///
    /// assert_eq!(Verifier::DEFAULT_TOLERANCE.as_secs(), 300);
    /// ```
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

    /// A verifier with one secret and [`Verifier::DEFAULT_TOLERANCE`].
    ///
    /// ```
    /// use loop_contracts::delivery::{Verifier, WebhookSecret};
    ///
    /// let verifier = Verifier::new(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
    /// assert_eq!(verifier.secret_count(), 1);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn new(secret: WebhookSecret) -> Self {
        Self { secrets: vec![secret], tolerance: Self::DEFAULT_TOLERANCE }
    }

    /// Also accepts signatures made with `secret` (key rotation: keep the old secret until every
    /// sender has moved to the new one).
    ///
    /// ```
    /// use loop_contracts::delivery::{Verifier, WebhookSecret};
    ///
    /// let verifier = Verifier::new(WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?)
    ///     .with_secret(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
    /// assert_eq!(verifier.secret_count(), 2);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn with_secret(mut self, secret: WebhookSecret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// How far the signed timestamp may be from the clock, either way (whole seconds; a fraction is
    /// ignored).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::delivery::{Verifier, WebhookSecret};
    ///
    /// let secret = WebhookSecret::from_bytes([42; 32])?;
    /// let verifier = Verifier::new(secret).with_tolerance(Duration::from_secs(60));
    /// assert_eq!(verifier.tolerance(), Duration::from_secs(60));
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The tolerance.
    ///
    /// ```
    /// use loop_contracts::delivery::{Verifier, WebhookSecret};
    ///
    /// let verifier = Verifier::new(WebhookSecret::from_bytes([42; 32])?);
    /// assert_eq!(verifier.tolerance(), Verifier::DEFAULT_TOLERANCE);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// How many secrets are accepted.
    ///
    /// ```
    /// use loop_contracts::delivery::{Verifier, WebhookSecret};
    ///
    /// assert_eq!(Verifier::new(WebhookSecret::from_bytes([42; 32])?).secret_count(), 1);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }

    /// Verifies a request against the system clock; see [`Verifier::verify_at`].
    ///
    /// ```
    /// use loop_contracts::delivery::{Signer, Verifier, WebhookId, WebhookSecret};
    ///
    /// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let body = br#"{"type":"message.sent.v1"}"#;
    /// let headers = Signer::new(secret.clone()).sign_now(&WebhookId::new("msg_1")?, body);
    /// let verified = Verifier::new(secret).verify(&headers, body)?;
    /// assert_eq!(verified.webhook_id.as_str(), "msg_1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(&self, headers: &(impl Headers + ?Sized), body: &[u8]) -> Result<VerifiedWebhook, DeliveryError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// Verifies a request, taking `now` as the current time (tests fix the clock with it).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use loop_contracts::delivery::{DeliveryError, Verifier, WebhookSecret};
    ///
    /// let verifier = Verifier::new(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
    /// let headers = [
    ///     ("Webhook-Id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
    ///     ("Webhook-Timestamp", "1614265330"),
    ///     ("Webhook-Signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    /// ];
    /// let body = br#"{"test": 2432232314}"#;
    /// let signed_at = UNIX_EPOCH + Duration::from_secs(1_614_265_330);
    /// assert!(verifier.verify_at(&headers, body, signed_at + Duration::from_secs(300)).is_ok());
    /// assert_eq!(
    ///     verifier.verify_at(&headers, body, signed_at + Duration::from_secs(301)).unwrap_err(),
    ///     DeliveryError::TimestampTooOld { age_secs: 301, tolerance_secs: 300 },
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_at(
        &self,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
        now: SystemTime,
    ) -> Result<VerifiedWebhook, DeliveryError> {
        let id = required(headers, WEBHOOK_ID)?;
        check_id(id)?;
        let timestamp_text = required(headers, WEBHOOK_TIMESTAMP)?;
        let (timestamp, signed_at) = parse_timestamp(timestamp_text)?;
        let signatures = required(headers, WEBHOOK_SIGNATURE)?;
        if signatures.len() > MAX_SIGNATURE_LEN {
            return Err(DeliveryError::MalformedHeader { header: WEBHOOK_SIGNATURE, reason: "longer than 2048 bytes" });
        }

        let candidates: Vec<CtOutput<HmacSha256>> = v1_tags(signatures).collect();
        let matched = self.secrets.iter().any(|secret| {
            let tag = signed_content_mac(secret, id, timestamp_text, body).finalize();
            // `CtOutput`'s equality is constant-time; every candidate is compared.
            candidates.iter().fold(false, |found, candidate| found | (*candidate == tag))
        });
        if !matched {
            return Err(DeliveryError::InvalidSignature { v1_entries: candidates.len() });
        }

        check_freshness(timestamp, unix_secs(now), self.tolerance.as_secs())?;
        Ok(VerifiedWebhook { webhook_id: WebhookId(id.to_owned()), timestamp: signed_at })
    }
}

/// The value of a required header, without surrounding spaces and tabs.
fn required<'h>(headers: &'h (impl Headers + ?Sized), name: &'static str) -> Result<&'h str, DeliveryError> {
    headers.header(name).map(|v| v.trim_matches([' ', '\t'])).ok_or(DeliveryError::MissingHeader { header: name })
}

/// `webhook-timestamp`: 1 to 19 ASCII digits of Unix seconds, within chrono's range.
fn parse_timestamp(text: &str) -> Result<(i64, DateTime<Utc>), DeliveryError> {
    let malformed = |reason| DeliveryError::MalformedHeader { header: WEBHOOK_TIMESTAMP, reason };
    if text.is_empty() || text.len() > MAX_TIMESTAMP_DIGITS || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("not integer Unix seconds"));
    }
    let secs: i64 = text.parse().map_err(|_| malformed("not integer Unix seconds"))?;
    let at = DateTime::from_timestamp(secs, 0).ok_or_else(|| malformed("out of range"))?;
    Ok((secs, at))
}

/// The `v1` entries of a signature list that can be tags: standard base64 of exactly 32 bytes.
fn v1_tags(list: &str) -> impl Iterator<Item = CtOutput<HmacSha256>> + '_ {
    list.split(' ').filter_map(|entry| {
        let (version, encoded) = entry.split_once(',')?;
        if version != "v1" || encoded.len() != 44 {
            return None;
        }
        // One spare byte: the decoder sizes its output check from the encoded length.
        let mut buf = [0u8; TAG_LEN + 1];
        match BASE64.decode_slice(encoded, &mut buf) {
            Ok(TAG_LEN) => {
                let mut tag = [0u8; TAG_LEN];
                tag.copy_from_slice(&buf[..TAG_LEN]);
                Some(CtOutput::new(tag.into()))
            }
            _ => None,
        }
    })
}

fn check_freshness(signed: i64, now: i64, tolerance_secs: u64) -> Result<(), DeliveryError> {
    hmac_sha256::check_freshness(i128::from(signed), i128::from(now), tolerance_secs).map_err(|skew| match skew {
        Skew::Old { age_secs } => DeliveryError::TimestampTooOld { age_secs, tolerance_secs },
        Skew::Ahead { ahead_secs } => DeliveryError::TimestampTooNew { ahead_secs, tolerance_secs },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_is_inclusive_and_saturates() {
        assert_eq!(check_freshness(1000, 1300, 300), Ok(()));
        assert_eq!(check_freshness(1000, 700, 300), Ok(()));
        assert_eq!(
            check_freshness(1000, 1301, 300),
            Err(DeliveryError::TimestampTooOld { age_secs: 301, tolerance_secs: 300 })
        );
        assert_eq!(
            check_freshness(1000, 699, 300),
            Err(DeliveryError::TimestampTooNew { ahead_secs: 301, tolerance_secs: 300 })
        );
        assert!(check_freshness(i64::MAX, i64::MIN, u64::MAX).is_ok());
        assert_eq!(
            check_freshness(i64::MAX, i64::MIN, 0),
            Err(DeliveryError::TimestampTooNew { ahead_secs: u64::MAX, tolerance_secs: 0 })
        );
    }

    #[test]
    fn timestamps_are_bare_digits_in_range() {
        assert_eq!(parse_timestamp("0").unwrap().0, 0);
        assert_eq!(parse_timestamp("0001614265330").unwrap().0, 1_614_265_330);
        for bad in ["", "+1", "-1", "1.5", " 1", "1e9", "９", "99999999999999999999", "9223372036854775807"] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_well_formed_v1_entries_are_candidates() {
        let tag = BASE64.encode([7u8; 32]);
        let list = format!("v1,{tag}  v1a,{tag} v2,{tag} v1,{} v1 ,{tag} v1,{tag}= v1,{tag}", &tag[1..]);
        assert_eq!(v1_tags(&list).count(), 2);
        assert_eq!(v1_tags("").count(), 0);
        assert_eq!(v1_tags("v1,").count(), 0);
    }
}
