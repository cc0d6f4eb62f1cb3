//! An email address as the platform accepts it.

use std::fmt;
use std::str::FromStr;

use crate::schema::format::is_email;

/// An email address that passes Zod's `email()` rule ([`format::is_email`](crate::schema::format::is_email)).
///
/// Zod is stricter than RFC 5321 parsers such as the `email_address` crate, which accepts
/// addresses without a dot in the domain (`user@localhost`) and quoted local parts; the platform
/// rejects both, so this type does too.
///
/// ```
/// use loop_contracts::Email;
///
/// let email: Email = "user+tag@example.com".parse().unwrap();
/// assert_eq!(email.domain(), "example.com");
/// assert!("user@localhost".parse::<Email>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

/// The string is not an email address the platform accepts.
///
/// ```
/// use loop_contracts::{Email, InvalidEmail};
///
/// assert_eq!(Email::parse("user@localhost"), Err(InvalidEmail));
/// assert_eq!(InvalidEmail.to_string(), "invalid email address");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid email address")]
pub struct InvalidEmail;

impl Email {
    /// Checks and wraps an address.
    ///
    /// ```
    /// use loop_contracts::Email;
    ///
    /// assert_eq!(Email::parse("ana@example.com").unwrap().as_str(), "ana@example.com");
    /// assert!(Email::parse("ana@").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, InvalidEmail> {
        if is_email(s) {
            Ok(Email(s.to_owned()))
        } else {
            Err(InvalidEmail)
        }
    }

    /// The address as written.
    ///
    /// ```
    /// # use loop_contracts::Email;
    /// assert_eq!(Email::parse("Ana@Example.com").unwrap().as_str(), "Ana@Example.com");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    ///
    /// ```
    /// # use loop_contracts::Email;
    /// assert_eq!(Email::parse("user+tag@example.com").unwrap().local_part(), "user+tag");
    /// ```
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(l, _)| l)
    }

    /// The part after the `@`.
    ///
    /// ```
    /// # use loop_contracts::Email;
    /// assert_eq!(Email::parse("user@mail.example.com").unwrap().domain(), "mail.example.com");
    /// ```
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, d)| d)
    }

    /// Consumes the address, returning the string.
    ///
    /// ```
    /// # use loop_contracts::Email;
    /// let email = Email::parse("ana@example.com").unwrap();
    /// assert_eq!(email.into_string(), String::from("ana@example.com"));
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl FromStr for Email {
    type Err = InvalidEmail;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidEmail;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if is_email(&s) {
            Ok(Email(s))
        } else {
            Err(InvalidEmail)
        }
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Email {
    /// Reads a string that passes [`Email::parse`], as the `email` codec does (which reads
    /// through this impl).
    ///
    /// ```
    /// use loop_contracts::Email;
    ///
    /// let email: Email = serde_json::from_str(r#""user@example.com""#).unwrap();
    /// assert_eq!(email.domain(), "example.com");
    /// let err = serde_json::from_str::<Email>(r#""user@localhost""#).unwrap_err();
    /// // The value is not repeated: an address is personal data.
    /// assert!(err.to_string().starts_with("invalid value: expected an email address"));
    /// ```
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EmailVisitor;
        impl serde::de::Visitor<'_> for EmailVisitor {
            type Value = Email;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an email address")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Email, E> {
                Email::parse(v).map_err(|_| E::custom("invalid value: expected an email address"))
            }
        }
        d.deserialize_str(EmailVisitor)
    }
}
