//! The framework-free receiver and the in-memory deduplicator.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use chrono::{DateTime, Utc};

use super::{DeliveryError, DeliveryEvent, Envelope, Verifier, WebhookId};
use crate::inbound::Headers;

/// A verified, typed delivery webhook.
///
/// ```
/// use loop_contracts::delivery::{Delivery, DeliveryEvent};
///
/// fn handle(delivery: &Delivery) -> String {
///     match &delivery.event {
///         DeliveryEvent::MessageBounced(bounce) => format!("stop mailing {}", bounce.recipient),
///         other => format!("{} for message {}", other.name(), other.message_id()),
///     }
/// }
/// # let _ = handle;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// The `webhook-id`: the same on every retry of this delivery. Deduplicate on it.
    pub webhook_id: WebhookId,
    /// The `webhook-timestamp`: when this attempt was signed.
    pub timestamp: DateTime<Utc>,
    /// The envelope's `timestamp`: when the event occurred.
    pub event_timestamp: DateTime<Utc>,
    /// The event.
    pub event: DeliveryEvent,
}

/// Receives delivery webhooks without a web framework: headers and raw body in, a verified, typed
/// [`Delivery`] out.
///
/// The signature is verified on the raw bytes first ([`Verifier`]); only then is the body parsed
/// ([`Envelope::from_slice`]). Answer the request with [`DeliveryError::http_status`] on error and
/// a 2xx otherwise, then deduplicate on [`Delivery::webhook_id`]: the platform retries a delivery
/// whose answer it did not get, with the same id (see [`Deduplicator`]).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use loop_contracts::delivery::{DeliveryEvent, Receiver, Verifier, WebhookSecret};
///
/// // Once, at start-up.
/// let receiver = Receiver::new(Verifier::new(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?));
///
/// // Per request: the headers as (name, value) pairs and the body exactly as received.
/// let body = br#"{"type":"message.sent.v1","timestamp":"2026-05-19T12:00:00Z","data":{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","messageId":"9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d","channel":"email","recipient":"ana@example.com"}}"#;
/// // Computed independently with openssl: base64(HMAC-SHA256(key, "msg_1.1779192000." + body)).
/// let headers = [
///     ("webhook-id", "msg_1"),
///     ("webhook-timestamp", "1779192000"),
///     ("webhook-signature", "v1,Xg+6+jkTBBLsMZXo0NADwndFGb8vdIkuayZvzE8U0nk="),
/// ];
/// let now = UNIX_EPOCH + Duration::from_secs(1_779_192_010);
/// let delivery = receiver.receive_at(&headers, body, now)?;
/// assert_eq!(delivery.webhook_id.as_str(), "msg_1");
/// let DeliveryEvent::MessageSent(sent) = &delivery.event else { panic!() };
/// assert_eq!(sent.recipient, "ana@example.com");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Receiver {
    verifier: Verifier,
}

impl Receiver {
    /// A receiver that verifies with `verifier`.
    ///
    /// ```
    /// use loop_contracts::delivery::{Receiver, Verifier, WebhookSecret};
    ///
    /// let receiver = Receiver::new(Verifier::new(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?));
    /// assert_eq!(receiver.verifier().secret_count(), 1);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn new(verifier: Verifier) -> Self {
        Self { verifier }
    }

    /// The verifier.
    ///
    /// ```
    /// use loop_contracts::delivery::{Receiver, Verifier, WebhookSecret};
    ///
    /// let receiver = Receiver::new(Verifier::new(WebhookSecret::from_bytes([42; 32])?));
    /// assert_eq!(receiver.verifier().tolerance(), Verifier::DEFAULT_TOLERANCE);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Verifies and parses a delivery webhook against the system clock; see
    /// [`Receiver::receive_at`].
    ///
    /// ```
    /// use loop_contracts::delivery::{DeliveryError, Receiver, Verifier, WebhookSecret};
    ///
    /// let receiver = Receiver::new(Verifier::new(WebhookSecret::from_bytes([42; 32])?));
    /// let err = receiver.receive(&[("content-type", "application/json")], b"{}").unwrap_err();
    /// assert_eq!(err, DeliveryError::MissingHeader { header: "webhook-id" });
    /// assert_eq!(err.http_status(), 400);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn receive(&self, headers: &(impl Headers + ?Sized), body: &[u8]) -> Result<Delivery, DeliveryError> {
        self.receive_at(headers, body, SystemTime::now())
    }

    /// Verifies the signature and timestamp of a request at `now`, then reads its body as an
    /// [`Envelope`] holding a valid delivery event.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use loop_contracts::delivery::{DeliveryError, Receiver, Verifier, WebhookSecret};
    ///
    /// let receiver = Receiver::new(Verifier::new(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?));
    /// // Correctly signed (the reference libraries' vector), but not a delivery envelope.
    /// let headers = [
    ///     ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
    ///     ("webhook-timestamp", "1614265330"),
    ///     ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    /// ];
    /// let now = UNIX_EPOCH + Duration::from_secs(1_614_265_330);
    /// let err = receiver.receive_at(&headers, br#"{"test": 2432232314}"#, now).unwrap_err();
    /// assert!(matches!(err, DeliveryError::MalformedEnvelope { .. }));
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn receive_at(
        &self,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
        now: SystemTime,
    ) -> Result<Delivery, DeliveryError> {
        let verified = self.verifier.verify_at(headers, body, now)?;
        let envelope = Envelope::from_slice(body)?;
        Ok(Delivery {
            webhook_id: verified.webhook_id,
            timestamp: verified.timestamp,
            event_timestamp: envelope.timestamp,
            event: envelope.event,
        })
    }
}

