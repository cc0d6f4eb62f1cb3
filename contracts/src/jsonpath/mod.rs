//! JSONPath selectors (RFC 9535), the language transforms pick payload fields with.
//!
//! A transform declaration maps each event field to a JSONPath (`docs/platform.md` §3.2); [`JsonPath::parse`]
//! checks the selector once, at declaration time, and [`JsonPath::query`] evaluates it on every
//! payload.
//!
//! `serde_json_path` judges a selector's validity (its parser passes all 703 cases of the RFC 9535
//! compliance suite, `tests/webhooks/jsonpath_cts.rs`, and its messages are precise), but this module
//! evaluates: `serde_json_path` exposes neither its syntax tree nor a way to bound an evaluation,
//! and compiles `match()`/`search()` patterns again at every node. Transforms come from
//! declarations that need not be trusted and run on every webhook body, so this type adds:
//!
//! - **Bounds checked before parsing.** The parser re-reads the inside of a filter once per
//!   enclosing filter, so its time doubles with every level of `[?...]` nesting (67 bytes nested
//!   16 deep take 130 ms, 1 KB nested 8 deep 45 ms), and it recurses once per bracket or
//!   parenthesis (about 940 nested parentheses overflow a 2 MiB stack in release, 230 in debug).
//!   Length, bracket nesting and filter nesting are therefore measured by a linear scan first
//!   ([`JsonPath::MAX_LENGTH`], [`JsonPath::MAX_NESTING`], [`JsonPath::MAX_FILTER_NESTING`]).
//! - **Bounded result sizes.** Every union (`[0,0]`) and every descendant segment after the first
//!   (`..`) multiplies the nodes a query can return, exponentially in the number of segments: a
//!   100-byte payload nested 100 deep and `$[0,0][0,0]...` would ask for 2^100 nodes.
//!   [`JsonPath::MAX_UNION_PRODUCT`] and [`JsonPath::MAX_DESCENDANT_SEGMENTS`] keep a query's
//!   result within a small multiple of the payload's size.
//! - **Patterns compiled once, within a size.** A `match()`/`search()` pattern must be a string
//!   literal (a pattern read from the payload could be anything); it is compiled when the
//!   selector is parsed, with the `regex` crate's size limit
//!   ([`JsonPath::MAX_PATTERN_SIZE`]), which bounds its compile time by construction
//!   (`\w{100}{100}` would take 60 to 100 ms), and matching is linear in the string.
//! - **A budget for every evaluation.** [`JsonPath::try_query`] counts its work (nodes selected
//!   and visited, filter tests, comparisons, bytes matched, inside nested queries and function
//!   arguments too) and stops with [`EvaluationError::BudgetExceeded`] beyond the budget it is
//!   given; [`JsonPath::budget_for`] a body of `n` bytes is
//!   [`JsonPath::EVALUATION_BUDGET_FLOOR`] + [`JsonPath::EVALUATION_BUDGET_PER_BYTE`] × `n`.
//! - **A fast path for plain paths.** `$`, `$.a.b`, `$['a']`, `$[0]`, `$[-1]` and their chains (the
//!   RFC's *singular queries*, which is what nearly every transform uses) are resolved with
//!   `Value::get` and indexing, a few times faster than the general engine.
//!
//! The bound on evaluation: a filter runs once per candidate node, and RFC 9535 §4 warns that a
//! filter querying the whole payload (`$.items[?count($..*) > 1]`) then costs the product of the
//! two sizes, or worse when nested (`$[?count($[?count($[*])>0])>0]`, n³). Such absolute queries
//! (`$` inside `[?...]`) are accepted but evaluated once per evaluation and remembered, since
//! their result does not depend on the node being tested. What remains is linear: a relative
//! query (`@...`) reads only below the node it starts from, at most one descendant segment is
//! allowed, and unions multiply by at most 16, so every accepted selector evaluates in
//! O(document × selector) work, and the budget caps that work whatever the selector: within
//! [`budget_for`](JsonPath::budget_for) the body's length, about half a second for 1 MiB in a
//! release build (`benches/README.md`), and a typed error beyond it, never a hang.
//!
//! ```
//! use loop_contracts::jsonpath::JsonPath;
//! use serde_json::json;
//!
//! let order = json!({
//!     "email": "jon@example.com",
//!     "line_items": [{"sku": "SKU-1"}, {"sku": "SKU-2"}],
//!     "note_attributes": [{"name": "brand_id", "value": "b-42"}],
//! });
//! let email: JsonPath = "$.email".parse()?;
//! assert_eq!(email.first(&order), Some(&json!("jon@example.com")));
//!
//! let brand = JsonPath::parse("$.note_attributes[?@.name == 'brand_id'].value")?;
//! assert_eq!(brand.query(&order), [&json!("b-42")]);
//! # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
//! ```

mod bounds;
mod error;
mod eval;
mod limits;
mod path;
mod singular;
mod tree;

pub use error::{EvaluationError, JsonPathError};
pub use path::JsonPath;
