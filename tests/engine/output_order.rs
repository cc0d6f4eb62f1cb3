//! The validated output written in Zod's key order: `EventSchema::ordered` lists each declared
//! object's keys in definition order (nested objects and arrays of objects too), equals the text
//! Zod's `JSON.stringify(schema.parse(input))` wrote for every valid corpus case, and equals what
//! the typed structs serialize.

use loop_contracts::catalog::*;
use loop_contracts::{catalog, Event, EventSchema, FieldType, JsonDocument};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use suite::workspace_root;

#[test]
fn an_order_lists_its_keys_and_its_line_items_keys_in_schema_order() {
    let schema = catalog().get("order.completed.v1").unwrap();
    // `json!` sorts the keys: the input order carries no information here.
    let payload = json!({
        "tags": ["vip"], "totalPrice": "19.90", "platform": "shopify", "orderId": "1001",
        "lineItems": [
            {"variantId": "v1", "title": "Tea", "sku": "T-1", "quantity": 2, "productId": "p1", "price": "4.95"},
            {"quantity": 1, "title": "Mug", "unknown": "stripped"},
        ],
        "attributes": {"zeta": 1, "alpha": {"b": 2, "a": 1}}, "email": "ana@example.com", "currency": "EUR",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "occurredAt": "2026-05-19T12:00:00Z",
        "eventId": "550e8400-e29b-41d4-a716-446655440000", "orderNumber": null,
    });
    let data = schema.validate(&payload).unwrap();
    let expected = concat!(
        r#"{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","#,
        r#""brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","email":"ana@example.com","platform":"shopify","#,
        r#""orderId":"1001","orderNumber":null,"currency":"EUR","totalPrice":"19.90","lineItems":["#,
        r#"{"title":"Tea","quantity":2,"sku":"T-1","price":"4.95","productId":"p1","variantId":"v1"},"#,
        r#"{"title":"Mug","quantity":1}],"tags":["vip"],"attributes":{"alpha":{"a":1,"b":2},"zeta":1}}"#,
    );
    assert_eq!(serde_json::to_string(&schema.ordered(&data)).unwrap(), expected);
    // The same text from each way of validating, and no copy: the view holds the payload itself.
    let owned = schema.validate_owned(payload.clone()).unwrap();
    let cow = schema.validate_cow(&payload).unwrap();
    assert_eq!(schema.ordered(&owned).to_string(), expected);
    assert_eq!(schema.ordered(&cow).to_string(), expected);
    assert!(std::ptr::eq(schema.ordered(&data).payload(), &data));
    // What a `Value` writes by itself is sorted: the order comes from the view.
    assert_ne!(serde_json::to_string(&data).unwrap(), expected);
}

