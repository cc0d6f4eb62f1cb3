//! The hostile selectors of `docs/hostile-input.md` (the evaluation-budget findings) on bodies of
//! about 1 MiB, timed once each, with the work `JsonPath` counted and its budget for the body;
//! and the compile time of `match()`/`search()` patterns near `JsonPath::MAX_PATTERN_SIZE`.
//!
//! Run: `cargo bench --bench jsonpath_hostile`; figures in `benches/README.md`. Each line is the
//! best of three runs.

use std::time::{Duration, Instant};

use loop_contracts::jsonpath::JsonPath;
use serde_json::Value;

/// The best of three runs of `f`.
fn best<T>(mut f: impl FnMut() -> T) -> (T, Duration) {
    let mut fastest = Duration::MAX;
    let mut last = None;
    for _ in 0..3 {
        let start = Instant::now();
        let out = f();
        fastest = fastest.min(start.elapsed());
        last = Some(out);
    }
    (last.expect("three runs"), fastest)
}

fn body_of(items: impl Iterator<Item = String>, target: usize) -> Vec<u8> {
    let mut body = b"[".to_vec();
    for item in items {
        if body.len() + item.len() + 2 > target {
            break;
        }
        if body.len() > 1 {
            body.push(b',');
        }
        body.extend_from_slice(item.as_bytes());
    }
    body.push(b']');
    body
}

fn main() {
    const MIB: usize = 1 << 20;
    let numbers = body_of((0..).map(|i| (i % 10).to_string()), MIB);
    let strings = body_of((0..).map(|i| format!("\"s{:05}\"", i % 100_000)), MIB);
    let small = body_of((0..300).map(|i| (i % 10).to_string()), MIB);
    let comparisons = format!("$[?{}]", vec!["@.a == 1"; 85].join(" || "));
    let cases: [(&str, &str, &[u8]); 7] = [
        ("nested count, 300 numbers", "$[?count($[?count($[?count($[*])>0])>0])>0]", &small),
        ("nested count, 1 MiB of numbers", "$[?count($[?count($[?count($[*])>0])>0])>0]", &numbers),
        ("match() per string, 1 MiB of strings", r"$[?match(@,'\\w{3}')]", &strings),
        ("search() per string, 1 MiB of strings", r"$[?search(@,'[0-9]{3}$')]", &strings),
        ("count($..*) in a filter, 1 MiB of numbers", "$[?count($..*)>0]", &numbers),
        ("count(@..*) in a filter, 1 MiB of numbers", "$[?count(@..*)>0]", &numbers),
        ("85 comparisons per element, 1 MiB of numbers", &comparisons, &numbers),
    ];
    println!("| query | body | nodes | result | work / budget | time |");
    println!("|---|---|---|---|---|---|");
    for (label, text, body) in cases {
        let value: Value = serde_json::from_slice(body).expect("JSON");
        let path = JsonPath::parse(text).expect("accepted");
        let budget = JsonPath::budget_for(body.len());
        let (result, elapsed) = best(|| path.try_query(&value, budget).map(|nodes| nodes.len()));
        let work = path.work(&value, budget).map_or("over".to_owned(), |w| w.to_string());
        let nodes = value.as_array().map_or(0, Vec::len);
        let result = match result {
            Ok(n) => format!("{n} nodes"),
            Err(e) => format!("`{e}`"),
        };
        println!("| {label}: `{text}` | {} B | {nodes} | {result} | {work} / {budget} | {elapsed:.1?} |", body.len());
    }

    println!("\n| pattern | `JsonPath::parse` | verdict |");
    println!("|---|---|---|");
    let wide_classes = r"(?i)[\\x{100}-\\x{10FFFF}]".repeat(36);
    for pattern in [
        r"[A-Z]{3}-[0-9]{1,8}",
        r"\\w+@\\w+\\.\\w+",
        r"\\w{3}",
        r"\\w{10}",
        r"\\w{30}",
        r"\\w{100}",
        r"(?i)[\\x{100}-\\x{10FFFF}]{90}",
        r"(?i)[\\x{100}-\\x{10FFFF}]{10}",
        r"\\w{100}{100}",
        r".{200}",
        wide_classes.as_str(),
    ] {
        let text = format!("$[?match(@, '{pattern}')]");
        let (result, elapsed) = best(|| JsonPath::parse(&text));
        let verdict = match result {
            Ok(_) => "accepted".to_owned(),
            Err(e) => format!("refused: {}", e.to_string().split(" (").next().unwrap_or_default()),
        };
        let shown = if pattern.len() > 40 {
            format!("{}… ({} bytes)", &pattern[..30], pattern.len())
        } else {
            pattern.to_owned()
        };
        println!("| `{shown}` | {elapsed:.2?} | {verdict} |");
    }
}
