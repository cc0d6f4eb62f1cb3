//! The syntax tree of a selector and its parser.
//!
//! The parser reads RFC 9535 and nothing else, but it is only ever given text that has passed the
//! bounds scan and `serde_json_path`'s parser (the authority on validity, whose error messages the
//! declarations' authors see): its task is to build a tree this module can evaluate within a
//! budget, which `serde_json_path` does not expose. Anything it cannot read is still a typed
//! error, never a panic; `tests/webhooks/jsonpath_cts.rs` checks that it reads every valid selector of the
//! compliance suite and selects what the suite expects.

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::error::{excerpt, JsonPathError};
use super::limits;
use super::singular::string_literal;

/// A query: `$` or `@`, then segments.
#[derive(Clone, Debug)]
pub(super) struct Query {
    /// `$` (the document's root) rather than `@` (the node a filter tests).
    pub(super) absolute: bool,
    pub(super) segments: Box<[Segment]>,
    /// For an absolute query inside a filter: its slot in the evaluation's memo. Its result does
    /// not depend on the node being tested, so it is evaluated once per evaluation, not once per
    /// node (which is what made `$[?count($[?count($[*])>0])>0]` cost n³).
    pub(super) memo: Option<usize>,
    /// Names and indices only, one per segment: at most one node, looked up without a list.
    pub(super) singular: bool,
}

/// A child (`[...]`, `.name`, `.*`) or descendant (`..`) segment.
#[derive(Clone, Debug)]
pub(super) struct Segment {
    pub(super) descendant: bool,
    pub(super) selectors: Box<[Selector]>,
}

#[derive(Clone, Debug)]
pub(super) enum Selector {
    Name(Box<str>),
    Wildcard,
    Index(i64),
    Slice { start: Option<i64>, end: Option<i64>, step: Option<i64> },
    Filter(Box<Logical>),
}

/// A filter's logical expression.
#[derive(Clone, Debug)]
pub(super) enum Logical {
    Or(Box<[Logical]>),
    And(Box<[Logical]>),
    Not(Box<Logical>),
    Compare(Box<Operand>, Comparison, Box<Operand>),
    /// A query as a test: true when it selects at least one node.
    Exists(Query),
    /// `match()` or `search()`, the functions whose result is logical.
    Function(Function),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// What a comparison compares, and a value-typed function argument.
#[derive(Clone, Debug)]
pub(super) enum Operand {
    Literal(Value),
    /// A singular query (the RFC allows no other in a comparison).
    Query(Query),
    Function(Function),
}

/// The five functions of RFC 9535 §2.4.
#[derive(Clone, Debug)]
pub(super) enum Function {
    Length(Box<Operand>),
    Count(Query),
    Value(Query),
    /// `match()` (anchored: the whole string) or `search()` (any substring), with the pattern
    /// compiled once, when the selector is parsed. `None` when the pattern is not a valid
    /// regular expression: the RFC makes the function false then.
    Pattern {
        subject: Box<Operand>,
        regex: Option<Regex>,
    },
}

/// Parses a selector that `serde_json_path` has accepted; `absolutes` numbers the memo slots.
pub(super) fn parse(text: &str) -> Result<(Query, usize), JsonPathError> {
    let mut parser = Parser { text, bytes: text.as_bytes(), at: 0, memo_slots: 0, filters: 0 };
    let query = parser.query()?;
    if parser.at != parser.bytes.len() {
        return Err(parser.error("unexpected text"));
    }
    Ok((query, parser.memo_slots))
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    memo_slots: usize,
    /// How many filters enclose the current position.
    filters: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> JsonPathError {
        let found = if self.at >= self.bytes.len() {
            "at the end".to_owned()
        } else {
            format!("at byte {}, `{}`", self.at, excerpt(self.text, self.at, 24))
        };
        JsonPathError::Syntax { message: format!("{what} {found}") }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonPathError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", char::from(byte))))
        }
    }

    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// `$` or `@` and the segments after it.
    fn query(&mut self) -> Result<Query, JsonPathError> {
        let absolute = match self.peek() {
            Some(b'$') => true,
            Some(b'@') => false,
            _ => return Err(self.error("expected `$` or `@`")),
        };
        self.at += 1;
        let mut segments = Vec::new();
        loop {
            // Blank space may precede a segment, but is never part of one: step back if none follows.
            let before = self.at;
            self.blanks();
            match (self.peek(), self.bytes.get(self.at + 1)) {
                (Some(b'['), _) | (Some(b'.'), _) => segments.push(self.segment()?),
                _ => {
                    self.at = before;
                    break;
                }
            }
        }
        let singular =
            segments.iter().all(|s| !s.descendant && matches!(&*s.selectors, [Selector::Name(_) | Selector::Index(_)]));
        let memo = (absolute && self.filters > 0).then(|| {
            self.memo_slots += 1;
            self.memo_slots - 1
        });
        Ok(Query { absolute, segments: segments.into(), memo, singular })
    }

