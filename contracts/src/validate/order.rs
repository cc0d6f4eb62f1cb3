//! Writing a validated payload in its schema's field order, as Zod's output lists its keys.
//!
//! `serde_json::Map` keeps its keys sorted (unless serde_json's `preserve_order` is on somewhere in
//! the build), so a validated `Value` cannot hold Zod's order itself. The order is produced while
//! serializing instead: [`Ordered`] borrows the payload and walks the schema's compiled plan beside
//! it, writing each declared object's keys in the plan's output order.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use crate::schema::plan::{ObjectPlan, TypePlan};
use crate::schema::EventSchema;

/// A payload serialized in its schema's field order: what [`EventSchema::ordered`] returns.
///
/// Each object the schema declares (the payload itself, nested objects, the objects in arrays of
/// objects) writes its keys as Zod's output lists them: in definition order, except that
/// integer-like names (`"0"`, `"12"`) come first, ascending, as JavaScript lists any object's keys.
/// A key the schema does not declare (there is none in a validated payload, whose unknown keys are
/// stripped) follows the declared ones, in the map's order. A record's (`object` without fields)
/// contents are written in the map's order: the `Value` no longer knows the order they were read
/// in.
///
/// It borrows the payload and copies nothing; it orders and does not check, so give it what
/// [`validate`](EventSchema::validate) (or `validate_owned`, `validate_cow`) returned. `Display`
/// writes it as compact JSON text.
///
/// ```
/// use serde_json::json;
///
/// let schema = loop_contracts::catalog().get("order.completed.v1").unwrap();
/// let data = schema.validate(&json!({
///     "email": "ana@example.com", "eventId": "550e8400-e29b-41d4-a716-446655440000",
///     "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
///     "lineItems": [{"quantity": 1, "title": "Tea"}], "orderId": "1001",
/// }))?;
/// let sorted = r#"{"brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","email":"ana@example.com","eventId":"550e8400-e29b-41d4-a716-446655440000","lineItems":[{"quantity":1,"title":"Tea"}],"occurredAt":"2026-05-19T12:00:00Z","orderId":"1001"}"#;
/// let ordered = r#"{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","email":"ana@example.com","orderId":"1001","lineItems":[{"title":"Tea","quantity":1}]}"#;
/// assert_eq!(serde_json::to_string(&data)?, sorted);
/// assert_eq!(serde_json::to_string(&schema.ordered(&data))?, ordered);
/// assert_eq!(schema.ordered(&data).to_string(), ordered);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct Ordered<'a> {
    plan: &'a ObjectPlan,
    payload: &'a Value,
    /// Whether to leave out what Zod's output would not hold (undeclared keys, a record's
    /// `__proto__`): set for a payload validated but not stripped (see [`Validated`](super::Validated)).
    strip: bool,
}

impl EventSchema {
    /// A view of a validated payload that serializes its keys in this schema's field order, as Zod
    /// writes its output (see [`Ordered`]), without copying it.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let data = schema.validate(&json!({
    ///     "source": "other", "email": "ana@example.com", "attribution": {},
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000",
    /// }))?;
    /// let text = serde_json::to_string(&schema.ordered(&data))?;
    /// let keys = ["eventId", "occurredAt", "brandId", "email", "source", "attribution"];
    /// let at: Vec<usize> = keys.iter().map(|k| text.find(&format!("\"{k}\"")).unwrap()).collect();
    /// assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ordered<'a>(&'a self, payload: &'a Value) -> Ordered<'a> {
        Ordered { plan: &self.plan, payload, strip: false }
    }

    /// [`ordered`](Self::ordered), leaving out what validation would strip.
    pub(super) fn ordered_stripped<'a>(&'a self, payload: &'a Value) -> Ordered<'a> {
        Ordered { plan: &self.plan, payload, strip: true }
    }
}

impl<'a> Ordered<'a> {
    /// The payload, as borrowed.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let payload = json!({"email": "ana@example.com"});
    /// assert!(std::ptr::eq(schema.ordered(&payload).payload(), &payload));
    /// ```
    pub fn payload(&self) -> &'a Value {
        self.payload
    }
}

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.payload {
            Value::Object(map) => InObject { plan: self.plan, map, strip: self.strip }.serialize(serializer),
            // Not an object, so not a validated payload: written as it is.
            other => other.serialize(serializer),
        }
    }
}

/// Compact JSON text, in the schema's order.
impl fmt::Display for Ordered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Serializing a `Value` fails only for a non-string map key, which a `Value` cannot hold.
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

/// Shows the payload: the plan is the schema's, and reads better from the schema itself.
impl fmt::Debug for Ordered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Ordered").field(self.payload).finish()
    }
}

/// A declared object's map, written in the plan's output order.
struct InObject<'a> {
    plan: &'a ObjectPlan,
    map: &'a Map<String, Value>,
    strip: bool,
}

