//! Delivery dispatch: the sandbox calling the integrator's endpoint with signed delivery webhooks.
//!
//! For every accepted event (once: an idempotent replay is not accepted again), the sandbox
//! produces the delivery events the platform would report about the message that event triggers,
//! signs each with the Standard Webhooks scheme ([`Signer`]) and POSTs it to the registered
//! endpoint, retrying on the platform's schedule. Each delivery is one `webhook-id`, the same on every
//! attempt; every attempt is signed anew with its own timestamp.
//!
//! # What is delivered
//!
//! - An event that carries an address (`email`, else `phone`) triggers one message to it: a
//!   `message.sent.v1`, then a `message.delivered.v1` (channel `email` or `sms`, provider
//!   `loop-sandbox`, the event's `brandId` and `personId`, `occurredAt` the time the sandbox
//!   accepted the event). An event without an address triggers no message and is counted as
//!   skipped.
//! - An accepted delivery event (`message.bounced.v1`, `message.clicked.v1`, ...) is delivered as it
//!   is: posting one to the sandbox is how a bounce, a click or a failure is simulated.
//!
//! The ids are derived from the accepted event, never drawn at random, so the same event always
//! produces the same deliveries: the `messageId` is the UUID v5 (URL namespace) of
//! `urn:loop-contracts:sandbox:<event>:<eventId>:message`, each delivery event's `eventId` that of
//! `urn:loop-contracts:sandbox:<event>:<eventId>:<delivery event name>`, and the `webhook-id` is
//! [`WebhookId::for_event`] of that `eventId`. An event sent again after a reset is delivered again
//! under the same ids, which a receiver's deduplication drops.
//!
//! # How it is delivered
//!
//! The deliveries of one accepted event are sent in order (the `sent` before the `delivered`), each
//! retried to its end before the next; deliveries of different events run concurrently, at most
//! [`DeliveryConfig::max_in_flight`] requests at once. A 2xx answer is success; any other status, a
//! connection error or no answer within the attempt timeout is a failure, retried after the next
//! delay of the schedule (from the end of the failed attempt, without jitter, so tests can observe
//! it). After the last attempt the delivery is recorded as failed. Deliveries are bound to the
//! endpoint registered when their event was accepted.
//!
//! Pending deliveries are bounded ([`DeliveryConfig::queue_capacity`]): the deliveries of an event
//! that would exceed the bound are recorded as dropped and counted, never silently lost. The event
//! itself is accepted either way: dispatch never delays or fails the intake. A reset cancels pending
//! deliveries; a shutdown cancels them too, without waiting for their retries.
//!
//! [`Signer`]: crate::delivery::Signer
//! [`WebhookId::for_event`]: crate::delivery::WebhookId::for_event

mod config;
mod engine;
mod planner;
mod records;

pub use config::{
    DeliveryConfig, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_QUEUE_CAPACITY,
    DEFAULT_RETAINED_DELIVERIES, DEFAULT_RETRY_SCHEDULE,
};
pub(crate) use engine::Dispatcher;
pub use records::{DeliveryAttempt, DeliveryRecord, DeliverySource, DeliveryState, DeliveryStats};
