//! Zod 3's string formats, implemented once and used everywhere.
//!
//! The value validator, the typed decoders of generated structs, `validator::Validate` and the JSON
//! Schema `pattern`s all go through this module, so a format cannot mean two things. The crates'
//! own parsers are stricter or looser than Zod in places (`uuid` accepts braced and URN forms,
//! `chrono` accepts offsets and lower case `t`/`z`, `email_address` accepts dot-less domains), so
//! each check here is a direct transcription of Zod's regular expression; the parity corpus under
//! `tests/parity/` proves the transcription against Zod itself.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

/// `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`: Zod's UUID rule
/// (any version and variant, either case, hyphenated only).
pub const UUID_PATTERN: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Zod's default `datetime()` rule: a Gregorian calendar date, `T`, `HH:MM` with optional seconds
/// and fraction, and a literal `Z`. Written with `[0-9]` rather than `\d`, which some engines read
/// as any Unicode digit.
pub const DATETIME_PATTERN: &str = concat!(
    "^(?:(?:[0-9][0-9][2468][048]|[0-9][0-9][13579][26]|[0-9][0-9]0[48]|[02468][048]00|[13579][26]00)-02-29",
    "|[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)",
    "|02-(?:0[1-9]|1[0-9]|2[0-8])))",
    "T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]+)?)?Z$"
);

/// Zod's `email()` rule without look-ahead (which not every JSON Schema engine supports):
/// the local part is dot-separated runs of `[A-Za-z0-9_'+-]`, not starting with a dot, without
/// `..`, ending in `[A-Za-z0-9_+-]`; the domain is labels of `[A-Za-z0-9-]` starting with a letter or
/// digit, then a top-level label of two or more ASCII letters.
pub const EMAIL_PATTERN: &str = concat!(
    "^(?:[A-Za-z0-9_'+-]+\\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]",
    "@(?:[A-Za-z0-9][A-Za-z0-9-]*\\.)+[A-Za-z]{2,}$"
);

/// A loose prefix check for URLs in JSON Schema documents: a scheme and a colon. The exact rule
/// (the WHATWG URL parser) cannot be written as a regular expression; see `docs/design.md` in the
/// repository.
pub const URL_PATTERN: &str = "^[\\x00-\\x20]*[A-Za-z][A-Za-z0-9+.-]*:";

/// Zod's `uuid()` check.
///
/// ```
/// assert!(loop_contracts::format::is_uuid("550e8400-e29b-41d4-a716-446655440000"));
/// assert!(!loop_contracts::format::is_uuid("{550e8400-e29b-41d4-a716-446655440000}"));
/// ```
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b[8] == b'-'
        && b[13] == b'-'
        && b[18] == b'-'
        && b[23] == b'-'
        && [&b[0..8], &b[9..13], &b[14..18], &b[19..23], &b[24..36]]
            .iter()
            .all(|group| group.iter().all(|&c| class(c) & HEX != 0))
}

/// Parses a string that passes [`is_uuid`]; `None` otherwise.
///
/// ```
/// use loop_contracts::format::parse_uuid;
///
/// let id = parse_uuid("550E8400-E29B-41D4-A716-446655440000").unwrap();
/// assert_eq!(id.to_string(), "550e8400-e29b-41d4-a716-446655440000");
/// assert_eq!(parse_uuid("550e8400e29b41d4a716446655440000"), None); // the uuid crate would accept it
/// ```
pub fn parse_uuid(s: &str) -> Option<Uuid> {
    if is_uuid(s) {
        Uuid::try_parse(s).ok()
    } else {
        None
    }
}

/// Zod's default `datetime()` check.
///
/// ```
/// use loop_contracts::format::is_datetime;
/// assert!(is_datetime("2026-05-19T12:00:00Z"));
/// assert!(is_datetime("2026-05-19T12:00Z"));
/// assert!(!is_datetime("2026-05-19T12:00:00+00:00"));
/// assert!(!is_datetime("2023-02-29T12:00:00Z"));
/// ```
pub fn is_datetime(s: &str) -> bool {
    parse_datetime_parts(s.as_bytes()).is_some()
}

