//! Would a faster JSON parser serve the parse-driven check? serde_json, sonic-rs and simd-json
//! each drive the same serde visit of every value (`deserialize_any` at every level, strings
//! borrowed where the parser can: the shape of the visits `EventSchema::check_slice` makes), decode
//! the catalog's typed events, and build a `serde_json::Value`, on the four payloads of
//! `benches/compare/payloads.json`; `check_slice` itself runs beside them. Then the same
//! parsers meet the inputs whose handling the platform's parity rests on (numbers beyond a double,
//! lone surrogates, duplicate keys, deep nesting, invalid UTF-8).
//!
//! Timing, as in `benches/compare.rs`: each function is warmed up and given a batch of about 2 ms;
//! the functions take turns, one batch each per round, for `ROUNDS` rounds (default 200); the
//! figure is the median time per call. Prints markdown for `benches/README.md`.
//!
//! Run with `benches/parser-compare/run.sh` (a default build and one for this machine's CPU).

use std::fmt;
use std::hint::black_box;
use std::time::{Duration, Instant};

use loop_contracts::catalog::{LeadCaptured, OrderCompleted};
use loop_contracts::{catalog, EventSchema};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

#[path = "../../compare/payloads.rs"]
mod payloads;
use payloads::{compact, Payloads};

const BATCH: Duration = Duration::from_millis(2);
const WARM_UP: Duration = Duration::from_millis(100);

/// Visits every value with `deserialize_any`, keys as borrowed strings where the parser lends
/// them, and counts the scalars (so that nothing can be optimised away and every parser can be
/// checked to have seen the same document).
struct VisitAll;

impl<'de> DeserializeSeed<'de> for VisitAll {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for VisitAll {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_i64<E>(self, _: i64) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_u64<E>(self, _: u64) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_f64<E>(self, _: f64) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<usize, E> {
        Ok(usize::from(!s.is_empty()))
    }
    fn visit_str<E>(self, s: &str) -> Result<usize, E> {
        Ok(usize::from(!s.is_empty()))
    }
    fn visit_unit<E>(self) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_none<E>(self) -> Result<usize, E> {
        Ok(1)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(m) = seq.next_element_seed(VisitAll)? {
            n += m;
        }
        Ok(n)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            n += key.0.len() + map.next_value_seed(VisitAll)?;
        }
        Ok(n)
    }
}

/// A key, borrowed when the parser can lend it (no escapes), copied otherwise.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(s.into()))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(s.to_owned().into()))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

fn serde_json_visit(text: &[u8]) -> Result<usize, String> {
    // As the check does: UTF-8 checked once, then serde_json's `str` reader.
    let text = std::str::from_utf8(text).map_err(|e| e.to_string())?;
    let mut de = serde_json::Deserializer::from_str(text);
    let n = VisitAll.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(n)
}

fn sonic_rs_visit(text: &[u8]) -> Result<usize, String> {
    let mut de = sonic_rs::Deserializer::from_slice(text);
    let n = VisitAll.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(n)
}

/// simd-json parses a mutable copy in place; the copy and the buffers are reused, as a caller
/// that validates many payloads would.
struct SimdJson {
    copy: Vec<u8>,
    buffers: simd_json::Buffers,
}

impl SimdJson {
    fn new() -> Self {
        SimdJson { copy: Vec::new(), buffers: simd_json::Buffers::new(4096) }
    }

    fn copy(&mut self, text: &[u8]) -> &mut [u8] {
        self.copy.clear();
        self.copy.extend_from_slice(text);
        &mut self.copy
    }

    fn tape_only(&mut self, text: &[u8]) -> Result<usize, String> {
        self.copy.clear();
        self.copy.extend_from_slice(text);
        let de = simd_json::Deserializer::from_slice_with_buffers(&mut self.copy, &mut self.buffers)
            .map_err(|e| e.to_string())?;
        black_box(&de);
        Ok(1)
    }

