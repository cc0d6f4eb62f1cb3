//! The walk driven by the parser: the compiled plan checks each value as serde_json reads it from
//! the bytes, without building a `Value`.
//!
//! Keys arrive in the order the payload lists them, and Zod reports issues in definition order,
//! so the issues of each object's fields are kept as runs tagged with the field's place in the
//! plan, and an object whose keys came out of order has its runs sorted (stably) when it closes;
//! a field the object lacks reports "Required" there too. A key read twice keeps only its last
//! value, as `JSON.parse` does: the first one's issues (and output) are dropped.
//!
//! The parse asks serde_json for every value with `deserialize_any`, unknown keys included (not
//! `deserialize_ignored_any`, which skips without checking UTF-8, escapes, depth or numbers), so
//! it accepts exactly the text `serde_json::from_slice::<Value>` accepts. Text it refuses (not
//! JSON, or a number beyond a double, which the platform reads as an infinity) is handed back to
//! the caller, which reads it through [`JsonDocument`](super::JsonDocument) for the platform's
//! verdict.
//!
//! Typed decoding (`typed/checked.rs`) hands objects and arrays over to this pass at the first
//! value it refuses: `resume_object` and `elements` read the rest of them with the check.
//!
//! On request the pass also writes the output as JSON text: declared keys only, in the order
//! Zod's output lists them, each value written from what was read, byte for byte what
//! serializing the validated `Value` through [`Ordered`](super::Ordered) writes.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Value};

use super::issue::{Issue, IssueCode};
use super::judge::{judge, Seen};
use super::walk::{At, ROOT};
use crate::schema::plan::{ObjectPlan, TypePlan};

/// Reads `text` as a payload of `plan`: every issue in Zod's order (empty when valid), with the
/// output appended to `out` when one is given and the payload is valid. `Err` is serde_json's
/// refusal of the text; what `out` holds then is unspecified.
///
/// The text is `str`, checked as UTF-8 once by the caller: cheaper than serde_json's check of
/// each string it reads from bytes.
pub(super) fn read(plan: &ObjectPlan, text: &str, out: Option<&mut Vec<u8>>) -> serde_json::Result<Vec<Issue>> {
    let mut pass = Pass::new(out);
    let mut de = serde_json::Deserializer::from_str(text);
    ValueSeed { pass: &mut pass, at: &ROOT, expect: Expect::Root(plan), required: true, comma: false }
        .deserialize(&mut de)?;
    de.end()?;
    Ok(pass.issues)
}

/// The state of one pass, shared by the seeds of every level.
pub(crate) struct Pass<'o> {
    issues: Vec<Issue>,
    /// The issue runs of the objects open on the way down: stacked, each object's above the ones
    /// of the objects around it.
    runs: Vec<Run>,
    /// Where each written field of each open object sits in `out`, stacked like `runs`.
    spans: Vec<Span>,
    /// The output, when it is wanted. It is written on after an issue: a key read again may
    /// replace the value that had it.
    out: Option<&'o mut Vec<u8>>,
}

/// The issues one field of an object gave: `issues[start..end]`.
#[derive(Clone, Copy)]
struct Run {
    field: usize,
    start: usize,
    end: usize,
}

/// Which fields of one object have been read: bits for most objects, no allocation.
pub(crate) enum Read {
    Few(u64),
    Many(Vec<bool>),
}

impl Read {
    fn new(fields: usize) -> Self {
        if fields <= 64 {
            Read::Few(0)
        } else {
            Read::Many(vec![false; fields])
        }
    }

    /// The fields whose flag is set.
    pub(crate) fn from_flags(flags: &[bool]) -> Self {
        let mut read = Read::new(flags.len());
        for (field, &flag) in flags.iter().enumerate() {
            if flag {
                read.mark(field);
            }
        }
        read
    }

    /// Marks a field read; `true` when it already was.
    fn mark(&mut self, field: usize) -> bool {
        match self {
            Read::Few(bits) => {
                let was = *bits & (1 << field) != 0;
                *bits |= 1 << field;
                was
            }
            Read::Many(read) => std::mem::replace(&mut read[field], true),
        }
    }

    fn has(&self, field: usize) -> bool {
        match self {
            Read::Few(bits) => bits & (1 << field) != 0,
            Read::Many(read) => read[field],
        }
    }
}

/// One written member of an object: `"key":value` at `out[start..end]`.
#[derive(Clone, Copy)]
struct Span {
    rank: usize,
    start: usize,
    end: usize,
}

