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
