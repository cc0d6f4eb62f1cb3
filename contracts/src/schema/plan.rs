//! The validation plan: an [`EventSchema`](crate::EventSchema)'s fields compiled once into the
//! form the engine walks fastest.
//!
//! Three things are precomputed. Each object's fields sorted by name, so that a valid object is
//! checked in one merge pass over the (sorted) `serde_json::Map` instead of one tree lookup per
//! field; each object's output order, the order in which JavaScript lists the keys of Zod's
//! output; and each enum's joined value list, which two of Zod's messages quote.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::field::{Field, FieldType};
use super::format;

/// A compiled object: its fields in definition order (for issues), by name (for the merge) and in
/// output order (for writing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectPlan {
    pub(crate) fields: Vec<FieldPlan>,
    by_name: Box<[usize]>,
    /// Indices into `fields`, one per distinct name, in the order JavaScript lists the keys of the
    /// object Zod builds: see [`output_order`].
    output: Box<[usize]>,
    /// Each field's place in `output` (`usize::MAX` for a declaration another one of the same
    /// name overrides).
    pub(crate) output_rank: Box<[usize]>,
    /// Whether every name in this object and the objects under it is declared once, so that each
    /// key read maps to one field: the parser-driven walk needs it (see `validate/stream.rs`).
    pub(crate) names_unique: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldPlan {
    pub(crate) name: String,
    /// The name as JSON text followed by `:`, as the output writes it.
    pub(crate) json_key: String,
    pub(crate) required: bool,
    pub(crate) ty: TypePlan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypePlan {
    String { min_length: Option<u64>, max_length: Option<u64> },
    Uuid,
    Datetime,
    Email,
    Url,
    Enum { values: Vec<String>, joined: String },
    Integer,
    Number,
    Boolean,
    Record,
    Object(ObjectPlan),
    Array(Box<TypePlan>),
}

impl ObjectPlan {
    pub(crate) fn compile(fields: &[Field]) -> Self {
        let fields: Vec<FieldPlan> = fields
            .iter()
            .map(|f| FieldPlan {
                name: f.name.clone(),
                json_key: json_key(&f.name),
                required: f.required,
                ty: TypePlan::compile(&f.ty),
            })
            .collect();
        let mut by_name: Vec<usize> = (0..fields.len()).collect();
        by_name.sort_by(|&a, &b| fields[a].name.cmp(&fields[b].name));
        let output = output_order(&fields);
        let mut output_rank = vec![usize::MAX; fields.len()];
        for (rank, &index) in output.iter().enumerate() {
            output_rank[index] = rank;
        }
        let names_unique = by_name.windows(2).all(|w| fields[w[0]].name != fields[w[1]].name)
            && fields.iter().all(|f| f.ty.names_unique());
        ObjectPlan {
            fields,
            by_name: by_name.into(),
            output: output.into(),
            output_rank: output_rank.into(),
            names_unique,
        }
    }

    /// The index of the field named `key`, trying `guess` first: payloads mostly list their keys
    /// in definition order, so the next key is usually the field after the last one.
    #[inline]
    pub(crate) fn field_index(&self, key: &str, guess: usize) -> Option<usize> {
        if let Some(field) = self.fields.get(guess)
            && field.name == key
        {
            return Some(guess);
        }
        self.by_name.binary_search_by(|&i| self.fields[i].name.as_str().cmp(key)).ok().map(|at| self.by_name[at])
    }

    /// The fields in the order Zod's output lists their keys, each name once.
    pub(crate) fn output_fields(&self) -> impl Iterator<Item = &FieldPlan> {
        self.output.iter().map(|&i| &self.fields[i])
    }

    /// Whether `key` is one of the object's fields.
    pub(crate) fn declares(&self, key: &str) -> bool {
        self.by_name.binary_search_by(|&i| self.fields[i].name.as_str().cmp(key)).is_ok()
    }

    /// The verdict alone, with no bookkeeping: `true` when the object is valid.
    pub(crate) fn is_valid(&self, map: &Map<String, Value>) -> bool {
        if !map_iterates_sorted() {
            return self.fields.iter().all(|f| f.is_valid(map.get(f.name.as_str())));
        }
        // Both sides are sorted by name: one pass, one comparison per key on either side.
        let mut entries = map.iter();
        let mut current = entries.next();
        for &index in &self.by_name {
            let field = &self.fields[index];
            let value = loop {
                match current {
                    // Valid payloads mostly hold exactly the declared keys: try equality first.
                    Some((key, value)) if key.len() == field.name.len() && key == &field.name => break Some(value),
                    Some((key, value)) => match key.as_str().cmp(field.name.as_str()) {
                        std::cmp::Ordering::Less => current = entries.next(),
                        std::cmp::Ordering::Equal => break Some(value),
                        std::cmp::Ordering::Greater => break None,
                    },
                    None => break None,
                }
            };
            if !field.is_valid(value) {
                return false;
            }
        }
        true
    }
}

impl ObjectPlan {
    /// Whether a valid object is already what stripping would leave (so a copy would equal it):
    /// no key the object does not declare, nested objects likewise, no `__proto__` key in a
    /// record; and, where maps keep insertion order, keys in definition order, as the copy puts
    /// them.
    pub(crate) fn is_stripped(&self, map: &Map<String, Value>) -> bool {
        if !map_iterates_sorted() {
            let mut fields = self.fields.iter();
            return map.iter().all(|(key, value)| {
                fields.by_ref().find(|f| f.name == *key).is_some_and(|field| field.ty.is_stripped(value))
            });
        }
        // Both sides sorted by name: every key must meet its field in one merge pass.
        let mut by_name = self.by_name.iter().map(|&i| &self.fields[i]).peekable();
        map.iter().all(|(key, value)| {
            while by_name.next_if(|f| f.name.as_str() < key.as_str()).is_some() {}
            by_name.peek().is_some_and(|f| f.name == *key && f.ty.is_stripped(value))
        })
    }

    /// Finds each field's value (`None`: absent) in one merge pass, writing them into `out` in
    /// definition order. `out` must have one slot per field.
    pub(crate) fn lookup<'v>(&self, map: &'v Map<String, Value>, out: &mut [Option<&'v Value>]) {
        if !map_iterates_sorted() {
            for (slot, field) in out.iter_mut().zip(&self.fields) {
                *slot = map.get(field.name.as_str());
            }
            return;
        }
        let mut entries = map.iter();
        let mut current = entries.next();
        for &index in &self.by_name {
            let name = self.fields[index].name.as_str();
            out[index] = loop {
                match current {
                    Some((key, value)) if key.len() == name.len() && key == name => break Some(value),
                    Some((key, value)) => match key.as_str().cmp(name) {
                        std::cmp::Ordering::Less => current = entries.next(),
                        std::cmp::Ordering::Equal => break Some(value),
                        std::cmp::Ordering::Greater => break None,
                    },
                    None => break None,
                }
            };
        }
    }
}

impl FieldPlan {
    fn is_valid(&self, value: Option<&Value>) -> bool {
        match value {
            None | Some(Value::Null) if !self.required => true,
            None => false,
            Some(v) => self.ty.is_valid(v),
        }
    }
}

impl TypePlan {
    fn compile(ty: &FieldType) -> Self {
        match ty {
            FieldType::String { min_length, max_length } => {
                TypePlan::String { min_length: *min_length, max_length: *max_length }
            }
            FieldType::Uuid => TypePlan::Uuid,
            FieldType::Datetime => TypePlan::Datetime,
            FieldType::Email => TypePlan::Email,
            FieldType::Url => TypePlan::Url,
            FieldType::Enum(values) => TypePlan::Enum { values: values.clone(), joined: join_enum_values(values) },
            FieldType::Integer => TypePlan::Integer,
            FieldType::Number => TypePlan::Number,
            FieldType::Boolean => TypePlan::Boolean,
            FieldType::Record => TypePlan::Record,
            FieldType::Object(fields) => TypePlan::Object(ObjectPlan::compile(fields)),
            FieldType::Array(items) => TypePlan::Array(Box::new(TypePlan::compile(items))),
        }
    }

    fn names_unique(&self) -> bool {
        match self {
            TypePlan::Object(plan) => plan.names_unique,
            TypePlan::Array(items) => items.names_unique(),
            _ => true,
        }
    }

    fn is_stripped(&self, value: &Value) -> bool {
        match (self, value) {
            (TypePlan::Object(plan), Value::Object(map)) => plan.is_stripped(map),
            (TypePlan::Record, Value::Object(map)) => !map.contains_key("__proto__"),
            (TypePlan::Array(items), Value::Array(elements)) => elements.iter().all(|e| items.is_stripped(e)),
            _ => true,
        }
    }

    pub(crate) fn is_valid(&self, value: &Value) -> bool {
        match (self, value) {
            (TypePlan::String { min_length, max_length }, Value::String(s)) => {
                if min_length.is_none() && max_length.is_none() {
                    return true;
                }
                let len = format::utf16_len(s);
                min_length.is_none_or(|min| len >= min) && max_length.is_none_or(|max| len <= max)
            }
            (TypePlan::Uuid, Value::String(s)) => format::is_uuid(s),
            (TypePlan::Datetime, Value::String(s)) => format::is_datetime(s),
            (TypePlan::Email, Value::String(s)) => format::is_email(s),
            (TypePlan::Url, Value::String(s)) => format::is_url(s),
            (TypePlan::Enum { values, .. }, Value::String(s)) => values.iter().any(|v| v == s),
            (TypePlan::Integer, Value::Number(n)) => format::is_integer(n),
            (TypePlan::Number, Value::Number(_)) | (TypePlan::Boolean, Value::Bool(_)) => true,
            (TypePlan::Record, Value::Object(_)) => true,
            (TypePlan::Object(plan), Value::Object(map)) => plan.is_valid(map),
            (TypePlan::Array(items), Value::Array(elements)) => elements.iter().all(|e| items.is_valid(e)),
            _ => false,
        }
    }
}

/// A name as JSON text, with the `:` that follows a key.
fn json_key(name: &str) -> String {
    let mut key = Value::String(name.to_owned()).to_string();
    key.push(':');
    key
}

/// Zod's `util.joinValues(values, " | ")`: `'a' | 'b'`.
pub(crate) fn join_enum_values(values: &[String]) -> String {
    let mut out = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        out.push('\'');
        out.push_str(v);
        out.push('\'');
    }
    out
}

