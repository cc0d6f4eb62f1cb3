//! JSON text read as the platform reads it: [`JsonDocument`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::overflow::{replace_overflows, Overflows};

/// A JSON document read as the platform's `JSON.parse` reads it, ready to be validated
/// ([`EventSchema::validate_document`](crate::EventSchema::validate_document)) or decoded.
///
/// It differs from `serde_json::Value` in one respect: a number literal beyond the range of a
/// double (`1e999`, `-1e999`, a 400-digit integer) is `Infinity` or `-Infinity`, as in JavaScript,
/// where serde_json refuses the whole text ("number out of range"). Zod then accepts an infinity in
/// a `number` field and refuses it elsewhere with the issues it gives any number (`Expected
/// integer, received float` in an `integer` field), and what the platform forwards is
/// `JSON.stringify`'s rendering of it: `null`.
///
/// A document without such a literal costs exactly a `serde_json::from_slice::<Value>`.
///
/// ```
/// use loop_contracts::JsonDocument;
/// use serde_json::json;
///
/// let doc = JsonDocument::from_str(r#"{"score": 1e999, "note": "1e999", "n": [1, -1e999]}"#)?;
/// assert!(doc.has_infinities());
/// assert_eq!(doc.into_forwarded(), json!({"score": null, "note": "1e999", "n": [1, null]}));
///
/// let plain = JsonDocument::from_str(r#"{"score": 1.5}"#)?;
/// assert!(!plain.has_infinities());
/// assert!(JsonDocument::from_str("{1e999}").is_err()); // still not JSON
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct JsonDocument {
    /// The value, with a finite stand-in that is not an integer at each infinity (see
    /// `overflow::STAND_IN`), which every check of the schema language answers as it answers
    /// ±Infinity. Never shown as it is: [`into_forwarded`](Self::into_forwarded) puts `null` there.
    pub(crate) value: Value,
    /// Where the infinities are; `None` when there are none.
    pub(crate) infinities: Option<Marks>,
}

/// Where a value's infinities are: the value itself, or some of its members or elements. Built
/// only from parsed text, so at most as deep as serde_json's parser allows (128 levels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Marks {
    /// `Infinity`, or `-Infinity` when `negative`.
    Infinity { negative: bool },
    /// The members holding infinities (the last of duplicate keys, as `JSON.parse` keeps).
    Object(BTreeMap<String, Marks>),
    /// The elements holding infinities, by index, ascending.
    Array(Vec<(usize, Marks)>),
}

impl JsonDocument {
    /// Reads JSON bytes as `JSON.parse` reads them; the error is serde_json's for anything that
    /// is not JSON.
    ///
    /// ```
    /// use loop_contracts::JsonDocument;
    ///
    /// assert!(JsonDocument::from_slice(br#"{"n": -123e400}"#)?.has_infinities());
    /// let err = JsonDocument::from_slice(b"{\"n\": 1e999,\n \"m\": tru}").unwrap_err();
    /// assert_eq!(err.to_string(), "expected ident at line 2 column 10");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    // Inlined, so that the parse is instantiated in the caller's crate as a direct
    // `serde_json::from_slice` would be: measured, the out-of-line call cost about 5% of a small
    // payload's parse.
    #[inline]
    pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Self> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(value) => Ok(JsonDocument { value, infinities: None }),
            Err(e) => Self::with_overflows(bytes, e),
        }
    }

    /// Reads JSON text as `JSON.parse` reads it (see [`from_slice`](Self::from_slice)).
    ///
    /// ```
    /// let doc = loop_contracts::JsonDocument::from_str(r#"{"n": 1e999}"#)?;
    /// assert_eq!(doc.into_forwarded(), serde_json::json!({"n": null}));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    // Beside `from_slice`, as serde_json has both; `str::parse` works too (the `FromStr` impl).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> serde_json::Result<Self> {
        Self::from_slice(text.as_bytes())
    }

    /// The slow path, taken only when serde_json refused the text.
    #[cold]
    fn with_overflows(bytes: &[u8], error: serde_json::Error) -> serde_json::Result<Self> {
        read_overflowing(bytes, error).map(|(document, _)| document)
    }

    /// Whether the document holds a number beyond a double (an infinity, to JavaScript).
    ///
    /// ```
    /// use loop_contracts::JsonDocument;
    ///
    /// assert!(!JsonDocument::from_str(r#"{"n": 1e308, "s": "1e999"}"#)?.has_infinities());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn has_infinities(&self) -> bool {
        self.infinities.is_some()
    }

    /// The document as the platform forwards it: `JSON.stringify` writes each infinity as `null`.
    ///
    /// ```
    /// let doc = loop_contracts::JsonDocument::from_str(r#"[1e999, 2]"#)?;
    /// assert_eq!(doc.into_forwarded(), serde_json::json!([null, 2]));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn into_forwarded(self) -> Value {
        let mut value = self.value;
        if let Some(marks) = &self.infinities {
            marks.null_out(&mut value);
        }
        value
    }

    /// [`into_forwarded`](Self::into_forwarded) by reference: borrowed when there is no infinity,
    /// a copy otherwise.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use loop_contracts::JsonDocument;
    ///
    /// assert!(matches!(JsonDocument::from_str("[1]")?.forwarded(), Cow::Borrowed(_)));
    /// assert_eq!(*JsonDocument::from_str("[-1e999]")?.forwarded(), serde_json::json!([null]));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn forwarded(&self) -> Cow<'_, Value> {
        match &self.infinities {
            None => Cow::Borrowed(&self.value),
            Some(marks) => {
                let mut value = self.value.clone();
                marks.null_out(&mut value);
                Cow::Owned(value)
            }
        }
    }

    /// Takes the member `key` out of an object document, with the infinities it holds; `None`
    /// when the document is not an object or has no such key.
    ///
    /// ```
    /// use loop_contracts::JsonDocument;
    ///
    /// let mut doc = JsonDocument::from_str(r#"{"event": "x", "payload": {"n": 1e999}}"#)?;
    /// let payload = doc.take("payload").unwrap();
    /// assert!(payload.has_infinities() && !doc.has_infinities());
    /// assert_eq!(doc.into_forwarded(), serde_json::json!({"event": "x"}));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn take(&mut self, key: &str) -> Option<JsonDocument> {
        let Value::Object(map) = &mut self.value else { return None };
        let value = map.remove(key)?;
        let infinities = match &mut self.infinities {
            Some(Marks::Object(members)) => {
                let taken = members.remove(key);
                if members.is_empty() {
                    self.infinities = None;
                }
                taken
            }
            _ => None,
        };
        Some(JsonDocument { value, infinities })
    }
}

