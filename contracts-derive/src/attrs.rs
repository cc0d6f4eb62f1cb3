//! The user's own attributes: which pass through to the generated items, and which are refused.
//!
//! Anything the generated code does not depend on passes through as written (derives, `repr`,
//! lint levels, `cfg_attr`, helper attributes of the user's derives). Refused, each with its
//! reason: a derive of a trait the macro already implements (a conflicting-impl error otherwise),
//! a `#[cfg]` (the impls beside the item would remain, or the schema would change per build), and
//! a `#[serde]` attribute that describes another wire form than the declaration. The generated
//! serde impls read no `#[serde]` attribute: one is only for derives that read serde's attributes
//! (schema generators), and what it tells them must be what the generated code reads and writes.

use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{parenthesized, token, Attribute, Expr, LitStr, Meta, Path, Token};

use crate::check::Errors;

/// What an attribute is written on, with what its `#[serde]` renames must agree with.
pub enum Target<'x> {
    /// An event struct (`event`) or a nested object: each field's name as serde's derives see it
    /// (the Rust field name without `r#`), and its wire name.
    Struct { event: bool, fields: &'x [(String, String)] },
    /// A generated enum: each variant's name and its value.
    Enum { variants: &'x [(String, String)] },
    /// A declared field and its wire name.
    Field { wire: &'x str },
}

/// serde's rename rules (`rename_all = "..."`), in serde's spelling.
const RULES: &[&str] = &[
    "lowercase",
    "UPPERCASE",
    "PascalCase",
    "camelCase",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "SCREAMING-KEBAB-CASE",
];

/// Why a `#[serde]` attribute must agree with the declaration, the end of every such refusal.
const WIRE_IS_THE_DECLARATION: &str =
    "the wire form is the declaration (as in the platform's Zod schema), and the generated serde impls read no `#[serde]`";

/// Checks the user's attributes on `target`: the ones to pass through (every attribute that
/// raised no error; a refused one is dropped, so that it does not also fail in the generated code).
pub fn check<'a>(attrs: &[&'a Attribute], target: &Target, errors: &mut Errors) -> Vec<&'a Attribute> {
    attrs.iter().copied().filter(|attr| check_meta(&attr.meta, target, false, errors)).collect()
}

/// Checks one attribute (or one attribute inside `cfg_attr`, `in_cfg_attr`); false when refused.
fn check_meta(meta: &Meta, target: &Target, in_cfg_attr: bool, errors: &mut Errors) -> bool {
    let Some(name) = meta.path().get_ident().map(ToString::to_string) else {
        return true;
    };
    match name.as_str() {
        "cfg" => {
            let reason = match target {
                Target::Field { .. } => {
                    "`#[cfg]` on a field is refused: the event's schema and wire form would change from one build \
                     to another; declare the field optional (`name?: type`) instead"
                }
                _ => {
                    "`#[cfg]` on a generated type is refused: the impls generated beside it would remain; put the \
                     whole `event!` invocation under the `#[cfg]` instead (in a module, say)"
                }
            };
            errors.push_spanned(meta, reason);
            false
        }
        "cfg_attr" => cfg_attr(meta, target, errors),
        "derive" => derive(meta, target, errors),
        "serde" => serde(meta, target, errors),
        "event" => {
            let reason = match target {
                Target::Struct { event: true, .. } if in_cfg_attr => {
                    "`#[event(...)]` goes on the event itself, not inside `cfg_attr`: an event's name does not \
                     change from one build to another"
                }
                _ => "`#[event(...)]` names an event: it goes only before an event's `struct`",
            };
            errors.push_spanned(meta, reason);
            false
        }
        _ => true,
    }
}

/// `cfg_attr(predicate, attr, ...)`: each attribute checked as if written alone. A malformed one
/// passes through for rustc to report.
fn cfg_attr(meta: &Meta, target: &Target, errors: &mut Errors) -> bool {
    let Meta::List(list) = meta else {
        return true;
    };
    let parsed = list.parse_args_with(|input: ParseStream| {
        input.parse::<Meta>()?;
        input.parse::<Token![,]>()?;
        Punctuated::<Meta, Token![,]>::parse_terminated(input)
    });
    let Ok(inner) = parsed else {
        return true;
    };
    // Every attribute is checked (no short-circuit), so that all the refused ones are reported.
    let mut ok = true;
    for meta in &inner {
        ok &= check_meta(meta, target, true, errors);
    }
    ok
}

