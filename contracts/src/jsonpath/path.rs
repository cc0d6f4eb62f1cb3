//! [`JsonPath`]: a checked selector, its limits and its public API.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde_json::Value;

use super::bounds::Shape;
use super::error::{excerpt, syntax_error, EvaluationError, JsonPathError};
use super::singular::{lookup, parse_simple, Step};
use super::{eval, limits, tree};

/// A checked JSONPath selector (RFC 9535), ready to evaluate.
///
/// Parsing checks the bounds listed on the constants below before the selector reaches a parser,
/// so a selector from an untrusted declaration costs at most a few milliseconds to compile.
/// Equality, hashing, [`Display`](fmt::Display) and serde all use the selector's text as written.
///
/// ```
/// use loop_contracts::jsonpath::JsonPath;
/// use serde_json::json;
///
/// let path = JsonPath::parse("$.customer.email")?;
/// let payload = json!({"customer": {"email": "jon@example.com"}});
/// assert_eq!(path.first(&payload), Some(&json!("jon@example.com")));
/// assert_eq!(path.to_string(), "$.customer.email");
/// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
/// ```
#[derive(Clone)]
pub struct JsonPath {
    text: Box<str>,
    form: Form,
    /// Whether the text is an RFC 9535 singular query, whichever form evaluates it.
    singular: bool,
}

/// How a selector is evaluated.
#[derive(Clone)]
enum Form {
    /// A singular query: a chain of names and indices, looked up directly.
    Simple(Box<[Step]>),
    /// Anything else, through the budgeted evaluator.
    Compiled(Box<Compiled>),
}

/// A parsed selector for the budgeted evaluator.
#[derive(Clone, Debug)]
struct Compiled {
    query: tree::Query,
    /// How many absolute queries inside filters the evaluation remembers.
    memo_slots: usize,
}

impl JsonPath {
    /// The longest selector accepted, in bytes.
    ///
    /// Parse time grows with length times 2^(filter nesting) (see
    /// [`MAX_FILTER_NESTING`](Self::MAX_FILTER_NESTING)); 1,024 bytes is several times the longest
    /// selector a transform plausibly needs.
    ///
    /// ```
    /// use loop_contracts::jsonpath::{JsonPath, JsonPathError};
    ///
    /// let long = format!("$.{}", "a".repeat(JsonPath::MAX_LENGTH));
    /// assert!(matches!(JsonPath::parse(&long), Err(JsonPathError::TooLong { .. })));
    /// ```
    pub const MAX_LENGTH: usize = limits::MAX_LENGTH;

    /// The deepest nesting of brackets and parentheses accepted (outside string literals).
    ///
    /// The parser recurses once per level: in a debug build 160 to 230 levels fill a 2 MiB thread
    /// stack (680 to 940 in release), so 32 leaves a wide margin while no real selector comes
    /// close (the compliance suite nests at most 4).
    ///
    /// ```
    /// use loop_contracts::jsonpath::{JsonPath, JsonPathError};
    ///
    /// let deep = format!("$[?{}@.a{}]", "(".repeat(40), ")".repeat(40));
    /// assert!(matches!(JsonPath::parse(&deep), Err(JsonPathError::TooDeep { depth: 41, max: 32 })));
    /// ```
    pub const MAX_NESTING: usize = limits::MAX_NESTING;

    /// The deepest nesting of filter selectors (`[?...]`) accepted.
    ///
    /// Each level doubles the parse time of what it contains: a 1,024-byte selector compiles in
    /// about 0.4 ms with one filter level, 1.4 ms with three and 45 ms with eight (release build,
    /// 2-core server; `benches/README.md`). Three keeps the worst case well under 10 ms; the compliance
    /// suite nests at most two.
    ///
    /// ```
    /// use loop_contracts::jsonpath::{JsonPath, JsonPathError};
    ///
    /// assert!(JsonPath::parse("$[?@[?@[?@.a]]]").is_ok());
    /// assert!(matches!(
    ///     JsonPath::parse("$[?@[?@[?@[?@.a]]]]"),
    ///     Err(JsonPathError::FiltersTooDeep { depth: 4, max: 3 })
    /// ));
    /// ```
    pub const MAX_FILTER_NESTING: usize = limits::MAX_FILTER_NESTING;

