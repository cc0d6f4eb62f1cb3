//! Reading the inputs of the commands: files or standard input, how a document's place is named
//! in messages, and the options several commands share (`--header`, `--brand-id`, `--declaration`).

use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::exit::usage;

/// Opens `FILE`: standard input for none or `-`, else the named file (an error names it).
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

/// Calls `each` with every line of a JSONL input, numbered from 1, without its `\n` or `\r\n`. A
/// blank line is a line too (its own result keeps the output aligned with the input); a final
/// newline ends the last line and starts none.
pub(crate) fn for_each_line(input: impl Read, mut each: impl FnMut(u64, &[u8]) -> io::Result<()>) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut line = Vec::with_capacity(4096);
    let mut number = 0u64;
    loop {
        number += 1;
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let mut bytes = line.as_slice();
        bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        each(number, bytes)?;
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

/// The `--brand-id UUID` option of `transform` and `sandbox`.
pub(crate) fn brand_id(option: Option<&str>) -> io::Result<Option<loop_contracts::uuid::Uuid>> {
    option
        .map(|text| {
            loop_contracts::format::parse_uuid(text).ok_or_else(|| usage(format!("--brand-id {text:?} is not a UUID")))
        })
        .transpose()
}

/// Reads a `--declaration` file (the `events.declare` input, or the whole tool call) of
/// `transform` and `sandbox`; an error names the file.
pub(crate) fn read_declaration(path: &Path) -> io::Result<loop_contracts::inbound::Declaration> {
    let text = fs::read_to_string(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    loop_contracts::inbound::Declaration::parse(&text).map_err(|e| usage(format!("{}: {e}", path.display())))
}
