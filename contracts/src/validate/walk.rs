//! The walk over an invalid payload that collects every issue, in Zod's order, with Zod's codes
//! and messages.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::issue::{Issue, IssueCode};
use crate::schema::format::{self, is_integer};
use crate::schema::plan::{ObjectPlan, TypePlan};

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
pub(super) struct At<'p, 's> {
    parent: Option<&'p At<'p, 's>>,
    step: Step<'s>,
}

pub(super) const ROOT: At<'static, 'static> = At { parent: None, step: Step::Root };

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
pub(super) struct Walk {
    pub(super) issues: Vec<Issue>,
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

    pub(super) fn object(&mut self, at: &At<'_, '_>, plan: &ObjectPlan, value: &Value) {
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
