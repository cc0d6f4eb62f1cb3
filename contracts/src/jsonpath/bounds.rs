//! The bounds scan: a linear pass over a selector's text that measures what would make parsing
//! or evaluating it costly, before any parser sees it.

use std::ops::Range;

use super::error::JsonPathError;
use super::limits;
use super::singular::{is_blank, string_literal};

/// What the linear pre-parse scan measures. It skips string literals, so brackets inside names
/// and patterns do not count.
#[derive(Debug)]
pub(super) struct Shape {
    /// The deepest nesting of `[` and `(`.
    depth: usize,
    /// The deepest nesting of filter selectors.
    filters: usize,
    /// The number of `..` segments.
    descendants: usize,
    /// The product of the union sizes of all bracketed segments (saturating).
    union_product: usize,
    /// Byte ranges of the second argument of each `match()`/`search()` call.
    patterns: Vec<Range<usize>>,
    /// Where a string literal that the text ends inside of starts.
    pub(super) unclosed_string: Option<usize>,
}

/// An open bracket or parenthesis during the scan.
struct Frame {
    bracket: bool,
    filter: bool,
    /// Selectors seen so far at this bracket's own level.
    selectors: usize,
    /// For the parenthesis of a `match(`/`search(` call: the argument index and where the
    /// current argument starts.
    pattern_call: Option<(usize, usize)>,
}

impl Shape {
    /// Measures `text`, refusing it if it breaks a bound that protects the parser.
    pub(super) fn bounded(text: &str) -> Result<Shape, JsonPathError> {
        // The length comes first: everything after it is linear in the length.
        if text.len() > limits::MAX_LENGTH {
            return Err(JsonPathError::TooLong { length: text.len(), max: limits::MAX_LENGTH });
        }
        let shape = Shape::of(text);
        if shape.depth > limits::MAX_NESTING {
            return Err(JsonPathError::TooDeep { depth: shape.depth, max: limits::MAX_NESTING });
        }
        if shape.filters > limits::MAX_FILTER_NESTING {
            return Err(JsonPathError::FiltersTooDeep { depth: shape.filters, max: limits::MAX_FILTER_NESTING });
        }
        Ok(shape)
    }

    fn of(text: &str) -> Shape {
        let bytes = text.as_bytes();
        let mut shape = Shape {
            depth: 0,
            filters: 0,
            descendants: 0,
            union_product: 1,
            patterns: Vec::new(),
            unclosed_string: None,
        };
        let mut stack: Vec<Frame> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                quote @ (b'\'' | b'"') => {
                    match skip_string(bytes, i + 1, quote) {
                        Some(end) => i = end,
                        None => {
                            shape.unclosed_string = Some(i);
                            break;
                        }
                    }
                    continue;
                }
                open @ (b'[' | b'(') => {
                    let pattern_call = (open == b'(' && calls_pattern_function(bytes, i)).then_some((0, 0));
                    stack.push(Frame { bracket: open == b'[', filter: false, selectors: 1, pattern_call });
                    shape.depth = shape.depth.max(stack.len());
                }
                b']' | b')' => {
                    if let Some(frame) = stack.pop() {
                        if frame.bracket {
                            shape.union_product = shape.union_product.saturating_mul(frame.selectors);
                        }
                        if let Some((1, start)) = frame.pattern_call {
                            shape.patterns.push(start..i);
                        }
                    }
                }
                b',' => match stack.last_mut() {
                    Some(frame) if frame.bracket => frame.selectors += 1,
                    Some(Frame { pattern_call: Some((arg, start)), .. }) => {
                        *arg += 1;
                        if *arg == 1 {
                            *start = i + 1;
                        } else if *arg == 2 {
                            // A third argument makes the call invalid; record the second anyway.
                            shape.patterns.push(*start..i);
                        }
                    }
                    _ => {}
                },
                b'?' => {
                    if let Some(frame) = stack.last_mut()
                        && frame.bracket
                        && !frame.filter
                    {
                        frame.filter = true;
                        let filters = stack.iter().filter(|f| f.filter).count();
                        shape.filters = shape.filters.max(filters);
                    }
                }
                b'.' if bytes.get(i + 1) == Some(&b'.') => {
                    shape.descendants += 1;
                    i += 2;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        shape
    }

    /// The checks that need a valid selector to be meaningful.
    pub(super) fn check_costs(&self, text: &str) -> Result<(), JsonPathError> {
        if self.descendants > limits::MAX_DESCENDANT_SEGMENTS {
            return Err(JsonPathError::TooCostly {
                message: format!(
                    "the JSONPath has {} descendant segments (`..`); at most {} is allowed, because each \
                     further one multiplies the result by the payload's depth",
                    self.descendants,
                    limits::MAX_DESCENDANT_SEGMENTS
                ),
            });
        }
        if self.union_product > limits::MAX_UNION_PRODUCT {
            return Err(JsonPathError::TooCostly {
                message: format!(
                    "the JSONPath's unions (`[a,b]`) multiply to {} selectors; at most {} are allowed, \
                     because a union may select the same node more than once",
                    self.union_product,
                    limits::MAX_UNION_PRODUCT
                ),
            });
        }
        for range in &self.patterns {
            check_pattern_argument(text[range.clone()].trim_matches(is_blank))?;
        }
        Ok(())
    }
}

/// The index just past the string literal whose body starts at `i`; `None` when the input ends
/// inside it.
fn skip_string(bytes: &[u8], mut i: usize, quote: u8) -> Option<usize> {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Whether the parenthesis at `open` follows the name `match` or `search`.
fn calls_pattern_function(bytes: &[u8], open: usize) -> bool {
    let is_name_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let start = bytes[..open].iter().rposition(|&b| !is_name_byte(b)).map_or(0, |p| p + 1);
    matches!(&bytes[start..open], b"match" | b"search")
}

/// Accepts the pattern argument of a `match()`/`search()` call if it is a literal. The selector has parsed, so the argument is a valid literal, query or function
/// call.
fn check_pattern_argument(argument: &str) -> Result<(), JsonPathError> {
    if argument.starts_with(['\'', '"']) {
        let Some((_, end)) = string_literal(argument, 0) else {
            return Err(JsonPathError::Syntax { message: "unreadable match()/search() pattern".into() });
        };
        if end == argument.len() {
            // Compiled within `MAX_PATTERN_SIZE` when the tree is built, once per selector.
            return Ok(());
        }
    }
    // Numbers, `true`, `false` and `null` are never compiled (the function is false for them).
    let literal =
        matches!(argument, "true" | "false" | "null") || argument.starts_with(|c: char| c == '-' || c.is_ascii_digit());
    if literal {
        return Ok(());
    }
    Err(JsonPathError::TooCostly {
        message: "the pattern of match()/search() must be a string literal: a pattern read from the \
                  payload would be compiled at every node tested, at a cost the payload chooses"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_skips_strings_and_counts_filters() {
        let shape = Shape::of("$[?@['((([[[']&&@[?@.a]][0,1,2]");
        assert_eq!((shape.depth, shape.filters, shape.union_product), (2, 2, 3));
        let shape = Shape::of("$[?match(@.a, 'x,y') && search(@.b, $.c)]");
        let patterns: Vec<_> =
            shape.patterns.iter().map(|r| &"$[?match(@.a, 'x,y') && search(@.b, $.c)]"[r.clone()]).collect();
        assert_eq!(patterns, [" 'x,y'", " $.c"]);
    }
}