    /// The most descendant segments (`..`) accepted in one selector, filters included.
    ///
    /// One descendant segment visits each node of the payload once; every further one multiplies
    /// that by the payload's depth (`$..*..*..*` on a payload 100 levels deep returns about
    /// 100^2 nodes per node).
    ///
    /// ```
    /// use loop_contracts::jsonpath::{JsonPath, JsonPathError};
    ///
    /// assert!(JsonPath::parse("$..sku").is_ok());
    /// assert!(matches!(JsonPath::parse("$..items..sku"), Err(JsonPathError::TooCostly { .. })));
    /// ```
    pub const MAX_DESCENDANT_SEGMENTS: usize = limits::MAX_DESCENDANT_SEGMENTS;

    /// The largest product of union sizes accepted (`[a,b,c]` has size 3), over all segments.
    ///
    /// A union can select the same node more than once, so each one multiplies the result: 100
    /// segments `[0,0]` would return 2^100 nodes from a 200-byte payload.
    ///
    /// ```
    /// use loop_contracts::jsonpath::{JsonPath, JsonPathError};
    ///
    /// assert!(JsonPath::parse("$['email','phone']").is_ok());
    /// let doubling = format!("${}", "[0,0]".repeat(5));
    /// assert!(matches!(JsonPath::parse(&doubling), Err(JsonPathError::TooCostly { .. })));
    /// ```
    pub const MAX_UNION_PRODUCT: usize = limits::MAX_UNION_PRODUCT;

    /// The largest compiled size of a `match()` or `search()` pattern, in bytes (the `regex`
    /// crate's `size_limit`).
    ///
    /// A pattern is compiled once, when the selector is parsed, and compile time grows with the
    /// compiled size, so this limit bounds it by construction: about 1 ms in a release build
    /// (`benches/README.md`). It admits `\w+@\w+\.\w+` and refuses `\w{100}` and
    /// `(?i)[\x{100}-\x{10FFFF}]{90}`; ASCII classes such as `[A-Za-z0-9_]` are small.
    ///
    /// ```
    /// use loop_contracts::jsonpath::{JsonPath, JsonPathError};
    ///
    /// assert!(JsonPath::parse(r"$[?match(@.sku, '[A-Z]{3}-[0-9]{1,8}')]").is_ok());
    /// assert!(matches!(
    ///     JsonPath::parse(r"$[?match(@.sku, '\\w{100}')]"),
    ///     Err(JsonPathError::TooCostly { .. })
    /// ));
    /// ```
    pub const MAX_PATTERN_SIZE: usize = limits::MAX_PATTERN_SIZE;

    /// The most memory, in bytes, the lazy DFA of one `match()`/`search()` pattern may cache
    /// (the `regex` crate's `dfa_size_limit`). Beyond it the crate clears its cache or falls
    /// back to a slower engine: matching stays linear in the string, with a larger constant.
    pub const MAX_PATTERN_CACHE: usize = limits::MAX_PATTERN_CACHE;

    /// Units of evaluation work allowed per byte of the document, on top of
    /// [`EVALUATION_BUDGET_FLOOR`](Self::EVALUATION_BUDGET_FLOOR).
    ///
    /// A unit is one node a selector is applied to or selects, one node a descendant segment
    /// visits or a filter tests, one pair of nodes a deep `==` reads, one read of an absolute
    /// query's remembered nodes, or 64 bytes of a string that `match()`, `search()` or
    /// `length()` reads; queries inside filters and function arguments count too. An ordinary
    /// selector spends a few units per node it touches (`$..*` about 3, a filter such as
    /// `[?@.price > 10]` about 5 per element), and a node takes at least 2 bytes of JSON, so 16
    /// per byte leaves room for every accepted selector that is linear in the document, while a
    /// unit costs 5 to 30 ns: a 1 MiB body's budget is spent within about half a second
    /// (`benches/README.md`).
    pub const EVALUATION_BUDGET_PER_BYTE: u64 = 16;

    /// Units of evaluation work always allowed, whatever the document's size: small documents
    /// with a selector that touches a node several times stay far from the budget.
    pub const EVALUATION_BUDGET_FLOOR: u64 = 100_000;

