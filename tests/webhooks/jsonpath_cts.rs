//! `loop_contracts::jsonpath::JsonPath` against the RFC 9535 compliance test suite
//! (`tests/fixtures/jsonpath-cts/cts.json`, 703 cases), its bounds against hostile selectors,
//! and its fast path against the general engine.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use loop_contracts::jsonpath::{JsonPath, JsonPathError};
use proptest::prelude::*;
use serde_json::{json, Value};

/// One case of `cts.json`.
#[derive(Debug, serde::Deserialize)]
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

fn cases() -> Vec<Case> {
    #[derive(serde::Deserialize)]
    struct Suite {
        tests: Vec<Case>,
    }
    let path = suite::fixture("jsonpath-cts/cts.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str::<Suite>(&text).expect("cts.json is the suite's format").tests
}

/// Whether a refusal is one of the bounds rather than a verdict on the grammar.
fn is_bound(error: &JsonPathError) -> bool {
    matches!(
        error,
        JsonPathError::TooLong { .. }
            | JsonPathError::TooDeep { .. }
            | JsonPathError::FiltersTooDeep { .. }
            | JsonPathError::TooCostly { .. }
    )
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Passed,
    RefusedByBound(String),
    WrongResult(String),
    InvalidAccepted,
    ValidRejected(String),
    Panicked,
}

fn run(case: &Case) -> Outcome {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let parsed = JsonPath::parse(&case.selector);
        if case.invalid_selector {
            return match parsed {
                Ok(_) => Outcome::InvalidAccepted,
                Err(_) => Outcome::Passed,
            };
        }
        let path = match parsed {
            Ok(path) => path,
            Err(e) if is_bound(&e) => return Outcome::RefusedByBound(e.to_string()),
            Err(e) => return Outcome::ValidRejected(e.to_string()),
        };
        let document = case.document.as_ref().expect("a valid case has a document");
        let got: Vec<Value> = path.query(document).into_iter().cloned().collect();
        let expected_first =
            case.result.as_ref().or(case.results.as_ref().and_then(|r| r.first())).and_then(|r| r.first());
        let ok = match (&case.result, &case.results) {
            (Some(result), _) => &got == result,
            (None, Some(results)) => results.contains(&got),
            (None, None) => false,
        };
        // `first` is the first node of the nodelist; where several orders are allowed, any first.
        let first_ok = match &case.results {
            Some(results) => results.iter().any(|r| r.first() == path.first(document)),
            None => path.first(document) == expected_first,
        };
        if ok && first_ok {
            Outcome::Passed
        } else {
            Outcome::WrongResult(format!("got {got:?}, first {:?}", path.first(document)))
        }
    }));
    outcome.unwrap_or(Outcome::Panicked)
}

