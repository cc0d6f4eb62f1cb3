//! Verifying the HMAC-SHA256 signatures Shopify, Typeform and Calendly put on their webhooks.
//!
//! Every scheme signs the raw request body, so verification must see the bytes exactly as they
//! arrived: a body that has been parsed and re-serialised no longer verifies (key order, spacing and
//! number spelling change), and that is the most common webhook bug in the wild.

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::Mac;
use secrecy::ExposeSecret;

use super::headers::Headers;
use super::hmac_sha256::{self, secret_key, HmacSha256, SecretKey, Skew, TAG_LEN};

/// Signature headers longer than this are refused before any decoding or hashing, so a hostile
/// sender cannot make verification do unbounded work. The longest legitimate value (Calendly's, with
/// a few `v1` entries during a key rotation) is a few hundred bytes.
const MAX_HEADER_LEN: usize = 1024;

/// A vendor signing secret; `Debug` prints `SigningSecret([REDACTED])`, never the bytes; no Display.
///
/// The HMAC key is the secret's bytes as given. Shopify (the app's client secret), Typeform (the
/// webhook's `secret`) and Calendly (the subscription's signing key) all use the secret *string*'s
/// bytes as the key, so [`SigningSecret::from_text`] is the usual constructor. There is deliberately
/// no `PartialEq`, which would invite a non-constant-time comparison.
///
/// The key is held in a `secrecy::SecretSlice`, which zeroes it when the secret (or an
/// [`Intake`](super::Intake) holding it) is dropped; each clone holds, and zeroes, its own copy.
///
/// ```
/// use loop_contracts::inbound::SigningSecret;
///
/// let secret = SigningSecret::from_text("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");
/// assert_eq!(format!("{secret:?}"), "SigningSecret([REDACTED])");
/// ```
#[derive(Clone)]
pub struct SigningSecret(SecretKey);

impl SigningSecret {
    /// A secret from raw key bytes. The bytes given are copied into the secret and then zeroed
    /// (a `Vec` passed in is zeroed whole, its spare capacity included); a copy the caller kept
    /// is the caller's.
    ///
    /// ```
    /// use loop_contracts::inbound::SigningSecret;
    ///
    /// let secret = SigningSecret::new(vec![0x5f, 0x2c, 0x7e]);
    /// # let _ = secret;
    /// ```
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(secret_key(bytes.into()))
    }

    /// A secret from the text the vendor shows; the key is the text's UTF-8 bytes, as the vendors
    /// use it (nothing is decoded or trimmed).
    ///
    /// ```
    /// use loop_contracts::inbound::SigningSecret;
    ///
    /// let secret = SigningSecret::from_text("calendly-signing-key-9c4e2a");
    /// # let _ = secret;
    /// ```
    pub fn from_text(s: &str) -> Self {
        Self(SecretKey::from(Box::<[u8]>::from(s.as_bytes())))
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(self.0.expose_secret()).expect("HMAC accepts keys of any length")
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret([REDACTED])")
    }
}

/// How a vendor signs its webhooks, and the header it puts the signature in.
///
/// | scheme | header | value |
/// |---|---|---|
/// | `Shopify` | `X-Shopify-Hmac-Sha256` | `base64(HMAC-SHA256(secret, body))` |
/// | `Typeform` | `Typeform-Signature` | `sha256=` + `base64(HMAC-SHA256(secret, body))` |
/// | `Calendly` | `Calendly-Webhook-Signature` | `t=<unix secs>,v1=` + `hex(HMAC-SHA256(secret, "<t>.<body>"))` |
///
/// Shopify and Typeform sign no timestamp, so their signatures give no replay protection; Calendly's
/// timestamp is checked against `tolerance` in both directions.
///
/// ```
/// use loop_contracts::inbound::{SignatureScheme, SigningSecret};
///
/// // Computed independently: HMAC-SHA256 with key "hush", base64-encoded (Python's hmac module).
/// let headers = [("x-shopify-hmac-sha256", "qBvrsZF7RfB1iS6BX6IHqJTp5L911P7intnPeTPsH0I=")];
/// let body = br#"{"id":820982911946154508}"#;
/// SignatureScheme::Shopify.verify(&SigningSecret::from_text("hush"), &headers, body)?;
/// # Ok::<(), loop_contracts::inbound::SignatureError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// Shopify: `X-Shopify-Hmac-Sha256`, standard base64 of the HMAC of the raw body.
    Shopify,
    /// Typeform: `Typeform-Signature`, `sha256=` and the standard base64 of the HMAC of the raw body.
    Typeform,
    /// Calendly: `Calendly-Webhook-Signature`, `t=<unix seconds>,v1=<hex HMAC of "<t>.<raw body>">`.
    Calendly {
        /// How far the signed timestamp may be from the verifier's clock, either way (whole
        /// seconds; a fraction is ignored).
        tolerance: Duration,
    },
}

