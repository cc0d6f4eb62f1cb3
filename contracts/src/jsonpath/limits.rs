//! The bounds on a selector's cost, as plain constants for the scan and the parser, which sit
//! below [`JsonPath`](super::JsonPath) (which is built from their output). Each is public as the
//! associated constant of the same name on `JsonPath`, where its reasons and measurements are
//! written.

/// [`JsonPath::MAX_LENGTH`](super::JsonPath::MAX_LENGTH).
pub(super) const MAX_LENGTH: usize = 1024;
/// [`JsonPath::MAX_NESTING`](super::JsonPath::MAX_NESTING).
pub(super) const MAX_NESTING: usize = 32;
/// [`JsonPath::MAX_FILTER_NESTING`](super::JsonPath::MAX_FILTER_NESTING).
pub(super) const MAX_FILTER_NESTING: usize = 3;
/// [`JsonPath::MAX_DESCENDANT_SEGMENTS`](super::JsonPath::MAX_DESCENDANT_SEGMENTS).
pub(super) const MAX_DESCENDANT_SEGMENTS: usize = 1;
/// [`JsonPath::MAX_UNION_PRODUCT`](super::JsonPath::MAX_UNION_PRODUCT).
pub(super) const MAX_UNION_PRODUCT: usize = 16;
/// [`JsonPath::MAX_PATTERN_SIZE`](super::JsonPath::MAX_PATTERN_SIZE).
pub(super) const MAX_PATTERN_SIZE: usize = 256 * 1024;
/// [`JsonPath::MAX_PATTERN_CACHE`](super::JsonPath::MAX_PATTERN_CACHE).
pub(super) const MAX_PATTERN_CACHE: usize = 1024 * 1024;
