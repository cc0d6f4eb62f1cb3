//! Webhooks in and out: inbound vendor signatures and transforms, the JSONPath engine the
//! declared transforms use, and outbound delivery webhooks (Standard Webhooks).

// Inbound signatures (Shopify, Typeform, Calendly) over the real fixture bodies.
mod inbound_signatures;
// The built-in and declared transforms on the real vendor payloads, enrichment and the intake.
mod inbound_transforms;
// Hostile inbound webhooks with the exact error of each; secrets per source.
mod inbound_intake;
// Hostile JSONPath in declarations: refused when declared, evaluated within a budget.
mod declared_paths;
// JSONPath against the RFC 9535 compliance test suite, its bounds and its fast path.
mod jsonpath_cts;
// Delivery webhooks: verification and signing, the envelope, the receiver and the deduplicator.
mod delivery_webhooks;
// Hostile delivery webhooks with the exact error of each.
mod delivery_refusals;
