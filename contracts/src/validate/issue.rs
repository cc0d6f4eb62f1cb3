//! Validation issues and the platform's error response (`docs/platform.md` §2.2 in the repository).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Zod's issue code.
///
/// ```
/// use loop_contracts::IssueCode;
///
/// let code: IssueCode = serde_json::from_str(r#""invalid_enum_value""#).unwrap();
/// assert_eq!(code, IssueCode::InvalidEnumValue);
/// // Codes this crate does not know still parse, so a platform's 422 body always does.
/// assert_eq!(serde_json::from_str::<IssueCode>(r#""not_multiple_of""#).unwrap(), IssueCode::Custom);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IssueCode {
    /// The value has the wrong JSON type, or a required key is missing (`"Required"`).
    InvalidType,
    /// A string does not match its format (`uuid`, `datetime`, `email`, `url`).
    InvalidString,
    /// A string is not one of an enum's values.
    InvalidEnumValue,
    /// A string is shorter than its minimum length.
    TooSmall,
    /// A string is longer than its maximum length.
    TooBig,
    /// Any other code the platform may send back; kept so that a 422 body always parses.
    #[serde(other)]
    Custom,
}

impl IssueCode {
    /// The wire spelling (`"invalid_string"`, ...).
    ///
    /// ```
    /// # use loop_contracts::IssueCode;
    /// assert_eq!(IssueCode::InvalidString.as_str(), "invalid_string");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::InvalidType => "invalid_type",
            IssueCode::InvalidString => "invalid_string",
            IssueCode::InvalidEnumValue => "invalid_enum_value",
            IssueCode::TooSmall => "too_small",
            IssueCode::TooBig => "too_big",
            IssueCode::Custom => "custom",
        }
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with a payload, as Zod reports it: `{"path": "email", "message": "Invalid email",
/// "code": "invalid_string"}`.
///
/// The path is Zod's path joined with `.`; array indices are numbers (`lineItems.0.sku`) and the
/// root is `""`.
///
/// ```
/// use loop_contracts::{Issue, IssueCode};
///
/// let issue: Issue = serde_json::from_str(
///     r#"{"path": "lineItems.0.sku", "message": "Required", "code": "invalid_type"}"#,
/// ).unwrap();
/// assert_eq!(issue, Issue::new("lineItems.0.sku", IssueCode::InvalidType, "Required"));
/// assert_eq!(issue.to_string(), "lineItems.0.sku: Required (invalid_type)");
/// assert_eq!(issue.summary(), "payload.lineItems.0.sku is required");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Where, e.g. `lineItems.0.sku`.
    pub path: String,
    /// Zod's message, e.g. `Invalid email` (most messages are static: no allocation).
    pub message: Cow<'static, str>,
    /// Zod's code.
    pub code: IssueCode,
    /// For events built by a webhook transform: where the value came from, e.g.
    /// `` `$.note_attributes.brand_id` matched nothing ``. Not part of Zod's issue; omitted when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Issue {
    /// An issue with the given parts (the summary phrase is derived from the code and message).
    ///
    /// ```
    /// use loop_contracts::{Issue, IssueCode};
    ///
    /// let issue = Issue::new("brandId", IssueCode::InvalidString, "Invalid uuid");
    /// assert_eq!((issue.path.as_str(), issue.code, issue.source.as_deref()), ("brandId", IssueCode::InvalidString, None));
    /// assert_eq!(issue.summary(), "payload.brandId must be a valid UUID");
    /// ```
    pub fn new(path: impl Into<String>, code: IssueCode, message: impl Into<Cow<'static, str>>) -> Self {
        Issue { path: path.into(), message: message.into(), code, source: None }
    }

    /// The summary sentence of the error response (`docs/platform.md` §2.2): `payload.<path> <phrase>`, e.g.
    /// `payload.email must be a valid email address`.
    ///
    /// ```
    /// use loop_contracts::{Issue, IssueCode};
    /// let issue = Issue::new("email", IssueCode::InvalidString, "Invalid email");
    /// assert_eq!(issue.summary(), "payload.email must be a valid email address");
    /// ```
    pub fn summary(&self) -> String {
        // One allocation: every failed validation computes this, so it is written in one go.
        let mut summary = String::with_capacity(self.path.len() + self.message.len() + 48);
        summary.push_str("payload");
        if !self.path.is_empty() {
            summary.push('.');
            summary.push_str(&self.path);
        }
        summary.push(' ');
        self.write_phrase(&mut summary);
        summary
    }

    /// Appends a plain phrase for the summary line, derived from the code and Zod's message.
    fn write_phrase(&self, out: &mut String) {
        let m = self.message.as_ref();
        let invalid = |out: &mut String, m: &str| {
            out.push_str("is invalid: ");
            out.push_str(m);
        };
        match self.code {
            IssueCode::InvalidType if m == "Required" => out.push_str("is required"),
            IssueCode::InvalidType => match m.strip_prefix("Expected ").and_then(|r| r.split_once(", received ")) {
                Some((expected, received)) => {
                    out.push_str("must be ");
                    push_with_article(out, expected);
                    out.push_str(", not ");
                    if received == "null" {
                        out.push_str("null");
                    } else {
                        push_with_article(out, received);
                    }
                }
                None => invalid(out, m),
            },
            IssueCode::InvalidString => match m {
                "Invalid email" => out.push_str("must be a valid email address"),
                "Invalid uuid" => out.push_str("must be a valid UUID"),
                "Invalid datetime" => out.push_str("must be a valid UTC datetime (ISO 8601 ending in Z)"),
                "Invalid url" => out.push_str("must be a valid URL"),
                other => invalid(out, other),
            },
            IssueCode::InvalidEnumValue => {
                match m.strip_prefix("Invalid enum value. Expected ").and_then(|r| r.rsplit_once(", received ")) {
                    Some((options, _)) => {
                        out.push_str("must be one of ");
                        out.push_str(options);
                    }
                    None => invalid(out, m),
                }
            }
            IssueCode::TooSmall | IssueCode::TooBig => match m.strip_prefix("String must contain ") {
                Some(rest) => {
                    out.push_str("must contain ");
                    out.push_str(rest);
                }
                None => invalid(out, m),
            },
            IssueCode::Custom => invalid(out, m),
        }
    }
}

