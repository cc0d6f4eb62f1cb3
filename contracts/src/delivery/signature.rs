//! The Standard Webhooks `v1` scheme: HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::digest::CtOutput;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::{DeliveryError, Envelope, WebhookSecret, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use crate::inbound::Headers;

type HmacSha256 = Hmac<Sha256>;

/// Length in bytes of an HMAC-SHA256 tag.
const TAG_LEN: usize = 32;
/// The most bytes of a `webhook-id` value (Standard Webhooks ids are `msg_` and a few dozen more).
const MAX_ID_LEN: usize = 256;
/// The most digits of a `webhook-timestamp` value: every `i64` fits.
const MAX_TIMESTAMP_DIGITS: usize = 19;
/// The most bytes of a `webhook-signature` value: room for forty `v1` entries (47 bytes each), far
/// more than any rotation needs. Longer values are refused before anything is decoded or hashed.
const MAX_SIGNATURE_LEN: usize = 2048;

/// A `webhook-id`: the message's identifier, the same on every retry of one delivery, and so the
/// key a receiver deduplicates on.
///
/// It is 1 to 256 bytes of visible ASCII (`!` to `~`: no spaces or control characters), which
/// [`WebhookId::new`] checks, so that a [`Signer`] cannot produce headers a [`Verifier`] refuses.
/// It dereferences to `str`.
///
/// ```
/// use loop_contracts::delivery::WebhookId;
///
/// let id = WebhookId::new("msg_p5jXN8AQM9LWM0D4loKWxJek")?;
/// assert_eq!(id.as_str(), "msg_p5jXN8AQM9LWM0D4loKWxJek");
/// assert!(id.starts_with("msg_"));
/// assert!(WebhookId::new("msg with spaces").is_err());
/// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookId(String);

impl WebhookId {
    /// Checks and wraps an id; the error is [`DeliveryError::MalformedHeader`] for `webhook-id`.
    ///
    /// ```
    /// use loop_contracts::delivery::{DeliveryError, WebhookId};
    ///
    /// assert!(WebhookId::new("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W").is_ok());
    /// assert_eq!(
    ///     WebhookId::new(""),
    ///     Err(DeliveryError::MalformedHeader { header: "webhook-id", reason: "empty" }),
    /// );
    /// ```
    pub fn new(id: impl Into<String>) -> Result<Self, DeliveryError> {
        let id = id.into();
        check_id(&id)?;
        Ok(Self(id))
    }

    /// The id a sender uses for the delivery of an event: `msg_` and the event's `eventId` as 32
    /// hex digits. Deterministic, so every retry of one event to one endpoint carries the same id.
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookId;
    ///
    /// let event_id = "550e8400-e29b-41d4-a716-446655440000".parse().unwrap();
    /// assert_eq!(WebhookId::for_event(event_id).as_str(), "msg_550e8400e29b41d4a716446655440000");
    /// ```
    pub fn for_event(event_id: Uuid) -> Self {
        Self(format!("msg_{}", event_id.simple()))
    }

    /// The id as text.
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookId;
    ///
    /// assert_eq!(WebhookId::new("msg_1")?.as_str(), "msg_1");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned `String`.
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookId;
    ///
    /// let text: String = WebhookId::new("msg_1")?.into_string();
    /// assert_eq!(text, "msg_1");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for WebhookId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for WebhookId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for WebhookId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_id(id: &str) -> Result<(), DeliveryError> {
    let malformed = |reason| DeliveryError::MalformedHeader { header: WEBHOOK_ID, reason };
    if id.is_empty() {
        return Err(malformed("empty"));
    }
    if id.len() > MAX_ID_LEN {
        return Err(malformed("longer than 256 bytes"));
    }
    if !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed("not visible ASCII"));
    }
    Ok(())
}

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

