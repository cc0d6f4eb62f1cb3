//! Writing the schema documents of events to a directory, and checking a committed directory of
//! them: `schemas/` of a crate that defines events, or `OUT_DIR` from a build script.
//!
//! Each event gets `<event>.fields.json` (the discovery document) and `<event>.schema.json`
//! (JSON Schema 2020-12). Files whose content is unchanged are not rewritten, so a build script
//! calling this does not trigger rebuilds.
//!
//! # Export your events' documents
//!
//! With the `registry` feature (on by default), every event that [`event!`](crate::event) defines
//! registers itself, and one test of the crate that defines them keeps a committed `schemas/`
//! directory current, the way snapshot tests keep schemars output:
//!
//! ```no_run
//! // tests/schemas.rs of the crate `help-desk-events`, whose src/lib.rs defines its events.
//! use help_desk_events as _; // links the crate, and with it its events' registrations
//! # mod help_desk_events {}
//!
//! #[test]
//! fn schemas_are_current() {
//!     loop_contracts::build::check_or_update("schemas");
//! }
//! ```
//!
//! The test fails, naming each missing, changed and extra file, when the documents differ from
//! what the events produce; `LOOP_CONTRACTS_BLESS=1 cargo test` rewrites them instead (and
//! deletes those of events that are gone), for the change to be reviewed and committed. A relative
//! directory is taken from the working directory, which `cargo test` sets to the package's root.
//! [`registered`] lists what the registry holds, [`check_documents`] and [`update_documents`] do
//! the same for a list of schemas of your choosing.
//!
//! Without the registry, a build script can write the documents into `OUT_DIR`, given the
//! schemas (the definitions then have to be compiled into the build script too):
//!
//! ```no_run
//! // build.rs of a crate that defines its own events in src/events.rs
//! // (with `loop-contracts` in both [dependencies] and [build-dependencies]):
//! mod events {
//!     // include!("src/events.rs");
//! }
//! fn main() {
//!     let out = std::env::var("OUT_DIR").unwrap();
//!     let schemas = [/* <events::MyEvent as loop_contracts::Event>::schema(), */];
//!     loop_contracts::build::write_documents(&out, schemas).unwrap();
//!     println!("cargo::rerun-if-changed=src/events.rs");
//! }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::descriptor::EventSchema;

/// The documents of one event: `(file name, contents)` pairs.
///
/// ```
/// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
/// let [(fields, discovery), (json_schema, _)] = loop_contracts::build::documents(schema);
/// assert_eq!(fields, "lead.captured.v1.fields.json");
/// assert_eq!(json_schema, "lead.captured.v1.schema.json");
/// assert_eq!(discovery, schema.to_discovery_json());
/// ```
pub fn documents(schema: &EventSchema) -> [(String, String); 2] {
    let name = schema.name().as_str();
    [
        (format!("{name}.fields.json"), schema.to_discovery_json()),
        (format!("{name}.schema.json"), schema.to_json_schema_string()),
    ]
}

/// Writes the documents of every schema into `dir` (created if missing) and returns the paths
/// written or already up to date.
///
/// ```
/// use loop_contracts::build::{stale_documents, write_documents};
///
/// let dir = std::env::temp_dir().join(format!("loop-contracts-doc-write-{}", std::process::id()));
/// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
/// let paths = write_documents(&dir, [schema])?;
/// assert_eq!(paths, [dir.join("lead.captured.v1.fields.json"), dir.join("lead.captured.v1.schema.json")]);
/// assert!(stale_documents(&dir, [schema]).is_empty());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_documents<'a>(
    dir: impl AsRef<Path>,
    schemas: impl IntoIterator<Item = &'a EventSchema>,
) -> io::Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    let named = |path: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    fs::create_dir_all(dir).map_err(|e| named(dir, e))?;
    let mut paths = Vec::new();
    for schema in schemas {
        for (file, contents) in documents(schema) {
            let path = dir.join(file);
            if fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
                fs::write(&path, contents).map_err(|e| named(&path, e))?;
            }
            paths.push(path);
        }
    }
    Ok(paths)
}

/// Compares the documents in `dir` with the ones the schemas produce; returns the file names
/// that are missing or differ (empty: up to date), in file-name order. [`check_documents`] says
/// more (the first differing line, and documents no schema produces).
///
/// ```
/// use loop_contracts::build::{stale_documents, write_documents};
///
/// let dir = std::env::temp_dir().join(format!("loop-contracts-doc-stale-{}", std::process::id()));
/// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
/// write_documents(&dir, [schema])?;
/// std::fs::write(dir.join("lead.captured.v1.schema.json"), "{}")?;
/// assert_eq!(stale_documents(&dir, [schema]), ["lead.captured.v1.schema.json"]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn stale_documents<'a>(dir: impl AsRef<Path>, schemas: impl IntoIterator<Item = &'a EventSchema>) -> Vec<String> {
    let Err(stale) = check_documents(dir, schemas) else { return Vec::new() };
    let mut files: Vec<String> = stale.missing.into_iter().chain(stale.changed.into_iter().map(|c| c.file)).collect();
    files.sort();
    files
}

