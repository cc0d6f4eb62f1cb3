//! Decoding a [`JsonDocument`](crate::JsonDocument) that holds infinities: a `Deserializer` over
//! its value that hands each marked place to the visitor as `f64::INFINITY` or
//! `f64::NEG_INFINITY` (what `JSON.parse` made of the literal), and everything else as serde_json's
//! own `&Value` deserializer does.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Value};

use crate::validate::document::Marks;

/// A value and where its infinities are (`None`: nowhere inside it).
#[derive(Clone, Copy)]
pub(crate) struct WithInfinities<'v> {
    pub(crate) value: &'v Value,
    pub(crate) marks: Option<&'v Marks>,
}

impl<'de> Deserializer<'de> for WithInfinities<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match (self.marks, self.value) {
            (None, value) => value.deserialize_any(visitor),
            (Some(Marks::Infinity { negative }), _) => {
                visitor.visit_f64(if *negative { f64::NEG_INFINITY } else { f64::INFINITY })
            }
            (Some(Marks::Object(marks)), Value::Object(map)) => {
                visitor.visit_map(Members { entries: map.iter(), marks, pending: None })
            }
            (Some(Marks::Array(marks)), Value::Array(items)) => {
                visitor.visit_seq(Elements { items: items.iter().enumerate(), marks })
            }
            // Marks are built with the value they describe, so their shapes always agree.
            (Some(_), value) => value.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.marks {
            None => self.value.deserialize_option(visitor),
            // An infinity, or a container holding one, is never `null`.
            Some(_) => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Error> {
        match self.marks {
            None => self.value.deserialize_newtype_struct(name, visitor),
            Some(_) => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    // Every other request is answered from the value's own type, as serde_json's `&Value` does for
    // the types a JSON value can have; without marks, by serde_json itself.
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.marks {
            None => self.value.deserialize_bool(visitor),
            Some(_) => self.deserialize_any(visitor),
        }
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.marks {
            None => self.value.deserialize_f64(visitor),
            Some(_) => self.deserialize_any(visitor),
        }
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.marks {
            None => self.value.deserialize_str(visitor),
            Some(_) => self.deserialize_any(visitor),
        }
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.marks {
            None => self.value.deserialize_string(visitor),
            Some(_) => self.deserialize_any(visitor),
        }
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.marks {
            None => self.value.deserialize_enum(name, variants, visitor),
            // No enum is read from a number or a container holding one: the visitor refuses it.
            Some(_) => self.deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 char bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier
    }
}

/// The members of an object holding infinities.
struct Members<'v> {
    entries: serde_json::map::Iter<'v>,
    marks: &'v std::collections::BTreeMap<String, Marks>,
    pending: Option<WithInfinities<'v>>,
}

impl<'de> MapAccess<'de> for Members<'de> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.pending = Some(WithInfinities { value, marks: self.marks.get(key) });
        seed.deserialize(BorrowedStrDeserializer::<Error>::new(key)).map(Some)
    }
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let value = self.pending.take().ok_or_else(|| serde::de::Error::custom("a value was asked before its key"))?;
        seed.deserialize(value)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// The elements of an array holding infinities.
struct Elements<'v> {
    items: std::iter::Enumerate<std::slice::Iter<'v, Value>>,
    /// The marked elements not yet reached, by index ascending.
    marks: &'v [(usize, Marks)],
}

impl<'de> SeqAccess<'de> for Elements<'de> {
    type Error = Error;
    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Error> {
        let Some((index, value)) = self.items.next() else { return Ok(None) };
        let marks = match self.marks.split_first() {
            Some(((marked, marks), rest)) if *marked == index => {
                self.marks = rest;
                Some(marks)
            }
            _ => None,
        };
        seed.deserialize(WithInfinities { value, marks }).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::JsonDocument;

    #[test]
    fn infinities_reach_the_visitor_as_infinite_doubles() {
        let doc = JsonDocument::from_str(r#"{"a": 1e999, "b": [2, -1e999], "c": {"d": 1e999}, "e": 1}"#).unwrap();
        let view = WithInfinities { value: &doc.value, marks: doc.infinities.as_ref() };
        #[derive(Deserialize, Debug, PartialEq)]
        struct C {
            d: Option<f64>,
        }
        #[derive(Deserialize, Debug, PartialEq)]
        struct Doc {
            a: f64,
            b: Vec<f64>,
            c: C,
            e: u8,
        }
        let decoded = Doc::deserialize(view).unwrap();
        let want = Doc { a: f64::INFINITY, b: vec![2.0, f64::NEG_INFINITY], c: C { d: Some(f64::INFINITY) }, e: 1 };
        assert_eq!(decoded, want);
        // As `Value` (a record's contents), an infinity is what serde_json makes of one: `null`.
        assert_eq!(
            Value::deserialize(view).unwrap(),
            serde_json::json!({"a": null, "b": [2, null], "c": {"d": null}, "e": 1})
        );
        // Anything but a number refuses it.
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Text {
            a: String,
        }
        let err = Text::deserialize(view).unwrap_err();
        assert_eq!(err.to_string(), "invalid type: floating point `inf`, expected a string");
    }
}
