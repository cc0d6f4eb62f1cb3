//! Inbound webhooks: vendors' payloads turned into valid events.
//!
//! Signatures are verified on the raw body before anything is parsed ([`SignatureScheme`]);
//! built-in transforms cover Shopify, BigCommerce, Typeform and Calendly; any other webhook is
//! mapped with a [`Declaration`] (the platform's `events.declare` input, JSONPath per field); the
//! [`Intake`] ties them together for a host service without requiring a web framework. With the
//! `axum` feature, `VendorEvent` is an axum extractor that runs the intake on a request, and
//! `InboundError` answers with the platform's error response.

#[cfg(feature = "axum")]
pub(crate) mod axum;
mod candidate;
mod convert;
#[cfg(feature = "jsonpath")]
mod declaration;
mod error;
mod headers;
pub(crate) mod hmac_sha256;
mod intake;
mod signature;
mod source;
mod vendors;

#[cfg(feature = "jsonpath")]
#[cfg_attr(docsrs, doc(cfg(feature = "jsonpath")))]
pub use declaration::{Coercion, Declaration, DeclarationError, Mapping, ValueSource};

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use self::axum::{InboundRejection, VendorEvent};
pub use candidate::{Candidate, InboundEvent, TransformContext};
pub use convert::{derive_event_id, utc_from_unix, utc_time, EVENT_ID_NAMESPACE};
pub use error::InboundError;
pub use headers::Headers;
pub use intake::{Intake, Route};
pub use signature::{SignatureError, SignatureScheme, SigningSecret};
pub use source::{Source, UnknownSource, BUILT_IN_TOPICS};