    /// Checks and compiles a selector.
    ///
    /// The bounds come first ([`JsonPathError::TooLong`], [`JsonPathError::TooDeep`],
    /// [`JsonPathError::FiltersTooDeep`]), then the RFC 9535 grammar
    /// ([`JsonPathError::Syntax`]), then the cost checks on unions, descendant segments and
    /// patterns ([`JsonPathError::TooCostly`]). Error messages quote at most a few dozen characters
    /// of the selector.
    ///
    /// ```
    /// use loop_contracts::jsonpath::{JsonPath, JsonPathError};
    ///
    /// assert!(JsonPath::parse("$.line_items[0].sku")?.is_simple());
    /// assert!(!JsonPath::parse("$.line_items[*].sku")?.is_simple());
    /// let err = JsonPath::parse("line_items[0]").unwrap_err();
    /// assert!(matches!(err, JsonPathError::Syntax { .. }));
    /// assert!(err.to_string().contains("starts with `$`"));
    /// # Ok::<(), JsonPathError>(())
    /// ```
    pub fn parse(text: &str) -> Result<JsonPath, JsonPathError> {
        let shape = Shape::bounded(text)?;
        // A singular query is exactly what the direct lookup can evaluate; the grammar below is the
        // RFC's, so anything it does not accept is left for the general parser to accept or refuse.
        if let Some(steps) = parse_simple(text) {
            return Ok(JsonPath { text: text.into(), form: Form::Simple(steps.into()), singular: true });
        }
        Self::compile(text, shape, false)
    }

    /// Like [`parse`](Self::parse), but always evaluates through the general engine, even where
    /// the fast path applies. It exists so that tests and benchmarks can compare the two forms;
    /// [`parse`](Self::parse) is always at least as fast.
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    /// use serde_json::json;
    ///
    /// let fast = JsonPath::parse("$.line_items[0].sku")?;
    /// let general = JsonPath::parse_compiled("$.line_items[0].sku")?;
    /// assert!(fast.is_simple() && !general.is_simple());
    /// assert!(general.is_singular());
    /// let order = json!({"line_items": [{"sku": "A"}]});
    /// assert_eq!(fast.query(&order), general.query(&order));
    /// assert_eq!(fast, general); // equality is by text
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    pub fn parse_compiled(text: &str) -> Result<JsonPath, JsonPathError> {
        let shape = Shape::bounded(text)?;
        Self::compile(text, shape, parse_simple(text).is_some())
    }

    /// The general engine's half of parsing, once the bounds have been checked.
    fn compile(text: &str, shape: Shape, singular: bool) -> Result<JsonPath, JsonPathError> {
        // `serde_json_path` panics on a selector that ends inside a `\u` escape (its parser reads
        // one character there with a streaming combinator, whose "need more input" it treats as
        // unreachable). A selector that ends inside any string literal is invalid, so it is refused
        // here, before it reaches that parser.
        if let Some(start) = shape.unclosed_string {
            let message = format!("unclosed string literal at byte {start}, `{}`", excerpt(text, start, 24));
            return Err(JsonPathError::Syntax { message });
        }
        // serde_json_path stays the judge of validity, for its precise error messages; the tree
        // this crate evaluates is read only from text it has accepted.
        serde_json_path::JsonPath::parse(text).map_err(|e| syntax_error(text, &e))?;
        shape.check_costs(text)?;
        let (query, memo_slots) = tree::parse(text)?;
        let compiled = Box::new(Compiled { query, memo_slots });
        Ok(JsonPath { text: text.into(), form: Form::Compiled(compiled), singular })
    }

