//! The envelope every event starts with (`eventId`, `occurredAt`, `brandId`), written once for
//! the macro and the runtime.
//!
//! The macro refuses declared fields that collide with it ([`check`](crate::check)) and generates
//! the struct's first three fields from it ([`expand`](crate::expand)); the runtime's
//! `loop_contracts::schema::envelope_fields()` is generated from it through the hidden
//! `__envelope_fields!` macro ([`runtime_fields`]). The list lives here, not in the runtime,
//! because the dependency only goes this way: the runtime crate depends on this one at compile
//! time, and a proc-macro crate cannot depend on the crate that depends on it.

use proc_macro2::TokenStream;
use quote::quote;

/// The type of an envelope field.
#[derive(Clone, Copy)]
pub enum Kind {
    /// `uuid`: a `Uuid` through the UUID codec.
    Uuid,
    /// `datetime`: a `DateTime<Utc>` through the datetime codec.
    Datetime,
}

/// One envelope field.
pub struct EnvelopeField {
    /// The wire (camelCase) name.
    pub wire: &'static str,
    /// The Rust field name.
    pub rust: &'static str,
    /// The type.
    pub kind: Kind,
    /// The Rust documentation of the generated struct field.
    pub doc: &'static str,
    /// The description in the schema documents (JSON Schema, `schemas/`), which the runtime's
    /// `envelope_fields()` carries.
    pub description: &'static str,
}

/// The envelope, in the order every event starts with (`docs/platform.md` §2), all required.
pub const ENVELOPE: [EnvelopeField; 3] = [
    EnvelopeField {
        wire: "eventId",
        rust: "event_id",
        kind: Kind::Uuid,
        doc: "The envelope's `eventId`: the event's unique id, also the `Idempotency-Key` it is sent with.",
        description:
            "The event's unique id, sent as the Idempotency-Key: a repeat under the same key is processed once.",
    },
    EnvelopeField {
        wire: "occurredAt",
        rust: "occurred_at",
        kind: Kind::Datetime,
        doc: "The envelope's `occurredAt`: when the event happened.",
        description: "When it happened, in UTC.",
    },
    EnvelopeField {
        wire: "brandId",
        rust: "brand_id",
        kind: Kind::Uuid,
        doc: "The envelope's `brandId`: the brand the event belongs to.",
        description: "The brand the event belongs to.",
    },
];

/// Whether `wire` is the wire name of an envelope field.
pub fn is_envelope(wire: &str) -> bool {
    ENVELOPE.iter().any(|f| f.wire == wire)
}

/// The runtime's envelope as an array expression `[(wire name, type, description); 3]`, each type
/// a variant of the `FieldType` path the runtime passes in (so that the expansion names nothing
/// of the runtime by itself).
pub fn runtime_fields(field_type: TokenStream) -> TokenStream {
    let entries = ENVELOPE.iter().map(|f| {
        let (wire, description) = (f.wire, f.description);
        let ty = match f.kind {
            Kind::Uuid => quote!(#field_type::Uuid),
            Kind::Datetime => quote!(#field_type::Datetime),
        };
        quote!((#wire, #ty, #description))
    });
    quote!([#(#entries),*])
}
