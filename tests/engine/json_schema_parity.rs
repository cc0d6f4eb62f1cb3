//! The emitted JSON Schemas give Zod's verdicts through the `jsonschema` crate, on the whole
//! parity corpus (ajv's verdicts on the same documents are checked by the oracle, and recorded
//! in the corpus; they are compared here too).

use std::collections::HashMap;

use suite::parity_corpus;

#[test]
fn jsonschema_crate_agrees_with_zod_on_every_corpus_case() {
    let mut validators = HashMap::new();
    for schema in loop_contracts::catalog().iter() {
        let validator = jsonschema::draft202012::new(&schema.to_json_schema()).expect("the emitted schema compiles");
        validators.insert(schema.name().as_str().to_owned(), validator);
    }
    let corpus = parity_corpus();
    let mut mismatches = Vec::new();
    let mut ajv_mismatches = Vec::new();
    for case in &corpus {
        let value: serde_json::Value = serde_json::from_str(&case.input).unwrap();
        let verdict = validators[&case.event].is_valid(&value);
        if verdict != case.zod.success {
            mismatches
                .push(format!("{}: zod {} jsonschema {verdict}\n  input: {}", case.id, case.zod.success, case.input));
        }
        if case.ajv.is_some_and(|ajv| ajv != case.zod.success) {
            ajv_mismatches.push(case.id.clone());
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} disagree:\n{}",
        mismatches.len(),
        corpus.len(),
        mismatches[..mismatches.len().min(15)].join("\n")
    );
    assert!(
        ajv_mismatches.is_empty(),
        "ajv disagrees with Zod on {} cases: {:?}",
        ajv_mismatches.len(),
        &ajv_mismatches[..ajv_mismatches.len().min(15)]
    );
}
