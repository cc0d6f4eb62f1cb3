//! The published crates read numbers correctly rounded, as `JSON.parse` does, in a user's build:
//! serde_json's `float_roundtrip` is on in the dependency graph a user builds (no
//! dev-dependencies), for every feature set checked. The suite itself cannot show it by behaviour:
//! its `jsonschema` dev-dependency turns the feature on for every test binary.

use std::process::Command;

/// The serde_json features `cargo tree` resolves for `package` with `args`, dev-dependencies left
/// out as in a user's build.
fn serde_json_features(package: &str, args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--locked", "-p", package, "-e", "no-dev,features", "-i", "serde_json", "--prefix", "none"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut features: Vec<String> = String::from_utf8(out.stdout)
        .expect("cargo tree prints UTF-8")
        .lines()
        .filter_map(|line| line.strip_prefix("serde_json feature \"")?.split('"').next().map(str::to_owned))
        .collect();
    features.sort();
    features.dedup();
    features
}

#[test]
fn every_published_build_reads_numbers_correctly_rounded() {
    for (package, args) in [
        ("loop-contracts", &["--no-default-features"][..]),
        ("loop-contracts", &[][..]),
        ("loop-contracts", &["--all-features"][..]),
        ("loop-contracts-cli", &[][..]),
    ] {
        let features = serde_json_features(package, args);
        assert!(!features.is_empty(), "{package} {args:?}: no serde_json in the tree");
        assert!(
            features.iter().any(|f| f == "float_roundtrip"),
            "{package} {args:?} reads numbers with serde_json's features {features:?}, without float_roundtrip"
        );
    }
}
