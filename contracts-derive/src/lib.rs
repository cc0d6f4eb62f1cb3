//! The `event!` definition macro of [`loop-contracts`](https://docs.rs/loop-contracts).
//!
//! Use it through `loop_contracts::event!`: the code it generates names the `loop_contracts` crate,
//! which must be a dependency. The macro works as a small compiler: `ast` parses the invocation
//! keeping every token's span, `check` reports every semantic mistake at once (and recovers, so
//! that expansion still runs), and `expand` generates the code.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod attrs;
mod check;
mod envelope;
mod expand;
mod naming;
mod readings;

use proc_macro::TokenStream;

/// Defines events: typed structs whose serde impls accept exactly what the platform's validator
/// accepts, with their runtime schema, JSON Schema and `validator::Validate` impls.
///
/// # Syntax
///
/// One or more definitions, each:
///
/// ```text
/// /// Doc comments: the struct's docs, and the event's description in the JSON Schema document.
/// #[event("<domain>.<action>.v<N>")]
/// #[your(attributes)]
/// <visibility> struct <Name> {
///     /// Doc comments: the field's docs, and its description in the JSON Schema document.
///     #[your(attributes)]
///     <wire name>[?]: <type>,
///     ...
/// }
/// ```
///
/// - **Event name**: `<domain>.<action>.v<N>`, the domain and action in lower snake case starting
///   with a letter, the version a positive number without leading zeros (`lead.captured.v1`).
///   `#[event(...)]` is required; other attributes pass through to the struct (see [Your own
///   attributes](#your-own-attributes)).
/// - **Wire name**: the JSON key, an identifier (`lineItems`, even a Rust keyword such as `type`)
///   or a string literal for keys that are not identifiers (`"x-weird-key"`). The Rust field is its
///   snake case (`line_items`, `r#type`, `x_weird_key`); two keys may not map to the same field.
/// - **`?`**: the field is not required; the key may be absent or `null` (Zod's `.nullish()`), and
///   the Rust field is an `Option`.
/// - **Envelope**: `eventId: uuid`, `occurredAt: datetime` and `brandId: uuid`, all required, are
///   added first to every event (Rust fields `event_id`, `occurred_at`, `brand_id`); they cannot
///   be declared.
///
/// | type | JSON | Rust |
/// |---|---|---|
/// | `string` | a string | `String` |
/// | `string(min = N, max = N)` | a string of `N` to `N` UTF-16 code units (either bound) | `String` |
/// | `uuid` | a hyphenated UUID | `uuid::Uuid` |
/// | `datetime` | an ISO 8601 UTC time ending in `Z` | `chrono::DateTime<Utc>` |
/// | `email` | an email address | `loop_contracts::Email` |
/// | `url` | an absolute URL | `String` |
/// | `integer` | a number without fraction | `i64` |
/// | `number` | a number | `f64` |
/// | `boolean` | `true` or `false` | `bool` |
/// | `object` | any object | `serde_json::Map<String, Value>` |
/// | `object Name { fields }` | an object with these fields (unknown keys ignored) | a generated `struct Name` |
/// | `enum Name { "a", "b", ... }` | one of the strings | a generated `enum Name` |
/// | `array<T>` | an array of `T` (items are never optional) | `Vec<T>` |
///
/// Nested structs and enums take the event's visibility; their names must be unique within one
/// invocation. Enum variants are the values in PascalCase (`"vsl_form"` → `VslForm`, `"2fa"` →
/// `V2fa`); enums also get `as_str`, `ALL`, `Display` and `FromStr`.
///
/// # Generated code
///
/// Each struct derives `Debug`, `Clone` and `PartialEq`, and has strict `Serialize` and
/// `Deserialize` impls: objects only (never arrays), each value checked by the same rules as the
/// validation engine (`1.0` is an integer, `1.5` is not; a datetime needs an uppercase `T`),
/// unknown keys ignored, a repeated key's last value kept (as JavaScript's `JSON.parse`), absent
/// optional fields not written. Each event also implements `loop_contracts::Event` (`NAME`,
/// `VERSION`, `schema()`, typed decoding with the platform's issues), `schemars::JsonSchema` and
/// `validator::Validate`.
///
/// # Your own attributes
///
/// Attributes other than `#[event(...)]` and doc comments pass through, as written, to what they
/// are written on:
///
/// - before the event's `struct`: to the event's struct;
/// - before a field's wire name: to the struct field;
/// - before a nested `object Name { ... }` or `enum Name { ... }`, in the field's type (`address:
///   #[derive(Hash)] object Address { ... }`, `array<#[derive(Hash)] object Item { ... }>`): to
///   the nested struct or enum. Doc comments written there document the Rust type (the schema's
///   description comes from the field's doc comments). Enum values take no attributes.
///
/// Derives (`Eq`, `Hash`, `PartialOrd`, a third-party derive), `cfg_attr`, lint levels, `repr`,
/// `#[doc(hidden)]`, `#[must_use]` and the helper attributes of your derives are all accepted.
/// Whether they compile is rustc's to say: an event with a `number` field or a free-form `object`
/// cannot derive `Eq` or `Hash`, and deriving `Hash` on an event needs it on its nested objects
/// too. Refused, with the reason, since the generated code would break or lie:
///
/// - a derive of what the macro already implements: `Debug`, `Clone` and `PartialEq` on structs;
///   `Debug`, `Clone`, `Copy`, `PartialEq`, `Eq`, `Hash` and `Display` on enums; `Serialize` and
///   `Deserialize` everywhere; `JsonSchema` and `Validate` on events (under the runtime's
///   `schemars` and `validator` features);
/// - `#[serde(...)]` that describes another wire form than the declaration, which is the wire form
///   (as in the platform's Zod schema). The generated serde impls read no `#[serde]` attribute; it
///   is accepted only for derives that read serde's attributes (schema generators such as
///   `schemars::JsonSchema` or `utoipa::ToSchema`), and only what agrees with the declaration:
///   `rename = "<its wire name>"` on a field, and `rename_all = "<rule>"` on a struct or enum when
///   the rule gives every field (the envelope's too) its wire name or every variant its value.
///   `rename` to another key, `skip`, `default`, `flatten`, `with`, `alias`, `tag`, `untagged`,
///   `deny_unknown_fields` and the rest are refused. serde's helper attribute is only in scope
///   with a derive that declares it;
/// - `#[cfg(...)]`: on a field, the event's schema and wire form would change from one build to
///   another (declare the field optional instead); on a type, its generated impls would remain
///   (put the whole `event!` under the `cfg`);
/// - any of these inside `cfg_attr(...)`, and `#[event(...)]` anywhere but before an event.
///
/// ```
/// use std::collections::HashSet;
///
/// use loop_contracts::event;
///
/// event! {
///     /// A lead was scored.
///     #[event("lead.scored.v1")]
///     #[derive(Eq, Hash, PartialOrd, Ord)]
///     // Agrees with the declaration: every key is the camelCase of its Rust field.
///     #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(rename_all = "camelCase"))]
///     #[must_use]
///     pub struct LeadScored {
///         #[doc(alias = "mail")]
///         email: email,
///         score: integer,
///         tier: #[derive(PartialOrd, Ord)] enum Tier { "bronze", "silver", "gold" },
///         address?:
///             /// A postal address.
///             #[derive(Eq, Hash, PartialOrd, Ord)]
///             object Address { city: string, countryCode: string(min = 2, max = 2) },
///     }
/// }
///
/// let lead: LeadScored = serde_json::from_str(r#"{
///     "eventId": "550e8400-e29b-41d4-a716-446655440000",
///     "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
///     "email": "user@example.com",
///     "score": 7,
///     "tier": "gold"
/// }"#).unwrap();
/// let seen: HashSet<LeadScored> = [lead.clone(), lead.clone()].into();
/// assert_eq!(seen.len(), 1);
/// assert!(Tier::Bronze < Tier::Gold);
/// ```
///
/// A third-party derive that reads serde's attributes, on a nested object, with its own helper
/// attribute on a field (this workspace's `tests/engine/macro_attributes.rs` runs it with
/// schemars and strum):
///
/// ```text
/// address: #[derive(schemars::JsonSchema)] #[serde(rename_all = "camelCase")] object Address {
///     #[schemars(length(min = 2, max = 2))]
///     countryCode: string(min = 2, max = 2),
/// },
/// ```
///
/// # Errors
///
/// Mistakes are compile errors at the offending token, all reported together: an unknown type, a
/// duplicate field, a declared envelope field, a bad event name, a missing `#[event(...)]`, an empty
/// enum, a duplicate enum value, two values with the same variant, `min` greater than `max`, an
/// unknown string option, a nested type name used twice, a refused attribute (see above).
///
/// # Example
///
/// ```
/// use loop_contracts::{event, Event};
///
/// event! {
///     /// An order was placed.
///     #[event("order.completed.v1")]
///     pub struct OrderCompleted {
///         /// The order number shown to the customer.
///         orderNumber: string(min = 1, max = 64),
///         totalPrice: number,
///         lineItems: array<object LineItem {
///             title: string,
///             quantity: integer,
///             sku?: string,
///         }>,
///         tags?: array<string>,
///         "x-weird-key"?: boolean,
///         shippingAddress?: object Address { city?: string, countryCode?: string(min = 2, max = 2) },
///         channel?: enum Channel { "web", "pos" },
///         website?: url,
///         placedAt: datetime,
///     }
/// }
///
/// let order: OrderCompleted = serde_json::from_str(r#"{
///     "eventId": "550e8400-e29b-41d4-a716-446655440000",
///     "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
///     "orderNumber": "1001",
///     "totalPrice": 42.5,
///     "lineItems": [{"title": "Tea", "quantity": 2}],
///     "channel": "web",
///     "placedAt": "2026-05-19T11:59:00Z"
/// }"#).unwrap();
/// assert_eq!(order.line_items[0].quantity, 2);
/// assert_eq!(order.channel, Some(Channel::Web));
/// assert_eq!(order.x_weird_key, None);
/// assert_eq!(OrderCompleted::NAME, "order.completed.v1");
/// assert_eq!(OrderCompleted::schema().description(), Some("An order was placed."));
/// ```
#[proc_macro]
pub fn event(input: TokenStream) -> TokenStream {
    let input = match syn::parse::<ast::Input>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error().into(),
    };
    let (model, errors) = check::check(&input);
    // Expansion runs even after errors: the model is recovered, and the generated types keep the
    // user's other code from failing with errors that are only consequences of the real ones.
    let mut out = expand::expand(&model);
    if let Some(errors) = errors {
        out.extend(errors.to_compile_error());
    }
    out.into()
}

/// The envelope's fields for the runtime's `envelope_fields()`: `[(wire name, type, description);
/// 3]`, each type a variant of the `FieldType` path given (`__envelope_fields!(FieldType)`). Not
/// a public API: the runtime crate is its only caller, and the list is written once, in this
/// crate's `envelope.rs`.
#[doc(hidden)]
#[proc_macro]
pub fn __envelope_fields(input: TokenStream) -> TokenStream {
    envelope::runtime_fields(input.into()).into()
}