/// A bounded, in-memory record of the webhook ids a receiver has processed, for hosts that run one
/// process.
///
/// The platform may deliver a webhook more than once: it retries when it does not get a 2xx in
/// time, even if the host did process the first attempt (a timeout, a lost connection). Every
/// attempt carries the same `webhook-id`, so processing each id once makes delivery exactly-once:
///
/// 1. [`Deduplicator::claim`] the id before acting on the event. A processed id gives
///    [`Duplicate::Processed`] (answer 2xx: the platform can stop retrying); an id being processed
///    by a concurrent attempt gives [`Duplicate::InFlight`] (answer 409 so that the platform tries
///    again later, in case the first attempt fails).
/// 2. Process the event, then [`Claim::done`]. If processing fails, drop the claim and answer 5xx:
///    the id is released and the retry is processed.
///
/// It remembers the last `capacity` processed ids (oldest forgotten first). Size it to cover the
/// deliveries of the platform's whole retry span (about 13 minutes: 1 s, 5 s, 30 s, 2 min, 10 min).
/// Replays older than the verifier's tolerance are refused by the signed timestamp anyway. A host
/// with several processes, or that must survive restarts, records ids in its database instead,
/// under a unique constraint, in the same transaction as the event's effects.
///
/// ```
/// use loop_contracts::delivery::{Deduplicator, Duplicate, WebhookId};
///
/// let seen = Deduplicator::new(10_000);
/// let id = WebhookId::new("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")?;
///
/// let claim = seen.claim(&id).expect("first attempt");
/// assert_eq!(seen.claim(&id).unwrap_err(), Duplicate::InFlight);
/// // ... act on the event ...
/// claim.done();
/// assert_eq!(seen.claim(&id).unwrap_err(), Duplicate::Processed);
/// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
/// ```
#[derive(Debug)]
pub struct Deduplicator {
    capacity: usize,
    state: Mutex<DedupState>,
}

#[derive(Debug, Default)]
struct DedupState {
    processed: HashSet<Box<str>>,
    order: VecDeque<Box<str>>,
    in_flight: HashSet<Box<str>>,
}

impl Deduplicator {
    /// Remembers up to `capacity` processed ids (at least one).
    ///
    /// ```
    /// use loop_contracts::delivery::Deduplicator;
    ///
    /// let seen = Deduplicator::new(100_000);
    /// assert_eq!(seen.capacity(), 100_000);
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), state: Mutex::new(DedupState::default()) }
    }

    /// How many processed ids it remembers.
    ///
    /// ```
    /// use loop_contracts::delivery::Deduplicator;
    ///
    /// assert_eq!(Deduplicator::new(0).capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Claims `id` for processing, unless it was processed or is being processed.
    ///
    /// ```
    /// use loop_contracts::delivery::{Deduplicator, Duplicate};
    ///
    /// let seen = Deduplicator::new(10);
    /// let claim = seen.claim("msg_1").unwrap();
    /// drop(claim); // processing failed: released
    /// seen.claim("msg_1").unwrap().done();
    /// assert_eq!(seen.claim("msg_1").unwrap_err().http_status(), 200);
    /// ```
    pub fn claim(&self, id: &str) -> Result<Claim<'_>, Duplicate> {
        let mut state = self.lock();
        if state.processed.contains(id) {
            return Err(Duplicate::Processed);
        }
        if !state.in_flight.insert(id.into()) {
            return Err(Duplicate::InFlight);
        }
        Ok(Claim { owner: self, id: Some(id.into()) })
    }

    /// Whether `id` was processed (and is still remembered).
    ///
    /// ```
    /// use loop_contracts::delivery::Deduplicator;
    ///
    /// let seen = Deduplicator::new(10);
    /// seen.claim("msg_1").unwrap().done();
    /// assert!(seen.is_processed("msg_1"));
    /// assert!(!seen.is_processed("msg_2"));
    /// ```
    pub fn is_processed(&self, id: &str) -> bool {
        self.lock().processed.contains(id)
    }

    /// A poisoned lock only means another thread panicked between two consistent states.
    fn lock(&self) -> MutexGuard<'_, DedupState> {
        crate::sync::lock(&self.state)
    }
}