    fn segment(&mut self) -> Result<Segment, JsonPathError> {
        if self.eat(b'[') {
            return Ok(Segment { descendant: false, selectors: self.bracketed()? });
        }
        self.expect(b'.')?;
        let descendant = self.eat(b'.');
        let selector = match self.peek() {
            Some(b'[') if descendant => {
                self.at += 1;
                return Ok(Segment { descendant, selectors: self.bracketed()? });
            }
            Some(b'*') => {
                self.at += 1;
                Selector::Wildcard
            }
            _ => Selector::Name(self.member_name()?.into()),
        };
        Ok(Segment { descendant, selectors: Box::new([selector]) })
    }

    /// A member-name shorthand: a letter, `_` or non-ASCII character, then those and digits.
    fn member_name(&mut self) -> Result<&str, JsonPathError> {
        let start = self.at;
        let first = self.peek().ok_or_else(|| self.error("expected a member name"))?;
        if !(first.is_ascii_alphabetic() || first == b'_' || first >= 0x80) {
            return Err(self.error("expected a member name"));
        }
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80) {
            self.at += 1;
        }
        // Bytes >= 0x80 come in whole UTF-8 sequences, so both ends are character boundaries.
        self.text.get(start..self.at).ok_or_else(|| self.error("expected a member name"))
    }

    /// The selectors of `[...]`; the `[` has been read.
    fn bracketed(&mut self) -> Result<Box<[Selector]>, JsonPathError> {
        let mut selectors = Vec::new();
        loop {
            self.blanks();
            selectors.push(self.selector()?);
            self.blanks();
            if self.eat(b']') {
                return Ok(selectors.into());
            }
            self.expect(b',')?;
        }
    }

    fn selector(&mut self) -> Result<Selector, JsonPathError> {
        match self.peek() {
            Some(b'\'' | b'"') => Ok(Selector::Name(self.string()?.into())),
            Some(b'*') => {
                self.at += 1;
                Ok(Selector::Wildcard)
            }
            Some(b'?') => {
                self.at += 1;
                self.blanks();
                self.filters += 1;
                let logical = self.logical_or();
                self.filters -= 1;
                Ok(Selector::Filter(Box::new(logical?)))
            }
            _ => {
                let start = self.optional_int()?;
                self.blanks();
                if !self.eat(b':') {
                    return start.map(Selector::Index).ok_or_else(|| self.error("expected a selector"));
                }
                self.blanks();
                let end = self.optional_int()?;
                self.blanks();
                let step = if self.eat(b':') {
                    self.blanks();
                    self.optional_int()?
                } else {
                    None
                };
                Ok(Selector::Slice { start, end, step })
            }
        }
    }

    fn optional_int(&mut self) -> Result<Option<i64>, JsonPathError> {
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return Ok(None);
        }
        let (value, end) = super::singular::index(self.bytes, self.at).ok_or_else(|| self.error("invalid integer"))?;
        self.at = end;
        Ok(Some(value))
    }

    fn string(&mut self) -> Result<String, JsonPathError> {
        let (value, end) = string_literal(self.text, self.at).ok_or_else(|| self.error("invalid string literal"))?;
        self.at = end;
        Ok(value)
    }

    fn logical_or(&mut self) -> Result<Logical, JsonPathError> {
        let mut terms = vec![self.logical_and()?];
        while self.operator(b"||") {
            terms.push(self.logical_and()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Logical::Or(terms.into()) })
    }

    fn logical_and(&mut self) -> Result<Logical, JsonPathError> {
        let mut terms = vec![self.basic()?];
        while self.operator(b"&&") {
            terms.push(self.basic()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Logical::And(terms.into()) })
    }

    /// Reads blank space and `operator` if it follows; otherwise leaves the position unchanged.
    fn operator(&mut self, operator: &[u8]) -> bool {
        let before = self.at;
        self.blanks();
        if self.bytes[self.at..].starts_with(operator) {
            self.at += operator.len();
            self.blanks();
            true
        } else {
            self.at = before;
            false
        }
    }

    fn basic(&mut self) -> Result<Logical, JsonPathError> {
        if self.eat(b'!') {
            self.blanks();
            let negated = if self.eat(b'(') { self.parenthesized()? } else { self.test()? };
            return Ok(Logical::Not(Box::new(negated)));
        }
        if self.eat(b'(') {
            return self.parenthesized();
        }
        let left = self.operand()?;
        let before = self.at;
        self.blanks();
        let comparison = [
            (&b"=="[..], Comparison::Eq),
            (b"!=", Comparison::Ne),
            (b"<=", Comparison::Le),
            (b">=", Comparison::Ge),
            (b"<", Comparison::Lt),
            (b">", Comparison::Gt),
        ]
        .into_iter()
        .find(|(op, _)| self.bytes[self.at..].starts_with(op));
        let Some((op, comparison)) = comparison else {
            self.at = before;
            return match left {
                Operand::Query(query) => Ok(Logical::Exists(query)),
                Operand::Function(function @ Function::Pattern { .. }) => Ok(Logical::Function(function)),
                _ => Err(self.error("expected a comparison")),
            };
        };
        self.at += op.len();
        self.blanks();
        let right = self.operand()?;
        Ok(Logical::Compare(Box::new(left), comparison, Box::new(right)))
    }

    /// The inside of `(...)`; the `(` has been read.
    fn parenthesized(&mut self) -> Result<Logical, JsonPathError> {
        self.blanks();
        let inner = self.logical_or()?;
        self.blanks();
        self.expect(b')')?;
        Ok(inner)
    }

    /// A query or a function call, as a test (after `!`).
    fn test(&mut self) -> Result<Logical, JsonPathError> {
        match self.operand()? {
            Operand::Query(query) => Ok(Logical::Exists(query)),
            Operand::Function(function @ Function::Pattern { .. }) => Ok(Logical::Function(function)),
            _ => Err(self.error("expected a query or a logical function")),
        }
    }

    /// A literal, a query or a function call.
    fn operand(&mut self) -> Result<Operand, JsonPathError> {
        match self.peek() {
            Some(b'$' | b'@') => Ok(Operand::Query(self.query()?)),
            Some(b'\'' | b'"') => Ok(Operand::Literal(Value::String(self.string()?))),
            Some(b'-' | b'0'..=b'9') => Ok(Operand::Literal(self.number()?)),
            Some(b'a'..=b'z') => {
                for (word, value) in [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)]
                {
                    let next = self.bytes.get(self.at + word.len()).copied();
                    if self.bytes[self.at..].starts_with(word.as_bytes())
                        && !next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        self.at += word.len();
                        return Ok(Operand::Literal(value));
                    }
                }
                Ok(Operand::Function(self.function()?))
            }
            _ => Err(self.error("expected a literal, a query or a function")),
        }
    }

    /// An RFC 9535 number: `-0` or an `int`, an optional fraction and an optional exponent.
    fn number(&mut self) -> Result<Value, JsonPathError> {
        let start = self.at;
        self.eat(b'-');
        let digits = |p: &mut Self| {
            let from = p.at;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.at += 1;
            }
            p.at - from
        };
        if digits(self) == 0 {
            return Err(self.error("invalid number"));
        }
        if self.eat(b'.') && digits(self) == 0 {
            return Err(self.error("invalid number"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'-') || self.eat(b'+');
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let text = &self.text[start..self.at];
        // serde_json reads the RFC's number grammar (a superset of it here); an exponent beyond
        // f64 is out of any document's range too.
        serde_json::from_str::<Value>(text).map_err(|_| {
            self.at = start;
            self.error("number out of range")
        })
    }

    fn function(&mut self) -> Result<Function, JsonPathError> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            self.at += 1;
        }
        let name = &self.text[start..self.at];
        self.expect(b'(')?;
        self.blanks();
        let function = match name {
            "length" => Function::Length(Box::new(self.operand()?)),
            "count" => Function::Count(self.query_argument()?),
            "value" => Function::Value(self.query_argument()?),
            "match" | "search" => {
                let subject = Box::new(self.operand()?);
                self.blanks();
                self.expect(b',')?;
                self.blanks();
                let pattern_at = self.at;
                let regex = match self.operand()? {
                    Operand::Literal(Value::String(pattern)) => compile_pattern(&pattern, name == "match")?,
                    // A number, `true`, `false` or `null` is never a match.
                    Operand::Literal(_) => None,
                    _ => {
                        self.at = pattern_at;
                        return Err(self.error("the pattern of match()/search() must be a string literal"));
                    }
                };
                Function::Pattern { subject, regex }
            }
            _ => {
                self.at = start;
                return Err(self.error("unknown function"));
            }
        };
        self.blanks();
        self.expect(b')')?;
        Ok(function)
    }

    fn query_argument(&mut self) -> Result<Query, JsonPathError> {
        match self.operand()? {
            Operand::Query(query) => Ok(query),
            _ => Err(self.error("expected a query")),
        }
    }
}

