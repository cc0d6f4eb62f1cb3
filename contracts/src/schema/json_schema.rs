//! JSON Schema (draft 2020-12) documents that accept exactly what the validation engine accepts.
//!
//! Zod's format rules are written as `pattern`s (with `format` kept as an annotation), so that
//! validators that ignore formats, as ajv and the `jsonschema` crate do by default, give the same
//! verdicts. Optional fields also accept `null` (Zod's `.nullish()`); unknown keys are allowed,
//! because the platform strips rather than rejects them.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use super::descriptor::EventSchema;
use super::field::{Field, FieldType};
use super::format;

/// The `$id` prefix of the emitted documents.
pub const SCHEMA_ID_BASE: &str = "https://comms.loop.health/schemas/";

/// A JSON value whose object keys keep insertion order when serialized.
enum J {
    Null,
    Str(String),
    Num(u64),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
    /// An object with computed keys (`properties`).
    Props(Vec<(String, J)>),
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Null => s.serialize_unit(),
            J::Str(v) => s.serialize_str(v),
            J::Num(v) => s.serialize_u64(*v),
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            J::Obj(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            J::Props(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

fn s(v: &str) -> J {
    J::Str(v.to_owned())
}

/// `"type": "string"` or, when `null` is allowed, `"type": ["string", "null"]`.
fn type_of(name: &str, nullable: bool) -> J {
    if nullable {
        J::Arr(vec![s(name), s("null")])
    } else {
        s(name)
    }
}

fn object_schema(fields: &[Field], nullable: bool) -> Vec<(&'static str, J)> {
    let properties = fields.iter().map(|f| (f.name.clone(), field_schema(f))).collect();
    let required: Vec<J> = fields.iter().filter(|f| f.required).map(|f| s(&f.name)).collect();
    let mut out = vec![("type", type_of("object", nullable)), ("properties", J::Props(properties))];
    if !required.is_empty() {
        out.push(("required", J::Arr(required)));
    }
    out
}

fn field_schema(field: &Field) -> J {
    let mut entries = Vec::new();
    if let Some(d) = &field.description {
        entries.push(("description", s(d)));
    }
    entries.extend(type_schema(&field.ty, !field.required));
    J::Obj(entries)
}

fn string_format(nullable: bool, format: &str, pattern: &str) -> Vec<(&'static str, J)> {
    vec![("type", type_of("string", nullable)), ("format", s(format)), ("pattern", s(pattern))]
}

fn type_schema(ty: &FieldType, nullable: bool) -> Vec<(&'static str, J)> {
    match ty {
        FieldType::String { min_length, max_length } => {
            let mut out = vec![("type", type_of("string", nullable))];
            if let Some(n) = min_length {
                out.push(("minLength", J::Num(*n)));
            }
            if let Some(n) = max_length {
                out.push(("maxLength", J::Num(*n)));
            }
            out
        }
        FieldType::Uuid => string_format(nullable, "uuid", format::UUID_PATTERN),
        FieldType::Datetime => string_format(nullable, "date-time", format::DATETIME_PATTERN),
        FieldType::Email => string_format(nullable, "email", format::EMAIL_PATTERN),
        FieldType::Url => string_format(nullable, "uri", format::URL_PATTERN),
        FieldType::Enum(values) => {
            let mut listed: Vec<J> = values.iter().map(|v| s(v)).collect();
            if nullable {
                // `enum` must list null too, or null is refused although `type` allows it.
                listed.push(J::Null);
            }
            vec![("type", type_of("string", nullable)), ("enum", J::Arr(listed))]
        }
        FieldType::Integer => vec![("type", type_of("integer", nullable))],
        FieldType::Number => vec![("type", type_of("number", nullable))],
        FieldType::Boolean => vec![("type", type_of("boolean", nullable))],
        FieldType::Record => vec![("type", type_of("object", nullable))],
        FieldType::Object(fields) => object_schema(fields, nullable),
        FieldType::Array(items) => {
            vec![("type", type_of("array", nullable)), ("items", J::Obj(type_schema(items, false)))]
        }
    }
}

impl EventSchema {
    fn json_schema_tree(&self) -> J {
        let mut entries = vec![
            ("$schema", s("https://json-schema.org/draft/2020-12/schema")),
            ("$id", J::Str(format!("{SCHEMA_ID_BASE}{}.schema.json", self.name))),
            ("title", s(self.name.as_str())),
        ];
        if let Some(d) = &self.description {
            entries.push(("description", s(d)));
        }
        entries.extend(object_schema(&self.fields, false));
        J::Obj(entries)
    }

    /// The JSON Schema (draft 2020-12) document, pretty-printed, properties in definition order.
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let doc: serde_json::Value = serde_json::from_str(&schema.to_json_schema_string()).unwrap();
    /// assert_eq!(doc["required"][0], "eventId");
    /// assert_eq!(doc["properties"]["personId"]["type"], serde_json::json!(["string", "null"]));
    /// ```
    pub fn to_json_schema_string(&self) -> String {
        let mut out = serde_json::to_string_pretty(&self.json_schema_tree()).unwrap_or_default();
        out.push('\n');
        out
    }

    /// The JSON Schema document as a `Value`.
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let doc = schema.to_json_schema();
    /// assert_eq!(doc["$schema"], "https://json-schema.org/draft/2020-12/schema");
    /// assert_eq!(doc["properties"]["eventId"]["format"], "uuid");
    /// ```
    pub fn to_json_schema(&self) -> serde_json::Value {
        serde_json::to_value(self.json_schema_tree()).unwrap_or_default()
    }
}
