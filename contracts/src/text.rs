//! Untrusted text repeated in an error, bounded.
//!
//! Errors name what they refused (an event name, a route, a topic, a delivery id) so that a
//! caller can recognise it, but the text comes from the other side of a trust boundary and may be
//! megabytes long. Every such echo goes through [`clip`], which keeps a prefix of whole
//! characters, never splitting a UTF-8 sequence.

/// The prefix kept of a name, path or identifier (event names, routes, delivery ids): longer than
/// any legitimate one, so that only hostile input is ever shortened.
pub(crate) const NAME_CHARS: usize = 200;

/// The prefix kept of a short token (topics, scopes, header values): 100 characters.
#[cfg_attr(not(feature = "webhooks"), allow(dead_code))]
pub(crate) const TOKEN_CHARS: usize = 100;

/// The first `max_chars` characters of `text`, as an owned string for an error.
pub(crate) fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn a_clip_keeps_whole_characters_and_short_text_unchanged() {
        assert_eq!(clip("héllo", 2), "hé");
        assert_eq!(clip("héllo", 5), "héllo");
        assert_eq!(clip("héllo", 50), "héllo");
        assert_eq!(clip("", 3), "");
        assert_eq!(clip("abc", 0), "");
    }
}
