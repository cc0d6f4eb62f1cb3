//! What was written: the syntax tree of an `event!` invocation, every token kept for its span.
//!
//! Parsing only checks the shape. Anything that parses but means nothing (an unknown type, a
//! `min` above its `max`, a stray attribute) is left to [`check`](crate::check), which reports
//! every such mistake at once instead of stopping at the first.

use proc_macro2::{Span, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{braced, parenthesized, token, Attribute, Ident, LitInt, LitStr, Result, Token, Visibility};

/// The whole invocation: one or more event definitions.
pub struct Input {
    pub items: Vec<Item>,
}

/// One event definition: `#[event("a.b.v1")] pub struct Name { fields }` with its doc comments.
pub struct Item {
    /// Every outer attribute as written (doc comments and `#[event(...)]` among them).
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub fields: Vec<FieldDef>,
}

/// One field: `/// docs` `name?: type`.
pub struct FieldDef {
    pub attrs: Vec<Attribute>,
    pub name: WireName,
    /// The `?` of a field that is not required.
    pub question: Option<Token![?]>,
    pub ty: TypeDef,
}

/// A field's name on the wire: an identifier, or a string literal for keys that are not identifiers.
pub enum WireName {
    Ident(Ident),
    Str(LitStr),
}

impl WireName {
    /// The key as it appears in JSON (`r#type` is the key `type`).
    pub fn value(&self) -> String {
        match self {
            WireName::Ident(ident) => ident.unraw().to_string(),
            WireName::Str(lit) => lit.value(),
        }
    }

    pub fn span(&self) -> Span {
        match self {
            WireName::Ident(ident) => ident.span(),
            WireName::Str(lit) => lit.span(),
        }
    }
}

/// A field's type as written.
pub enum TypeDef {
    /// `string` or `string(min = N, max = N)`.
    String { keyword: Ident, options: Vec<StringOption> },
    /// A type that is a single keyword with nothing after it: `uuid`, `integer`, `object`, ...
    Simple { keyword: Ident, kind: SimpleKind },
    /// `object Name { fields }`, after its attributes (`#[derive(Hash)] object Name { ... }`).
    Object { attrs: Vec<Attribute>, name: Ident, fields: Vec<FieldDef> },
    /// `enum Name { "a", "b" }`, after its attributes.
    Enum { attrs: Vec<Attribute>, name: Ident, brace: token::Brace, values: Vec<LitStr> },
    /// `array<T>`.
    Array { keyword: Ident, item: Box<TypeDef> },
    /// Any other word (or token), kept so that it can be reported with the known types.
    Unknown { token: TokenTree },
    /// Attributes before a type that defines no item (`#[derive(Hash)] string`), kept so that they
    /// can be reported with every other mistake.
    Misplaced { attrs: Vec<Attribute>, ty: Box<TypeDef> },
}

/// The types that are one keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimpleKind {
    Uuid,
    Datetime,
    Email,
    Url,
    Integer,
    Number,
    Boolean,
    /// `object` without fields: a free-form record.
    Record,
}

/// `min = 3` inside `string(...)`. The name is not checked here, so that an unknown option is
/// reported together with every other mistake.
pub struct StringOption {
    pub name: Ident,
    pub value: LitInt,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        if items.is_empty() {
            return Err(
                input.error("expected an event definition: `#[event(\"domain.action.v1\")] pub struct Name { ... }`")
            );
        }
        Ok(Input { items })
    }
}

impl Parse for Item {
    fn parse(input: ParseStream) -> Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![struct]>()?;
        let ident = input.parse()?;
        let content;
        braced!(content in input);
        let fields = parse_fields(&content)?;
        Ok(Item { attrs, vis, ident, fields })
    }
}

/// The comma-separated fields of a braced block, trailing comma allowed.
fn parse_fields(input: ParseStream) -> Result<Vec<FieldDef>> {
    Ok(Punctuated::<FieldDef, Token![,]>::parse_terminated(input)?.into_iter().collect())
}

