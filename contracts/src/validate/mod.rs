//! The validation engine: one walk over a `serde_json::Value` driven by an [`EventSchema`].
//!
//! It reproduces Zod 3's `safeParse` of the equivalent schema (`docs/platform.md` §2.1): every issue is
//! collected, in the order Zod reports them (fields in definition order, depth first), with Zod's
//! codes and messages; unknown keys are stripped from the output. Valid input never pays for
//! issue paths: a path is only rendered when an issue is recorded.

pub(crate) mod issue;

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::format;
use crate::issue::{Issue, IssueCode, ValidationError};
use crate::plan::{ObjectPlan, TypePlan};
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
        Ok(copy_object(self.fields(), payload))
    }

    /// Like [`validate`](Self::validate), but strips unknown keys in place instead of copying.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let payload = json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "other", "attribution": {}, "unknown": "stripped",
    /// });
    /// let data = schema.validate_owned(payload).unwrap();
    /// assert!(data.get("unknown").is_none());
    /// assert_eq!(data["email"], "user@example.com");
    /// ```
    pub fn validate_owned(&self, mut payload: Value) -> Result<Value, ValidationError> {
        self.check(&payload)?;
        if !self.is_stripped(&payload) {
            strip_object(self.fields(), &mut payload);
        }
        Ok(payload)
    }

    /// Like [`validate`](Self::validate), but copies only when the output differs from the input
    /// (an unknown key to strip): most payloads come back borrowed, at no cost beyond the check.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let mut payload = json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "other", "attribution": {},
    /// });
    /// assert!(matches!(schema.validate_cow(&payload), Ok(Cow::Borrowed(_))));
    /// payload["unknown"] = json!("stripped");
    /// let data = schema.validate_cow(&payload).unwrap();
    /// assert!(matches!(data, Cow::Owned(_)) && data.get("unknown").is_none());
    /// ```
    pub fn validate_cow<'a>(&self, payload: &'a Value) -> Result<Cow<'a, Value>, ValidationError> {
        self.check(payload)?;
        Ok(if self.is_stripped(payload) {
            Cow::Borrowed(payload)
        } else {
            Cow::Owned(copy_object(self.fields(), payload))
        })
    }

    /// Whether stripping a valid payload would leave it as it is.
    fn is_stripped(&self, payload: &Value) -> bool {
        matches!(payload, Value::Object(map) if self.plan.is_stripped(map))
    }

    /// The verdict alone: `Ok(())` when the payload is valid, every issue otherwise.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let err = schema.check(&json!({"email": "not-an-email"})).unwrap_err();
    /// let paths: Vec<&str> = err.issues().iter().map(|i| i.path.as_str()).collect();
    /// assert_eq!(paths, ["eventId", "occurredAt", "brandId", "email", "source", "attribution"]);
    /// ```
    pub fn check(&self, payload: &Value) -> Result<(), ValidationError> {
        let issues = self.issues(payload);
        if issues.is_empty() {
            Ok(())
        } else {
            Err(ValidationError::from_issues(issues))
        }
    }

    /// The verdict alone, as fast as it can be had: no issues are collected.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// assert!(!schema.is_valid(&json!({"email": "user@example.com"})));
    /// assert!(!schema.is_valid(&json!([]))); // a payload is an object
    /// ```
    pub fn is_valid(&self, payload: &Value) -> bool {
        matches!(payload, Value::Object(map) if self.plan.is_valid(map))
    }

    /// Every issue of a payload, in Zod's order; empty when it is valid.
    ///
    /// ```
    /// use loop_contracts::IssueCode;
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let issues = schema.issues(&json!({"email": "not-an-email"}));
    /// assert_eq!((issues[3].path.as_str(), issues[3].code), ("email", IssueCode::InvalidString));
    /// assert_eq!(issues[3].message, "Invalid email");
    /// ```
    pub fn issues(&self, payload: &Value) -> Vec<Issue> {
        // The bookkeeping-free verdict first: most payloads are valid, and an invalid one usually
        // fails it within a field or two.
        if self.is_valid(payload) {
            return Vec::new();
        }
        let mut walk = Walk::default();
        walk.object(&ROOT, &self.plan, payload);
        walk.issues
    }
}