/// `derive(...)`: refused for a trait the macro already implements on `target`.
fn derive(meta: &Meta, target: &Target, errors: &mut Errors) -> bool {
    let Meta::List(list) = meta else {
        return true;
    };
    let Ok(paths) = list.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated) else {
        return true;
    };
    let mut ok = true;
    for path in &paths {
        // By the last segment, as the user may write `std::fmt::Debug` or `serde::Serialize`.
        let Some(last) = path.segments.last() else {
            continue;
        };
        if let Some(reason) = implemented(&last.ident.to_string(), target) {
            errors.push_spanned(path, reason);
            ok = false;
        }
    }
    ok
}

/// Why deriving `name` on `target` is refused, when the generated code already implements it.
fn implemented(name: &str, target: &Target) -> Option<String> {
    let (item, derived): (&str, &[&str]) = match target {
        Target::Struct { .. } => ("struct", &["Debug", "Clone", "PartialEq"]),
        Target::Enum { .. } => ("enum", &["Debug", "Clone", "Copy", "PartialEq", "Eq", "Hash"]),
        // rustc's own error says that derives go on items.
        Target::Field { .. } => return None,
    };
    if derived.contains(&name) {
        let list = derived.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ");
        return Some(format!("`{name}` is already derived: every generated {item} derives {list}"));
    }
    let reason = match (name, target) {
        ("Serialize" | "Deserialize", _) => {
            "is already implemented: the generated serde impls read and write the declared wire form by the \
             platform's rules, which serde's derive would not"
        }
        ("JsonSchema", Target::Struct { event: true, .. }) => {
            "is already implemented for every event when `loop-contracts` has its `schemars` feature (a default \
             one), from the event's schema and its wire names"
        }
        ("Validate", Target::Struct { event: true, .. }) => {
            "is already implemented for every event when `loop-contracts` has its `validator` feature (a default \
             one), by the rules of typed decoding"
        }
        ("Display", Target::Enum { .. }) => {
            "is already implemented: a generated enum displays its value as written on the wire"
        }
        _ => return None,
    };
    Some(format!("`{name}` {reason}"))
}

/// `serde(...)`: only the renames that agree with the declaration.
fn serde(meta: &Meta, target: &Target, errors: &mut Errors) -> bool {
    let Meta::List(list) = meta else {
        errors.push_spanned(meta, "expected `#[serde(...)]`");
        return false;
    };
    let mut ok = true;
    let parsed = list.parse_nested_meta(|nested| {
        let key = nested.path.get_ident().map(ToString::to_string).unwrap_or_default();
        let has_value = nested.input.peek(Token![=]);
        match (key.as_str(), target) {
            ("rename", Target::Field { wire }) if has_value => {
                let lit: LitStr = nested.value()?.parse()?;
                if lit.value() != *wire {
                    errors.push(
                        lit.span(),
                        format!(
                            "`#[serde(rename = {:?})]` disagrees with the declaration, where this field is `{wire}`: \
                             {WIRE_IS_THE_DECLARATION}; rename the key in the declaration instead",
                            lit.value()
                        ),
                    );
                    ok = false;
                }
            }
            ("rename_all", Target::Struct { fields, .. }) if has_value => {
                let lit: LitStr = nested.value()?.parse()?;
                ok &= rename_all(&lit, fields, "field", "its wire name", errors);
            }
            ("rename_all", Target::Enum { variants }) if has_value => {
                let lit: LitStr = nested.value()?.parse()?;
                ok &= rename_all(&lit, variants, "variant", "its value", errors);
            }
            _ => {
                skip_value(nested.input)?;
                let accepted = match target {
                    Target::Field { wire } => format!("on a field, only `rename = \"{wire}\"` (its wire name) is"),
                    Target::Struct { .. } => {
                        "on a struct, only a `rename_all = \"...\"` that gives every field its wire name is".to_owned()
                    }
                    Target::Enum { .. } => {
                        "on an enum, only a `rename_all = \"...\"` that gives every variant its value is".to_owned()
                    }
                };
                let written = if key.is_empty() { "serde(...)".to_owned() } else { format!("serde({key})") };
                errors.push_spanned(
                    &nested.path,
                    format!(
                        "`#[{written}]` is refused: {WIRE_IS_THE_DECLARATION}; {accepted} accepted, for derives \
                         that read serde's attributes"
                    ),
                );
                ok = false;
            }
        }
        Ok(())
    });
    if parsed.is_err() {
        errors.push_spanned(meta, "expected `#[serde(...)]` with `key = \"value\"` or `key(...)` items");
        ok = false;
    }
    ok
}