/// `a string`, `an object`, `one of 'a' | 'b'`.
fn push_with_article(out: &mut String, expected: &str) {
    if expected.starts_with('\'') {
        out.push_str("one of ");
    } else if expected.starts_with(['a', 'e', 'i', 'o', 'u']) {
        out.push_str("an ");
    } else {
        out.push_str("a ");
    }
    out.push_str(expected);
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "(root)" } else { &self.path };
        write!(f, "{path}: {} ({})", self.message, self.code)
    }
}

/// The error codes of the platform's error response (`docs/platform.md` §2.2).
///
/// ```
/// use loop_contracts::ErrorCode;
///
/// let code: ErrorCode = serde_json::from_str(r#""RATE_LIMITED""#).unwrap();
/// assert_eq!((code, code.http_status()), (ErrorCode::RateLimited, 429));
/// assert_eq!(serde_json::to_string(&ErrorCode::UnknownEvent).unwrap(), r#""UNKNOWN_EVENT""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: the request body is not JSON or not of the expected shape.
    MalformedRequest,
    /// 401: missing or invalid API key.
    Unauthorized,
    /// 422: the payload failed schema validation.
    ValidationError,
    /// 422: the event name is not in the catalog.
    UnknownEvent,
    /// 429: rate limit exceeded.
    RateLimited,
    /// 500: the server failed; retrying is safe.
    InternalError,
    /// 409: the Idempotency-Key was already used with a different payload.
    IdempotencyConflict,
    /// 409: a request with this Idempotency-Key is still being processed; retrying is safe.
    IdempotencyInProgress,
    /// 404: no such route.
    NotFound,
    /// 405: the route does not take this method.
    MethodNotAllowed,
    /// 421: the request's `Host` names another site (the sandbox's defence against DNS rebinding).
    MisdirectedRequest,
}

impl ErrorCode {
    /// The wire spelling (`"VALIDATION_ERROR"`, ...).
    ///
    /// ```
    /// # use loop_contracts::ErrorCode;
    /// assert_eq!(ErrorCode::IdempotencyConflict.as_str(), "IDEMPOTENCY_CONFLICT");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedRequest => "MALFORMED_REQUEST",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::UnknownEvent => "UNKNOWN_EVENT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::IdempotencyConflict => "IDEMPOTENCY_CONFLICT",
            ErrorCode::IdempotencyInProgress => "IDEMPOTENCY_IN_PROGRESS",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::MisdirectedRequest => "MISDIRECTED_REQUEST",
        }
    }

    /// The HTTP status the platform answers with.
    ///
    /// ```
    /// # use loop_contracts::ErrorCode;
    /// assert_eq!(ErrorCode::ValidationError.http_status(), 422);
    /// assert_eq!(ErrorCode::Unauthorized.http_status(), 401);
    /// ```
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MalformedRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::ValidationError | ErrorCode::UnknownEvent => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::InternalError => 500,
            ErrorCode::IdempotencyConflict | ErrorCode::IdempotencyInProgress => 409,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::MisdirectedRequest => 421,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The contracts layer's error: a payload was rejected, with every issue, in Zod's order.
