//! The API key of a request: a `Bearer` token, well formed, not live, and one the sandbox accepts.

use std::borrow::Cow;

use axum::http::{header, HeaderMap};

use crate::platform::api_key::{ApiKey, KeyScope};
use crate::sandbox::state::{KeyPolicy, Shared};

pub(super) const MISSING_KEY: &str =
    "missing API key: send `Authorization: Bearer <key>` with an lk_test_ or lk_dev_ key";

/// The request's API key: `Ok(None)` when there is none and none is required; otherwise why it
/// is refused (a message that never contains the key).
pub(super) fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    required: bool,
) -> Result<Option<ApiKey>, Cow<'static, str>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return if required { Err(MISSING_KEY.into()) } else { Ok(None) };
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or("the Authorization header must be `Bearer <key>`")?;
    let key = ApiKey::parse(token).map_err(|e| format!("malformed API key: {e}"))?;
    if key.scope() == KeyScope::Live {
        return Err("live API keys (lk_live_) are not accepted by the sandbox, which never delivers messages: \
                    use an lk_test_ or lk_dev_ key"
            .into());
    }
    if let KeyPolicy::Only(keys) = &shared.keys
        && !keys.contains(&key)
    {
        return Err(format!("unknown API key {key}").into());
    }
    Ok(Some(key))
}
