//! The built-in transforms: Shopify, BigCommerce, Typeform and Calendly webhooks to catalog
//! events.
//!
//! Each reads only the fields it needs, borrowed where it can, and skips the rest of the body
//! without building it. Provider ids are read as integers or strings, never through a float
//! (Shopify's exceed 2^53); times are normalised to UTC; `eventId` is derived from the provider's
//! object identity, so a redelivery (or the same order arriving as `orders/create` and then
//! `orders/paid`) yields the same event id.
//!
//! A vendor is a file here holding everything about it (its [`Vendor`] record: name, signature
//! scheme, topics and events, delivery-id header, and its transform with its topic detection) and
//! one line in [`VENDORS`]; it is also one variant of [`Source`] (and an entry of `Source::ALL`,
//! which a test checks against [`VENDORS`]).

mod bigcommerce;
mod calendly;
mod fields;
mod shopify;
mod typeform;
mod vendor;

use super::headers::Headers;
use super::transform::{Candidate, InboundError};
use super::Source;
use vendor::{unsupported_topic, Vendor};

/// Every vendor with built-in transforms, in the order of [`Source::ALL`] and [`BUILT_IN_TOPICS`].
pub(crate) const VENDORS: &[Vendor] =
    &[shopify::SHOPIFY, bigcommerce::BIGCOMMERCE, typeform::TYPEFORM, calendly::CALENDLY];

/// Source and topic pairs with a built-in transform, and the event each produces.
pub const BUILT_IN_TOPICS: &[(Source, &str, &str)] = &TOPIC_TABLE;

/// How many topics the vendors have together.
const TOPIC_COUNT: usize = {
    let (mut count, mut i) = (0, 0);
    while i < VENDORS.len() {
        count += VENDORS[i].topics.len();
        i += 1;
    }
    count
};

/// Every vendor's topics with its source, in the order of [`VENDORS`].
const TOPIC_TABLE: [(Source, &str, &str); TOPIC_COUNT] = {
    let mut table = [(Source::Custom, "", ""); TOPIC_COUNT];
    let (mut i, mut row) = (0, 0);
    while i < VENDORS.len() {
        let mut j = 0;
        while j < VENDORS[i].topics.len() {
            let (topic, event) = VENDORS[i].topics[j];
            table[row] = (VENDORS[i].source, topic, event);
            row += 1;
            j += 1;
        }
        i += 1;
    }
    table
};

/// The vendor a source is, if it has built-in transforms (every source but `Custom`).
pub(crate) fn vendor(source: Source) -> Option<&'static Vendor> {
    VENDORS.iter().find(|v| v.source == source)
}

/// Runs the built-in transform of a source over a raw body, for the route's topic or, without
/// one, the topic read from where the vendor puts it.
pub(crate) fn transform(
    source: Source,
    topic: Option<&str>,
    body: &[u8],
    headers: &(impl Headers + ?Sized),
) -> Result<Candidate, InboundError> {
    let Some(vendor) = vendor(source) else {
        return Err(match topic {
            Some(topic) => unsupported_topic(source.as_str(), topic, &[]),
            None => InboundError::Malformed("custom webhooks are routed by their webhookPath".into()),
        });
    };
    let mut candidate = (vendor.transform)(topic, body, &headers)?;
    if let Some(id) = vendor.delivery_header.and_then(|h| headers.header(h)) {
        candidate.set_delivery_id(crate::text::clip(id, crate::text::NAME_CHARS));
    }
    Ok(candidate)
}

/// The first delivery id a vendor puts in a header, for a webhook whose vendor is not known (a
/// declared one).
pub(crate) fn delivery_id_header(headers: &(impl Headers + ?Sized)) -> Option<&str> {
    VENDORS.iter().filter_map(|v| v.delivery_header).find_map(|h| headers.header(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_but_custom_is_one_registered_vendor_in_order() {
        let registered: Vec<Source> = VENDORS.iter().map(|v| v.source).collect();
        assert_eq!([&registered[..], &[Source::Custom]].concat(), Source::ALL);
        for source in Source::ALL {
            assert_eq!(source.as_str().parse::<Source>(), Ok(source));
        }
    }

    #[test]
    fn the_topic_table_lists_every_vendor_topic_in_order() {
        assert_eq!(
            BUILT_IN_TOPICS,
            [
                (Source::Shopify, "orders/create", "order.completed.v1"),
                (Source::Shopify, "orders/paid", "order.completed.v1"),
                (Source::Shopify, "customers/create", "customer.created.v1"),
                (Source::Shopify, "fulfillments/create", "fulfillment.created.v1"),
                (Source::BigCommerce, "store/order/created", "order.completed.v1"),
                (Source::BigCommerce, "store/customer/created", "customer.created.v1"),
                (Source::Typeform, "form_response", "form.submitted.v1"),
                (Source::Calendly, "invitee.created", "booking.scheduled.v1"),
                (Source::Calendly, "invitee.canceled", "booking.canceled.v1"),
            ]
        );
    }
}
