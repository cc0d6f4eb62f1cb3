//! Where a webhook comes from: a vendor with built-in transforms, or a declared (custom) one.

use std::fmt;
use std::str::FromStr;

use super::candidate::{Candidate, InboundEvent, TransformContext};
use super::error::InboundError;
use super::headers::Headers;
use super::signature::SignatureScheme;
use super::vendors::{self, unsupported_topic, Vendor};

/// Source and topic pairs with a built-in transform, and the event each produces.
pub const BUILT_IN_TOPICS: &[(Source, &str, &str)] = &TOPIC_TABLE;

/// How many topics the vendors have together.
const TOPIC_COUNT: usize = {
    let (mut count, mut i) = (0, 0);
    while i < Source::ALL.len() {
        if let Some(vendor) = Source::ALL[i].vendor() {
            count += vendor.topics.len();
        }
        i += 1;
    }
    count
};

/// Every vendor's topics with its source, in the order of [`Source::ALL`].
const TOPIC_TABLE: [(Source, &str, &str); TOPIC_COUNT] = {
    let mut table = [(Source::Custom, "", ""); TOPIC_COUNT];
    let (mut i, mut row) = (0, 0);
    while i < Source::ALL.len() {
        if let Some(vendor) = Source::ALL[i].vendor() {
            let mut j = 0;
            while j < vendor.topics.len() {
                let (topic, event) = vendor.topics[j];
                table[row] = (Source::ALL[i], topic, event);
                row += 1;
                j += 1;
            }
        }
        i += 1;
    }
    table
};

