//! The security review's secret (docs/security-review.md) and the check that nothing shows it.

use loop_contracts::delivery::WebhookSecret;

/// The secret part of every key and secret of the security review's tests: whatever shows must
/// not contain it.
pub const SECRET: &str = "Zx9Qw8Er7Ty6Ui5Op4As3Df2";

/// `SECRET` as the vendors' and Standard Webhooks' secrets carry it: as text, and as key bytes
/// (which `whsec_` shows in base64).
pub fn forms() -> Vec<String> {
    let whsec = WebhookSecret::from_bytes(SECRET.as_bytes().to_vec()).unwrap().expose_whsec();
    vec![SECRET.to_owned(), whsec["whsec_".len()..].to_owned(), SECRET[..12].to_owned()]
}

/// Panics when `shown` (what `what` shows) contains any form of [`SECRET`].
pub fn assert_hidden(what: &str, shown: &str) {
    for form in forms() {
        assert!(!shown.contains(&form), "{what} shows the secret ({form}): {shown}");
    }
}
