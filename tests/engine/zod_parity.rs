//! Parity with Zod 3, measured on the committed corpus the Node oracle wrote
//! (`tests/oracle/`, re-run live in CI): the verdict, every issue's path, code and message in
//! order, and the validated output, for every case, from the payload's bytes and (where
//! serde_json reads them) from a `Value`; and the typed structs accept exactly the payloads
//! validation accepts.

use loop_contracts::{catalog, format, validate_event, ValidationError};
use suite::{parity_corpus, same_json, ParityCase, ZodIssue};

#[test]
fn validation_agrees_with_zod_on_every_corpus_case() {
    let corpus = parity_corpus();
    assert!(corpus.len() >= 5000, "the corpus has only {} cases", corpus.len());
    let mut mismatches = Vec::new();
    let mut infinite = 0;
    for case in &corpus {
        let ours = catalog().get(&case.event).unwrap().validate_str(&case.input);
        match serde_json::from_str::<serde_json::Value>(&case.input) {
            Ok(value) => assert_eq!(
                validate_event(&case.event, &value).map(serde_json::Value::from),
                ours,
                "{}: the Value route differs",
                case.id
            ),
            // Only numbers beyond a double keep serde_json from reading a corpus input.
            Err(e) => {
                assert!(e.to_string().starts_with("number out of range"), "{}: {e}", case.id);
                infinite += 1;
            }
        }
        if !agrees(case, &ours) {
            mismatches
                .push(format!("{}\n  input: {}\n  zod:   {:?}\n  ours:  {:?}", case.id, case.input, case.zod, ours));
        }
    }
    println!(
        "zod parity: {} of {} cases agree ({infinite} hold infinities)",
        corpus.len() - mismatches.len(),
        corpus.len()
    );
    assert!(infinite >= 200, "only {infinite} corpus cases hold numbers beyond a double");
    assert!(
        mismatches.is_empty(),
        "{} of {} cases disagree with Zod; first ones:\n{}",
        mismatches.len(),
        corpus.len(),
        mismatches.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// Whether a result is Zod's: the same output, or the same issues in the same order.
fn agrees(case: &ParityCase, ours: &Result<serde_json::Value, ValidationError>) -> bool {
    match (ours, case.zod.success) {
        (Ok(data), true) => case.zod.data.as_ref().is_some_and(|zod| same_json(data, zod)),
        (Err(err), false) => {
            let issues: Vec<ZodIssue> = err
                .issues()
                .iter()
                .map(|i| ZodIssue { path: i.path.clone(), code: i.code.to_string(), message: i.message.to_string() })
                .collect();
            issues == case.zod.issues
        }
        _ => false,
    }
}

#[test]
fn typed_decoding_accepts_exactly_what_zod_accepts() {
    let mut mismatches = Vec::new();
    let mut beyond_i64 = 0;
    for case in parity_corpus() {
        let typed = suite::decode_typed(&case.event, case.input.as_bytes());
        let Some(typed) = typed else { continue };
        // The one documented divergence: Zod's integers are doubles, an `i64` field cannot hold 1e20.
        if case.zod.success
            && typed.as_ref().is_err_and(|e| e.issues().iter().any(|i| i.message.contains("not representable")))
        {
            beyond_i64 += 1;
            continue;
        }
        // A refusal carries Zod's issues; an accepted payload's output is compared by validation
        // (a typed `f64` holding an infinity does not encode back to JSON at all).
        let agree = if case.zod.success { typed.is_ok() } else { agrees(&case, &typed) };
        if !agree {
            mismatches.push(format!(
                "{}: zod {} typed {:?}\n  input: {}",
                case.id,
                case.zod.success,
                typed.err(),
                case.input
            ));
        }
    }
    println!("typed decoding: {beyond_i64} valid payloads hold integers beyond i64 (refused as not representable)");
    assert!(
        mismatches.is_empty(),
        "{} disagreements:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(15)].join("\n")
    );
}

#[derive(serde::Deserialize)]
struct FormatCase {
    kind: String,
    input: String,
    zod: bool,
}

#[test]
fn format_checks_agree_with_zod() {
    let path = suite::workspace_root().join("tests/parity/formats.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut total = 0;
    let mut mismatches = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: FormatCase = serde_json::from_str(line).unwrap();
        let ours = match case.kind.as_str() {
            "uuid" => format::is_uuid(&case.input),
            "datetime" => format::is_datetime(&case.input),
            "email" => format::is_email(&case.input),
            "url" => format::is_url(&case.input),
            other => panic!("unknown format kind {other}"),
        };
        total += 1;
        if ours != case.zod {
            mismatches.push(format!("{} {:?}: zod {} ours {ours}", case.kind, case.input, case.zod));
        }
    }
    assert!(total > 100, "only {total} format cases");
    assert!(mismatches.is_empty(), "{} of {total} format cases disagree:\n{}", mismatches.len(), mismatches.join("\n"));
}