/// Parses a string that passes [`is_datetime`] into a UTC time (fraction digits past nanoseconds
/// are truncated); `None` otherwise.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use loop_contracts::format::parse_datetime;
///
/// let t = parse_datetime("2026-05-19T12:00Z").unwrap();
/// assert_eq!(t, Utc.with_ymd_and_hms(2026, 5, 19, 12, 0, 0).unwrap());
/// assert_eq!(parse_datetime("2026-05-19T12:00:00+02:00"), None);
/// ```
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let p = parse_datetime_parts(s.as_bytes())?;
    let date = NaiveDate::from_ymd_opt(p.year, p.month, p.day)?;
    let time = NaiveTime::from_hms_nano_opt(p.hour, p.minute, p.second, p.nanos)?;
    Some(date.and_time(time).and_utc())
}

/// Formats a UTC time the way [`parse_datetime`] reads it back: `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
/// Years outside `0000..=9999` have no Zod spelling; the result then fails validation.
///
/// ```
/// use loop_contracts::format::{format_datetime, parse_datetime};
///
/// let t = parse_datetime("2026-05-19T12:00:00.5Z").unwrap();
/// assert_eq!(format_datetime(&t), "2026-05-19T12:00:00.500Z");
/// assert_eq!(format_datetime(&parse_datetime("2026-05-19T12:00Z").unwrap()), "2026-05-19T12:00:00Z");
/// ```
pub fn format_datetime(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
}

struct DatetimeParts {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn parse_datetime_parts(b: &[u8]) -> Option<DatetimeParts> {
    // Fixed part: YYYY-MM-DDTHH:MM (16 bytes), then optional :SS[.f+], then Z at the very end.
    if b.len() < 17 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let (rest, last) = b.split_at(b.len() - 1);
    if last != b"Z" {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 {
        return None;
    }
    let (second, nanos) = match &rest[16..] {
        [] => (0, 0),
        [b':', s1, s2, frac @ ..] => {
            let second = digits(&[*s1, *s2])?;
            if second > 59 {
                return None;
            }
            let nanos = match frac {
                [] => 0,
                [b'.', fd @ ..] if !fd.is_empty() && fd.iter().all(u8::is_ascii_digit) => {
                    fd.iter().chain(std::iter::repeat(&b'0')).take(9).fold(0, |acc, &c| acc * 10 + u32::from(c - b'0'))
                }
                _ => return None,
            };
            (second, nanos)
        }
        _ => return None,
    };
    Some(DatetimeParts { year: year as i32, month, day, hour, minute, second, nanos })
}

/// Zod's `email()` check.
///
/// ```
/// use loop_contracts::format::is_email;
/// assert!(is_email("user+tag@example.com"));
/// assert!(!is_email("user@localhost"));
/// assert!(!is_email(".user@example.com"));
/// ```
pub fn is_email(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(at) = b.iter().position(|&c| c == b'@') else { return false };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    // Local part: dot-separated runs of [A-Za-z0-9_'+-], no leading dot, no `..`, and a last
    // character other than `.` or `'`.
    match (local.first(), local.last()) {
        (Some(&first), Some(&last)) if first != b'.' && class(last) & LOCAL_END != 0 => {}
        _ => return false,
    }
    let mut previous_dot = false;
    for &c in local {
        if c == b'.' {
            if previous_dot {
                return false;
            }
            previous_dot = true;
        } else {
            if class(c) & LOCAL == 0 {
                return false;
            }
            previous_dot = false;
        }
    }
    // Domain: labels of [A-Za-z0-9-] starting with a letter or digit, each ending in a dot, then
    // a top-level label of two or more ASCII letters.
    let mut label_start = 0;
    let mut dots = 0;
    for (i, &c) in domain.iter().enumerate() {
        if c == b'.' {
            if i == label_start {
                return false;
            }
            dots += 1;
            label_start = i + 1;
        } else if i == label_start {
            if class(c) & ALNUM == 0 {
                return false;
            }
        } else if class(c) & ALNUM == 0 && c != b'-' {
            return false;
        }
    }
    let tld = &domain[label_start..];
    dots > 0 && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic)
}

const HEX: u8 = 1;
const ALNUM: u8 = 2;
/// `[A-Za-z0-9_'+-]`: what an email's local part may hold besides dots.
const LOCAL: u8 = 4;
/// `[A-Za-z0-9_+-]`: what an email's local part may end with.
const LOCAL_END: u8 = 8;

/// Character classes of the format checks, one table lookup per byte.
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut class = 0;
        if b.is_ascii_hexdigit() {
            class |= HEX;
        }
        if b.is_ascii_alphanumeric() {
            class |= ALNUM | LOCAL | LOCAL_END;
        }
        if b == b'_' || b == b'+' || b == b'-' {
            class |= LOCAL | LOCAL_END;
        }
        if b == b'\'' {
            class |= LOCAL;
        }
        table[c] = class;
        c += 1;
    }
    table
};

