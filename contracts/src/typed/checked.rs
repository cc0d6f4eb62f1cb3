//! Typed decoding that reports Zod's issues from the same pass over the text.
//!
//! Each field is decoded by its codec, as the generated `Deserialize` decodes it, with the plan's
//! type for that place at hand. The first value a codec refuses is judged by the plan there (its
//! visitor still holds the value), and from that point the parse-driven check
//! (`validate/stream.rs`) reads the rest of that object or array and of each one around it: the
//! values decoded before were valid, so they hold no issue, and the check's bookkeeping (issue
//! runs, fields read, repeated keys) takes over where decoding stopped. A valid payload is decoded
//! and an invalid one reported in one reading of the text.
//!
//! What the pass cannot settle it leaves to the caller, who reads the text as the platform does
//! ([`JsonDocument`](crate::JsonDocument)): text serde_json refuses (not JSON, or a number beyond
//! a double, which the platform reads as an infinity), a valid value the struct cannot hold (a
//! whole number beyond `i64`), and a payload valid only because a repeated key replaced the value
//! decoding refused.
//!
//! Only code the [`event!`](crate::event) macro generates names these items.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

use super::codec::{
    BoolCodec, Codec, DatetimeCodec, EmailCodec, IntCodec, List, Nested, Nullish, NumCodec, RecordCodec, Str, UrlCodec,
    UuidCodec,
};
use super::event::Event;
use crate::schema::plan::{ObjectPlan, TypePlan};
use crate::validate::judge::Seen;
use crate::validate::stream::{self, Pass, Read};
use crate::validate::walk::{At, ROOT};
use crate::validate::ValidationError;

/// The error of a pass whose plan and types disagree (a bug, not an input): the caller's
/// document route then gives the verdict.
const MISMATCH: &str = "the plan does not describe this type";

/// Where a value is being decoded: the pass's issues, the path of the value's container, and
/// the value's place in the plan. The value's own path and type are worked out only when they
/// are needed (a refusal, a container): a valid scalar pays for neither.
#[doc(hidden)]
pub struct Here<'a> {
    pass: &'a mut Pass<'static>,
    parent: &'a At<'a, 'a>,
    place: Place<'a>,
}

