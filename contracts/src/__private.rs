//! What generated code names. Paths here are stable only within one release of the crate.

#[cfg(feature = "registry")]
pub use crate::schema::build::Registration;
pub use chrono;
#[cfg(feature = "registry")]
pub use inventory;
#[cfg(feature = "schemars")]
pub use schemars;
pub use serde;
pub use serde_json;
pub use uuid;
#[cfg(feature = "validator")]
pub use validator;

pub use crate::{__if_registry as if_registry, __if_schemars as if_schemars, __if_validator as if_validator};

pub use std::sync::LazyLock;

pub use crate::schema::{envelope_fields, EventName, EventSchema, Field, FieldType};
pub use crate::typed::checked::{
    decode_event, decode_leaf, decode_struct, CheckedCodec, CheckedFields, CheckedType, FieldSeed, Here, ObjectScope,
};
pub use crate::typed::codec::{
    skip, BoolCodec, Codec, DatetimeCodec, Dec, EmailCodec, Enc, IntCodec, List, Nested, Nullish, NumCodec,
    RecordCodec, Str, UrlCodec, UuidCodec,
};
pub use crate::typed::{email::Email, event::Event};
pub use crate::validate::ValidationError;

/// Builds a generated event's descriptor: the envelope, then the declared fields.
pub fn event_schema(name: &str, description: Option<&str>, fields: Vec<Field>) -> EventSchema {
    let name = EventName::parse(name).unwrap_or_else(|e| panic!("the event! macro checked this name: {e}"));
    let mut all = envelope_fields().to_vec();
    all.extend(fields);
    let schema = EventSchema::new(name, all);
    match description {
        Some(d) => schema.with_description(d),
        None => schema,
    }
}

/// A field of a generated descriptor, with its documentation.
pub fn field(name: &str, required: bool, ty: FieldType, description: Option<&str>) -> Field {
    Field { name: name.to_owned(), required, ty, description: description.map(str::to_owned) }
}

/// Expands to its input when this crate has the `schemars` feature, to nothing otherwise.
#[cfg(feature = "schemars")]
#[macro_export]
#[doc(hidden)]
macro_rules! __if_schemars {
    ($($item:tt)*) => { $($item)* };
}

/// Expands to its input when this crate has the `schemars` feature, to nothing otherwise.
#[cfg(not(feature = "schemars"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __if_schemars {
    ($($item:tt)*) => {};
}

/// Expands to its input when this crate has the `validator` feature, to nothing otherwise.
#[cfg(feature = "validator")]
#[macro_export]
#[doc(hidden)]
macro_rules! __if_validator {
    ($($item:tt)*) => { $($item)* };
}

/// Expands to its input when this crate has the `validator` feature, to nothing otherwise.
#[cfg(not(feature = "validator"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __if_validator {
    ($($item:tt)*) => {};
}

/// Expands to its input when this crate has the `registry` feature, to nothing otherwise.
#[cfg(feature = "registry")]
#[macro_export]
#[doc(hidden)]
macro_rules! __if_registry {
    ($($item:tt)*) => { $($item)* };
}

/// Expands to its input when this crate has the `registry` feature, to nothing otherwise.
#[cfg(not(feature = "registry"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __if_registry {
    ($($item:tt)*) => {};
}

/// `schemars::JsonSchema::json_schema` of a generated event: its emitted JSON Schema document.
#[cfg(feature = "schemars")]
pub fn schemars_schema(schema: &EventSchema) -> schemars::Schema {
    let mut doc = schema.to_json_schema();
    if let Some(map) = doc.as_object_mut() {
        // Embedded in a larger document by schemars, the event keeps its keywords but not its identity.
        map.remove("$schema");
        map.remove("$id");
    }
    schemars::Schema::try_from(doc).unwrap_or_default()
}

/// `validator::Validate::validate` of a generated event: the validation engine over its payload.
#[cfg(feature = "validator")]
pub fn validate_typed<T: Event>(event: &T) -> Result<(), validator::ValidationErrors> {
    let payload = event.to_payload();
    let issues = T::schema().issues(&payload);
    if issues.is_empty() {
        return Ok(());
    }
    let mut errors = validator::ValidationErrors::new();
    for issue in issues {
        let top = issue.path.split('.').next().unwrap_or_default();
        let field: &'static str =
            T::schema().fields().iter().find(|f| f.name == top).map_or("__all__", |f| f.name.as_str());
        let mut error = validator::ValidationError::new(issue.code.as_str());
        error.add_param("path".into(), &issue.path);
        errors.add(field, error.with_message(issue.message));
    }
    Err(errors)
}
