//! Inbound webhooks: verifying the vendors' signatures before anything is parsed.
mod headers;
mod signature;
pub use headers::Headers;
pub use signature::{SignatureError, SignatureScheme, SigningSecret};
