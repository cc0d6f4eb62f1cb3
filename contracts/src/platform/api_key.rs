//! Platform API keys (`lk_live_…`, `lk_test_…`, `lk_dev_…`) and rate-limit tiers
//! (`docs/platform.md` §4.4 and §4.3 in the repository).
//!
//! An [`ApiKey`] is parsed once, checked for its shape, and from then on never shows its secret:
//! `Debug` and `Display` print the scope's prefix and a short [fingerprint](ApiKey::fingerprint),
//! errors never echo the text, and the only way to get the key back is
//! [`expose_secret`](ApiKey::expose_secret), for the `Authorization` header. The text is held in a
//! `secrecy::SecretString`, which overwrites it with zeros when the key (or its last clone) is
//! dropped.
//!
//! ```
//! use loop_contracts::api_key::{ApiKey, KeyScope};
//!
//! let key: ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse().unwrap();
//! assert_eq!(key.scope(), KeyScope::Test);
//! assert_eq!(key.fingerprint().len(), 8);
//! assert!(!format!("{key:?} {key}").contains("4f9c2a7e1b3d5f60a8c4e2d1"));
//! assert_eq!(key.expose_secret(), "lk_test_4f9c2a7e1b3d5f60a8c4e2d1");
//! ```

use std::fmt;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU32;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a key may do, from its prefix (the platform's key prefixes, `docs/platform.md` §4.4).
///
/// ```
/// use loop_contracts::api_key::{ApiKey, KeyScope};
///
/// let key = ApiKey::parse("lk_live_0123456789abcdef").unwrap();
/// assert_eq!(key.scope(), KeyScope::Live);
/// assert_eq!(KeyScope::ALL.map(KeyScope::prefix), ["lk_live_", "lk_test_", "lk_dev_"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyScope {
    /// `lk_live_`: production, real message delivery.
    Live,
    /// `lk_test_`: test, messages routed to the sandbox.
    Test,
    /// `lk_dev_`: development, local testing, no delivery.
    Dev,
}

impl KeyScope {
    /// Every scope.
    pub const ALL: [KeyScope; 3] = [KeyScope::Live, KeyScope::Test, KeyScope::Dev];

    /// The key prefix, e.g. `lk_test_`.
    ///
    /// ```
    /// use loop_contracts::api_key::KeyScope;
    /// assert_eq!(KeyScope::Dev.prefix(), "lk_dev_");
    /// ```
    pub fn prefix(self) -> &'static str {
        match self {
            KeyScope::Live => "lk_live_",
            KeyScope::Test => "lk_test_",
            KeyScope::Dev => "lk_dev_",
        }
    }

    /// The scope's name: `live`, `test` or `dev`.
    ///
    /// ```
    /// use loop_contracts::api_key::KeyScope;
    /// assert_eq!(KeyScope::Test.as_str(), "test");
    /// assert_eq!(KeyScope::Test.to_string(), "test");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScope::Live => "live",
            KeyScope::Test => "test",
            KeyScope::Dev => "dev",
        }
    }

    /// Whether events sent with such a key cause real message delivery (only `lk_live_`).
    ///
    /// ```
    /// use loop_contracts::api_key::KeyScope;
    /// assert!(KeyScope::Live.delivers());
    /// assert!(!KeyScope::Test.delivers() && !KeyScope::Dev.delivers());
    /// ```
    pub fn delivers(self) -> bool {
        self == KeyScope::Live
    }
}

impl fmt::Display for KeyScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not an API key. No variant carries any part of the text.
///
/// ```
/// use loop_contracts::api_key::{ApiKey, ApiKeyError};
///
/// let err = ApiKey::parse("lk_test_s3cret").unwrap_err();
/// assert_eq!(err, ApiKeyError::TooShort { len: 6 });
/// assert!(err.to_string().contains("at least 16 are required"));
/// assert!(!err.to_string().contains("s3cret"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// The text is empty.
    #[error("the API key is empty")]
    Empty,
    /// The text does not start with `lk_`.
    #[error("the API key does not start with `lk_` (expected lk_live_, lk_test_ or lk_dev_)")]
    MissingPrefix,
    /// The text starts with `lk_` but not with a known scope.
    #[error("the API key's prefix is not lk_live_, lk_test_ or lk_dev_")]
    UnknownPrefix,
    /// The secret part (after the prefix) is shorter than [`ApiKey::MIN_SECRET_LEN`].
    #[error("the API key is too short: its secret part has {len} characters, at least {min} are required", min = ApiKey::MIN_SECRET_LEN)]
    TooShort {
        /// The length of the secret part.
        len: usize,
    },
    /// The secret part is longer than [`ApiKey::MAX_SECRET_LEN`].
    #[error("the API key is too long: its secret part has {len} characters, at most {max} are allowed", max = ApiKey::MAX_SECRET_LEN)]
    TooLong {
        /// The length of the secret part.
        len: usize,
    },
    /// The secret part has a character outside `A-Z a-z 0-9 _ -` (whitespace included).
    #[error("the API key has a character other than A-Z, a-z, 0-9, `_` and `-` at position {position}")]
    BadCharacter {
        /// The character's position (0-based, in characters, counting the prefix).
        position: usize,
    },
}

