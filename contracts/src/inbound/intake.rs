//! The webhook intake a host service calls: route, headers and raw body in; a verified,
//! transformed, validated event out (or a typed error that maps to an HTTP status). No web
//! framework is involved.

#[cfg(feature = "jsonpath")]
use std::collections::BTreeMap;
use std::collections::{HashMap, HashSet};

use super::candidate::{Candidate, InboundEvent, TransformContext};
#[cfg(feature = "jsonpath")]
use super::declaration::{Declaration, DeclarationError};
use super::error::InboundError;
use super::headers::Headers;
use super::signature::SigningSecret;
use super::source::{delivery_id_header, Source};
use crate::catalog::Catalog;

/// Which transform a request is for.
///
/// ```
/// use loop_contracts::inbound::{Intake, Route, Source, TransformContext};
///
/// # let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
/// let intake = Intake::new(TransformContext::for_brand(brand));
/// let body = br#"{"scope": "store/customer/created", "data": {"id": 32}, "created_at": 1561479335}"#;
/// let detected = Route::BuiltIn { source: Source::BigCommerce, topic: None }; // from `scope`
/// assert_eq!(intake.receive(detected, &[("Accept", "*/*")], body)?.event.as_str(), "customer.created.v1");
/// let undeclared = Route::Path("/webhooks/crm/lead");
/// assert_eq!(intake.receive(undeclared, &[("Accept", "*/*")], body).unwrap_err().http_status(), 404);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// A built-in transform. Without a topic, it is read from where the vendor puts it: the
    /// `X-Shopify-Topic` header, BigCommerce's `scope`, Typeform's `event_type`, Calendly's `event`.
    BuiltIn {
        /// The source.
        source: Source,
        /// The topic, if the host knows it.
        topic: Option<&'a str>,
    },
    /// A declared transform, by its `webhookPath`.
    Path(&'a str),
}

/// Verifies, transforms and validates inbound webhooks for one integration (one brand).
///
/// ```
/// use loop_contracts::inbound::{Intake, Route, Source, SignatureScheme, SigningSecret, TransformContext};
///
/// let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse().unwrap();
/// let secret = SigningSecret::from_text("shpss_example");
/// let intake = Intake::new(TransformContext::for_brand(brand)).with_secret(Source::Shopify, secret.clone());
///
/// let body = br#"{"id": 820982911946154508, "created_at": "2021-12-31T19:00:00-05:00", "email": "jon@example.com"}"#;
/// let (name, signature) = SignatureScheme::Shopify.sign(&secret, body, std::time::SystemTime::now());
/// let headers = [(name, signature.as_str()), ("X-Shopify-Topic", "orders/create")];
/// let event = intake.receive(Route::BuiltIn { source: Source::Shopify, topic: None }, &headers, body).unwrap();
/// assert_eq!(event.payload["orderId"], "820982911946154508");
/// assert_eq!(event.payload["occurredAt"], "2022-01-01T00:00:00Z");
///
/// let forged = [(name, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), ("X-Shopify-Topic", "orders/create")];
/// let err = intake.receive(Route::BuiltIn { source: Source::Shopify, topic: None }, &forged, body).unwrap_err();
/// assert_eq!(err.http_status(), 401);
/// ```
#[derive(Debug, Clone)]
pub struct Intake {
    context: TransformContext,
    catalog: Catalog,
    secrets: HashMap<Source, SigningSecret>,
    unsigned: HashSet<Source>,
    #[cfg(feature = "jsonpath")]
    declarations: BTreeMap<String, Declaration>,
}

impl Intake {
    /// An intake for an integration, validating against the built-in catalog.
    ///
    /// ```
    /// use loop_contracts::inbound::{Intake, Route, Source, TransformContext};
    ///
    /// # let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
    /// let intake = Intake::new(TransformContext::for_brand(brand));
    /// let body = br#"{"scope": "store/customer/created", "data": {"id": 32}, "created_at": 1561479335}"#;
    /// let route = Route::BuiltIn { source: Source::BigCommerce, topic: Some("store/customer/created") };
    /// let event = intake.receive(route, &[("Accept", "*/*")], body)?;
    /// assert_eq!(event.payload["brandId"], brand.to_string()); // from the context
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(context: TransformContext) -> Self {
        Intake {
            context,
            catalog: crate::catalog().clone(),
            secrets: HashMap::new(),
            unsigned: HashSet::new(),
            #[cfg(feature = "jsonpath")]
            declarations: BTreeMap::new(),
        }
    }

