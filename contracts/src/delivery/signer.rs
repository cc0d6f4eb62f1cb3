//! Signing Standard Webhooks `v1` requests: the sending side.

use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::Mac;

use super::signature::signed_content_mac;
use super::webhook_id::WebhookId;
use super::{Envelope, WebhookSecret, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use crate::inbound::hmac_sha256::unix_secs;
use crate::inbound::Headers;

/// Signs webhooks the Standard Webhooks way: the mirror image of [`Verifier`], for senders (the
/// sandbox, a host that relays deliveries, tests).
///
/// [`Verifier`]: super::Verifier
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
