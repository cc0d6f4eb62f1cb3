//! [`EventName`]: the checked `<domain>.<action>.v<N>` name of an event.

use std::fmt;
use std::str::FromStr;

/// A checked event name: `<domain>.<action>.v<N>` in lower snake case segments (`docs/platform.md` §2),
/// e.g. `lead.captured.v1`.
///
/// ```
/// use loop_contracts::schema::EventName;
///
/// let name: EventName = "order.completed.v1".parse().unwrap();
/// assert_eq!(name.domain(), "order");
/// assert_eq!(name.action(), "completed");
/// assert_eq!(name.version(), 1);
/// assert!("Order.Completed".parse::<EventName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventName {
    text: String,
    version: u32,
}

/// Why a string is not an event name.
///
/// ```
/// use loop_contracts::schema::EventName;
///
/// let err = EventName::parse("lead.captured").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"invalid event name "lead.captured": expected three dot-separated parts `<domain>.<action>.v<N>`"#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid event name {name:?}: {reason}")]
pub struct EventNameError {
    name: String,
    reason: &'static str,
}

impl EventNameError {
    /// What is wrong with the name, in a few words.
    ///
    /// ```
    /// # use loop_contracts::schema::EventName;
    /// let err = EventName::parse("lead.captured.v01").unwrap_err();
    /// assert_eq!(err.reason(), "the version must be a positive number without leading zeros");
    /// ```
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// Checks one `domain` or `action` segment: lower snake case starting with a letter.
fn is_snake_segment(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_lowercase()
        && bytes.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.ends_with('_')
        && !s.contains("__")
}

impl EventName {
    /// Parses and checks a name; the same as `str::parse`.
    ///
    /// ```
    /// use loop_contracts::schema::EventName;
    ///
    /// assert_eq!(EventName::parse("ticket_queue.re_opened.v12")?.version(), 12);
    /// assert!(EventName::parse("lead.Captured.v1").is_err());
    /// assert!(EventName::parse("lead.captured.v0").is_err());
    /// # Ok::<(), loop_contracts::schema::EventNameError>(())
    /// ```
    pub fn parse(name: &str) -> Result<Self, EventNameError> {
        let fail = |reason| EventNameError { name: crate::text::clip(name, crate::text::NAME_CHARS), reason };
        let mut parts = name.split('.');
        let (Some(domain), Some(action), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(fail("expected three dot-separated parts `<domain>.<action>.v<N>`"));
        };
        if !is_snake_segment(domain) {
            return Err(fail("the domain must be lower snake case, starting with a letter"));
        }
        if !is_snake_segment(action) {
            return Err(fail("the action must be lower snake case, starting with a letter"));
        }
        let digits =
            version.strip_prefix('v').ok_or_else(|| fail("the version must be `v` followed by a number, e.g. `v1`"))?;
        let valid_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        let version = valid_digits
            .then(|| digits.parse::<u32>().ok())
            .flatten()
            .filter(|&v| v >= 1)
            .ok_or_else(|| fail("the version must be a positive number without leading zeros"))?;
        Ok(EventName { text: name.to_owned(), version })
    }

    /// The whole name.
    ///
    /// ```
    /// # use loop_contracts::schema::EventName;
    /// assert_eq!(EventName::parse("lead.captured.v1").unwrap().as_str(), "lead.captured.v1");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first segment (`lead` in `lead.captured.v1`).
    ///
    /// ```
    /// # use loop_contracts::schema::EventName;
    /// assert_eq!(EventName::parse("lead.captured.v1").unwrap().domain(), "lead");
    /// ```
    pub fn domain(&self) -> &str {
        self.text.split('.').next().unwrap_or_default()
    }

    /// The second segment (`captured` in `lead.captured.v1`).
    ///
    /// ```
    /// # use loop_contracts::schema::EventName;
    /// assert_eq!(EventName::parse("lead.captured.v1").unwrap().action(), "captured");
    /// ```
    pub fn action(&self) -> &str {
        self.text.split('.').nth(1).unwrap_or_default()
    }

    /// The version number (`1` in `lead.captured.v1`).
    ///
    /// ```
    /// # use loop_contracts::schema::EventName;
    /// assert_eq!(EventName::parse("order.completed.v2").unwrap().version(), 2);
    /// ```
    pub fn version(&self) -> u32 {
        self.version
    }
}

impl FromStr for EventName {
    type Err = EventNameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventName::parse(s)
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.text)
    }
}

impl AsRef<str> for EventName {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_snake_case_names() {
        for ok in ["lead.captured.v1", "message.hard_bounced.v12", "a1.b2.v3"] {
            assert!(EventName::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_names() {
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
            assert!(EventName::parse(bad).is_err(), "{bad}");
        }
    }
}
