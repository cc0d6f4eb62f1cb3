//! The floor of `benches/jsonl.sh`: what reading JSON Lines costs before any validation. Reads the
//! file named by the first argument line by line as `loop-contracts validate --jsonl` does (64 KiB
//! buffers, the same line splitting), parses each line for its syntax alone (`IgnoredAny`) and
//! writes it back to standard output with a `"ok"` flag, one line per input line, as the command
//! writes a result line.
//!
//! Run through `benches/jsonl.sh`; `cargo bench --bench jsonl_floor -- FILE` also works.

use std::io::{self, BufRead, BufReader, BufWriter, Write};

use serde::de::IgnoredAny;

fn main() -> io::Result<()> {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: jsonl_floor FILE");
        std::process::exit(2);
    };
    let mut reader = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = Vec::with_capacity(4096);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let mut bytes = line.as_slice();
        bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let ok = serde_json::from_slice::<IgnoredAny>(bytes).is_ok();
        out.write_all(if ok { br#"{"ok":true,"data":"# } else { br#"{"ok":false,"data":"# })?;
        out.write_all(bytes)?;
        out.write_all(b"}\n")?;
    }
    out.flush()
}
