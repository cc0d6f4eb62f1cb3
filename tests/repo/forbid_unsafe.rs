//! Both library crates forbid `unsafe` (docs/security-review.md).

#[test]
fn both_crates_forbid_unsafe_code() {
    for lib in ["contracts/src/lib.rs", "contracts-derive/src/lib.rs"] {
        let text = std::fs::read_to_string(suite::workspace_root().join(lib)).unwrap();
        assert!(text.lines().any(|l| l == "#![forbid(unsafe_code)]"), "{lib}");
    }
}