impl<'o> Pass<'o> {
    /// A pass with no issue yet, writing its output to `out` when one is given.
    pub(crate) fn new(out: Option<&'o mut Vec<u8>>) -> Self {
        Pass { issues: Vec::new(), runs: Vec::new(), spans: Vec::new(), out }
    }

    /// How many issues the pass has recorded.
    pub(crate) fn issue_count(&self) -> usize {
        self.issues.len()
    }

    /// Every issue, in Zod's order once every object read has closed.
    pub(crate) fn into_issues(self) -> Vec<Issue> {
        self.issues
    }

    fn push(&mut self, at: &At<'_, '_>, code: IssueCode, message: std::borrow::Cow<'static, str>) {
        if self.issues.is_empty() {
            // A payload that fails usually fails on several fields: grow once, not four times.
            self.issues.reserve(8);
        }
        self.issues.push(Issue::new(at.render(), code, message));
    }

    pub(crate) fn judge(&mut self, at: &At<'_, '_>, ty: &TypePlan, seen: Seen<'_>) {
        judge(ty, seen, |code, message| self.push(at, code, message));
    }

    /// Appends to the output, if it is still wanted.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        if let Some(out) = self.out.as_deref_mut() {
            out.extend_from_slice(bytes);
        }
    }

    /// Writes a scalar or a record as serde_json writes it.
    fn write_value<T: Serialize + ?Sized>(&mut self, value: &T) {
        if let Some(out) = self.out.as_deref_mut() {
            // Writing into a `Vec` fails only for a map with non-string keys, which no value here holds.
            let _ = serde_json::to_writer(&mut *out, value);
        }
    }

    /// Removes the issues of an earlier value of `field` (a key read twice keeps its last value).
    fn forget(&mut self, runs_base: usize, field: usize) {
        let Some(at) = self.runs[runs_base..].iter().position(|r| r.field == field) else { return };
        let Run { start, end, .. } = self.runs.remove(runs_base + at);
        self.issues.drain(start..end);
        for run in &mut self.runs[runs_base + at..] {
            run.start -= end - start;
            run.end -= end - start;
        }
    }

    /// Puts the issues written since `first` in the order of their runs' fields (stable: each
    /// run keeps its own order).
    fn sort_runs(&mut self, runs_base: usize, first: usize) {
        let runs = &self.runs[runs_base..];
        if runs.windows(2).all(|w| w[0].field < w[1].field) {
            return;
        }
        let mut tagged: Vec<(usize, Issue)> = Vec::with_capacity(self.issues.len() - first);
        for (offset, issue) in self.issues.drain(first..).enumerate() {
            let index = first + offset;
            let run = runs.iter().find(|r| (r.start..r.end).contains(&index)).map_or(usize::MAX, |r| r.field);
            tagged.push((run, issue));
        }
        tagged.sort_by_key(|(field, _)| *field);
        self.issues.extend(tagged.into_iter().map(|(_, issue)| issue));
    }

    /// Rewrites an object's members written since `open` (just after its `{`) in output order,
    /// keeping the last of a repeated key.
    fn reorder_members(&mut self, spans_base: usize, open: usize) {
        let Some(out) = self.out.as_deref_mut() else { return };
        let spans = &mut self.spans[spans_base..];
        if spans.windows(2).all(|w| w[0].rank < w[1].rank) {
            return;
        }
        // Stable: of a repeated key, the last span sorts last among equals.
        spans.sort_by_key(|s| s.rank);
        let mut members = Vec::with_capacity(out.len() - open);
        for (i, span) in spans.iter().enumerate() {
            if spans.get(i + 1).is_some_and(|next| next.rank == span.rank) {
                continue;
            }
            if !members.is_empty() {
                members.push(b',');
            }
            members.extend_from_slice(&out[span.start..span.end]);
        }
        out.truncate(open);
        out.extend_from_slice(&members);
    }
}

/// What a value is read as: the payload (an object of the root plan) or a field's type.
#[derive(Clone, Copy)]
enum Expect<'s> {
    Root(&'s ObjectPlan),
    Type(&'s TypePlan),
}

impl<'s> Expect<'s> {
    /// The type that judges a value of another shape.
    fn ty(self) -> &'s TypePlan {
        // The payload must be an object, and `Record` judges exactly that.
        const OBJECT: &TypePlan = &TypePlan::Record;
        match self {
            Expect::Root(_) => OBJECT,
            Expect::Type(ty) => ty,
        }
    }
}