#[test]
fn every_compliance_case_passes_or_is_refused_by_a_bound() {
    let cases = cases();
    assert_eq!(cases.len(), 703, "the suite's size changed");
    let outcomes: Vec<(&Case, Outcome)> = cases.iter().map(|case| (case, run(case))).collect();
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|(_, o)| f(o)).count();
    let passed = count(|o| *o == Outcome::Passed);
    let refused = count(|o| matches!(o, Outcome::RefusedByBound(_)));
    println!(
        "RFC 9535 compliance suite: {} cases, {passed} passed, {refused} refused by a bound, {} wrong result, \
         {} invalid accepted, {} valid rejected, {} panics",
        cases.len(),
        count(|o| matches!(o, Outcome::WrongResult(_))),
        count(|o| *o == Outcome::InvalidAccepted),
        count(|o| matches!(o, Outcome::ValidRejected(_))),
        count(|o| *o == Outcome::Panicked),
    );
    let mut failures = Vec::new();
    for (case, outcome) in &outcomes {
        match outcome {
            Outcome::Passed => {}
            Outcome::RefusedByBound(why) => println!("  refused: {} `{}`: {why}", case.name, case.selector),
            other => failures.push(format!("{} `{}`: {other:?}", case.name, case.selector)),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    // Only the four cases that read a match()/search() pattern from the document are refused.
    assert!(refused <= 4, "{refused} cases refused by a bound");
}

#[test]
fn fast_path_agrees_with_the_general_engine_on_every_applicable_case() {
    let cases = cases();
    let documents: Vec<&Value> = cases.iter().filter_map(|c| c.document.as_ref()).collect();
    let mut simple = 0;
    let mut evaluations = 0;
    for case in &cases {
        let Ok(fast) = JsonPath::parse(&case.selector) else { continue };
        if !fast.is_simple() {
            continue;
        }
        simple += 1;
        let general = JsonPath::parse_compiled(&case.selector).expect("the general engine accepts it too");
        assert!(!general.is_simple());
        // Every document of the suite, not only the case's own: more shapes for the same path.
        for document in &documents {
            assert_eq!(
                fast.query(document),
                general.query(document),
                "{} `{}` on {document}",
                case.name,
                case.selector
            );
            assert_eq!(fast.first(document), general.first(document), "{} `{}`", case.name, case.selector);
            evaluations += 1;
        }
    }
    println!("fast path: {simple} selectors of the suite, {evaluations} evaluations compared");
    assert!(simple >= 50, "only {simple} suite selectors took the fast path");
}

#[test]
fn singular_queries_are_exactly_those_the_rfc_allows_in_a_comparison() {
    // RFC 9535 lets only singular queries be compared, so the general parser's verdict on
    // `$[?<query>==0]` is an independent oracle for `is_singular`.
    for case in cases().iter().filter(|c| !c.invalid_selector) {
        let Ok(path) = JsonPath::parse(&case.selector) else { continue };
        let comparable = JsonPath::parse_compiled(&format!("$[?{}==0]", case.selector)).is_ok();
        assert_eq!(path.is_singular(), comparable, "{} `{}`", case.name, case.selector);
        assert_eq!(path.is_singular(), path.is_simple(), "{} `{}`", case.name, case.selector);
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile selectors

/// The time a refusal may take. Debug builds are some twenty times slower than release.
fn quick() -> Duration {
    Duration::from_millis(if cfg!(debug_assertions) { 50 } else { 5 })
}

/// Runs `work` three times and returns its last result with the fastest of the three times. The
/// bounds are about the work a refusal costs, not about the scheduler: this binary's other tests
/// share two cores, and the fastest run discounts a thread that was made to wait.
fn fastest_of_three<T>(mut work: impl FnMut() -> T) -> (T, Duration) {
    let mut fastest = Duration::MAX;
    let mut result = None;
    for _ in 0..3 {
        let start = Instant::now();
        result = Some(work());
        fastest = fastest.min(start.elapsed());
    }
    (result.expect("ran three times"), fastest)
}

/// Parses `text` on a thread with a 2 MiB stack (the default of spawned threads, smaller than the
/// main thread's) and reports the result and the fastest of three parses' times.
fn parse_on_small_stack(text: String) -> (Result<JsonPath, JsonPathError>, Duration) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let (result, elapsed) = fastest_of_three(|| JsonPath::parse(&text));
            // Evaluate and drop on the same small stack: both recurse as deep as parsing did.
            if let Ok(path) = &result {
                let _ = path.query(&json!([{"a": [1, {"a": 2}]}, {"b": "x"}]));
            }
            (result, elapsed)
        })
        .expect("spawn")
        .join()
        .expect("no panic")
}

#[test]
fn ten_thousand_nested_parentheses_are_refused_quickly() {
    let text = format!("$[?{}@.a{}]", "(".repeat(10_000), ")".repeat(10_000));
    let (result, elapsed) = parse_on_small_stack(text);
    assert!(matches!(result, Err(JsonPathError::TooLong { length: 20_007, max: 1024 })), "{result:?}");
    assert!(elapsed < quick(), "{elapsed:?}");
    // Within the length bound the nesting bound refuses them.
    let text = format!("$[?{}@.a{}]", "(".repeat(500), ")".repeat(500));
    let (result, elapsed) = parse_on_small_stack(text);
    assert!(matches!(result, Err(JsonPathError::TooDeep { depth: 501, max: 32 })), "{result:?}");
    assert!(elapsed < quick(), "{elapsed:?}");
}

#[test]
fn thirty_nested_filters_are_refused_quickly() {
    let text = format!("${}.a{}", "[?@".repeat(30), "]".repeat(30));
    let (result, elapsed) = parse_on_small_stack(text);
    assert!(matches!(result, Err(JsonPathError::FiltersTooDeep { depth: 30, max: 3 })), "{result:?}");
    assert!(elapsed < quick(), "{elapsed:?}");
    let err = result.unwrap_err().to_string();
    assert_eq!(err, "the JSONPath nests filters (`[?...]`) 30 deep; at most 3 levels are allowed");
}

