//! The fixed payloads of `benches/compare/payloads.json` and the compact text every harness
//! times: shared by `benches/compare.rs` and `benches/parser-compare/` (each includes this file
//! with `#[path]`), so that both time the same bytes.

use serde::Deserialize;
use serde_json::value::RawValue;

/// `payloads.json`: the fixed cases.
#[derive(Deserialize)]
pub struct Payloads<'a> {
    #[serde(borrow)]
    pub cases: Vec<FixedCase<'a>>,
}

/// One fixed case: its name, its event and its payload's text as the file writes it.
#[derive(Deserialize)]
pub struct FixedCase<'a> {
    pub case: String,
    pub event: String,
    #[serde(borrow)]
    pub payload: &'a RawValue,
}

/// JSON text without the whitespace between its tokens (what `JSON.stringify(JSON.parse(text))`
/// writes, for text without escapes or number forms `JSON.stringify` would rewrite).
pub fn compact(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in text.as_bytes() {
        if in_string {
            out.push(b);
            (in_string, escaped) = match (escaped, b) {
                (false, b'\\') => (true, true),
                (false, b'"') => (false, false),
                _ => (true, false),
            };
        } else if !b.is_ascii_whitespace() {
            in_string = b == b'"';
            out.push(b);
        }
    }
    out
}