/// The environment variable that makes [`check_or_update`] and [`check_or_update_documents`]
/// rewrite stale documents instead of failing (any value but empty or `0`).
pub const BLESS_VAR: &str = "LOOP_CONTRACTS_BLESS";

/// How a directory of documents differs from the documents a list of schemas produces; the error
/// of [`check_documents`]. Its `Display` names every file, and for a changed one the first line
/// that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    dir: PathBuf,
    missing: Vec<String>,
    changed: Vec<Change>,
    extra: Vec<String>,
}

/// A document whose committed text differs from the expected one, at its first differing line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Change {
    file: String,
    /// 1-based.
    line: usize,
    committed: Option<String>,
    expected: Option<String>,
}

impl Stale {
    /// The directory that was checked.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Documents the schemas produce that the directory lacks.
    pub fn missing(&self) -> &[String] {
        &self.missing
    }

    /// Documents present with other contents than the schemas produce.
    pub fn changed(&self) -> impl Iterator<Item = &str> {
        self.changed.iter().map(|c| c.file.as_str())
    }

    /// Documents (`*.fields.json`, `*.schema.json`) in the directory that no schema produces: an
    /// event renamed or removed. Other files are not looked at.
    pub fn extra(&self) -> &[String] {
        &self.extra
    }
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} holds stale schema documents ({} missing, {} changed, {} extra):",
            self.dir.display(),
            self.missing.len(),
            self.changed.len(),
            self.extra.len()
        )?;
        for file in &self.missing {
            write!(f, "\n  missing  {file}")?;
        }
        // The first differing line, as a diff would show it, so that the failure says what moved.
        let line = |text: &Option<String>| text.as_deref().map_or_else(|| "(end of file)".to_owned(), str::to_owned);
        for change in &self.changed {
            write!(f, "\n  changed  {}, line {}:", change.file, change.line)?;
            write!(f, "\n           - {}", line(&change.committed))?;
            write!(f, "\n           + {}", line(&change.expected))?;
        }
        for file in &self.extra {
            write!(f, "\n  extra    {file} (no event produces it)")?;
        }
        Ok(())
    }
}

impl std::error::Error for Stale {}

/// Whether `name` is a file name this module writes.
fn is_document(name: &str) -> bool {
    name.ends_with(".fields.json") || name.ends_with(".schema.json")
}

/// The documents of `schemas`, by file name. Two schemas of one name must produce the same
/// documents: otherwise one file would hold either, depending on the order.
fn expected<'a>(schemas: impl IntoIterator<Item = &'a EventSchema>) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    for schema in schemas {
        for (file, contents) in documents(schema) {
            if let Some(other) = all.insert(file, contents) {
                let name = schema.name().as_str();
                assert!(
                    all.values().any(|c| *c == other),
                    "two different events are named `{name}`: their documents would overwrite each other"
                );
            }
        }
    }
    all
}

