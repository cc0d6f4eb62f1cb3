//! The validated output: a copy, or the payload itself, without what Zod's output would not
//! contain (unknown keys, `__proto__` keys of records).

use serde_json::{Map, Value};

use crate::schema::{Field, FieldType};

/// Copies an object known to be valid, leaving out what Zod's output would not contain (see
/// [`strip`]): unknown keys are never copied.
pub(super) fn copy_object(fields: &[Field], value: &Value) -> Value {
    let Value::Object(map) = value else { return value.clone() };
    let mut kept: Vec<(String, Value)> = Vec::with_capacity(fields.len());
    for field in fields {
        if let Some((key, v)) = map.get_key_value(field.name.as_str()) {
            kept.push((key.clone(), copy_value(&field.ty, v)));
        }
    }
    Value::Object(kept.into_iter().collect())
}

fn copy_value(ty: &FieldType, value: &Value) -> Value {
    match (ty, value) {
        (FieldType::Object(fields), _) => copy_object(fields, value),
        (FieldType::Record, Value::Object(map)) => Value::Object(
            map.iter().filter(|(k, _)| k.as_str() != "__proto__").map(|(k, v)| (k.clone(), clone_deep(v))).collect(),
        ),
        (FieldType::Array(items), Value::Array(elements)) => {
            Value::Array(elements.iter().map(|e| copy_value(items, e)).collect())
        }
        _ => value.clone(),
    }
}

/// `Value::clone` without recursion. A record's contents are never walked by the engine, so they
/// may nest as deep as whoever built the `Value` liked; serde_json's own `clone` recurses once per
/// level and overflows a 2 MiB stack at about 10,000 levels.
fn clone_deep(value: &Value) -> Value {
    enum Frame<'a> {
        Array(std::slice::Iter<'a, Value>, Vec<Value>),
        Object(serde_json::map::Iter<'a>, Map<String, Value>, String),
    }
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut next = value;
    loop {
        // Open a container, or finish a scalar.
        let mut finished = match next {
            Value::Array(items) => {
                stack.push(Frame::Array(items.iter(), Vec::with_capacity(items.len())));
                None
            }
            Value::Object(map) => {
                stack.push(Frame::Object(map.iter(), Map::new(), String::new()));
                None
            }
            scalar => Some(scalar.clone()),
        };
        // Hand finished values to their parents until one has a child left to copy.
        loop {
            match stack.last_mut() {
                None => return finished.unwrap_or(Value::Null),
                Some(Frame::Array(items, out)) => {
                    out.extend(finished.take());
                    if let Some(child) = items.next() {
                        next = child;
                        break;
                    }
                }
                Some(Frame::Object(entries, out, key)) => {
                    if let Some(v) = finished.take() {
                        out.insert(std::mem::take(key), v);
                    }
                    if let Some((k, child)) = entries.next() {
                        key.clone_from(k);
                        next = child;
                        break;
                    }
                }
            }
            finished = match stack.pop() {
                Some(Frame::Array(_, out)) => Some(Value::Array(out)),
                Some(Frame::Object(_, out, _)) => Some(Value::Object(out)),
                None => None,
            };
        }
    }
}

/// Removes what Zod's output would not contain from a value already known to be valid: unknown
/// keys of declared objects, and `__proto__` keys of records (Zod's record parser drops them).
fn strip(ty: &FieldType, value: &mut Value) {
    match (ty, value) {
        (FieldType::Object(fields), value) => strip_object(fields, value),
        (FieldType::Record, Value::Object(map)) => {
            map.remove("__proto__");
        }
        (FieldType::Array(items), Value::Array(elements)) => {
            for element in elements {
                strip(items, element);
            }
        }
        _ => {}
    }
}

pub(super) fn strip_object(fields: &[Field], value: &mut Value) {
    let Value::Object(map) = value else { return };
    // Rebuilding from the declared fields drops unknown keys in O(fields · log keys).
    let mut kept = Map::new();
    for field in fields {
        if let Some((key, mut v)) = map.remove_entry(field.name.as_str()) {
            strip(&field.ty, &mut v);
            kept.insert(key, v);
        }
    }
    *map = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clone_deep_equals_clone() {
        for value in [
            json!(null),
            json!("x"),
            json!([]),
            json!({}),
            json!({"a": [1, 2.5, {"b": [true, null, "s", []]}], "": {"": {}}, "z": -1}),
            json!([[[[["deep"]]]], {"k": [{"k": [{}]}]}]),
        ] {
            assert_eq!(clone_deep(&value), value);
        }
    }

    #[test]
    fn clone_deep_does_not_recurse() {
        let copied = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(|| {
                let mut value = json!("bottom");
                for i in 0..10_000 {
                    // Not `json!`, which would serialize `value` (recursively) to interpolate it.
                    value = if i % 2 == 0 {
                        Value::Array(vec![value])
                    } else {
                        Value::Object(Map::from_iter([("k".to_owned(), value)]))
                    };
                }
                let copy = clone_deep(&value);
                // Taken apart by hand: dropping 10,000 levels recurses too.
                for v in [value, copy] {
                    let mut depth = 0;
                    let mut v = v;
                    loop {
                        v = match v {
                            Value::Array(mut items) => items.pop().unwrap_or(Value::Null),
                            Value::Object(mut map) => map.remove("k").unwrap_or(Value::Null),
                            other => break assert_eq!((other, depth), (json!("bottom"), 10_000)),
                        };
                        depth += 1;
                    }
                }
            })
            .unwrap()
            .join();
        assert!(copied.is_ok());
    }
}
