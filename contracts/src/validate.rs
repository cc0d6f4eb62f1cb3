//! The validation engine: one walk over a `serde_json::Value` driven by an [`EventSchema`].
//!
//! It reproduces Zod 3's `safeParse` of the equivalent schema (SPEC §2.1): every issue is
//! collected, in the order Zod reports them (fields in definition order, depth first), with Zod's
//! codes and messages; unknown keys are stripped from the output. Valid input never pays for
//! issue paths: a path is only rendered when an issue is recorded.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::format;
use crate::issue::{Issue, IssueCode, ValidationError};
use crate::schema::{EventSchema, Field, FieldType};

impl EventSchema {
    /// Validates a payload; on success returns the validated payload with unknown keys stripped.
    ///
    /// ```
    /// use loop_contracts::catalog;
    /// use serde_json::json;
    ///
    /// let schema = catalog().get("lead.captured.v1").unwrap();
    /// let data = schema.validate(&json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000",
    ///     "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
    ///     "email": "user@example.com",
    ///     "source": "inbound_lead",
    ///     "attribution": {"utm_source": "newsletter"},
    ///     "personId": null,
    ///     "unknown": "stripped",
    /// })).unwrap();
    /// assert!(data.get("unknown").is_none());
    /// ```
    pub fn validate(&self, payload: &Value) -> Result<Value, ValidationError> {
        self.check(payload)?;
        let mut out = payload.clone();
        strip_object(self.fields(), &mut out);
        Ok(out)
    }

    /// Like [`validate`](Self::validate), but strips unknown keys in place instead of copying.
    pub fn validate_owned(&self, mut payload: Value) -> Result<Value, ValidationError> {
        self.check(&payload)?;
        strip_object(self.fields(), &mut payload);
        Ok(payload)
    }

    /// The verdict alone: `Ok(())` when the payload is valid, every issue otherwise.
    pub fn check(&self, payload: &Value) -> Result<(), ValidationError> {
        let issues = self.issues(payload);
        if issues.is_empty() {
            Ok(())
        } else {
            Err(ValidationError::from_issues(issues))
        }
    }

    /// Every issue of a payload, in Zod's order; empty when it is valid.
    pub fn issues(&self, payload: &Value) -> Vec<Issue> {
        let mut walk = Walk::default();
        walk.object(self.fields(), payload);
        walk.issues
    }
}

/// A step of a path: an object key or an array index.
#[derive(Clone, Copy)]
enum Step<'s> {
    Key(&'s str),
    Index(usize),
}

#[derive(Default)]
struct Walk<'s> {
    path: Vec<Step<'s>>,
    issues: Vec<Issue>,
}

