//! The discovery document (`GET /api/events/schema/<name>`, `schemas/<event>.fields.json`):
//! writing it from a schema and parsing it back, keeping field order both ways.
//!
//! serde_json's `Value` keeps object keys sorted (its `preserve_order` feature would slow every
//! JSON parse of every dependent), so documents are serialized and parsed with ordered visitors
//! instead of going through `Value`.

use std::collections::HashSet;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};

use super::descriptor::EventSchema;
use super::field::{Field, FieldType};
use super::name::{EventName, EventNameError};

/// How deeply objects and arrays may nest in a discovery document read at run time.
pub const MAX_DISCOVERY_DEPTH: usize = 32;

/// Why a discovery document could not be read.
///
/// ```
/// use loop_contracts::{schema::DiscoveryError, EventSchema};
///
/// let read = |doc: &str| EventSchema::from_discovery_str(doc).unwrap_err();
/// assert!(matches!(read("{"), DiscoveryError::Json(_)));
/// assert!(matches!(read(r#"{"name": "Lead", "fields": {}}"#), DiscoveryError::Name(_)));
/// let err = read(r#"{"name": "a.b.v1", "fields": {"n": {"type": "int", "required": true}}}"#);
/// assert!(matches!(&err, DiscoveryError::Field { path, .. } if path == "n"), "{err}");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The text is not JSON, or not of the document's shape.
    #[error("malformed discovery document: {0}")]
    Json(#[from] serde_json::Error),
    /// The `name` is not an event name.
    #[error("discovery document: {0}")]
    Name(#[from] EventNameError),
    /// A field's declaration is wrong.
    #[error("discovery document: field `{path}`: {reason}")]
    Field {
        /// Dotted path of the field (`lineItems.items.sku`).
        path: String,
        /// What is wrong.
        reason: String,
    },
}

impl EventSchema {
    /// The discovery document, pretty-printed, fields in definition order.
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let doc: serde_json::Value = serde_json::from_str(&schema.to_discovery_json()).unwrap();
    /// assert_eq!(doc["fields"]["personId"], serde_json::json!({"type": "uuid", "required": false}));
    /// ```
    pub fn to_discovery_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(&DocOut(self)).unwrap_or_default();
        out.push('\n');
        out
    }

    /// The discovery document as a `Value` (equal as JSON; key order is `Value`'s).
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let doc = schema.to_discovery_value();
    /// assert_eq!(doc["name"], "lead.captured.v1");
    /// assert_eq!(doc, serde_json::from_str::<serde_json::Value>(&schema.to_discovery_json()).unwrap());
    /// ```
    pub fn to_discovery_value(&self) -> serde_json::Value {
        serde_json::to_value(DocOut(self)).unwrap_or_default()
    }

    /// Parses a discovery document, keeping field order (so issues come out in the platform's order).
    ///
    /// ```
    /// use loop_contracts::schema::EventSchema;
    /// use serde_json::json;
    ///
    /// let schema = EventSchema::from_discovery_str(r#"{"name": "ticket.opened.v2", "fields": {
    ///     "eventId": {"type": "uuid", "required": true},
    ///     "priority": {"type": "enum", "values": ["low", "high"], "required": true}}}"#).unwrap();
    /// let err = schema.validate(&json!({"priority": "urgent"})).unwrap_err();
    /// assert_eq!(err.issues()[0].path, "eventId");
    /// assert_eq!(err.issues()[1].message, "Invalid enum value. Expected 'low' | 'high', received 'urgent'");
    /// ```
    pub fn from_discovery_str(text: &str) -> Result<Self, DiscoveryError> {
        let raw: RawDoc = crate::strict::from_str(text)?;
        raw.into_schema()
    }

    /// [`from_discovery_str`](Self::from_discovery_str) over bytes.
    ///
    /// ```
    /// use loop_contracts::schema::EventSchema;
    ///
    /// let bytes = br#"{"name": "note.added.v1", "fields": {
    ///     "text": {"type": "string", "minLength": 1, "required": true}}}"#;
    /// let schema = EventSchema::from_discovery_slice(bytes).unwrap();
    /// assert_eq!(schema.fields()[0].name, "text");
    /// assert!(EventSchema::from_discovery_slice(b"not json").is_err());
    /// ```
    pub fn from_discovery_slice(bytes: &[u8]) -> Result<Self, DiscoveryError> {
        let raw: RawDoc = crate::strict::from_slice(bytes)?;
        raw.into_schema()
    }

    /// Reads a discovery document already parsed into a `Value`. `Value` does not keep key order,
    /// so fields come out sorted by name; prefer [`from_discovery_str`](Self::from_discovery_str).
    ///
    /// ```
    /// use loop_contracts::schema::EventSchema;
    /// use serde_json::json;
    ///
    /// let doc = json!({"name": "note.added.v1", "fields": {
    ///     "text": {"type": "string", "required": true},
    ///     "author": {"type": "email", "required": false}}});
    /// let schema = EventSchema::from_discovery_value(&doc).unwrap();
    /// let names: Vec<&str> = schema.fields().iter().map(|f| f.name.as_str()).collect();
    /// assert_eq!(names, ["author", "text"]); // sorted, not as written
    /// ```
    pub fn from_discovery_value(value: &serde_json::Value) -> Result<Self, DiscoveryError> {
        let raw = RawDoc::deserialize(value)?;
        raw.into_schema()
    }
}

// ---- writing ----

struct DocOut<'a>(&'a EventSchema);
struct FieldsOut<'a>(&'a [Field]);
struct SpecOut<'a> {
    ty: &'a FieldType,
    required: Option<bool>,
}

impl Serialize for DocOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("name", self.0.name.as_str())?;
        m.serialize_entry("fields", &FieldsOut(&self.0.fields))?;
        m.end()
    }
}

