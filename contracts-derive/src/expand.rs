//! Code generation from the checked model.
//!
//! Type definitions are emitted where the macro is invoked (users name them); every impl goes in
//! one `const _: () = { ... };` block so that the helper items it declares cannot collide with the
//! user's. Generated code names the runtime only through `::loop_contracts::__private`, and core
//! items by absolute path, so that it means the same thing wherever it is expanded.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Attribute, Ident, Visibility};

use crate::ast::SimpleKind;
use crate::check::{Docs, Event, Field, Model, Type, TypeKind, Variant};
use crate::envelope::{Kind, ENVELOPE};
use crate::readings;

/// The runtime's private module, the only door generated code goes through.
pub(crate) fn private() -> TokenStream {
    quote!(::loop_contracts::__private)
}

/// Expands a checked invocation.
pub fn expand(model: &Model) -> TokenStream {
    let mut out = Output::default();
    for event in &model.events {
        expand_event(event, &mut out);
    }
    let Output { items, impls } = out;
    quote! {
        #items
        const _: () = {
            #impls
        };
    }
}

/// Where generated code goes: type definitions, and their impls.
#[derive(Default)]
struct Output {
    items: TokenStream,
    impls: TokenStream,
}

/// A field as the serde impls see it: the envelope and the declared fields alike.
pub(crate) struct SerdeField {
    pub(crate) wire: String,
    pub(crate) rust: Ident,
    pub(crate) required: bool,
    /// The Rust type of the struct field (`Option<_>` included).
    rust_ty: TokenStream,
    /// The codec of the whole field (`Nullish<_>` included).
    pub(crate) codec: TokenStream,
    docs: TokenStream,
    /// The user's other attributes (none on the envelope).
    attrs: TokenStream,
}

fn expand_event(event: &Event, out: &mut Output) {
    let p = private();
    let ident = event.ident;
    let name = &event.name;
    let version = event.version;

    let docs = {
        let user = &event.docs.attrs;
        let note = format!("Event name: `{name}`.");
        if user.is_empty() {
            let summary = format!("The `{name}` event.");
            quote!(#[doc = #summary] #[doc = ""] #[doc = #note])
        } else {
            quote!(#(#user)* #[doc = ""] #[doc = #note])
        }
    };

    let mut fields: Vec<SerdeField> = ENVELOPE
        .iter()
        .map(|field| {
            let (rust_ty, codec) = match field.kind {
                Kind::Uuid => (quote!(#p::uuid::Uuid), quote!(#p::UuidCodec)),
                Kind::Datetime => (quote!(#p::chrono::DateTime<#p::chrono::Utc>), quote!(#p::DatetimeCodec)),
            };
            let doc = field.doc;
            SerdeField {
                wire: field.wire.to_owned(),
                rust: Ident::new(field.rust, ident.span()),
                required: true,
                rust_ty,
                codec,
                docs: quote!(#[doc = #doc]),
                attrs: TokenStream::new(),
            }
        })
        .collect();
    fields.extend(event.fields.iter().map(serde_field));

    let expecting = format!("a `{name}` payload (a JSON object)");
    expand_struct(event.vis, ident, docs, &event.attrs, &fields, &expecting, out);
    for field in &event.fields {
        nested_types(event.vis, name, &field.wire, &field.ty, out);
    }

    let description = option_str(event.docs.text.as_deref());
    let schema_fields = event.fields.iter().map(field_expr);
    out.impls.extend(quote! {
        #[automatically_derived]
        impl #p::Event for #ident {
            const NAME: &'static str = #name;
            const VERSION: u32 = #version;

            fn schema() -> &'static #p::EventSchema {
                static SCHEMA: #p::LazyLock<#p::EventSchema> = #p::LazyLock::new(|| {
                    #p::event_schema(#name, #description, ::std::vec![#(#schema_fields),*])
                });
                &SCHEMA
            }

            fn event_id(&self) -> #p::uuid::Uuid {
                self.event_id
            }

            fn occurred_at(&self) -> #p::chrono::DateTime<#p::chrono::Utc> {
                self.occurred_at
            }

            fn brand_id(&self) -> #p::uuid::Uuid {
                self.brand_id
            }

            fn decode_in_one_pass(
                __text: &str,
            ) -> ::core::option::Option<::core::result::Result<Self, #p::ValidationError>> {
                #p::decode_event::<Self>(__text)
            }
        }

        // Present only when the runtime crate was built with the feature: the runtime's macros
        // decide, since a `cfg` here would be evaluated against the user's crate.
        #p::if_schemars! {
            #[automatically_derived]
            impl #p::schemars::JsonSchema for #ident {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(::core::stringify!(#ident))
                }

                // The event name is unique where the Rust name may not be (two `Channel`s, two versions).
                fn schema_id() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(#name)
                }

                fn json_schema(_: &mut #p::schemars::SchemaGenerator) -> #p::schemars::Schema {
                    #p::schemars_schema(<Self as #p::Event>::schema())
                }
            }
        }

        // The registry `loop_contracts::build::check_or_update` reads: a link-time list, so no
        // code of the user's has to name the event for its documents to be exported.
        #p::if_registry! {
            #p::inventory::submit! {
                #p::Registration::new(<#ident as #p::Event>::schema, ::core::module_path!())
            }
        }

        #p::if_validator! {
            #[automatically_derived]
            impl #p::validator::Validate for #ident {
                fn validate(&self) -> ::core::result::Result<(), #p::validator::ValidationErrors> {
                    #p::validate_typed(self)
                }
            }
        }
    });
}

