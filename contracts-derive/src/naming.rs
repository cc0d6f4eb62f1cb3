//! Pure string rules: Rust names derived from wire names and enum values, and the event-name rule.
//!
//! Kept apart from the token handling so they can be unit-tested on plain strings.

/// Keywords that cannot be plain identifiers in any edition (strict, reserved, and `gen` of 2024,
/// which a dependent crate on edition 2024 would otherwise trip over).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that not even a raw identifier (`r#...`) may spell.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Why a name has no Rust counterpart.
const NO_WORDS: &str = "it has no ASCII letter or digit";

/// How a derived name must be written as a Rust identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustName {
    /// A plain identifier.
    Plain(String),
    /// A keyword, written as a raw identifier (`r#type`).
    Raw(String),
}

impl RustName {
    /// Classifies a derived name; one that not even `r#` makes an identifier (`self`, `Self`, ...)
    /// comes back raw, and the callers have already renamed or refused those.
    fn classify(name: String) -> RustName {
        if KEYWORDS.contains(&name.as_str()) {
            RustName::Raw(name)
        } else {
            RustName::Plain(name)
        }
    }

    /// The name without any `r#`.
    pub fn as_str(&self) -> &str {
        match self {
            RustName::Plain(s) | RustName::Raw(s) => s,
        }
    }
}

/// Splits a name into words: runs of ASCII letters and digits, cut at every other character and at
/// case boundaries (`lineItems` → `line`, `Items`; `HTMLParser` → `HTML`, `Parser`; `line2Address`
/// → `line2`, `Address`). Digits never start a word of their own (`address2`, `utf8`).
fn words(s: &str) -> Vec<&str> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii_alphanumeric() {
            if let Some(st) = start.take() {
                out.push(&s[st..i]);
            }
            continue;
        }
        match start {
            None => start = Some(i),
            Some(st) => {
                let prev = bytes[i - 1];
                let next = bytes.get(i + 1).copied();
                let boundary = b.is_ascii_uppercase()
                    && (prev.is_ascii_lowercase()
                        || prev.is_ascii_digit()
                        || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase())));
                if boundary {
                    out.push(&s[st..i]);
                    start = Some(i);
                }
            }
        }
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

/// The Rust field name of a wire name: `lineItems` → `line_items`, `x-weird-key` → `x_weird_key`,
/// `type` → `r#type`, `3ds` → `_3ds`, `self` → `self_`. An error when the name has no ASCII letter
/// or digit to build on.
pub fn field_name(wire: &str) -> Result<RustName, &'static str> {
    let words = words(wire);
    if words.is_empty() {
        return Err(NO_WORDS);
    }
    let mut name = words.iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("_");
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if NOT_RAW.contains(&name.as_str()) {
        name.push('_');
    }
    Ok(RustName::classify(name))
}

/// The Rust variant name of an enum value: `vsl_form` → `VslForm`, `orders/create` →
/// `OrdersCreate`, `2fa` → `V2fa`. An error when the value has no ASCII letter or digit, or its
/// name would be the keyword `Self`.
pub fn variant_name(value: &str) -> Result<String, &'static str> {
    let words = words(value);
    if words.is_empty() {
        return Err(NO_WORDS);
    }
    let mut name = String::new();
    for word in words {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    match RustName::classify(name) {
        RustName::Plain(name) => Ok(name),
        // `Self` is the only keyword in PascalCase, and not even `r#Self` is an identifier.
        RustName::Raw(_) => Err("its variant would be the keyword `Self`"),
    }
}

/// A checked event name (the rule of `loop_contracts::schema::EventName`, which this crate cannot
/// depend on; the messages are the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventName {
    /// The version number.
    pub version: u32,
}

/// One `domain` or `action` segment: lower snake case starting with a letter.
fn is_snake_segment(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_lowercase()
        && bytes.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// Checks `<domain>.<action>.v<N>`; the error is the reason, in a few words.
pub fn parse_event_name(name: &str) -> Result<EventName, &'static str> {
    let mut parts = name.split('.');
    let (Some(domain), Some(action), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("expected three dot-separated parts `<domain>.<action>.v<N>`");
    };
    if !is_snake_segment(domain) {
        return Err("the domain must be lower snake case, starting with a letter");
    }
    if !is_snake_segment(action) {
        return Err("the action must be lower snake case, starting with a letter");
    }
    let digits = version.strip_prefix('v').ok_or("the version must be `v` followed by a number, e.g. `v1`")?;
    let valid_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    let version = valid_digits
        .then(|| digits.parse::<u32>().ok())
        .flatten()
        .filter(|&v| v >= 1)
        .ok_or("the version must be a positive number without leading zeros")?;
    Ok(EventName { version })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(wire: &str) -> String {
        match field_name(wire).unwrap() {
            RustName::Plain(s) => s,
            RustName::Raw(s) => format!("r#{s}"),
        }
    }

    #[test]
    fn field_names_are_snake_case() {
        for (wire, rust) in [
            ("email", "email"),
            ("lineItems", "line_items"),
            ("personId", "person_id"),
            ("x-weird-key", "x_weird_key"),
            ("first_name", "first_name"),
            ("HTMLParser", "html_parser"),
            ("userID", "user_id"),
            ("URL", "url"),
            ("address2", "address2"),
            ("line2Address", "line2_address"),
            ("utf8Encoded", "utf8_encoded"),
            ("__proto__", "proto"),
            ("type", "r#type"),
            ("gen", "r#gen"),
            ("self", "self_"),
            ("Self", "self_"),
            ("3ds", "_3ds"),
            ("prénom", "pr_nom"),
        ] {
            assert_eq!(field(wire), rust, "{wire}");
        }
        assert!(field_name("").is_err());
        assert!(field_name("-").is_err());
    }

    #[test]
    fn variant_names_are_pascal_case() {
        for (value, variant) in [
            ("vsl_form", "VslForm"),
            ("quiz_completion", "QuizCompletion"),
            ("other", "Other"),
            ("orders/create", "OrdersCreate"),
            ("invitee.created", "InviteeCreated"),
            ("HTTP", "Http"),
            ("camelCase", "CamelCase"),
            ("2fa", "V2fa"),
            ("level_2", "Level2"),
            ("x-y", "XY"),
        ] {
            assert_eq!(variant_name(value).as_deref(), Ok(variant), "{value}");
        }
        assert!(variant_name("").is_err());
        assert!(variant_name("self").is_err());
        assert!(variant_name("--").is_err());
    }

    #[test]
    fn event_names_follow_the_runtime_rule() {
        for ok in ["lead.captured.v1", "message.hard_bounced.v12", "a1.b2.v3"] {
            assert!(parse_event_name(ok).is_ok(), "{ok}");
        }
        assert_eq!(parse_event_name("a.b.v12").unwrap().version, 12);
        for bad in [
            "",
            "lead",
            "lead.captured",
            "lead.captured.1",
            "lead.captured.v0",
            "lead.captured.v01",
            "Lead.captured.v1",
            "lead.Captured.v1",
            "lead..v1",
            "lead.captured.v1.x",
            "1lead.captured.v1",
            "lead.captured_.v1",
            "lead.cap__tured.v1",
            "lead.captured.v99999999999",
        ] {
            assert!(parse_event_name(bad).is_err(), "{bad}");
        }
    }
}
