//! JSONPath selectors (RFC 9535), the language transforms pick payload fields with.
//!
//! A transform declaration maps each event field to a JSONPath (`docs/platform.md` §3.2); [`JsonPath::parse`]
//! checks the selector once, at declaration time, and [`JsonPath::query`] evaluates it on every
//! payload.
//!
//! `serde_json_path` judges a selector's validity (its parser passes all 703 cases of the RFC 9535
//! compliance suite, `tests/jsonpath_cts.rs`, and its messages are precise), but this module
//! evaluates: `serde_json_path` exposes neither its syntax tree nor a way to bound an evaluation,
//! and compiles `match()`/`search()` patterns again at every node. Transforms come from
//! declarations that need not be trusted and run on every webhook body, so this type adds:
//!
//! - **Bounds checked before parsing.** The parser re-reads the inside of a filter once per
//!   enclosing filter, so its time doubles with every level of `[?...]` nesting (67 bytes nested
//!   16 deep take 130 ms, 1 KB nested 8 deep 45 ms), and it recurses once per bracket or
//!   parenthesis (about 940 nested parentheses overflow a 2 MiB stack in release, 230 in debug).
//!   Length, bracket nesting and filter nesting are therefore measured by a linear scan first
//!   ([`JsonPath::MAX_LENGTH`], [`JsonPath::MAX_NESTING`], [`JsonPath::MAX_FILTER_NESTING`]).
//! - **Bounded result sizes.** Every union (`[0,0]`) and every descendant segment after the first
//!   (`..`) multiplies the nodes a query can return, exponentially in the number of segments: a
//!   100-byte payload nested 100 deep and `$[0,0][0,0]...` would ask for 2^100 nodes.
//!   [`JsonPath::MAX_UNION_PRODUCT`] and [`JsonPath::MAX_DESCENDANT_SEGMENTS`] keep a query's
//!   result within a small multiple of the payload's size.
//! - **Patterns compiled once, within a size.** A `match()`/`search()` pattern must be a string
//!   literal (a pattern read from the payload could be anything); it is compiled when the
//!   selector is parsed, with the `regex` crate's size limit
//!   ([`JsonPath::MAX_PATTERN_SIZE`]), which bounds its compile time by construction
//!   (`\w{100}{100}` would take 60 to 100 ms), and matching is linear in the string.
//! - **A budget for every evaluation.** [`JsonPath::try_query`] counts its work (nodes selected
//!   and visited, filter tests, comparisons, bytes matched, inside nested queries and function
//!   arguments too) and stops with [`EvaluationError::BudgetExceeded`] beyond the budget it is
//!   given; [`JsonPath::budget_for`] a body of `n` bytes is
//!   [`JsonPath::EVALUATION_BUDGET_FLOOR`] + [`JsonPath::EVALUATION_BUDGET_PER_BYTE`] × `n`.
//! - **A fast path for plain paths.** `$`, `$.a.b`, `$['a']`, `$[0]`, `$[-1]` and their chains (the
//!   RFC's *singular queries*, which is what nearly every transform uses) are resolved with
//!   `Value::get` and indexing, a few times faster than the general engine.
//!
//! The bound on evaluation: a filter runs once per candidate node, and RFC 9535 §4 warns that a
//! filter querying the whole payload (`$.items[?count($..*) > 1]`) then costs the product of the
//! two sizes, or worse when nested (`$[?count($[?count($[*])>0])>0]`, n³). Such absolute queries
//! (`$` inside `[?...]`) are accepted but evaluated once per evaluation and remembered, since
//! their result does not depend on the node being tested. What remains is linear: a relative
//! query (`@...`) reads only below the node it starts from, at most one descendant segment is
//! allowed, and unions multiply by at most 16, so every accepted selector evaluates in
//! O(document × selector) work, and the budget caps that work whatever the selector: within
//! [`budget_for`](JsonPath::budget_for) the body's length, about half a second for 1 MiB in a
//! release build (`benches/README.md`), and a typed error beyond it, never a hang.
//!
//! ```
//! use loop_contracts::jsonpath::JsonPath;
//! use serde_json::json;
//!
//! let order = json!({
//!     "email": "jon@example.com",
//!     "line_items": [{"sku": "SKU-1"}, {"sku": "SKU-2"}],
//!     "note_attributes": [{"name": "brand_id", "value": "b-42"}],
//! });
//! let email: JsonPath = "$.email".parse()?;
//! assert_eq!(email.first(&order), Some(&json!("jon@example.com")));
//!
//! let brand = JsonPath::parse("$.note_attributes[?@.name == 'brand_id'].value")?;
//! assert_eq!(brand.query(&order), [&json!("b-42")]);
//! # Ok::<(), loop_contracts::jsonpath::JsonPathError>(())
//! ```

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::str::FromStr;

