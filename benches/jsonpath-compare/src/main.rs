//! RFC 9535 compliance and speed of `jsonpath_lib`, `serde_json_path` and
//! `loop_contracts::jsonpath::JsonPath`, with the evidence behind the latter's bounds.
//!
//! Run with `benches/jsonpath-compare/run.sh` (release mode); the figures go to
//! `benches/README.md`. This is its own cargo project because `jsonpath_lib` turns on serde_json's
//! `preserve_order` for the whole build; `serde-baseline/` beside it is a second project without
//! it. `run.sh` alternates the two parse measurements (`--parse-only` here) so that both see the
//! same machine load, and passes the medians in as `--parse-ns` and `--baseline-parse-ns`.

use std::hint::black_box;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use loop_contracts::jsonpath::JsonPath;
use serde_json::{json, Value};

const CTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/jsonpath-cts/cts.json");
const ORDER: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/webhooks/shopify/orders-create.json");
const CASE_TIME_LIMIT: Duration = Duration::from_secs(5);

#[derive(Clone, serde::Deserialize)]
struct Case {
    name: String,
    selector: String,
    #[serde(default)]
    document: Option<Value>,
    #[serde(default)]
    result: Option<Vec<Value>>,
    #[serde(default)]
    results: Option<Vec<Vec<Value>>>,
    #[serde(default)]
    invalid_selector: bool,
}

/// What an engine made of a selector: its nodelist, a refusal (`bound` when it is one of
/// loop_contracts' bounds rather than a syntax verdict), or nothing to evaluate.
enum Verdict {
    Nodes(Vec<Value>),
    Rejected { bound: bool },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    Passed,
    WrongResult,
    InvalidAccepted,
    ValidRejected,
    RefusedByBound,
    Panicked,
    TimedOut,
}

type Engine = fn(&str, &Value) -> Verdict;

fn jsonpath_lib_engine(selector: &str, document: &Value) -> Verdict {
    match jsonpath_lib::select(document, selector) {
        Ok(nodes) => Verdict::Nodes(nodes.into_iter().cloned().collect()),
        Err(_) => Verdict::Rejected { bound: false },
    }
}

fn serde_json_path_engine(selector: &str, document: &Value) -> Verdict {
    match serde_json_path::JsonPath::parse(selector) {
        Ok(path) => Verdict::Nodes(path.query(document).all().into_iter().cloned().collect()),
        Err(_) => Verdict::Rejected { bound: false },
    }
}

fn loop_contracts_engine(selector: &str, document: &Value) -> Verdict {
    use loop_contracts::jsonpath::JsonPathError;
    match JsonPath::parse(selector) {
        Ok(path) => Verdict::Nodes(path.query(document).into_iter().cloned().collect()),
        Err(JsonPathError::Syntax { .. }) => Verdict::Rejected { bound: false },
        Err(_) => Verdict::Rejected { bound: true },
    }
}

/// Runs one case on its own thread, under `catch_unwind`, giving up after [`CASE_TIME_LIMIT`]
/// (the thread is then left to finish on its own).
fn run_case(engine: Engine, case: &Case) -> Outcome {
    let (send, receive) = mpsc::channel();
    let owned = case.clone();
    std::thread::spawn(move || {
        let document = owned.document.clone().unwrap_or(Value::Null);
        let verdict = catch_unwind(AssertUnwindSafe(|| engine(&owned.selector, &document)));
        let outcome = match verdict {
            Err(_) => Outcome::Panicked,
            Ok(Verdict::Rejected { .. }) if owned.invalid_selector => Outcome::Passed,
            Ok(Verdict::Nodes(_)) if owned.invalid_selector => Outcome::InvalidAccepted,
            Ok(Verdict::Rejected { bound: true }) => Outcome::RefusedByBound,
            Ok(Verdict::Rejected { bound: false }) => Outcome::ValidRejected,
            Ok(Verdict::Nodes(nodes)) => {
                let ok = match (&owned.result, &owned.results) {
                    (Some(result), _) => &nodes == result,
                    (None, Some(results)) => results.contains(&nodes),
                    (None, None) => false,
                };
                if ok {
                    Outcome::Passed
                } else {
                    Outcome::WrongResult
                }
            }
        };
        let _ = send.send(outcome);
    });
    receive.recv_timeout(CASE_TIME_LIMIT).unwrap_or(Outcome::TimedOut)
}