/// The MAC state after hashing `{id}.{timestamp}.{body}`.
fn signed_content_mac(secret: &WebhookSecret, id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; the fallback is unreachable and still never panics.
    let mut mac = HmacSha256::new_from_slice(secret.key()).unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn check_freshness(signed: i64, now: i64, tolerance_secs: u64) -> Result<(), DeliveryError> {
    let age = i128::from(now) - i128::from(signed);
    let tolerance = i128::from(tolerance_secs);
    let secs = |d: i128| u64::try_from(d).unwrap_or(u64::MAX);
    if age > tolerance {
        Err(DeliveryError::TimestampTooOld { age_secs: secs(age), tolerance_secs })
    } else if -age > tolerance {
        Err(DeliveryError::TimestampTooNew { ahead_secs: secs(-age), tolerance_secs })
    } else {
        Ok(())
    }
}

/// Whole seconds since the Unix epoch (negative before it).
fn unix_secs(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Signs webhooks the Standard Webhooks way: the mirror image of [`Verifier`], for senders (the
/// sandbox, a host that relays deliveries, tests).
///
/// With several secrets, every request carries one `v1` entry per secret, so receivers that know
/// either the old or the new secret accept it during a rotation.
///
/// ```
/// use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};
///
/// // The Standard Webhooks reference libraries' own test vector.
/// let signer = Signer::new(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
/// let headers = signer.sign(&WebhookId::new("msg_p5jXN8AQM9LWM0D4loKWxJek")?, 1_614_265_330, br#"{"test": 2432232314}"#);
/// assert_eq!(headers.signature(), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Signer {
    secrets: Vec<WebhookSecret>,
}

impl Signer {
    /// A signer with one secret.
    ///
    /// ```
    /// use loop_contracts::delivery::{Signer, WebhookSecret};
    ///
    /// let signer = Signer::new(WebhookSecret::from_bytes([42; 32])?);
    /// # let _ = signer;
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn new(secret: WebhookSecret) -> Self {
        Self { secrets: vec![secret] }
    }

    /// Also signs with `secret` (one more `v1` entry per request).
    ///
    /// ```
    /// use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};
    ///
    /// let signer = Signer::new(WebhookSecret::from_bytes([1; 32])?).with_secret(WebhookSecret::from_bytes([2; 32])?);
    /// let headers = signer.sign(&WebhookId::new("msg_1")?, 1_700_000_000, b"{}");
    /// assert_eq!(headers.signature().split(' ').count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_secret(mut self, secret: WebhookSecret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// The three headers for `body` sent as message `id` at `timestamp` (Unix seconds).
    ///
    /// ```
    /// use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};
    ///
    /// let signer = Signer::new(WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?);
    /// let id = WebhookId::new("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk")?;
    /// let headers = signer.sign(&id, 1_649_367_553, br#"{"email":"test@example.com","username":"test_user"}"#);
    /// assert_eq!(headers.signature(), "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    /// assert_eq!(headers.timestamp(), 1_649_367_553);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(&self, id: &WebhookId, timestamp: u64, body: &[u8]) -> WebhookHeaders {
        let timestamp_text = timestamp.to_string();
        let signature = self
            .secrets
            .iter()
            .map(|secret| {
                let tag = signed_content_mac(secret, id, &timestamp_text, body).finalize().into_bytes();
                format!("v1,{}", BASE64.encode(tag))
            })
            .collect::<Vec<_>>()
            .join(" ");
        WebhookHeaders { id: id.clone(), timestamp, timestamp_text, signature }
    }

    /// [`Signer::sign`] at the system clock's current second.
    ///
    /// ```
    /// use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};
    ///
    /// let signer = Signer::new(WebhookSecret::from_bytes([42; 32])?);
    /// let headers = signer.sign_now(&WebhookId::new("msg_1")?, b"{}");
    /// assert!(headers.timestamp() > 1_700_000_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_now(&self, id: &WebhookId, body: &[u8]) -> WebhookHeaders {
        self.sign(id, u64::try_from(unix_secs(SystemTime::now())).unwrap_or(0), body)
    }

    /// Serialises an envelope and signs it: the body and headers of one delivery attempt. The id
    /// is [`WebhookId::for_event`] of the event's `eventId`, so every attempt of one event carries
    /// the same id; sign each attempt anew with its own `timestamp`.
    ///
    /// ```
    /// use loop_contracts::catalog::MessageSent;
    /// use loop_contracts::delivery::{Envelope, Receiver, Signer, Verifier, WebhookSecret};
    /// use loop_contracts::Event;
    ///
    /// let sent = MessageSent::from_json_slice(br#"{
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
    ///     "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "email", "recipient": "ana@example.com"
    /// }"#)?;
    /// let secret = WebhookSecret::from_bytes([42; 32])?;
    /// let signed = Signer::new(secret.clone()).sign_envelope(&Envelope::new(sent), 1_779_192_000);
    /// assert_eq!(signed.headers.id().as_str(), "msg_550e8400e29b41d4a716446655440000");
    /// assert!(signed.body.starts_with(br#"{"type":"message.sent.v1","timestamp":"2026-05-19T12:00:00Z","data":{"#));
    ///
    /// let receiver = Receiver::new(Verifier::new(secret));
    /// let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_779_192_000);
    /// assert!(receiver.receive_at(&signed.headers, &signed.body, now).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_envelope(&self, envelope: &Envelope, timestamp: u64) -> SignedWebhook {
        let body = envelope.to_vec();
        let headers = self.sign(&WebhookId::for_event(envelope.event.event_id()), timestamp, &body);
        SignedWebhook { headers, body }
    }
}

