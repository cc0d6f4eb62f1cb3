//! What a vendor is to the inbound layer: the record each vendor file fills in (and
//! `Source` registers), and the steps every vendor's transform shares
//! (checking a topic, reading it from the body).

use serde::Deserialize;
use serde_json::Value;

use super::super::candidate::Candidate;
use super::super::error::InboundError;
use super::super::headers::Headers;
use super::super::signature::SignatureScheme;
use super::fields::parse;
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

    /// Runs the transform of a vendor that names the topic in the body, under `key`, parsing the
    /// body once: with the route's topic, the topic is checked before the body is read (an
    /// unsupported one is refused whatever the body); without, it is read from the parsed body
    /// (`topic_in`), then checked. `finish` fills the candidate from the parsed body and topic;
    /// `what` names the body in errors ("not a {what} body").
    pub(crate) fn transform_with_topic<'a, B: Deserialize<'a>>(
        &self,
        topic: Option<&str>,
        body: &'a [u8],
        what: &str,
        key: &str,
        topic_in: impl FnOnce(&B) -> Option<&str>,
        finish: impl FnOnce(B, &str, &mut Candidate) -> Result<(), InboundError>,
    ) -> Result<Candidate, InboundError> {
        if let Some(topic) = topic {
            let mut candidate = self.start(topic)?;
            finish(parse(body, what)?, topic, &mut candidate)?;
            return Ok(candidate);
        }
        let attempt = || {
            let parsed: B = parse(body, what)?;
            let topic = topic_in(&parsed).map(str::to_owned).ok_or_else(|| no_topic(key))?;
            let mut candidate = self.start(&topic)?;
            finish(parsed, &topic, &mut candidate)?;
            Ok(candidate)
        };
        attempt().map_err(|error| self.topicless_refusal(body, key, error))
    }

    /// Why a body without a topic from the route is refused, given the error of the single
    /// parse: the checks run in the order the intake has always refused such bodies in, so a
    /// refused body keeps its status and message. The topic is first read on its own (`scope`,
    /// `event_type` and `event` as text, whichever vendor's body it is), then checked, and only
    /// then is the body's shape (or the transform's own complaint) the reason. Only a refused
    /// body is read this second time; an accepted one is read once.
    fn topicless_refusal(&self, body: &[u8], key: &str, error: InboundError) -> InboundError {
        #[derive(Deserialize)]
        struct Probe {
            scope: Option<String>,
            event_type: Option<String>,
            event: Option<Value>,
        }
        let probe: Probe = match serde_json::from_slice(body) {
            Ok(probe) => probe,
            Err(e) => return InboundError::malformed("the webhook body", e),
        };
        let topic = match key {
            "scope" => probe.scope,
            "event_type" => probe.event_type,
            _ => probe.event.and_then(|e| e.as_str().map(str::to_owned)),
        };
        let Some(topic) = topic else { return no_topic(key) };
        // A string topic read this way is the one the single parse read, if it got that far: a
        // supported one leaves the parse's shape error, or the transform's own, as the reason.
        self.start(&topic).err().unwrap_or(error)
    }
}

/// The error for a body without its topic (and none from the route).
fn no_topic(key: &str) -> InboundError {
    InboundError::Malformed(format!("no topic given and the body has no `{key}`"))
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