/// Zod's output is a JavaScript object, which lists integer-like keys first, ascending, whatever
/// the definition order. The expected text is what Node printed for
/// `JSON.stringify(z.object({b, "10", a, "2", "01", "4294967295", "0"}).parse(x))` with zod 3.25.76.
#[test]
fn integer_like_field_names_come_first_as_javascript_lists_them() {
    let string = r#"{"type": "string", "required": true}"#;
    let names = ["b", "10", "a", "2", "01", "4294967295", "0"];
    let fields: Vec<String> = names.iter().map(|n| format!(r#""{n}": {string}"#)).collect();
    let document = format!(r#"{{"name": "test.keys.v1", "fields": {{{}}}}}"#, fields.join(", "));
    let schema = EventSchema::from_discovery_str(&document).unwrap();
    let data = schema.validate(&Value::Object(names.iter().map(|n| (n.to_string(), json!("x"))).collect())).unwrap();
    assert_eq!(
        schema.ordered(&data).to_string(),
        r#"{"0":"x","2":"x","10":"x","b":"x","a":"x","01":"x","4294967295":"x"}"#
    );
}

#[test]
fn every_catalog_event_writes_its_fields_in_definition_order_at_every_depth() {
    let mut checked = 0;
    for case in valid_cases() {
        let schema = catalog().get(&case.event).unwrap();
        let data = schema.validate_document(case.input.parse::<JsonDocument>().unwrap()).unwrap();
        let text = schema.ordered(&data).to_string();
        let tree: Json = serde_json::from_str(&text).unwrap();
        let Json::Object(entries) = &tree else { panic!("{}: {text}", case.id) };
        assert_definition_order(&case.id, schema.fields(), entries);
        checked += 1;
    }
    assert!(checked >= 13 * 20, "only {checked} valid cases");
}

/// Each declared object's keys are a subsequence of its fields' names, in the same order; the
/// catalog declares no integer-like name, so definition order is the whole rule.
fn assert_definition_order(id: &str, fields: &[loop_contracts::Field], entries: &[(String, Json)]) {
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert!(names.iter().all(|n| n.parse::<u64>().is_err()), "{id}: an integer-like field name");
    let mut at = 0;
    for (key, value) in entries {
        let Some(offset) = names[at..].iter().position(|n| n == key) else {
            panic!("{id}: `{key}` out of order or undeclared among {names:?}")
        };
        at += offset + 1;
        let field = &fields[at - 1];
        match (&field.ty, value) {
            (FieldType::Object(nested), Json::Object(entries)) => assert_definition_order(id, nested, entries),
            (FieldType::Array(items), Json::Array(elements)) => {
                if let FieldType::Object(nested) = &**items {
                    for element in elements {
                        let Json::Object(entries) = element else { panic!("{id}: {key} holds a non-object") };
                        assert_definition_order(id, nested, entries);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The corpus holds the text Zod's `JSON.stringify` wrote for each valid case's output. Ours is
/// the same text but for two things a `serde_json::Value` cannot reproduce, and which are
/// normalized on both sides before comparing: number spelling (JavaScript writes `1.0` as `1` and
/// `9007199254740993` as `9007199254740992`; serde_json keeps the spelling it read) and the order
/// of keys inside records (JavaScript keeps the input's order, a `Map` sorts). Where no record
/// holds two keys, our text with numbers spelled as JavaScript spells them is Zod's, byte for byte:
/// key order, string escapes and all.
#[test]
fn validated_output_text_is_zods_up_to_number_spelling_and_record_key_order() {
    let (mut cases, mut byte_for_byte, mut exact) = (0, 0, 0);
    let mut mismatches = Vec::new();
    for case in valid_cases() {
        let schema = catalog().get(&case.event).unwrap();
        let data = schema.validate_document(case.input.parse::<JsonDocument>().unwrap()).unwrap();
        let ours = serde_json::to_string(&schema.ordered(&data)).unwrap();
        let zod = case.zod_text.as_str();
        let (ours_tree, zod_tree): (Json, Json) =
            (serde_json::from_str(&ours).unwrap(), serde_json::from_str(zod).unwrap());
        let normalized = |tree: &Json| {
            let mut out = String::new();
            js_text(tree, Shape::Declared(schema), &mut out);
            out
        };
        cases += 1;
        // The trees above are read by serde_json, which would read an off-by-one-ulp number of
        // ours and Zod's exact one alike; read with Rust's correctly rounded `f64` parser, the
        // numbers must be the same doubles (sorted: records may list their keys differently).
        if number_bits(&ours) != number_bits(zod) {
            mismatches.push(format!("{} (numbers)\n  zod:  {zod}\n  ours: {ours}", case.id));
            continue;
        }
        let ours_js = normalized(&ours_tree);
        if ours_js != normalized(&zod_tree) {
            mismatches.push(format!("{}\n  zod:  {zod}\n  ours: {ours}", case.id));
            continue;
        }
        if !has_record_of_two_keys(&zod_tree, Shape::Declared(schema)) {
            byte_for_byte += 1;
            if ours_js != zod {
                mismatches.push(format!("{} (bytes)\n  zod:  {zod}\n  ours: {ours_js}", case.id));
            }
        }
        exact += usize::from(ours == zod);
    }
    println!(
        "zod output text: {cases} valid cases, {byte_for_byte} compared byte for byte, {exact} identical as written"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} outputs differ from Zod's; first ones:\n{}",
        mismatches.len(),
        mismatches.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
    // Most cases hold no record of two keys: the byte comparison is the rule, not the exception.
    assert!(cases >= 4000 && byte_for_byte * 2 > cases, "{byte_for_byte} of {cases} compared byte for byte");
    assert!(exact * 2 > cases, "only {exact} of {cases} identical as written");
}

/// The bytes a typed event serializes to are the bytes its validated payload writes through
/// `ordered`: the struct's declaration order is the schema's field order, so `Client::send` (which
/// validates the typed event's payload) and a host serializing the struct itself agree.
#[test]
fn typed_events_serialize_as_their_validated_payload_writes_in_schema_order() {
    fn same<E: Event>(bytes: &[u8]) -> Option<(String, String)> {
        let event = E::from_json_slice(bytes).ok()?;
        let typed = serde_json::to_string(&event).unwrap();
        let schema: &EventSchema = E::schema();
        let data = schema.validate(&serde_json::to_value(&event).unwrap()).unwrap();
        Some((typed, schema.ordered(&data).to_string()))
    }
    let mut compared = 0;
    // A typed event holding an infinity does not encode back (JSON has none): those cases are the
    // ones serde_json cannot read, and the comparison is about the others.
    for case in valid_cases().into_iter().filter(|case| serde_json::from_str::<Value>(&case.input).is_ok()) {
        let bytes = case.input.as_bytes();
        let pair = match case.event.as_str() {
            LeadCaptured::NAME => same::<LeadCaptured>(bytes),
            OrderCompleted::NAME => same::<OrderCompleted>(bytes),
            CustomerCreated::NAME => same::<CustomerCreated>(bytes),
            FulfillmentCreated::NAME => same::<FulfillmentCreated>(bytes),
            FormSubmitted::NAME => same::<FormSubmitted>(bytes),
            BookingScheduled::NAME => same::<BookingScheduled>(bytes),
            BookingCanceled::NAME => same::<BookingCanceled>(bytes),
            MessageSent::NAME => same::<MessageSent>(bytes),
            MessageDelivered::NAME => same::<MessageDelivered>(bytes),
            MessageBounced::NAME => same::<MessageBounced>(bytes),
            MessageOpened::NAME => same::<MessageOpened>(bytes),
            MessageClicked::NAME => same::<MessageClicked>(bytes),
            MessageFailed::NAME => same::<MessageFailed>(bytes),
            other => panic!("{other}: not a typed catalog event"),
        };
        // Integers beyond i64 are valid to Zod and refused by typed decoding (a documented divergence).
        let Some((typed, ordered)) = pair else { continue };
        assert_eq!(typed, ordered, "{}", case.id);
        compared += 1;
    }
    assert!(compared >= 4000, "only {compared} typed cases");
}

/// A valid corpus case with Zod's output as the text it wrote.
struct ValidCase {
    id: String,
    event: String,
    input: String,
    zod_text: String,
}

fn valid_cases() -> Vec<ValidCase> {
    #[derive(serde::Deserialize)]
    struct Line {
        id: String,
        event: String,
        input: String,
        zod: Zod,
    }
    #[derive(serde::Deserialize)]
    struct Zod {
        success: bool,
        data: Option<Box<RawValue>>,
    }
    let text = std::fs::read_to_string(workspace_root().join("tests/parity/corpus.jsonl")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Line>(l).unwrap())
        .filter(|l| l.zod.success && !l.id.contains("/divergent/"))
        .map(|l| {
            let zod_text = l.zod.data.unwrap_or_else(|| panic!("{}: a valid case without data", l.id)).get().to_owned();
            ValidCase { id: l.id, event: l.event, input: l.input, zod_text }
        })
        .collect()
}

/// JSON read with its objects' keys in the order written (a `Value` would sort them), numbers as
/// the doubles JavaScript holds.
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct JsonVisitor;
        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Bool(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Number(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
                Ok(Json::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::String(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Json, E> {
                Ok(Json::String(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Json::Object(entries))
            }
        }
        deserializer.deserialize_any(JsonVisitor)
    }
}

/// What a value is, for the normalization: a declared object keeps its key order, anything
/// inside a record (or of no declared type) has its keys sorted.
#[derive(Clone, Copy)]
enum Shape<'a> {
    Declared(&'a EventSchema),
    Type(&'a FieldType),
    Loose,
}

impl<'a> Shape<'a> {
    fn fields(self) -> Option<&'a [loop_contracts::Field]> {
        match self {
            Shape::Declared(schema) => Some(schema.fields()),
            Shape::Type(FieldType::Object(fields)) => Some(fields),
            _ => None,
        }
    }

    fn member(self, key: &str) -> Shape<'a> {
        match self.fields().and_then(|fields| fields.iter().find(|f| f.name == key)) {
            Some(field) => Shape::Type(&field.ty),
            None => Shape::Loose,
        }
    }

    fn item(self) -> Shape<'a> {
        match self {
            Shape::Type(FieldType::Array(items)) => Shape::Type(items),
            _ => Shape::Loose,
        }
    }
}

/// `JSON.stringify` of the value JavaScript would hold, with records' keys sorted.
fn js_text(value: &Json, shape: Shape<'_>, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&js_number(*n)),
        // JSON.stringify escapes as serde_json does: `"`, `\`, and control characters (`\n`,
        // `\u001f`, ...), nothing else.
        Json::String(s) => out.push_str(&serde_json::to_string(s).unwrap()),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                js_text(item, shape.item(), out);
            }
            out.push(']');
        }
        Json::Object(entries) => {
            let mut entries: Vec<&(String, Json)> = entries.iter().collect();
            if shape.fields().is_none() {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).unwrap());
                out.push(':');
                js_text(item, shape.member(key), out);
            }
            out.push('}');
        }
    }
}

/// Whether some object outside the declared ones (a record, or inside one) holds two keys or more.
fn has_record_of_two_keys(value: &Json, shape: Shape<'_>) -> bool {
    match value {
        Json::Array(items) => items.iter().any(|item| has_record_of_two_keys(item, shape.item())),
        Json::Object(entries) => {
            (shape.fields().is_none() && entries.len() >= 2)
                || entries.iter().any(|(key, item)| has_record_of_two_keys(item, shape.member(key)))
        }
        _ => false,
    }
}

/// The numbers of a JSON text, each read by Rust's correctly rounded `f64` parser (as `JSON.parse`
/// reads it), as sorted bits; `-0` counts as `0`, since `JSON.stringify` writes both as `0`.
fn number_bits(text: &str) -> Vec<u64> {
    let (mut bits, mut in_string, mut escaped) = (Vec::new(), false, false);
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if in_string {
            (escaped, in_string) = (!escaped && c == '\\', escaped || c != '"');
        } else if c == '"' {
            in_string = true;
        } else if c == '-' || c.is_ascii_digit() {
            let mut end = start + c.len_utf8();
            while let Some(&(at, next)) = chars.peek() {
                if !matches!(next, '0'..='9' | '.' | 'e' | 'E' | '+' | '-') {
                    break;
                }
                end = at + 1;
                chars.next();
            }
            let x: f64 = text[start..end].parse().unwrap_or_else(|_| panic!("a number: {}", &text[start..end]));
            bits.push((x + 0.0).to_bits());
        }
    }
    bits.sort_unstable();
    bits
}

#[test]
fn number_bits_reads_numbers_outside_strings_correctly_rounded() {
    let text = r#"{"a":"1e5 \" -2","b":[3e81,-0,0.1,"x\\"],"c":-267e166}"#;
    let mut expected: Vec<u64> = [3e81, 0.0, 0.1, -267e166].iter().map(|x: &f64| x.to_bits()).collect();
    expected.sort_unstable();
    assert_eq!(number_bits(text), expected);
}

/// JavaScript's `Number.prototype.toString()` (ECMA-262 `Number::toString`, radix 10): the
/// shortest digits that read back as the same double, in plain notation from 1e-6 up to 1e21 and
/// in exponent notation (`1e+21`, `1.5e-7`) outside.
fn js_number(x: f64) -> String {
    if x == 0.0 {
        return "0".to_owned(); // -0 too
    }
    // Rust's `{:e}` writes the same shortest round-trip digits: `d.ddde<exp>`.
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap();
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exponent.parse::<i32>().unwrap() + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e >= 0 { format!("e+{e}") } else { format!("e-{}", -e) };
        if k == 1 {
            format!("{digits}{e}")
        } else {
            format!("{}.{}{e}", &digits[..1], &digits[1..])
        }
    };
    if x < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

#[test]
fn js_number_spells_doubles_as_javascript_does() {
    // Each right-hand side is what Node prints for `String(x)`.
    for (x, js) in [
        (1.0, "1"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (-1.5, "-1.5"),
        (100.0, "100"),
        (123456.789, "123456.789"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e21, "1.5e+21"),
        (0.000001, "0.000001"),
        (0.0000001, "1e-7"),
        (1.25e-7, "1.25e-7"),
        (9007199254740993.0, "9007199254740992"),
        (5e-324, "5e-324"),
        (f64::MAX, "1.7976931348623157e+308"),
        (4503599627370495.5, "4503599627370495.5"),
    ] {
        assert_eq!(js_number(x), js, "{x:e}");
    }
}
