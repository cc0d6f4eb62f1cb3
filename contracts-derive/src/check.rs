//! What was meant: the semantic checks, and the checked model that expansion reads.
//!
//! Every mistake is recorded (not just the first) and pointed at the token that causes it. The
//! checks also *recover*: a bad field is dropped, an unknown type stands in as a free-form
//! `object`, a bad name as a placeholder, so that expansion can still run and the user sees the
//! real errors rather than a cascade of "cannot find type" errors wherever the event is used.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta, Visibility};

use crate::ast::{self, SimpleKind, TypeDef};
use crate::attrs::{self, Target};
use crate::envelope::{is_envelope, ENVELOPE};
use crate::naming::{self, RustName};

/// The name of the attribute that names an event.
const EVENT_ATTR: &str = "event";

/// The types the macro knows, for the message of an unknown one.
const KNOWN_TYPES: &str = "`string`, `string(min = N, max = N)`, `uuid`, `datetime`, `email`, `url`, `integer`, \
                           `number`, `boolean`, `object`, `object Name { ... }`, `enum Name { \"a\", ... }`, \
                           `array<T>`";

/// The type keywords, for spelling suggestions.
const TYPE_KEYWORDS: &[&str] =
    &["string", "uuid", "datetime", "email", "url", "integer", "number", "boolean", "object", "enum", "array"];

/// The candidate within two edits (insertions, deletions, substitutions or swaps of neighbours,
/// ignoring ASCII case) of `written`, the nearest first; none when two are equally near.
fn closest<'a>(written: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let written = written.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    let mut tied = false;
    for &candidate in candidates {
        let distance = edit_distance(written.as_bytes(), candidate.as_bytes());
        // One edit in a short word already makes most other short words.
        let reach = if written.len() <= 4 { 1 } else { 2 };
        if distance > reach || distance >= written.len() {
            continue;
        }
        match best {
            Some((d, _)) if distance > d => {}
            Some((d, _)) if distance == d => tied = true,
            _ => (best, tied) = (Some((distance, candidate)), false),
        }
    }
    best.filter(|_| !tied).map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance: Levenshtein plus swaps of two neighbours (`lenght`).
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            rows[at(i, j)] = if i == 0 || j == 0 {
                i + j
            } else {
                let substitute = rows[at(i - 1, j - 1)] + usize::from(a[i - 1] != b[j - 1]);
                let mut best = substitute.min(rows[at(i - 1, j)] + 1).min(rows[at(i, j - 1)] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(rows[at(i - 2, j - 2)] + 1);
                }
                best
            };
        }
    }
    rows[at(a.len(), b.len())]
}

/// Every error found, folded into one `syn::Error` that reports them all.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Records an error at `span`.
    pub fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.add(syn::Error::new(span, message));
    }

    /// Records an error spanning `tokens` from their first to their last token (a whole
    /// attribute, say, where a `Span` alone would show its first character).
    pub fn push_spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.add(syn::Error::new_spanned(tokens, message));
    }

    fn add(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// The combined error, if there was any.
    pub fn into_error(self) -> Option<syn::Error> {
        self.0
    }
}

/// A checked invocation.
pub struct Model<'a> {
    pub events: Vec<Event<'a>>,
}

/// A checked event definition.
pub struct Event<'a> {
    pub vis: &'a Visibility,
    pub ident: &'a Ident,
    pub docs: Docs<'a>,
    /// The user's other attributes, to pass through to the struct.
    pub attrs: Vec<&'a Attribute>,
    /// The event name (a placeholder when the written one was refused, to keep expanding).
    pub name: String,
    pub version: u32,
    /// The declared fields, without the envelope.
    pub fields: Vec<Field<'a>>,
}

/// Doc comments: the attributes to forward to Rust items, and their text for the schema.
pub struct Docs<'a> {
    pub attrs: Vec<&'a Attribute>,
    pub text: Option<String>,
}

/// A checked field.
pub struct Field<'a> {
    pub wire: String,
    pub rust: Ident,
    pub required: bool,
    pub ty: Type<'a>,
    pub docs: Docs<'a>,
    /// The user's other attributes, to pass through to the struct field.
    pub attrs: Vec<&'a Attribute>,
}

