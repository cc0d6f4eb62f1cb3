//! The two readings of a generated struct: serde's `Deserialize`, and the checked pass typed
//! decoding runs (`loop_contracts::__private::CheckedFields`), which decodes each value with the
//! plan at hand and hands the rest of the text to the check at the first refusal. They share the
//! key type, in a scope of their own.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use crate::expand::{private, SerdeField};

/// The `Deserialize`, `CheckedFields` and `CheckedType` impls of a struct.
pub(crate) fn struct_readings(ident: &Ident, fields: &[SerdeField], expecting: &str) -> TokenStream {
    let p = private();
    // Deserialize: a map and nothing else (serde's derive would also take a struct from a JSON
    // array, which the platform refuses). A repeated key overwrites, as JavaScript's JSON.parse does.
    let keys: Vec<Ident> = (0..fields.len()).map(|i| format_ident!("Field{i}")).collect();
    let slots: Vec<Ident> = (0..fields.len()).map(|i| format_ident!("__field{i}")).collect();
    let wires: Vec<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
    let codecs: Vec<&TokenStream> = fields.iter().map(|f| &f.codec).collect();
    let finish = fields.iter().zip(&slots).map(|(f, slot)| {
        let SerdeField { rust, wire, .. } = f;
        if f.required {
            quote! {
                #rust: match #slot {
                    ::core::option::Option::Some(value) => value,
                    ::core::option::Option::None => {
                        return ::core::result::Result::Err(<__A::Error as #p::serde::de::Error>::missing_field(#wire));
                    }
                }
            }
        } else {
            quote!(#rust: ::core::option::Option::flatten(#slot))
        }
    });

    // The checked pass (`loop_contracts::__private::CheckedFields`): the same reading, each value
    // decoded with the plan's type at hand; at the first refusal the check reads the rest.
    let indices: Vec<Literal> = (0..fields.len()).map(Literal::usize_unsuffixed).collect();
    let read_flags = quote!([#(::core::option::Option::is_some(&#slots)),*]);
    let read_flags = vec![read_flags; fields.len()];
    let required_slots: Vec<&Ident> = fields.iter().zip(&slots).filter(|(f, _)| f.required).map(|(_, s)| s).collect();
    let checked_finish = fields.iter().zip(&slots).map(|(f, slot)| {
        let rust = &f.rust;
        if f.required {
            quote!(#rust: #slot)
        } else {
            quote!(#rust: ::core::option::Option::flatten(#slot))
        }
    });

    let checked_type = checked_type(ident, quote!(#p::decode_struct::<Self, __D>(__deserializer, __here)));
    quote! {
        // The key type both readings share, in a scope of its own.
        const _: () = {
            enum __Key {
                #(#keys,)*
                Unknown,
            }

            impl<'de> #p::serde::Deserialize<'de> for __Key {
                // Called from both readings (`Deserialize` and the checked one): inlined into each.
                #[inline]
                fn deserialize<__D: #p::serde::Deserializer<'de>>(
                    __deserializer: __D,
                ) -> ::core::result::Result<Self, __D::Error> {
                    struct __KeyVisitor;

                    impl<'de> #p::serde::de::Visitor<'de> for __KeyVisitor {
                        type Value = __Key;

                        fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                            ::core::fmt::Formatter::write_str(__f, "a field name")
                        }

                        #[inline]
                        fn visit_str<__E: #p::serde::de::Error>(
                            self,
                            __key: &str,
                        ) -> ::core::result::Result<__Key, __E> {
                            ::core::result::Result::Ok(match __key {
                                #(#wires => __Key::#keys,)*
                                _ => __Key::Unknown,
                            })
                        }
                    }

                    #p::serde::Deserializer::deserialize_identifier(__deserializer, __KeyVisitor)
                }
            }

            #[automatically_derived]
            impl<'de> #p::serde::Deserialize<'de> for #ident {
                fn deserialize<__D: #p::serde::Deserializer<'de>>(
                    __deserializer: __D,
                ) -> ::core::result::Result<Self, __D::Error> {
                    struct __Visitor;

                    impl<'de> #p::serde::de::Visitor<'de> for __Visitor {
                        type Value = #ident;

                        fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                            ::core::fmt::Formatter::write_str(__f, #expecting)
                        }

                        fn visit_map<__A: #p::serde::de::MapAccess<'de>>(
                            self,
                            mut __map: __A,
                        ) -> ::core::result::Result<#ident, __A::Error> {
                            #(let mut #slots = ::core::option::Option::None;)*
                            while let ::core::option::Option::Some(__key) =
                                #p::serde::de::MapAccess::next_key::<__Key>(&mut __map)?
                            {
                                match __key {
                                    #(__Key::#keys => {
                                        #slots = ::core::option::Option::Some(
                                            #p::serde::de::MapAccess::next_value_seed(&mut __map, #p::Dec::<#codecs>::new())?,
                                        );
                                    })*
                                    __Key::Unknown => #p::skip(&mut __map)?,
                                }
                            }
                            ::core::result::Result::Ok(#ident {
                                #(#finish,)*
                            })
                        }
                    }

                    #p::serde::Deserializer::deserialize_map(__deserializer, __Visitor)
                }
            }

            #[automatically_derived]
            impl #p::CheckedFields for #ident {
                fn visit_fields<'de, __A: #p::serde::de::MapAccess<'de>>(
                    mut __map: __A,
                    mut __object: #p::ObjectScope<'_>,
                ) -> ::core::result::Result<::core::option::Option<Self>, __A::Error> {
                    #(let mut #slots = ::core::option::Option::None;)*
                    while let ::core::option::Option::Some(__key) =
                        #p::serde::de::MapAccess::next_key::<__Key>(&mut __map)?
                    {
                        match __key {
                            #(__Key::#keys => {
                                let __seed = __object.field::<#codecs>(#indices, #wires);
                                match #p::serde::de::MapAccess::next_value_seed(&mut __map, __seed)? {
                                    ::core::option::Option::Some(__value) => {
                                        #slots = ::core::option::Option::Some(__value);
                                    }
                                    ::core::option::Option::None => {
                                        let __read = #read_flags;
                                        __object.resume(__map, #indices, &__read)?;
                                        return ::core::result::Result::Ok(::core::option::Option::None);
                                    }
                                }
                            })*
                            __Key::Unknown => #p::skip(&mut __map)?,
                        }
                    }
                    match (#(#required_slots,)*) {
                        (#(::core::option::Option::Some(#required_slots),)*) => {
                            ::core::result::Result::Ok(::core::option::Option::Some(#ident {
                                #(#checked_finish,)*
                            }))
                        }
                        #[allow(unreachable_patterns)]
                        (#(#required_slots,)*) => {
                            __object.missing(&[#(::core::option::Option::is_some(&#slots)),*]);
                            ::core::result::Result::Ok(::core::option::Option::None)
                        }
                    }
                }
            }

            #checked_type
        };
    }
}

/// The `CheckedType` impl of a generated struct or enum, whose `decode_checked` is `decode`
/// (`__deserializer` and `__here` in scope).
pub(crate) fn checked_type(ident: &Ident, decode: TokenStream) -> TokenStream {
    let p = private();
    quote! {
        #[automatically_derived]
        impl #p::CheckedType for #ident {
            fn decode_checked<'de, __D: #p::serde::Deserializer<'de>>(
                __deserializer: __D,
                __here: #p::Here<'_>,
            ) -> ::core::result::Result<::core::option::Option<Self>, __D::Error> {
                #decode
            }
        }
    }
}
