//! The validation engine: one walk over a `serde_json::Value` driven by an [`EventSchema`].
//!
//! It reproduces Zod 3's `safeParse` of the equivalent schema (`docs/platform.md` §2.1): every issue is
//! collected, in the order Zod reports them (fields in definition order, depth first), with Zod's
//! codes and messages; unknown keys are stripped from the output. Valid input never pays for
//! issue paths: a path is only rendered when an issue is recorded. The output is written in Zod's
//! key order through [`EventSchema::ordered`] (`order.rs`).

pub(crate) mod issue;
mod order;
mod output;
mod walk;

use std::borrow::Cow;

use serde_json::Value;

use crate::schema::EventSchema;
pub use issue::{ErrorBody, ErrorCode, ErrorResponse, Issue, IssueCode, ValidationError};
pub use order::Ordered;
use output::{copy_object, strip_object};
use walk::{Walk, ROOT};

impl EventSchema {
    /// Validates a payload; on success returns the validated payload with unknown keys stripped.
    ///
    /// ```
    /// use loop_contracts::catalog;
    /// use serde_json::json;
    ///
    /// let schema = catalog().get("lead.captured.v1").unwrap();
    /// let data = schema.validate(&json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000",
    ///     "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
    ///     "email": "user@example.com",
    ///     "source": "inbound_lead",
    ///     "attribution": {"utm_source": "newsletter"},
    ///     "personId": null,
    ///     "unknown": "stripped",
    /// })).unwrap();
    /// assert!(data.get("unknown").is_none());
    /// ```
    pub fn validate(&self, payload: &Value) -> Result<Value, ValidationError> {
        self.check(payload)?;
        Ok(copy_object(self.fields(), payload))
    }

    /// Like [`validate`](Self::validate), but strips unknown keys in place instead of copying.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let payload = json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "other", "attribution": {}, "unknown": "stripped",
    /// });
    /// let data = schema.validate_owned(payload).unwrap();
    /// assert!(data.get("unknown").is_none());
    /// assert_eq!(data["email"], "user@example.com");
    /// ```
    pub fn validate_owned(&self, mut payload: Value) -> Result<Value, ValidationError> {
        self.check(&payload)?;
        if !self.is_stripped(&payload) {
            strip_object(self.fields(), &mut payload);
        }
        Ok(payload)
    }

    /// Like [`validate`](Self::validate), but copies only when the output differs from the input
    /// (an unknown key to strip): most payloads come back borrowed, at no cost beyond the check.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let mut payload = json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "other", "attribution": {},
    /// });
    /// assert!(matches!(schema.validate_cow(&payload), Ok(Cow::Borrowed(_))));
    /// payload["unknown"] = json!("stripped");
    /// let data = schema.validate_cow(&payload).unwrap();
    /// assert!(matches!(data, Cow::Owned(_)) && data.get("unknown").is_none());
    /// ```
    pub fn validate_cow<'a>(&self, payload: &'a Value) -> Result<Cow<'a, Value>, ValidationError> {
        self.check(payload)?;
        Ok(if self.is_stripped(payload) {
            Cow::Borrowed(payload)
        } else {
            Cow::Owned(copy_object(self.fields(), payload))
        })
    }

    /// Whether stripping a valid payload would leave it as it is.
    fn is_stripped(&self, payload: &Value) -> bool {
        matches!(payload, Value::Object(map) if self.plan.is_stripped(map))
    }

    /// The verdict alone: `Ok(())` when the payload is valid, every issue otherwise.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let err = schema.check(&json!({"email": "not-an-email"})).unwrap_err();
    /// let paths: Vec<&str> = err.issues().iter().map(|i| i.path.as_str()).collect();
    /// assert_eq!(paths, ["eventId", "occurredAt", "brandId", "email", "source", "attribution"]);
    /// ```
    pub fn check(&self, payload: &Value) -> Result<(), ValidationError> {
        let issues = self.issues(payload);
        if issues.is_empty() {
            Ok(())
        } else {
            Err(ValidationError::from_issues(issues))
        }
    }

    /// The verdict alone, as fast as it can be had: no issues are collected.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// assert!(!schema.is_valid(&json!({"email": "user@example.com"})));
    /// assert!(!schema.is_valid(&json!([]))); // a payload is an object
    /// ```
    pub fn is_valid(&self, payload: &Value) -> bool {
        matches!(payload, Value::Object(map) if self.plan.is_valid(map))
    }

    /// Every issue of a payload, in Zod's order; empty when it is valid.
    ///
    /// ```
    /// use loop_contracts::IssueCode;
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let issues = schema.issues(&json!({"email": "not-an-email"}));
    /// assert_eq!((issues[3].path.as_str(), issues[3].code), ("email", IssueCode::InvalidString));
    /// assert_eq!(issues[3].message, "Invalid email");
    /// ```
    pub fn issues(&self, payload: &Value) -> Vec<Issue> {
        // The bookkeeping-free verdict first: most payloads are valid, and an invalid one usually
        // fails it within a field or two.
        if self.is_valid(payload) {
            return Vec::new();
        }
        let mut walk = Walk::default();
        walk.object(&ROOT, &self.plan, payload);
        walk.issues
    }
}
