//! Query strings: their name-value pairs, and the paging parameters of the inspection listings.

use std::time::Duration;

use crate::sandbox::shown;

/// The longest long poll of `GET /__sandbox/events`.
const MAX_WAIT: Duration = Duration::from_secs(30);

pub(super) fn query_pairs(query: Option<&str>) -> impl Iterator<Item = (&str, &str)> {
    query.unwrap_or_default().split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// The paging parameters of an inspection listing.
pub(super) struct PageQuery {
    /// Entries after this sequence number (default 0: from the oldest kept).
    pub(super) after: u64,
    /// At most this many entries (1 to 10,000, default 1,000).
    pub(super) limit: usize,
    /// How long to wait for a first entry when there is none yet (milliseconds, at most `MAX_WAIT`).
    pub(super) wait: Duration,
}

impl PageQuery {
    /// Reads `after`, `limit` and `wait`; the message of the 400 when one is not a whole number.
    pub(super) fn parse(query: Option<&str>) -> Result<PageQuery, String> {
        let mut page = PageQuery { after: 0, limit: 1000, wait: Duration::ZERO };
        for (name, value) in query_pairs(query) {
            match (name, value.parse::<u64>().ok()) {
                ("after", Some(n)) => page.after = n,
                ("limit", Some(n)) => page.limit = usize::try_from(n).unwrap_or(usize::MAX).clamp(1, 10_000),
                ("wait", Some(ms)) => page.wait = Duration::from_millis(ms).min(MAX_WAIT),
                ("after" | "limit" | "wait", None) => {
                    return Err(format!("{name} must be a whole number, not {:?}", shown(value)));
                }
                _ => {}
            }
        }
        Ok(page)
    }
}
