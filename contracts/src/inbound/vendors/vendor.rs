//! What a vendor is to the inbound layer: the record each vendor file fills in (and
//! `Source` registers), and the steps every vendor's transform shares
//! (checking a topic, reading it from the body).

use serde::Deserialize;

use super::super::candidate::Candidate;
use super::super::error::InboundError;
use super::super::headers::Headers;
use super::super::signature::SignatureScheme;
use super::fields::{not_a, parse};
use crate::schema::EventName;

/// A vendor with built-in transforms: everything the inbound layer knows about it.
pub(crate) struct Vendor {
    /// Its name, as `Source::as_str` gives it and `Source::from_str` reads it.
    pub(crate) name: &'static str,
    /// How it signs its webhooks, if it does.
    pub(crate) signature: Option<SignatureScheme>,
    /// Its topics with a built-in transform, and the event each produces.
    pub(crate) topics: &'static [(&'static str, &'static str)],
    /// The header it puts a delivery's id in, if it has one (read for declared webhooks too).
    pub(crate) delivery_header: Option<&'static str>,
    /// The transform: the topic the route gave, or `None` to read it from where the vendor puts it.
    pub(crate) transform: Transform,
}

/// A vendor's transform: the topic the route gave (or `None`), the raw body, the headers.
pub(crate) type Transform = fn(Option<&str>, &[u8], &dyn Headers) -> Result<Candidate, InboundError>;

impl Vendor {
    /// The candidate for a topic of this vendor, or [`InboundError::UnsupportedTopic`].
    pub(crate) fn start(&self, topic: &str) -> Result<Candidate, InboundError> {
        let Some(&(_, event)) = self.topics.iter().find(|(t, _)| *t == topic) else {
            let supported: Vec<&str> = self.topics.iter().map(|(t, _)| *t).collect();
            return Err(unsupported_topic(self.name, topic, &supported));
        };
        Ok(Candidate::new(EventName::parse(event).map_err(|e| InboundError::Malformed(e.to_string()))?))
    }

    /// Parses the body of a vendor that names the topic in it, under `key`, once: with the
    /// route's topic, the topic is checked before the body is read (an unsupported one is refused
    /// whatever the body); without, it is read from the parsed body (`topic_in`), then checked.
    /// `what` names the body in errors ("not a {what} body").
    pub(crate) fn parse_with_topic<'a, B: Deserialize<'a>>(
        &self,
        topic: Option<&str>,
        body: &'a [u8],
        what: &str,
        key: &str,
        topic_in: impl FnOnce(&B) -> Option<&str>,
    ) -> Result<(B, String, Candidate), InboundError> {
        if let Some(topic) = topic {
            let candidate = self.start(topic)?;
            return Ok((parse(body, what)?, topic.to_owned(), candidate));
        }
        let parsed: B = serde_json::from_slice(body).map_err(|e| {
            // Before the topic is known no shape is chosen: a body that is not JSON at all is the
            // webhook body's fault, one of the wrong shape the vendor's.
            if e.is_syntax() || e.is_eof() {
                InboundError::malformed("the webhook body", e)
            } else {
                not_a(what, e)
            }
        })?;
        let topic = topic_in(&parsed)
            .map(str::to_owned)
            .ok_or_else(|| InboundError::Malformed(format!("no topic given and the body has no `{key}`")))?;
        let candidate = self.start(&topic)?;
        Ok((parsed, topic, candidate))
    }
}

/// [`InboundError::UnsupportedTopic`], with the topics that are (or a hint to declare one).
pub(crate) fn unsupported_topic(source_name: &str, topic: &str, supported: &[&str]) -> InboundError {
    let hint = if supported.is_empty() {
        " (this source has no built-in transforms; declare one)".to_owned()
    } else {
        format!(" (supported: {})", supported.join(", "))
    };
    InboundError::UnsupportedTopic {
        source_name: source_name.to_owned(),
        topic: crate::text::clip(topic, crate::text::TOKEN_CHARS),
        hint,
    }
}