/// Compares `dir` with the documents `schemas` produce: `Ok` when every document is present with
/// the same text and no other `*.fields.json` or `*.schema.json` file is there.
///
/// ```
/// use loop_contracts::build::{check_documents, write_documents};
///
/// let dir = std::env::temp_dir().join(format!("loop-contracts-doc-check-{}", std::process::id()));
/// let lead = loop_contracts::catalog().get("lead.captured.v1").unwrap();
/// let order = loop_contracts::catalog().get("order.completed.v1").unwrap();
/// write_documents(&dir, [lead, order])?;
/// assert!(check_documents(&dir, [lead, order]).is_ok());
///
/// std::fs::write(dir.join("lead.captured.v1.schema.json"), "{}\n")?;
/// let stale = check_documents(&dir, [lead]).unwrap_err();
/// assert!(stale.missing().is_empty());
/// assert_eq!(stale.changed().collect::<Vec<_>>(), ["lead.captured.v1.schema.json"]);
/// assert_eq!(stale.extra(), ["order.completed.v1.fields.json", "order.completed.v1.schema.json"]);
/// assert!(stale.to_string().contains("changed  lead.captured.v1.schema.json, line 1:"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn check_documents<'a>(
    dir: impl AsRef<Path>,
    schemas: impl IntoIterator<Item = &'a EventSchema>,
) -> Result<(), Stale> {
    let dir = dir.as_ref();
    let expected = expected(schemas);
    let mut stale = Stale { dir: dir.to_owned(), missing: Vec::new(), changed: Vec::new(), extra: Vec::new() };
    for (file, contents) in &expected {
        let Ok(committed) = fs::read_to_string(dir.join(file)) else {
            stale.missing.push(file.clone());
            continue;
        };
        if committed == *contents {
            continue;
        }
        let (mut old, mut new) = (committed.lines(), contents.lines());
        let mut line = 1;
        let (committed, expected) = loop {
            match (old.next(), new.next()) {
                (Some(a), Some(b)) if a == b => line += 1,
                // Same lines, different line ends or final newline.
                (None, None) => break (Some("(line ends differ)".to_owned()), None),
                (a, b) => break (a.map(str::to_owned), b.map(str::to_owned)),
            }
        };
        stale.changed.push(Change { file: file.clone(), line, committed, expected });
    }
    if let Ok(entries) = fs::read_dir(dir) {
        let mut extra: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| is_document(name) && !expected.contains_key(name))
            .collect();
        extra.sort();
        stale.extra = extra;
    }
    if stale.missing.is_empty() && stale.changed.is_empty() && stale.extra.is_empty() {
        Ok(())
    } else {
        Err(stale)
    }
}

