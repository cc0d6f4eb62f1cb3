//! JSONPath selectors (RFC 9535), the language transforms pick payload fields with.
//!
//! A transform declaration maps each event field to a JSONPath (`docs/platform.md` §3.2); [`JsonPath::parse`]
//! checks the selector once, at declaration time, and [`JsonPath::query`] evaluates it on every
//! payload.
//!
//! Evaluation of anything beyond a plain path is `serde_json_path`'s, which passes all 703 cases of
//! the RFC 9535 compliance suite (`tests/jsonpath_cts.rs`). This type adds what that crate leaves to
//! its caller, because transforms come from declarations that need not be trusted:
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
//! - **Bounded `match()` and `search()`.** `serde_json_path` compiles their pattern again at every
//!   node it tests, and a 12-byte pattern (`\w{100}{100}`) takes 60 to 100 ms to compile, so one
//!   payload with a thousand strings would cost a minute or more. Patterns must be string
//!   literals (a pattern read from the payload could be anything) whose estimated compile cost is
//!   within [`JsonPath::MAX_PATTERN_COST`].
//! - **A fast path for plain paths.** `$`, `$.a.b`, `$['a']`, `$[0]`, `$[-1]` and their chains (the
//!   RFC's *singular queries*, which is what nearly every transform uses) are resolved with
//!   `Value::get` and indexing, a few times faster than the general engine.
//!
//! What no static bound removes: a filter runs once per candidate node, so a filter that itself
//! queries the whole payload (`$.items[?count($..*) > 1]`) costs the product of the two sizes, as
//! RFC 9535 §4 warns. The payload's size is the host's to bound.
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
    /// Anything else, through the general engine.
    Compiled(serde_json_path::JsonPath),
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

    /// The largest estimated compile cost of a `match()` or `search()` pattern, in microseconds.
    ///
    /// The pattern is compiled again at every string node tested (a property of `serde_json_path`),
    /// so its compile time is paid per node. The estimate is an upper bound calibrated against the
    /// `regex` crate (`benches/jsonpath-compare`): a literal character costs about 1, `.` 8, `\d`
    /// 40, and a Unicode class such as `\w` or `\p{L}` 600, times any repetition count. The bound
    /// admits `\w+@\w+\.\w+` and refuses `\w{100}`; ASCII classes such as `[A-Za-z0-9_]` are almost
    /// free.
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
    pub const MAX_PATTERN_COST: u64 = 2_000;

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
        let compiled = serde_json_path::JsonPath::parse(text).map_err(|e| syntax_error(text, &e))?;
        shape.check_costs(text)?;
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
    /// may appear more than once through a union).
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
            Form::Compiled(path) => path.query(value).all(),
        }
    }

    /// The first node the selector selects in `value`, if any.
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
            Form::Compiled(path) => path.query(value).first(),
        }
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

