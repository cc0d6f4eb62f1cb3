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
/// <visibility> struct <Name> {
///     /// Doc comments: the field's docs, and its description in the JSON Schema document.
///     <wire name>[?]: <type>,
///     ...
/// }
/// ```
///
/// - **Event name**: `<domain>.<action>.v<N>`, the domain and action in lower snake case starting
///   with a letter, the version a positive number without leading zeros (`lead.captured.v1`).
///   `#[event(...)]` is required; doc comments are the only other attributes accepted.
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
/// # Errors
///
/// Mistakes are compile errors at the offending token, all reported together: an unknown type, a
/// duplicate field, a declared envelope field, a bad event name, a missing `#[event(...)]`, an empty
/// enum, a duplicate enum value, two values with the same variant, `min` greater than `max`, an
/// unknown string option, a nested type name used twice.
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