use serde_json::Value;

mod eval;
mod tree;

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

/// One segment of a singular query.
#[derive(Clone, Debug)]
enum Step {
    Name(Box<str>),
    /// An index within the RFC's exact-integer range; negative counts from the end.
    Index(i64),
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
    pub const MAX_LENGTH: usize = 1024;

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
    pub const MAX_NESTING: usize = 32;

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
    pub const MAX_FILTER_NESTING: usize = 3;

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
    pub const MAX_DESCENDANT_SEGMENTS: usize = 1;

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
    pub const MAX_UNION_PRODUCT: usize = 16;

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
    pub const MAX_PATTERN_SIZE: usize = 256 * 1024;

    /// The most memory, in bytes, the lazy DFA of one `match()`/`search()` pattern may cache
    /// (the `regex` crate's `dfa_size_limit`). Beyond it the crate clears its cache or falls
    /// back to a slower engine: matching stays linear in the string, with a larger constant.
    pub const MAX_PATTERN_CACHE: usize = 1024 * 1024;

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
        // included); `tests/jsonpath_cts.rs` checks that against the general parser on every valid
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

/// Why a selector was refused.
///
/// The messages name the rule that was broken and quote at most a few dozen characters of the
/// selector, so they can be returned to whoever declared it.
///
/// ```
/// use loop_contracts::jsonpath::{JsonPath, JsonPathError};
///
/// let err = JsonPath::parse("$.items[").unwrap_err();
/// assert!(matches!(err, JsonPathError::Syntax { .. }));
/// let err = JsonPath::parse(&"$.a".repeat(500)).unwrap_err();
/// assert_eq!(err, JsonPathError::TooLong { length: 1500, max: JsonPath::MAX_LENGTH });
/// assert_eq!(err.to_string(), "the JSONPath is 1500 bytes long; at most 1024 are allowed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonPathError {
    /// Longer than [`JsonPath::MAX_LENGTH`] bytes.
    #[error("the JSONPath is {length} bytes long; at most {max} are allowed")]
    TooLong {
        /// The selector's length in bytes.
        length: usize,
        /// [`JsonPath::MAX_LENGTH`].
        max: usize,
    },
    /// Brackets and parentheses nested deeper than [`JsonPath::MAX_NESTING`].
    #[error("the JSONPath nests brackets and parentheses {depth} deep; at most {max} levels are allowed")]
    TooDeep {
        /// The deepest nesting found.
        depth: usize,
        /// [`JsonPath::MAX_NESTING`].
        max: usize,
    },
    /// Filter selectors (`[?...]`) nested deeper than [`JsonPath::MAX_FILTER_NESTING`].
    #[error("the JSONPath nests filters (`[?...]`) {depth} deep; at most {max} levels are allowed")]
    FiltersTooDeep {
        /// The deepest filter nesting found.
        depth: usize,
        /// [`JsonPath::MAX_FILTER_NESTING`].
        max: usize,
    },
    /// Valid RFC 9535, but its evaluation cost would not be bounded: too many descendant segments
    /// or unions, or a `match()`/`search()` pattern that is not a literal or costs too much to
    /// compile.
    #[error("{message}")]
    TooCostly {
        /// What is refused and why.
        message: String,
    },
    /// Not a JSONPath query under RFC 9535.
    #[error("invalid JSONPath: {message}")]
    Syntax {
        /// What is wrong and where.
        message: String,
    },
}