/// Accepts the pattern argument of a `match()`/`search()` call if it is a literal of bounded
/// compile cost. The selector has parsed, so the argument is a valid literal, query or function
/// call.
fn check_pattern_argument(argument: &str) -> Result<(), JsonPathError> {
    if argument.starts_with(['\'', '"']) {
        let Some((pattern, end)) = string_literal(argument, 0) else {
            return Err(JsonPathError::Syntax { message: "unreadable match()/search() pattern".into() });
        };
        if end == argument.len() {
            let cost = pattern_cost(&pattern);
            if cost > JsonPath::MAX_PATTERN_COST {
                return Err(JsonPathError::TooCostly {
                    message: format!(
                        "the match()/search() pattern `{}` would cost about {cost} µs to compile, at every \
                         node tested; at most {} is allowed (Unicode classes such as \\w, \\d and \\p{{..}} \
                         cost the most: prefer ASCII classes such as [A-Za-z0-9_], and small repetition counts)",
                        excerpt(&pattern, 0, 40),
                        JsonPath::MAX_PATTERN_COST
                    ),
                });
            }
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
// Pattern cost

/// An upper estimate of the time, in microseconds, the `regex` crate takes to compile `pattern`
/// (as `serde_json_path` wraps it: `(?R)^(pattern)$`), on the 2-core machine of
/// `benches/README.md`.
///
/// It reads the pattern with the `regex` crate's syntax, conservatively: what it does not
/// recognise counts as a literal, which is what the costly constructs are not. Weights, measured:
/// a fixed 10, a literal character 1 (really 0.15), `.` or a negated class 8 (4 per repetition,
/// 16 for the first), `\s` 20, `\d` 40, a Unicode class (`\w`, `\p{..}` and their negations) 600
/// (270 per repetition, 500 for the first), and a repetition `{n,m}` multiplies what it repeats by
/// its largest count. Case-insensitive matching doubles everything.
fn pattern_cost(pattern: &str) -> u64 {
    const BASE: u64 = 10;
    /// The cost of the group being read and of its last atom (what a repetition applies to).
    #[derive(Default)]
    struct Group {
        total: u64,
        last: u64,
    }
    let mut groups = vec![Group::default()];
    let mut case_insensitive = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let atom = match c {
            '\\' => escape_cost(&mut chars),
            '[' => class_cost(&mut chars),
            '.' => 8,
            '^' | '$' | '|' | '*' | '+' | '?' => {
                // A loop or an option compiles its operand once; an alternation starts a new
                // branch whose cost adds up in `total`.
                if c == '|'
                    && let Some(group) = groups.last_mut()
                {
                    group.last = 0;
                }
                continue;
            }
            '{' => {
                match repetition(&mut chars) {
                    Some(count) => {
                        let group = groups.last_mut().expect("the outermost group is never popped");
                        let extra = group.last.saturating_mul(count.saturating_sub(1));
                        group.total = group.total.saturating_add(extra);
                        group.last = group.last.saturating_mul(count);
                    }
                    None => {
                        let group = groups.last_mut().expect("the outermost group is never popped");
                        group.total += 1;
                        group.last = 1;
                    }
                }
                continue;
            }
            '(' => {
                if chars.peek() == Some(&'?') {
                    // Flags or a group name: `(?i)`, `(?i:`, `(?:`, `(?P<name>`, `(?<name>`.
                    let mut flags = String::new();
                    for f in chars.by_ref() {
                        if f == ')' || f == ':' || f == '>' {
                            if f == ')' {
                                // `(?flags)` sets flags without opening a group.
                                case_insensitive |= flags.contains('i');
                                break;
                            }
                            case_insensitive |= flags.contains('i');
                            groups.push(Group::default());
                            break;
                        }
                        flags.push(f);
                    }
                } else {
                    groups.push(Group::default());
                }
                continue;
            }
            ')' => {
                if groups.len() == 1 {
                    1
                } else {
                    groups.pop().map_or(0, |g| g.total)
                }
            }
            _ => 1,
        };
        let group = groups.last_mut().expect("the outermost group is never popped");
        group.total = group.total.saturating_add(atom);
        group.last = atom;
    }
    // An unclosed group still compiles into its parent (or fails, which is quick).
    let mut total = 0u64;
    while let Some(group) = groups.pop() {
        total = total.saturating_add(group.total);
    }
    let total = total.saturating_add(BASE);
    if case_insensitive {
        total.saturating_mul(2)
    } else {
        total
    }
}

/// The cost of the escape after a `\` (outside or inside a class).
fn escape_cost(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> u64 {
    match chars.next() {
        Some('w' | 'W') => 600,
        Some('p' | 'P') => {
            // `\pL` or `\p{Letter}`.
            if chars.next() == Some('{') {
                chars.by_ref().find(|&c| c == '}');
            }
            600
        }
        Some('d' | 'D') => 40,
        Some('s' | 'S') => 20,
        Some(kind @ ('x' | 'u' | 'U')) => {
            if chars.peek() == Some(&'{') {
                chars.by_ref().find(|&c| c == '}');
            } else {
                let digits = match kind {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                for _ in 0..digits {
                    if chars.next_if(char::is_ascii_hexdigit).is_none() {
                        break;
                    }
                }
            }
            // A code point outside ASCII compiles to a few UTF-8 states.
            4
        }
        _ => 1,
    }
}

/// The cost of a bracketed class; the opening `[` has been read.
fn class_cost(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> u64 {
    // ASCII items compile to a handful of byte ranges whatever their number ([a-z]{64} compiles
    // about as fast as a{64}); escapes and non-ASCII items are what cost.
    let mut ascii_items = 0u64;
    let mut cost = 2u64;
    let mut depth = 1;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if at_start {
            at_start = false;
            if c == '^' {
                // A negated class spans most of Unicode: as costly as `.`.
                cost += 8;
                if chars.next_if_eq(&']').is_some() {
                    ascii_items += 1;
                }
                continue;
            }
            if c == ']' {
                // A `]` first in a class is a literal.
                ascii_items += 1;
                continue;
            }
        }
        match c {
            '\\' => cost = cost.saturating_add(escape_cost(chars)),
            '[' if chars.peek() == Some(&':') => {
                // `[:alpha:]` and `[:^alpha:]`: ASCII classes.
                let negated = chars.clone().nth(1) == Some('^');
                chars.by_ref().find(|&c| c == ']');
                if negated {
                    cost += 8;
                } else {
                    ascii_items += 1;
                }
            }
            '[' => {
                depth += 1;
                at_start = true;
            }
            ']' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            c if !c.is_ascii() => cost += 4,
            _ => ascii_items += 1,
        }
    }
    cost.saturating_add(ascii_items / 16)
}

/// The largest count of a `{n}`, `{n,}` or `{n,m}` repetition (the `{` has been read), or `None`
/// when the braces are not a repetition (and then nothing is consumed but the `{`).
fn repetition(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<u64> {
    let mut probe = chars.clone();
    let mut numbers = [None::<u64>, None];
    let mut which = 0;
    let mut saw_comma = false;
    loop {
        match probe.next()? {
            d @ '0'..='9' => {
                let n = numbers[which].unwrap_or(0);
                numbers[which] = Some(n.saturating_mul(10).saturating_add(u64::from(d as u8 - b'0')));
            }
            ',' if !saw_comma => {
                saw_comma = true;
                which = 1;
            }
            ' ' => {}
            '}' => break,
            _ => return None,
        }
    }
    let low = numbers[0]?;
    *chars = probe;
    Some(
        match (saw_comma, numbers[1]) {
            (false, _) => low,
            (true, None) => low.saturating_add(1),
            (true, Some(high)) => high.max(low),
        }
        .max(1),
    )
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
    fn pattern_cost_is_monotonic_in_the_costly_parts() {
        assert!(pattern_cost("a.*") < 50);
        assert!(pattern_cost("[A-Za-z0-9_]{1,64}") < 200);
        assert!(pattern_cost(r"\w+@\w+\.\w+") <= JsonPath::MAX_PATTERN_COST);
        assert!(pattern_cost(r"\w{100}") > JsonPath::MAX_PATTERN_COST);
        assert!(pattern_cost(r"\w{100}{100}") > JsonPath::MAX_PATTERN_COST);
        assert!(pattern_cost(r"(?:a{1000}){1000}") > JsonPath::MAX_PATTERN_COST);
        assert!(pattern_cost(r"[^a]{1000}") > JsonPath::MAX_PATTERN_COST);
        assert!(pattern_cost(r"(?i)[\p{L}]") > pattern_cost(r"[\p{L}]"));
        assert_eq!(pattern_cost("{}"), pattern_cost("ab"));
    }

    #[test]
    fn excerpts_are_bounded_and_cut_on_characters() {
        assert_eq!(excerpt("ééé", 1, 2), "éé…");
        assert_eq!(excerpt("abc", 1, 5), "bc");
    }
}
