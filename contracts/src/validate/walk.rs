//! The walk over an invalid payload that collects every issue, in Zod's order, with Zod's codes
//! and messages.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::issue::{Issue, IssueCode};
use super::judge::{judge, Seen};
use crate::schema::format::is_integer;
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
pub(crate) struct At<'p, 's> {
    parent: Option<&'p At<'p, 's>>,
    step: Step<'s>,
}

pub(crate) const ROOT: At<'static, 'static> = At { parent: None, step: Step::Root };

impl<'p, 's> At<'p, 's> {
    pub(crate) fn key(&'p self, key: &'s str) -> At<'p, 's> {
        At { parent: Some(self), step: Step::Key(key) }
    }

    pub(crate) fn index(&'p self, index: usize) -> At<'p, 's> {
        At { parent: Some(self), step: Step::Index(index) }
    }

    /// Zod's path joined with `.`.
    pub(super) fn render(&self) -> String {
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

/// What Zod's checks see of a value (`None`: the key is absent).
fn seen(value: Option<&Value>) -> Seen<'_> {
    match value {
        None => Seen::Absent,
        Some(Value::Null) => Seen::Null,
        Some(Value::Bool(_)) => Seen::Bool,
        Some(Value::Number(n)) => Seen::Number { integer: is_integer(n) },
        Some(Value::String(s)) => Seen::Str(s),
        Some(Value::Array(_)) => Seen::Array,
        Some(Value::Object(_)) => Seen::Object,
    }
}

impl Walk {
    fn push(&mut self, at: &At<'_, '_>, code: IssueCode, message: impl Into<Cow<'static, str>>) {
        if self.issues.is_empty() {
            // A payload that fails usually fails on several fields: grow once, not four times.
            self.issues.reserve(8);
        }
        self.issues.push(Issue::new(at.render(), code, message));
    }

    pub(super) fn object(&mut self, at: &At<'_, '_>, plan: &ObjectPlan, value: &Value) {
        let Value::Object(map) = value else {
            // The payload itself: a record judges "an object" as Zod's `z.object` does.
            return judge(&TypePlan::Record, seen(Some(value)), |code, message| self.push(at, code, message));
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
        match (ty, value) {
            (TypePlan::Object(plan), Some(Value::Object(map))) => self.fields(at, plan, map),
            (TypePlan::Array(items), Some(Value::Array(elements))) => {
                for (i, element) in elements.iter().enumerate() {
                    self.value(&at.index(i), items, Some(element));
                }
            }
            _ => judge(ty, seen(value), |code, message| self.push(at, code, message)),
        }
    }
}