/// The right to process one webhook id, from [`Deduplicator::claim`]. Call [`Claim::done`] once
/// the event is processed; dropping the claim instead releases the id for a retry.
///
/// ```
/// use loop_contracts::delivery::Deduplicator;
///
/// let seen = Deduplicator::new(10);
/// let claim = seen.claim("msg_1").unwrap();
/// assert_eq!(claim.id(), "msg_1");
/// claim.done();
/// ```
#[derive(Debug)]
#[must_use = "call `done()` once the event is processed; dropping the claim releases the id"]
pub struct Claim<'a> {
    owner: &'a Deduplicator,
    id: Option<Box<str>>,
}

impl Claim<'_> {
    /// The claimed id.
    ///
    /// ```
    /// # let seen = loop_contracts::delivery::Deduplicator::new(10);
    /// let claim = seen.claim("msg_1").unwrap();
    /// assert_eq!(claim.id(), "msg_1");
    /// # claim.done();
    /// ```
    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    /// Records the id as processed: later attempts are [`Duplicate::Processed`].
    ///
    /// ```
    /// # use loop_contracts::delivery::{Deduplicator, Duplicate};
    /// let seen = Deduplicator::new(1);
    /// seen.claim("msg_1").unwrap().done();
    /// seen.claim("msg_2").unwrap().done(); // capacity 1: msg_1 is forgotten
    /// assert!(seen.claim("msg_1").is_ok());
    /// ```
    pub fn done(mut self) {
        let Some(id) = self.id.take() else { return };
        let mut state = self.owner.lock();
        state.in_flight.remove(&id);
        if state.processed.insert(id.clone()) {
            state.order.push_back(id);
            while state.order.len() > self.owner.capacity {
                if let Some(oldest) = state.order.pop_front() {
                    state.processed.remove(&oldest);
                }
            }
        }
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.owner.lock().in_flight.remove(&id);
        }
    }
}

/// Why [`Deduplicator::claim`] refused an id.
///
/// ```
/// use loop_contracts::delivery::Duplicate;
///
/// assert_eq!(Duplicate::Processed.http_status(), 200);
/// assert_eq!(Duplicate::InFlight.http_status(), 409);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Duplicate {
    /// The id was processed already: acknowledge the redelivery without acting on it.
    #[error("webhook already processed")]
    Processed,
    /// Another attempt with this id is being processed right now.
    #[error("webhook being processed by another attempt")]
    InFlight,
}

impl Duplicate {
    /// The status to answer with: 200 for a processed id (stop retrying), 409 for one in flight
    /// (retry later, in case the attempt in flight fails).
    ///
    /// ```
    /// use loop_contracts::delivery::Duplicate;
    ///
    /// assert_eq!(Duplicate::InFlight.http_status(), 409);
    /// ```
    pub fn http_status(self) -> u16 {
        match self {
            Duplicate::Processed => 200,
            Duplicate::InFlight => 409,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_is_oldest_first_and_bounded() {
        let seen = Deduplicator::new(3);
        for i in 0..10 {
            seen.claim(&format!("msg_{i}")).unwrap().done();
        }
        let state = seen.lock();
        assert_eq!(state.processed.len(), 3);
        assert_eq!(state.order.iter().map(|s| &**s).collect::<Vec<_>>(), ["msg_7", "msg_8", "msg_9"]);
        assert!(state.in_flight.is_empty());
    }

    #[test]
    fn concurrent_claims_admit_exactly_one() {
        let seen = Deduplicator::new(100);
        let winners = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| match seen.claim("msg_same") {
                        Ok(claim) => {
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            claim.done();
                            1
                        }
                        Err(_) => 0,
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum::<i32>()
        });
        assert_eq!(winners, 1);
        assert!(seen.is_processed("msg_same"));
    }
}