impl SignatureScheme {
    /// Three minutes: the tolerance [`SignatureScheme::calendly`] uses.
    ///
    /// Calendly tells receivers to reject stale timestamps but publishes no figure; three minutes is
    /// the one third-party write-ups give. It is applied in both directions, so it also absorbs
    /// clock skew between Calendly and the receiver.
    ///
    /// ```
    /// use loop_contracts::inbound::SignatureScheme;
    ///
    /// assert_eq!(SignatureScheme::CALENDLY_DEFAULT_TOLERANCE.as_secs(), 180);
    /// ```
    pub const CALENDLY_DEFAULT_TOLERANCE: Duration = Duration::from_secs(3 * 60);

    /// Calendly with [`SignatureScheme::CALENDLY_DEFAULT_TOLERANCE`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::inbound::SignatureScheme;
    ///
    /// assert_eq!(
    ///     SignatureScheme::calendly(),
    ///     SignatureScheme::Calendly { tolerance: Duration::from_secs(180) },
    /// );
    /// ```
    pub const fn calendly() -> Self {
        Self::Calendly { tolerance: Self::CALENDLY_DEFAULT_TOLERANCE }
    }

    /// The header the vendor puts its signature in, spelled as the vendor documents it (lookups
    /// ignore case).
    ///
    /// ```
    /// use loop_contracts::inbound::SignatureScheme;
    ///
    /// assert_eq!(SignatureScheme::Shopify.header_name(), "X-Shopify-Hmac-Sha256");
    /// assert_eq!(SignatureScheme::Typeform.header_name(), "Typeform-Signature");
    /// assert_eq!(SignatureScheme::calendly().header_name(), "Calendly-Webhook-Signature");
    /// ```
    pub fn header_name(&self) -> &'static str {
        match self {
            Self::Shopify => "X-Shopify-Hmac-Sha256",
            Self::Typeform => "Typeform-Signature",
            Self::Calendly { .. } => "Calendly-Webhook-Signature",
        }
    }

    /// Verifies that `body`, the raw request body, was signed with `secret`, reading the clock for
    /// Calendly's timestamp; see [`SignatureScheme::verify_at`].
    ///
    /// ```
    /// use loop_contracts::inbound::{SignatureScheme, SigningSecret};
    ///
    /// // Computed independently: HMAC-SHA256 with key "hush", base64-encoded (Python's hmac module).
    /// let headers = [("Typeform-Signature", "sha256=YBpnaIJ3Kwz/8LScGoDMWxVXaXwIyLq+ktZ4mWWp1hw=")];
    /// let secret = SigningSecret::from_text("hush");
    /// assert!(SignatureScheme::Typeform.verify(&secret, &headers, br#"{"event_id":"LtWXD3crgy"}"#).is_ok());
    /// assert!(SignatureScheme::Typeform.verify(&secret, &headers, br#"{"event_id": "LtWXD3crgy"}"#).is_err());
    /// ```
    pub fn verify(
        &self,
        secret: &SigningSecret,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
    ) -> Result<(), SignatureError> {
        self.verify_at(secret, headers, body, SystemTime::now())
    }

    /// Verifies that `body`, the raw request body, was signed with `secret`, taking `now` as the
    /// current time (only Calendly's timestamp uses it).
    ///
    /// The header is found with [`Headers::header`] (first occurrence, any case); surrounding spaces
    /// and tabs are dropped as HTTP does, and a value over 1 KiB is refused unread. The signature is
    /// decoded strictly (standard base64 with padding, or 64 hex digits in any case) and compared in
    /// constant time. For Calendly, the signature is checked before the timestamp, so
    /// [`SignatureError::Stale`] and [`SignatureError::FromTheFuture`] only ever describe a
    /// delivery Calendly really signed (a replay or a skewed clock), never a forgery. A `v1` entry
    /// that matches is enough when several are present (key rotation); keys other than `t` and `v1`
    /// are ignored.
    ///
    /// An empty secret never verifies ([`SignatureError::EmptySecret`]): anyone can compute an HMAC
    /// under the empty key, and an unset environment variable is the usual way to get one.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime, UNIX_EPOCH};
    /// use loop_contracts::inbound::{SignatureError, SignatureScheme, SigningSecret};
    ///
    /// // Computed independently: hex HMAC-SHA256 with key "hush" of "1606153879." + body (Python).
    /// let headers = [(
    ///     "Calendly-Webhook-Signature",
    ///     "t=1606153879,v1=749b9b9070e6becebdc506e02276509135df34059473a7655c06472c1e970f32",
    /// )];
    /// let body = br#"{"event":"invitee.created"}"#;
    /// let secret = SigningSecret::from_text("hush");
    /// let signed_at = UNIX_EPOCH + Duration::from_secs(1_606_153_879);
    ///
    /// let calendly = SignatureScheme::calendly();
    /// assert_eq!(calendly.verify_at(&secret, &headers, body, signed_at + Duration::from_secs(60)), Ok(()));
    /// assert_eq!(
    ///     calendly.verify_at(&secret, &headers, body, signed_at + Duration::from_secs(600)),
    ///     Err(SignatureError::Stale { age_secs: 600, tolerance_secs: 180 }),
    /// );
    /// ```
    pub fn verify_at(
        &self,
        secret: &SigningSecret,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), SignatureError> {
        let header = self.header_name();
        let value = headers.header(header).ok_or(SignatureError::Missing { header })?;
        let value = value.trim_matches([' ', '\t']);
        let malformed = |reason| SignatureError::Malformed { header, reason };
        if value.len() > MAX_HEADER_LEN {
            return Err(malformed("longer than 1024 bytes"));
        }
        // Decoding comes before the secret check so a malformed header is reported as such even
        // when the receiver is also misconfigured; neither step touches the secret.
        match *self {
            Self::Shopify => {
                let tag = decode_base64_tag(value).map_err(malformed)?;
                check_secret(secret)?;
                let mut mac = secret.mac();
                mac.update(body);
                mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
            }
            Self::Typeform => {
                let encoded =
                    value.strip_prefix("sha256=").ok_or_else(|| malformed("does not start with `sha256=`"))?;
                let tag = decode_base64_tag(encoded).map_err(malformed)?;
                check_secret(secret)?;
                let mut mac = secret.mac();
                mac.update(body);
                mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
            }
            Self::Calendly { tolerance } => {
                let parsed = CalendlyHeader::parse(value).map_err(malformed)?;
                check_secret(secret)?;
                let mut mac = secret.mac();
                // The timestamp's own text is what Calendly signed, so it is hashed as received.
                mac.update(parsed.timestamp_text.as_bytes());
                mac.update(b".");
                mac.update(body);
                // `verify_slice` consumes the state, so each candidate gets a copy of the hashed
                // body instead of hashing it again.
                if !parsed.tags.iter().any(|tag| mac.clone().verify_slice(tag).is_ok()) {
                    return Err(SignatureError::Mismatch);
                }
                check_freshness(parsed.timestamp, unix_secs(now), tolerance.as_secs())
            }
        }
    }

    /// The header (name, value) a vendor would send for this body — for tests, the sandbox and fixtures.
    ///
    /// `timestamp` is the signing time Calendly puts in `t=` (whole seconds, a time before 1970
    /// counts as 0); Shopify and Typeform sign no time and ignore it.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use loop_contracts::inbound::{SignatureScheme, SigningSecret};
    ///
    /// let secret = SigningSecret::from_text("hush");
    /// let body = br#"{"event":"invitee.created"}"#;
    /// let now = SystemTime::now();
    /// let (name, value) = SignatureScheme::calendly().sign(&secret, body, now);
    /// assert_eq!(name, "Calendly-Webhook-Signature");
    /// assert!(value.starts_with("t="));
    /// assert_eq!(SignatureScheme::calendly().verify_at(&secret, &[(name, value)], body, now), Ok(()));
    /// ```
    pub fn sign(&self, secret: &SigningSecret, body: &[u8], timestamp: SystemTime) -> (&'static str, String) {
        let mut mac = secret.mac();
        let value = match self {
            Self::Shopify => {
                mac.update(body);
                BASE64.encode(mac.finalize().into_bytes())
            }
            Self::Typeform => {
                mac.update(body);
                format!("sha256={}", BASE64.encode(mac.finalize().into_bytes()))
            }
            Self::Calendly { .. } => {
                let t = unix_secs(timestamp);
                mac.update(t.to_string().as_bytes());
                mac.update(b".");
                mac.update(body);
                format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
            }
        };
        (self.header_name(), value)
    }
}