#[test]
fn a_one_megabyte_selector_is_refused_without_being_read() {
    let text = format!("$.{}", "a".repeat(1 << 20));
    let (result, elapsed) = fastest_of_three(|| JsonPath::parse(&text));
    assert!(elapsed < quick(), "{elapsed:?}");
    let err = result.unwrap_err();
    assert_eq!(err, JsonPathError::TooLong { length: (1 << 20) + 2, max: 1024 });
    assert!(err.to_string().len() < 100);
}

#[test]
fn the_worst_accepted_selectors_compile_quickly_on_a_small_stack() {
    // The two shapes that cost most within the bounds: every byte at the deepest filter level
    // (parse time doubles per level), and the deepest bracket nesting (the parser recurses).
    let filters = JsonPath::MAX_FILTER_NESTING;
    let prefix = format!("$[?{}", "@[?".repeat(filters - 1));
    let suffix = format!("{}]", "]".repeat(filters - 1));
    let mut body = String::from("@.a");
    while prefix.len() + body.len() + 5 + suffix.len() <= JsonPath::MAX_LENGTH {
        body.push_str("||@.a");
    }
    let deepest_filters = format!("{prefix}{body}{suffix}");
    let brackets = JsonPath::MAX_NESTING - 1;
    let deepest_brackets = format!("$[?{}@.a{}]", "(".repeat(brackets), ")".repeat(brackets));
    let mixed = format!("$[?{}@[?{}@.a{}]{}]", "(".repeat(14), "(".repeat(15), ")".repeat(15), ")".repeat(14));
    // Release builds: ~2 ms for the first on the 2-core machine of benches/README.md.
    let limit = Duration::from_millis(if cfg!(debug_assertions) { 500 } else { 10 });
    for text in [deepest_filters, deepest_brackets, mixed] {
        let length = text.len();
        let (result, elapsed) = parse_on_small_stack(text);
        let path = result.unwrap_or_else(|e| panic!("{length} bytes: {e}"));
        println!("accepted {length} bytes in {elapsed:?}: {}…", &path.as_str()[..40.min(length)]);
        assert!(elapsed < limit, "{elapsed:?}");
    }
}

#[test]
fn a_long_or_costly_pattern_in_match_is_refused_quickly() {
    // Each of these compiles for 15 to 130 ms in the regex crate without a size limit; with it,
    // compilation stops as soon as the limit is reached.
    for pattern in [r"\\w{1000}", r"\\w{100}{100}", r"[\\w\\d]{999}", r"a{1000}{1000}", &r"\\w".repeat(300)] {
        let text = format!("$[?match(@.sku, '{pattern}')]");
        let (result, elapsed) = fastest_of_three(|| JsonPath::parse(&text));
        assert!(elapsed < quick(), "{pattern}: {elapsed:?}");
        let err = result.expect_err(pattern);
        assert!(matches!(err, JsonPathError::TooCostly { .. }), "{err:?}");
        assert!(err.to_string().contains("bytes allowed"), "{err}");
        // The message quotes the pattern, but never more than 40 characters of it.
        assert!(err.to_string().len() < 400, "{err}");
    }
    // A pattern read from the payload is refused whatever it is.
    for text in ["$[?match(@.sku, $.pattern)]", "$[?search(@, value($..p))]", "$[?search(@.a, @.b)]"] {
        let err = JsonPath::parse(text).expect_err(text);
        assert!(matches!(err, JsonPathError::TooCostly { .. }), "{err:?}");
        assert!(err.to_string().contains("string literal"), "{err}");
    }
    // A long pattern of literal characters is cheap and accepted; its per-node cost stays small.
    let literal = "abcdefgh".repeat(120);
    let path = JsonPath::parse(&format!("$[?search(@, '{literal}')]")).expect("a literal pattern");
    let strings = Value::Array((0..200).map(|i| json!(format!("value-{i}"))).collect());
    let (found, elapsed) = fastest_of_three(|| path.query(&strings).is_empty());
    assert!(found);
    let per_node = elapsed / 200;
    println!("960-byte literal pattern: {per_node:?} per string node");
    assert!(per_node < Duration::from_millis(if cfg!(debug_assertions) { 50 } else { 2 }), "{per_node:?}");
}

#[test]
fn result_multiplying_selectors_are_refused() {
    for (text, needle) in [
        ("$[0,0][0,0][0,0][0,0][0,0]", "unions"),
        ("$[*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*]", "unions"),
        ("$..*..*", "descendant"),
        ("$..a[?@..b]", "descendant"),
    ] {
        let err = JsonPath::parse(text).expect_err(text);
        assert!(matches!(err, JsonPathError::TooCostly { .. }) && err.to_string().contains(needle), "{text}: {err}");
    }
    assert!(JsonPath::parse("$[0,1][0,1][0,1][0,1]").is_ok());
}