/// A platform API key: `lk_live_`, `lk_test_` or `lk_dev_` followed by a secret part of
/// [`MIN_SECRET_LEN`](Self::MIN_SECRET_LEN) to [`MAX_SECRET_LEN`](Self::MAX_SECRET_LEN)
/// characters of `A-Z a-z 0-9 _ -` (the URL-safe base64 alphabet, so keys minted as hex,
/// base62 or base64url all fit). Nothing is trimmed: surrounding whitespace is a bad character.
///
/// `Debug` and `Display` never show the secret, only the prefix and the
/// [`fingerprint`](Self::fingerprint):
///
/// ```
/// use loop_contracts::ApiKey;
///
/// let key = ApiKey::parse("lk_dev_local_sandbox_key_0001").unwrap();
/// let fp = key.fingerprint();
/// assert_eq!(key.to_string(), format!("lk_dev_[REDACTED {fp}]"));
/// assert_eq!(format!("{key:?}"), format!("ApiKey(lk_dev_[REDACTED {fp}])"));
/// ```
///
/// The text lives in a `secrecy::SecretString`, zeroed when the key is dropped (each clone holds
/// its own copy, zeroed with it); what [`expose_secret`](Self::expose_secret) lends out is a
/// borrow of that copy, never a new one.
///
/// Equality compares the whole text with `subtle`'s `ConstantTimeEq`: in time that does not depend
/// on where two keys of one length differ. Keys of different lengths are unequal at once; a key's
/// length is not secret (it is bounded, and shows on the wire as the length of the header).
///
/// ```
/// use loop_contracts::ApiKey;
///
/// let key = ApiKey::parse("lk_test_0123456789abcdef").unwrap();
/// assert_eq!(key, ApiKey::parse("lk_test_0123456789abcdef").unwrap());
/// assert_ne!(key, ApiKey::parse("lk_test_0123456789abcdeF").unwrap());
/// assert_ne!(key, ApiKey::parse("lk_test_0123456789abcdef0").unwrap());
/// ```
#[derive(Clone)]
pub struct ApiKey {
    /// The whole key, prefix included: zeroed on drop, `[REDACTED]` in its own `Debug`.
    text: SecretString,
    scope: KeyScope,
    fingerprint: [u8; 8],
}

impl ApiKey {
    /// The fewest characters the secret part may have.
    pub const MIN_SECRET_LEN: usize = 16;
    /// The most characters the secret part may have.
    pub const MAX_SECRET_LEN: usize = 128;

    /// Parses and checks a key.
    ///
    /// ```
    /// use loop_contracts::api_key::{ApiKey, ApiKeyError, KeyScope};
    ///
    /// assert_eq!(ApiKey::parse("lk_live_0123456789abcdef").unwrap().scope(), KeyScope::Live);
    /// assert_eq!(ApiKey::parse("sk_live_0123456789abcdef").unwrap_err(), ApiKeyError::MissingPrefix);
    /// assert_eq!(ApiKey::parse("lk_prod_0123456789abcdef").unwrap_err(), ApiKeyError::UnknownPrefix);
    /// assert_eq!(ApiKey::parse("lk_test_abc123").unwrap_err(), ApiKeyError::TooShort { len: 6 });
    /// assert_eq!(
    ///     ApiKey::parse("lk_test_0123456789abcdef ").unwrap_err(),
    ///     ApiKeyError::BadCharacter { position: 24 }
    /// );
    /// ```
    pub fn parse(text: &str) -> Result<ApiKey, ApiKeyError> {
        if text.is_empty() {
            return Err(ApiKeyError::Empty);
        }
        if !text.starts_with("lk_") {
            return Err(ApiKeyError::MissingPrefix);
        }
        let (scope, secret) = KeyScope::ALL
            .into_iter()
            .find_map(|scope| text.strip_prefix(scope.prefix()).map(|secret| (scope, secret)))
            .ok_or(ApiKeyError::UnknownPrefix)?;
        if let Some(offset) = secret.chars().position(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
            return Err(ApiKeyError::BadCharacter { position: scope.prefix().len() + offset });
        }
        // Only ASCII is left, so bytes are characters.
        let len = secret.len();
        if len < Self::MIN_SECRET_LEN {
            return Err(ApiKeyError::TooShort { len });
        }
        if len > Self::MAX_SECRET_LEN {
            return Err(ApiKeyError::TooLong { len });
        }
        // `From<&str>` copies the text into a box of exactly its length, the only copy kept.
        Ok(ApiKey { text: SecretString::from(text), scope, fingerprint: fingerprint_of(text) })
    }