///
/// It renders the platform's error response exactly ([`ValidationError::to_response`]):
///
/// ```
/// use loop_contracts::validate_event;
/// use serde_json::json;
///
/// let err = validate_event("lead.captured.v1", &json!({
///     "eventId": "550e8400-e29b-41d4-a716-446655440000",
///     "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
///     "email": "not-an-email",
///     "source": "inbound_lead",
///     "attribution": {},
/// })).unwrap_err();
/// assert_eq!(err.to_response(), json!({"ok": false, "error": {
///     "code": "VALIDATION_ERROR",
///     "message": "payload.email must be a valid email address",
///     "issues": [{"path": "email", "message": "Invalid email", "code": "invalid_string"}],
/// }}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}{}", MoreIssues(.issues.len()))]
pub struct ValidationError {
    code: ErrorCode,
    message: String,
    issues: Vec<Issue>,
}

/// How many issues a one-line display leaves out: the message summarises the first.
struct MoreIssues(usize);

impl fmt::Display for MoreIssues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 | 1 => Ok(()),
            2 => f.write_str(" (and 1 more issue)"),
            n => write!(f, " (and {} more issues)", n - 1),
        }
    }
}

impl ValidationError {
    /// A `VALIDATION_ERROR` over these issues (at least one); the message summarises the first.
    ///
    /// ```
    /// use loop_contracts::{ErrorCode, Issue, IssueCode, ValidationError};
    ///
    /// let err = ValidationError::from_issues(vec![
    ///     Issue::new("email", IssueCode::InvalidType, "Required"),
    ///     Issue::new("source", IssueCode::InvalidType, "Required"),
    /// ]);
    /// assert_eq!(err.code(), ErrorCode::ValidationError);
    /// assert_eq!(err.message(), "payload.email is required");
    /// assert_eq!(err.issues().len(), 2);
    /// assert_eq!(err.to_string(), "VALIDATION_ERROR: payload.email is required (and 1 more issue)");
    /// ```
    pub fn from_issues(issues: Vec<Issue>) -> Self {
        let message = issues.first().map_or_else(|| "payload is invalid".to_owned(), Issue::summary);
        ValidationError { code: ErrorCode::ValidationError, message, issues }
    }

    /// An `UNKNOWN_EVENT` error for this name.
    ///
    /// ```
    /// use loop_contracts::{ErrorCode, ValidationError};
    ///
    /// let err = ValidationError::unknown_event("lead.lost.v1");
    /// assert_eq!((err.code(), err.code().http_status()), (ErrorCode::UnknownEvent, 422));
    /// assert_eq!(err.message(), r#"event "lead.lost.v1" is not in the catalog"#);
    /// ```
    pub fn unknown_event(name: &str) -> Self {
        let shown: String = crate::text::clip(name, crate::text::NAME_CHARS);
        ValidationError {
            code: ErrorCode::UnknownEvent,
            message: format!("event {shown:?} is not in the catalog"),
            issues: Vec::new(),
        }
    }

    /// A `MALFORMED_REQUEST` error (the body is not JSON, or not of the expected shape).
    ///
    /// ```
    /// use loop_contracts::{ErrorCode, ValidationError};
    ///
    /// let err = ValidationError::malformed("body must be a JSON object");
    /// assert_eq!(err.code().http_status(), 400);
    /// assert_eq!(err.to_string(), "MALFORMED_REQUEST: body must be a JSON object");
    /// # assert_eq!(err.code(), ErrorCode::MalformedRequest);
    /// ```
    pub fn malformed(message: impl Into<String>) -> Self {
        ValidationError { code: ErrorCode::MalformedRequest, message: message.into(), issues: Vec::new() }
    }

    /// An error with any code and message, e.g. one read back from a platform response.
    ///
    /// ```
    /// use loop_contracts::{ErrorCode, ValidationError};
    ///
    /// let err = ValidationError::with_code(ErrorCode::RateLimited, "slow down", Vec::new());
    /// assert_eq!(err.to_response()["error"]["code"], "RATE_LIMITED");
    /// assert!(err.issues().is_empty());
    /// ```
    pub fn with_code(code: ErrorCode, message: impl Into<String>, issues: Vec<Issue>) -> Self {
        ValidationError { code, message: message.into(), issues }
    }