    fn visit(&mut self, text: &[u8]) -> Result<usize, String> {
        self.copy.clear();
        self.copy.extend_from_slice(text);
        let mut de = simd_json::Deserializer::from_slice_with_buffers(&mut self.copy, &mut self.buffers)
            .map_err(|e| e.to_string())?;
        VisitAll.deserialize(&mut de).map_err(|e| e.to_string())
    }

    fn value(&mut self, text: &[u8]) -> Result<Value, String> {
        let buffers = &mut self.buffers;
        let copy = {
            self.copy.clear();
            self.copy.extend_from_slice(text);
            &mut self.copy
        };
        simd_json::serde::from_slice_with_buffers(copy, buffers).map_err(|e| e.to_string())
    }
}

/// The generated `Deserialize` of the payload's event, through each parser: 1 when it decodes.
fn typed(event: &str, parser: &str, text: &[u8], simd: &mut SimdJson) -> usize {
    fn one<T: for<'de> Deserialize<'de>>(parser: &str, text: &[u8], simd: &mut SimdJson) -> usize {
        usize::from(match parser {
            "serde_json" => std::str::from_utf8(text).ok().and_then(|t| serde_json::from_str::<T>(t).ok()).is_some(),
            "sonic_rs" => sonic_rs::from_slice::<T>(text).is_ok(),
            "simd_json" => simd_json::serde::from_slice::<T>(simd.copy(text)).is_ok(),
            other => unreachable!("{other}"),
        })
    }
    match event {
        "lead.captured.v1" => one::<LeadCaptured>(parser, text, simd),
        "order.completed.v1" => one::<OrderCompleted>(parser, text, simd),
        other => unreachable!("{other}"),
    }
}

fn check_slice(schema: &EventSchema, text: &[u8]) -> usize {
    schema.check_slice(text).map_or_else(|e| e.issues().len(), |()| 0)
}

/// One measured function.
struct Timed<'a> {
    case: String,
    engine: &'static str,
    call: Box<dyn FnMut() -> usize + 'a>,
}

fn timed<'a>(case: &str, engine: &'static str, call: impl FnMut() -> usize + 'a) -> Timed<'a> {
    Timed { case: case.to_owned(), engine, call: Box::new(call) }
}

fn time_batch(t: &mut Timed<'_>, batch: u64) -> f64 {
    let started = Instant::now();
    let mut sink = 0usize;
    for _ in 0..batch {
        sink = sink.wrapping_add((t.call)());
    }
    let elapsed = started.elapsed();
    black_box(sink);
    elapsed.as_nanos() as f64 / batch as f64
}