/// Zod's name for the JSON type of a value (`getParsedType`).
fn received(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// JavaScript's `Number.isInteger` on a JSON number.
fn is_integer(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.is_finite() && f.fract() == 0.0)
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

impl<'s> Walk<'s> {
    fn push(&mut self, code: IssueCode, message: String) {
        let mut path = String::new();
        for (i, step) in self.path.iter().enumerate() {
            if i > 0 {
                path.push('.');
            }
            match step {
                Step::Key(k) => path.push_str(k),
                Step::Index(n) => {
                    let _ = write!(path, "{n}");
                }
            }
        }
        self.issues.push(Issue::new(path, code, message));
    }

    fn invalid_type(&mut self, expected: &str, got: Option<&Value>) {
        let message = match got {
            None => "Required".to_owned(),
            Some(v) => format!("Expected {expected}, received {}", received(v)),
        };
        self.push(IssueCode::InvalidType, message);
    }

    fn object(&mut self, fields: &'s [Field], value: &Value) {
        let Value::Object(map) = value else {
            self.invalid_type("object", Some(value));
            return;
        };
        self.fields(fields, map);
    }

    fn fields(&mut self, fields: &'s [Field], map: &Map<String, Value>) {
        for field in fields {
            let value = map.get(field.name.as_str());
            if !field.required && matches!(value, None | Some(Value::Null)) {
                continue;
            }
            self.path.push(Step::Key(&field.name));
            self.value(&field.ty, value);
            self.path.pop();
        }
    }

    /// Checks one value (`None`: the key is absent) against a type.
    fn value(&mut self, ty: &'s FieldType, value: Option<&Value>) {
        match ty {
            FieldType::String { min_length, max_length } => {
                let Some(Value::String(s)) = value else { return self.invalid_type("string", value) };
                if min_length.is_some() || max_length.is_some() {
                    let len = format::utf16_len(s);
                    if let Some(min) = *min_length {
                        if len < min {
                            self.push(IssueCode::TooSmall, format!("String must contain at least {min} character(s)"));
                        }
                    }
                    if let Some(max) = *max_length {
                        if len > max {
                            self.push(IssueCode::TooBig, format!("String must contain at most {max} character(s)"));
                        }
                    }
                }
            }
            FieldType::Uuid => self.format(value, format::is_uuid, "Invalid uuid"),
            FieldType::Datetime => self.format(value, format::is_datetime, "Invalid datetime"),
            FieldType::Email => self.format(value, format::is_email, "Invalid email"),
            FieldType::Url => self.format(value, format::is_url, "Invalid url"),
            FieldType::Enum(values) => match value {
                Some(Value::String(s)) => {
                    if !values.iter().any(|v| v == s) {
                        let message =
                            format!("Invalid enum value. Expected {}, received '{s}'", join_enum_values(values));
                        self.push(IssueCode::InvalidEnumValue, message);
                    }
                }
                _ => self.invalid_type(&join_enum_values(values), value),
            },
            FieldType::Integer => match value {
                Some(Value::Number(n)) => {
                    if !is_integer(n) {
                        self.push(IssueCode::InvalidType, "Expected integer, received float".to_owned());
                    }
                }
                _ => self.invalid_type("number", value),
            },
            FieldType::Number => {
                if !matches!(value, Some(Value::Number(_))) {
                    self.invalid_type("number", value);
                }
            }
            FieldType::Boolean => {
                if !matches!(value, Some(Value::Bool(_))) {
                    self.invalid_type("boolean", value);
                }
            }
            FieldType::Record => {
                if !matches!(value, Some(Value::Object(_))) {
                    self.invalid_type("object", value);
                }
            }
            FieldType::Object(fields) => match value {
                Some(Value::Object(map)) => self.fields(fields, map),
                _ => self.invalid_type("object", value),
            },
            FieldType::Array(items) => match value {
                Some(Value::Array(elements)) => {
                    for (i, element) in elements.iter().enumerate() {
                        self.path.push(Step::Index(i));
                        self.value(items, Some(element));
                        self.path.pop();
                    }
                }
                _ => self.invalid_type("array", value),
            },
        }
    }

    fn format(&mut self, value: Option<&Value>, check: fn(&str) -> bool, message: &str) {
        match value {
            Some(Value::String(s)) => {
                if !check(s) {
                    self.push(IssueCode::InvalidString, message.to_owned());
                }
            }
            _ => self.invalid_type("string", value),
        }
    }
}

/// Removes what Zod's output would not contain from a value already known to be valid: unknown
/// keys of declared objects, and `__proto__` keys of records (Zod's record parser drops them).
fn strip(ty: &FieldType, value: &mut Value) {
    match (ty, value) {
        (FieldType::Object(fields), value) => strip_object(fields, value),
        (FieldType::Record, Value::Object(map)) => {
            map.remove("__proto__");
        }
        (FieldType::Array(items), Value::Array(elements)) => {
            for element in elements {
                strip(items, element);
            }
        }
        _ => {}
    }
}

fn strip_object(fields: &[Field], value: &mut Value) {
    let Value::Object(map) = value else { return };
    // Rebuilding from the declared fields drops unknown keys in O(fields · log keys).
    let mut kept = Map::new();
    for field in fields {
        if let Some((key, mut v)) = map.remove_entry(field.name.as_str()) {
            strip(&field.ty, &mut v);
            kept.insert(key, v);
        }
    }
    *map = kept;
}