/// The order in which JavaScript lists the keys of the object Zod's `z.object` builds: Zod sets
/// them in definition order, and an object's own keys come out integer-like keys first (array
/// indices, `"0"` to `"4294967294"` written canonically), ascending, then the others in the order
/// they were set. A name declared twice is set twice but listed once, where it was first set,
/// holding what the last declaration parsed.
fn output_order(fields: &[FieldPlan]) -> Vec<usize> {
    let mut output: Vec<usize> = Vec::with_capacity(fields.len());
    for (index, field) in fields.iter().enumerate() {
        match output.iter_mut().find(|seen| fields[**seen].name == field.name) {
            Some(seen) => *seen = index,
            None => output.push(index),
        }
    }
    // Stable: the other keys keep definition order behind the indices.
    output.sort_by_key(|&i| array_index(&fields[i].name).map_or((1, 0), |n| (0, n)));
    output
}

/// The value of an array index key as ECMAScript defines one (`CanonicalNumericIndexString`
/// restricted to `0..2^32 - 1`): decimal digits, no leading zero except `"0"` itself, below
/// `4294967295`.
fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u32>().ok().filter(|&n| n != u32::MAX)
}

/// Whether `serde_json::Map` iterates in key order. It does unless some crate in the build
/// turned on serde_json's `preserve_order` (cargo unifies features), in which case the merge pass
/// would be wrong and the engine looks fields up one by one instead.
fn map_iterates_sorted() -> bool {
    static SORTED: OnceLock<bool> = OnceLock::new();
    *SORTED.get_or_init(|| {
        let mut probe = Map::new();
        probe.insert("b".to_owned(), Value::Null);
        probe.insert("a".to_owned(), Value::Null);
        probe.keys().next().map(String::as_str) == Some("a")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_indices_are_canonical_and_below_the_maximum() {
        for (key, index) in [("0", Some(0)), ("7", Some(7)), ("10", Some(10)), ("4294967294", Some(u32::MAX - 1))] {
            assert_eq!(array_index(key), index, "{key}");
        }
        for key in ["", "01", "00", "-1", "+1", "1.0", "1e3", " 1", "4294967295", "4294967296", "a1", "١"] {
            assert_eq!(array_index(key), None, "{key}");
        }
    }

    #[test]
    fn output_order_puts_array_indices_first_and_lists_a_repeated_name_once() {
        let string = || FieldType::String { min_length: None, max_length: None };
        let names = ["b", "10", "a", "2", "b", "01", "4294967295", "0"];
        let mut fields: Vec<Field> = names.iter().map(|n| Field::required(*n, string())).collect();
        fields[4].ty = FieldType::Integer;
        let plan = ObjectPlan::compile(&fields);
        let order: Vec<&str> = plan.output_fields().map(|f| f.name.as_str()).collect();
        assert_eq!(order, ["0", "2", "10", "b", "a", "01", "4294967295"]);
        // `b` is listed where it was first declared, with the type declared last.
        assert_eq!(plan.output_fields().nth(3).map(|f| &f.ty), Some(&TypePlan::Integer));
        assert!(plan.declares("01") && plan.declares("b") && !plan.declares("c") && !plan.declares("1"));
    }
}
