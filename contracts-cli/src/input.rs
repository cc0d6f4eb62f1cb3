//! Reading the inputs of the commands: files or standard input, how a document's place is named
//! in messages, and the `--header` options.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use crate::exit::usage;

pub(crate) fn open_input<'a>(file: Option<&Path>, stdin: &'a mut dyn Read) -> io::Result<Box<dyn Read + 'a>> {
    match file {
        None => Ok(Box::new(stdin)),
        Some(p) if p == Path::new("-") => Ok(Box::new(stdin)),
        Some(p) => {
            let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", p.display()));
            let file = fs::File::open(p).map_err(named)?;
            // Opening a directory succeeds; reading it would fail without naming it.
            if file.metadata().map_err(named)?.is_dir() {
                return Err(io::Error::other(format!("{}: is a directory, not a file", p.display())));
            }
            Ok(Box::new(file))
        }
    }
}

/// Where a document came from, for messages: `payload.json`, `standard input line 3`.
pub(crate) fn place(input: &Path, line: Option<u64>) -> String {
    let name = if input == Path::new("-") { "standard input".into() } else { input.display().to_string() };
    match line {
        Some(n) => format!("{name} line {n}"),
        None => name,
    }
}

/// The `--header "Name: value"` options of `transform` and `verify`.
pub(crate) fn parse_headers(options: &[String]) -> io::Result<Vec<(String, String)>> {
    options
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| usage(format!("--header {h:?} is not `Name: value`")))
        })
        .collect()
}
