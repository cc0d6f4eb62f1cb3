//! Discovery documents: an event's schema fetched from `GET /api/events/schema/<name>` and cached
//! for the client's lifetime.

use std::sync::Arc;

use super::response::{error_code, read_bounded, RateLimit};
use super::{Client, SendError};
use crate::schema::EventSchema;
use crate::sync::lock;
use crate::validate::issue::{ErrorCode, ValidationError};

impl Client {
    /// The discovery document of an event, fetched from `GET /api/events/schema/<name>` (no
    /// Idempotency-Key) and cached for the client's lifetime.
    ///
    /// # Errors
    ///
    /// [`SendError::Invalid`] with `UNKNOWN_EVENT` when the platform does not know the name (it
    /// answers `404 UNKNOWN_EVENT`; a 404 or 422 without a code is taken the same way);
    /// [`SendError::Discovery`] when the request or the document fails, including a 404 with
    /// another code (`NOT_FOUND`: no such route, as from a wrong base URL).
    ///
    /// ```
    /// use loop_contracts::client::SendError;
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    ///
    /// let schema = client.schema("lead.captured.v1").await?; // GET /api/events/schema/lead.captured.v1
    /// assert_eq!(schema.name().as_str(), "lead.captured.v1");
    /// assert!(schema.validate(&serde_json::json!({"email": "not-an-email"})).is_err());
    /// let unknown = client.schema("no.such.event.v1").await;
    /// assert!(matches!(unknown, Err(SendError::Invalid(_))));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub async fn schema(&self, name: &str) -> Result<Arc<EventSchema>, SendError> {
        if let Some(schema) = lock(&self.inner.schemas).get(name) {
            return Ok(schema.clone());
        }
        let discovery = |reason: String| SendError::Discovery { name: name.to_owned(), reason };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
            return Err(SendError::Invalid(ValidationError::unknown_event(name)));
        }
        self.inner.throttle.wait_turn(false).await;
        let response = self
            .inner
            .http
            .get(format!("{}/api/events/schema/{name}", self.inner.base))
            // The header built once (`bearer_auth` would copy the key into another one per fetch).
            .header(reqwest::header::AUTHORIZATION, self.inner.authorization.clone())
            .send()
            .await
            .map_err(|e| discovery(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        self.inner.throttle.adapt(RateLimit::from_headers(response.headers()));
        let bytes = read_bounded(response).await.map_err(discovery)?;
        if status != 200 {
            // The code names the reason: `UNKNOWN_EVENT` (404 here, 422 on a send) is an event the
            // platform does not know, another code (`NOT_FOUND`: no such route, a wrong base URL)
            // is not. Without a code this crate knows, the status decides.
            let code = serde_json::from_slice(&bytes).ok().as_ref().and_then(error_code);
            return Err(match (status, code) {
                (_, Some(ErrorCode::UnknownEvent)) | (404 | 422, None) => {
                    SendError::Invalid(ValidationError::unknown_event(name))
                }
                (other, Some(code)) => discovery(format!("HTTP {other} {}", code.as_str())),
                (other, None) => discovery(format!("HTTP {other}")),
            });
        }
        let schema = Arc::new(EventSchema::from_discovery_slice(&bytes).map_err(|e| discovery(e.to_string()))?);
        lock(&self.inner.schemas).insert(name.to_owned(), schema.clone());
        Ok(schema)
    }
}