/// Why a selector could not be evaluated on a document.
///
/// ```
/// use loop_contracts::jsonpath::{EvaluationError, JsonPath};
///
/// let err = EvaluationError::BudgetExceeded { budget: 1_000 };
/// assert_eq!(
///     err.to_string(),
///     "evaluating the JSONPath takes more than its budget of 1000 units of work"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluationError {
    /// The evaluation needed more than `budget` units of work
    /// ([`JsonPath::EVALUATION_BUDGET_PER_BYTE`]) and was stopped.
    #[error("evaluating the JSONPath takes more than its budget of {budget} units of work")]
    BudgetExceeded {
        /// The budget it was given.
        budget: u64,
    },
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

// ---------------------------------------------------------------------------------------------
// The bounds scan

/// What the linear pre-parse scan measures. It skips string literals, so brackets inside names
/// and patterns do not count.
#[derive(Debug)]
struct Shape {
    /// The deepest nesting of `[` and `(`.
    depth: usize,
    /// The deepest nesting of filter selectors.
    filters: usize,
    /// The number of `..` segments.
    descendants: usize,
    /// The product of the union sizes of all bracketed segments (saturating).
    union_product: usize,
    /// Byte ranges of the second argument of each `match()`/`search()` call.
    patterns: Vec<Range<usize>>,
    /// Where a string literal that the text ends inside of starts.
    unclosed_string: Option<usize>,
}

/// An open bracket or parenthesis during the scan.
struct Frame {
    bracket: bool,
    filter: bool,
    /// Selectors seen so far at this bracket's own level.
    selectors: usize,
    /// For the parenthesis of a `match(`/`search(` call: the argument index and where the
    /// current argument starts.
    pattern_call: Option<(usize, usize)>,
}

impl Shape {
    /// Measures `text`, refusing it if it breaks a bound that protects the parser.
    fn bounded(text: &str) -> Result<Shape, JsonPathError> {
        // The length comes first: everything after it is linear in the length.
        if text.len() > JsonPath::MAX_LENGTH {
            return Err(JsonPathError::TooLong { length: text.len(), max: JsonPath::MAX_LENGTH });
        }
        let shape = Shape::of(text);
        if shape.depth > JsonPath::MAX_NESTING {
            return Err(JsonPathError::TooDeep { depth: shape.depth, max: JsonPath::MAX_NESTING });
        }
        if shape.filters > JsonPath::MAX_FILTER_NESTING {
            return Err(JsonPathError::FiltersTooDeep { depth: shape.filters, max: JsonPath::MAX_FILTER_NESTING });
        }
        Ok(shape)
    }