/// A value's place in the plan.
#[derive(Clone, Copy)]
enum Place<'a> {
    /// The payload itself, judged by this type when it is not an object.
    Root(&'a TypePlan),
    /// Field `index` of an object.
    Field(&'a ObjectPlan, usize),
    /// Element `index` of an array of these items.
    Element(&'a TypePlan, usize),
}

impl<'a> Here<'a> {
    /// The plan's type for the value.
    fn ty(&self) -> &'a TypePlan {
        match self.place {
            Place::Root(ty) | Place::Element(ty, _) => ty,
            Place::Field(plan, index) => &plan.fields[index].ty,
        }
    }

    /// The value's path.
    fn at(&self) -> At<'a, 'a> {
        match self.place {
            Place::Root(_) => *self.parent,
            Place::Field(plan, index) => self.parent.key(&plan.fields[index].name),
            Place::Element(_, index) => self.parent.index(index),
        }
    }

    /// Judges a value the type refuses; `true` when that gave an issue.
    fn refuse(&mut self, seen: Seen<'_>) -> bool {
        let (at, ty) = (self.at(), self.ty());
        let before = self.pass.issue_count();
        self.pass.judge(&at, ty, seen);
        self.pass.issue_count() > before
    }

    /// Judges a value of another shape than the type's (read in full): `Ok(None)` once its
    /// issues are recorded.
    fn refused<T, E: de::Error>(mut self, seen: Seen<'_>) -> Result<Option<T>, E> {
        if self.refuse(seen) {
            Ok(None)
        } else {
            Err(E::custom(MISMATCH))
        }
    }
}

/// A codec that decodes in the checked pass: `Ok(None)` is a refused value, read in full, its
/// issues recorded; `Err` is what the pass cannot settle.
#[doc(hidden)]
pub trait CheckedCodec: Codec {
    /// Decodes one value at `here`.
    fn decode_checked<'de, D: Deserializer<'de>>(d: D, here: Here<'_>) -> Result<Option<Self::Value>, D::Error>;
}

/// A generated type (struct or enum) that decodes in the checked pass.
#[doc(hidden)]
pub trait CheckedType: Serialize + DeserializeOwned {
    /// Decodes one value at `here`, as [`CheckedCodec::decode_checked`].
    fn decode_checked<'de, D: Deserializer<'de>>(d: D, here: Here<'_>) -> Result<Option<Self>, D::Error>;
}

/// A generated struct: its members, read in the checked pass.
#[doc(hidden)]
pub trait CheckedFields: Sized {
    /// Reads the members of one object, its `{` read: `Ok(None)` once the whole object has been
    /// read and its issues recorded.
    fn visit_fields<'de, A: MapAccess<'de>>(map: A, object: ObjectScope<'_>) -> Result<Option<Self>, A::Error>;
}

/// Decodes a generated event from JSON text in one pass: the event, or every issue in Zod's order
/// with Zod's messages; `None` when the pass cannot settle the text (see the module's notes).
#[doc(hidden)]
pub fn decode_event<E: Event + CheckedFields>(text: &str) -> Option<Result<E, ValidationError>> {
    // The payload must be an object, and `Record` judges exactly that.
    const OBJECT: &TypePlan = &TypePlan::Record;
    let plan = &E::schema().plan;
    if !plan.names_unique {
        return None;
    }
    let mut pass = Pass::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let here = Here { pass: &mut pass, parent: &ROOT, place: Place::Root(OBJECT) };
    let decoded = de.deserialize_any(StructVisitor::<E> { here, plan, marker: PhantomData }).ok()?;
    de.end().ok()?;
    match decoded {
        Some(event) => Some(Ok(event)),
        // A refused value a repeated key later replaced: valid after all, but the values decoded
        // before the refusal are gone. Rare enough to leave to the caller's second reading.
        None if pass.issue_count() == 0 => None,
        None => Some(Err(ValidationError::from_issues(pass.into_issues()))),
    }
}

/// Decodes a generated struct at `here`, whose type must be an object.
#[doc(hidden)]
#[inline]
pub fn decode_struct<'de, T: CheckedFields, D: Deserializer<'de>>(d: D, here: Here<'_>) -> Result<Option<T>, D::Error> {
    let TypePlan::Object(plan) = here.ty() else { return Err(de::Error::custom(MISMATCH)) };
    d.deserialize_any(StructVisitor::<T> { here, plan, marker: PhantomData })
}

/// An object read into a generated struct; any other value is judged by the type at `here`.
struct StructVisitor<'a, T> {
    here: Here<'a>,
    plan: &'a ObjectPlan,
    marker: PhantomData<T>,
}

impl<'de, T: CheckedFields> Visitor<'de> for StructVisitor<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
        let at = self.here.at();
        let pass = self.here.pass;
        let first_issue = pass.issue_count();
        T::visit_fields(map, ObjectScope { pass, at: &at, plan: self.plan, first_issue })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<T>, A::Error> {
        stream::skip_elements(seq)?;
        self.here.refused(Seen::Array)
    }

    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        self.here.refused(Seen::Null)
    }

    #[inline]
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<T>, E> {
        self.here.refused(Seen::Bool)
    }

    #[inline]
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<T>, E> {
        self.here.refused(Seen::Number { integer: true })
    }

    #[inline]
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<T>, E> {
        self.here.refused(Seen::Number { integer: true })
    }

    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        self.here.refused(Seen::Number { integer: is_whole(v) })
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        self.here.refused(Seen::Str(v))
    }
}

/// `Number.isInteger`, for a float serde_json has read (always finite).
fn is_whole(v: f64) -> bool {
    v.is_finite() && v.fract() == 0.0
}

/// One object of a generated struct being read in the checked pass.
#[doc(hidden)]
pub struct ObjectScope<'a> {
    pass: &'a mut Pass<'static>,
    at: &'a At<'a, 'a>,
    plan: &'a ObjectPlan,
    /// Where the object's issues start.
    first_issue: usize,
}

impl<'a> ObjectScope<'a> {
    /// The seed of the value of field `index` (named `name`, which the plan must agree with).
    #[inline]
    pub fn field<C: CheckedCodec>(&mut self, index: usize, name: &'static str) -> FieldSeed<'_, C> {
        debug_assert_eq!(self.plan.fields[index].name, name, "the generated struct and its plan list the same fields");
        FieldSeed { pass: &mut *self.pass, parent: self.at, place: Place::Field(self.plan, index), codec: PhantomData }
    }

    /// Reads the rest of the object with the check, after the value of field `refused` was
    /// refused; `read` flags the fields read so far. The object is then read in full and its
    /// issues recorded.
    pub fn resume<'de, A: MapAccess<'de>>(self, map: A, refused: usize, read: &[bool]) -> Result<(), A::Error> {
        stream::resume_object(self.pass, self.at, self.plan, self.first_issue, Read::from_flags(read), refused, map)
    }

    /// Records the issues of an object read in full whose required fields are not all there
    /// (`read` flags those that are).
    pub fn missing(self, read: &[bool]) {
        stream::close_read_object(self.pass, self.at, self.plan, Read::from_flags(read));
    }
}

/// The seed of one field's (or element's) value: `Some(None)` is a refused value.
#[doc(hidden)]
pub struct FieldSeed<'a, C> {
    pass: &'a mut Pass<'static>,
    parent: &'a At<'a, 'a>,
    place: Place<'a>,
    codec: PhantomData<C>,
}

