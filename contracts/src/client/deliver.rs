//! The send loop of one event: attempts under one Idempotency-Key, each answer read and classified,
//! and the waits the [`RetryPolicy`](super::RetryPolicy) decides between them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;
use tracing::Instrument;
use uuid::Uuid;

use super::response::{error_code, read_bounded, retry_after, IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED};
use super::retry::{Decision, Failure};
use super::{Accepted, Attempt, AttemptOutcome, Client, OutboxEntry, RateLimit, ResponseBody, SendError};
use crate::validate::issue::{ErrorCode, ErrorResponse, ValidationError};

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Client {
    fn jitter_unit(&self, event_id: Uuid, attempt: u32) -> f64 {
        use std::hash::BuildHasher;
        let bits = self.inner.jitter.hash_one((event_id, attempt));
        (bits >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The retry loop of one event: one Idempotency-Key for every attempt.
    pub(super) async fn deliver(
        &self,
        name: &str,
        payload: &Value,
        body: &Bytes,
        event_id: Uuid,
    ) -> Result<Accepted, SendError> {
        let span = tracing::info_span!("loop_contracts.send", event = name, event_id = %event_id);
        self.deliver_inner(name, payload, body, event_id).instrument(span).await
    }

    async fn deliver_inner(
        &self,
        name: &str,
        payload: &Value,
        body: &Bytes,
        event_id: Uuid,
    ) -> Result<Accepted, SendError> {
        if let Some(outbox) = &self.inner.outbox {
            let entry = OutboxEntry { event: name.to_owned(), event_id, payload: payload.clone() };
            outbox.record_pending(&entry).map_err(SendError::Outbox)?;
        }
        let done = || {
            if let Some(outbox) = &self.inner.outbox {
                outbox.mark_done(event_id);
            }
        };
        let idempotency_key =
            reqwest::header::HeaderValue::from_str(event_id.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
                .map_err(|e| SendError::Invalid(ValidationError::malformed(e.to_string())))?;
        let mut attempts: Vec<Attempt> = Vec::new();
        let (mut retries, mut rate_waits) = (0u32, 0u32);
        loop {
            let skip_hold =
                attempts.last().is_some_and(|a| matches!(a.outcome, AttemptOutcome::Status { status: 429, .. }));
            self.inner.throttle.wait_turn(skip_hold).await;
            let number = attempts.len() as u32 + 1;
            let result = self
                .inner
                .http
                .post(self.inner.events_url.clone())
                .header(AUTHORIZATION, self.inner.authorization.clone())
                .header(IDEMPOTENCY_KEY, idempotency_key.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
                .instrument(tracing::debug_span!("attempt", attempt = number))
                .await;
            let (failure, outcome) = match result {
                Err(e) => {
                    let outcome = if e.is_timeout() {
                        AttemptOutcome::Timeout
                    } else {
                        AttemptOutcome::Network(e.without_url().to_string())
                    };
                    (Failure::Network, outcome)
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers();
                    let rate = RateLimit::from_headers(headers);
                    let retry_after = retry_after(headers, SystemTime::now());
                    let replayed =
                        headers.get(IDEMPOTENT_REPLAYED).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
                    let bytes = match read_bounded(response).await {
                        Ok(bytes) => bytes,
                        Err(reason) => {
                            let outcome = AttemptOutcome::Network(reason);
                            tracing::debug!(attempt = number, status, "the response body was cut short");
                            let decision = self.inner.policy.decide(
                                Failure::Network,
                                retries,
                                rate_waits,
                                self.jitter_unit(event_id, number),
                            );
                            if !self.wait(decision, &mut attempts, number, outcome, &mut retries, &mut rate_waits).await
                            {
                                return Err(SendError::Exhausted { attempts });
                            }
                            continue;
                        }
                    };
                    let server_wait = retry_after.or_else(|| {
                        (status == 429)
                            .then(|| rate.map(|r| Duration::from_secs(r.reset.saturating_sub(unix_now()))))?
                    });
                    self.inner.throttle.adapt(rate);
                    tracing::debug!(attempt = number, status, "attempt answered");
                    if (200..300).contains(&status) {
                        done();
                        return Ok(Accepted {
                            event: name.to_owned(),
                            event_id,
                            body: ResponseBody::from(bytes),
                            rate_limit: rate,
                            replayed,
                            attempts: number,
                            cached: false,
                        });
                    }
                    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
                    let code = parsed.as_ref().and_then(error_code);
                    let outcome = AttemptOutcome::Status { status, code };
                    match status {
                        409 if code == Some(ErrorCode::IdempotencyInProgress) => (Failure::InProgress, outcome),
                        409 => {
                            done();
                            return Err(SendError::Conflict { event_id });
                        }
                        429 | 408 | 500..=599 => (Failure::Status { status, server_wait }, outcome),
                        _ => {
                            done();
                            attempts.push(Attempt { number, outcome, wait_after: None });
                            let error = parsed
                                .and_then(|v| serde_json::from_value::<ErrorResponse>(v).ok())
                                .map(ValidationError::from)
                                .unwrap_or_else(|| {
                                    let code = match status {
                                        401 | 403 => ErrorCode::Unauthorized,
                                        422 => ErrorCode::ValidationError,
                                        _ => ErrorCode::MalformedRequest,
                                    };
                                    ValidationError::with_code(code, format!("HTTP {status}"), Vec::new())
                                });
                            return Err(SendError::Rejected { status, error, attempts });
                        }
                    }
                }
            };
            let decision = self.inner.policy.decide(failure, retries, rate_waits, self.jitter_unit(event_id, number));
            if !self.wait(decision, &mut attempts, number, outcome, &mut retries, &mut rate_waits).await {
                return Err(SendError::Exhausted { attempts });
            }
        }
    }

    /// Records an attempt and carries out the decision; `false` to stop.
    async fn wait(
        &self,
        decision: Decision,
        attempts: &mut Vec<Attempt>,
        number: u32,
        outcome: AttemptOutcome,
        retries: &mut u32,
        rate_waits: &mut u32,
    ) -> bool {
        match decision {
            Decision::Stop => {
                tracing::warn!(attempt = number, outcome = ?outcome, "giving up");
                attempts.push(Attempt { number, outcome, wait_after: None });
                false
            }
            Decision::Wait { delay, uses_retry } => {
                tracing::info!(attempt = number, outcome = ?outcome, delay_ms = delay.as_millis() as u64, "retrying");
                attempts.push(Attempt { number, outcome, wait_after: Some(delay) });
                if uses_retry {
                    *retries += 1;
                } else {
                    // A 429 holds every send of this client for as long as this one waits.
                    *rate_waits += 1;
                    self.inner.throttle.hold_for(delay);
                }
                self.inner.sleeper.sleep(delay).await;
                true
            }
        }
    }
}