impl Serialize for FieldsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for f in self.0 {
            m.serialize_entry(&f.name, &SpecOut { ty: &f.ty, required: Some(f.required) })?;
        }
        m.end()
    }
}

impl Serialize for SpecOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", self.ty.type_name())?;
        match self.ty {
            FieldType::String { min_length, max_length } => {
                if let Some(n) = min_length {
                    m.serialize_entry("minLength", n)?;
                }
                if let Some(n) = max_length {
                    m.serialize_entry("maxLength", n)?;
                }
            }
            FieldType::Enum(values) => m.serialize_entry("values", values)?,
            FieldType::Object(fields) => m.serialize_entry("fields", &FieldsOut(fields))?,
            FieldType::Array(items) => m.serialize_entry("items", &SpecOut { ty: items, required: None })?,
            _ => {}
        }
        if let Some(required) = self.required {
            m.serialize_entry("required", &required)?;
        }
        m.end()
    }
}

// ---- reading ----

#[derive(Deserialize)]
struct RawDoc {
    name: String,
    #[serde(default)]
    description: Option<String>,
    fields: RawFields,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    required: Option<bool>,
    #[serde(default)]
    values: Option<Vec<String>>,
    #[serde(default)]
    fields: Option<RawFields>,
    #[serde(default)]
    items: Option<Box<RawSpec>>,
    #[serde(default)]
    min_length: Option<u64>,
    #[serde(default)]
    max_length: Option<u64>,
    #[serde(default)]
    description: Option<String>,
}

/// An object of field specs, in document order, duplicates kept so they can be reported.
struct RawFields(Vec<(String, RawSpec)>);

impl<'de> Deserialize<'de> for RawFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawFields;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of field declarations")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFields, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let spec = map.next_value::<RawSpec>()?;
                    out.push((key, spec));
                }
                Ok(RawFields(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl RawDoc {
    fn into_schema(self) -> Result<EventSchema, DiscoveryError> {
        let name = EventName::parse(&self.name)?;
        let fields = convert_fields(self.fields, "", 0)?;
        let schema = EventSchema::new(name, fields);
        Ok(match self.description {
            Some(d) => schema.with_description(d),
            None => schema,
        })
    }
}

fn field_error(path: &str, reason: impl Into<String>) -> DiscoveryError {
    DiscoveryError::Field { path: crate::text::clip(path, 300), reason: reason.into() }
}

fn convert_fields(raw: RawFields, prefix: &str, depth: usize) -> Result<Vec<Field>, DiscoveryError> {
    let mut seen = HashSet::new();
    let mut fields = Vec::with_capacity(raw.0.len());
    for (name, spec) in raw.0 {
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        if !seen.insert(name.clone()) {
            return Err(field_error(&path, "declared twice"));
        }
        let required = spec.required.ok_or_else(|| field_error(&path, "missing `required`"))?;
        let description = spec.description.clone();
        let ty = convert_type(spec, &path, depth)?;
        fields.push(Field { name, required, ty, description });
    }
    Ok(fields)
}

fn convert_type(spec: RawSpec, path: &str, depth: usize) -> Result<FieldType, DiscoveryError> {
    if depth >= MAX_DISCOVERY_DEPTH {
        return Err(field_error(path, format!("nested deeper than {MAX_DISCOVERY_DEPTH} levels")));
    }
    let misplaced = |key: &str| field_error(path, format!("`{key}` is not allowed on type `{}`", spec.ty));
    if spec.values.is_some() && spec.ty != "enum" {
        return Err(misplaced("values"));
    }
    if spec.fields.is_some() && spec.ty != "object" {
        return Err(misplaced("fields"));
    }
    if spec.items.is_some() && spec.ty != "array" {
        return Err(misplaced("items"));
    }
    if (spec.min_length.is_some() || spec.max_length.is_some()) && spec.ty != "string" {
        return Err(misplaced("minLength/maxLength"));
    }
    Ok(match spec.ty.as_str() {
        "string" => {
            if let (Some(min), Some(max)) = (spec.min_length, spec.max_length)
                && min > max
            {
                return Err(field_error(path, "`minLength` is greater than `maxLength`"));
            }
            FieldType::String { min_length: spec.min_length, max_length: spec.max_length }
        }
        "uuid" => FieldType::Uuid,
        "datetime" => FieldType::Datetime,
        "email" => FieldType::Email,
        "url" => FieldType::Url,
        "integer" => FieldType::Integer,
        "number" => FieldType::Number,
        "boolean" => FieldType::Boolean,
        "enum" => {
            let values = spec.values.ok_or_else(|| field_error(path, "an `enum` needs `values`"))?;
            if values.is_empty() {
                return Err(field_error(path, "an `enum` needs at least one value"));
            }
            let mut seen = HashSet::new();
            if let Some(dup) = values.iter().find(|v| !seen.insert(v.as_str())) {
                return Err(field_error(path, format!("enum value {dup:?} is listed twice")));
            }
            FieldType::Enum(values)
        }
        "object" => match spec.fields {
            None => FieldType::Record,
            Some(fields) => FieldType::Object(convert_fields(fields, path, depth + 1)?),
        },
        "array" => {
            let items = spec.items.ok_or_else(|| field_error(path, "an `array` needs `items`"))?;
            let item_path = format!("{path}.items");
            FieldType::Array(Box::new(convert_type(*items, &item_path, depth + 1)?))
        }
        other => {
            let shown: String = crate::text::clip(other, 40);
            return Err(field_error(
                path,
                format!("unknown type {shown:?} (expected string, uuid, datetime, email, url, enum, integer, number, boolean, object or array)"),
            ));
        }
    })
}