    /// The error code.
    ///
    /// ```
    /// # use loop_contracts::{ErrorCode, ValidationError};
    /// assert_eq!(ValidationError::malformed("not JSON").code(), ErrorCode::MalformedRequest);
    /// ```
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The summary message.
    ///
    /// ```
    /// # use loop_contracts::ValidationError;
    /// assert_eq!(ValidationError::malformed("not JSON").message(), "not JSON");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Every issue, in Zod's order (empty for errors other than `VALIDATION_ERROR`).
    ///
    /// ```
    /// use loop_contracts::validate_event;
    /// use serde_json::json;
    ///
    /// let err = validate_event("lead.captured.v1", &json!({"email": "ana@example.com"})).unwrap_err();
    /// let paths: Vec<&str> = err.issues().iter().map(|i| i.path.as_str()).collect();
    /// assert_eq!(paths, ["eventId", "occurredAt", "brandId", "source", "attribution"]);
    /// ```
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Consumes the error, returning its issues.
    ///
    /// ```
    /// use loop_contracts::{Issue, IssueCode, ValidationError};
    ///
    /// let issue = Issue::new("email", IssueCode::InvalidString, "Invalid email");
    /// assert_eq!(ValidationError::from_issues(vec![issue.clone()]).into_issues(), [issue]);
    /// ```
    pub fn into_issues(self) -> Vec<Issue> {
        self.issues
    }

    /// The platform's error response: `{"ok": false, "error": {"code", "message", "issues"}}`.
    ///
    /// ```
    /// use loop_contracts::ValidationError;
    /// use serde_json::json;
    ///
    /// assert_eq!(
    ///     ValidationError::malformed("malformed JSON").to_response(),
    ///     json!({"ok": false, "error": {"code": "MALFORMED_REQUEST", "message": "malformed JSON", "issues": []}}),
    /// );
    /// ```
    pub fn to_response(&self) -> serde_json::Value {
        serde_json::to_value(ErrorResponse::from(self)).unwrap_or(serde_json::Value::Null)
    }

    /// The error response as compact JSON text, keys in the platform's order.
    ///
    /// ```
    /// let err = loop_contracts::ValidationError::unknown_event("nope.nope.v1");
    /// assert_eq!(
    ///     err.to_response_json(),
    ///     r#"{"ok":false,"error":{"code":"UNKNOWN_EVENT","message":"event \"nope.nope.v1\" is not in the catalog","issues":[]}}"#
    /// );
    /// ```
    pub fn to_response_json(&self) -> String {
        serde_json::to_string(&ErrorResponse::from(self)).unwrap_or_default()
    }
}

/// The wire form of an error response, for serializing and for parsing a platform's 422 body.
///
/// ```
/// use loop_contracts::{ErrorCode, ErrorResponse, ValidationError};
///
/// let body = r#"{"ok": false, "error": {"code": "VALIDATION_ERROR", "message": "payload.email is required",
///     "issues": [{"path": "email", "message": "Required", "code": "invalid_type"}]}}"#;
/// let response: ErrorResponse = serde_json::from_str(body).unwrap();
/// assert!(!response.ok);
/// let err = ValidationError::from(response);
/// assert_eq!((err.code(), err.issues()[0].path.as_str()), (ErrorCode::ValidationError, "email"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// Always `false`.
    pub ok: bool,
    /// The error.
    pub error: ErrorBody,
}

/// The `error` object of an [`ErrorResponse`].
///
/// ```
/// use loop_contracts::{ErrorBody, ErrorCode};
///
/// // `issues` may be absent: it defaults to empty.
/// let body: ErrorBody = serde_json::from_str(r#"{"code": "UNAUTHORIZED", "message": "invalid API key"}"#).unwrap();
/// assert_eq!((body.code, body.issues.len()), (ErrorCode::Unauthorized, 0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error code.
    pub code: ErrorCode,
    /// The summary message.
    pub message: String,
    /// The issues (possibly empty).
    #[serde(default)]
    pub issues: Vec<Issue>,
}

impl From<&ValidationError> for ErrorResponse {
    fn from(e: &ValidationError) -> Self {
        ErrorResponse {
            ok: false,
            error: ErrorBody { code: e.code, message: e.message.clone(), issues: e.issues.clone() },
        }
    }
}

impl From<ErrorResponse> for ValidationError {
    fn from(r: ErrorResponse) -> Self {
        ValidationError { code: r.error.code, message: r.error.message, issues: r.error.issues }
    }
}
