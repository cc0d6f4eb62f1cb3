//! A framework-free view of HTTP request headers.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// Case-insensitive header lookup (HTTP/2 lowercases names; vendors document mixed case).
///
/// Implemented for lists of `(name, value)` pairs (slices, arrays and `Vec`s of anything that is
/// `AsRef<str>`), for `HashMap` and `BTreeMap` of such pairs, for `http::HeaderMap` (feature `http`:
/// hyper, axum, reqwest and tonic use it), and for references to any of them, so another
/// framework's headers need only be copied into one of these (or given their own impl) to be
/// verified. When a name occurs more than once, the first occurrence wins; a map that holds one
/// name under two spellings has no first one (a `BTreeMap` gives the one that sorts first, a
/// `HashMap` any of them).
///
/// ```
/// use loop_contracts::inbound::Headers;
///
/// let headers = vec![
///     ("x-shopify-topic".to_string(), "orders/create".to_string()),
///     ("X-Shopify-Topic".to_string(), "orders/paid".to_string()),
/// ];
/// assert_eq!(headers.header("X-Shopify-Topic"), Some("orders/create"));
/// assert_eq!(headers.header("X-Shopify-Hmac-Sha256"), None);
/// ```
pub trait Headers {
    /// The value of the first header called `name`, compared without regard to ASCII case.
    ///
    /// ```
    /// use loop_contracts::inbound::Headers;
    ///
    /// let headers = [("typeform-signature", "sha256=...")];
    /// assert_eq!(headers.header("Typeform-Signature"), Some("sha256=..."));
    /// ```
    fn header(&self, name: &str) -> Option<&str>;
}

/// The first value whose name matches, in iteration order.
fn scan<'a, K, V>(pairs: impl IntoIterator<Item = (&'a K, &'a V)>, name: &str) -> Option<&'a str>
where
    K: AsRef<str> + ?Sized + 'a,
    V: AsRef<str> + ?Sized + 'a,
{
    pairs.into_iter().find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref())
}

impl<T: Headers + ?Sized> Headers for &T {
    fn header(&self, name: &str) -> Option<&str> {
        (**self).header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Headers for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        scan(self.iter().map(|(k, v)| (k, v)), name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Headers for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Headers for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, S: BuildHasher> Headers for HashMap<K, V, S> {
    fn header(&self, name: &str) -> Option<&str> {
        scan(self, name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Headers for BTreeMap<K, V> {
    fn header(&self, name: &str) -> Option<&str> {
        scan(self, name)
    }
}

/// The first value of the name; a value that is not visible ASCII (which no signature or topic
/// header holds) reads as absent.
///
/// ```
/// use loop_contracts::inbound::Headers;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-shopify-topic", http::HeaderValue::from_static("orders/create"));
/// assert_eq!(headers.header("X-Shopify-Topic"), Some("orders/create"));
/// assert_eq!(headers.header("not a header name"), None);
/// ```
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl Headers for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)?.to_str().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_ascii_case_and_keeps_the_first_duplicate() {
        let pairs = [("Calendly-Webhook-Signature", "a"), ("calendly-webhook-signature", "b")];
        assert_eq!(pairs.header("CALENDLY-WEBHOOK-SIGNATURE"), Some("a"));
        assert_eq!(pairs[1..].header("Calendly-Webhook-Signature"), Some("b"));
        assert_eq!(pairs.header("Calendly-Webhook"), None);
    }

    #[test]
    fn maps_and_references_are_headers() {
        let hash: HashMap<String, String> = [("X-Shopify-Topic".into(), "orders/create".into())].into();
        let tree: BTreeMap<String, String> = [("x-shopify-topic".into(), "orders/paid".into())].into();
        assert_eq!(Headers::header(&&hash, "x-shopify-topic"), Some("orders/create"));
        assert_eq!(tree.header("X-Shopify-Topic"), Some("orders/paid"));
        let dynamic: &dyn Headers = &tree;
        assert_eq!(dynamic.header("X-SHOPIFY-TOPIC"), Some("orders/paid"));
    }
}
