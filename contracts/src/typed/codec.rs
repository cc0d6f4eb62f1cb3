//! Strict typed decoding and encoding of field values, one codec per discovery type.
//!
//! Generated structs decode each field through its codec, which accepts exactly the JSON values
//! the validation engine accepts for that type (the same [`format`](mod@crate::schema::format) checks, no
//! serde leniency such as a struct read from an array or an enum from `{"variant": null}`), and
//! encode it back in the spelling Zod accepts. Codecs are zero-sized type-level descriptions; the
//! [`event!`](crate::event) macro picks them, user code rarely names them.

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::email::Email;
use crate::schema::format;

/// A field type's strict decoder and canonical encoder.
///
/// `decode` and `encode` have the signatures serde's `deserialize_with` and `serialize_with`
/// expect, so a hand-written serde type can hold fields to the platform's rules:
///
/// ```
/// use loop_contracts::codec::{Codec, DatetimeCodec, UuidCodec};
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// struct Visit {
///     #[serde(deserialize_with = "UuidCodec::decode", serialize_with = "UuidCodec::encode")]
///     id: uuid::Uuid,
///     #[serde(deserialize_with = "DatetimeCodec::decode", serialize_with = "DatetimeCodec::encode")]
///     at: chrono::DateTime<chrono::Utc>,
/// }
///
/// let text = r#"{"id": "550E8400-E29B-41D4-A716-446655440000", "at": "2026-05-19T12:00Z"}"#;
/// let visit: Visit = serde_json::from_str(text)?;
/// let json = serde_json::to_string(&visit)?;
/// assert_eq!(json, r#"{"id":"550e8400-e29b-41d4-a716-446655440000","at":"2026-05-19T12:00:00Z"}"#);
/// // The uuid crate reads the unhyphenated form too; Zod, and so the codec, does not.
/// let text = r#"{"id": "550e8400e29b41d4a716446655440000", "at": "2026-05-19T12:00Z"}"#;
/// assert!(serde_json::from_str::<Visit>(text).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub trait Codec {
    /// The Rust type of a decoded value.
    type Value;
    /// Decodes a value, accepting exactly what the validation engine accepts.
    ///
    /// ```
    /// use loop_contracts::codec::{Codec, IntCodec};
    /// use serde_json::json;
    ///
    /// assert_eq!(IntCodec::decode(&json!(1e3)).unwrap(), 1000); // a whole number, as in JavaScript
    /// assert!(IntCodec::decode(&json!(1.5)).is_err());
    /// ```
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Value, D::Error>;
    /// Encodes a value.
    ///
    /// ```
    /// use loop_contracts::codec::{Codec, DatetimeCodec};
    ///
    /// let t = loop_contracts::format::parse_datetime("2026-05-19T12:00Z").unwrap();
    /// let value = DatetimeCodec::encode(&t, serde_json::value::Serializer).unwrap();
    /// assert_eq!(value, "2026-05-19T12:00:00Z");
    /// ```
    fn encode<S: Serializer>(value: &Self::Value, s: S) -> Result<S::Ok, S::Error>;
}

/// A `DeserializeSeed` that decodes through codec `C`.
///
/// ```
/// use loop_contracts::codec::{Dec, List, UuidCodec};
/// use serde::de::DeserializeSeed;
///
/// let mut json = serde_json::Deserializer::from_str(r#"["550e8400-e29b-41d4-a716-446655440000"]"#);
/// let ids = Dec::<List<UuidCodec>>::new().deserialize(&mut json)?;
/// assert_eq!(ids, [uuid::uuid!("550e8400-e29b-41d4-a716-446655440000")]);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct Dec<C>(PhantomData<C>);

impl<C> Dec<C> {
    /// The seed.
    ///
    /// ```
    /// use loop_contracts::codec::{BoolCodec, Dec};
    /// use serde::de::DeserializeSeed;
    ///
    /// assert!(Dec::<BoolCodec>::new().deserialize(&serde_json::json!(true)).unwrap());
    /// assert!(Dec::<BoolCodec>::new().deserialize(&serde_json::json!("true")).is_err());
    /// ```
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
///
/// ```
/// use loop_contracts::codec::{Enc, Nullish, UuidCodec};
///
/// let id = Some(uuid::Uuid::nil());
/// let json = serde_json::to_string(&Enc::<Nullish<UuidCodec>>(&id)).unwrap();
/// assert_eq!(json, r#""00000000-0000-0000-0000-000000000000""#);
/// assert_eq!(serde_json::to_string(&Enc::<Nullish<UuidCodec>>(&None)).unwrap(), "null");
/// ```
pub struct Enc<'a, C: Codec>(pub &'a C::Value);

impl<C: Codec> Serialize for Enc<'_, C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        C::encode(self.0, s)
    }
}

/// A visitor that accepts one JSON string and checks it with `check`.
struct StrVisitor<T> {
    expecting: &'static str,
    /// The error: it names what was expected, not the value, which may be personal data (and
    /// costs a formatting pass that typed decoding of an invalid payload would pay first).
    refusal: &'static str,
    check: fn(&str) -> Option<T>,
}