#[test]
fn syntax_errors_are_helpful_and_short() {
    let cases = [
        ("customer.email", "starts with `$`"),
        (" $.email", "without blank space"),
        ("$.email ", "end with blank space"),
        ("$.line_items[", "unexpected text at byte 12"),
        ("$.a.1b", "must start with a letter"),
        ("$[?match(@, 'a', 1)]", "wrong number of arguments"),
        ("$[?nosuch(@)]", "'nosuch' is not defined"),
        ("$.a[?@.b = 'x']", "at byte"),
    ];
    for (text, needle) in cases {
        let err = JsonPath::parse(text).expect_err(text);
        assert!(matches!(err, JsonPathError::Syntax { .. }), "{text}: {err:?}");
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
    // A long invalid selector is quoted in a bounded excerpt only.
    let text = format!("$.a[?{}&&]", "@.abcdefghij&&".repeat(60));
    let err = JsonPath::parse(&text).expect_err("invalid");
    assert!(err.to_string().len() < 200, "{} bytes: {err}", err.to_string().len());
}

#[test]
fn serde_reads_and_checks_the_text() {
    let path: JsonPath = serde_json::from_value(json!("$.note_attributes[?@.name=='brand_id'].value")).unwrap();
    assert_eq!(serde_json::to_value(&path).unwrap(), json!("$.note_attributes[?@.name=='brand_id'].value"));
    let err = serde_json::from_value::<JsonPath>(json!("$[?@[?@[?@[?@]]]]")).unwrap_err();
    assert!(err.to_string().contains("nests filters"), "{err}");
    assert!(serde_json::from_value::<JsonPath>(json!(42)).is_err());
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Arbitrary JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "[a-c]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]{0,2}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Singular queries over the names and indices `json_value` produces, with RFC blank space.
fn singular_query() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        "[a-c]{1,2}".prop_map(|n| format!(".{n}")),
        "[a-c]{0,2}".prop_map(|n| format!("['{n}']")),
        "[a-c]{0,2}".prop_map(|n| format!("[\"{n}\"]")),
        (-7i64..7).prop_map(|i| format!("[{i}]")),
        (-7i64..7).prop_map(|i| format!("[ {i}\t]")),
    ];
    prop::collection::vec(("[ ]{0,1}", segment), 0..5)
        .prop_map(|segments| segments.into_iter().fold(String::from("$"), |s, (blank, seg)| s + &blank + &seg))
}

/// Selectors of every kind, valid or not, for evaluation on arbitrary JSON.
const SELECTORS: &[&str] = &[
    "$",
    "$.a",
    "$.a.b[0]",
    "$[-1]",
    "$..a",
    "$..*",
    "$[*]",
    "$[1:3]",
    "$[::-1]",
    "$[0,'a',-1]",
    "$[?@.a]",
    "$[?@.a == @.b]",
    "$[?@ > 1 || @ < -1]",
    "$..[?length(@) > 1]",
    "$[?count(@.*) == 2]",
    "$[?match(@, 'a.*')]",
    "$[?search(@.a, '[bc]')]",
    "$[?value(@..c) == 'a']",
    "$[?@[?@.a]]",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = JsonPath::parse(&text);
    }

    #[test]
    fn parse_never_panics_on_jsonpath_like_text(text in r#"\$[\$@.\[\]()?*,:'"0-9abc!=<>&| \\-]{0,40}"#) {
        let _ = JsonPath::parse(&text);
        let _ = JsonPath::parse_compiled(&text);
    }

    #[test]
    fn query_never_panics_on_arbitrary_json(value in json_value()) {
        for text in SELECTORS {
            let path = JsonPath::parse(text).expect(text);
            let nodes = path.query(&value);
            prop_assert_eq!(path.first(&value), nodes.first().copied());
        }
    }

    #[test]
    fn fast_path_agrees_with_the_general_engine(text in singular_query(), value in json_value()) {
        let fast = JsonPath::parse(&text).expect("a singular query");
        prop_assert!(fast.is_simple(), "{}", text);
        let general = JsonPath::parse_compiled(&text).expect("a singular query");
        prop_assert_eq!(fast.query(&value), general.query(&value), "{}", text);
    }
}