/// A webhook source (`docs/platform.md` §3.1 in the repository).
///
/// ```
/// use loop_contracts::inbound::Source;
///
/// let source: Source = "shopify".parse().unwrap();
/// assert_eq!(source, Source::Shopify);
/// assert!(source.signature_scheme().is_some());
/// assert!("woocommerce".parse::<Source>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// Shopify (orders, customers, fulfillments).
    Shopify,
    /// BigCommerce (orders, customers).
    BigCommerce,
    /// Typeform (form responses).
    Typeform,
    /// Calendly (bookings).
    Calendly,
    /// Anything else, through a [`Declaration`](super::Declaration).
    Custom,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 5] =
        [Source::Shopify, Source::BigCommerce, Source::Typeform, Source::Calendly, Source::Custom];

    /// The vendor behind the source, whose file in `vendors/` holds everything about it: this
    /// match is where a vendor is registered. `Custom` has none.
    const fn vendor(self) -> Option<&'static Vendor> {
        match self {
            Source::Shopify => Some(&vendors::SHOPIFY),
            Source::BigCommerce => Some(&vendors::BIGCOMMERCE),
            Source::Typeform => Some(&vendors::TYPEFORM),
            Source::Calendly => Some(&vendors::CALENDLY),
            Source::Custom => None,
        }
    }

    /// The source's name: `shopify`, `bigcommerce`, `typeform`, `calendly`, `custom`.
    ///
    /// ```
    /// use loop_contracts::inbound::Source;
    /// assert_eq!(Source::BigCommerce.as_str(), "bigcommerce");
    /// assert_eq!(Source::BigCommerce.as_str().parse::<Source>(), Ok(Source::BigCommerce));
    /// ```
    pub fn as_str(self) -> &'static str {
        match self.vendor() {
            Some(vendor) => vendor.name,
            None => "custom",
        }
    }

    /// How the source signs its webhooks, if it does (BigCommerce and custom sources do not sign
    /// with a scheme of their own).
    ///
    /// ```
    /// use loop_contracts::inbound::{SignatureScheme, Source};
    ///
    /// assert_eq!(Source::Typeform.signature_scheme(), Some(SignatureScheme::Typeform));
    /// assert_eq!(Source::Calendly.signature_scheme(), Some(SignatureScheme::calendly()));
    /// assert_eq!(Source::BigCommerce.signature_scheme(), None);
    /// ```
    pub fn signature_scheme(self) -> Option<SignatureScheme> {
        self.vendor().and_then(|v| v.signature)
    }

    /// The source's built-in transform over a raw body (no signature check: see [`Intake`](super::Intake)).
    ///
    /// ```
    /// use loop_contracts::inbound::{Source, TransformContext};
    ///
    /// let body = br#"{"scope": "store/customer/created", "store_id": "1025646", "data": {"type": "customer", "id": 32},
    ///                 "hash": "8768ab15aa86c6d73c7e4c3efbaee072110ad1d2", "created_at": 1561481571}"#;
    /// let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse().unwrap();
    /// let event = Source::BigCommerce
    ///     .transform("store/customer/created", body, &TransformContext::for_brand(brand))
    ///     .unwrap();
    /// assert_eq!(event.event.as_str(), "customer.created.v1");
    /// assert_eq!(event.payload["customerId"], "32");
    /// assert_eq!(event.payload["occurredAt"], "2019-06-25T16:52:51Z");
    /// ```
    pub fn transform(self, topic: &str, body: &[u8], context: &TransformContext) -> Result<InboundEvent, InboundError> {
        let mut candidate = self.candidate(topic, body, &[] as &[(&str, &str)])?;
        candidate.apply_context(context);
        candidate.validate()
    }

    /// The built-in transform's candidate, before validation, for a host that enriches it.
    ///
    /// ```
    /// use loop_contracts::inbound::Source;
    /// use serde_json::json;
    ///
    /// let body = br#"{"scope": "store/order/created", "store_id": "1025646", "data": {"type": "order", "id": 250},
    ///                 "created_at": 1561479335}"#;
    /// let mut candidate = Source::BigCommerce.candidate("store/order/created", body, &[] as &[(&str, &str)]).unwrap();
    /// assert_eq!(candidate.payload()["orderId"], "250");
    /// // BigCommerce callbacks carry no email or brand: the host supplies them, then validates.
    /// candidate
    ///     .set("email", json!("buyer@example.com"))
    ///     .set("brandId", json!("6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e"));
    /// let event = candidate.validate().unwrap();
    /// assert_eq!(event.payload["occurredAt"], "2019-06-25T16:15:35Z");
    /// ```
    pub fn candidate(
        self,
        topic: &str,
        body: &[u8],
        headers: &(impl Headers + ?Sized),
    ) -> Result<Candidate, InboundError> {
        self.built_in(Some(topic), body, headers)
    }

    /// Runs the built-in transform over a raw body, for the route's topic or, without one, the
    /// topic read from where the vendor puts it.
    pub(crate) fn built_in(
        self,
        topic: Option<&str>,
        body: &[u8],
        headers: &(impl Headers + ?Sized),
    ) -> Result<Candidate, InboundError> {
        let Some(vendor) = self.vendor() else {
            return Err(match topic {
                Some(topic) => unsupported_topic(self.as_str(), topic, &[]),
                None => InboundError::Malformed("custom webhooks are routed by their webhookPath".into()),
            });
        };
        let mut candidate = (vendor.transform)(topic, body, &headers)?;
        if let Some(id) = vendor.delivery_header.and_then(|h| headers.header(h)) {
            candidate.set_delivery_id(crate::text::clip(id, crate::text::NAME_CHARS));
        }
        Ok(candidate)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not a source.
///
/// ```
/// use loop_contracts::inbound::{Source, UnknownSource};
///
/// let err: UnknownSource = "woocommerce".parse::<Source>().unwrap_err();
/// assert!(err.to_string().starts_with(r#"unknown source "woocommerce""#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown source {0:?} (expected {expected})", expected = expected_sources())]
pub struct UnknownSource(String);

/// Every source's name, for [`UnknownSource`]: `shopify, bigcommerce, typeform, calendly or custom`.
fn expected_sources() -> String {
    let names: Vec<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl FromStr for Source {
    type Err = UnknownSource;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Source::ALL.into_iter().find(|x| x.as_str() == s).ok_or_else(|| UnknownSource(crate::text::clip(s, 50)))
    }
}

/// The first delivery id a vendor puts in a header, for a webhook whose vendor is not known (a
/// declared one).
pub(crate) fn delivery_id_header(headers: &(impl Headers + ?Sized)) -> Option<&str> {
    Source::ALL.iter().filter_map(|s| s.vendor()?.delivery_header).find_map(|h| headers.header(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_distinct_and_parses_back() {
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
