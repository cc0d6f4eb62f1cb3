//! Standard Webhooks signing secrets (`whsec_` + base64).

use std::fmt;
use std::str::FromStr;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD as BASE64};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Standard base64 that accepts the secret with or without its padding, and with non-zero trailing
/// bits, as the reference Python library does (`base64.b64decode` after re-padding).
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The longest secret text [`WebhookSecret::parse`] reads: `whsec_` and the base64 of 64 bytes,
/// with room for surrounding whitespace. Longer input is refused before it is decoded.
const MAX_SECRET_TEXT: usize = 128;

/// A Standard Webhooks signing secret: the HMAC-SHA256 key of the `v1` scheme.
///
/// The platform shows it as `whsec_` followed by the standard base64 of 24 to 64 random bytes; the
/// key is the decoded bytes. `Debug` prints `WebhookSecret([REDACTED])` and there is no `Display`
/// or `PartialEq` (which would invite a comparison that is not constant-time); the only way to get
/// the secret back out is [`WebhookSecret::expose_whsec`], named so that it stands out in review.
///
/// ```
/// use loop_contracts::delivery::WebhookSecret;
///
/// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// assert_eq!(secret.len(), 24);
/// assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");
/// # Ok::<(), loop_contracts::delivery::SecretError>(())
/// ```
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// The prefix of a symmetric secret's text form.
    ///
    /// ```
    /// assert_eq!(loop_contracts::delivery::WebhookSecret::PREFIX, "whsec_");
    /// ```
    pub const PREFIX: &'static str = "whsec_";

    /// The fewest key bytes [`WebhookSecret::parse`] accepts (the Standard Webhooks specification).
    ///
    /// ```
    /// assert_eq!(loop_contracts::delivery::WebhookSecret::MIN_LEN, 24);
    /// ```
    pub const MIN_LEN: usize = 24;

    /// The most key bytes [`WebhookSecret::parse`] accepts (the Standard Webhooks specification).
    ///
    /// ```
    /// assert_eq!(loop_contracts::delivery::WebhookSecret::MAX_LEN, 64);
    /// ```
    pub const MAX_LEN: usize = 64;

    /// Reads a secret in its text form: `whsec_` (optional, as in every reference library) and the
    /// standard base64 (`+`, `/`) of 24 to 64 bytes, padded or not.
    ///
    /// Surrounding whitespace is dropped (a secret read from a file or an environment variable often
    /// ends in a newline). Ed25519 keys (`whsk_`, `whpk_`, the `v1a` scheme) are refused: only the
    /// symmetric `v1` scheme is implemented.
    ///
    /// ```
    /// use loop_contracts::delivery::{SecretError, WebhookSecret};
    ///
    /// assert!(WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_ok());
    /// assert!(WebhookSecret::parse("C2FVsBQIhrscChlQIMV+b5sSYspob7oD\n").is_ok());
    /// assert_eq!(WebhookSecret::parse("whsec_").unwrap_err(), SecretError::Empty);
    /// assert_eq!(WebhookSecret::parse("whsec_c2hvcnQ=").unwrap_err(), SecretError::Length { len: 5 });
    /// assert_eq!(WebhookSecret::parse("whsec_not base64!").unwrap_err(), SecretError::NotBase64);
    /// ```
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        if text.len() > MAX_SECRET_TEXT {
            return Err(SecretError::Length { len: text.len() / 4 * 3 });
        }
        let text = text.trim();
        if text.starts_with("whsk_") || text.starts_with("whpk_") {
            return Err(SecretError::Asymmetric);
        }
        let encoded = text.strip_prefix(Self::PREFIX).unwrap_or(text);
        if encoded.is_empty() {
            return Err(SecretError::Empty);
        }
        let key = LENIENT_BASE64.decode(encoded).map_err(|_| SecretError::NotBase64)?;
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&key.len()) {
            return Err(SecretError::Length { len: key.len() });
        }
        Ok(Self(key))
    }

    /// A secret from raw key bytes, at least [`MIN_RAW_LEN`](Self::MIN_RAW_LEN) of them.
    ///
    /// This is the escape hatch for senders whose keys are not 24 to 64 bytes (BigCommerce, for one,
    /// tells integrators to use the base64 of their client secret as the Standard Webhooks secret,
    /// which makes the key the client secret's bytes), and the constructor a sender uses for keys it
    /// generates itself. An empty key is refused (anyone can compute an HMAC under it), and so is
    /// one shorter than 16 bytes, which could be guessed.
    ///
    /// ```
    /// use loop_contracts::delivery::{SecretError, WebhookSecret};
    ///
    /// let secret = WebhookSecret::from_bytes(*b"0123456789abcdef0123456789abcdef")?;
    /// assert_eq!(secret.len(), 32);
    /// assert_eq!(WebhookSecret::from_bytes(Vec::new()).unwrap_err(), SecretError::Empty);
    /// assert_eq!(WebhookSecret::from_bytes(*b"hunter2").unwrap_err(), SecretError::TooShort { len: 7 });
    /// # Ok::<(), SecretError>(())
    /// ```
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, SecretError> {
        let key = bytes.into();
        if key.is_empty() {
            return Err(SecretError::Empty);
        }
        if key.len() < Self::MIN_RAW_LEN {
            return Err(SecretError::TooShort { len: key.len() });
        }
        Ok(Self(key))
    }

    /// The shortest key [`from_bytes`](Self::from_bytes) takes: 16 bytes, 128 bits, the strength
    /// HMAC-SHA256 is used for here. [`parse`](Self::parse) asks 24 bytes of `whsec_` secrets, as
    /// Standard Webhooks does.
    pub const MIN_RAW_LEN: usize = 16;

    /// The key's length in bytes.
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookSecret;
    ///
    /// assert_eq!(WebhookSecret::from_bytes([7; 40])?.len(), 40);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    #[allow(clippy::len_without_is_empty)] // a secret is never empty
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The secret's text form, `whsec_` and the padded standard base64 of the key: what a sender
    /// shows the integrator once, when an endpoint is registered. It reveals the secret.
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookSecret;
    ///
    /// let text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// assert_eq!(WebhookSecret::parse(text)?.expose_whsec(), text);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn expose_whsec(&self) -> String {
        format!("{}{}", Self::PREFIX, BASE64.encode(&self.0))
    }

    pub(super) fn key(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

impl FromStr for WebhookSecret {
    type Err = SecretError;

    /// Same as [`WebhookSecret::parse`].
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookSecret;
    ///
    /// let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
    /// # let _ = secret;
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Why a secret was refused. Messages never include the secret or any part of it.
///
/// ```
/// use loop_contracts::delivery::{SecretError, WebhookSecret};
///
/// let err = WebhookSecret::parse("whsec_").unwrap_err();
/// assert_eq!(err, SecretError::Empty);
/// assert_eq!(err.to_string(), "the webhook secret is empty");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Nothing after the prefix (or no bytes at all): an HMAC under an empty key proves nothing.
    #[error("the webhook secret is empty")]
    Empty,
    /// Raw key bytes shorter than [`WebhookSecret::MIN_RAW_LEN`].
    #[error("the webhook secret is {len} bytes; at least 16 are needed")]
    TooShort {
        /// The key's length.
        len: usize,
    },
    /// The part after `whsec_` is not standard base64.
    #[error("the webhook secret is not `whsec_` followed by standard base64")]
    NotBase64,
    /// The decoded key is not 24 to 64 bytes long.
    #[error("the webhook secret decodes to {len} bytes; Standard Webhooks secrets are 24 to 64 bytes")]
    Length {
        /// The decoded length (estimated from the text's length when the text is far too long to
        /// decode).
        len: usize,
    },
    /// An Ed25519 key (`whsk_`, `whpk_`) of the asymmetric `v1a` scheme, which is not implemented.
    #[error("asymmetric (`v1a`, Ed25519) webhook keys are not supported; use a `whsec_` secret")]
    Asymmetric,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_padding_and_trailing_bits_are_optional() {
        let padded = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let bare = WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(padded.key(), bare.key());
        // 34 characters: two more bytes' worth, unpadded and with non-zero trailing bits.
        let unpadded = WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr").unwrap();
        assert_eq!(unpadded.len(), 25);
        assert_eq!(&unpadded.key()[..24], padded.key());
    }

    #[test]
    fn oversized_text_is_refused_unread() {
        let long = format!("whsec_{}", "A".repeat(200));
        assert!(matches!(WebhookSecret::parse(&long), Err(SecretError::Length { .. })));
        let max = format!("whsec_{}", BASE64.encode([1u8; 64]));
        assert_eq!(WebhookSecret::parse(&max).unwrap().len(), 64);
        let over = format!("whsec_{}", BASE64.encode([1u8; 65]));
        assert_eq!(WebhookSecret::parse(&over).unwrap_err(), SecretError::Length { len: 65 });
        assert_eq!(WebhookSecret::parse("whsk_abc").unwrap_err(), SecretError::Asymmetric);
        assert_eq!(WebhookSecret::parse("").unwrap_err(), SecretError::Empty);
        assert_eq!(WebhookSecret::parse("   ").unwrap_err(), SecretError::Empty);
    }
}