/// The nested structs and enums a field's type defines, each with its impls.
fn nested_types(vis: &Visibility, event: &str, path: &str, ty: &Type, out: &mut Output) {
    match &ty.kind {
        TypeKind::Object { name, fields, define, docs, attrs } => {
            if *define {
                let summary = format!("The `{path}` object of the `{event}` event.");
                let serde_fields: Vec<SerdeField> = fields.iter().map(serde_field).collect();
                let expecting = format!("a `{name}` object");
                expand_struct(vis, name, doc_attrs(docs, &summary), attrs, &serde_fields, &expecting, out);
            }
            for field in fields {
                nested_types(vis, event, &format!("{path}.{}", field.wire), &field.ty, out);
            }
        }
        TypeKind::Enum { name, variants, define: true, docs, attrs } => {
            let summary = format!("The values of `{path}` in the `{event}` event.");
            expand_enum(vis, name, doc_attrs(docs, &summary), attrs, variants, out);
        }
        TypeKind::Array(item) => nested_types(vis, event, &format!("{path}[]"), item, out),
        TypeKind::Enum { define: false, .. } | TypeKind::String { .. } | TypeKind::Simple(_) => {}
    }
}

fn serde_field(field: &Field) -> SerdeField {
    let mut rust_ty = rust_type(&field.ty);
    let mut codec = codec(&field.ty);
    let note = if field.required {
        format!("JSON key `{}`.", field.wire)
    } else {
        let p = private();
        let span = field.ty.span;
        rust_ty = quote_spanned!(span=> ::core::option::Option<#rust_ty>);
        codec = quote!(#p::Nullish<#codec>);
        format!("JSON key `{}`; not required: absent and `null` are `None`.", field.wire)
    };
    SerdeField {
        wire: field.wire.clone(),
        rust: field.rust.clone(),
        required: field.required,
        rust_ty,
        codec,
        docs: doc_attrs(&field.docs, &note),
        attrs: {
            let attrs = &field.attrs;
            quote!(#(#attrs)*)
        },
    }
}

/// The user's doc comments followed by a generated note (alone when there are none).
fn doc_attrs(docs: &Docs, note: &str) -> TokenStream {
    let user = &docs.attrs;
    if user.is_empty() {
        quote!(#[doc = #note])
    } else {
        quote!(#(#user)* #[doc = ""] #[doc = #note])
    }
}

/// The Rust type of a value of `ty`, spanned at the type as written.
fn rust_type(ty: &Type) -> TokenStream {
    let p = private();
    let span = ty.span;
    match &ty.kind {
        TypeKind::String { .. } | TypeKind::Simple(SimpleKind::Url) => quote_spanned!(span=> ::std::string::String),
        TypeKind::Simple(SimpleKind::Uuid) => quote_spanned!(span=> #p::uuid::Uuid),
        TypeKind::Simple(SimpleKind::Datetime) => quote_spanned!(span=> #p::chrono::DateTime<#p::chrono::Utc>),
        TypeKind::Simple(SimpleKind::Email) => quote_spanned!(span=> #p::Email),
        TypeKind::Simple(SimpleKind::Integer) => quote_spanned!(span=> ::core::primitive::i64),
        TypeKind::Simple(SimpleKind::Number) => quote_spanned!(span=> ::core::primitive::f64),
        TypeKind::Simple(SimpleKind::Boolean) => quote_spanned!(span=> ::core::primitive::bool),
        TypeKind::Simple(SimpleKind::Record) => {
            quote_spanned!(span=> #p::serde_json::Map<::std::string::String, #p::serde_json::Value>)
        }
        TypeKind::Object { name, .. } | TypeKind::Enum { name, .. } => quote!(#name),
        TypeKind::Array(item) => {
            let item = rust_type(item);
            quote_spanned!(span=> ::std::vec::Vec<#item>)
        }
    }
}

/// The codec that decodes and encodes a value of `ty` (see `loop_contracts::codec`).
fn codec(ty: &Type) -> TokenStream {
    let p = private();
    match &ty.kind {
        TypeKind::String { min, max } => {
            let min = Literal::u64_unsuffixed(min.unwrap_or(0));
            let max = Literal::u64_unsuffixed(max.unwrap_or(u64::MAX));
            quote!(#p::Str<#min, #max>)
        }
        TypeKind::Simple(SimpleKind::Uuid) => quote!(#p::UuidCodec),
        TypeKind::Simple(SimpleKind::Datetime) => quote!(#p::DatetimeCodec),
        TypeKind::Simple(SimpleKind::Email) => quote!(#p::EmailCodec),
        TypeKind::Simple(SimpleKind::Url) => quote!(#p::UrlCodec),
        TypeKind::Simple(SimpleKind::Integer) => quote!(#p::IntCodec),
        TypeKind::Simple(SimpleKind::Number) => quote!(#p::NumCodec),
        TypeKind::Simple(SimpleKind::Boolean) => quote!(#p::BoolCodec),
        TypeKind::Simple(SimpleKind::Record) => quote!(#p::RecordCodec),
        TypeKind::Object { name, .. } | TypeKind::Enum { name, .. } => quote!(#p::Nested<#name>),
        TypeKind::Array(item) => {
            let item = codec(item);
            quote!(#p::List<#item>)
        }
    }
}

/// `Some("text")` or `None`, as an expression.
fn option_str(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}

/// The runtime descriptor of a declared field: `__private::field(...)`.
fn field_expr(field: &Field) -> TokenStream {
    let p = private();
    let wire = &field.wire;
    let required = field.required;
    let ty = field_type_expr(&field.ty);
    let description = option_str(field.docs.text.as_deref());
    quote!(#p::field(#wire, #required, #ty, #description))
}

/// The runtime `FieldType` of `ty`, as an expression.
fn field_type_expr(ty: &Type) -> TokenStream {
    let p = private();
    let ft = quote!(#p::FieldType);
    let option_u64 = |n: &Option<u64>| match n {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    match &ty.kind {
        TypeKind::String { min, max } => {
            let (min, max) = (option_u64(min), option_u64(max));
            quote!(#ft::String { min_length: #min, max_length: #max })
        }
        TypeKind::Simple(SimpleKind::Uuid) => quote!(#ft::Uuid),
        TypeKind::Simple(SimpleKind::Datetime) => quote!(#ft::Datetime),
        TypeKind::Simple(SimpleKind::Email) => quote!(#ft::Email),
        TypeKind::Simple(SimpleKind::Url) => quote!(#ft::Url),
        TypeKind::Simple(SimpleKind::Integer) => quote!(#ft::Integer),
        TypeKind::Simple(SimpleKind::Number) => quote!(#ft::Number),
        TypeKind::Simple(SimpleKind::Boolean) => quote!(#ft::Boolean),
        TypeKind::Simple(SimpleKind::Record) => quote!(#ft::Record),
        TypeKind::Enum { variants, .. } => {
            let values = variants.iter().map(|v| &v.value);
            quote!(#ft::Enum(::std::vec![#(::std::borrow::ToOwned::to_owned(#values)),*]))
        }
        TypeKind::Object { fields, .. } => {
            let fields = fields.iter().map(field_expr);
            quote!(#ft::Object(::std::vec![#(#fields),*]))
        }
        TypeKind::Array(item) => {
            let item = field_type_expr(item);
            quote!(#ft::Array(::std::boxed::Box::new(#item)))
        }
    }
}

/// A struct (an event or a nested object) with its strict serde impls.
fn expand_struct(
    vis: &Visibility,
    ident: &Ident,
    docs: TokenStream,
    attrs: &[&Attribute],
    fields: &[SerdeField],
    expecting: &str,
    out: &mut Output,
) {
    let p = private();
    let struct_fields = fields.iter().map(|f| {
        let SerdeField { rust, rust_ty, docs, attrs, .. } = f;
        quote!(#docs #attrs pub #rust: #rust_ty)
    });
    // The user's attributes after the generated derive, in the order written: a derive's helper
    // attributes then follow it, as rustc wants.
    out.items.extend(quote! {
        #docs
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq)]
        #(#attrs)*
        #vis struct #ident {
            #(#struct_fields,)*
        }
    });

    // Serialize: every required field, and the optional ones that are set (Zod's output omits
    // absent keys, and `null` would mean the same thing to the platform).
    let required_count = fields.iter().filter(|f| f.required).count();
    let optional_counts = fields.iter().filter(|f| !f.required).map(|f| {
        let rust = &f.rust;
        quote!(+ ::core::primitive::usize::from(::core::option::Option::is_some(&self.#rust)))
    });
    let serialize_fields = fields.iter().map(|f| {
        let SerdeField { wire, rust, codec, .. } = f;
        let write = quote! {
            #p::serde::ser::SerializeStruct::serialize_field(&mut __state, #wire, &#p::Enc::<#codec>(&self.#rust))?;
        };
        if f.required {
            write
        } else {
            quote! {
                if ::core::option::Option::is_some(&self.#rust) {
                    #write
                } else {
                    #p::serde::ser::SerializeStruct::skip_field(&mut __state, #wire)?;
                }
            }
        }
    });
    let name = ident.to_string();

    out.impls.extend(quote! {
        #[automatically_derived]
        impl #p::serde::Serialize for #ident {
            fn serialize<__S: #p::serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                let mut __state = #p::serde::Serializer::serialize_struct(
                    __serializer,
                    #name,
                    #required_count #(#optional_counts)*,
                )?;
                #(#serialize_fields)*
                #p::serde::ser::SerializeStruct::end(__state)
            }
        }

    });
    out.impls.extend(readings::struct_readings(ident, fields, expecting));
}

/// A generated enum: its variants, `as_str`, `ALL`, `Display`, `FromStr` and string serde impls.
fn expand_enum(
    vis: &Visibility,
    ident: &Ident,
    docs: TokenStream,
    attrs: &[&Attribute],
    variants: &[Variant],
    out: &mut Output,
) {
    let p = private();
    let idents: Vec<&Ident> = variants.iter().map(|v| &v.ident).collect();
    let values: Vec<&str> = variants.iter().map(|v| v.value.as_str()).collect();
    let variant_docs = values.iter().map(|v| format!("`{v:?}`"));
    out.items.extend(quote! {
        #docs
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash,
        )]
        #(#attrs)*
        #vis enum #ident {
            #(#[doc = #variant_docs] #idents,)*
        }
    });

    // The message of Zod's `invalid_enum_value`, so that a `FromStr` failure reads like the platform's.
    let expected = values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(" | ");
    let invalid_prefix = format!("Invalid enum value. Expected {expected}, received '");
    let expecting = format!("one of {expected}");
    out.impls.extend(quote! {
        impl #ident {
            /// The value as written on the wire.
            pub fn as_str(&self) -> &'static str {
                match *self {
                    #(Self::#idents => #values,)*
                }
            }

            /// Every value, in definition order.
            pub const ALL: &'static [Self] = &[#(Self::#idents),*];
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Formatter::write_str(__f, self.as_str())
            }
        }

        #[automatically_derived]
        impl ::core::str::FromStr for #ident {
            type Err = ::std::string::String;

            fn from_str(__value: &str) -> ::core::result::Result<Self, ::std::string::String> {
                match __value {
                    #(#values => ::core::result::Result::Ok(Self::#idents),)*
                    _ => {
                        let mut __message = ::std::string::String::from(#invalid_prefix);
                        __message.push_str(__value);
                        __message.push('\'');
                        ::core::result::Result::Err(__message)
                    }
                }
            }
        }

        #[automatically_derived]
        impl #p::serde::Serialize for #ident {
            fn serialize<__S: #p::serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                #p::serde::Serializer::serialize_str(__serializer, self.as_str())
            }
        }

        #[automatically_derived]
        impl<'de> #p::serde::Deserialize<'de> for #ident {
            fn deserialize<__D: #p::serde::Deserializer<'de>>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                const VALUES: &[&str] = &[#(#values),*];

                struct __Visitor;

                // Strings only: serde's derive would also take `{"variant": null}`.
                impl<'de> #p::serde::de::Visitor<'de> for __Visitor {
                    type Value = #ident;

                    fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        ::core::fmt::Formatter::write_str(__f, #expecting)
                    }

                    fn visit_str<__E: #p::serde::de::Error>(self, __value: &str) -> ::core::result::Result<#ident, __E> {
                        match __value {
                            #(#values => ::core::result::Result::Ok(#ident::#idents),)*
                            _ => ::core::result::Result::Err(__E::unknown_variant(__value, VALUES)),
                        }
                    }
                }

                #p::serde::Deserializer::deserialize_str(__deserializer, __Visitor)
            }
        }
    });
    out.impls.extend(readings::checked_type(
        ident,
        quote!(#p::decode_leaf::<#p::Nested<Self>, __D>(__deserializer, __here)),
    ));
}

#[cfg(test)]
mod tests {
    use quote::{quote, ToTokens};
    use syn::{File, Item, ItemStruct};

    use super::*;
    use crate::{ast, check};

    /// Expands an invocation's tokens into a parsed file, checking that there were no errors.
    fn expand_ok(input: TokenStream) -> File {
        let input: ast::Input = syn::parse2(input).unwrap();
        let (model, errors) = check::check(&input);
        assert!(errors.is_none(), "{:?}", errors.map(|e| e.to_string()));
        syn::parse2(expand(&model)).unwrap()
    }

    fn structs(file: &File) -> Vec<&ItemStruct> {
        file.items.iter().filter_map(|item| if let Item::Struct(s) = item { Some(s) } else { None }).collect()
    }

    /// `name: Type` of each field, as text without spaces.
    fn field_list(item: &ItemStruct) -> Vec<String> {
        item.fields
            .iter()
            .map(|f| {
                let (name, ty) = (f.ident.as_ref().unwrap(), &f.ty);
                quote!(#name: #ty).to_string().replace(' ', "")
            })
            .collect()
    }

    #[test]
    fn an_event_gets_the_envelope_then_its_fields() {
        let file = expand_ok(quote! {
            /// Docs.
            #[event("lead.captured.v1")]
            pub struct LeadCaptured {
                email: email,
                source: enum LeadSource { "vsl_form", "other" },
                attribution: object,
                personId?: uuid,
                type?: string(min = 1),
            }
        });
        let structs = structs(&file);
        assert_eq!(structs.len(), 1);
        assert_eq!(
            field_list(structs[0]),
            [
                "event_id:::loop_contracts::__private::uuid::Uuid",
                "occurred_at:::loop_contracts::__private::chrono::DateTime<::loop_contracts::__private::chrono::Utc>",
                "brand_id:::loop_contracts::__private::uuid::Uuid",
                "email:::loop_contracts::__private::Email",
                "source:LeadSource",
                "attribution:::loop_contracts::__private::serde_json::Map<::std::string::String,\
                 ::loop_contracts::__private::serde_json::Value>",
                "person_id:::core::option::Option<::loop_contracts::__private::uuid::Uuid>",
                "r#type:::core::option::Option<::std::string::String>",
            ]
        );
        let text = file.to_token_stream().to_string().replace(' ', "");
        assert!(text.contains("enumLeadSource{"), "the enum is defined");
        assert!(text.contains("VslForm,"), "variants are PascalCase");
        assert!(text.contains(
            "::loop_contracts::__private::Nullish<::loop_contracts::__private::Str<1,18446744073709551615>>"
        ));
        // The schema lists the declared fields only: `event_schema` adds the envelope.
        assert!(!text.contains("__private::field(\"eventId\""));
        assert!(text.contains("__private::field(\"personId\",false,::loop_contracts::__private::FieldType::Uuid,"));
        assert!(text.contains("event_schema(\"lead.captured.v1\",::core::option::Option::Some(\"Docs.\")"));
        assert!(text.contains("constVERSION:u32=1u32;"));
    }

    #[test]
    fn nested_types_are_emitted_beside_the_event() {
        let file = expand_ok(quote! {
            #[event("order.completed.v1")]
            pub(crate) struct OrderCompleted {
                lineItems: array<object LineItem { sku?: string, sizes: array<enum Size { "s", "m" }> }>,
                shipping?: object Address { city: string },
            }
        });
        let names: Vec<String> = file
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Struct(s) => Some(s.ident.to_string()),
                Item::Enum(e) => Some(e.ident.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["OrderCompleted", "LineItem", "Size", "Address"]);
        for item in &file.items {
            match item {
                Item::Struct(s) => assert_eq!(s.vis.to_token_stream().to_string(), "pub (crate)"),
                Item::Enum(e) => assert_eq!(e.vis.to_token_stream().to_string(), "pub (crate)"),
                _ => {}
            }
        }
        let line_item = structs(&file)[1];
        assert_eq!(
            field_list(line_item),
            ["sku:::core::option::Option<::std::string::String>", "sizes:::std::vec::Vec<Size>"]
        );
        // Everything else (impls and their helpers) is inside one anonymous const.
        assert!(matches!(file.items.last(), Some(Item::Const(c)) if c.ident == "_"));
    }

    #[test]
    fn the_users_attributes_follow_the_generated_derives() {
        let file = expand_ok(quote! {
            #[event("lead.scored.v1")]
            #[derive(Hash)]
            pub struct LeadScored {
                #[doc(alias = "mail")]
                email: email,
                tier: #[derive(PartialOrd)] enum Tier { "gold" },
                address: /// Docs.
                    #[repr(C)] object Address { city: string },
            }
        });
        let attrs = |attrs: &[syn::Attribute]| {
            attrs.iter().map(|a| a.to_token_stream().to_string().replace(' ', "")).collect::<Vec<_>>()
        };
        let structs = structs(&file);
        let event = attrs(&structs[0].attrs);
        assert!(event[event.len() - 2].starts_with("#[derive(::core::fmt::Debug"), "{event:?}");
        assert_eq!(event.last().unwrap(), "#[derive(Hash)]");
        let email = attrs(&structs[0].fields.iter().nth(3).unwrap().attrs);
        assert_eq!(email.last().unwrap(), "#[doc(alias=\"mail\")]");
        let address = attrs(&structs[1].attrs);
        assert_eq!(address[0], "#[doc=r\"Docs.\"]", "the user's doc comment first");
        assert_eq!(address.last().unwrap(), "#[repr(C)]");
        let tier = file.items.iter().find_map(|item| if let Item::Enum(e) = item { Some(e) } else { None }).unwrap();
        assert_eq!(attrs(&tier.attrs).last().unwrap(), "#[derive(PartialOrd)]");
    }

    #[test]
    fn expansion_still_runs_on_a_recovered_model() {
        let input: ast::Input = syn::parse2(quote! {
            pub struct NoAttribute {
                eventId: uuid,
                bad: int,
                channel: enum Channel {},
            }
        })
        .unwrap();
        let (model, errors) = check::check(&input);
        assert_eq!(errors.unwrap().into_iter().count(), 4);
        let file: File = syn::parse2(expand(&model)).unwrap();
        assert_eq!(field_list(structs(&file)[0]).len(), 3 + 2, "the envelope, `bad` and `channel`");
    }
}