/// A checked type, with the span of the tokens that wrote it.
pub struct Type<'a> {
    pub kind: TypeKind<'a>,
    pub span: Span,
}

/// The checked types.
pub enum TypeKind<'a> {
    String {
        min: Option<u64>,
        max: Option<u64>,
    },
    Simple(SimpleKind),
    /// A nested struct. `define` is false for a duplicate name: the type is then not emitted twice.
    Object {
        name: &'a Ident,
        fields: Vec<Field<'a>>,
        define: bool,
        /// The doc comments and other attributes written before `object`, for the struct.
        docs: Docs<'a>,
        attrs: Vec<&'a Attribute>,
    },
    /// A generated enum, variants in definition order.
    Enum {
        name: &'a Ident,
        variants: Vec<Variant>,
        define: bool,
        /// The doc comments and other attributes written before `enum`, for the enum.
        docs: Docs<'a>,
        attrs: Vec<&'a Attribute>,
    },
    Array(Box<Type<'a>>),
}

/// One enum value and its Rust variant.
pub struct Variant {
    pub value: String,
    pub ident: Ident,
}

/// Checks an invocation: the model to expand, and every error found.
pub fn check(input: &ast::Input) -> (Model<'_>, Option<syn::Error>) {
    let mut cx = Checker::default();
    let mut events = Vec::new();
    let mut event_names: HashSet<String> = HashSet::new();
    for item in &input.items {
        // A second event of the same Rust name would clash with the first's impls; drop it.
        let unique = cx.declare_type(&item.ident);
        let event = cx.event(item);
        if let Some(name_span) = event.name_span
            && !event_names.insert(event.event.name.clone())
        {
            cx.errors.push(name_span, format!("the event `{}` is defined twice in this invocation", event.event.name));
        }
        if unique {
            events.push(event.event);
        }
    }
    (Model { events }, cx.errors.into_error())
}

/// An event and where its name was written (`None` when missing or refused).
struct CheckedEvent<'a> {
    event: Event<'a>,
    name_span: Option<Span>,
}

#[derive(Default)]
struct Checker {
    errors: Errors,
    /// Every type name defined by this invocation (events, nested objects, enums).
    types: HashSet<String>,
}

impl Checker {
    /// Records a type name; false (and an error) when the invocation already defines it.
    fn declare_type(&mut self, ident: &Ident) -> bool {
        let name = ident.to_string();
        let new = self.types.insert(name.clone());
        if !new {
            self.errors.push(ident.span(), format!("the type `{name}` is already defined in this `event!` invocation"));
        }
        new
    }