impl Parse for FieldDef {
    fn parse(input: ParseStream) -> Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let lookahead = input.lookahead1();
        // `parse_any`: wire names such as `type` are keywords in Rust, not on the wire.
        let name = if lookahead.peek(LitStr) {
            WireName::Str(input.parse()?)
        } else if lookahead.peek(Ident::peek_any) {
            WireName::Ident(input.call(Ident::parse_any)?)
        } else {
            return Err(lookahead.error());
        };
        let question = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty = input.parse()?;
        Ok(FieldDef { attrs, name, question, ty })
    }
}

impl Parse for TypeDef {
    fn parse(input: ParseStream) -> Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let mut ty = parse_type(input)?;
        match &mut ty {
            TypeDef::Object { attrs: slot, .. } | TypeDef::Enum { attrs: slot, .. } => *slot = attrs,
            _ if !attrs.is_empty() => ty = TypeDef::Misplaced { attrs, ty: Box::new(ty) },
            _ => {}
        }
        Ok(ty)
    }
}

/// A type without the attributes before it.
fn parse_type(input: ParseStream) -> Result<TypeDef> {
    if input.peek(Token![enum]) {
        input.parse::<Token![enum]>()?;
        let name = input.parse()?;
        let content;
        let brace = braced!(content in input);
        let mut values = Vec::new();
        while !content.is_empty() {
            if !content.peek(LitStr) {
                return Err(content.error("expected a string literal enum value, e.g. `\"web\"`"));
            }
            values.push(content.parse()?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        return Ok(TypeDef::Enum { attrs: Vec::new(), name, brace, values });
    }
    if !input.peek(Ident::peek_any) {
        if input.is_empty() {
            return Err(input.error("expected a type such as `string`"));
        }
        return Ok(TypeDef::Unknown { token: skip_unknown(input)? });
    }
    let fork = input.fork();
    let keyword = fork.call(Ident::parse_any)?;
    let simple = match keyword.to_string().as_str() {
        "uuid" => SimpleKind::Uuid,
        "datetime" => SimpleKind::Datetime,
        "email" => SimpleKind::Email,
        "url" => SimpleKind::Url,
        "integer" => SimpleKind::Integer,
        "number" => SimpleKind::Number,
        "boolean" => SimpleKind::Boolean,
        "string" => {
            input.call(Ident::parse_any)?;
            let mut options = Vec::new();
            if input.peek(token::Paren) {
                let content;
                parenthesized!(content in input);
                for option in Punctuated::<StringOption, Token![,]>::parse_terminated(&content)? {
                    options.push(option);
                }
            }
            return Ok(TypeDef::String { keyword, options });
        }
        "object" => {
            input.call(Ident::parse_any)?;
            if !input.peek(Ident) {
                return Ok(TypeDef::Simple { keyword, kind: SimpleKind::Record });
            }
            let name = input.parse()?;
            let content;
            braced!(content in input);
            let fields = parse_fields(&content)?;
            return Ok(TypeDef::Object { attrs: Vec::new(), name, fields });
        }
        "array" => {
            input.call(Ident::parse_any)?;
            input.parse::<Token![<]>()?;
            let item = Box::new(input.parse()?);
            input.parse::<Token![>]>()?;
            return Ok(TypeDef::Array { keyword, item });
        }
        _ => return Ok(TypeDef::Unknown { token: skip_unknown(input)? }),
    };
    input.call(Ident::parse_any)?;
    Ok(TypeDef::Simple { keyword, kind: simple })
}

/// Consumes an unknown type up to the end of its field (a `,` or the `>` closing an `array<...>`,
/// counting the `<` `>` of generics such as `Vec<String>`), returning its first token.
fn skip_unknown(input: ParseStream) -> Result<TokenTree> {
    let first: TokenTree = input.parse()?;
    let mut depth = usize::from(matches!(&first, TokenTree::Punct(p) if p.as_char() == '<'));
    while !(input.is_empty() || input.peek(Token![,]) || (depth == 0 && input.peek(Token![>]))) {
        match input.parse::<TokenTree>()? {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(first)
}

impl Parse for StringOption {
    fn parse(input: ParseStream) -> Result<Self> {
        let name = input.call(Ident::parse_any)?;
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Ok(StringOption { name, value })
    }
}
