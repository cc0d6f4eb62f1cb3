//! The inbound layer's error, and the HTTP status and platform error each maps to.

use std::fmt;

use crate::validate::issue::{ErrorCode, ValidationError};

use super::signature::SignatureError;

/// The inbound layer's error. Each maps to the platform's HTTP status and error code.
///
/// ```
/// use loop_contracts::inbound::{InboundError, Intake, Route, Source, TransformContext};
///
/// let intake = Intake::new(TransformContext::default());
/// let unsigned = Route::BuiltIn { source: Source::Shopify, topic: Some("orders/create") };
/// let err = intake.receive(unsigned, &[("X-Shopify-Topic", "orders/create")], b"{}").unwrap_err();
/// assert_eq!(err.to_string(), "webhook signature rejected: no signing secret is configured for `shopify`, so its signature cannot be checked");
/// let err = intake.receive(Route::Path("/webhooks/nowhere"), &[("Accept", "*/*")], b"{}").unwrap_err();
/// assert_eq!(err, InboundError::UnknownRoute("/webhooks/nowhere".into()));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InboundError {
    /// The signature is missing, malformed, wrong or stale (401).
    #[error("webhook signature rejected: {0}")]
    Signature(#[from] SignatureError),
    /// The body is not JSON, or not of the shape the vendor sends for this topic (400).
    #[error("malformed webhook body: {0}")]
    Malformed(String),
    /// The source does not send this topic, or it has no transform (422).
    #[error("unsupported topic {topic:?} for source `{source_name}`{hint}")]
    UnsupportedTopic {
        /// The source.
        source_name: String,
        /// The topic asked for.
        topic: String,
        /// A hint (the supported topics).
        hint: String,
    },
    /// No webhook is declared at this path (404).
    #[error("no webhook is declared at {0:?}")]
    UnknownRoute(String),
    /// The transformed payload is not a valid event (422), with every issue.
    #[error("{0}")]
    Invalid(ValidationError),
    /// A declared JSONPath needs more work on this body than its evaluation budget
    /// (`JsonPath::budget_for` the body's length) allows, and was stopped (422): the body is
    /// JSON, but the declaration cannot be applied to it at a bounded cost.
    #[error(
        "the JSONPath `{path}` of field `{field}` takes more than its budget of {budget} units of work on this \
         {body_bytes}-byte body"
    )]
    BudgetExceeded {
        /// The event field the path maps.
        field: String,
        /// The declared JSONPath.
        path: String,
        /// The budget it was given.
        budget: u64,
        /// The body's length in bytes, which the budget follows.
        body_bytes: usize,
    },
}

impl InboundError {
    /// A short name of the kind of refusal, for logs: it holds nothing from the webhook.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            InboundError::Signature(_) => "signature",
            InboundError::Malformed(_) => "malformed",
            InboundError::UnsupportedTopic { .. } => "unsupported_topic",
            InboundError::UnknownRoute(_) => "unknown_route",
            InboundError::Invalid(_) => "invalid",
            InboundError::BudgetExceeded { .. } => "budget_exceeded",
        }
    }

    /// The HTTP status the platform answers with.
    ///
    /// ```
    /// use loop_contracts::{inbound::InboundError, ValidationError};
    ///
    /// assert_eq!(InboundError::Malformed("not JSON".into()).http_status(), 400);
    /// assert_eq!(InboundError::UnknownRoute("/webhooks/x".into()).http_status(), 404);
    /// assert_eq!(InboundError::from(ValidationError::unknown_event("a.b.v1")).http_status(), 422);
    /// ```
    pub fn http_status(&self) -> u16 {
        match self {
            InboundError::Signature(_) => 401,
            InboundError::Malformed(_) => 400,
            InboundError::UnsupportedTopic { .. } | InboundError::Invalid(_) | InboundError::BudgetExceeded { .. } => {
                422
            }
            InboundError::UnknownRoute(_) => 404,
        }
    }

    /// The error in the platform's error-response form.
    ///
    /// ```
    /// use loop_contracts::{inbound::InboundError, ErrorCode};
    ///
    /// let err = InboundError::UnknownRoute("/webhooks/x".into()).to_validation_error();
    /// assert_eq!(err.code(), ErrorCode::UnknownEvent);
    /// assert_eq!(err.to_response()["error"]["message"], r#"no webhook is declared at "/webhooks/x""#);
    /// ```
    pub fn to_validation_error(&self) -> ValidationError {
        match self {
            InboundError::Invalid(e) => e.clone(),
            InboundError::Signature(e) => ValidationError::with_code(ErrorCode::Unauthorized, e.to_string(), vec![]),
            InboundError::Malformed(m) => ValidationError::malformed(m.clone()),
            InboundError::UnsupportedTopic { .. } | InboundError::UnknownRoute(_) => {
                ValidationError::with_code(ErrorCode::UnknownEvent, self.to_string(), vec![])
            }
            InboundError::BudgetExceeded { .. } => {
                ValidationError::with_code(ErrorCode::ValidationError, self.to_string(), vec![])
            }
        }
    }

    pub(crate) fn malformed(context: impl fmt::Display, error: impl fmt::Display) -> Self {
        InboundError::Malformed(format!("{context}: {error}"))
    }
}

impl From<ValidationError> for InboundError {
    fn from(e: ValidationError) -> Self {
        InboundError::Invalid(e)
    }
}