    fn of(text: &str) -> Shape {
        let bytes = text.as_bytes();
        let mut shape = Shape {
            depth: 0,
            filters: 0,
            descendants: 0,
            union_product: 1,
            patterns: Vec::new(),
            unclosed_string: None,
        };
        let mut stack: Vec<Frame> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                quote @ (b'\'' | b'"') => {
                    match skip_string(bytes, i + 1, quote) {
                        Some(end) => i = end,
                        None => {
                            shape.unclosed_string = Some(i);
                            break;
                        }
                    }
                    continue;
                }
                open @ (b'[' | b'(') => {
                    let pattern_call = (open == b'(' && calls_pattern_function(bytes, i)).then_some((0, 0));
                    stack.push(Frame { bracket: open == b'[', filter: false, selectors: 1, pattern_call });
                    shape.depth = shape.depth.max(stack.len());
                }
                b']' | b')' => {
                    if let Some(frame) = stack.pop() {
                        if frame.bracket {
                            shape.union_product = shape.union_product.saturating_mul(frame.selectors);
                        }
                        if let Some((1, start)) = frame.pattern_call {
                            shape.patterns.push(start..i);
                        }
                    }
                }
                b',' => match stack.last_mut() {
                    Some(frame) if frame.bracket => frame.selectors += 1,
                    Some(Frame { pattern_call: Some((arg, start)), .. }) => {
                        *arg += 1;
                        if *arg == 1 {
                            *start = i + 1;
                        } else if *arg == 2 {
                            // A third argument makes the call invalid; record the second anyway.
                            shape.patterns.push(*start..i);
                        }
                    }
                    _ => {}
                },
                b'?' => {
                    if let Some(frame) = stack.last_mut()
                        && frame.bracket
                        && !frame.filter
                    {
                        frame.filter = true;
                        let filters = stack.iter().filter(|f| f.filter).count();
                        shape.filters = shape.filters.max(filters);
                    }
                }
                b'.' if bytes.get(i + 1) == Some(&b'.') => {
                    shape.descendants += 1;
                    i += 2;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        shape
    }

    /// The checks that need a valid selector to be meaningful.
    fn check_costs(&self, text: &str) -> Result<(), JsonPathError> {
        if self.descendants > JsonPath::MAX_DESCENDANT_SEGMENTS {
            return Err(JsonPathError::TooCostly {
                message: format!(
                    "the JSONPath has {} descendant segments (`..`); at most {} is allowed, because each \
                     further one multiplies the result by the payload's depth",
                    self.descendants,
                    JsonPath::MAX_DESCENDANT_SEGMENTS
                ),
            });
        }
        if self.union_product > JsonPath::MAX_UNION_PRODUCT {
            return Err(JsonPathError::TooCostly {
                message: format!(
                    "the JSONPath's unions (`[a,b]`) multiply to {} selectors; at most {} are allowed, \
                     because a union may select the same node more than once",
                    self.union_product,
                    JsonPath::MAX_UNION_PRODUCT
                ),
            });
        }
        for range in &self.patterns {
            check_pattern_argument(text[range.clone()].trim_matches(is_blank))?;
        }
        Ok(())
    }
}

/// The index just past the string literal whose body starts at `i`; `None` when the input ends
/// inside it.
fn skip_string(bytes: &[u8], mut i: usize, quote: u8) -> Option<usize> {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Whether the parenthesis at `open` follows the name `match` or `search`.
fn calls_pattern_function(bytes: &[u8], open: usize) -> bool {
    let is_name_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let start = bytes[..open].iter().rposition(|&b| !is_name_byte(b)).map_or(0, |p| p + 1);
    matches!(&bytes[start..open], b"match" | b"search")
}

/// RFC 9535 blank space (`B`).
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Accepts the pattern argument of a `match()`/`search()` call if it is a literal. The selector has parsed, so the argument is a valid literal, query or function
/// call.
fn check_pattern_argument(argument: &str) -> Result<(), JsonPathError> {
    if argument.starts_with(['\'', '"']) {
        let Some((_, end)) = string_literal(argument, 0) else {
            return Err(JsonPathError::Syntax { message: "unreadable match()/search() pattern".into() });
        };
        if end == argument.len() {
            // Compiled within `MAX_PATTERN_SIZE` when the tree is built, once per selector.
            return Ok(());
        }
    }
    // Numbers, `true`, `false` and `null` are never compiled (the function is false for them).
    let literal =
        matches!(argument, "true" | "false" | "null") || argument.starts_with(|c: char| c == '-' || c.is_ascii_digit());
    if literal {
        return Ok(());
    }
    Err(JsonPathError::TooCostly {
        message: "the pattern of match()/search() must be a string literal: a pattern read from the \
                  payload would be compiled at every node tested, at a cost the payload chooses"
            .into(),
    })
}

// ---------------------------------------------------------------------------------------------
// Singular queries

/// Parses `text` if it is an RFC 9535 singular query (`$` then `.name`, `['name']`, `["name"]`
/// or `[index]` segments, with the RFC's blank space between segments and inside brackets).
/// `None` means "not one", valid or not.
fn parse_simple(text: &str) -> Option<Vec<Step>> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'$') {
        return None;
    }
    let mut steps = Vec::new();
    let mut i = 1;
    while i < bytes.len() {
        i = skip_blanks(bytes, i);
        match *bytes.get(i)? {
            b'.' => {
                // Member-name shorthand: no blank after the dot; `..` is a descendant segment.
                let start = i + 1;
                let first = *bytes.get(start)?;
                if !(first.is_ascii_alphabetic() || first == b'_' || first >= 0x80) {
                    return None;
                }
                let len = bytes[start..]
                    .iter()
                    .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80))
                    .unwrap_or(bytes.len() - start);
                // Bytes >= 0x80 are whole UTF-8 sequences, so the slice ends on a char boundary.
                steps.push(Step::Name(text[start..start + len].into()));
                i = start + len;
            }
            b'[' => {
                i = skip_blanks(bytes, i + 1);
                let (step, end) = match *bytes.get(i)? {
                    b'\'' | b'"' => {
                        let (name, end) = string_literal(text, i)?;
                        (Step::Name(name.into()), end)
                    }
                    _ => {
                        let (index, end) = index(bytes, i)?;
                        (Step::Index(index), end)
                    }
                };
                i = skip_blanks(bytes, end);
                if bytes.get(i) != Some(&b']') {
                    return None;
                }
                steps.push(step);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(steps)
}

fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// An RFC 9535 `int` (`0`, or an optional `-` and digits without a leading zero) within the
/// I-JSON exact range ±(2^53 - 1), and the index after it.
fn index(bytes: &[u8], start: usize) -> Option<(i64, usize)> {
    const MAX: i64 = (1 << 53) - 1;
    let negative = bytes.get(start) == Some(&b'-');
    let digits_start = start + usize::from(negative);
    let len = bytes[digits_start..].iter().position(|b| !b.is_ascii_digit()).unwrap_or(bytes.len() - digits_start);
    let digits = &bytes[digits_start..digits_start + len];
    // `-0` and leading zeros are not `int`s; more than 16 digits is out of range anyway.
    if digits.is_empty() || (digits[0] == b'0' && (len > 1 || negative)) || len > 16 {
        return None;
    }
    let magnitude = digits.iter().fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
    if magnitude > MAX {
        return None;
    }
    Some((if negative { -magnitude } else { magnitude }, digits_start + len))
}

/// Reads the RFC 9535 string literal whose opening quote is at `start`; returns its value and the
/// index after the closing quote, or `None` if it is not a valid literal.
fn string_literal(text: &str, start: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(start)?;
    let mut value = String::new();
    let mut i = start + 1;
    loop {
        match *bytes.get(i)? {
            b if b == quote => return Some((value, i + 1)),
            b'\\' => {
                let escaped = match *bytes.get(i + 1)? {
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'/' => '/',
                    b'\\' => '\\',
                    // Only the literal's own quote may be escaped: `\'` is invalid in "...".
                    b if b == quote => char::from(b),
                    b'u' => {
                        let (c, end) = unicode_escape(bytes, i + 2)?;
                        value.push(c);
                        i = end;
                        continue;
                    }
                    _ => return None,
                };
                value.push(escaped);
                i += 2;
            }
            0x00..=0x1f => return None,
            _ => {
                let c = text[i..].chars().next()?;
                value.push(c);
                i += c.len_utf8();
            }
        }
    }
}

/// The character of a `\uXXXX` escape (a surrogate pair takes two), hex digits in either case;
/// `start` is just after the `u`.
fn unicode_escape(bytes: &[u8], start: usize) -> Option<(char, usize)> {
    let hex4 = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 4)?;
        digits.iter().try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
    };
    let high = hex4(start)?;
    match high {
        0xD800..=0xDBFF => {
            if bytes.get(start + 4..start + 6)? != b"\\u" {
                return None;
            }
            let low = hex4(start + 6)?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return None;
            }
            let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            Some((char::from_u32(c)?, start + 10))
        }
        0xDC00..=0xDFFF => None,
        _ => Some((char::from_u32(high)?, start + 4)),
    }
}