/// Compiles a `match()`/`search()` pattern once, within [`JsonPath::MAX_PATTERN_SIZE`](super::JsonPath::MAX_PATTERN_SIZE).
///
/// The pattern is read with the `regex` crate's syntax, as `serde_json_path` reads it, in CRLF
/// mode (`.` matches neither `\n` nor `\r`, as I-Regexp's `.` does); `match()` anchors it at
/// both ends. A pattern the crate cannot read makes the function false (RFC 9535 §2.4.6); one
/// whose compiled form would exceed the size limit is refused, because compile time grows with
/// that size (the limit is what bounds it, not an estimate).
fn compile_pattern(pattern: &str, whole: bool) -> Result<Option<Regex>, JsonPathError> {
    let wrapped = if whole { format!("(?R)^(?:{pattern})$") } else { format!("(?R)(?:{pattern})") };
    match RegexBuilder::new(&wrapped)
        .size_limit(limits::MAX_PATTERN_SIZE)
        .dfa_size_limit(limits::MAX_PATTERN_CACHE)
        .build()
    {
        Ok(regex) => Ok(Some(regex)),
        Err(regex::Error::CompiledTooBig(limit)) => Err(JsonPathError::TooCostly {
            message: format!(
                "the match()/search() pattern `{}` compiles to more than the {limit} bytes allowed \
                 (Unicode classes such as \\w, \\d and \\p{{..}} cost the most: prefer ASCII classes \
                 such as [A-Za-z0-9_], and small repetition counts)",
                excerpt(pattern, 0, 40),
            ),
        }),
        Err(_) => Ok(None),
    }
}