/// A step of a path: an object key or an array index.
#[derive(Clone, Copy)]
enum Step<'s> {
    Root,
    Key(&'s str),
    Index(usize),
}

/// The path to the value being checked, as a list linked through the call stack: valid input
/// never allocates for paths, and a path is rendered only when an issue is recorded.
#[derive(Clone, Copy)]
struct At<'p, 's> {
    parent: Option<&'p At<'p, 's>>,
    step: Step<'s>,
}

const ROOT: At<'static, 'static> = At { parent: None, step: Step::Root };

impl<'p, 's> At<'p, 's> {
    fn key(&'p self, key: &'s str) -> At<'p, 's> {
        At { parent: Some(self), step: Step::Key(key) }
    }

    fn index(&'p self, index: usize) -> At<'p, 's> {
        At { parent: Some(self), step: Step::Index(index) }
    }

    /// Zod's path joined with `.`.
    fn render(&self) -> String {
        let mut path = String::with_capacity(24);
        self.write(&mut path);
        path
    }

    /// Writes the path, root first; returns whether any step was written (so that an empty key
    /// still gets its separator, as `["", "x"].join(".")` does).
    fn write(&self, out: &mut String) -> bool {
        let written = self.parent.is_some_and(|parent| parent.write(out));
        match self.step {
            Step::Root => return written,
            _ if written => out.push('.'),
            _ => {}
        }
        match self.step {
            Step::Key(k) => out.push_str(k),
            Step::Index(n) => {
                let _ = write!(out, "{n}");
            }
            Step::Root => {}
        }
        true
    }
}

