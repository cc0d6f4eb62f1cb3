//! Strict typed decoding and encoding of field values, one codec per discovery type.
//!
//! Generated structs decode each field through its codec, which accepts exactly the JSON values
//! the validation engine accepts for that type (the same [`format`](mod@crate::format) checks, no
//! serde leniency such as a struct read from an array or an enum from `{"variant": null}`), and
//! encode it back in the spelling Zod accepts. Codecs are zero-sized type-level descriptions; the
//! [`event!`](crate::event) macro picks them, user code rarely names them.

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::email::Email;
use crate::format;

/// A field type's strict decoder and canonical encoder.
pub trait Codec {
    /// The Rust type of a decoded value.
    type Value;
    /// Decodes a value, accepting exactly what the validation engine accepts.
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Value, D::Error>;
    /// Encodes a value.
    fn encode<S: Serializer>(value: &Self::Value, s: S) -> Result<S::Ok, S::Error>;
}

/// A `DeserializeSeed` that decodes through codec `C`.
pub struct Dec<C>(PhantomData<C>);

impl<C> Dec<C> {
    /// The seed.
    pub fn new() -> Self {
        Dec(PhantomData)
    }
}

impl<C> Default for Dec<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, C: Codec> DeserializeSeed<'de> for Dec<C> {
    type Value = C::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<C::Value, D::Error> {
        C::decode(d)
    }
}

/// A borrowed value that serializes through codec `C`.
pub struct Enc<'a, C: Codec>(pub &'a C::Value);

impl<C: Codec> Serialize for Enc<'_, C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        C::encode(self.0, s)
    }
}

/// A visitor that accepts one JSON string and checks it with `check`.
struct StrVisitor<T> {
    expecting: &'static str,
    check: fn(&str) -> Option<T>,
}

impl<T> Visitor<'_> for StrVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.check)(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self.expecting))
    }
}

/// `string`, with optional bounds in UTF-16 code units (`MAX == u64::MAX` means unbounded).
pub struct Str<const MIN: u64 = 0, const MAX: u64 = { u64::MAX }>;

impl<const MIN: u64, const MAX: u64> Codec for Str<MIN, MAX> {
    type Value = String;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        struct V<const MIN: u64, const MAX: u64>;
        impl<const MIN: u64, const MAX: u64> Visitor<'_> for V<MIN, MAX> {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                if MIN == 0 && MAX == u64::MAX {
                    f.write_str("a string")
                } else {
                    write!(f, "a string of {MIN} to {MAX} UTF-16 code units")
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
                self.visit_string(v.to_owned())
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
                if MIN > 0 || MAX < u64::MAX {
                    let len = format::utf16_len(&v);
                    if len < MIN || len > MAX {
                        return Err(E::invalid_length(len as usize, &self));
                    }
                }
                Ok(v)
            }
        }
        d.deserialize_string(V::<MIN, MAX>)
    }
    fn encode<S: Serializer>(value: &String, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value)
    }
}

/// `uuid`: the hyphenated form only, as Zod accepts it.
pub struct UuidCodec;

impl Codec for UuidCodec {
    type Value = Uuid;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
        d.deserialize_str(StrVisitor { expecting: "a hyphenated UUID", check: format::parse_uuid })
    }
    fn encode<S: Serializer>(value: &Uuid, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
    }
}

/// `datetime`: `YYYY-MM-DDTHH:MM[:SS[.f]]Z`.
pub struct DatetimeCodec;

impl Codec for DatetimeCodec {
    type Value = DateTime<Utc>;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(StrVisitor { expecting: "a UTC datetime ending in Z", check: format::parse_datetime })
    }
    fn encode<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format::format_datetime(value))
    }
}

/// `email`.
pub struct EmailCodec;

impl Codec for EmailCodec {
    type Value = Email;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Email, D::Error> {
        d.deserialize_str(StrVisitor { expecting: "an email address", check: |s| Email::parse(s).ok() })
    }
    fn encode<S: Serializer>(value: &Email, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_str())
    }
}

/// `url`: a string the WHATWG URL parser accepts, kept as written.
pub struct UrlCodec;

impl Codec for UrlCodec {
    type Value = String;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_str(StrVisitor {
            expecting: "an absolute URL",
            check: |s| format::is_url(s).then(|| s.to_owned()),
        })
    }
    fn encode<S: Serializer>(value: &String, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value)
    }
}

/// `integer`: any JSON number with no fractional part (`1.0` and `1e3` included, as in
/// JavaScript) that fits an `i64`.
pub struct IntCodec;

impl Codec for IntCodec {
    type Value = i64;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = i64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer within the range of i64")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
                i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
                // 2^63 is exactly representable; anything below it in magnitude with no fraction fits.
                const LIMIT: f64 = 9_223_372_036_854_775_808.0;
                if v.is_finite() && v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
                    Ok(v as i64)
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
        }
        d.deserialize_i64(V)
    }
    fn encode<S: Serializer>(value: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(*value)
    }
}

/// `number`.
pub struct NumCodec;

impl Codec for NumCodec {
    type Value = f64;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = f64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
        }
        d.deserialize_f64(V)
    }
    fn encode<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(*value)
    }
}

/// `boolean`.
pub struct BoolCodec;

impl Codec for BoolCodec {
    type Value = bool;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
        }
        d.deserialize_bool(V)
    }
    fn encode<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*value)
    }
}

/// `object` without declared fields: any JSON object (not `null`, not an array). Keys named
/// `__proto__` are dropped, as Zod's record parser drops them.
pub struct RecordCodec;

impl Codec for RecordCodec {
    type Value = Map<String, Value>;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Map<String, Value>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: Value = map.next_value()?;
                    if key != "__proto__" {
                        out.insert(key, value);
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
    fn encode<S: Serializer>(value: &Map<String, Value>, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

/// A field that is not required: absent or `null` decode to `None` (Zod's `.nullish()`).
pub struct Nullish<C>(PhantomData<C>);

impl<C: Codec> Codec for Nullish<C> {
    type Value = Option<C::Value>;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<C::Value>, D::Error> {
        struct V<C>(PhantomData<C>);
        impl<'de, C: Codec> Visitor<'de> for V<C> {
            type Value = Option<C::Value>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                C::decode(d).map(Some)
            }
        }
        d.deserialize_option(V::<C>(PhantomData))
    }
    fn encode<S: Serializer>(value: &Option<C::Value>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => C::encode(v, s),
            None => s.serialize_none(),
        }
    }
}

/// `array` of items decoded by `C`.
pub struct List<C>(PhantomData<C>);

impl<C: Codec> Codec for List<C> {
    type Value = Vec<C::Value>;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<C::Value>, D::Error> {
        struct V<C>(PhantomData<C>);
        impl<'de, C: Codec> Visitor<'de> for V<C> {
            type Value = Vec<C::Value>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element_seed(Dec::<C>::new())? {
                    out.push(item);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V::<C>(PhantomData))
    }
    fn encode<S: Serializer>(value: &Vec<C::Value>, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(value.len()))?;
        for item in value {
            seq.serialize_element(&Enc::<C>(item))?;
        }
        seq.end()
    }
}

/// A generated nested struct or enum, whose own (generated, strict) serde impls are the codec.
pub struct Nested<T>(PhantomData<T>);

impl<T: Serialize + for<'de> Deserialize<'de>> Codec for Nested<T> {
    type Value = T;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::deserialize(d)
    }
    fn encode<S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }
}

/// Skips one value of any type (an unknown key's value).
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(drop)
}
