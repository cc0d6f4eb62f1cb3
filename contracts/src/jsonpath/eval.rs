//! Evaluation of a parsed selector within a budget of work.
//!
//! Every unit of work is counted against the budget: each node a selector is applied to, each
//! node it selects, each node a descendant segment visits, each node a filter tests, each pair of
//! nodes a deep comparison reads, and a string's length (in 64-byte blocks) for each pattern
//! match. Evaluation stops at the first unit beyond the budget. Absolute queries inside filters
//! are evaluated once per evaluation and remembered (`Query::memo`).

use std::cmp::Ordering;
use std::rc::Rc;

use serde_json::{Number, Value};

use super::tree::{Comparison, Function, Logical, Operand, Query, Selector};

/// The budget ran out.
#[derive(Debug)]
pub(super) struct Exceeded;

pub(super) struct Eval<'v> {
    root: &'v Value,
    /// Work done so far.
    pub(super) work: u64,
    budget: u64,
    memo: Vec<Option<Rc<Vec<&'v Value>>>>,
}

/// A value a comparison or function reads: the RFC's "Nothing", a node or literal, or a number a
/// function computed.
#[derive(Clone, Copy)]
enum Val<'x> {
    Nothing,
    Node(&'x Value),
    Count(u64),
}

impl<'v> Eval<'v> {
    pub(super) fn new(root: &'v Value, budget: u64, memo_slots: usize) -> Self {
        Eval { root, work: 0, budget, memo: vec![None; memo_slots] }
    }

    fn charge(&mut self, units: u64) -> Result<(), Exceeded> {
        self.work = self.work.saturating_add(units);
        if self.work > self.budget {
            Err(Exceeded)
        } else {
            Ok(())
        }
    }