    /// The key's scope, from its prefix.
    ///
    /// ```
    /// use loop_contracts::api_key::{ApiKey, KeyScope};
    /// assert_eq!(ApiKey::parse("lk_dev_0123456789abcdef").unwrap().scope(), KeyScope::Dev);
    /// ```
    pub fn scope(&self) -> KeyScope {
        self.scope
    }

    /// The whole key text, e.g. for `Authorization: Bearer <key>`. The only way to get it; a copy
    /// made of it (a header, a `String`) is the caller's, and is not zeroed with the key.
    ///
    /// ```
    /// use loop_contracts::ApiKey;
    ///
    /// let key = ApiKey::parse("lk_test_0123456789abcdef").unwrap();
    /// let header = format!("Bearer {}", key.expose_secret());
    /// assert_eq!(header, "Bearer lk_test_0123456789abcdef");
    /// ```
    pub fn expose_secret(&self) -> &str {
        self.text.expose_secret()
    }

    /// A short, non-reversible identifier of the key for logs: the first 8 hex digits of the
    /// SHA-256 of the whole key text. Two different keys may (rarely) share a fingerprint, so it
    /// names a key, it does not authenticate one.
    ///
    /// ```
    /// use loop_contracts::ApiKey;
    ///
    /// let key = ApiKey::parse("lk_test_0123456789abcdef").unwrap();
    /// assert_eq!(key.fingerprint(), ApiKey::parse("lk_test_0123456789abcdef").unwrap().fingerprint());
    /// assert!(key.fingerprint().bytes().all(|b| b.is_ascii_hexdigit()));
    /// ```
    pub fn fingerprint(&self) -> &str {
        // Always 8 ASCII hex digits (see `fingerprint_of`).
        std::str::from_utf8(&self.fingerprint).unwrap_or("????????")
    }
}

/// The first 4 bytes of the SHA-256 of `text`, as 8 lower-case hex digits.
fn fingerprint_of(text: &str) -> [u8; 8] {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = [0u8; 8];
    hex::encode_to_slice(&digest[..4], &mut out).expect("4 bytes are 8 hex digits");
    out
}

impl FromStr for ApiKey {
    type Err = ApiKeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiKey::parse(s)
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[REDACTED {}]", self.scope.prefix(), self.fingerprint())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({self})")
    }
}

impl PartialEq for ApiKey {
    fn eq(&self, other: &Self) -> bool {
        // `subtle` returns at once on a length mismatch (lengths are not secret, see the type's
        // docs) and otherwise reads every byte, with no branch on the contents.
        self.expose_secret().as_bytes().ct_eq(other.expose_secret().as_bytes()).into()
    }
}

impl Eq for ApiKey {}

impl Hash for ApiKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.expose_secret().hash(state);
    }
}

/// A rate-limit tier: a sustained rate and a burst (the platform's tiers, `docs/platform.md` §4.3).
///
/// ```
/// use loop_contracts::api_key::Tier;
///
/// assert_eq!(Tier::STANDARD.per_second(), 100);
/// assert_eq!(Tier::PREMIUM.burst(), 2000);
/// let tiny = Tier::new(5, 10).unwrap();
/// assert_eq!(tiny.to_string(), "5 requests/s, burst 10");
/// assert!(Tier::new(0, 10).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tier {
    per_second: NonZeroU32,
    burst: NonZeroU32,
}

impl Tier {
    /// Standard: 100 requests per second, burst 200.
    pub const STANDARD: Tier = Tier { per_second: non_zero(100), burst: non_zero(200) };
    /// Premium: 1,000 requests per second, burst 2,000.
    pub const PREMIUM: Tier = Tier { per_second: non_zero(1000), burst: non_zero(2000) };

