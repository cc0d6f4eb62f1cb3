//! Workspace targets built as the README's test command builds them, for tests that run them as
//! processes.

use std::path::PathBuf;
use std::process::Command;

/// Builds the workspace target `--KIND NAME` (`("example", "demo")`, `("bin", "loop-contracts")`)
/// as the README's test command builds the workspace (`--workspace --all-features`), so that within
/// that command it reuses what is already built (half a second) instead of rebuilding the library
/// under narrower features (twelve seconds), and returns the executable's path.
///
/// Cargo runs a test with variables describing its package; a dependency's build script that
/// watches one of them (ring's watches `CARGO_MANIFEST_DIR` and `OUT_DIR`) would otherwise see a
/// change and rebuild half the graph, twice: here, and again in the next `cargo test`. They are
/// removed from the build's environment.
pub fn built(kind: &str, name: &str) -> PathBuf {
    let mut build = Command::new(env!("CARGO"));
    build
        .args(["build", "--workspace", "--all-features", &format!("--{kind}"), name, "--message-format=json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    for (variable, _) in std::env::vars_os() {
        let variable = variable.to_string_lossy();
        let prefixes = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_"];
        let exact = ["CARGO_TARGET_TMPDIR", "CARGO_RUSTC_CURRENT_DIR", "OUT_DIR"];
        if prefixes.iter().any(|prefix| variable.starts_with(prefix)) || exact.contains(&variable.as_ref()) {
            build.env_remove(variable.as_ref());
        }
    }
    let output = build.output().expect("cargo runs");
    assert!(output.status.success(), "{name} does not build:\n{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .expect("cargo prints UTF-8")
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == name)
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the executable")
}