fn class(c: u8) -> u8 {
    CLASSES[c as usize]
}

/// Zod's `url()` check: the WHATWG URL parser (JavaScript's `new URL(s)`) accepts `s`.
///
/// ```
/// use loop_contracts::format::is_url;
/// assert!(is_url("https://example.com/a?b#c"));
/// assert!(is_url("mailto:someone@example.com"));
/// assert!(!is_url("/relative/path"));
/// ```
pub fn is_url(s: &str) -> bool {
    url::Url::parse(s).is_ok()
}

/// The length of `s` as JavaScript counts it (UTF-16 code units), which is what Zod's
/// `min`/`max` compare.
///
/// ```
/// use loop_contracts::format::utf16_len;
/// assert_eq!(utf16_len("héllo"), 5);
/// assert_eq!(utf16_len("👍"), 2); // one character, two code units: `"👍".length` in JavaScript
/// ```
pub fn utf16_len(s: &str) -> u64 {
    s.chars().map(|c| c.len_utf16() as u64).sum()
}

/// JavaScript's `Number.isInteger` on a JSON number.
pub(crate) fn is_integer(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

/// Whether a JSON number parsed as a float stands for a whole number too large for a double to
/// hold exactly (2^53 and up): its digits were rounded, and as an id it would name another object.
#[cfg(feature = "webhooks")]
pub(crate) fn is_rounded_whole(v: f64) -> bool {
    v.fract() == 0.0 && v.abs() >= 9_007_199_254_740_992.0
}

/// A JSON number that is a rounded whole number (see [`is_rounded_whole`]); exact integers, kept
/// as `u64`/`i64` by serde_json whatever their size, are not.
#[cfg(feature = "jsonpath")]
pub(crate) fn is_rounded_number(n: &serde_json::Number) -> bool {
    n.is_f64() && n.as_f64().is_some_and(is_rounded_whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_fraction_and_seconds_are_optional() {
        assert!(is_datetime("2000-02-29T23:59:59.123456789123Z"));
        assert!(is_datetime("0000-02-29T00:00Z"));
        assert!(!is_datetime("1900-02-29T00:00Z"));
        assert!(!is_datetime("2026-05-19T12:00:00.Z"));
        assert!(!is_datetime("2026-05-19t12:00:00Z"));
        assert!(!is_datetime("2026-05-19T12:00:00z"));
        assert!(!is_datetime("2026-05-19T24:00:00Z"));
        assert!(!is_datetime("2026-05-19T12:00:60Z"));
        assert!(!is_datetime("2026-04-31T12:00:00Z"));
        assert_eq!(format_datetime(&parse_datetime("2026-05-19T12:00:00.5Z").unwrap()), "2026-05-19T12:00:00.500Z");
    }

    #[test]
    fn email_edges() {
        assert!(is_email("o'brien@example.co.uk"));
        assert!(!is_email("a'@example.com"));
        assert!(!is_email("a..b@example.com"));
        assert!(!is_email("a@-example.com"));
        assert!(!is_email("a@example.c"));
        assert!(!is_email("a@example.c0m"));
        assert!(!is_email("a@b@example.com"));
    }

    #[test]
    fn utf16_length_counts_astral_as_two() {
        assert_eq!(utf16_len("a😀"), 3);
    }
}