fn measure(items: &mut [Timed<'_>], rounds: usize) -> Vec<f64> {
    let batches: Vec<u64> = items
        .iter_mut()
        .map(|t| {
            let started = Instant::now();
            let mut calls = 0u64;
            while started.elapsed() < WARM_UP {
                black_box((t.call)());
                calls += 1;
            }
            let per_call = started.elapsed().as_secs_f64() / calls as f64;
            ((BATCH.as_secs_f64() / per_call).round() as u64).max(1)
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); items.len()];
    for _ in 0..rounds {
        for ((t, &batch), s) in items.iter_mut().zip(&batches).zip(&mut samples) {
            s.push(time_batch(t, batch));
        }
    }
    samples
        .iter_mut()
        .map(|s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

fn ns(x: f64) -> String {
    if x >= 1000.0 {
        format!("{:.2} µs", x / 1000.0)
    } else {
        format!("{x:.1} ns")
    }
}

const ENGINES: [(&str, &str); 16] = [
    ("serde_json_ignored_any", "serde_json `IgnoredAny` (the floor)"),
    ("sonic_rs_ignored_any", "sonic-rs `IgnoredAny`"),
    ("sonic_rs_object_iter", "sonic-rs top-level entries, values skipped"),
    ("sonic_rs_own_value", "sonic-rs's own `Value`"),
    ("simd_json_tape", "simd-json copy + tape"),
    ("serde_json_visit_all", "serde_json visit all"),
    ("sonic_rs_visit_all", "sonic-rs visit all"),
    ("simd_json_visit_all", "simd-json visit all"),
    ("check_slice", "`check_slice` (serde_json)"),
    ("serde_json_typed", "serde_json typed"),
    ("sonic_rs_typed", "sonic-rs typed"),
    ("simd_json_typed", "simd-json typed"),
    ("serde_json_value", "serde_json `Value`"),
    ("sonic_rs_value", "sonic-rs to serde_json `Value`"),
    ("simd_json_value", "simd-json to serde_json `Value`"),
    ("sonic_rs_value_issues", "sonic-rs `Value` + `issues`"),
];

fn timings(cases: &[(String, String, Vec<u8>)], rounds: usize) {
    let mut items = Vec::new();
    for (case, event, text) in cases {
        let text = text.as_slice();
        let schema = catalog().get(event).expect("a catalog event");
        // Every parser sees the same document, and the typed decoders agree.
        let mut simd = SimdJson::new();
        let seen = serde_json_visit(text).expect("serde_json reads it");
        assert_eq!(sonic_rs_visit(text), Ok(seen), "{case}: sonic-rs");
        assert_eq!(simd.visit(text), Ok(seen), "{case}: simd-json");
        let value: Value = serde_json::from_slice(text).expect("JSON");
        assert_eq!(sonic_rs::from_slice::<Value>(text).as_ref().ok(), Some(&value), "{case}: sonic-rs Value");
        assert_eq!(simd.value(text).as_ref().ok(), Some(&value), "{case}: simd-json Value");
        let decoded = typed(event, "serde_json", text, &mut simd);
        assert_eq!(typed(event, "sonic_rs", text, &mut simd), decoded, "{case}: sonic-rs typed");
        assert_eq!(typed(event, "simd_json", text, &mut simd), decoded, "{case}: simd-json typed");

        items.push(timed(case, "serde_json_ignored_any", move || {
            usize::from(serde_json::from_slice::<IgnoredAny>(black_box(text)).is_ok())
        }));
        items.push(timed(case, "sonic_rs_ignored_any", move || {
            usize::from(sonic_rs::from_slice::<IgnoredAny>(black_box(text)).is_ok())
        }));
        items.push(timed(case, "sonic_rs_object_iter", move || {
            let mut n = 0;
            for entry in sonic_rs::to_object_iter(black_box(text)) {
                let Ok((key, value)) = entry else { return 0 };
                n += key.len() + value.as_raw_str().len();
            }
            n
        }));
        items.push(timed(case, "sonic_rs_own_value", move || {
            usize::from(sonic_rs::from_slice::<sonic_rs::Value>(black_box(text)).is_ok())
        }));
        let mut simd = SimdJson::new();
        items.push(timed(case, "simd_json_tape", move || simd.tape_only(black_box(text)).unwrap_or(0)));
        items.push(timed(case, "serde_json_visit_all", move || serde_json_visit(black_box(text)).unwrap_or(0)));
        items.push(timed(case, "sonic_rs_visit_all", move || sonic_rs_visit(black_box(text)).unwrap_or(0)));
        let mut simd = SimdJson::new();
        items.push(timed(case, "simd_json_visit_all", move || simd.visit(black_box(text)).unwrap_or(0)));
        items.push(timed(case, "check_slice", move || check_slice(schema, black_box(text))));
        let mut simd = SimdJson::new();
        for (engine, parser) in
            [("serde_json_typed", "serde_json"), ("sonic_rs_typed", "sonic_rs"), ("simd_json_typed", "simd_json")]
        {
            let mut simd = SimdJson::new();
            items.push(timed(case, engine, move || typed(event, parser, black_box(text), &mut simd)));
        }
        items.push(timed(case, "serde_json_value", move || {
            serde_json::from_slice::<Value>(black_box(text)).map_or(0, |v| v.as_object().map_or(0, |o| o.len()))
        }));
        items.push(timed(case, "sonic_rs_value", move || {
            sonic_rs::from_slice::<Value>(black_box(text)).map_or(0, |v| v.as_object().map_or(0, |o| o.len()))
        }));
        items.push(timed(case, "simd_json_value", move || {
            simd.value(black_box(text)).map_or(0, |v| v.as_object().map_or(0, |o| o.len()))
        }));
        items.push(timed(case, "sonic_rs_value_issues", move || {
            sonic_rs::from_slice::<Value>(black_box(text)).map_or(0, |v| schema.issues(&v).len())
        }));
    }
    let medians = measure(&mut items, rounds);

    println!(
        "| | {} |",
        cases.iter().map(|(case, _, t)| format!("{case} ({} bytes)", t.len())).collect::<Vec<_>>().join(" | ")
    );
    println!("|---|{}", "---|".repeat(cases.len()));
    for (engine, label) in ENGINES {
        let row: Vec<String> = cases
            .iter()
            .map(|(case, ..)| {
                let at = |e: &str| {
                    items.iter().position(|t| t.case == *case && t.engine == e).map(|i| medians[i]).expect("timed")
                };
                let floor = at("serde_json_ignored_any");
                let x = at(engine);
                format!("{} ({:.2}x)", ns(x), x / floor)
            })
            .collect();
        println!("| {label} | {} |", row.join(" | "));
    }
}

/// What each parser does with the inputs the platform's verdicts depend on.
fn semantics() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("number beyond a double `1e400`", b"{\"a\":1e400}".to_vec()),
        ("integer beyond u64 `18446744073709551616`", b"{\"a\":18446744073709551616}".to_vec()),
        ("lone surrogate `\"\\ud800\"`", b"{\"a\":\"\\ud800\"}".to_vec()),
        ("duplicate key `{\"a\":1,\"a\":2}`", b"{\"a\":1,\"a\":2}".to_vec()),
        ("invalid UTF-8 in a string", b"{\"a\":\"\xff\"}".to_vec()),
        ("nested 128 deep", deep(128).into_bytes()),
        ("nested 10,000 deep", deep(10_000).into_bytes()),
        ("trailing comma `[1,]`", b"[1,]".to_vec()),
        ("control character in a string", b"{\"a\":\"\x01\"}".to_vec()),
    ];
    println!("| input | serde_json (`Value`) | sonic-rs (`Value`) | simd-json (`Value`) |");
    println!("|---|---|---|---|");
    for (label, text) in inputs {
        // A thread with a large stack: a parser without a depth limit recurses as deep as the
        // input, and that is what is being observed, not a crash of this program.
        let text2 = text.clone();
        let answers = std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(move || {
                let show = |r: Result<Value, String>| match r {
                    Ok(v) => {
                        let s = v.to_string();
                        if s.len() > 40 {
                            "accepted".to_owned()
                        } else {
                            format!("`{s}`")
                        }
                    }
                    Err(e) => format!("refused: {}", e.lines().next().unwrap_or_default()),
                };
                let text = text2;
                [
                    show(serde_json::from_slice::<Value>(&text).map_err(|e| e.to_string())),
                    show(sonic_rs::from_slice::<Value>(&text).map_err(|e| e.to_string())),
                    show(SimdJson::new().value(&text)),
                ]
            })
            .expect("a thread")
            .join()
            .expect("no panic");
        let answers: Vec<String> = answers.iter().map(|a| a.replace('|', "\\|").chars().take(140).collect()).collect();
        println!("| {label} | {} |", answers.join(" | "));
    }
}

fn main() {
    let rounds = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(200);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../compare/payloads.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let payloads: Payloads<'_> = serde_json::from_str(&text).expect("JSON");
    let cases: Vec<(String, String, Vec<u8>)> =
        payloads.cases.iter().map(|c| (c.case.clone(), c.event.clone(), compact(c.payload.get()))).collect();
    println!(
        "simd-json's implementation at run time: {:?}; sonic-rs built for AVX2: {}\n",
        simd_json::Deserializer::algorithm(),
        cfg!(target_feature = "avx2")
    );
    if std::env::args().any(|a| a == "--semantics") {
        semantics();
    } else {
        timings(&cases, rounds);
    }
}
