//! The public sending calls: a typed event, an event by name with a JSON payload, and the
//! outbox's pending events. Each validates locally before the dedupe and the delivery.

use bytes::Bytes;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Accepted, Client, SendError};
use crate::catalog::catalog;
use crate::schema::EventSchema;
use crate::typed::event::Event;
use crate::validate::issue::ValidationError;
use crate::validate::Ordered;

impl Client {
    /// Sends a typed event: validates it against its schema, then posts it.
    ///
    /// # Errors
    ///
    /// See [`SendError`].
    ///
    /// ```
    /// use loop_contracts::catalog::LeadCaptured;
    /// use loop_contracts::Event;
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    ///
    /// let lead = LeadCaptured::from_json_value(&serde_json::json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "quiz_completion", "attribution": {},
    /// }))?;
    /// let accepted = client.send(&lead).await?;
    /// assert_eq!(accepted.event_id, lead.event_id()); // also the Idempotency-Key
    /// assert_eq!(sandbox.accepted()[0].event, "lead.captured.v1");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub async fn send<E: Event>(&self, event: &E) -> Result<Accepted, SendError> {
        let payload = serde_json::to_value(event).map_err(|e| {
            SendError::Invalid(ValidationError::malformed(format!("the event does not serialize: {e}")))
        })?;
        refuse_deep(&payload)?;
        let schema = E::schema();
        let validated = schema.validate_owned(payload).map_err(SendError::Invalid)?;
        self.send_checked(schema, E::NAME, &validated, event.event_id()).await
    }

    /// Sends an event by name with a JSON payload. Names in the built-in catalog are validated
    /// against it; other names against the schema fetched with [`schema`](Self::schema).
    ///
    /// # Errors
    ///
    /// See [`SendError`]; an unknown name is [`SendError::Invalid`] with `UNKNOWN_EVENT`.
    ///
    /// ```
    /// use loop_contracts::client::SendError;
    /// use serde_json::json;
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// # let lead = |i: u64| serde_json::json!({
    /// #     "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"), "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": format!("lead{i}@example.com"),
    /// #     "source": "quiz_completion", "attribution": {},
    /// # });
    /// # let mut payload = lead(1);
    ///
    /// let accepted = client.send_json("lead.captured.v1", &payload).await?; // payload: a serde_json::Value
    /// assert_eq!(accepted.body["ok"], true);
    /// payload["email"] = json!("not-an-email");
    /// let refused = client.send_json("lead.captured.v1", &payload).await.unwrap_err();
    /// assert!(matches!(refused, SendError::Invalid(_))); // refused locally: nothing was sent
    /// assert_eq!(sandbox.accepted().len(), 1);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub async fn send_json(&self, name: &str, payload: &Value) -> Result<Accepted, SendError> {
        refuse_deep(payload)?;
        let fetched;
        let schema = match catalog().get(name) {
            Some(schema) => schema,
            None => {
                fetched = self.schema(name).await?;
                &*fetched
            }
        };
        let validated = schema.validate_cow(payload).map_err(SendError::Invalid)?;
        let event_id = payload
            .get("eventId")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| SendError::Invalid(ValidationError::malformed("payload.eventId is not a UUID")))?;
        self.send_checked(schema, name, &validated, event_id).await
    }

    /// Sends again every event the outbox holds as pending (after a restart), in order.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use loop_contracts::client::{Client, InMemoryOutbox, Outbox, RetryPolicy};
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::sandbox::FaultConfig;
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// let outbox = Arc::new(InMemoryOutbox::default()); // a durable store in a real host
    /// let builder = || Client::builder().key(key.clone()).base_url(sandbox.url()).outbox(outbox.clone());
    /// sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0))?; // the platform is failing
    /// assert!(builder().retry_policy(RetryPolicy::no_retries()).build()?.send(&lead).await.is_err());
    /// assert_eq!(outbox.pending().len(), 1);
    /// sandbox.set_faults(FaultConfig::default())?;
    /// let results = builder().build()?.resend_pending().await; // e.g. at the next start-up
    /// assert!(results.len() == 1 && results[0].1.is_ok() && outbox.pending().is_empty());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub async fn resend_pending(&self) -> Vec<(Uuid, Result<Accepted, SendError>)> {
        let Some(outbox) = self.inner.outbox.clone() else { return Vec::new() };
        let mut results = Vec::new();
        for entry in outbox.pending() {
            let result = self.send_json(&entry.event, &entry.payload).await;
            results.push((entry.event_id, result));
        }
        results
    }

    /// Dedupes in this process, then delivers.
    /// The fingerprint is of the validated payload (schema order, unknown keys stripped): key
    /// order and unknown keys do not make a conflict, as on the platform.
    async fn send_checked(
        &self,
        schema: &EventSchema,
        name: &str,
        payload: &Value,
        event_id: Uuid,
    ) -> Result<Accepted, SendError> {
        // The validated payload is what is sent (unknown keys stripped, as the platform would), in
        // the schema's field order (Zod's output order, and the order a typed event serializes
        // in), and the body is serialized once: its hash is the fingerprint, its bytes every
        // attempt's body.
        let body = RequestBody { event: name, payload: schema.ordered(payload) };
        let body = Bytes::from(serde_json::to_vec(&body).map_err(|e| {
            SendError::Invalid(ValidationError::malformed(format!("the payload does not serialize: {e}")))
        })?);
        let print: [u8; 32] = Sha256::digest(&body).into();
        self.inner.dedupe.once(event_id, print, || self.deliver(name, payload, &body, event_id)).await
    }
}

/// Refuses a payload nested deeper than JSON text can be (the parser's limit): copying or
/// serializing a `Value` recurses, and one built in memory 10,000 levels deep would overflow the
/// stack.
fn refuse_deep(payload: &Value) -> Result<(), SendError> {
    // Recursion is safe here: it stops at the limit, long before the stack would run out.
    fn within(value: &Value, depth: usize) -> bool {
        let deeper = depth + 1;
        match value {
            Value::Array(items) => deeper <= MAX_DEPTH && items.iter().all(|child| within(child, deeper)),
            Value::Object(map) => deeper <= MAX_DEPTH && map.values().all(|child| within(child, deeper)),
            _ => true,
        }
    }
    const MAX_DEPTH: usize = crate::typed::codec::MAX_RECORD_DEPTH;
    if within(payload, 0) {
        Ok(())
    } else {
        let message = format!("the payload is nested deeper than {} levels", crate::typed::codec::MAX_RECORD_DEPTH);
        Err(SendError::Invalid(ValidationError::malformed(message)))
    }
}

/// The request body of `POST /api/events`, serialized from borrowed parts.
#[derive(serde::Serialize)]
struct RequestBody<'a> {
    event: &'a str,
    payload: Ordered<'a>,
}
