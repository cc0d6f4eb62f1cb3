//! Number literals beyond a double, found in JSON text and replaced by a stand-in.
//!
//! JavaScript's `JSON.parse` reads `1e999` as `Infinity` (and `-1e999` as `-Infinity`), where
//! serde_json refuses the whole document with "number out of range". When it does, one pass over
//! the bytes finds every number literal, notes which ones overflow (by their rank among the
//! document's number literals, which is the order serde_json hands numbers to a visitor), and
//! overwrites each of those with [`STAND_IN`] padded with spaces to the literal's length, so that
//! serde_json can read the copy and any later syntax error keeps its line and column.

/// The text that replaces an overflowing literal: a number that is not an integer, as ±Infinity is
/// not (`Number.isInteger(Infinity)` is `false`). The value never identifies an infinity: the
/// ranks do (see [`Overflows`]); it only keeps the parse going and the document's shape intact.
pub(super) const STAND_IN: &[u8] = b"0.5";

/// Where the overflowing literals of a document are.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Overflows {
    /// For each overflowing literal, in document order: its rank among all the document's number
    /// literals (0 for the first number), and whether it is negative.
    pub(super) ranks: Vec<(u64, bool)>,
}

/// A copy of `bytes` with every number literal beyond a double replaced by [`STAND_IN`], and where
/// those literals were; `None` when there is none (the parse error has another cause).
///
/// Strings are skipped (a `1e999` inside one is text), and only tokens in JSON's number grammar
/// count: anything else is left for serde_json to refuse. Linear in the input, one copy of it.
pub(super) fn replace_overflows(bytes: &[u8]) -> Option<(Vec<u8>, Overflows)> {
    let mut copy: Option<Vec<u8>> = None;
    let mut overflows = Overflows::default();
    let mut rank = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = string_end(bytes, i + 1),
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
                let token = &bytes[start..i];
                if overflows_a_double(token) {
                    let out = copy.get_or_insert_with(|| bytes.to_vec());
                    let slot = &mut out[start..i];
                    slot.fill(b' ');
                    slot[..STAND_IN.len()].copy_from_slice(STAND_IN);
                    overflows.ranks.push((rank, token[0] == b'-'));
                }
                rank += 1;
            }
            _ => i += 1,
        }
    }
    copy.map(|copy| (copy, overflows))
}

/// The index just past the string whose contents start at `i` (or the end of the input).
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Whether `token` is a JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) whose
/// value, rounded to the nearest double as `JSON.parse` rounds it, is infinite.
fn overflows_a_double(token: &[u8]) -> bool {
    // The shortest literal beyond a double is `2e308`; anything shorter is not worth parsing.
    token.len() >= 5
        && is_json_number(token)
        && std::str::from_utf8(token).is_ok_and(|t| t.parse::<f64>().is_ok_and(f64::is_infinite))
}

fn is_json_number(token: &[u8]) -> bool {
    let digits = |at: usize| token[at.min(token.len())..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = usize::from(token.first() == Some(&b'-'));
    match digits(i) {
        0 => return false,
        n if n > 1 && token[i] == b'0' => return false,
        n => i += n,
    }
    if token.get(i) == Some(&b'.') {
        match digits(i + 1) {
            0 => return false,
            n => i += 1 + n,
        }
    }
    if matches!(token.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(token.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        match digits(i) {
            0 => return false,
            n => i += n,
        }
    }
    i == token.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(text: &str) -> Option<(String, Vec<(u64, bool)>)> {
        replace_overflows(text.as_bytes()).map(|(copy, o)| (String::from_utf8(copy).unwrap(), o.ranks))
    }

    #[test]
    fn overflowing_literals_are_replaced_in_place_and_ranked_among_all_numbers() {
        let (copy, ranks) = replaced(r#"{"a": 1, "b": [1e999, -2.5E+400], "c": "1e999", "d": 123e400}"#).unwrap();
        assert_eq!(copy, r#"{"a": 1, "b": [0.5  , 0.5      ], "c": "1e999", "d": 0.5    }"#);
        assert_eq!(ranks, [(1, false), (2, true), (3, false)]);
        let hundreds = format!("[{}]", "9".repeat(400));
        assert_eq!(replaced(&hundreds).unwrap().1, [(0, false)]);
    }

    #[test]
    fn finite_literals_strings_and_non_numbers_are_left_alone() {
        for text in [
            r#"{"a": 1.7976931348623157e308, "b": -1.7976931348623157e308, "c": 1e-999, "d": 0}"#,
            r#"{"a": "1e999", "b": "\"1e999", "c\"1e999": 1}"#,
            // Not JSON numbers: serde_json reports these itself.
            r#"[01e999, 1.e999, 1e, 1e999.5, --1e999, 1e999e9]"#,
        ] {
            assert_eq!(replaced(text), None, "{text}");
        }
        // The boundary: above the largest double by less than half a unit in the last place rounds
        // down to it, as in JavaScript; from the halfway point on, to Infinity.
        assert_eq!(replaced("[1.7976931348623158e308]"), None);
        assert_eq!(replaced("[1.7976931348623159e308]").unwrap().1, [(0, false)]);
    }

    #[test]
    fn an_unterminated_string_ends_the_scan() {
        assert_eq!(replaced(r#"{"a": "1e999"#), None);
        assert_eq!(replaced(r#"{"a": 1e999, "b": "\"#).unwrap().1, [(0, false)]);
    }

    #[test]
    fn the_number_grammar_is_json_s() {
        for ok in ["0", "-0", "1.5", "1e5", "1E+5", "-1.25e-7", "10"] {
            assert!(is_json_number(ok.as_bytes()), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".1", "1e", "1e+", "--1", "1-", "1.2.3", "1e5e5", "+1"] {
            assert!(!is_json_number(bad.as_bytes()), "{bad}");
        }
    }
}
