//! Reading a derived struct from a JSON object only.
//!
//! serde's derived `Deserialize` also reads a struct from an array of its fields in order
//! (`["lead.captured.v1", {...}]` as `{"event", "payload"}`). No sender means that, and the
//! platform (a Zod object schema) refuses it, so the top-level shapes read here do too.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// `T`, read only from a map.
struct ObjectOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor(PhantomData)).map(ObjectOnly)
    }
}

/// `serde_json::from_slice`, refusing anything but an object at the top.
pub(crate) fn from_slice<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> serde_json::Result<T> {
    serde_json::from_slice::<ObjectOnly<T>>(bytes).map(|o| o.0)
}

/// `serde_json::from_str`, refusing anything but an object at the top.
pub(crate) fn from_str<'a, T: Deserialize<'a>>(text: &'a str) -> serde_json::Result<T> {
    serde_json::from_str::<ObjectOnly<T>>(text).map(|o| o.0)
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Pair<'a> {
        name: &'a str,
        count: u32,
    }

    #[test]
    fn objects_are_read_and_arrays_refused() {
        assert_eq!(super::from_str::<Pair>(r#"{"name": "a", "count": 2}"#).unwrap(), Pair { name: "a", count: 2 });
        assert!(serde_json::from_str::<Pair>(r#"["a", 2]"#).is_ok(), "what serde's derive alone accepts");
        let err = super::from_str::<Pair>(r#"["a", 2]"#).unwrap_err();
        assert_eq!(err.to_string(), "invalid type: sequence, expected a JSON object at line 1 column 0");
        assert!(super::from_slice::<Pair>(br#"{"name": "a", "count": 2} x"#).is_err(), "trailing text");
        assert!(super::from_slice::<Pair>(b"{\"name\": \"a\"}")
            .unwrap_err()
            .to_string()
            .contains("missing field `count`"));
    }
}
