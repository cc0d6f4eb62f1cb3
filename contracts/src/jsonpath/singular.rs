//! Singular queries (`$.a['b'][0]`): their grammar, with the RFC's literals, indices and blank
//! space that the general parser reads too, and their direct lookup.

use serde_json::Value;

/// One segment of a singular query.
#[derive(Clone, Debug)]
pub(super) enum Step {
    Name(Box<str>),
    /// An index within the RFC's exact-integer range; negative counts from the end.
    Index(i64),
}

/// RFC 9535 blank space (`B`).
pub(super) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Parses `text` if it is an RFC 9535 singular query (`$` then `.name`, `['name']`, `["name"]`
/// or `[index]` segments, with the RFC's blank space between segments and inside brackets).
/// `None` means "not one", valid or not.
pub(super) fn parse_simple(text: &str) -> Option<Vec<Step>> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'$') {
        return None;
    }
    let mut steps = Vec::new();
    let mut i = 1;
    while i < bytes.len() {
        i = skip_blanks(bytes, i);
        match *bytes.get(i)? {
            b'.' => {
                // Member-name shorthand: no blank after the dot; `..` is a descendant segment.
                let start = i + 1;
                let first = *bytes.get(start)?;
                if !(first.is_ascii_alphabetic() || first == b'_' || first >= 0x80) {
                    return None;
                }
                let len = bytes[start..]
                    .iter()
                    .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80))
                    .unwrap_or(bytes.len() - start);
                // Bytes >= 0x80 are whole UTF-8 sequences, so the slice ends on a char boundary.
                steps.push(Step::Name(text[start..start + len].into()));
                i = start + len;
            }
            b'[' => {
                i = skip_blanks(bytes, i + 1);
                let (step, end) = match *bytes.get(i)? {
                    b'\'' | b'"' => {
                        let (name, end) = string_literal(text, i)?;
                        (Step::Name(name.into()), end)
                    }
                    _ => {
                        let (index, end) = index(bytes, i)?;
                        (Step::Index(index), end)
                    }
                };
                i = skip_blanks(bytes, end);
                if bytes.get(i) != Some(&b']') {
                    return None;
                }
                steps.push(step);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(steps)
}

fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// An RFC 9535 `int` (`0`, or an optional `-` and digits without a leading zero) within the
/// I-JSON exact range ±(2^53 - 1), and the index after it.
pub(super) fn index(bytes: &[u8], start: usize) -> Option<(i64, usize)> {
    const MAX: i64 = (1 << 53) - 1;
    let negative = bytes.get(start) == Some(&b'-');
    let digits_start = start + usize::from(negative);
    let len = bytes[digits_start..].iter().position(|b| !b.is_ascii_digit()).unwrap_or(bytes.len() - digits_start);
    let digits = &bytes[digits_start..digits_start + len];
    // `-0` and leading zeros are not `int`s; more than 16 digits is out of range anyway.
    if digits.is_empty() || (digits[0] == b'0' && (len > 1 || negative)) || len > 16 {
        return None;
    }
    let magnitude = digits.iter().fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
    if magnitude > MAX {
        return None;
    }
    Some((if negative { -magnitude } else { magnitude }, digits_start + len))
}

/// Reads the RFC 9535 string literal whose opening quote is at `start`; returns its value and the
/// index after the closing quote, or `None` if it is not a valid literal.
pub(super) fn string_literal(text: &str, start: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(start)?;
    let mut value = String::new();
    let mut i = start + 1;
    loop {
        match *bytes.get(i)? {
            b if b == quote => return Some((value, i + 1)),
            b'\\' => {
                let escaped = match *bytes.get(i + 1)? {
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'/' => '/',
                    b'\\' => '\\',
                    // Only the literal's own quote may be escaped: `\'` is invalid in "...".
                    b if b == quote => char::from(b),
                    b'u' => {
                        let (c, end) = unicode_escape(bytes, i + 2)?;
                        value.push(c);
                        i = end;
                        continue;
                    }
                    _ => return None,
                };
                value.push(escaped);
                i += 2;
            }
            0x00..=0x1f => return None,
            _ => {
                let c = text[i..].chars().next()?;
                value.push(c);
                i += c.len_utf8();
            }
        }
    }
}

/// The character of a `\uXXXX` escape (a surrogate pair takes two), hex digits in either case;
/// `start` is just after the `u`.
fn unicode_escape(bytes: &[u8], start: usize) -> Option<(char, usize)> {
    let hex4 = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 4)?;
        digits.iter().try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
    };
    let high = hex4(start)?;
    match high {
        0xD800..=0xDBFF => {
            if bytes.get(start + 4..start + 6)? != b"\\u" {
                return None;
            }
            let low = hex4(start + 6)?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return None;
            }
            let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            Some((char::from_u32(c)?, start + 10))
        }
        0xDC00..=0xDFFF => None,
        _ => Some((char::from_u32(high)?, start + 4)),
    }
}

/// The node a singular query selects, if any.
pub(super) fn lookup<'a>(steps: &[Step], mut value: &'a Value) -> Option<&'a Value> {
    for step in steps {
        value = match (step, value) {
            (Step::Name(name), Value::Object(map)) => map.get(&**name)?,
            (Step::Index(index), Value::Array(items)) => {
                let at = if *index >= 0 {
                    usize::try_from(*index).ok()?
                } else {
                    items.len().checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
                };
                items.get(at)?
            }
            _ => return None,
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_parser_refuses_what_the_rfc_refuses() {
        for text in [
            "$.",
            "$. a",
            "$.1a",
            "$[01]",
            "$[-0]",
            "$['a'",
            "$[\"\\'\"]",
            "$['\\\"']",
            "$['\\ud800']",
            "$ ",
            "$[9007199254740992]",
            "$['\u{1}']",
        ] {
            assert!(parse_simple(text).is_none(), "{text:?}");
        }
    }
}