/// Why a webhook's signature was not accepted.
///
/// Messages name the header and the reason only: never the secret, and never the signature itself.
///
/// ```
/// use loop_contracts::inbound::{SignatureError, SignatureScheme, SigningSecret};
///
/// let secret = SigningSecret::from_text("hush");
/// let err = SignatureScheme::Shopify.verify(&secret, &[("Content-Type", "application/json")], b"{}");
/// assert_eq!(err, Err(SignatureError::Missing { header: "X-Shopify-Hmac-Sha256" }));
/// assert_eq!(err.unwrap_err().to_string(), "missing signature header `X-Shopify-Hmac-Sha256`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The request has no signature header.
    #[error("missing signature header `{header}`")]
    Missing {
        /// The header looked for, as the vendor spells it.
        header: &'static str,
    },
    /// The signature header cannot be a signature of this scheme (bad encoding or length, wrong
    /// prefix, a missing part, oversized).
    #[error("malformed signature header `{header}`: {reason}")]
    Malformed {
        /// The header, as the vendor spells it.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature is well formed but was not made over this body with this secret.
    #[error("signature does not match the body")]
    Mismatch,
    /// The signed timestamp is older than the tolerance allows (a replay, or a slow clock here).
    #[error("signature timestamp is {age_secs} s old, beyond the tolerance of {tolerance_secs} s")]
    Stale {
        /// How old the timestamp is, in whole seconds.
        age_secs: u64,
        /// The tolerance, in whole seconds.
        tolerance_secs: u64,
    },
    /// The signed timestamp is further ahead than the tolerance allows (a fast clock somewhere).
    #[error("signature timestamp is {ahead_secs} s in the future, beyond the tolerance of {tolerance_secs} s")]
    FromTheFuture {
        /// How far ahead the timestamp is, in whole seconds.
        ahead_secs: u64,
        /// The tolerance, in whole seconds.
        tolerance_secs: u64,
    },
    /// The signing secret is empty, so any signature would be forgeable; the receiver is
    /// misconfigured.
    #[error("the signing secret is empty")]
    EmptySecret,
    /// The source signs its webhooks, but the receiver has no secret to check them with (and
    /// does not accept them unsigned); the receiver is misconfigured, not the request.
    #[error("no signing secret is configured for `{source_name}`, so its signature cannot be checked")]
    NoSecret {
        /// The source.
        source_name: &'static str,
    },
    /// A secret is configured for a source that does not sign its webhooks (BigCommerce, a
    /// declared transform): nothing could be verified, so nothing is accepted.
    #[error("a signing secret is configured for `{source_name}`, which does not sign its webhooks")]
    SourceDoesNotSign {
        /// The source.
        source_name: &'static str,
    },
}