/// For text serde_json refused with `error`: when the cause is a number literal beyond a double,
/// the document as `JSON.parse` reads it, and the copy of the text it was read from, with a
/// finite stand-in in place of each such literal at the same length (a caller that reads the text
/// as a type of its own, such as a request around the payload, reads the copy and meets the same
/// errors at the same places). `error`, or the copy's own error, otherwise.
pub(crate) fn read_overflowing(bytes: &[u8], error: serde_json::Error) -> serde_json::Result<(JsonDocument, Vec<u8>)> {
    if !error.to_string().starts_with("number out of range") {
        return Err(error);
    }
    let Some((copy, overflows)) = replace_overflows(bytes) else { return Err(error) };
    let mut reader = serde_json::Deserializer::from_slice(&copy);
    let mut ranks = Ranks { next: 0, overflows: &overflows, at: 0 };
    let (value, marks) = Node { ranks: &mut ranks }.deserialize(&mut reader)?;
    reader.end()?;
    Ok((JsonDocument { value, infinities: marks }, copy))
}

/// `text.parse::<JsonDocument>()`, the same as [`JsonDocument::from_str`].
///
/// ```
/// let doc: loop_contracts::JsonDocument = r#"{"n": -1e999}"#.parse()?;
/// assert!(doc.has_infinities());
/// # Ok::<(), serde_json::Error>(())
/// ```
impl std::str::FromStr for JsonDocument {
    type Err = serde_json::Error;
    fn from_str(text: &str) -> serde_json::Result<Self> {
        Self::from_slice(text.as_bytes())
    }
}

/// A value without infinities.
///
/// ```
/// use loop_contracts::JsonDocument;
///
/// let doc = JsonDocument::from(serde_json::json!({"n": 1}));
/// assert!(!doc.has_infinities());
/// ```
impl From<Value> for JsonDocument {
    fn from(value: Value) -> Self {
        JsonDocument { value, infinities: None }
    }
}