    /// The nodes `query` selects, `current` being the node a filter tests.
    pub(super) fn query(&mut self, query: &Query, current: &'v Value) -> Result<Vec<&'v Value>, Exceeded> {
        let start = if query.absolute { self.root } else { current };
        let mut nodes = vec![start];
        self.charge(1)?;
        for segment in &query.segments {
            let mut next = Vec::new();
            for &node in &nodes {
                if segment.descendant {
                    self.descend(&segment.selectors, node, &mut next)?;
                } else {
                    for selector in &segment.selectors {
                        self.select(selector, node, &mut next)?;
                    }
                }
            }
            nodes = next;
        }
        Ok(nodes)
    }

    /// [`query`](Self::query) inside a filter: an absolute query is evaluated once and its
    /// nodes shared, so that reading them again costs one unit, not their number.
    fn nodes(&mut self, query: &Query, current: &'v Value) -> Result<Rc<Vec<&'v Value>>, Exceeded> {
        let Some(slot) = query.memo else { return Ok(Rc::new(self.query(query, current)?)) };
        if let Some(Some(nodes)) = self.memo.get(slot) {
            let nodes = Rc::clone(nodes);
            self.charge(1)?;
            return Ok(nodes);
        }
        let nodes = Rc::new(self.query(query, current)?);
        if let Some(entry) = self.memo.get_mut(slot) {
            *entry = Some(Rc::clone(&nodes));
        }
        Ok(nodes)
    }

    /// The node a singular query selects, if any.
    fn singular(&mut self, query: &Query, current: &'v Value) -> Result<Option<&'v Value>, Exceeded> {
        let mut node = if query.absolute { self.root } else { current };
        self.charge(1 + query.segments.len() as u64)?;
        for segment in &query.segments {
            let next = match (&segment.selectors[..], node) {
                ([Selector::Name(name)], Value::Object(map)) => map.get(&**name),
                ([Selector::Index(index)], Value::Array(items)) => element(items, *index),
                _ => None,
            };
            match next {
                Some(next) => node = next,
                None => return Ok(None),
            }
        }
        Ok(Some(node))
    }

    /// Applies `selectors` to `node` and to each of its descendants, nodes before their children
    /// and arrays in order (RFC 9535 §2.5.2.2), without recursion: a document may be deeper than
    /// the stack.
    fn descend(&mut self, selectors: &[Selector], node: &'v Value, out: &mut Vec<&'v Value>) -> Result<(), Exceeded> {
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            self.charge(1)?;
            for selector in selectors {
                self.select(selector, node, out)?;
            }
            match node {
                Value::Array(items) => stack.extend(items.iter().rev()),
                Value::Object(map) => {
                    let start = stack.len();
                    stack.extend(map.values());
                    stack[start..].reverse();
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn select(&mut self, selector: &Selector, node: &'v Value, out: &mut Vec<&'v Value>) -> Result<(), Exceeded> {
        self.charge(1)?;
        match (selector, node) {
            (Selector::Name(name), Value::Object(map)) => {
                if let Some(child) = map.get(&**name) {
                    out.push(child);
                }
            }
            (Selector::Index(index), Value::Array(items)) => {
                if let Some(child) = element(items, *index) {
                    out.push(child);
                }
            }
            (Selector::Wildcard, Value::Array(items)) => {
                self.charge(items.len() as u64)?;
                out.extend(items);
            }
            (Selector::Wildcard, Value::Object(map)) => {
                self.charge(map.len() as u64)?;
                out.extend(map.values());
            }
            (Selector::Slice { start, end, step }, Value::Array(items)) => {
                self.slice(items, *start, *end, *step, out)?;
            }
            (Selector::Filter(logical), Value::Array(items)) => {
                for item in items {
                    self.charge(1)?;
                    if self.logical(logical, item)? {
                        out.push(item);
                    }
                }
            }
            (Selector::Filter(logical), Value::Object(map)) => {
                for item in map.values() {
                    self.charge(1)?;
                    if self.logical(logical, item)? {
                        out.push(item);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// RFC 9535 §2.3.4.2.2, in `i64`: indices and steps are within ±(2^53 - 1), so no sum
    /// below overflows.
    fn slice(
        &mut self,
        items: &'v [Value],
        start: Option<i64>,
        end: Option<i64>,
        step: Option<i64>,
        out: &mut Vec<&'v Value>,
    ) -> Result<(), Exceeded> {
        let step = step.unwrap_or(1);
        let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let normalize = |i: i64| if i >= 0 { i } else { len + i };
        let mut push = |this: &mut Self, i: i64| {
            this.charge(1)?;
            if let Some(item) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
                out.push(item);
            }
            Ok(())
        };
        if step > 0 {
            let lower = normalize(start.unwrap_or(0)).clamp(0, len);
            let upper = normalize(end.unwrap_or(len)).clamp(0, len);
            let mut i = lower;
            while i < upper {
                push(self, i)?;
                i += step;
            }
        } else if step < 0 {
            let upper = start.map_or(len - 1, normalize).clamp(-1, len - 1);
            let lower = end.map_or(-1, normalize).clamp(-1, len - 1);
            let mut i = upper;
            while lower < i {
                push(self, i)?;
                i += step;
            }
        }
        Ok(())
    }

    fn logical(&mut self, logical: &Logical, current: &'v Value) -> Result<bool, Exceeded> {
        Ok(match logical {
            Logical::Or(terms) => {
                for term in terms {
                    if self.logical(term, current)? {
                        return Ok(true);
                    }
                }
                false
            }
            Logical::And(terms) => {
                for term in terms {
                    if !self.logical(term, current)? {
                        return Ok(false);
                    }
                }
                true
            }
            Logical::Not(inner) => !self.logical(inner, current)?,
            Logical::Exists(query) if query.singular => self.singular(query, current)?.is_some(),
            Logical::Exists(query) => !self.nodes(query, current)?.is_empty(),
            Logical::Function(function) => matches!(self.function(function, current)?, Val::Count(1)),
            Logical::Compare(left, comparison, right) => {
                let left = self.operand(left, current)?;
                let right = self.operand(right, current)?;
                match comparison {
                    Comparison::Eq => self.equal(left, right)?,
                    Comparison::Ne => !self.equal(left, right)?,
                    Comparison::Lt => less(left, right),
                    Comparison::Gt => less(right, left),
                    Comparison::Le => less(left, right) || self.equal(left, right)?,
                    Comparison::Ge => less(right, left) || self.equal(left, right)?,
                }
            }
        })
    }

    fn operand<'x>(&mut self, operand: &'x Operand, current: &'v Value) -> Result<Val<'x>, Exceeded>
    where
        'v: 'x,
    {
        Ok(match operand {
            Operand::Literal(value) => Val::Node(value),
            Operand::Query(query) if query.singular => self.singular(query, current)?.map_or(Val::Nothing, Val::Node),
            // The parser admits only singular queries here; any other selects a value only when
            // it selects exactly one node.
            Operand::Query(query) => match self.nodes(query, current)?[..] {
                [node] => Val::Node(node),
                _ => Val::Nothing,
            },
            Operand::Function(function) => self.function(function, current)?,
        })
    }

    /// A function's result; `match()` and `search()` give `Count(1)` for true and `Count(0)` for
    /// false (only [`logical`](Self::logical) reads them).
    fn function<'x>(&mut self, function: &'x Function, current: &'v Value) -> Result<Val<'x>, Exceeded>
    where
        'v: 'x,
    {
        Ok(match function {
            Function::Length(argument) => match self.operand(argument, current)? {
                Val::Node(Value::String(s)) => {
                    self.charge(s.len() as u64 / 64)?;
                    Val::Count(s.chars().count() as u64)
                }
                Val::Node(Value::Array(items)) => Val::Count(items.len() as u64),
                Val::Node(Value::Object(map)) => Val::Count(map.len() as u64),
                _ => Val::Nothing,
            },
            Function::Count(query) => Val::Count(self.nodes(query, current)?.len() as u64),
            Function::Value(query) => match self.nodes(query, current)?[..] {
                [node] => Val::Node(node),
                _ => Val::Nothing,
            },
            Function::Pattern { subject, regex } => {
                let subject = self.operand(subject, current)?;
                let found = match (subject, regex) {
                    (Val::Node(Value::String(s)), Some(regex)) => {
                        // Matching is linear in the string (the regex crate's guarantee).
                        self.charge(1 + s.len() as u64 / 64)?;
                        regex.is_match(s)
                    }
                    _ => false,
                };
                Val::Count(u64::from(found))
            }
        })
    }

    /// RFC 9535 §2.3.5.2.2 equality: Nothing equals only Nothing, numbers by value, arrays and
    /// objects member by member (iteratively, charging each pair of nodes read).
    fn equal(&mut self, left: Val<'_>, right: Val<'_>) -> Result<bool, Exceeded> {
        let (left, right) = match (left, right) {
            (Val::Nothing, Val::Nothing) => return Ok(true),
            (Val::Nothing, _) | (_, Val::Nothing) => return Ok(false),
            (Val::Count(a), Val::Count(b)) => return Ok(a == b),
            (Val::Count(n), Val::Node(Value::Number(m))) | (Val::Node(Value::Number(m)), Val::Count(n)) => {
                return Ok(compare_numbers(&Number::from(n), m) == Some(Ordering::Equal));
            }
            (Val::Count(_), _) | (_, Val::Count(_)) => return Ok(false),
            (Val::Node(a), Val::Node(b)) => (a, b),
        };
        let mut pairs = vec![(left, right)];
        while let Some((a, b)) = pairs.pop() {
            self.charge(1)?;
            let same = match (a, b) {
                (Value::Null, Value::Null) => true,
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Number(a), Value::Number(b)) => compare_numbers(a, b) == Some(Ordering::Equal),
                (Value::String(a), Value::String(b)) => a == b,
                (Value::Array(a), Value::Array(b)) => {
                    a.len() == b.len() && {
                        pairs.extend(a.iter().zip(b));
                        true
                    }
                }
                (Value::Object(a), Value::Object(b)) => {
                    a.len() == b.len()
                        && a.iter().all(|(key, value)| match b.get(key) {
                            Some(other) => {
                                pairs.push((value, other));
                                true
                            }
                            None => false,
                        })
                }
                _ => false,
            };
            if !same {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// RFC 9535 `<`: numbers by value, strings by Unicode scalar values; nothing else is ordered.
fn less(left: Val<'_>, right: Val<'_>) -> bool {
    let number = |v: Val<'_>| match v {
        Val::Count(n) => Some(Number::from(n)),
        Val::Node(Value::Number(n)) => Some(n.clone()),
        _ => None,
    };
    if let (Val::Node(Value::String(a)), Val::Node(Value::String(b))) = (left, right) {
        // UTF-8 byte order is code point order.
        return a < b;
    }
    match (number(left), number(right)) {
        (Some(a), Some(b)) => compare_numbers(&a, &b) == Some(Ordering::Less),
        _ => false,
    }
}

/// Numbers by value: exactly when both are integers, as `f64` otherwise.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return Some(a.cmp(&b));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// The element at an index, negative counting from the end.
pub(super) fn element(items: &[Value], index: i64) -> Option<&Value> {
    let at = if index >= 0 {
        usize::try_from(index).ok()?
    } else {
        items.len().checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
    };
    items.get(at)
}

/// The size of a document for its budget: one per node, plus the bytes of its strings and member
/// names. It is at most the length of the document's JSON text, and close to it.
pub(super) fn size(value: &Value) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        total += 1;
        match value {
            Value::String(s) => total += s.len() as u64,
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                for (key, value) in map {
                    total += key.len() as u64;
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
    total
}