    fn event<'a>(&mut self, item: &'a ast::Item) -> CheckedEvent<'a> {
        let mut event_attr: Option<LitStr> = None;
        // A malformed `#[event]` is reported as such, not also as a missing one.
        let mut saw_event_attr = false;
        let (doc_attrs, others) = split_docs(&item.attrs);
        let mut user_attrs = Vec::new();
        for attr in others {
            if attr.path().is_ident(EVENT_ATTR) {
                match attr.parse_args::<LitStr>() {
                    Ok(lit) if !saw_event_attr => event_attr = Some(lit),
                    Ok(_) => self.errors.push_spanned(attr, "duplicate `#[event(...)]` attribute"),
                    Err(_) => self.errors.push_spanned(attr, "expected `#[event(\"<domain>.<action>.v<N>\")]`"),
                }
                saw_event_attr = true;
            } else {
                user_attrs.push(attr);
            }
        }
        let docs = self.docs(doc_attrs);

        // A placeholder name and version keep expansion going after an error.
        let (mut name, mut version) = ("invalid.event_name.v1".to_owned(), 1);
        let name_span = match event_attr {
            Some(lit) => match naming::parse_event_name(&lit.value()) {
                Ok(parsed) => {
                    (name, version) = (lit.value(), parsed.version);
                    Some(lit.span())
                }
                Err(reason) => {
                    self.errors.push(lit.span(), format!("invalid event name {:?}: {reason}", lit.value()));
                    None
                }
            },
            None if saw_event_attr => None,
            None => {
                self.errors.push(
                    item.ident.span(),
                    format!(
                        "missing `#[event(\"<domain>.<action>.v<N>\")]` on `{}`, e.g. `#[event(\"lead.captured.v1\")]`",
                        item.ident
                    ),
                );
                None
            }
        };

        let fields = self.fields(&item.fields, true);
        // serde's derives see the envelope's fields too.
        let envelope = ENVELOPE.iter().map(|field| (field.rust.to_owned(), field.wire.to_owned()));
        let pairs: Vec<(String, String)> = envelope.chain(serde_names(&fields)).collect();
        let attrs = attrs::check(&user_attrs, &Target::Struct { event: true, fields: &pairs }, &mut self.errors);
        CheckedEvent {
            event: Event { vis: &item.vis, ident: &item.ident, docs, attrs, name, version, fields },
            name_span,
        }
    }

    /// Checks the fields of an object; `event` adds the envelope rules.
    fn fields<'a>(&mut self, defs: &'a [ast::FieldDef], event: bool) -> Vec<Field<'a>> {
        let mut wire_names: HashSet<String> = HashSet::new();
        // Rust name → the wire name that took it.
        let mut rust_names: HashMap<String, String> = HashMap::new();
        if event {
            for field in &ENVELOPE {
                rust_names.insert(field.rust.to_owned(), field.wire.to_owned());
            }
        }
        let mut out = Vec::new();
        for def in defs {
            let wire = def.name.value();
            let span = def.name.span();
            let (doc_attrs, others) = split_docs(&def.attrs);
            let docs = self.docs(doc_attrs);
            let attrs = attrs::check(&others, &Target::Field { wire: &wire }, &mut self.errors);
            // The type is checked even when the field is dropped, so its mistakes are reported too.
            let ty = self.ty(&def.ty);

            if event && is_envelope(&wire) {
                self.errors.push(span, format!("the envelope field `{wire}` is added automatically"));
                continue;
            }
            if !wire_names.insert(wire.clone()) {
                self.errors.push(span, format!("duplicate field `{wire}`"));
                continue;
            }
            let rust_name = match naming::field_name(&wire) {
                Ok(name) => name,
                Err(reason) => {
                    self.errors.push(span, format!("the field name {wire:?} cannot name a Rust field: {reason}"));
                    continue;
                }
            };
            if let Some(other) = rust_names.get(rust_name.as_str()) {
                let whose = if event && is_envelope(other) { "the envelope field" } else { "the field" };
                self.errors.push(
                    span,
                    format!("`{wire}` and {whose} `{other}` both become the Rust field `{}`", rust_name.as_str()),
                );
                continue;
            }
            rust_names.insert(rust_name.as_str().to_owned(), wire.clone());
            let rust = match rust_name {
                RustName::Plain(s) => Ident::new(&s, span),
                RustName::Raw(s) => Ident::new_raw(&s, span),
            };
            out.push(Field { wire, rust, required: def.question.is_none(), ty, docs, attrs });
        }
        out
    }

    /// The text of doc comments: the lines joined, one leading space trimmed per line, the whole
    /// trimmed. Only literal docs (what `///` and `/** */` produce) are accepted.
    fn docs<'a>(&mut self, attrs: Vec<&'a Attribute>) -> Docs<'a> {
        let mut lines = Vec::new();
        for attr in &attrs {
            match &attr.meta {
                Meta::NameValue(nv) => match &nv.value {
                    Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => {
                        let value = s.value();
                        // `split`, not `lines`: an empty `///` line is an empty string, and must stay a line.
                        lines.extend(value.split('\n').map(|l| {
                            let l = l.strip_suffix('\r').unwrap_or(l);
                            l.strip_prefix(' ').unwrap_or(l).to_owned()
                        }));
                    }
                    other => self.errors.push_spanned(other, "expected a doc comment or `#[doc = \"...\"]`"),
                },
                _ => self.errors.push_spanned(attr, "expected a doc comment or `#[doc = \"...\"]`"),
            }
        }
        let text = lines.join("\n").trim().to_owned();
        Docs { attrs, text: (!text.is_empty()).then_some(text) }
    }

    fn ty<'a>(&mut self, def: &'a TypeDef) -> Type<'a> {
        match def {
            TypeDef::String { keyword, options } => {
                let (mut min, mut max) = (None, None);
                // Where each bound was written, to point at both when they contradict each other.
                let (mut min_at, mut max_at) = (0, 0);
                for (i, option) in options.iter().enumerate() {
                    let (slot, at) = match option.name.to_string().as_str() {
                        "min" => (&mut min, &mut min_at),
                        "max" => (&mut max, &mut max_at),
                        other => {
                            let hint = match (other, closest(other, &["min", "max"])) {
                                ("len" | "length" | "size" | "exact", _) => {
                                    "; for an exact length write `min = N, max = N`".to_owned()
                                }
                                (_, Some(option)) => format!("; did you mean `{option}`?"),
                                (_, None) => String::new(),
                            };
                            self.errors.push(
                                option.name.span(),
                                format!("unknown string option `{other}`; expected `min` or `max`{hint}"),
                            );
                            continue;
                        }
                    };
                    if slot.is_some() {
                        self.errors.push(option.name.span(), format!("duplicate string option `{}`", option.name));
                        continue;
                    }
                    match option.value.base10_parse::<u64>() {
                        Ok(n) => (*slot, *at) = (Some(n), i),
                        Err(_) => self.errors.push(
                            option.value.span(),
                            format!("`{}` must be a whole number from 0 to {}", option.name, u64::MAX),
                        ),
                    }
                }
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                {
                    let (first, last) = (&options[min_at.min(max_at)], &options[min_at.max(max_at)]);
                    let (name, value) = (&first.name, &last.value);
                    let span: TokenStream = quote!(#name #value);
                    self.errors.push_spanned(span, format!("`min = {lo}` is greater than `max = {hi}`"));
                    // Recover with bounds that at least describe a possible string.
                    max = Some(lo);
                }
                Type { kind: TypeKind::String { min, max }, span: keyword.span() }
            }
            TypeDef::Simple { keyword, kind } => Type { kind: TypeKind::Simple(*kind), span: keyword.span() },
            TypeDef::Object { attrs, name, fields } => {
                let define = self.declare_type(name);
                let fields = self.fields(fields, false);
                let (doc_attrs, others) = split_docs(attrs);
                let docs = self.docs(doc_attrs);
                let pairs: Vec<(String, String)> = serde_names(&fields).collect();
                let attrs = attrs::check(&others, &Target::Struct { event: false, fields: &pairs }, &mut self.errors);
                Type { kind: TypeKind::Object { name, fields, define, docs, attrs }, span: name.span() }
            }
            TypeDef::Enum { attrs, name, brace, values } => {
                let define = self.declare_type(name);
                let variants = self.variants(name, brace.span.join(), values);
                let (doc_attrs, others) = split_docs(attrs);
                let docs = self.docs(doc_attrs);
                let pairs: Vec<(String, String)> =
                    variants.iter().map(|v| (v.ident.to_string(), v.value.clone())).collect();
                let attrs = attrs::check(&others, &Target::Enum { variants: &pairs }, &mut self.errors);
                Type { kind: TypeKind::Enum { name, variants, define, docs, attrs }, span: name.span() }
            }
            TypeDef::Misplaced { attrs, ty } => {
                for attr in attrs {
                    self.errors.push_spanned(
                        attr,
                        "this type defines no Rust item for the attribute: attributes in a type go before a nested \
                         `object Name { ... }` or `enum Name { ... }`, and a field's own attributes before its name",
                    );
                }
                self.ty(ty)
            }
            TypeDef::Array { keyword, item } => {
                Type { kind: TypeKind::Array(Box::new(self.ty(item))), span: keyword.span() }
            }
            TypeDef::Unknown { token } => {
                let written = token.to_string();
                let hint = match written.as_str() {
                    "Option" => "; write `name?: T` for a field that is not required",
                    "Vec" => "; did you mean `array<T>`?",
                    "String" | "str" | "text" => "; did you mean `string`?",
                    "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "int" => "; did you mean `integer`?",
                    "f32" | "f64" | "float" => "; did you mean `number`?",
                    "bool" => "; did you mean `boolean`?",
                    "Uuid" => "; did you mean `uuid`?",
                    "DateTime" | "date" | "timestamp" => "; did you mean `datetime`?",
                    "map" | "record" | "Map" | "Value" | "json" => "; did you mean `object`, a free-form object?",
                    _ => "",
                };
                let spelled = match (hint, closest(&written, TYPE_KEYWORDS)) {
                    ("", Some(keyword)) => format!("; did you mean `{keyword}`?"),
                    _ => String::new(),
                };
                self.errors.push(
                    token.span(),
                    format!("unknown type `{written}`; expected one of {KNOWN_TYPES}{hint}{spelled}"),
                );
                // Stand in as a free-form object, the type that constrains the least.
                Type { kind: TypeKind::Simple(SimpleKind::Record), span: token.span() }
            }
        }
    }

    fn variants(&mut self, name: &Ident, brace: Span, values: &[LitStr]) -> Vec<Variant> {
        if values.is_empty() {
            self.errors.push(
                brace,
                format!("the enum `{name}` has no values; give it at least one, e.g. `{{ \"a\", \"b\" }}`"),
            );
        }
        let mut seen: HashMap<String, Span> = HashMap::new();
        // Variant name → the value that took it.
        let mut variants: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        for lit in values {
            let value = lit.value();
            if seen.insert(value.clone(), lit.span()).is_some() {
                self.errors.push(lit.span(), format!("duplicate enum value {value:?}"));
                continue;
            }
            let variant = match naming::variant_name(&value) {
                Ok(variant) => variant,
                Err(reason) => {
                    self.errors
                        .push(lit.span(), format!("the enum value {value:?} cannot name a Rust variant: {reason}"));
                    continue;
                }
            };
            if let Some(other) = variants.get(&variant) {
                self.errors.push(
                    lit.span(),
                    format!("the enum values {other:?} and {value:?} both become the Rust variant `{name}::{variant}`"),
                );
                continue;
            }
            variants.insert(variant.clone(), value.clone());
            out.push(Variant { ident: Ident::new(&variant, lit.span()), value });
        }
        out
    }
}