impl Serialize for InObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = if self.strip {
            self.plan.output_fields().filter(|f| self.map.contains_key(f.name.as_str())).count()
        } else {
            self.map.len()
        };
        let mut out = serializer.serialize_map(Some(len))?;
        let mut written = 0;
        for field in self.plan.output_fields() {
            if let Some((key, value)) = self.map.get_key_value(field.name.as_str()) {
                out.serialize_entry(key, &InType { ty: &field.ty, value, strip: self.strip })?;
                written += 1;
            }
        }
        // Only keys the plan does not declare are left, and a validated payload has none: the
        // second pass is skipped unless the count says otherwise.
        if !self.strip && written < self.map.len() {
            for (key, value) in self.map {
                if !self.plan.declares(key) {
                    out.serialize_entry(key, value)?;
                }
            }
        }
        out.end()
    }
}

/// A value under its declared type: objects and arrays pass the plan down, anything else (a
/// scalar, a record, a value of the wrong type) is written as it is.
struct InType<'a> {
    ty: &'a TypePlan,
    value: &'a Value,
    strip: bool,
}

impl Serialize for InType<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.ty, self.value) {
            (TypePlan::Object(plan), Value::Object(map)) => {
                InObject { plan, map, strip: self.strip }.serialize(serializer)
            }
            (TypePlan::Array(items), Value::Array(elements)) => {
                let mut out = serializer.serialize_seq(Some(elements.len()))?;
                for value in elements {
                    out.serialize_element(&InType { ty: items, value, strip: self.strip })?;
                }
                out.end()
            }
            // Zod's record leaves out `__proto__` (the only key it drops).
            (TypePlan::Record, Value::Object(map)) if self.strip && map.contains_key("__proto__") => {
                let mut out = serializer.serialize_map(Some(map.len() - 1))?;
                for (key, value) in map.iter().filter(|(k, _)| k.as_str() != "__proto__") {
                    out.serialize_entry(key, value)?;
                }
                out.end()
            }
            (_, value) => value.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::schema::{EventSchema, Field, FieldType};

    fn schema(fields: Vec<Field>) -> EventSchema {
        EventSchema::new("test.ordered.v1".parse().unwrap(), fields)
    }

    #[test]
    fn nested_objects_and_arrays_of_objects_follow_their_own_fields() {
        let point = vec![Field::required("y", FieldType::Integer), Field::required("x", FieldType::Integer)];
        let schema = schema(vec![
            Field::required("z", FieldType::Array(Box::new(FieldType::Object(point.clone())))),
            Field::required("m", FieldType::Object(point)),
            Field::required(
                "grid",
                FieldType::Array(Box::new(FieldType::Array(Box::new(FieldType::Object(vec![
                    Field::required("b", FieldType::Boolean),
                    Field::required("a", FieldType::Boolean),
                ]))))),
            ),
            Field::required("r", FieldType::Record),
        ]);
        let payload = json!({
            "grid": [[{"a": true, "b": false}], []], "m": {"x": 1, "y": 2}, "r": {"d": 1, "c": {"f": 0, "e": 0}},
            "z": [{"x": 3, "y": 4}, {"x": 5, "y": 6}],
        });
        assert_eq!(
            schema.ordered(&payload).to_string(),
            r#"{"z":[{"y":4,"x":3},{"y":6,"x":5}],"m":{"y":2,"x":1},"grid":[[{"b":false,"a":true}],[]],"r":{"c":{"e":0,"f":0},"d":1}}"#
        );
    }

    #[test]
    fn undeclared_keys_follow_the_declared_ones_and_absent_ones_are_skipped() {
        let schema = schema(vec![
            Field::required("b", FieldType::Number),
            Field::optional("gone", FieldType::Number),
            Field::optional("a", FieldType::Object(vec![Field::required("q", FieldType::Number)])),
        ]);
        let payload = json!({"a": {"p": 0, "q": 1, "o": 2}, "b": 2, "c": 3, "0": 4});
        assert_eq!(schema.ordered(&payload).to_string(), r#"{"b":2,"a":{"q":1,"o":2,"p":0},"0":4,"c":3}"#);
    }

    #[test]
    fn values_of_another_shape_are_written_as_they_are() {
        let schema = schema(vec![
            Field::required("o", FieldType::Object(vec![Field::required("k", FieldType::Number)])),
            Field::required("l", FieldType::Array(Box::new(FieldType::Number))),
        ]);
        for payload in [json!([{"b": 1, "a": 2}]), json!(null), json!("text")] {
            assert_eq!(schema.ordered(&payload).to_string(), payload.to_string());
        }
        let payload = json!({"o": [{"b": 1, "a": 2}], "l": {"b": [], "a": null}});
        assert_eq!(schema.ordered(&payload).to_string(), r#"{"o":[{"a":2,"b":1}],"l":{"a":null,"b":[]}}"#);
    }

    #[test]
    fn pretty_printing_keeps_the_order() {
        let schema = schema(vec![Field::required("b", FieldType::Number), Field::required("a", FieldType::Number)]);
        let text = serde_json::to_string_pretty(&schema.ordered(&json!({"a": 1, "b": 2}))).unwrap();
        assert_eq!(text, "{\n  \"b\": 2,\n  \"a\": 1\n}");
    }
}
