//! The body of an acceptance, kept as the platform sent it and parsed on first use.

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use bytes::Bytes;
use serde_json::Value;

/// The body of a response, as received: the bytes are kept and parsed as JSON the first time the
/// body is looked at. Most callers only need to know that an event was accepted, and pay nothing
/// for the parse.
///
/// It reads as the [`serde_json::Value`] it holds (it dereferences to it, displays, serializes and
/// compares as it); a body that is not JSON reads as `null`, and [`as_bytes`](Self::as_bytes)
/// gives the bytes as they came.
///
/// ```
/// use loop_contracts::client::ResponseBody;
/// use serde_json::json;
///
/// let body = ResponseBody::from(br#"{"ok": true, "sequence": 7}"#.to_vec());
/// assert_eq!(body["ok"], true);
/// assert_eq!(body.get("sequence").and_then(|s| s.as_u64()), Some(7));
/// assert_eq!(body, json!({"ok": true, "sequence": 7}));
/// assert_eq!(body.to_string(), r#"{"ok":true,"sequence":7}"#);
/// assert_eq!(body.as_bytes(), br#"{"ok": true, "sequence": 7}"#);
/// assert!(ResponseBody::from(b"not json".to_vec()).is_null());
/// ```
#[derive(Clone, Default)]
pub struct ResponseBody {
    raw: Bytes,
    /// `None` once parsed when the bytes are not JSON.
    parsed: OnceLock<Option<Value>>,
}

static NULL: Value = Value::Null;

impl ResponseBody {
    /// The body as JSON (parsed once, then kept); `null` when it is not JSON.
    ///
    /// ```
    /// # use loop_contracts::client::ResponseBody;
    /// let body = ResponseBody::from(br#"{"eventId":"550e8400-e29b-41d4-a716-446655440000"}"#.to_vec());
    /// assert_eq!(body.json()["eventId"].as_str(), Some("550e8400-e29b-41d4-a716-446655440000"));
    /// ```
    pub fn json(&self) -> &Value {
        self.parsed().unwrap_or(&NULL)
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

    /// The buffer, shared without a copy.
    pub(crate) fn raw(&self) -> Bytes {
        self.raw.clone()
    }

    fn parsed(&self) -> Option<&Value> {
        self.parsed.get_or_init(|| serde_json::from_slice(&self.raw).ok()).as_ref()
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

impl Deref for ResponseBody {
    type Target = Value;

    fn deref(&self) -> &Value {
        self.json()
    }
}

/// Equal when both hold the same bytes, or the same JSON written differently.
impl PartialEq for ResponseBody {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw || matches!((self.parsed(), other.parsed()), (Some(a), Some(b)) if a == b)
    }
}

impl PartialEq<Value> for ResponseBody {
    fn eq(&self, other: &Value) -> bool {
        self.json() == other
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parsed() {
            Some(value) => fmt::Debug::fmt(value, f),
            None => f.debug_tuple("NotJson").field(&String::from_utf8_lossy(&self.raw)).finish(),
        }
    }
}

/// The JSON, compact (`null` when the body is not JSON): control characters the server sent come
/// out escaped.
impl fmt::Display for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.json(), f)
    }
}

impl serde::Serialize for ResponseBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json().serialize(serializer)
    }
}