impl Marks {
    /// Puts `null` (what `JSON.stringify` writes for an infinity) at each marked place of `value`
    /// that is still there: a value validated since it was parsed may have lost keys (unknown
    /// keys and records' `__proto__` are stripped), never gained any.
    pub(crate) fn null_out(&self, value: &mut Value) {
        match (self, value) {
            (Marks::Infinity { .. }, value) => *value = Value::Null,
            (Marks::Object(members), Value::Object(map)) => {
                for (key, marks) in members {
                    if let Some(member) = map.get_mut(key) {
                        marks.null_out(member);
                    }
                }
            }
            (Marks::Array(elements), Value::Array(items)) => {
                for (index, marks) in elements {
                    if let Some(item) = items.get_mut(*index) {
                        marks.null_out(item);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The ranks of the overflowing literals, met in document order while the copy is read.
struct Ranks<'o> {
    /// The rank of the next number literal.
    next: u64,
    overflows: &'o Overflows,
    /// The index in `overflows` of the next overflowing literal to meet.
    at: usize,
}

impl Ranks<'_> {
    /// Counts one number literal; `Some(negative)` when it was an overflowing one.
    fn number(&mut self) -> Option<bool> {
        let rank = self.next;
        self.next += 1;
        match self.overflows.ranks.get(self.at) {
            Some(&(overflowed, negative)) if overflowed == rank => {
                self.at += 1;
                Some(negative)
            }
            _ => None,
        }
    }
}

/// Reads one value as `Value` does, and where its infinities are.
struct Node<'r, 'o> {
    ranks: &'r mut Ranks<'o>,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = (Value, Option<Marks>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = (Value, Option<Marks>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok((Value::Bool(v), None))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        let marks = self.ranks.number().map(|negative| Marks::Infinity { negative });
        Ok((Value::from(v), marks))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        let marks = self.ranks.number().map(|negative| Marks::Infinity { negative });
        Ok((Value::from(v), marks))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        let marks = self.ranks.number().map(|negative| Marks::Infinity { negative });
        Ok((serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number), marks))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok((Value::String(v.to_owned()), None))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok((Value::String(v), None))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok((Value::Null, None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        let mut marked = Vec::new();
        while let Some((item, marks)) = seq.next_element_seed(Node { ranks: &mut *self.ranks })? {
            if let Some(marks) = marks {
                marked.push((items.len(), marks));
            }
            items.push(item);
        }
        Ok((Value::Array(items), (!marked.is_empty()).then_some(Marks::Array(marked))))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Map::new();
        let mut marked = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let (value, marks) = map.next_value_seed(Node { ranks: &mut *self.ranks })?;
            // A repeated key replaces the earlier value, infinities and all, as in `JSON.parse`.
            match marks {
                Some(marks) => {
                    marked.insert(key.clone(), marks);
                }
                None if !marked.is_empty() => {
                    marked.remove(&key);
                }
                None => {}
            }
            members.insert(key, value);
        }
        Ok((Value::Object(members), (!marked.is_empty()).then_some(Marks::Object(marked))))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn duplicate_keys_keep_the_last_value_and_its_infinities() {
        let doc = JsonDocument::from_str(r#"{"a": 1e999, "a": 0.5, "b": 2, "b": -1e999}"#).unwrap();
        assert_eq!(doc.into_forwarded(), json!({"a": 0.5, "b": null}));
        let doc = JsonDocument::from_str(r#"{"a": {"x": 1e999}, "a": {"x": 3}}"#).unwrap();
        assert!(!doc.has_infinities());
        assert_eq!(doc.into_forwarded(), json!({"a": {"x": 3}}));
    }

    #[test]
    fn the_signs_and_places_of_infinities_are_kept() {
        let doc = JsonDocument::from_str(r#"[0, -1e999, {"k": [1e999]}, 1e999]"#).unwrap();
        let want = Marks::Array(vec![
            (1, Marks::Infinity { negative: true }),
            (
                2,
                Marks::Object(BTreeMap::from([(
                    "k".to_owned(),
                    Marks::Array(vec![(0, Marks::Infinity { negative: false })]),
                )])),
            ),
            (3, Marks::Infinity { negative: false }),
        ]);
        assert_eq!(doc.infinities, Some(want));
    }

    #[test]
    fn other_errors_are_serde_json_s_at_the_original_positions() {
        let err = JsonDocument::from_str("[1e999, 1e999 1]").unwrap_err();
        assert_eq!(err.to_string(), "expected `,` or `]` at line 1 column 15");
        let err = JsonDocument::from_str("[1,").unwrap_err();
        assert_eq!(err.to_string(), "EOF while parsing a value at line 1 column 3");
        let err = JsonDocument::from_str("[1e999] x").unwrap_err();
        assert_eq!(err.to_string(), "trailing characters at line 1 column 9");
        // A lone surrogate after an infinity: refused where serde_json refuses it in finite text.
        let err = JsonDocument::from_str(r#"[1e999, "\ud800"]"#).unwrap_err();
        let finite = serde_json::from_str::<Value>(r#"[0.5  , "\ud800"]"#).unwrap_err();
        assert_eq!(err.to_string(), finite.to_string());
        // Before it, serde_json's own error stands.
        let err = JsonDocument::from_str(r#"["\ud800", 1e999]"#).unwrap_err();
        assert_eq!(err.to_string(), serde_json::from_str::<Value>(r#"["\ud800"]"#).unwrap_err().to_string());
    }

    #[test]
    fn a_taken_member_takes_its_infinities() {
        let mut doc = JsonDocument::from_str(r#"{"a": [1e999], "b": 1e999}"#).unwrap();
        let a = doc.take("a").unwrap();
        assert_eq!(a.into_forwarded(), json!([null]));
        assert!(doc.has_infinities());
        assert!(doc.take("a").is_none());
        assert_eq!(doc.take("b").unwrap().into_forwarded(), Value::Null);
        assert!(!doc.has_infinities());
    }
}