    /// A custom tier (e.g. a small one for tests, or a large one for load tests); `None` when
    /// either number is zero.
    ///
    /// ```
    /// use loop_contracts::api_key::Tier;
    ///
    /// let tier = Tier::new(5, 10).unwrap();
    /// assert_eq!((tier.per_second(), tier.burst()), (5, 10));
    /// assert_eq!(Tier::new(5, 0), None);
    /// ```
    pub const fn new(per_second: u32, burst: u32) -> Option<Tier> {
        match (NonZeroU32::new(per_second), NonZeroU32::new(burst)) {
            (Some(per_second), Some(burst)) => Some(Tier { per_second, burst }),
            _ => None,
        }
    }

    /// The sustained rate, in requests per second (what `X-RateLimit-Limit` reports).
    ///
    /// ```
    /// use loop_contracts::api_key::Tier;
    /// assert_eq!(Tier::PREMIUM.per_second(), 1000);
    /// ```
    pub const fn per_second(self) -> u32 {
        self.per_second.get()
    }

    /// The burst: how many requests a client that has been idle may send at once.
    ///
    /// ```
    /// use loop_contracts::api_key::Tier;
    /// assert_eq!(Tier::STANDARD.burst(), 200);
    /// ```
    pub const fn burst(self) -> u32 {
        self.burst.get()
    }
}

/// A non-zero constant (evaluated at compile time).
const fn non_zero(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => panic!("a tier's numbers are not zero"),
    }
}

impl Default for Tier {
    fn default() -> Self {
        Tier::STANDARD
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} requests/s, burst {}", self.per_second, self.burst)
    }
}