impl<'de, C: CheckedCodec> DeserializeSeed<'de> for FieldSeed<'_, C> {
    type Value = Option<C::Value>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<C::Value>, D::Error> {
        C::decode_checked(d, Here { pass: self.pass, parent: self.parent, place: self.place })
    }
}

/// A scalar codec (or a generated enum, or a record): decoded by its own visitor, through a
/// deserializer that judges the value that visitor refuses.
#[doc(hidden)]
#[inline]
pub fn decode_leaf<'de, C: Codec, D: Deserializer<'de>>(d: D, here: Here<'_>) -> Result<Option<C::Value>, D::Error> {
    match C::decode(Leaf { de: d, here }) {
        Ok(value) => Ok(Some(value)),
        Err(LeafError::Refused) => Ok(None),
        Err(LeafError::Read(e)) => Err(e),
    }
}

macro_rules! leaf_codecs {
    ($($codec:ty),* $(,)?) => {$(
        impl CheckedCodec for $codec {
            #[inline]
            fn decode_checked<'de, D: Deserializer<'de>>(d: D, here: Here<'_>) -> Result<Option<Self::Value>, D::Error> {
                decode_leaf::<Self, D>(d, here)
            }
        }
    )*};
}

leaf_codecs!(UuidCodec, DatetimeCodec, EmailCodec, UrlCodec, IntCodec, NumCodec, BoolCodec, RecordCodec);

impl<const MIN: u64, const MAX: u64> CheckedCodec for Str<MIN, MAX> {
    #[inline]
    fn decode_checked<'de, D: Deserializer<'de>>(d: D, here: Here<'_>) -> Result<Option<String>, D::Error> {
        decode_leaf::<Self, D>(d, here)
    }
}

impl<T: CheckedType> CheckedCodec for Nested<T> {
    #[inline]
    fn decode_checked<'de, D: Deserializer<'de>>(d: D, here: Here<'_>) -> Result<Option<T>, D::Error> {
        T::decode_checked(d, here)
    }
}

impl<C: CheckedCodec> CheckedCodec for Nullish<C> {
    #[inline]
    fn decode_checked<'de, D: Deserializer<'de>>(d: D, here: Here<'_>) -> Result<Option<Self::Value>, D::Error> {
        struct V<'a, C>(Here<'a>, PhantomData<C>);
        impl<'de, C: CheckedCodec> Visitor<'de> for V<'_, C> {
            type Value = Option<Option<C::Value>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Some(None))
            }
            #[inline]
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Some(None))
            }
            #[inline]
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                C::decode_checked(d, self.0).map(|value| value.map(Some))
            }
        }
        d.deserialize_option(V::<C>(here, PhantomData))
    }
}

impl<C: CheckedCodec> CheckedCodec for List<C> {
    fn decode_checked<'de, D: Deserializer<'de>>(d: D, here: Here<'_>) -> Result<Option<Self::Value>, D::Error> {
        struct V<'a, C>(Here<'a>, PhantomData<C>);
        impl<'de, C: CheckedCodec> Visitor<'de> for V<'_, C> {
            type Value = Option<Vec<C::Value>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let TypePlan::Array(items) = self.0.ty() else { return Err(de::Error::custom(MISMATCH)) };
                let at = self.0.at();
                let pass = self.0.pass;
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                loop {
                    let index = out.len();
                    let place = Place::Element(items, index);
                    let seed = FieldSeed::<C> { pass: &mut *pass, parent: &at, place, codec: PhantomData };
                    match seq.next_element_seed(seed)? {
                        None => return Ok(Some(out)),
                        Some(Some(item)) => out.push(item),
                        Some(None) => {
                            stream::elements(pass, &at, items, seq, index + 1)?;
                            return Ok(None);
                        }
                    }
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                stream::skip_entries(map)?;
                self.0.refused(Seen::Object)
            }
            #[inline]
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                self.0.refused(Seen::Null)
            }
            #[inline]
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                self.0.refused(Seen::Bool)
            }
            #[inline]
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                self.0.refused(Seen::Number { integer: true })
            }
            #[inline]
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                self.0.refused(Seen::Number { integer: true })
            }
            #[inline]
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                self.0.refused(Seen::Number { integer: is_whole(v) })
            }
            #[inline]
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                self.0.refused(Seen::Str(v))
            }
        }
        d.deserialize_any(V::<C>(here, PhantomData))
    }
}

