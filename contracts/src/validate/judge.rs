//! Zod's verdict on one value at one type, shared by the two walks (over a `Value` in `walk.rs`,
//! over the bytes in `stream.rs`): each reads a value its own way and hands the judge what Zod
//! looks at, so the codes and messages exist once.

use std::borrow::Cow;

use super::issue::IssueCode;
use crate::schema::format;
use crate::schema::plan::TypePlan;

/// A value as Zod's checks see it: its type (`getParsedType`) and, for scalars, what the checks
/// read.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Seen<'v> {
    /// The key is not there.
    Absent,
    Null,
    Bool,
    /// A number; `integer` as `Number.isInteger` answers.
    Number {
        integer: bool,
    },
    Str(&'v str),
    Array,
    Object,
}

impl Seen<'_> {
    /// Zod's name for the value's type, as its messages write it.
    fn received(self) -> &'static str {
        match self {
            Seen::Absent => "undefined",
            Seen::Null => "null",
            Seen::Bool => "boolean",
            Seen::Number { .. } => "number",
            Seen::Str(_) => "string",
            Seen::Array => "array",
            Seen::Object => "object",
        }
    }
}

/// `Expected <expected>, received <received>` for the fixed type names, without allocating.
fn type_message(expected: &'static str, got: Seen<'_>) -> Cow<'static, str> {
    macro_rules! table {
        ($($exp:literal),*) => {
            match (expected, got) {
                $(
                    ($exp, Seen::Null) => concat!("Expected ", $exp, ", received null"),
                    ($exp, Seen::Bool) => concat!("Expected ", $exp, ", received boolean"),
                    ($exp, Seen::Number { .. }) => concat!("Expected ", $exp, ", received number"),
                    ($exp, Seen::Str(_)) => concat!("Expected ", $exp, ", received string"),
                    ($exp, Seen::Array) => concat!("Expected ", $exp, ", received array"),
                    ($exp, Seen::Object) => concat!("Expected ", $exp, ", received object"),
                )*
                (_, Seen::Absent) => "Required",
                _ => return Cow::Owned(format!("Expected {expected}, received {}", got.received())),
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

/// Reports Zod's issues on `seen` at type `ty`, in Zod's order, through `report`. A container of
/// the type's own kind (an object at an object type, an array at an array type) is not judged
/// here: its members are the caller's to walk.
pub(super) fn judge(ty: &TypePlan, seen: Seen<'_>, mut report: impl FnMut(IssueCode, Cow<'static, str>)) {
    let mut invalid_type = |expected: &'static str| report(IssueCode::InvalidType, type_message(expected, seen));
    match ty {
        TypePlan::String { min_length, max_length } => {
            let Seen::Str(s) = seen else { return invalid_type("string") };
            if min_length.is_some() || max_length.is_some() {
                let len = format::utf16_len(s);
                if let Some(min) = *min_length
                    && len < min
                {
                    report(IssueCode::TooSmall, format!("String must contain at least {min} character(s)").into());
                }
                if let Some(max) = *max_length
                    && len > max
                {
                    report(IssueCode::TooBig, format!("String must contain at most {max} character(s)").into());
                }
            }
        }
        TypePlan::Uuid => string_format(seen, format::is_uuid, "Invalid uuid", report),
        TypePlan::Datetime => string_format(seen, format::is_datetime, "Invalid datetime", report),
        TypePlan::Email => string_format(seen, format::is_email, "Invalid email", report),
        TypePlan::Url => string_format(seen, format::is_url, "Invalid url", report),
        TypePlan::Enum { values, joined } => match seen {
            Seen::Str(s) => {
                if !values.iter().any(|v| v == s) {
                    let message = concat_message(&["Invalid enum value. Expected ", joined, ", received '", s, "'"]);
                    report(IssueCode::InvalidEnumValue, message.into());
                }
            }
            Seen::Absent => report(IssueCode::InvalidType, "Required".into()),
            other => {
                let message = concat_message(&["Expected ", joined, ", received ", other.received()]);
                report(IssueCode::InvalidType, message.into());
            }
        },
        TypePlan::Integer => match seen {
            Seen::Number { integer: true } => {}
            Seen::Number { integer: false } => {
                report(IssueCode::InvalidType, "Expected integer, received float".into())
            }
            _ => invalid_type("number"),
        },
        TypePlan::Number => {
            if !matches!(seen, Seen::Number { .. }) {
                invalid_type("number");
            }
        }
        TypePlan::Boolean => {
            if !matches!(seen, Seen::Bool) {
                invalid_type("boolean");
            }
        }
        TypePlan::Record | TypePlan::Object(_) => {
            if !matches!(seen, Seen::Object) {
                invalid_type("object");
            }
        }
        TypePlan::Array(_) => {
            if !matches!(seen, Seen::Array) {
                invalid_type("array");
            }
        }
    }
}

fn string_format(
    seen: Seen<'_>,
    check: fn(&str) -> bool,
    message: &'static str,
    mut report: impl FnMut(IssueCode, Cow<'static, str>),
) {
    match seen {
        Seen::Str(s) => {
            if !check(s) {
                report(IssueCode::InvalidString, message.into());
            }
        }
        other => report(IssueCode::InvalidType, type_message("string", other)),
    }
}
