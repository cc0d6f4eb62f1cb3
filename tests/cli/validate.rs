//! `loop-contracts validate --jsonl` gives Zod's verdict on every case of the parity corpus
//! (`tests/parity/corpus.jsonl`, which the Node oracle wrote): the same output for a valid
//! payload (an infinity printed as `null`, as `JSON.stringify` writes it), the same issues in the
//! same order for an invalid one.

use std::collections::BTreeMap;

use suite::{parity_corpus, same_json, ParityCase, ZodIssue};

#[test]
fn validate_jsonl_agrees_with_zod_on_every_corpus_case() {
    let mut by_event: BTreeMap<String, Vec<ParityCase>> = BTreeMap::new();
    for case in parity_corpus() {
        by_event.entry(case.event.clone()).or_default().push(case);
    }
    let (mut checked, mut infinite) = (0, 0);
    let mut mismatches = Vec::new();
    for (event, cases) in &by_event {
        // One line per payload: line breaks in a corpus input are whitespace between tokens
        // (a JSON string cannot hold a raw one), so a space stands in for each.
        let input: String =
            cases.iter().map(|c| c.input.replace(['\n', '\r'], " ") + "\n").collect::<Vec<_>>().concat();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let argv = ["loop-contracts", "validate", event.as_str(), "--jsonl"];
        loop_contracts_cli::run(argv, &mut input.as_bytes(), &mut out, &mut err);
        assert!(err.is_empty(), "{event}: {}", String::from_utf8_lossy(&err));
        let lines: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
        assert_eq!(lines.len(), cases.len(), "{event}: one result line per payload");
        for (case, line) in cases.iter().zip(lines) {
            checked += 1;
            infinite += usize::from(case.id.contains("/overflow/"));
            let printed: serde_json::Value = serde_json::from_str(line).unwrap();
            let agree = match (printed["ok"].as_bool(), case.zod.success) {
                (Some(true), true) => case.zod.data.as_ref().is_some_and(|zod| same_json(&printed["data"], zod)),
                (Some(false), false) => {
                    let issues: Vec<ZodIssue> = serde_json::from_value(printed["error"]["issues"].clone()).unwrap();
                    issues == case.zod.issues
                }
                _ => false,
            };
            if !agree {
                mismatches.push(format!("{}\n  zod:   {:?}\n  cli:   {line}", case.id, case.zod));
            }
        }
    }
    assert!(checked >= 5000 && infinite >= 200, "{checked} cases, {infinite} with numbers beyond a double");
    assert!(
        mismatches.is_empty(),
        "{} of {checked} cases disagree with Zod:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(10)].join("\n")
    );
}

/// Byte for byte what the library's `Value` route gives, whichever path a line takes inside the
/// command (the parse-driven one for plain payloads, the document one for envelopes and text that
/// is not JSON).
#[test]
fn validate_jsonl_prints_the_bytes_of_the_value_route() {
    let expected_line = |event: &str, text: &str| {
        let schema = loop_contracts::catalog().get(event).unwrap();
        match schema.validate_str(text) {
            Ok(data) => format!(r#"{{"ok":true,"event":"{event}","data":{}}}"#, schema.ordered(&data)),
            Err(e) => serde_json::to_string(&loop_contracts::ErrorResponse::from(&e)).unwrap(),
        }
    };
    let mut by_event: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for case in parity_corpus() {
        by_event.entry(case.event.clone()).or_default().push(case.input.replace(['\n', '\r'], " "));
    }
    for (event, inputs) in &by_event {
        let input: String = inputs.iter().map(|i| format!("{i}\n")).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        loop_contracts_cli::run(
            ["loop-contracts", "validate", event, "--jsonl"],
            &mut input.as_bytes(),
            &mut out,
            &mut err,
        );
        let lines: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
        assert_eq!(lines.len(), inputs.len());
        for (text, line) in inputs.iter().zip(lines) {
            assert_eq!(line, expected_line(event, text), "{event}: {text}");
        }
    }

    // Lines of every kind in one input: an envelope, repeated keys, an unknown key, a number
    // beyond a double, a blank line, text that is not JSON.
    let lead = r#""eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "ana@example.com", "source": "other", "attribution": {"b": 1, "a": 2, "__proto__": 3}"#;
    let lines = [
        format!(r#"{{"event": "lead.captured.v1", "payload": {{{lead}}}}}"#),
        format!(r#"{{"email": 1, {lead}, "source": "nope", "source": "other"}}"#),
        format!(r#"{{"zz": [1e999], {lead}}}"#),
        format!(r#"{{{lead}, "email": -1e999}}"#),
        String::new(),
        format!(r#"{{{lead}"#),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = loop_contracts_cli::run(
        ["loop-contracts", "validate", "lead.captured.v1", "--jsonl"],
        &mut input.as_bytes(),
        &mut out,
        &mut err,
    );
    assert_eq!(code, 1);
    let printed: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
    let payload = format!(r#"{{{lead}}}"#);
    assert_eq!(printed[0], expected_line("lead.captured.v1", &payload));
    for at in 1..4 {
        assert_eq!(printed[at], expected_line("lead.captured.v1", &lines[at]), "{}", lines[at]);
    }
    assert!(printed[0].contains(r#""attribution":{"a":2,"b":1}"#), "{}", printed[0]);
    assert!(printed[3].contains(r#""Expected string, received number""#), "{}", printed[3]);
    assert!(printed[4].contains("input line 5 is empty"), "{}", printed[4]);
    assert!(printed[5].contains("malformed JSON at input line 6"), "{}", printed[5]);
}
