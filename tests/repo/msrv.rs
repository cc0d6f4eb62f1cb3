//! The declared `rust-version` of each published crate is honest: no dependency it builds with
//! (normal and build dependencies, every feature on, as locked) declares a higher one.
//!
//! Only one toolchain is at hand, so this is the check: what the dependencies themselves say.
//! Dev-dependencies do not count; a user of the crate never builds them.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

/// A `rust-version` as comparable numbers: "1.85" and "1.85.0" are equal.
fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text.split('.').map(|p| p.parse().expect("a numeric rust-version")).collect();
    while parts.len() < 3 {
        parts.push(0);
    }
    parts
}

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--all-features", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

#[test]
fn no_dependency_of_a_published_crate_needs_a_newer_rust_than_it_declares() {
    let meta = metadata();
    let packages: HashMap<&str, &Value> =
        meta["packages"].as_array().unwrap().iter().map(|p| (p["id"].as_str().unwrap(), p)).collect();
    let nodes: HashMap<&str, &Value> =
        meta["resolve"]["nodes"].as_array().unwrap().iter().map(|n| (n["id"].as_str().unwrap(), n)).collect();

    let mut checked = Vec::new();
    for member in meta["workspace_members"].as_array().unwrap() {
        let package = packages[member.as_str().unwrap()];
        // `publish = false` reads as an empty list of registries.
        if package["publish"].as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        let name = package["name"].as_str().unwrap();
        let declared = package["rust_version"].as_str().unwrap_or_else(|| panic!("{name} declares no rust-version"));

        // Everything the crate builds with: the closure over normal and build dependencies.
        let mut seen = BTreeSet::new();
        let mut stack = vec![member.as_str().unwrap()];
        while let Some(id) = stack.pop() {
            for dep in nodes[id]["deps"].as_array().unwrap() {
                let only_dev = dep["dep_kinds"].as_array().unwrap().iter().all(|k| k["kind"] == "dev");
                let dep_id = dep["pkg"].as_str().unwrap();
                if !only_dev && seen.insert(dep_id) {
                    stack.push(dep_id);
                }
            }
        }
        let needs = seen
            .iter()
            .filter_map(|id| {
                let p = packages[id];
                Some((version(p["rust_version"].as_str()?), format!("{} {}", p["name"], p["version"])))
            })
            .max()
            .expect("a crate with dependencies");
        assert!(
            needs.0 <= version(declared),
            "{name} declares rust-version {declared}, but {} needs {}: raise it in Cargo.toml (and say so in CHANGELOG.md)",
            needs.1.replace('"', ""),
            needs.0.iter().map(u64::to_string).collect::<Vec<_>>().join("."),
        );
        checked.push(name.to_owned());
    }
    checked.sort();
    assert_eq!(checked, ["loop-contracts", "loop-contracts-cli", "loop-contracts-derive"]);
}
