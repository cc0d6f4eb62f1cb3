//! JSONPath selectors compiled from arbitrary text, then queried on a fixed document.
//!
//! Input: the selector's text (bytes that are not UTF-8 are read lossily).
//!
//! Properties: compiling and querying never panic; `parse` and `parse_compiled` accept the same
//! selectors, agree on singularity and select the same nodes (the direct-lookup path against the
//! general engine); `first` is the first of `query`; a singular selector selects at most one node;
//! `Display`, `FromStr` and serde round-trip the text.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use loop_contracts::jsonpath::JsonPath;
use serde_json::Value;

static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(
        r#"{
  "id": 820982911946154508,
  "email": "jon@example.com",
  "created_at": "2021-12-31T19:00:00-05:00",
  "total_price": "199.65",
  "tags": ["vip", "", "wholesale", null],
  "customer": {"id": 115310627314723954, "email": "jon@example.com", "first_name": "Jon", "accepts_marketing": false,
               "default_address": {"city": "Ottawa", "zip": "K2P 1L4", "coords": [45.42, -75.69]}},
  "line_items": [
    {"sku": "SKU-1", "quantity": 1, "price": 199.0, "properties": [], "title": "IPod Nano - 8GB"},
    {"sku": "SKU-2", "quantity": 2.5, "price": -0.0, "properties": [{"name": "gift", "value": true}]},
    {"title": "no sku", "quantity": 1e3, "nested": [[[[{"deep": [1, [2, [3, {"deeper": "x"}]]]}]]]]}
  ],
  "note_attributes": [{"name": "brand_id", "value": "b-42"}, {"name": "utm_source", "value": "newsletter"}],
  "": {"": ""},
  "ünïcödé": {"😀": "emoji", "a b": 1, "a'b": 2, "a\"b": 3, "a\\b": 4},
  "numbers": [0, -1, 1.5, 1e300, -9007199254740993, 18446744073709551615],
  "empty": {"object": {}, "array": []},
  "flag": true,
  "nothing": null
}"#,
    )
    .expect("the document is JSON")
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = JsonPath::parse(&text);
    let general = JsonPath::parse_compiled(&text);
    let (path, general) = match (parsed, general) {
        (Ok(path), Ok(general)) => (path, general),
        (Err(a), Err(b)) => {
            // The error names its cause in a bounded message.
            let (a, b) = (a.to_string(), b.to_string());
            assert!(a.len() < 2048 && b.len() < 2048);
            return;
        }
        (parsed, general) => panic!("parse gave {parsed:?} but parse_compiled gave {general:?}"),
    };
    assert_eq!(path.is_singular(), general.is_singular(), "singularity differs");
    assert!(!path.is_simple() || path.is_singular(), "a simple path that is not singular");
    assert_eq!(path.as_str(), &*text);
    assert_eq!(path.to_string(), &*text);
    assert_eq!(text.parse::<JsonPath>().as_ref(), Ok(&path));
    let json = serde_json::to_string(&path).unwrap();
    assert_eq!(serde_json::from_str::<JsonPath>(&json).unwrap(), path);

    let document = &*DOCUMENT;
    let nodes = path.query(document);
    assert_eq!(path.first(document), nodes.first().copied(), "first is not the first of query");
    if path.is_singular() {
        assert!(nodes.len() <= 1, "a singular query selected {} nodes", nodes.len());
    }
    let by_general = general.query(document);
    assert_eq!(nodes, by_general, "the direct lookup and the general engine disagree");
    assert_eq!(general.first(document), by_general.first().copied());
});
