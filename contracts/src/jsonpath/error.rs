//! Why a selector was refused or its evaluation stopped, in words that quote at most a bounded
//! excerpt of the selector.

use super::singular::is_blank;

/// Why a selector was refused.
///
/// The messages name the rule that was broken and quote at most a few dozen characters of the
/// selector, so they can be returned to whoever declared it.
///
/// ```
/// use loop_contracts::jsonpath::{JsonPath, JsonPathError};
///
/// let err = JsonPath::parse("$.items[").unwrap_err();
/// assert!(matches!(err, JsonPathError::Syntax { .. }));
/// let err = JsonPath::parse(&"$.a".repeat(500)).unwrap_err();
/// assert_eq!(err, JsonPathError::TooLong { length: 1500, max: JsonPath::MAX_LENGTH });
/// assert_eq!(err.to_string(), "the JSONPath is 1500 bytes long; at most 1024 are allowed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonPathError {
    /// Longer than [`JsonPath::MAX_LENGTH`](super::JsonPath::MAX_LENGTH) bytes.
    #[error("the JSONPath is {length} bytes long; at most {max} are allowed")]
    TooLong {
        /// The selector's length in bytes.
        length: usize,
        /// [`JsonPath::MAX_LENGTH`](super::JsonPath::MAX_LENGTH).
        max: usize,
    },
    /// Brackets and parentheses nested deeper than
    /// [`JsonPath::MAX_NESTING`](super::JsonPath::MAX_NESTING).
    #[error("the JSONPath nests brackets and parentheses {depth} deep; at most {max} levels are allowed")]
    TooDeep {
        /// The deepest nesting found.
        depth: usize,
        /// [`JsonPath::MAX_NESTING`](super::JsonPath::MAX_NESTING).
        max: usize,
    },
    /// Filter selectors (`[?...]`) nested deeper than
    /// [`JsonPath::MAX_FILTER_NESTING`](super::JsonPath::MAX_FILTER_NESTING).
    #[error("the JSONPath nests filters (`[?...]`) {depth} deep; at most {max} levels are allowed")]
    FiltersTooDeep {
        /// The deepest filter nesting found.
        depth: usize,
        /// [`JsonPath::MAX_FILTER_NESTING`](super::JsonPath::MAX_FILTER_NESTING).
        max: usize,
    },
    /// Valid RFC 9535, but its evaluation cost would not be bounded: too many descendant segments
    /// or unions, or a `match()`/`search()` pattern that is not a literal or costs too much to
    /// compile.
    #[error("{message}")]
    TooCostly {
        /// What is refused and why.
        message: String,
    },
    /// Not a JSONPath query under RFC 9535.
    #[error("invalid JSONPath: {message}")]
    Syntax {
        /// What is wrong and where.
        message: String,
    },
}

/// Why a selector could not be evaluated on a document.
///
/// ```
/// use loop_contracts::jsonpath::{EvaluationError, JsonPath};
///
/// let err = EvaluationError::BudgetExceeded { budget: 1_000 };
/// assert_eq!(
///     err.to_string(),
///     "evaluating the JSONPath takes more than its budget of 1000 units of work"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluationError {
    /// The evaluation needed more than `budget` units of work
    /// ([`JsonPath::EVALUATION_BUDGET_PER_BYTE`](super::JsonPath::EVALUATION_BUDGET_PER_BYTE)) and
    /// was stopped.
    #[error("evaluating the JSONPath takes more than its budget of {budget} units of work")]
    BudgetExceeded {
        /// The budget it was given.
        budget: u64,
    },
}

/// A syntax error in words, quoting a bounded excerpt of the selector.
pub(super) fn syntax_error(text: &str, error: &serde_json_path::ParseError) -> JsonPathError {
    let message = if !text.starts_with('$') {
        let hint =
            if text.trim_start_matches(is_blank).starts_with('$') { " (without blank space before it)" } else { "" };
        format!("a JSONPath starts with `$`, the payload's root{hint}, as in `$.customer.email`")
    } else if text.ends_with(is_blank) {
        "a JSONPath may not end with blank space".to_owned()
    } else {
        let position = error.position().min(text.len());
        let found = if position >= text.len() {
            "at the end".to_owned()
        } else {
            format!("at byte {position}, `{}`", excerpt(text, position, 24))
        };
        format!("{} {found}", reword(error.message()))
    };
    JsonPathError::Syntax { message }
}

/// The parser's message in the terms of this crate's documentation.
fn reword(message: &str) -> String {
    let message = message.replace("in long-hand segment, ", "in a bracketed segment, ");
    if message.ends_with("parser error") {
        // nom's catch-all: the position and the excerpt say more than the words.
        return message.replace("parser error", "unexpected text");
    }
    if message.ends_with("must start with lowercase alpha or '_'") {
        // The rule is wider than the message (any letter, `_` or non-ASCII character).
        return "a member name after `.` must start with a letter or `_` (write other names as `['name']`)".into();
    }
    if message.contains(" args, but received ") {
        // serde_json_path swaps the two counts.
        return "a function is called with the wrong number of arguments".into();
    }
    // The remaining messages are short, but may repeat an unknown function's name.
    excerpt(&message, 0, 80)
}

/// At most `max` characters of `text` from byte `start` (moved back to a character boundary),
/// with `…` when cut.
pub(super) fn excerpt(text: &str, start: usize, max: usize) -> String {
    let mut start = start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let rest = &text[start..];
    match rest.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &rest[..cut]),
        None => rest.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_and_cut_on_characters() {
        assert_eq!(excerpt("ééé", 1, 2), "éé…");
        assert_eq!(excerpt("abc", 1, 5), "bc");
    }
}