impl<T> Visitor<'_> for StrVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.check)(v).ok_or_else(|| E::custom(self.refusal))
    }
}

/// `string`, with optional bounds in UTF-16 code units (`MAX == u64::MAX` means unbounded).
///
/// ```
/// use loop_contracts::codec::{Codec, Str};
/// use serde_json::json;
///
/// type Subject = Str<1, 5>;
/// assert_eq!(Subject::decode(&json!("hello")).unwrap(), "hello");
/// assert!(Subject::decode(&json!("")).is_err());
/// assert!(Subject::decode(&json!("👍👍👍")).is_err()); // 6 UTF-16 code units
/// ```
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
///
/// ```
/// use loop_contracts::codec::{Codec, UuidCodec};
/// use serde_json::json;
///
/// let id = UuidCodec::decode(&json!("550e8400-e29b-41d4-a716-446655440000")).unwrap();
/// assert_eq!(id.get_version_num(), 4);
/// assert!(UuidCodec::decode(&json!("urn:uuid:550e8400-e29b-41d4-a716-446655440000")).is_err());
/// ```
pub struct UuidCodec;

impl Codec for UuidCodec {
    type Value = Uuid;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
        d.deserialize_str(StrVisitor {
            expecting: "a hyphenated UUID",
            refusal: "invalid value: expected a hyphenated UUID",
            check: format::parse_uuid,
        })
    }
    fn encode<S: Serializer>(value: &Uuid, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
    }
}

/// `datetime`: `YYYY-MM-DDTHH:MM[:SS[.f]]Z`.
///
/// ```
/// use chrono::Timelike;
/// use loop_contracts::codec::{Codec, DatetimeCodec};
/// use serde_json::json;
///
/// assert_eq!(DatetimeCodec::decode(&json!("2026-05-19T12:30Z")).unwrap().minute(), 30);
/// assert!(DatetimeCodec::decode(&json!("2026-05-19T12:30:00+00:00")).is_err());
/// ```
pub struct DatetimeCodec;

impl Codec for DatetimeCodec {
    type Value = DateTime<Utc>;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(StrVisitor {
            expecting: "a UTC datetime ending in Z",
            refusal: "invalid value: expected a UTC datetime ending in Z",
            check: format::parse_datetime,
        })
    }
    fn encode<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format::format_datetime(value))
    }
}

/// `email`.
///
/// ```
/// use loop_contracts::codec::{Codec, EmailCodec};
/// use serde_json::json;
///
/// assert_eq!(EmailCodec::decode(&json!("user@example.com")).unwrap().domain(), "example.com");
/// assert!(EmailCodec::decode(&json!("user@localhost")).is_err());
/// ```
pub struct EmailCodec;

impl Codec for EmailCodec {
    type Value = Email;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Email, D::Error> {
        Email::deserialize(d)
    }
    fn encode<S: Serializer>(value: &Email, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_str())
    }
}

/// `url`: a string the WHATWG URL parser accepts, kept as written.
///
/// ```
/// use loop_contracts::codec::{Codec, UrlCodec};
/// use serde_json::json;
///
/// assert_eq!(UrlCodec::decode(&json!("HTTPS://Example.com")).unwrap(), "HTTPS://Example.com");
/// assert!(UrlCodec::decode(&json!("/relative/path")).is_err());
/// ```
pub struct UrlCodec;

impl Codec for UrlCodec {
    type Value = String;
    fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_str(StrVisitor {
            expecting: "an absolute URL",
            refusal: "invalid value: expected an absolute URL",
            check: |s| format::is_url(s).then(|| s.to_owned()),
        })
    }
    fn encode<S: Serializer>(value: &String, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value)
    }
}

/// `integer`: any JSON number with no fractional part (`1.0` and `1e3` included, as in
/// JavaScript) that fits an `i64`.
///
/// ```
/// use loop_contracts::codec::{Codec, IntCodec};
/// use serde_json::json;
///
/// assert_eq!(IntCodec::decode(&json!(2.0)).unwrap(), 2);
/// assert!(IntCodec::decode(&json!(2.5)).is_err());
/// assert!(IntCodec::decode(&json!(u64::MAX)).is_err()); // beyond i64
/// ```
pub struct IntCodec;