    /// Validates against another catalog (e.g. the built-in one plus a host's own events).
    ///
    /// ```
    /// use loop_contracts::{inbound::{Declaration, Intake, Route, TransformContext}, EventSchema};
    ///
    /// let mut catalog = loop_contracts::catalog().clone();
    /// # let ticket = r#"{"name": "ticket.opened.v2", "fields": {"subject": {"type": "string", "required": true}}}"#;
    /// catalog.insert(EventSchema::from_discovery_str(ticket)?); // a host's own `ticket.opened.v2`
    /// # let declaration = Declaration::parse_in(r#"{"name": "ticket.opened.v2", "source": "custom",
    /// #     "webhookPath": "/webhooks/helpdesk", "transform": {"subject": "$.ticket.title"}}"#, &catalog)?;
    /// let mut intake = Intake::new(TransformContext::default()).with_catalog(catalog);
    /// intake.declare(declaration)?; // `ticket.opened.v2` at /webhooks/helpdesk
    /// let body = br#"{"ticket": {"title": "Refund"}}"#;
    /// let event = intake.receive(Route::Path("/webhooks/helpdesk"), &[("Accept", "*/*")], body)?;
    /// assert_eq!(event.payload["subject"], "Refund");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_catalog(mut self, catalog: Catalog) -> Self {
        self.catalog = catalog;
        self
    }

    /// The signing secret of a source. Webhooks from a source that signs (Shopify, Typeform,
    /// Calendly) are refused until it has a secret ([`SignatureError::NoSecret`]), or until
    /// [`accept_unsigned`](Self::accept_unsigned). A source that does not sign (BigCommerce, a
    /// declared transform) has nothing a secret could check: with one, its webhooks are refused
    /// ([`SignatureError::SourceDoesNotSign`]) rather than accepted unverified.
    ///
    /// [`SignatureError::NoSecret`]: super::SignatureError::NoSecret
    /// [`SignatureError::SourceDoesNotSign`]: super::SignatureError::SourceDoesNotSign
    ///
    /// ```
    /// use loop_contracts::inbound::{Intake, Route, SignatureScheme, SigningSecret, Source, TransformContext};
    ///
    /// let secret = SigningSecret::from_text("shpss_example");
    /// let intake = Intake::new(TransformContext::default()).with_secret(Source::Shopify, secret);
    /// let body = br#"{"id": 1, "created_at": "2026-05-19T12:00:00Z", "email": "jon@example.com"}"#;
    /// let other = SigningSecret::from_text("another shop's secret");
    /// let (name, signature) = SignatureScheme::Shopify.sign(&other, body, std::time::SystemTime::now());
    /// let route = Route::BuiltIn { source: Source::Shopify, topic: Some("orders/create") };
    /// assert_eq!(intake.receive(route, &[(name, signature)], body).unwrap_err().http_status(), 401);
    /// ```
    pub fn with_secret(mut self, source: Source, secret: SigningSecret) -> Self {
        self.secrets.insert(source, secret);
        self
    }

    /// Accepts a signing source's webhooks without checking signatures (local testing only).
    ///
    /// ```
    /// use loop_contracts::inbound::{Intake, Route, Source, TransformContext};
    ///
    /// # let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
    /// let intake = Intake::new(TransformContext::for_brand(brand)).accept_unsigned(Source::Shopify);
    /// let body = br#"{"id": 1, "created_at": "2026-05-19T12:00:00Z", "email": "jon@example.com"}"#;
    /// let route = Route::BuiltIn { source: Source::Shopify, topic: None };
    /// let event = intake.receive(route, &[("X-Shopify-Topic", "orders/create")], body)?;
    /// assert_eq!(event.payload["orderId"], "1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept_unsigned(mut self, source: Source) -> Self {
        self.unsigned.insert(source);
        self
    }

    /// Adds a declared transform at its `webhookPath`.
    ///
    /// ```
    /// use loop_contracts::inbound::{Declaration, Intake, TransformContext};
    ///
    /// let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
    ///     "webhookPath": "/webhooks/crm/lead", "transform": {"occurredAt": "$.created",
    ///     "email": "$.email", "source": {"const": "other"}, "attribution": {"const": {}}}}"#)?;
    /// let mut intake = Intake::new(TransformContext::default());
    /// intake.declare(declaration.clone())?;
    /// assert!(intake.declare(declaration).is_err(), "the path is taken");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "jsonpath")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jsonpath")))]
    pub fn declare(&mut self, declaration: Declaration) -> Result<(), DeclarationError> {
        let path = declaration.webhook_path().to_owned();
        if self.declarations.contains_key(&path) {
            return Err(DeclarationError::Malformed(format!("a webhook is already declared at {path:?}")));
        }
        self.declarations.insert(path, declaration);
        Ok(())
    }

    /// The declared transforms by path.
    ///
    /// ```
    /// # use loop_contracts::inbound::{Declaration, Intake, TransformContext};
    /// # let declaration = Declaration::parse(r#"{"name": "lead.captured.v1", "source": "custom",
    /// #     "webhookPath": "/webhooks/crm/lead", "transform": {"occurredAt": "$.created",
    /// #     "email": "$.email", "source": {"const": "other"}, "attribution": {"const": {}}}}"#)?;
    /// let mut intake = Intake::new(TransformContext::default());
    /// intake.declare(declaration)?;
    /// let paths: Vec<&str> = intake.declarations().map(|d| d.webhook_path()).collect();
    /// assert_eq!(paths, ["/webhooks/crm/lead"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "jsonpath")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jsonpath")))]
    pub fn declarations(&self) -> impl Iterator<Item = &Declaration> {
        self.declarations.values()
    }

    /// Verifies, transforms and validates one webhook.
    ///
    /// Traced: a `loop_contracts.intake` span (`source`, `topic` or declared `path`) with one event
    /// for the verdict: `accepted` with the event's name and `eventId`, or the kind of refusal with
    /// its status (and, for an invalid event, the number of issues and the first one's path and
    /// code). Neither secrets, signatures nor payload values are recorded.
    ///
    /// ```
    /// use loop_contracts::inbound::{InboundError, Intake, Route, Source, TransformContext};
    ///
    /// # let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
    /// let intake = Intake::new(TransformContext::for_brand(brand));
    /// let body = br#"{"scope": "store/order/created", "data": {"id": 250}, "created_at": 1561479335}"#;
    /// let route = Route::BuiltIn { source: Source::BigCommerce, topic: None };
    /// let Err(InboundError::Invalid(err)) = intake.receive(route, &[("Accept", "*/*")], body) else { panic!() };
    /// assert_eq!(err.message(), "payload.email is required"); // BigCommerce sends no email
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn receive(
        &self,
        route: Route<'_>,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
    ) -> Result<InboundEvent, InboundError> {
        let span = match route {
            Route::BuiltIn { source, topic } => {
                tracing::info_span!("loop_contracts.intake", source = source.as_str(), topic = ?topic.map(shown))
            }
            Route::Path(path) => tracing::info_span!("loop_contracts.intake", path = ?shown(path)),
        };
        let _entered = span.enter();
        // `candidate` applies the context: once is enough.
        let verdict = self.candidate(route, headers, body).and_then(|c| c.validate_in(&self.catalog));
        match &verdict {
            Ok(event) => tracing::info!(event = event.event.as_str(), event_id = %event.event_id, "accepted"),
            Err(InboundError::Invalid(e)) => {
                let first = e.issues().first();
                tracing::info!(
                    status = 422,
                    issues = e.issues().len(),
                    first_path = first.map(|i| i.path.as_str()),
                    first_code = first.map(|i| i.code.as_str()),
                    "invalid"
                );
            }
            Err(e) => tracing::warn!(kind = e.kind(), status = e.http_status(), "refused"),
        }
        verdict
    }

    /// Verifies and transforms one webhook, stopping before validation so that the host can
    /// enrich the candidate (then call [`Candidate::validate`]). The configured brand is applied.
    ///
    /// ```
    /// use loop_contracts::inbound::{Intake, Route, Source, TransformContext};
    ///
    /// # let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
    /// let intake = Intake::new(TransformContext::for_brand(brand));
    /// let body = br#"{"scope": "store/order/created", "data": {"id": 250}, "hash": "dd70c09"}"#;
    /// let route = Route::BuiltIn { source: Source::BigCommerce, topic: None };
    /// let candidate = intake.candidate(route, &[("Accept", "*/*")], body)?;
    /// assert_eq!(candidate.payload()["orderId"], "250");
    /// assert_eq!(candidate.payload()["brandId"], brand.to_string());
    /// assert_eq!(candidate.delivery_id(), Some("dd70c09"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn candidate(
        &self,
        route: Route<'_>,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
    ) -> Result<Candidate, InboundError> {
        let source = match route {
            Route::BuiltIn { source, .. } => source,
            Route::Path(path) => self.declared(path)?.source(),
        };
        self.verify(source, headers, body)?;
        let mut candidate = match route {
            Route::BuiltIn { source, topic } => source.built_in(topic, body, headers)?,
            Route::Path(path) => {
                let mut candidate = self.declared(path)?.candidate(body)?;
                if let Some(id) = delivery_id_header(headers).or(headers.header("webhook-id")) {
                    candidate.set_delivery_id(crate::text::clip(id, crate::text::NAME_CHARS));
                }
                candidate
            }
        };
        candidate.apply_context(&self.context);
        Ok(candidate)
    }

    /// The declaration at a webhook path.
    #[cfg(feature = "jsonpath")]
    fn declared(&self, path: &str) -> Result<&Declaration, InboundError> {
        self.declarations
            .get(path)
            .ok_or_else(|| InboundError::UnknownRoute(crate::text::clip(path, crate::text::NAME_CHARS)))
    }

    /// Without declarations, no path is declared.
    #[cfg(not(feature = "jsonpath"))]
    fn declared(&self, path: &str) -> Result<&NoDeclaration, InboundError> {
        Err(InboundError::UnknownRoute(crate::text::clip(path, crate::text::NAME_CHARS)))
    }

    fn verify(&self, source: Source, headers: &(impl Headers + ?Sized), body: &[u8]) -> Result<(), InboundError> {
        use super::signature::SignatureError;
        let source_name = source.as_str();
        match (source.signature_scheme(), self.secrets.get(&source)) {
            (Some(scheme), Some(secret)) => Ok(scheme.verify(secret, headers, body)?),
            (Some(_), None) if self.unsigned.contains(&source) => Ok(()),
            (Some(_), None) => Err(SignatureError::NoSecret { source_name }.into()),
            // The host meant these to be verified; accepting them unverified would be silent.
            (None, Some(_)) => Err(SignatureError::SourceDoesNotSign { source_name }.into()),
            (None, None) => Ok(()),
        }
    }
}

/// A route's text as logs show it: clipped, since it may come from a request.
fn shown(text: &str) -> String {
    crate::text::clip(text, crate::text::NAME_CHARS)
}

/// What [`Intake::declared`] finds in a build without declarations (feature `jsonpath`): nothing,
/// so the routes to declared webhooks type-check and never run.
#[cfg(not(feature = "jsonpath"))]
enum NoDeclaration {}

#[cfg(not(feature = "jsonpath"))]
impl NoDeclaration {
    fn source(&self) -> Source {
        match *self {}
    }

    fn candidate(&self, _body: &[u8]) -> Result<Candidate, InboundError> {
        match *self {}
    }
}
