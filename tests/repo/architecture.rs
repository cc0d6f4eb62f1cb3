//! The floor plan holds: rooms import one way, files stay small, the crate root stays tidy.
//!
//! These checks read the library's source as text. A `use` (or a path in code) names the module
//! it depends on through `crate::…` or `super::…`; that is enough to draw the dependency graph of
//! the rooms (the top-level modules of `contracts/src/`) and of the files inside each room, and to
//! refuse an edge that points up or closes a cycle. `docs/design.md` describes the rooms.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use suite::workspace_root;

/// The rooms of the library, bottom first: a room may import only rooms listed before it.
#[rustfmt::skip]
const LAYERS: &[&str] = &[
    // Small shared modules: locks, bounded echoes of untrusted text, strict JSON.
    "sync", "text", "strict",
    // The platform's wire facts: API keys, header names, the retry schedule.
    "platform",
    // JSONPath: a language of its own, with no knowledge of events.
    "jsonpath",
    // Event schemas: names, fields, formats, compiled plans, document export.
    "schema",
    // Validation against a schema, with Zod's issues.
    "validate",
    // Typed events: the `Event` trait, codecs, `Email`.
    "typed",
    // The built-in events.
    "catalog",
    // Vendor webhooks in, delivery webhooks out.
    "inbound", "delivery",
    // The two ends that talk HTTP to each other.
    "client", "sandbox",
    // Durable sends: stores, and relays that drain them through the client.
    "outbox",
];

/// Files the crate root holds besides its rooms' folders, at most.
const LOOSE_FILES_AT_MOST: usize = 8;

/// Lines a source file holds, at most, its unit tests included.
const LINES_AT_MOST: usize = 800;

/// One library module: its path from the crate root and the modules it names.
struct Module {
    path: Vec<String>,
    uses: BTreeSet<Vec<String>>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `contracts/src/a/b.rs` and `contracts/src/a/b/mod.rs` are module `a::b`; `lib.rs` is the root.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut path: Vec<String> = relative.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if matches!(path.last().map(String::as_str), Some("mod" | "lib")) {
        path.pop();
    }
    path
}

/// The code of a file without its unit tests (a trailing `#[cfg(test)] mod …`, where `super::`
/// means the file itself) and without comments.
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed == "#[cfg(test)]" && lines.peek().is_some_and(|next| next.trim_start().starts_with("mod ")) {
            break;
        }
        if !trimmed.starts_with("//") {
            code.push_str(line);
            code.push('\n');
        }
    }
    code
}

/// The paths named after `crate::` and `super::`, braces expanded one level
/// (`use super::{a, b::C}` names `a` and `b::C`).
fn named_paths(code: &str, module: &[String], is_mod_rs: bool) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    for anchor in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = rest.find(anchor) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + anchor.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':' || c == '$') {
                continue;
            }
            let base: Vec<String> = if anchor == "crate::" {
                Vec::new()
            } else if is_mod_rs || module.is_empty() {
                // `super` of `a/b/mod.rs` (module `a::b`) is `a`.
                module[..module.len().saturating_sub(1)].to_vec()
            } else {
                module[..module.len() - 1].to_vec()
            };
            let tails: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end].split(',').map(|s| s.trim().to_owned()).collect()
            } else {
                let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
                if rest[end..].starts_with('!') {
                    // A macro the crate root re-exports (`crate::event!`), not a room.
                    continue;
                }
                vec![rest[..end].to_owned()]
            };
            for tail in tails {
                let mut path = base.clone();
                path.extend(tail.split("::").filter(|s| !s.is_empty() && *s != "self").map(str::to_owned));
                found.insert(path);
            }
        }
    }
    found
}

fn library_modules() -> Vec<Module> {
    let src = workspace_root().join("contracts/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            let path = module_path(&src, &file);
            let is_mod_rs = file.file_name().is_some_and(|n| n == "mod.rs");
            let uses = named_paths(&code_of(&text), &path, is_mod_rs);
            Module { path, uses }
        })
        .collect()
}

/// The longest prefix of `named` that is a module of the library.
fn resolve(named: &[String], modules: &BTreeSet<Vec<String>>) -> Vec<String> {
    (0..=named.len()).rev().map(|n| named[..n].to_vec()).find(|p| modules.contains(p)).unwrap_or_default()
}

/// Every dependency edge between distinct modules, as (from, to).
fn edges(modules: &[Module]) -> BTreeSet<(Vec<String>, Vec<String>)> {
    let known: BTreeSet<Vec<String>> = modules.iter().map(|m| m.path.clone()).collect();
    let mut edges = BTreeSet::new();
    for module in modules {
        for named in &module.uses {
            let target = resolve(named, &known);
            if target != module.path {
                edges.insert((module.path.clone(), target));
            }
        }
    }
    edges
}

fn shown(path: &[String]) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

#[test]
fn rooms_import_only_the_rooms_below_them() {
    let rank = |room: &str| LAYERS.iter().position(|r| *r == room);
    let mut wrong = Vec::new();
    for (from, to) in edges(&library_modules()) {
        // The crate root and the macro's private support re-export from every room.
        let Some(room) = from.first().filter(|room| *room != "__private") else { continue };
        let Some(own) = rank(room) else {
            wrong.push(format!("room `{room}` is not in LAYERS"));
            continue;
        };
        match to.first() {
            None => wrong.push(format!("{} names the crate root: import from the room instead", shown(&from))),
            Some(target) if target == room => {}
            Some(target) if rank(target).is_some_and(|other| other < own) => {}
            Some(target) => {
                wrong.push(format!("{} imports {} (`{room}` may not import `{target}`)", shown(&from), shown(&to)))
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "imports against the layering:\n{}", wrong.join("\n"));
}

#[test]
fn files_inside_a_room_import_each_other_one_way() {
    let modules = library_modules();
    // A parent declares, re-exports and uses its children: only the other edges can close a cycle.
    let graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = edges(&modules)
        .into_iter()
        .filter(|(from, to)| !(to.len() > from.len() && to.starts_with(from)))
        .filter(|(from, to)| from.first() == to.first())
        .fold(BTreeMap::new(), |mut graph, (from, to)| {
            graph.entry(from).or_default().insert(to);
            graph
        });
    // Each cycle once, named from its smallest module.
    let mut cycles = BTreeSet::new();
    for start in graph.keys() {
        // A path back to `start` through the graph, found depth-first.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in graph.get(&at).into_iter().flatten() {
                if next == start && trail.iter().all(|p| p >= start) {
                    cycles.insert(trail.iter().chain([start]).map(|p| shown(p)).collect::<Vec<_>>().join(" → "));
                } else if seen.insert(next.clone()) {
                    let mut longer = trail.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.into_iter().collect::<Vec<_>>().join("\n"));
}

#[test]
fn no_source_file_is_longer_than_800_lines() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["contracts/src", "contracts-derive/src", "contracts-cli/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).unwrap().lines().count();
            (lines > LINES_AT_MOST).then(|| format!("{}: {lines} lines", file.strip_prefix(&root).unwrap().display()))
        })
        .collect();
    assert!(long.is_empty(), "files over {LINES_AT_MOST} lines:\n{}", long.join("\n"));
}

#[test]
fn the_crate_root_holds_at_most_8_loose_files() {
    let src = workspace_root().join("contracts/src");
    let loose: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(loose.len() <= LOOSE_FILES_AT_MOST, "{} loose files in contracts/src: {loose:?}", loose.len());
}
