//! Standard Webhooks signing secrets (`whsec_` + base64).

use std::fmt;
use std::str::FromStr;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD as BASE64};
use base64::engine::DecodePaddingMode;
use base64::{DecodeSliceError, Engine as _};
use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use crate::inbound::hmac_sha256::{secret_key, SecretKey};

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

/// The most bytes [`MAX_SECRET_TEXT`] characters of base64 decode to: the size of the buffer
/// [`WebhookSecret::parse`] decodes into.
const MAX_DECODED: usize = MAX_SECRET_TEXT / 4 * 3;

/// A Standard Webhooks signing secret: the HMAC-SHA256 key of the `v1` scheme.
///
/// The platform shows it as `whsec_` followed by the standard base64 of 24 to 64 random bytes; the
/// key is the decoded bytes. `Debug` prints `WebhookSecret([REDACTED])` and there is no `Display`
/// or `PartialEq` (which would invite a comparison that is not constant-time); the only way to get
/// the secret back out is [`WebhookSecret::expose_whsec`], named so that it stands out in review.
///
/// The key is held in a `secrecy::SecretSlice`, which zeroes it when the secret (or the
/// [`Verifier`](super::Verifier), [`Signer`](super::Signer) or sandbox holding it) is dropped;
/// each clone holds, and zeroes, its own copy. [`parse`](Self::parse) decodes through a buffer
/// that is zeroed too.
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
pub struct WebhookSecret(SecretKey);

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
        // Decoded on the stack, in a buffer zeroed when this returns: `decode` would give a `Vec`
        // sized by an estimate, and copying the key out of it would leave that one unzeroed.
        let mut buffer = Zeroizing::new([0u8; MAX_DECODED]);
        let len = LENIENT_BASE64.decode_slice(encoded, buffer.as_mut_slice()).map_err(|e| match e {
            DecodeSliceError::DecodeError(_) => SecretError::NotBase64,
            // Not reached: the text is at most `MAX_SECRET_TEXT` long, and the buffer fits it.
            DecodeSliceError::OutputSliceTooSmall => SecretError::Length { len: encoded.len() / 4 * 3 },
        })?;
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(SecretError::Length { len });
        }
        Ok(Self(SecretKey::from(Box::<[u8]>::from(&buffer[..len]))))
    }

    /// A secret from raw key bytes, at least [`MIN_RAW_LEN`](Self::MIN_RAW_LEN) of them.
    ///
    /// This is the escape hatch for senders whose keys are not 24 to 64 bytes (BigCommerce, for one,
    /// tells integrators to use the base64 of their client secret as the Standard Webhooks secret,
    /// which makes the key the client secret's bytes), and the constructor a sender uses for keys it
    /// generates itself. An empty key is refused (anyone can compute an HMAC under it), and so is
    /// one shorter than 16 bytes, which could be guessed.
    ///
    /// The bytes given are copied into the secret and then zeroed, refused or not (a `Vec` passed
    /// in is zeroed whole, its spare capacity included); a copy the caller kept is the caller's.
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
        // Taken as a key first, so that a refused one is zeroed too.
        let key = secret_key(bytes.into());
        let len = key.expose_secret().len();
        if len == 0 {
            return Err(SecretError::Empty);
        }
        if len < Self::MIN_RAW_LEN {
            return Err(SecretError::TooShort { len });
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
        self.0.expose_secret().len()
    }

    /// The secret's text form, `whsec_` and the padded standard base64 of the key: what a sender
    /// shows the integrator once, when an endpoint is registered. It reveals the secret, and the
    /// `String` is the caller's: it is not zeroed when dropped (hold it in a zeroizing wrapper,
    /// such as `secrecy::SecretString`, to keep it).
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookSecret;
    ///
    /// let text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// assert_eq!(WebhookSecret::parse(text)?.expose_whsec(), text);
    /// # Ok::<(), loop_contracts::delivery::SecretError>(())
    /// ```
    pub fn expose_whsec(&self) -> String {
        let key = self.0.expose_secret();
        // Written into one allocation of the final size, so no intermediate copy is left behind
        // unzeroed (as `format!` of an encoded `String` would leave one).
        let encoded = base64::encoded_len(key.len(), true).unwrap_or(0);
        let mut text = String::with_capacity(Self::PREFIX.len() + encoded);
        text.push_str(Self::PREFIX);
        BASE64.encode_string(key, &mut text);
        text
    }

    pub(super) fn key(&self) -> &[u8] {
        self.0.expose_secret()
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
    fn the_key_is_held_redacted_and_zeroed_on_drop() {
        fn zeroed_on_drop<T: zeroize::ZeroizeOnDrop + ?Sized>(_: &T) {}
        let text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let parsed = WebhookSecret::parse(text).unwrap();
        let raw = WebhookSecret::from_bytes(parsed.key().to_vec()).unwrap();
        for secret in [&parsed, &raw] {
            zeroed_on_drop(&secret.0);
            assert_eq!(secret.key(), parsed.key());
            assert_eq!(secret.expose_whsec(), text);
            for shown in [format!("{secret:?}"), format!("{secret:#?}"), format!("{:?}", secret.0)] {
                assert!(!shown.contains("MfKQ9r8G"), "{shown}");
            }
        }
        // `expose_whsec` fills the capacity it asked for exactly.
        let whsec = parsed.expose_whsec();
        assert_eq!(whsec.capacity(), whsec.len());
        assert_eq!(WebhookSecret::from_bytes([5u8; 64]).unwrap().expose_whsec().len(), 6 + 88);
    }

    #[test]
    fn every_length_decodes_as_before() {
        // The stack buffer decodes what `decode` did: each length from 24 to 64 bytes, padded or
        // not, with or without the prefix and surrounding whitespace.
        for len in WebhookSecret::MIN_LEN..=WebhookSecret::MAX_LEN {
            let key: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let padded = BASE64.encode(&key);
            for text in [format!("whsec_{padded}"), padded.trim_end_matches('=').to_owned(), format!(" {padded}\n")] {
                assert_eq!(WebhookSecret::parse(&text).unwrap().key(), key, "{text}");
            }
        }
        for len in [1, 23, 65, 90] {
            let text = format!("whsec_{}", BASE64.encode(vec![9u8; len]));
            assert_eq!(WebhookSecret::parse(&text).unwrap_err(), SecretError::Length { len }, "{len}");
        }
        assert_eq!(WebhookSecret::parse("whsec_!!!!").unwrap_err(), SecretError::NotBase64);
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
