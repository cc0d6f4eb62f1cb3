//! The built-in transforms: Shopify, BigCommerce, Typeform and Calendly webhooks to catalog
//! events.
//!
//! Each reads only the fields it needs, borrowed where it can, and skips the rest of the body
//! without building it. Provider ids are read as integers or strings, never through a float
//! (Shopify's exceed 2^53); times are normalised to UTC; `eventId` is derived from the notification's
//! identity (the id the vendor gives it, else its object and time: `docs/platform.md` §3.3), so a
//! redelivery yields the same event id, and each notification (the same order arriving as
//! `orders/create` and then `orders/paid`) an event of its own.
//!
//! A vendor is a file here holding everything about it, its [`Vendor`] record (name, signature
//! scheme, topics and the events they produce, delivery-id header, and the transform that reads
//! the topic where the vendor puts it), exported below; the `Source` enum registers it with one
//! variant (also listed in `Source::ALL`) and one arm of `Source::vendor`, which the compiler
//! holds to every variant.

mod bigcommerce;
mod calendly;
mod fields;
mod shopify;
#[cfg(test)]
mod topicless_refusals;
mod typeform;
mod vendor;

pub(crate) use bigcommerce::BIGCOMMERCE;
pub(crate) use calendly::CALENDLY;
pub(crate) use shopify::SHOPIFY;
pub(crate) use typeform::TYPEFORM;
pub(crate) use vendor::{unsupported_topic, Vendor};
