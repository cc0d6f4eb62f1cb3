//! `validate --jsonl` holds one line at a time: its peak memory grows with its longest line, not
//! with the length of its input. Each run is a child process whose peak resident set size is read
//! from `wait4`'s resource usage (Linux only: elsewhere `ru_maxrss` counts in other units).
#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MIB: u64 = 1024 * 1024;

/// Writes a compact `lead.captured.v1` payload and its newline; every fifth is invalid (its email
/// is not one). `padding` bytes go into an attribution value, which the output keeps; they are
/// written in pieces, so that this process never holds the long line (see the module's note on
/// `run`). Returns the line's length.
fn write_lead(out: &mut impl Write, i: usize, padding: usize) -> u64 {
    let email = if i % 5 == 4 { "not-an-email".to_owned() } else { format!("user{i}@example.com") };
    let head = format!(
        r#"{{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","email":"{email}","source":"inbound_lead","attribution":{{"utm_source":"newsletter","utm_content":""#
    );
    let tail = r#""},"personId":null}"#;
    out.write_all(head.as_bytes()).unwrap();
    let piece = [b'x'; 64 * 1024];
    let mut left = padding;
    while left > 0 {
        let n = left.min(piece.len());
        out.write_all(&piece[..n]).unwrap();
        left -= n;
    }
    out.write_all(tail.as_bytes()).unwrap();
    out.write_all(b"\n").unwrap();
    (head.len() + padding + tail.len()) as u64
}

/// Writes `lines` short leads, with one line of `long` padding bytes in the middle (a valid lead)
/// when `long` is not zero; returns the file and the length of its longest line.
fn input(name: &str, lines: usize, long: usize) -> (PathBuf, u64) {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut file = BufWriter::new(File::create(&path).unwrap());
    let mut longest = 0;
    for i in 0..lines {
        let length =
            if long > 0 && i == lines / 2 { write_lead(&mut file, 0, long) } else { write_lead(&mut file, i, 0) };
        longest = longest.max(length);
    }
    file.flush().unwrap();
    (path, longest)
}

/// Runs `validate lead.captured.v1 --jsonl FILE`, output discarded: its exit code and its peak
/// resident set size in bytes.
///
/// Linux keeps a process's peak across `exec`, and the child starts as a copy of (or sharing) this
/// process's memory: the figure is the larger of the command's own peak and this test binary's,
/// which stays a few MiB because no test here holds an input in memory.
fn run(path: &Path) -> (i32, u64) {
    #[expect(clippy::zombie_processes, reason = "waited for by `wait4` below, for its resource usage")]
    let child = Command::new(env!("CARGO_BIN_EXE_loop-contracts"))
        .args(["validate", "lead.captured.v1", "--jsonl"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: `rusage` is plain data, valid when zeroed, and `wait4` writes only to the two
    // pointers it is given, both to live locals. `child` is not waited for again (dropping a
    // `Child` neither waits nor kills).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(libc::WIFEXITED(status), "the command did not exit normally: status {status}");
    (libc::WEXITSTATUS(status), u64::try_from(usage.ru_maxrss).unwrap() * 1024)
}

#[test]
fn memory_does_not_grow_with_the_number_of_lines() {
    let (few, _) = input("jsonl-memory-1k.jsonl", 1_000, 0);
    let (many, _) = input("jsonl-memory-100k.jsonl", 100_000, 0);
    let (few_code, few_peak) = run(&few);
    let (many_code, many_peak) = run(&many);
    let input_bytes = std::fs::metadata(&many).unwrap().len();
    for path in [few, many] {
        std::fs::remove_file(path).unwrap();
    }
    // Exit 1: some lines are invalid, and each gets its error line.
    assert_eq!((few_code, many_code), (1, 1));
    assert!(input_bytes > 20 * MIB, "the input is {input_bytes} bytes");
    assert!(
        many_peak <= few_peak + 4 * MIB,
        "100,000 lines ({} MiB) peaked at {} KiB, 1,000 lines at {} KiB",
        input_bytes / MIB,
        many_peak / 1024,
        few_peak / 1024
    );
}

#[test]
fn memory_grows_with_the_longest_line_only() {
    let (short, _) = input("jsonl-memory-short.jsonl", 2_000, 0);
    let (long, longest) = input("jsonl-memory-long.jsonl", 2_000, 32 * MIB as usize);
    let (short_code, short_peak) = run(&short);
    let (long_code, long_peak) = run(&long);
    for path in [short, long] {
        std::fs::remove_file(path).unwrap();
    }
    assert_eq!((short_code, long_code), (1, 1));
    // The line, the record it holds and the output written for it: three copies at most, and a
    // fourth for slack in the allocator.
    assert!(
        long_peak <= short_peak + 4 * longest,
        "a {} MiB line peaked at {} KiB, short lines at {} KiB",
        longest / MIB,
        long_peak / 1024,
        short_peak / 1024
    );
}