/// Reads one value and checks it against what is expected of it.
struct ValueSeed<'a, 'o, 'p, 's> {
    pass: &'a mut Pass<'o>,
    at: &'a At<'p, 's>,
    expect: Expect<'s>,
    /// `false` for an optional field, where `null` is accepted.
    required: bool,
    /// Whether the output writes a `,` first (an array element after the first).
    comma: bool,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.comma {
            self.pass.write(b",");
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        if self.required {
            self.pass.judge(self.at, self.expect.ty(), Seen::Null);
        }
        self.pass.write(b"null");
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.pass.judge(self.at, self.expect.ty(), Seen::Bool);
        self.pass.write(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.pass.judge(self.at, self.expect.ty(), Seen::Number { integer: true });
        self.pass.write_value(&v);
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.pass.judge(self.at, self.expect.ty(), Seen::Number { integer: true });
        self.pass.write_value(&v);
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // `Number.isInteger`; serde_json yields a float only for a finite literal.
        let integer = v.is_finite() && v.fract() == 0.0;
        self.pass.judge(self.at, self.expect.ty(), Seen::Number { integer });
        self.pass.write_value(&v);
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.pass.judge(self.at, self.expect.ty(), Seen::Str(v));
        self.pass.write_value(v);
        Ok(())
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.pass.judge(self.at, self.expect.ty(), Seen::Str(v));
        // A string borrowed from the input had no escape there, so it holds no `"`, `\` or
        // control character, and serde_json would write it as it is, between quotes.
        if let Some(out) = self.pass.out.as_deref_mut() {
            out.reserve(v.len() + 2);
            out.push(b'"');
            out.extend_from_slice(v.as_bytes());
            out.push(b'"');
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let Expect::Type(TypePlan::Array(items)) = self.expect else {
            self.pass.judge(self.at, self.expect.ty(), Seen::Array);
            return skip_elements(seq);
        };
        self.pass.write(b"[");
        elements(self.pass, self.at, items, seq, 0)?;
        self.pass.write(b"]");
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        match self.expect {
            Expect::Root(plan) | Expect::Type(TypePlan::Object(plan)) => object(self.pass, self.at, plan, map),
            Expect::Type(TypePlan::Record) => record(self.pass, map),
            Expect::Type(ty) => {
                self.pass.judge(self.at, ty, Seen::Object);
                skip_entries(map)
            }
        }
    }
}

/// Reads the elements of an array from the one at `index` on (typed decoding resumes an array
/// here after refusing element `index - 1`, its issues recorded).
pub(crate) fn elements<'de, A: SeqAccess<'de>>(
    pass: &mut Pass<'_>,
    at: &At<'_, '_>,
    items: &TypePlan,
    mut seq: A,
    mut index: usize,
) -> Result<(), A::Error> {
    loop {
        let element_at = at.index(index);
        let element = ValueSeed {
            pass: &mut *pass,
            at: &element_at,
            expect: Expect::Type(items),
            required: true,
            comma: index > 0,
        };
        if seq.next_element_seed(element)?.is_none() {
            return Ok(());
        }
        index += 1;
    }
}

/// An object being read: where its issue runs, output spans, issues and members start, which
/// fields it has read, and which one the next key likely names.
struct Members {
    runs_base: usize,
    spans_base: usize,
    first_issue: usize,
    read: Read,
    open: usize,
    guess: usize,
}

/// Reads the members of a declared object.
fn object<'de, A: MapAccess<'de>>(
    pass: &mut Pass<'_>,
    at: &At<'_, '_>,
    plan: &ObjectPlan,
    map: A,
) -> Result<(), A::Error> {
    let (runs_base, spans_base, first_issue) = (pass.runs.len(), pass.spans.len(), pass.issues.len());
    pass.write(b"{");
    let open = pass.out.as_deref().map_or(0, Vec::len);
    let members = Members { runs_base, spans_base, first_issue, read: Read::new(plan.fields.len()), open, guess: 0 };
    read_members(pass, at, plan, map, members)?;
    pass.write(b"}");
    Ok(())
}

/// Takes over an object another reader (typed decoding, which writes no output) has begun:
/// `read` holds the fields it has read, all valid, and `refused` the field whose value it has
/// just refused, its issues recorded since `first_issue`. Reads the rest of the object, then
/// closes it.
pub(crate) fn resume_object<'de, A: MapAccess<'de>>(
    pass: &mut Pass<'_>,
    at: &At<'_, '_>,
    plan: &ObjectPlan,
    first_issue: usize,
    mut read: Read,
    refused: usize,
    map: A,
) -> Result<(), A::Error> {
    let runs_base = pass.runs.len();
    read.mark(refused);
    pass.runs.push(Run { field: refused, start: first_issue, end: pass.issues.len() });
    let members = Members { runs_base, spans_base: pass.spans.len(), first_issue, read, open: 0, guess: refused + 1 };
    read_members(pass, at, plan, map, members)
}

/// Closes an object another reader (typed decoding) has read in full without an issue, but
/// without every required field: `read` holds the fields it has. Records "Required" for the others.
pub(crate) fn close_read_object(pass: &mut Pass<'_>, at: &At<'_, '_>, plan: &ObjectPlan, read: Read) {
    let (runs_base, spans_base, first_issue) = (pass.runs.len(), pass.spans.len(), pass.issues.len());
    close(pass, at, plan, Members { runs_base, spans_base, first_issue, read, open: 0, guess: 0 });
}

/// Reads an object's members from where `members` stands, then closes it.
fn read_members<'de, A: MapAccess<'de>>(
    pass: &mut Pass<'_>,
    at: &At<'_, '_>,
    plan: &ObjectPlan,
    mut map: A,
    mut members: Members,
) -> Result<(), A::Error> {
    let Members { runs_base, open, .. } = members;
    while let Some(key) = map.next_key_seed(KeySeed { plan, guess: members.guess })? {
        let Some(index) = key else {
            map.next_value_seed(Skip)?;
            continue;
        };
        let field = &plan.fields[index];
        if members.read.mark(index) {
            pass.forget(runs_base, index);
        }
        members.guess = index + 1;
        let start = pass.issues.len();
        let written = pass.out.as_deref().map(Vec::len);
        if written.is_some_and(|len| len > open) {
            pass.write(b",");
        }
        let member_start = pass.out.as_deref().map_or(0, Vec::len);
        pass.write(field.json_key.as_bytes());
        let field_at = at.key(&field.name);
        map.next_value_seed(ValueSeed {
            pass: &mut *pass,
            at: &field_at,
            expect: Expect::Type(&field.ty),
            required: field.required,
            comma: false,
        })?;
        if pass.issues.len() > start {
            pass.runs.push(Run { field: index, start, end: pass.issues.len() });
        }
        if let Some(out) = pass.out.as_deref() {
            pass.spans.push(Span { rank: plan.output_rank[index], start: member_start, end: out.len() });
        }
    }
    close(pass, at, plan, members);
    Ok(())
}

/// Closes an object: "Required" for each missing field, issues in Zod's order, members in
/// output order.
fn close(pass: &mut Pass<'_>, at: &At<'_, '_>, plan: &ObjectPlan, members: Members) {
    let Members { runs_base, spans_base, first_issue, read, open, .. } = members;
    for (index, field) in plan.fields.iter().enumerate() {
        if field.required && !read.has(index) {
            let start = pass.issues.len();
            pass.judge(&at.key(&field.name), &field.ty, Seen::Absent);
            pass.runs.push(Run { field: index, start, end: pass.issues.len() });
        }
    }
    if pass.runs.len() > runs_base {
        pass.sort_runs(runs_base, first_issue);
    }
    pass.reorder_members(spans_base, open);
    pass.runs.truncate(runs_base);
    pass.spans.truncate(spans_base);
}

/// Reads a record (an object whose contents are not declared). Its output is what the `Value`
/// path writes: keys sorted, the last of a repeated key, no `__proto__` (Zod's record drops it).
fn record<'de, A: MapAccess<'de>>(pass: &mut Pass<'_>, mut map: A) -> Result<(), A::Error> {
    if pass.out.is_none() {
        return skip_entries(map);
    }
    let mut members = Map::new();
    while let Some((key, value)) = map.next_entry::<String, Value>()? {
        members.insert(key, value);
    }
    members.remove("__proto__");
    pass.write_value(&members);
    Ok(())
}

/// Reads the rest of an array and drops it.
pub(crate) fn skip_elements<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element_seed(Skip)?.is_some() {}
    Ok(())
}

/// Reads the rest of an object and drops it.
pub(crate) fn skip_entries<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_key_seed(Skip)?.is_some() {
        map.next_value_seed(Skip)?;
    }
    Ok(())
}

/// Reads a key and finds its field: `None` for a key the object does not declare.
struct KeySeed<'s> {
    plan: &'s ObjectPlan,
    guess: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.plan.field_index(key, self.guess))
    }
}

/// Reads a value and drops it, with the checks of a full parse (see the module's notes).
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        skip_elements(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        skip_entries(map)
    }
}