/// The deserializer a leaf codec reads through: every request goes to serde_json as
/// `deserialize_any` (which reads the value in full whatever its type, where a hinted request of
/// another type would leave a container unread), and the codec's visitor gets the value as it
/// would have; when that visitor refuses it, the plan judges it.
struct Leaf<'a, D> {
    de: D,
    here: Here<'a>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Leaf<'_, D> {
    type Error = LeafError<D::Error>;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.de.deserialize_any(Intercept { visitor, here: self.here }) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(LeafError::Refused),
            Err(e) => Err(LeafError::Read(e)),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The error of a [`Leaf`]: a value the codec refused, its issues recorded, or the reader's own
/// error (text it cannot read, or a value the plan accepts and the codec cannot hold).
///
/// A refusal is not a serde_json error: building one formats its message and works out its line
/// and column, which an invalid payload would pay for a value whose issue is already recorded.
#[derive(Debug)]
enum LeafError<E> {
    Refused,
    Read(E),
}

impl<E: fmt::Display> fmt::Display for LeafError<E> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            LeafError::Refused => f.write_str("a value the type refuses"),
            LeafError::Read(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error> std::error::Error for LeafError<E> {}

impl<E: de::Error> de::Error for LeafError<E> {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        LeafError::Read(E::custom(msg))
    }
}

/// The error a codec's visitor returns when [`Intercept`] shows it a scalar: what the visitor
/// says (and the value, which an `unknown_variant` error would quote) is never formatted, since
/// the plan's issue replaces it.
#[derive(Debug)]
struct Refusal;

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value the type refuses")
    }
}

impl std::error::Error for Refusal {}

impl de::Error for Refusal {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Refusal
    }
}

/// The error of a value the codec refuses and the plan accepts (a whole number beyond `i64`):
/// the caller's document route then decodes it, or says why the struct cannot hold it.
const UNREPRESENTABLE: &str = "a valid value the type cannot hold";

/// A codec's visitor, watched: a value it refuses is judged by the plan, and read as `None` when
/// that gave an issue.
struct Intercept<'a, V> {
    visitor: V,
    here: Here<'a>,
}

impl<V> Intercept<'_, V> {
    /// The visitor's answer (given with a [`Refusal`] for its error), the value judged when it is
    /// a refusal.
    #[inline]
    fn settle<T, E: de::Error>(
        mut self,
        answer: impl FnOnce(V) -> Result<T, Refusal>,
        seen: Seen<'_>,
    ) -> Result<Option<T>, E> {
        match answer(self.visitor) {
            Ok(value) => Ok(Some(value)),
            Err(Refusal) if self.here.refuse(seen) => Ok(None),
            Err(Refusal) => Err(E::custom(UNREPRESENTABLE)),
        }
    }

    /// A container no leaf type takes, read in full and judged.
    fn container<T, E: de::Error>(mut self, seen: Seen<'_>, read: Result<(), E>) -> Result<Option<T>, E> {
        read?;
        if self.here.refuse(seen) {
            Ok(None)
        } else {
            Err(E::custom(MISMATCH))
        }
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Intercept<'_, V> {
    type Value = Option<V::Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(f)
    }

    #[inline]
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.settle(|visitor| visitor.visit_bool(v), Seen::Bool)
    }

    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.settle(|visitor| visitor.visit_i64(v), Seen::Number { integer: true })
    }

    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.settle(|visitor| visitor.visit_u64(v), Seen::Number { integer: true })
    }

    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.settle(|visitor| visitor.visit_f64(v), Seen::Number { integer: is_whole(v) })
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.settle(|visitor| visitor.visit_str(v), Seen::Str(v))
    }

    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.settle(|visitor| visitor.visit_borrowed_str(v), Seen::Str(v))
    }

    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.settle(|visitor| visitor.visit_unit(), Seen::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let read = stream::skip_elements(seq);
        self.container(Seen::Array, read)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if matches!(self.here.ty(), TypePlan::Record) {
            // A record codec reads the object itself; what it refuses inside is not settled here.
            return self.visitor.visit_map(map).map(Some);
        }
        let read = stream::skip_entries(map);
        self.container(Seen::Object, read)
    }
}