    /// The selector as written.
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    ///
    /// assert_eq!(JsonPath::parse("$['email']")?.as_str(), "$['email']");
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The nodes the selector selects in `value`, in the order RFC 9535 gives them (the same node
    /// may appear more than once through a union), within the budget of
    /// [`budget_for`](Self::budget_for) the value's size.
    ///
    /// A query that needs more than that budget selects nothing here: nearly every caller treats
    /// "no node" as "no value" already, and this keeps the method infallible. Use
    /// [`try_query`](Self::try_query) to tell the two apart and to set the budget yourself (a
    /// host knows the size of the body it parsed, which is what the budget is meant to follow).
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    /// use serde_json::json;
    ///
    /// let items = json!({"line_items": [{"sku": "A"}, {"sku": "B"}, {"title": "no sku"}]});
    /// let skus = JsonPath::parse("$.line_items[*].sku")?;
    /// assert_eq!(skus.query(&items), [&json!("A"), &json!("B")]);
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    pub fn query<'a>(&self, value: &'a Value) -> Vec<&'a Value> {
        match &self.form {
            Form::Simple(steps) => lookup(steps, value).into_iter().collect(),
            Form::Compiled(compiled) => compiled.within_size_budget(value).unwrap_or_default(),
        }
    }

    /// The first node the selector selects in `value`, if any, within the budget of
    /// [`budget_for`](Self::budget_for) the value's size (`None` beyond it; see
    /// [`query`](Self::query) and [`try_first`](Self::try_first)).
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    /// use serde_json::json;
    ///
    /// let order = json!({"line_items": [{"sku": "A"}, {"sku": "B"}]});
    /// assert_eq!(JsonPath::parse("$.line_items[-1].sku")?.first(&order), Some(&json!("B")));
    /// assert_eq!(JsonPath::parse("$.line_items[5].sku")?.first(&order), None);
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    pub fn first<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        match &self.form {
            Form::Simple(steps) => lookup(steps, value),
            Form::Compiled(compiled) => compiled.within_size_budget(value)?.first().copied(),
        }
    }

    /// The nodes the selector selects in `value`, or [`EvaluationError::BudgetExceeded`] as
    /// soon as evaluating it takes more than `budget` units of work (see
    /// [`EVALUATION_BUDGET_PER_BYTE`](Self::EVALUATION_BUDGET_PER_BYTE) for what a unit is).
    ///
    /// A singular query (`$.a.b[0]`) costs one unit per segment and never fails.
    ///
    /// ```
    /// use loop_contracts::jsonpath::{EvaluationError, JsonPath};
    /// use serde_json::json;
    ///
    /// let body = br#"{"items": [{"sku": "A"}, {"sku": "B"}]}"#;
    /// let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    /// let skus = JsonPath::parse("$.items[*].sku")?;
    /// let budget = JsonPath::budget_for(body.len());
    /// assert_eq!(skus.try_query(&value, budget), Ok(vec![&json!("A"), &json!("B")]));
    /// assert_eq!(skus.try_query(&value, 3), Err(EvaluationError::BudgetExceeded { budget: 3 }));
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    pub fn try_query<'a>(&self, value: &'a Value, budget: u64) -> Result<Vec<&'a Value>, EvaluationError> {
        match &self.form {
            Form::Simple(steps) => Ok(lookup(steps, value).into_iter().collect()),
            Form::Compiled(compiled) => compiled.evaluate(value, budget).map(|(nodes, _)| nodes),
        }
    }

    /// The first node of [`try_query`](Self::try_query).
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    /// use serde_json::json;
    ///
    /// let value = json!([{"n": 1}, {"n": 2}]);
    /// let path = JsonPath::parse("$[?@.n > 1]")?;
    /// assert_eq!(path.try_first(&value, 100), Ok(Some(&json!({"n": 2}))));
    /// assert!(path.try_first(&value, 2).is_err());
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    pub fn try_first<'a>(&self, value: &'a Value, budget: u64) -> Result<Option<&'a Value>, EvaluationError> {
        Ok(self.try_query(value, budget)?.first().copied())
    }

    /// The units of work [`try_query`](Self::try_query) would spend on `value`, or `None` if
    /// that is more than `budget`. For tests and measurements: it shows how far a query is from
    /// its budget.
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    /// use serde_json::json;
    ///
    /// let value = json!([1, 2, 3]);
    /// let work = JsonPath::parse("$[*]")?.work(&value, u64::MAX).unwrap();
    /// assert!(work >= 3 && work < 10);
    /// assert_eq!(JsonPath::parse("$[0]")?.work(&value, u64::MAX), Some(0), "direct lookup");
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    pub fn work(&self, value: &Value, budget: u64) -> Option<u64> {
        match &self.form {
            Form::Simple(_) => Some(0),
            Form::Compiled(compiled) => compiled.evaluate(value, budget).ok().map(|(_, work)| work),
        }
    }

    /// The evaluation budget for a document of `bytes` bytes of JSON:
    /// [`EVALUATION_BUDGET_FLOOR`](Self::EVALUATION_BUDGET_FLOOR) plus
    /// [`EVALUATION_BUDGET_PER_BYTE`](Self::EVALUATION_BUDGET_PER_BYTE) per byte.
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    ///
    /// assert_eq!(JsonPath::budget_for(0), JsonPath::EVALUATION_BUDGET_FLOOR);
    /// assert_eq!(
    ///     JsonPath::budget_for(1 << 20),
    ///     JsonPath::EVALUATION_BUDGET_FLOOR + JsonPath::EVALUATION_BUDGET_PER_BYTE * (1 << 20)
    /// );
    /// ```
    pub fn budget_for(bytes: usize) -> u64 {
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        Self::EVALUATION_BUDGET_PER_BYTE.saturating_mul(bytes).saturating_add(Self::EVALUATION_BUDGET_FLOOR)
    }

    /// Whether the selector is an RFC 9535 *singular query*: names and indices only, one per
    /// segment, no descendant segment. A singular query selects at most one node.
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    ///
    /// assert!(JsonPath::parse("$.customer['email']")?.is_singular());
    /// assert!(JsonPath::parse("$ .line_items[ 0 ]")?.is_singular());
    /// assert!(!JsonPath::parse("$.line_items[0,1]")?.is_singular());
    /// assert!(!JsonPath::parse("$..email")?.is_singular());
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    pub fn is_singular(&self) -> bool {
        // The fast path's grammar is exactly the RFC's singular-query grammar (blank space
        // included); `tests/webhooks/jsonpath_cts.rs` checks that against the general parser on every valid
        // selector of the compliance suite.
        self.singular
    }

    /// Whether the selector is evaluated by direct lookup rather than the general engine.
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    ///
    /// assert!(JsonPath::parse("$.line_items[0].sku")?.is_simple());
    /// assert!(!JsonPath::parse("$.line_items[?@.sku].sku")?.is_simple());
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    pub fn is_simple(&self) -> bool {
        matches!(self.form, Form::Simple(_))
    }
}