fn compliance(cases: &[Case]) {
    let engines: [(&str, Engine); 3] = [
        ("jsonpath_lib 0.3.0", jsonpath_lib_engine),
        ("serde_json_path 0.7.2", serde_json_path_engine),
        ("loop_contracts::jsonpath::JsonPath", loop_contracts_engine),
    ];
    println!(
        "## RFC 9535 compliance suite ({} cases, each under catch_unwind, {CASE_TIME_LIMIT:?} limit)\n",
        cases.len()
    );
    println!("| engine | passed | refused by a bound | wrong result | invalid accepted | valid rejected | panics | timeouts |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut panics = Vec::new();
    for (label, engine) in engines {
        let outcomes: Vec<Outcome> = cases.iter().map(|case| run_case(engine, case)).collect();
        let count = |o: Outcome| outcomes.iter().filter(|&&x| x == o).count();
        println!(
            "| {label} | {} | {} | {} | {} | {} | {} | {} |",
            count(Outcome::Passed),
            count(Outcome::RefusedByBound),
            count(Outcome::WrongResult),
            count(Outcome::InvalidAccepted),
            count(Outcome::ValidRejected),
            count(Outcome::Panicked),
            count(Outcome::TimedOut),
        );
        for (case, outcome) in cases.iter().zip(&outcomes) {
            if matches!(outcome, Outcome::Panicked | Outcome::TimedOut | Outcome::RefusedByBound) {
                panics.push(format!("{label}: {outcome:?} on `{}` ({})", case.selector, case.name));
            }
        }
    }
    println!();
    for line in panics {
        println!("- {line}");
    }
    println!();
}

/// The median time of one call of `f`, in nanoseconds, over 31 samples of about 2 ms each.
fn median_ns(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calibration = 0u64;
    while start.elapsed() < Duration::from_millis(20) {
        f();
        calibration += 1;
    }
    let per_sample = (calibration / 10).max(1);
    let mut samples: Vec<f64> = (0..31)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_sample {
                f();
            }
            start.elapsed().as_nanos() as f64 / per_sample as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn order() -> Value {
    let mut order: Value = serde_json::from_slice(&std::fs::read(ORDER).expect("the Shopify fixture")).unwrap();
    // The fixture's `note_attributes` is empty; a shop that tags orders with a brand has a few.
    order["note_attributes"] = json!([
        {"name": "gift_note", "value": "Happy birthday"},
        {"name": "source", "value": "instagram"},
        {"name": "brand_id", "value": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e"},
    ]);
    order
}

fn speed(parse_times: (Option<f64>, Option<f64>)) {
    let order = order();
    type Hand = for<'a> fn(&'a Value) -> Option<&'a Value>;
    let paths: [(&str, Hand); 4] = [
        ("$.email", |v| v.get("email")),
        ("$.customer.email", |v| v.get("customer")?.get("email")),
        ("$.line_items[0].sku", |v| v.get("line_items")?.get(0)?.get("sku")),
        ("$.note_attributes[?(@.name=='brand_id')].value", |v| {
            v.get("note_attributes")?
                .as_array()?
                .iter()
                .find(|a| a.get("name").and_then(Value::as_str) == Some("brand_id"))?
                .get("value")
        }),
    ];
    println!("## Evaluation on the Shopify orders/create fixture (ns per evaluation, compiled once, medians)\n");
    println!("This binary has serde_json's `preserve_order` on (jsonpath_lib forces it), so object lookups");
    println!("are `IndexMap` lookups here for every engine; `cargo bench --bench jsonpath` measures without it.\n");
    println!("| path | jsonpath_lib | serde_json_path | loop_contracts `query` | loop_contracts `first` | hand-written | loop_contracts / hand-written |");
    println!("|---|---|---|---|---|---|---|");
    for (text, hand) in paths {
        let lib = jsonpath_lib::Compiled::compile(text).unwrap();
        let sjp = serde_json_path::JsonPath::parse(text).unwrap();
        let ours = JsonPath::parse(text).unwrap();
        let expected = hand(&order).expect("the path selects a node");
        assert_eq!(lib.select(&order).unwrap(), [expected]);
        assert_eq!(sjp.query(&order).all(), [expected]);
        assert_eq!(ours.query(&order), [expected]);
        let t_lib = median_ns(|| {
            black_box(lib.select(black_box(&order)).unwrap());
        });
        let t_sjp = median_ns(|| {
            black_box(sjp.query(black_box(&order)).all());
        });
        let t_ours = median_ns(|| {
            black_box(ours.query(black_box(&order)));
        });
        let t_first = median_ns(|| {
            black_box(ours.first(black_box(&order)));
        });
        let t_hand = median_ns(|| {
            black_box(hand(black_box(&order)));
        });
        println!(
            "| `{text}` | {t_lib:.0} | {t_sjp:.0} | {t_ours:.0} | {t_first:.0} | {t_hand:.0} | {:.1}x |",
            t_first / t_hand
        );
    }
    println!();

    println!("## Compile time of a selector (ns, medians)\n");
    println!("| selector | jsonpath_lib | serde_json_path | loop_contracts |");
    println!("|---|---|---|---|");
    for text in [
        "$.customer.email",
        "$.note_attributes[?(@.name=='brand_id')].value",
        "$.line_items[?@.price > 10 && match(@.sku, 'SKU[0-9]+')].sku",
    ] {
        // jsonpath_lib predates RFC 9535 and refuses some of its syntax (`?@` without parentheses).
        let t_lib = match jsonpath_lib::Compiled::compile(text) {
            Ok(_) => format!(
                "{:.0}",
                median_ns(|| {
                    black_box(jsonpath_lib::Compiled::compile(black_box(text)).ok());
                })
            ),
            Err(_) => "refused".to_owned(),
        };
        let t_sjp = median_ns(|| {
            black_box(serde_json_path::JsonPath::parse(black_box(text)).unwrap());
        });
        let t_ours = median_ns(|| {
            black_box(JsonPath::parse(black_box(text)).unwrap());
        });
        println!("| `{text}` | {t_lib} | {t_sjp:.0} | {t_ours:.0} |");
    }
    println!();

    let bytes = std::fs::read(ORDER).unwrap();
    let (preserve, base) = parse_times;
    let preserve = preserve.unwrap_or_else(parse_ns);
    println!("## serde_json parse of the fixture ({} bytes) into a `Value` (µs, medians)\n", bytes.len());
    match base {
        Some(base) => println!(
            "with `preserve_order` {:.1} µs, without {:.1} µs: {:.2}x\n",
            preserve / 1e3,
            base / 1e3,
            preserve / base
        ),
        None => println!("with `preserve_order` {:.1} µs (run through run.sh for the baseline)\n", preserve / 1e3),
    }
}

/// The median time of parsing the Shopify fixture into a `Value`, in this build.
fn parse_ns() -> f64 {
    let bytes = std::fs::read(ORDER).unwrap();
    median_ns(|| {
        black_box(serde_json::from_slice::<Value>(black_box(&bytes)).unwrap());
    })
}

/// Parse time of serde_json_path against filter nesting, and what loop_contracts makes of it.
fn nesting() {
    println!("## Nested filters: serde_json_path compile time and loop_contracts' verdict\n");
    println!("| selector | bytes | serde_json_path | loop_contracts |");
    println!("|---|---|---|---|");
    let fill = |levels: usize, length: usize| {
        let prefix = format!("$[?{}", "@[?".repeat(levels - 1));
        let suffix = format!("{}]", "]".repeat(levels - 1));
        let mut body = String::from("@.a");
        while prefix.len() + body.len() + 5 + suffix.len() <= length {
            body.push_str("||@.a");
        }
        format!("{prefix}{body}{suffix}")
    };
    let mut selectors: Vec<(String, String)> = Vec::new();
    for levels in [4usize, 8, 12, 16] {
        selectors.push((
            format!("`$[?@[?…]]`, {levels} levels"),
            format!("${}.a{}", "[?@".repeat(levels), "]".repeat(levels)),
        ));
    }
    for levels in [1usize, 2, 3, 4, 5, 6, 8] {
        selectors.push((format!("{levels} levels, filled to 1,024 bytes"), fill(levels, 1024)));
    }
    for (label, text) in selectors {
        let start = Instant::now();
        let ok = serde_json_path::JsonPath::parse(&text).is_ok();
        let sjp = start.elapsed();
        let start = Instant::now();
        let ours = JsonPath::parse(&text);
        let ours_time = start.elapsed();
        let verdict = match ours {
            Ok(_) => format!("accepted in {ours_time:.2?}"),
            Err(e) => format!("refused in {ours_time:.2?} ({})", short(&e.to_string())),
        };
        println!("| {label} | {} | {sjp:.2?}{} | {verdict} |", text.len(), if ok { "" } else { " (invalid)" });
    }
    println!();
}

fn short(text: &str) -> String {
    let cut: String = text.chars().take(70).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// The regex crate's compile time of patterns against loop_contracts' verdict, and the cost per
/// node that serde_json_path's per-node compilation gives them.
fn patterns() {
    println!("## match()/search() patterns: regex compile time (as serde_json_path wraps them) and loop_contracts' verdict\n");
    println!("| pattern | compile, µs | per string node in `$[?match(@, …)]`, µs | loop_contracts |");
    println!("|---|---|---|---|");
    let strings = Value::Array((0..100).map(|i| json!(format!("value-{i}"))).collect());
    let patterns: Vec<String> = vec![
        "a.*".into(),
        "[A-Z]{3}-[0-9]{1,8}".into(),
        "(?i)gift".into(),
        r"\d+".into(),
        r"\w+@\w+\.\w+".into(),
        r"\p{Lu}".into(),
        r"\w{3}".into(),
        r"\w{4}".into(),
        r"[^a]{100}".into(),
        ".{200}".into(),
        "abcdefgh".repeat(120),
        r"(?i)[α-ω]{20}".into(),
        r"[\x{80}-\x{10FFFF}]{50}".into(),
        r"\w{100}".into(),
        r"\w{100}{100}".into(),
        r"a{1000}{1000}".into(),
        r"(?:\w+){200}".into(),
    ];
    for pattern in patterns {
        let full = format!("(?R)^({pattern})$");
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            let _ = black_box(regex::Regex::new(&full));
            best = best.min(start.elapsed().as_secs_f64() * 1e6);
        }
        let literal = pattern.replace('\\', "\\\\").replace('\'', "\\'");
        let selector = format!("$[?match(@, '{literal}')]");
        let per_node = serde_json_path::JsonPath::parse(&selector).ok().filter(|_| best < 20_000.0).map(|path| {
            let start = Instant::now();
            black_box(path.query(&strings).len());
            start.elapsed().as_secs_f64() * 1e6 / 100.0
        });
        // `JsonPath` compiles the pattern once, within `MAX_PATTERN_SIZE`: its parse time is the
        // whole cost, paid once per selector rather than per node.
        let started = Instant::now();
        let parsed = JsonPath::parse(&selector);
        let parse_time = started.elapsed().as_secs_f64() * 1e6;
        let verdict = match parsed {
            Ok(_) => format!("accepted (parsed in {parse_time:.0} µs)"),
            Err(e) => format!("refused in {parse_time:.0} µs: {}", short(&e.to_string())),
        };
        let shown =
            if pattern.len() > 40 { format!("{}… ({} bytes)", &pattern[..24], pattern.len()) } else { pattern };
        let per_node = per_node.map_or("(not run)".to_owned(), |t| format!("{t:.0}"));
        println!("| `{shown}` | {best:.0} | {per_node} | {verdict} |");
    }
    println!();
    println!(
        "`JsonPath` compiles each pattern once per selector, within MAX_PATTERN_SIZE = {} bytes.\n",
        JsonPath::MAX_PATTERN_SIZE
    );
}

fn main() {
    let number = |flag: &str| {
        std::env::args().skip_while(|a| a != flag).nth(1).map(|n| n.parse::<f64>().expect("a number of nanoseconds"))
    };
    if std::env::args().any(|a| a == "--parse-only") {
        println!("{:.0}", parse_ns());
        return;
    }
    let parse_times = (number("--parse-ns"), number("--baseline-parse-ns"));
    #[derive(serde::Deserialize)]
    struct Suite {
        tests: Vec<Case>,
    }
    let suite: Suite = serde_json::from_slice(&std::fs::read(CTS).expect("the compliance suite")).unwrap();
    // Panics inside the suite are counted, not printed; anywhere else they are bugs of this tool.
    std::panic::set_hook(Box::new(|_| {}));
    compliance(&suite.tests);
    let _ = std::panic::take_hook();
    speed(parse_times);
    nesting();
    patterns();
}
