//! The body of an acceptance, kept as the platform sent it and parsed on first use.

use std::fmt;
use std::ops::Index;
use std::sync::OnceLock;

use bytes::Bytes;
use serde_json::Value;

/// The body of a response, as received: the bytes are kept (a shared buffer, never copied) and
/// parsed as JSON the first time they are looked at. Most callers only need to know that an event
/// was accepted, and pay nothing for the parse.
///
/// Index it like a [`serde_json::Value`]; a body that is not JSON reads as `null`.
///
/// ```
/// use loop_contracts::client::ResponseBody;
///
/// let body = ResponseBody::from(br#"{"ok":true,"sequence":7}"#.to_vec());
/// assert_eq!(body["ok"], true);
/// assert_eq!(body.json()["sequence"], 7);
/// assert_eq!(body.as_bytes(), br#"{"ok":true,"sequence":7}"#);
/// assert_eq!(body.to_string(), r#"{"ok":true,"sequence":7}"#);
/// assert!(ResponseBody::from(b"not json".to_vec()).json().is_null());
/// ```
#[derive(Clone, Default)]
pub struct ResponseBody {
    raw: Bytes,
    parsed: OnceLock<Value>,
}

impl ResponseBody {
    /// The body as JSON (parsed once, then kept); `null` when it is not JSON.
    ///
    /// ```
    /// # use loop_contracts::client::ResponseBody;
    /// let body = ResponseBody::from(br#"{"eventId":"550e8400-e29b-41d4-a716-446655440000"}"#.to_vec());
    /// assert_eq!(body.json()["eventId"].as_str(), Some("550e8400-e29b-41d4-a716-446655440000"));
    /// ```
    pub fn json(&self) -> &Value {
        self.parsed.get_or_init(|| serde_json::from_slice(&self.raw).unwrap_or(Value::Null))
    }

    /// The bytes as received.
    ///
    /// ```
    /// # use loop_contracts::client::ResponseBody;
    /// assert_eq!(ResponseBody::from(b"{}".to_vec()).as_bytes(), b"{}");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// The shared buffer, cloned without a copy.
    pub(crate) fn raw(&self) -> Bytes {
        self.raw.clone()
    }
}

impl From<Bytes> for ResponseBody {
    fn from(raw: Bytes) -> Self {
        ResponseBody { raw, parsed: OnceLock::new() }
    }
}

impl From<Vec<u8>> for ResponseBody {
    fn from(raw: Vec<u8>) -> Self {
        Bytes::from(raw).into()
    }
}

impl<'a> Index<&'a str> for ResponseBody {
    type Output = Value;

    fn index(&self, key: &'a str) -> &Value {
        &self.json()[key]
    }
}

/// Two bodies are equal when they hold the same bytes.
impl PartialEq for ResponseBody {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResponseBody").field(&String::from_utf8_lossy(&self.raw)).finish()
    }
}

/// The text as received (UTF-8, with any invalid sequence replaced).
impl fmt::Display for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.raw))
    }
}
