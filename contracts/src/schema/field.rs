//! [`Field`] and [`FieldType`]: the payload's fields and their types, one variant per discovery
//! `type`; and the envelope every event starts with.

/// One field of an object: its wire name, whether it is required, and its type.
///
/// ```
/// use loop_contracts::{Field, FieldType};
///
/// let string = FieldType::String { min_length: None, max_length: None };
/// let field = Field::optional("tags", FieldType::Array(Box::new(string)));
/// assert!(!field.required);
/// assert_eq!(field.ty.type_name(), "array");
/// let email = &loop_contracts::catalog().get("lead.captured.v1").unwrap().fields()[3];
/// assert_eq!((email.name.as_str(), email.required, &email.ty), ("email", true, &FieldType::Email));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The wire (camelCase) name.
    pub name: String,
    /// `true`: the key must be present and not `null`. `false`: the key may be absent or `null`
    /// (Zod's `.nullish()`).
    pub required: bool,
    /// The value's type.
    pub ty: FieldType,
    /// Documentation carried into the discovery and JSON Schema documents.
    pub description: Option<String>,
}

/// The type of a field, one variant per discovery `type` (`docs/platform.md` §2.1 in the repository).
///
/// ```
/// use loop_contracts::{EventSchema, FieldType};
///
/// let schema = EventSchema::from_discovery_str(r#"{"name": "ticket.opened.v1", "fields": {
///     "priority": {"type": "enum", "values": ["low", "urgent"], "required": true}}}"#).unwrap();
/// assert_eq!(schema.fields()[0].ty, FieldType::Enum(vec!["low".into(), "urgent".into()]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// `z.string()`, with optional bounds counted in UTF-16 code units as JavaScript does.
    String {
        /// `.min(n)`.
        min_length: Option<u64>,
        /// `.max(n)`.
        max_length: Option<u64>,
    },
    /// `z.string().uuid()`.
    Uuid,
    /// `z.string().datetime()`: UTC with `Z`, seconds and fraction optional.
    Datetime,
    /// `z.string().email()`.
    Email,
    /// `z.string().url()`: anything the WHATWG URL parser accepts.
    Url,
    /// `z.enum([...])`.
    Enum(Vec<String>),
    /// `z.number().int()`.
    Integer,
    /// `z.number()`.
    Number,
    /// `z.boolean()`.
    Boolean,
    /// `z.record(z.unknown())`: any JSON object, contents unchecked.
    Record,
    /// `z.object({...})`: a nested object with its own fields; unknown keys are stripped.
    Object(Vec<Field>),
    /// `z.array(items)`.
    Array(Box<FieldType>),
}

impl FieldType {
    /// The discovery document's name of this type (`"uuid"`, `"object"`, ...).
    ///
    /// ```
    /// use loop_contracts::FieldType;
    /// assert_eq!(FieldType::Datetime.type_name(), "datetime");
    /// assert_eq!(FieldType::Record.type_name(), "object");
    /// ```
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldType::String { .. } => "string",
            FieldType::Uuid => "uuid",
            FieldType::Datetime => "datetime",
            FieldType::Email => "email",
            FieldType::Url => "url",
            FieldType::Enum(_) => "enum",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Record | FieldType::Object(_) => "object",
            FieldType::Array(_) => "array",
        }
    }
}

impl Field {
    /// A required field.
    ///
    /// ```
    /// use loop_contracts::{Field, FieldType};
    ///
    /// let field = Field::required("orderId", FieldType::String { min_length: Some(1), max_length: None });
    /// assert!(field.required);
    /// assert_eq!(field.description, None);
    /// ```
    pub fn required(name: impl Into<String>, ty: FieldType) -> Self {
        Field { name: name.into(), required: true, ty, description: None }
    }

    /// An optional (nullish) field.
    ///
    /// ```
    /// use loop_contracts::{Field, FieldType};
    ///
    /// let field = Field::optional("personId", FieldType::Uuid);
    /// assert_eq!((field.name.as_str(), field.required), ("personId", false));
    /// ```
    pub fn optional(name: impl Into<String>, ty: FieldType) -> Self {
        Field { name: name.into(), required: false, ty, description: None }
    }

    /// The same field with documentation attached.
    ///
    /// ```
    /// use loop_contracts::{Field, FieldType};
    ///
    /// let field = Field::required("total", FieldType::Number).with_description("The order total.");
    /// assert_eq!(field.description.as_deref(), Some("The order total."));
    /// ```
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// The three envelope fields every event starts with (`docs/platform.md` §2): `eventId`, `occurredAt`, `brandId`.
///
/// ```
/// use loop_contracts::schema::envelope_fields;
///
/// let names = envelope_fields().map(|f| f.name);
/// assert_eq!(names, ["eventId", "occurredAt", "brandId"]);
/// assert!(envelope_fields().iter().all(|f| f.required));
/// ```
pub fn envelope_fields() -> [Field; 3] {
    // The list (names, types, descriptions) is written once, in the macro crate
    // (`contracts-derive/src/envelope.rs`), which also checks declared fields against it and
    // generates the struct fields from it: that crate cannot depend on this one, so it holds the list.
    loop_contracts_derive::__envelope_fields!(FieldType)
        .map(|(name, ty, description)| Field::required(name, ty).with_description(description))
}