impl FromStr for JsonPath {
    type Err = JsonPathError;

    /// Same as [`JsonPath::parse`].
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    ///
    /// let path: JsonPath = "$.email".parse()?;
    /// assert!(path.is_simple());
    /// # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        JsonPath::parse(text)
    }
}

impl AsRef<str> for JsonPath {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The compiled syntax tree would bury the selector in noise; the text says everything.
        f.debug_tuple("JsonPath").field(&&*self.text).finish()
    }
}

impl PartialEq for JsonPath {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for JsonPath {}

impl Hash for JsonPath {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl serde::Serialize for JsonPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for JsonPath {
    /// Reads the selector's text and checks it as [`JsonPath::parse`] does.
    ///
    /// ```
    /// use loop_contracts::jsonpath::JsonPath;
    ///
    /// let path: JsonPath = serde_json::from_str(r#""$.customer.email""#).unwrap();
    /// assert_eq!(serde_json::to_string(&path).unwrap(), r#""$.customer.email""#);
    /// assert!(serde_json::from_str::<JsonPath>(r#""customer.email""#).is_err());
    /// ```
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = JsonPath;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSONPath selector (RFC 9535) such as \"$.customer.email\"")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<JsonPath, E> {
                JsonPath::parse(text).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

impl Compiled {
    /// The nodes and the work spent, or the budget error.
    fn evaluate<'a>(&self, value: &'a Value, budget: u64) -> Result<(Vec<&'a Value>, u64), EvaluationError> {
        let mut evaluation = eval::Eval::new(value, budget, self.memo_slots);
        match evaluation.query(&self.query, value) {
            Ok(nodes) => Ok((nodes, evaluation.work)),
            Err(eval::Exceeded) => Err(EvaluationError::BudgetExceeded { budget }),
        }
    }

    /// Evaluates within the budget of the value's size, `None` beyond it. The size is measured
    /// only if the floor does not suffice, so that ordinary selectors on ordinary documents never
    /// pay for the measurement.
    fn within_size_budget<'a>(&self, value: &'a Value) -> Option<Vec<&'a Value>> {
        match self.evaluate(value, JsonPath::EVALUATION_BUDGET_FLOOR) {
            Ok((nodes, _)) => Some(nodes),
            Err(_) => {
                let size = usize::try_from(eval::size(value)).unwrap_or(usize::MAX);
                self.evaluate(value, JsonPath::budget_for(size)).ok().map(|(nodes, _)| nodes)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compiled_selectors_can_be_shared_across_threads() {
        // A declaration compiles once and serves every webhook, on whatever thread.
        fn assert_shareable<T: Send + Sync + 'static>() {}
        assert_shareable::<JsonPath>();
        assert_shareable::<JsonPathError>();
    }

    #[test]
    fn simple_paths_take_the_fast_path() {
        for text in ["$", "$.a", "$.a.b[0].c", "$['a']", "$[\"a\"]", "$[-1]", "$ .a", "$[ 0 ]", "$.ü_1", "$['\\u00fc']"]
        {
            assert!(JsonPath::parse(text).unwrap().is_simple(), "{text}");
        }
        for text in ["$..a", "$.a[*]", "$[0,1]", "$[0:1]", "$[?@.a]", "$.a[?@]"] {
            assert!(!JsonPath::parse(text).unwrap().is_simple(), "{text}");
        }
    }

    #[test]
    fn lookup_resolves_names_and_indices() {
        let value = json!({"a": [{"b": 1}, {"b": 2}], "": 3});
        let first = |text: &str| JsonPath::parse(text).unwrap().first(&value).cloned();
        assert_eq!(first("$.a[-1].b"), Some(json!(2)));
        assert_eq!(first("$.a[-3]"), None);
        assert_eq!(first("$['']"), Some(json!(3)));
        assert_eq!(first("$.a.b"), None);
        assert_eq!(first("$"), Some(value.clone()));
    }
}