/// The node a singular query selects, if any.
fn lookup<'a>(steps: &[Step], mut value: &'a Value) -> Option<&'a Value> {
    for step in steps {
        value = match (step, value) {
            (Step::Name(name), Value::Object(map)) => map.get(&**name)?,
            (Step::Index(index), Value::Array(items)) => {
                let at = if *index >= 0 {
                    usize::try_from(*index).ok()?
                } else {
                    items.len().checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
                };
                items.get(at)?
            }
            _ => return None,
        };
    }
    Some(value)
}

// ---------------------------------------------------------------------------------------------
// Error messages

/// A syntax error in words, quoting a bounded excerpt of the selector.
fn syntax_error(text: &str, error: &serde_json_path::ParseError) -> JsonPathError {
    let message = if !text.starts_with('$') {
        let hint =
            if text.trim_start_matches(is_blank).starts_with('$') { " (without blank space before it)" } else { "" };
        format!("a JSONPath starts with `$`, the payload's root{hint}, as in `$.customer.email`")
    } else if text.ends_with(is_blank) {
        "a JSONPath may not end with blank space".to_owned()
    } else {
        let position = error.position().min(text.len());
        let found = if position >= text.len() {
            "at the end".to_owned()
        } else {
            format!("at byte {position}, `{}`", excerpt(text, position, 24))
        };
        format!("{} {found}", reword(error.message()))
    };
    JsonPathError::Syntax { message }
}