/// The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers a [`Signer`] produced.
///
/// It implements [`Headers`] (so it can be verified directly) and iterates as `(name, value)` pairs
/// for an HTTP client.
///
/// ```
/// use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};
///
/// let signer = Signer::new(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
/// let headers = signer.sign(&WebhookId::new("msg_p5jXN8AQM9LWM0D4loKWxJek")?, 1_614_265_330, br#"{"test": 2432232314}"#);
/// let pairs: Vec<(&str, &str)> = headers.iter().collect();
/// assert_eq!(pairs, [
///     ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
///     ("webhook-timestamp", "1614265330"),
///     ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookHeaders {
    id: WebhookId,
    timestamp: u64,
    timestamp_text: String,
    signature: String,
}

impl WebhookHeaders {
    /// The `webhook-id`.
    ///
    /// ```
    /// use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};
    ///
    /// let id = WebhookId::new("msg_1")?;
    /// let headers = Signer::new(WebhookSecret::from_bytes([42; 32])?).sign(&id, 1_700_000_000, b"{}");
    /// assert_eq!(headers.id(), &id);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &WebhookId {
        &self.id
    }

    /// The `webhook-timestamp`, Unix seconds.
    ///
    /// ```
    /// use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};
    ///
    /// let headers = Signer::new(WebhookSecret::from_bytes([42; 32])?).sign(&WebhookId::new("msg_1")?, 1_700_000_000, b"{}");
    /// assert_eq!(headers.timestamp(), 1_700_000_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The `webhook-signature` value: `v1,<base64>` entries separated by spaces.
    ///
    /// ```
    /// use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};
    ///
    /// let headers = Signer::new(WebhookSecret::from_bytes([42; 32])?).sign(&WebhookId::new("msg_1")?, 1_700_000_000, b"{}");
    /// assert!(headers.signature().starts_with("v1,"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The three headers as `(name, value)` pairs, names in lower case.
    ///
    /// ```
    /// use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};
    ///
    /// let headers = Signer::new(WebhookSecret::from_bytes([42; 32])?).sign(&WebhookId::new("msg_1")?, 1_700_000_000, b"{}");
    /// let names: Vec<&str> = headers.iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["webhook-id", "webhook-timestamp", "webhook-signature"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        [
            (WEBHOOK_ID, self.id.as_str()),
            (WEBHOOK_TIMESTAMP, &self.timestamp_text),
            (WEBHOOK_SIGNATURE, &self.signature),
        ]
        .into_iter()
    }
}

impl Headers for WebhookHeaders {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }
}

/// One signed delivery attempt: the body and its headers ([`Signer::sign_envelope`]).
///
/// ```
/// use loop_contracts::catalog::MessageOpened;
/// use loop_contracts::delivery::{Envelope, Signer, WebhookSecret};
/// use loop_contracts::Event;
///
/// let opened = MessageOpened::from_json_slice(br#"{
///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
///     "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "email", "recipient": "ana@example.com"
/// }"#)?;
/// let signed = Signer::new(WebhookSecret::from_bytes([42; 32])?).sign_envelope(&Envelope::new(opened), 1_779_192_000);
/// let request: Vec<(&str, &str)> = signed.headers.iter().collect();
/// assert_eq!(request.len(), 3);
/// assert!(!signed.body.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedWebhook {
    /// The headers to send.
    pub headers: WebhookHeaders,
    /// The body to send, byte for byte.
    pub body: Vec<u8>,
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

    #[test]
    fn unix_secs_before_the_epoch_is_negative() {
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(5)), -5);
        assert_eq!(unix_secs(UNIX_EPOCH + Duration::from_millis(5_999)), 5);
    }
}