/// Splits attributes into doc comments (`///`, `#[doc = ...]`, for the docs and the schema's
/// description) and the others (`#[doc(hidden)]` among them, which has no text).
fn split_docs(attrs: &[Attribute]) -> (Vec<&Attribute>, Vec<&Attribute>) {
    attrs.iter().partition(|attr| attr.path().is_ident("doc") && !matches!(attr.meta, Meta::List(_)))
}

/// Each field's name as serde's derives see it (the Rust name without `r#`) and its wire name.
fn serde_names<'x>(fields: &'x [Field]) -> impl Iterator<Item = (String, String)> + 'x {
    fields.iter().map(|field| (field.rust.unraw().to_string(), field.wire.clone()))
}

#[cfg(test)]
mod tests {
    use super::{closest, edit_distance, TYPE_KEYWORDS};

    #[test]
    fn near_misses_are_suggested_and_far_ones_are_not() {
        assert_eq!(edit_distance(b"lenght", b"length"), 1, "a swap of neighbours is one edit");
        assert_eq!(closest("interger", TYPE_KEYWORDS), Some("integer"));
        assert_eq!(closest("strng", TYPE_KEYWORDS), Some("string"));
        assert_eq!(closest("Boolen", TYPE_KEYWORDS), Some("boolean"));
        assert_eq!(closest("uri", TYPE_KEYWORDS), Some("url"));
        assert_eq!(closest("datetiem", TYPE_KEYWORDS), Some("datetime"));
        assert_eq!(closest("mx", &["min", "max"]), Some("max"));
        assert_eq!(closest("len", &["min", "max"]), None, "two edits in three letters is a guess");
        assert_eq!(closest("xyz", TYPE_KEYWORDS), None);
        assert_eq!(closest("mix", &["min", "max"]), None, "as near to both");
    }
}