/// The parser's message in the terms of this crate's documentation.
fn reword(message: &str) -> String {
    let message = message.replace("in long-hand segment, ", "in a bracketed segment, ");
    if message.ends_with("parser error") {
        // nom's catch-all: the position and the excerpt say more than the words.
        return message.replace("parser error", "unexpected text");
    }
    if message.ends_with("must start with lowercase alpha or '_'") {
        // The rule is wider than the message (any letter, `_` or non-ASCII character).
        return "a member name after `.` must start with a letter or `_` (write other names as `['name']`)".into();
    }
    if message.contains(" args, but received ") {
        // serde_json_path swaps the two counts.
        return "a function is called with the wrong number of arguments".into();
    }
    // The remaining messages are short, but may repeat an unknown function's name.
    excerpt(&message, 0, 80)
}

/// At most `max` characters of `text` from byte `start` (moved back to a character boundary),
/// with `…` when cut.
fn excerpt(text: &str, start: usize, max: usize) -> String {
    let mut start = start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let rest = &text[start..];
    match rest.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &rest[..cut]),
        None => rest.to_owned(),
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
    fn simple_parser_refuses_what_the_rfc_refuses() {
        for text in [
            "$.",
            "$. a",
            "$.1a",
            "$[01]",
            "$[-0]",
            "$['a'",
            "$[\"\\'\"]",
            "$['\\\"']",
            "$['\\ud800']",
            "$ ",
            "$[9007199254740992]",
            "$['\u{1}']",
        ] {
            assert!(parse_simple(text).is_none(), "{text:?}");
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

    #[test]
    fn shape_skips_strings_and_counts_filters() {
        let shape = Shape::of("$[?@['((([[[']&&@[?@.a]][0,1,2]");
        assert_eq!((shape.depth, shape.filters, shape.union_product), (2, 2, 3));
        let shape = Shape::of("$[?match(@.a, 'x,y') && search(@.b, $.c)]");
        let patterns: Vec<_> =
            shape.patterns.iter().map(|r| &"$[?match(@.a, 'x,y') && search(@.b, $.c)]"[r.clone()]).collect();
        assert_eq!(patterns, [" 'x,y'", " $.c"]);
    }

    #[test]
    fn excerpts_are_bounded_and_cut_on_characters() {
        assert_eq!(excerpt("ééé", 1, 2), "éé…");
        assert_eq!(excerpt("abc", 1, 5), "bc");
    }
}