/// [`IntCodec`]'s error for a number Zod refuses as an integer, fixed (see [`StrVisitor::refusal`]).
const NOT_AN_INTEGER: &str = "invalid value: expected an integer within the range of i64";

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
                // A whole number Zod accepts that `i64` cannot hold: the value says why.
                i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
                // 2^63 is exactly representable; anything below it in magnitude with no fraction fits.
                const LIMIT: f64 = 9_223_372_036_854_775_808.0;
                if v.is_finite() && v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
                    Ok(v as i64)
                } else if v.is_finite() && v.fract() == 0.0 {
                    // Valid for Zod, beyond `i64`: the value says why.
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                } else {
                    // A fraction or an infinity, which Zod refuses too: the check reports it.
                    Err(E::custom(NOT_AN_INTEGER))
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
///
/// ```
/// use loop_contracts::codec::{Codec, NumCodec};
/// use serde_json::json;
///
/// assert_eq!(NumCodec::decode(&json!(2)).unwrap(), 2.0);
/// assert!(NumCodec::decode(&json!("2")).is_err()); // no string coercion
/// let err = NumCodec::encode(&f64::NAN, serde_json::value::Serializer).unwrap_err();
/// assert_eq!(err.to_string(), "a `number` field holds NaN, which JSON cannot represent");
/// ```
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
        // serde_json would write `null`: an optional field would silently lose its value, a
        // required one would be reported as null. Zod's `number()` refuses both anyway.
        if !value.is_finite() {
            return Err(serde::ser::Error::custom(format_args!(
                "a `number` field holds {value}, which JSON cannot represent"
            )));
        }
        s.serialize_f64(*value)
    }
}

/// `boolean`.
///
/// ```
/// use loop_contracts::codec::{BoolCodec, Codec};
/// use serde_json::json;
///
/// assert!(!BoolCodec::decode(&json!(false)).unwrap());
/// assert!(BoolCodec::decode(&json!(0)).is_err());
/// ```
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
///
/// ```
/// use loop_contracts::codec::{Codec, RecordCodec};
/// use serde_json::json;
///
/// let map = RecordCodec::decode(&json!({"utm_source": "newsletter", "__proto__": {"admin": true}})).unwrap();
/// assert_eq!(map.keys().collect::<Vec<_>>(), ["utm_source"]);
/// assert!(RecordCodec::decode(&json!([])).is_err());
/// ```
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
                    let value = map.next_value_seed(Bounded(MAX_RECORD_DEPTH))?;
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

/// How deep the values of a record, and the skipped values of unknown keys, may nest. Decoding
/// recurses once per level, and JSON text never gets near this bound (serde_json's parser stops at
/// 128 levels from the root), but a `Value` built in memory can be nested 10,000 deep, which would
/// overflow the stack.
pub(crate) const MAX_RECORD_DEPTH: usize = 128;

/// Decodes any JSON value (as `Value`'s own impl does), refusing containers nested deeper than
/// `self.0` levels.
#[derive(Clone, Copy)]
struct Bounded(usize);

/// The bound for the contents of a container allowed `depth` more levels.
fn one_level_down<E: de::Error>(depth: usize) -> Result<usize, E> {
    depth
        .checked_sub(1)
        .ok_or_else(|| E::custom(format_args!("a value is nested deeper than {MAX_RECORD_DEPTH} levels")))
}

impl<'de> DeserializeSeed<'de> for Bounded {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Bounded {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = Bounded(one_level_down(self.0)?);
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(inner)? {
            out.push(item);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = Bounded(one_level_down(self.0)?);
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            out.insert(key, map.next_value_seed(inner)?);
        }
        Ok(Value::Object(out))
    }
}

/// A field that is not required: absent or `null` decode to `None` (Zod's `.nullish()`).
///
/// ```
/// use loop_contracts::codec::{Codec, IntCodec, Nullish};
/// use serde_json::json;
///
/// assert_eq!(Nullish::<IntCodec>::decode(&json!(null)).unwrap(), None);
/// assert_eq!(Nullish::<IntCodec>::decode(&json!(7)).unwrap(), Some(7));
/// assert!(Nullish::<IntCodec>::decode(&json!("7")).is_err());
/// ```
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
///
/// ```
/// use loop_contracts::codec::{Codec, IntCodec, List};
/// use serde_json::json;
///
/// assert_eq!(List::<IntCodec>::decode(&json!([1, 2.0])).unwrap(), [1, 2]);
/// assert!(List::<IntCodec>::decode(&json!([1, "2"])).is_err()); // one bad item refuses the array
/// ```
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
///
/// Named only by code the [`event!`](crate::event) macro generates, so that every field has a
/// codec; elsewhere the type's own serde impls do the same.
#[doc(hidden)]
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

/// Skips one value of any type (an unknown key's value), reading it as `Value` would: its strings
/// must be UTF-8 with paired surrogate escapes and its numbers finite, so that typed decoding
/// refuses exactly the bytes `serde_json::from_slice::<Value>` refuses (serde's `IgnoredAny` would
/// pass over them unchecked).
///
/// Called only by the map visitors the [`event!`](crate::event) macro generates.
#[doc(hidden)]
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value_seed(Checked(MAX_RECORD_DEPTH))
}

/// Any JSON value, read in full and dropped, its containers at most `self.0` levels deep (as record
/// values: a `Value` built in memory may be nested deeper than the stack allows).
#[derive(Clone, Copy)]
struct Checked(usize);

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = Checked(one_level_down(self.0)?);
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = Checked(one_level_down(self.0)?);
        while map.next_key_seed(inner)?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}