/// Consumes what follows a refused `serde` key: `= value`, `(...)`, or nothing.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        input.parse::<Expr>()?;
    } else if input.peek(token::Paren) {
        let _content;
        parenthesized!(_content in input);
    }
    Ok(())
}

/// `rename_all = "rule"` against each `(name, wire)` pair; false (and an error naming the first
/// pair that disagrees) unless the rule gives every name its wire form.
fn rename_all(lit: &LitStr, pairs: &[(String, String)], what: &str, wire_is: &str, errors: &mut Errors) -> bool {
    let rule = lit.value();
    if !RULES.contains(&rule.as_str()) {
        let rules = RULES.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ");
        errors.push(lit.span(), format!("unknown rename rule {rule:?}; serde's are {rules}"));
        return false;
    }
    let apply = if what == "field" { apply_to_field } else { apply_to_variant };
    let Some((name, wire, renamed)) =
        pairs.iter().map(|(name, wire)| (name, wire, apply(&rule, name))).find(|(_, wire, renamed)| renamed != *wire)
    else {
        return true;
    };
    errors.push(
        lit.span(),
        format!(
            "`#[serde(rename_all = {rule:?})]` disagrees with the declaration: it makes the {what} `{name}` \
             {renamed:?}, but {wire_is} is {wire:?}; {WIRE_IS_THE_DECLARATION}"
        ),
    );
    false
}

/// serde's rename of a snake_case field name by `rule` (one of [`RULES`]).
fn apply_to_field(rule: &str, field: &str) -> String {
    match rule {
        "UPPERCASE" | "SCREAMING_SNAKE_CASE" => field.to_ascii_uppercase(),
        "PascalCase" => {
            let mut out = String::new();
            let mut capitalize = true;
            for ch in field.chars() {
                if ch == '_' {
                    capitalize = true;
                } else if capitalize {
                    out.push(ch.to_ascii_uppercase());
                    capitalize = false;
                } else {
                    out.push(ch);
                }
            }
            out
        }
        "camelCase" => lower_first(&apply_to_field("PascalCase", field)),
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.to_ascii_uppercase().replace('_', "-"),
        // `lowercase` and `snake_case` leave a snake_case name as it is.
        _ => field.to_owned(),
    }
}

/// serde's rename of a PascalCase variant name by `rule` (one of [`RULES`]).
fn apply_to_variant(rule: &str, variant: &str) -> String {
    let snake = || {
        let mut out = String::new();
        for (i, ch) in variant.char_indices() {
            if i > 0 && ch.is_uppercase() {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        }
        out
    };
    match rule {
        "lowercase" => variant.to_ascii_lowercase(),
        "UPPERCASE" => variant.to_ascii_uppercase(),
        "camelCase" => lower_first(variant),
        "snake_case" => snake(),
        "SCREAMING_SNAKE_CASE" => snake().to_ascii_uppercase(),
        "kebab-case" => snake().replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => snake().to_ascii_uppercase().replace('_', "-"),
        // `PascalCase` leaves a PascalCase name as it is.
        _ => variant.to_owned(),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{apply_to_field, apply_to_variant};

    #[test]
    fn rename_rules_are_serdes() {
        let field = |rule| apply_to_field(rule, "line_items2_x");
        assert_eq!(field("lowercase"), "line_items2_x");
        assert_eq!(field("snake_case"), "line_items2_x");
        assert_eq!(field("UPPERCASE"), "LINE_ITEMS2_X");
        assert_eq!(field("SCREAMING_SNAKE_CASE"), "LINE_ITEMS2_X");
        assert_eq!(field("PascalCase"), "LineItems2X");
        assert_eq!(field("camelCase"), "lineItems2X");
        assert_eq!(field("kebab-case"), "line-items2-x");
        assert_eq!(field("SCREAMING-KEBAB-CASE"), "LINE-ITEMS2-X");
        assert_eq!(apply_to_field("camelCase", "event_id"), "eventId");
        assert_eq!(apply_to_field("camelCase", "type"), "type");

        let variant = |rule| apply_to_variant(rule, "VslForm2");
        assert_eq!(variant("lowercase"), "vslform2");
        assert_eq!(variant("UPPERCASE"), "VSLFORM2");
        assert_eq!(variant("PascalCase"), "VslForm2");
        assert_eq!(variant("camelCase"), "vslForm2");
        assert_eq!(variant("snake_case"), "vsl_form2");
        assert_eq!(variant("SCREAMING_SNAKE_CASE"), "VSL_FORM2");
        assert_eq!(variant("kebab-case"), "vsl-form2");
        assert_eq!(variant("SCREAMING-KEBAB-CASE"), "VSL-FORM2");
    }
}