/// Reads a tier by name: `standard`, `premium`, or `<per second>/<burst>` (e.g. `5/10`).
impl FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "standard" | "Standard" => Ok(Tier::STANDARD),
            "premium" | "Premium" => Ok(Tier::PREMIUM),
            _ => s
                .split_once('/')
                .and_then(|(rate, burst)| Tier::new(rate.trim().parse().ok()?, burst.trim().parse().ok()?))
                .ok_or_else(|| "expected `standard`, `premium` or `<per second>/<burst>`, e.g. `5/10`".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Zx9_Qw-8Er7Ty6Ui5Op4";

    #[test]
    fn parses_each_scope() {
        for scope in KeyScope::ALL {
            let text = format!("{}{SECRET}", scope.prefix());
            let key = ApiKey::parse(&text).unwrap();
            assert_eq!(key.scope(), scope);
            assert_eq!(key.expose_secret(), text);
            assert_eq!(text.parse::<ApiKey>().unwrap(), key);
        }
    }

    #[test]
    fn length_bounds_are_inclusive() {
        let ok_min = format!("lk_dev_{}", "a".repeat(ApiKey::MIN_SECRET_LEN));
        let ok_max = format!("lk_dev_{}", "a".repeat(ApiKey::MAX_SECRET_LEN));
        assert!(ApiKey::parse(&ok_min).is_ok());
        assert!(ApiKey::parse(&ok_max).is_ok());
        let short = format!("lk_dev_{}", "a".repeat(ApiKey::MIN_SECRET_LEN - 1));
        let long = format!("lk_dev_{}", "a".repeat(ApiKey::MAX_SECRET_LEN + 1));
        assert_eq!(ApiKey::parse(&short), Err(ApiKeyError::TooShort { len: 15 }));
        assert_eq!(ApiKey::parse(&long), Err(ApiKeyError::TooLong { len: 129 }));
        assert_eq!(ApiKey::parse("lk_test_"), Err(ApiKeyError::TooShort { len: 0 }));
    }

    #[test]
    fn refuses_bad_shapes_with_typed_errors() {
        assert_eq!(ApiKey::parse(""), Err(ApiKeyError::Empty));
        assert_eq!(ApiKey::parse("Bearer lk_test_0123456789abcdef"), Err(ApiKeyError::MissingPrefix));
        assert_eq!(ApiKey::parse("LK_TEST_0123456789abcdef"), Err(ApiKeyError::MissingPrefix));
        assert_eq!(ApiKey::parse("lk_"), Err(ApiKeyError::UnknownPrefix));
        assert_eq!(ApiKey::parse("lk_testing_0123456789abcdef"), Err(ApiKeyError::UnknownPrefix));
        assert_eq!(ApiKey::parse("lk_test_0123456789abcdé"), Err(ApiKeyError::BadCharacter { position: 22 }));
        assert_eq!(ApiKey::parse("lk_test_0123456789.abcdef"), Err(ApiKeyError::BadCharacter { position: 18 }));
        assert_eq!(ApiKey::parse(" lk_test_0123456789abcdef"), Err(ApiKeyError::MissingPrefix));
    }

    #[test]
    fn never_shows_the_secret() {
        let text = format!("lk_live_{SECRET}");
        let key = ApiKey::parse(&text).unwrap();
        for shown in [format!("{key}"), format!("{key:?}"), format!("{key:#?}"), format!("{:?}", Some(&key))] {
            assert!(!shown.contains(SECRET), "{shown}");
            assert!(shown.contains("lk_live_"), "{shown}");
            assert!(shown.contains(key.fingerprint()), "{shown}");
        }
        // Errors never carry the text either, even a near-miss's.
        for bad in [format!("lk_live_{SECRET}!"), format!("lk_prod_{SECRET}"), format!("xx_{SECRET}")] {
            let err = ApiKey::parse(&bad).unwrap_err();
            assert!(!format!("{err} {err:?}").contains(SECRET), "{err}");
        }
    }

    #[test]
    fn the_text_is_held_zeroed_on_drop() {
        fn zeroed_on_drop<T: zeroize::ZeroizeOnDrop + ?Sized>(_: &T) {}
        let key = ApiKey::parse(&format!("lk_test_{SECRET}")).unwrap();
        // A compile-time check: the field's type zeroes its bytes when dropped.
        zeroed_on_drop(&key.text);
        // The secret's own Debug is redacted too, should a derive ever reach it.
        assert!(!format!("{:?}", key.text).contains(SECRET));
        // A clone is a copy of its own, equal and equally redacted.
        let clone = key.clone();
        drop(key);
        assert_eq!(clone.expose_secret(), format!("lk_test_{SECRET}"));
    }

    #[test]
    fn fingerprint_is_sha256_prefix() {
        // sha256("lk_test_0123456789abcdef") starts with these 4 bytes (checked with sha256sum).
        let key = ApiKey::parse("lk_test_0123456789abcdef").unwrap();
        let digest = Sha256::digest(b"lk_test_0123456789abcdef");
        let expected: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        assert_eq!(key.fingerprint(), expected);
        let other = ApiKey::parse("lk_test_0123456789abcdeg").unwrap();
        assert_ne!(key.fingerprint(), other.fingerprint());
    }

    #[test]
    fn equality_and_hash_follow_the_text() {
        use std::collections::HashSet;
        let a = ApiKey::parse("lk_dev_0123456789abcdef").unwrap();
        let b = ApiKey::parse("lk_dev_0123456789abcdef").unwrap();
        let c = ApiKey::parse("lk_dev_0123456789abcdeF").unwrap();
        let d = ApiKey::parse("lk_dev_0123456789abcdef0").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        let set: HashSet<ApiKey> = [a, b, c, d].into_iter().collect();
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn equality_is_the_text_s_at_every_position_and_length() {
        let base = format!("lk_test_{SECRET}");
        let key = ApiKey::parse(&base).unwrap();
        assert_eq!(key, key.clone());
        // One character changed, at each position of the secret part: unequal, whichever it is.
        for i in KeyScope::Test.prefix().len()..base.len() {
            let mut changed = base.clone().into_bytes();
            changed[i] = if changed[i] == b'a' { b'b' } else { b'a' };
            let other = ApiKey::parse(std::str::from_utf8(&changed).unwrap()).unwrap();
            assert_ne!(key, other, "differs at {i}");
            assert_ne!(other, key, "differs at {i}");
        }
        // A prefix of the other, either way round, and the same secret under another scope.
        let longer = ApiKey::parse(&format!("{base}0")).unwrap();
        let shorter = ApiKey::parse(&base[..base.len() - 1]).unwrap();
        for other in [&longer, &shorter, &ApiKey::parse(&format!("lk_live_{SECRET}")).unwrap()] {
            assert_ne!(&key, other);
            assert_ne!(other, &key);
        }
        // The shortest and longest keys compare like their text.
        let min = format!("lk_dev_{}", "a".repeat(ApiKey::MIN_SECRET_LEN));
        let max = format!("lk_dev_{}", "a".repeat(ApiKey::MAX_SECRET_LEN));
        assert_eq!(ApiKey::parse(&min).unwrap(), ApiKey::parse(&min).unwrap());
        assert_eq!(ApiKey::parse(&max).unwrap(), ApiKey::parse(&max).unwrap());
        assert_ne!(ApiKey::parse(&min).unwrap(), ApiKey::parse(&max).unwrap());
    }

    #[test]
    fn tiers() {
        assert_eq!(Tier::default(), Tier::STANDARD);
        assert_eq!("premium".parse::<Tier>(), Ok(Tier::PREMIUM));
        assert_eq!("5/10".parse::<Tier>(), Ok(Tier::new(5, 10).unwrap()));
        assert!("5/0".parse::<Tier>().is_err());
        assert!("fast".parse::<Tier>().is_err());
    }
}