/// Makes `dir` hold exactly the documents of `schemas`: writes those missing or different (see
/// [`write_documents`]) and deletes the other `*.fields.json` and `*.schema.json` files, so that
/// [`check_documents`] then passes. Other files are left alone.
///
/// ```
/// use loop_contracts::build::{check_documents, update_documents};
///
/// let dir = std::env::temp_dir().join(format!("loop-contracts-doc-update-{}", std::process::id()));
/// let lead = loop_contracts::catalog().get("lead.captured.v1").unwrap();
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("lead.captured.v0.fields.json"), "{}")?;
/// update_documents(&dir, [lead])?;
/// assert!(check_documents(&dir, [lead]).is_ok());
/// assert!(!dir.join("lead.captured.v0.fields.json").exists());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn update_documents<'a>(
    dir: impl AsRef<Path>,
    schemas: impl IntoIterator<Item = &'a EventSchema>,
) -> io::Result<()> {
    let dir = dir.as_ref();
    let schemas: Vec<&EventSchema> = schemas.into_iter().collect();
    write_documents(dir, schemas.iter().copied())?;
    if let Err(stale) = check_documents(dir, schemas) {
        for file in stale.extra {
            let path = dir.join(file);
            fs::remove_file(&path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        }
    }
    Ok(())
}

/// Whether [`BLESS_VAR`] asks for stale documents to be rewritten.
fn bless_requested() -> bool {
    std::env::var_os(BLESS_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// For a test: panics with the [`Stale`] report when `dir` does not hold exactly the documents of
/// `schemas`, or, when [`BLESS_VAR`] is set, rewrites them ([`update_documents`]) and reports what
/// it changed on standard error. [`check_or_update`] does this for the registered events.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("loop-contracts-doc-bless-{}", std::process::id()));
/// let lead = loop_contracts::catalog().get("lead.captured.v1").unwrap();
/// loop_contracts::build::update_documents(&dir, [lead])?;
/// loop_contracts::build::check_or_update_documents(&dir, [lead]); // up to date: returns
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn check_or_update_documents<'a>(dir: impl AsRef<Path>, schemas: impl IntoIterator<Item = &'a EventSchema>) {
    let dir = dir.as_ref();
    let schemas: Vec<&EventSchema> = schemas.into_iter().collect();
    let Err(stale) = check_documents(dir, schemas.iter().copied()) else {
        return;
    };
    if !bless_requested() {
        panic!(
            "{stale}\nIf the events changed on purpose, rewrite the documents with `{BLESS_VAR}=1 cargo test`, \
             review the diff and commit it."
        );
    }
    if let Err(e) = update_documents(dir, schemas) {
        panic!("rewriting the schema documents in {}: {e}", dir.display());
    }
    eprintln!("{stale}\nRewritten ({BLESS_VAR} is set).");
}

#[cfg(feature = "registry")]
pub use registry::{check_or_update, check_registered, registered, update_registered, Registration};

#[cfg(feature = "registry")]
mod registry {
    use std::fmt;
    use std::io;
    use std::path::Path;

    use super::{check_documents, check_or_update_documents, update_documents, Stale};
    use crate::schema::EventSchema;

    /// An event that [`event!`](crate::event) defined, as the registry holds it (feature
    /// `registry`): its schema and the module that defined it.
    pub struct Registration {
        schema: fn() -> &'static EventSchema,
        module_path: &'static str,
    }

    inventory::collect!(Registration);

    impl Registration {
        /// Used by the code `event!` generates; not a public API.
        #[doc(hidden)]
        pub const fn new(schema: fn() -> &'static EventSchema, module_path: &'static str) -> Self {
            Self { schema, module_path }
        }

        /// The event's schema.
        pub fn schema(&self) -> &'static EventSchema {
            (self.schema)()
        }

        /// The module of the `event!` invocation, as `module_path!()` names it
        /// (`help_desk_events::tickets`).
        pub fn module_path(&self) -> &'static str {
            self.module_path
        }

        /// The crate that defined the event, the first segment of [`module_path`](Self::module_path)
        /// (`help_desk_events`).
        pub fn crate_name(&self) -> &'static str {
            self.module_path.split("::").next().unwrap_or(self.module_path)
        }
    }

    impl fmt::Debug for Registration {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Registration")
                .field("name", &self.schema().name().as_str())
                .field("module_path", &self.module_path)
                .finish()
        }
    }

    /// Every event `event!` defined in the crates this binary links, this crate's built-in events
    /// included, sorted by event name, then module.
    ///
    /// A crate's events are here only if the binary links the crate: a test of another crate than
    /// the one that defines them has to name it (`use help_desk_events as _;`).
    ///
    /// ```standalone_crate
    /// // (A crate of its own: merged doc tests would link each other's events.)
    /// loop_contracts::event! {
    ///     #[event("ticket.opened.v1")]
    ///     pub struct TicketOpened { subject: string }
    /// }
    ///
    /// let ours: Vec<_> = loop_contracts::build::registered()
    ///     .into_iter()
    ///     .filter(|r| r.crate_name() != "loop_contracts")
    ///     .map(|r| r.schema().name().as_str())
    ///     .collect();
    /// assert_eq!(ours, ["ticket.opened.v1"]);
    /// ```
    pub fn registered() -> Vec<&'static Registration> {
        let mut all: Vec<&'static Registration> = inventory::iter::<Registration>.into_iter().collect();
        all.sort_by(|a, b| {
            (a.schema().name().as_str(), a.module_path).cmp(&(b.schema().name().as_str(), b.module_path))
        });
        all
    }

    /// The schemas [`check_or_update`] and its siblings export: the registered events not defined
    /// by this crate (whose own documents are its repository's).
    fn exported() -> Vec<&'static EventSchema> {
        let schemas: Vec<_> =
            registered().into_iter().filter(|r| r.crate_name() != "loop_contracts").map(Registration::schema).collect();
        assert!(
            !schemas.is_empty(),
            "no event is registered: the binary does not link the crate that defines them (a test of it names it, \
             `use my_events as _;`), or loop-contracts was built without its `registry` feature"
        );
        schemas
    }

    /// [`check_documents`] for the events in the registry that this crate does not define: every
    /// event of the crates the binary links.
    ///
    /// # Panics
    ///
    /// When there are none, which means the crate that defines them is not linked.
    pub fn check_registered(dir: impl AsRef<Path>) -> Result<(), Stale> {
        check_documents(dir, exported())
    }

    /// [`update_documents`] for the events [`check_registered`] checks.
    ///
    /// # Panics
    ///
    /// When there are none, which means the crate that defines them is not linked.
    pub fn update_registered(dir: impl AsRef<Path>) -> io::Result<()> {
        update_documents(dir, exported())
    }

    /// The one test a crate that defines events needs: panics when `dir` does not hold exactly the
    /// documents of the registered events (those this crate does not define), naming each
    /// missing, changed and extra file; rewrites them instead when `LOOP_CONTRACTS_BLESS` is set
    /// ([`check_or_update_documents`]). See [the module documentation](super) for where it goes.
    ///
    /// ```standalone_crate
    /// loop_contracts::event! {
    ///     #[event("ticket.closed.v1")]
    ///     pub struct TicketClosed { ticketId: string(min = 1) }
    /// }
    ///
    /// # let dir = std::env::temp_dir().join(format!("loop-contracts-registry-{}", std::process::id()));
    /// # loop_contracts::build::update_registered(&dir)?;
    /// // In a test; `dir` is the crate's committed `schemas`.
    /// loop_contracts::build::check_or_update(&dir);
    /// # assert!(dir.join("ticket.closed.v1.schema.json").exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    ///
    /// Also when no event is registered, which means the crate that defines them is not linked.
    #[track_caller]
    pub fn check_or_update(dir: impl AsRef<Path>) {
        check_or_update_documents(dir, exported());
    }
}