fn check_secret(secret: &SigningSecret) -> Result<(), SignatureError> {
    if secret.0.expose_secret().is_empty() {
        Err(SignatureError::EmptySecret)
    } else {
        Ok(())
    }
}

/// Standard base64 with padding, exactly one HMAC-SHA256 tag long.
fn decode_base64_tag(encoded: &str) -> Result<Vec<u8>, &'static str> {
    let tag = BASE64.decode(encoded).map_err(|_| "not standard base64 with padding")?;
    if tag.len() != TAG_LEN {
        return Err("not a 32-byte HMAC-SHA256");
    }
    Ok(tag)
}

/// The parts of a `Calendly-Webhook-Signature` value that matter.
struct CalendlyHeader<'a> {
    timestamp_text: &'a str,
    timestamp: u64,
    tags: Vec<[u8; TAG_LEN]>,
}

impl<'a> CalendlyHeader<'a> {
    fn parse(value: &'a str) -> Result<Self, &'static str> {
        let mut timestamp = None;
        let mut tags = Vec::new();
        for entry in value.split(',') {
            let (key, val) = entry.trim_matches([' ', '\t']).split_once('=').ok_or("an entry is not `key=value`")?;
            match key {
                "t" => {
                    if timestamp.is_some() {
                        return Err("more than one `t=`");
                    }
                    // Digits only: `u64::from_str` would also take a leading `+`.
                    if val.is_empty() || val.len() > 20 || !val.bytes().all(|b| b.is_ascii_digit()) {
                        return Err("`t=` is not unix seconds");
                    }
                    let secs = val.parse().map_err(|_| "`t=` is not unix seconds")?;
                    timestamp = Some((val, secs));
                }
                "v1" => tags.push(decode_hex_tag(val).ok_or("`v1=` is not 64 hex digits")?),
                // Other keys are for future schemes (as `v0`/`v2` would be); Calendly may add them.
                _ => {}
            }
        }
        let (timestamp_text, timestamp) = timestamp.ok_or("no `t=` timestamp")?;
        if tags.is_empty() {
            return Err("no `v1=` signature");
        }
        Ok(Self { timestamp_text, timestamp, tags })
    }
}

fn check_freshness(signed: u64, now: u64, tolerance_secs: u64) -> Result<(), SignatureError> {
    hmac_sha256::check_freshness(i128::from(signed), i128::from(now), tolerance_secs).map_err(|skew| match skew {
        Skew::Old { age_secs } => SignatureError::Stale { age_secs, tolerance_secs },
        Skew::Ahead { ahead_secs } => SignatureError::FromTheFuture { ahead_secs, tolerance_secs },
    })
}

/// Whole seconds since the Unix epoch; a time before it counts as 0.
fn unix_secs(time: SystemTime) -> u64 {
    u64::try_from(hmac_sha256::unix_secs(time)).unwrap_or(0)
}

/// Exactly 64 hex digits, either case: `hex` refuses an odd count, a count that does not fill the
/// tag, and anything that is not a digit (a sign, `0x`, whitespace), so nothing is trimmed or
/// guessed before the constant-time comparison.
fn decode_hex_tag(text: &str) -> Option<[u8; TAG_LEN]> {
    let mut tag = [0; TAG_LEN];
    hex::decode_to_slice(text, &mut tag).ok()?;
    Some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_anything_but_64_digits() {
        let tag: [u8; TAG_LEN] = std::array::from_fn(|i| (i * 37) as u8);
        // Lower case, as Calendly sends it and `sign` writes it.
        let text = hex::encode(tag);
        assert_eq!(text.len(), 64);
        assert!(!text.bytes().any(|b| b.is_ascii_uppercase()));
        assert_eq!(decode_hex_tag(&text), Some(tag));
        assert_eq!(decode_hex_tag(&text.to_uppercase()), Some(tag));
        assert_eq!(decode_hex_tag(&text[2..]), None);
        assert_eq!(decode_hex_tag(&format!("{text}00")), None);
        assert_eq!(decode_hex_tag(&text.replacen('0', "g", 1)), None);
        assert_eq!(decode_hex_tag(&format!("+{}", &text[1..])), None);
    }

    #[test]
    fn hex_tags_are_strict_about_length_and_digits() {
        let text = "0123456789abcdef".repeat(4);
        let tag = decode_hex_tag(&text).unwrap();
        // 63 and 65 digits: an odd count either way.
        assert_eq!(decode_hex_tag(&text[1..]), None);
        assert_eq!(decode_hex_tag(&format!("{text}0")), None);
        // 62 and 66: even, but not 32 bytes.
        assert_eq!(decode_hex_tag(&text[2..]), None);
        assert_eq!(decode_hex_tag(&format!("{text}00")), None);
        assert_eq!(decode_hex_tag(""), None);
        // Mixed case is still hex.
        let mixed: String =
            text.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect();
        assert_eq!(decode_hex_tag(&mixed), Some(tag));
        // Nothing that is not a digit, in any position, and nothing trimmed.
        for bad in [
            format!("0x{}", &text[2..]),
            format!(" {}", &text[1..]),
            format!("{} ", &text[..63]),
            format!("{}\n", &text[..63]),
            format!("{}-", &text[..63]),
            format!("{}G", &text[..63]),
            format!("{}é", &text[..62]),
        ] {
            assert_eq!(decode_hex_tag(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_signing_secret_is_its_bytes_redacted_and_zeroed_on_drop() {
        fn zeroed_on_drop<T: zeroize::ZeroizeOnDrop + ?Sized>(_: &T) {}
        let text = "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";
        for secret in [SigningSecret::from_text(text), SigningSecret::new(text), SigningSecret::new(text.as_bytes())] {
            zeroed_on_drop(&secret.0);
            assert_eq!(secret.0.expose_secret(), text.as_bytes());
            for shown in [format!("{secret:?}"), format!("{secret:#?}"), format!("{:?}", secret.0)] {
                assert!(!shown.contains(text) && !shown.contains("5f2c7e"), "{shown}");
            }
            assert_eq!(secret.clone().0.expose_secret(), text.as_bytes());
        }
        assert_eq!(check_secret(&SigningSecret::new(Vec::new())), Err(SignatureError::EmptySecret));
        assert_eq!(check_secret(&SigningSecret::from_text("")), Err(SignatureError::EmptySecret));
    }

    #[test]
    fn freshness_is_inclusive_at_the_tolerance() {
        assert_eq!(check_freshness(1000, 1180, 180), Ok(()));
        assert_eq!(check_freshness(1000, 820, 180), Ok(()));
        assert_eq!(check_freshness(1000, 1181, 180), Err(SignatureError::Stale { age_secs: 181, tolerance_secs: 180 }));
        assert_eq!(
            check_freshness(1000, 819, 180),
            Err(SignatureError::FromTheFuture { ahead_secs: 181, tolerance_secs: 180 })
        );
    }

    #[test]
    fn calendly_header_parsing() {
        let v1 = "ab".repeat(32);
        let value = format!("t=17,v0=zz,v1={v1}, v1={v1}");
        let ok = CalendlyHeader::parse(&value).unwrap();
        assert_eq!((ok.timestamp_text, ok.timestamp, ok.tags.len()), ("17", 17, 2));
        for (value, reason) in [
            (format!("v1={v1}"), "no `t=` timestamp"),
            ("t=17".to_string(), "no `v1=` signature"),
            (format!("t=+17,v1={v1}"), "`t=` is not unix seconds"),
            (format!("t=,v1={v1}"), "`t=` is not unix seconds"),
            (format!("t=99999999999999999999,v1={v1}"), "`t=` is not unix seconds"),
            (format!("t=1,t=2,v1={v1}"), "more than one `t=`"),
            (format!("t=17,v1={v1},"), "an entry is not `key=value`"),
            (format!("t=17,v1={}", &v1[1..]), "`v1=` is not 64 hex digits"),
        ] {
            assert_eq!(CalendlyHeader::parse(&value).err(), Some(reason), "{value}");
        }
    }
}