#[derive(Default)]
struct Walk {
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

/// `Expected <expected>, received <received>` for the fixed type names, without allocating.
fn type_message(expected: &'static str, got: &Value) -> Cow<'static, str> {
    macro_rules! table {
        ($($exp:literal),*) => {
            match (expected, got) {
                $(
                    ($exp, Value::Null) => concat!("Expected ", $exp, ", received null"),
                    ($exp, Value::Bool(_)) => concat!("Expected ", $exp, ", received boolean"),
                    ($exp, Value::Number(_)) => concat!("Expected ", $exp, ", received number"),
                    ($exp, Value::String(_)) => concat!("Expected ", $exp, ", received string"),
                    ($exp, Value::Array(_)) => concat!("Expected ", $exp, ", received array"),
                    ($exp, Value::Object(_)) => concat!("Expected ", $exp, ", received object"),
                )*
                _ => return Cow::Owned(format!("Expected {expected}, received {}", received(got))),
            }
        };
    }
    Cow::Borrowed(table!("string", "number", "boolean", "object", "array"))
}

/// A message from parts, in one allocation (`format!` costs more on this path, which runs once
/// per issue).
fn concat_message(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// JavaScript's `Number.isInteger` on a JSON number.
pub(crate) fn is_integer(n: &serde_json::Number) -> bool {
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

impl Walk {
    fn push(&mut self, at: &At<'_, '_>, code: IssueCode, message: impl Into<Cow<'static, str>>) {
        if self.issues.is_empty() {
            // A payload that fails usually fails on several fields: grow once, not four times.
            self.issues.reserve(8);
        }
        self.issues.push(Issue::new(at.render(), code, message));
    }

    fn invalid_type(&mut self, at: &At<'_, '_>, expected: &'static str, got: Option<&Value>) {
        let message = match got {
            None => Cow::Borrowed("Required"),
            Some(v) => type_message(expected, v),
        };
        self.push(at, IssueCode::InvalidType, message);
    }

    fn object(&mut self, at: &At<'_, '_>, plan: &ObjectPlan, value: &Value) {
        let Value::Object(map) = value else {
            self.invalid_type(at, "object", Some(value));
            return;
        };
        self.fields(at, plan, map);
    }

    fn fields(&mut self, at: &At<'_, '_>, plan: &ObjectPlan, map: &Map<String, Value>) {
        const ON_STACK: usize = 32;
        let mut stack = [None; ON_STACK];
        let mut heap = Vec::new();
        let values: &mut [Option<&Value>] = if plan.fields.len() <= ON_STACK {
            &mut stack[..plan.fields.len()]
        } else {
            heap.resize(plan.fields.len(), None);
            &mut heap
        };
        plan.lookup(map, values);
        for (field, &value) in plan.fields.iter().zip(values.iter()) {
            if !field.required && matches!(value, None | Some(Value::Null)) {
                continue;
            }
            self.value(&at.key(&field.name), &field.ty, value);
        }
    }

    /// Checks one value (`None`: the key is absent) against a type.
    fn value(&mut self, at: &At<'_, '_>, ty: &TypePlan, value: Option<&Value>) {
        match ty {
            TypePlan::String { min_length, max_length } => {
                let Some(Value::String(s)) = value else { return self.invalid_type(at, "string", value) };
                if min_length.is_some() || max_length.is_some() {
                    let len = format::utf16_len(s);
                    if let Some(min) = *min_length
                        && len < min
                    {
                        let message = format!("String must contain at least {min} character(s)");
                        self.push(at, IssueCode::TooSmall, message);
                    }
                    if let Some(max) = *max_length
                        && len > max
                    {
                        let message = format!("String must contain at most {max} character(s)");
                        self.push(at, IssueCode::TooBig, message);
                    }
                }
            }
            TypePlan::Uuid => self.format(at, value, format::is_uuid, "Invalid uuid"),
            TypePlan::Datetime => self.format(at, value, format::is_datetime, "Invalid datetime"),
            TypePlan::Email => self.format(at, value, format::is_email, "Invalid email"),
            TypePlan::Url => self.format(at, value, format::is_url, "Invalid url"),
            TypePlan::Enum { values, joined } => match value {
                Some(Value::String(s)) => {
                    if !values.iter().any(|v| v == s) {
                        let message =
                            concat_message(&["Invalid enum value. Expected ", joined, ", received '", s, "'"]);
                        self.push(at, IssueCode::InvalidEnumValue, message);
                    }
                }
                Some(other) => {
                    let message = concat_message(&["Expected ", joined, ", received ", received(other)]);
                    self.push(at, IssueCode::InvalidType, message);
                }
                None => self.push(at, IssueCode::InvalidType, "Required"),
            },
            TypePlan::Integer => match value {
                Some(Value::Number(n)) => {
                    if !is_integer(n) {
                        self.push(at, IssueCode::InvalidType, "Expected integer, received float");
                    }
                }
                _ => self.invalid_type(at, "number", value),
            },
            TypePlan::Number => {
                if !matches!(value, Some(Value::Number(_))) {
                    self.invalid_type(at, "number", value);
                }
            }
            TypePlan::Boolean => {
                if !matches!(value, Some(Value::Bool(_))) {
                    self.invalid_type(at, "boolean", value);
                }
            }
            TypePlan::Record => {
                if !matches!(value, Some(Value::Object(_))) {
                    self.invalid_type(at, "object", value);
                }
            }
            TypePlan::Object(plan) => match value {
                Some(Value::Object(map)) => self.fields(at, plan, map),
                _ => self.invalid_type(at, "object", value),
            },
            TypePlan::Array(items) => match value {
                Some(Value::Array(elements)) => {
                    for (i, element) in elements.iter().enumerate() {
                        self.value(&at.index(i), items, Some(element));
                    }
                }
                _ => self.invalid_type(at, "array", value),
            },
        }
    }

    fn format(&mut self, at: &At<'_, '_>, value: Option<&Value>, check: fn(&str) -> bool, message: &'static str) {
        match value {
            Some(Value::String(s)) => {
                if !check(s) {
                    self.push(at, IssueCode::InvalidString, message);
                }
            }
            _ => self.invalid_type(at, "string", value),
        }
    }
}

/// Copies an object known to be valid, leaving out what Zod's output would not contain (see
/// [`strip`]): unknown keys are never copied.
fn copy_object(fields: &[Field], value: &Value) -> Value {
    let Value::Object(map) = value else { return value.clone() };
    let mut kept: Vec<(String, Value)> = Vec::with_capacity(fields.len());
    for field in fields {
        if let Some((key, v)) = map.get_key_value(field.name.as_str()) {
            kept.push((key.clone(), copy_value(&field.ty, v)));
        }
    }
    Value::Object(kept.into_iter().collect())
}

fn copy_value(ty: &FieldType, value: &Value) -> Value {
    match (ty, value) {
        (FieldType::Object(fields), _) => copy_object(fields, value),
        (FieldType::Record, Value::Object(map)) => Value::Object(
            map.iter().filter(|(k, _)| k.as_str() != "__proto__").map(|(k, v)| (k.clone(), clone_deep(v))).collect(),
        ),
        (FieldType::Array(items), Value::Array(elements)) => {
            Value::Array(elements.iter().map(|e| copy_value(items, e)).collect())
        }
        _ => value.clone(),
    }
}

/// `Value::clone` without recursion. A record's contents are never walked by the engine, so they
/// may nest as deep as whoever built the `Value` liked; serde_json's own `clone` recurses once per
/// level and overflows a 2 MiB stack at about 10,000 levels.
fn clone_deep(value: &Value) -> Value {
    enum Frame<'a> {
        Array(std::slice::Iter<'a, Value>, Vec<Value>),
        Object(serde_json::map::Iter<'a>, Map<String, Value>, String),
    }
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut next = value;
    loop {
        // Open a container, or finish a scalar.
        let mut finished = match next {
            Value::Array(items) => {
                stack.push(Frame::Array(items.iter(), Vec::with_capacity(items.len())));
                None
            }
            Value::Object(map) => {
                stack.push(Frame::Object(map.iter(), Map::new(), String::new()));
                None
            }
            scalar => Some(scalar.clone()),
        };
        // Hand finished values to their parents until one has a child left to copy.
        loop {
            match stack.last_mut() {
                None => return finished.unwrap_or(Value::Null),
                Some(Frame::Array(items, out)) => {
                    out.extend(finished.take());
                    if let Some(child) = items.next() {
                        next = child;
                        break;
                    }
                }
                Some(Frame::Object(entries, out, key)) => {
                    if let Some(v) = finished.take() {
                        out.insert(std::mem::take(key), v);
                    }
                    if let Some((k, child)) = entries.next() {
                        key.clone_from(k);
                        next = child;
                        break;
                    }
                }
            }
            finished = match stack.pop() {
                Some(Frame::Array(_, out)) => Some(Value::Array(out)),
                Some(Frame::Object(_, out, _)) => Some(Value::Object(out)),
                None => None,
            };
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clone_deep_equals_clone() {
        for value in [
            json!(null),
            json!("x"),
            json!([]),
            json!({}),
            json!({"a": [1, 2.5, {"b": [true, null, "s", []]}], "": {"": {}}, "z": -1}),
            json!([[[[["deep"]]]], {"k": [{"k": [{}]}]}]),
        ] {
            assert_eq!(clone_deep(&value), value);
        }
    }

    #[test]
    fn clone_deep_does_not_recurse() {
        let copied = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(|| {
                let mut value = json!("bottom");
                for i in 0..10_000 {
                    // Not `json!`, which would serialize `value` (recursively) to interpolate it.
                    value = if i % 2 == 0 {
                        Value::Array(vec![value])
                    } else {
                        Value::Object(Map::from_iter([("k".to_owned(), value)]))
                    };
                }
                let copy = clone_deep(&value);
                // Taken apart by hand: dropping 10,000 levels recurses too.
                for v in [value, copy] {
                    let mut depth = 0;
                    let mut v = v;
                    loop {
                        v = match v {
                            Value::Array(mut items) => items.pop().unwrap_or(Value::Null),
                            Value::Object(mut map) => map.remove("k").unwrap_or(Value::Null),
                            other => break assert_eq!((other, depth), (json!("bottom"), 10_000)),
                        };
                        depth += 1;
                    }
                }
            })
            .unwrap()
            .join();
        assert!(copied.is_ok());
    }
}
