//! The exit statuses of every command, and the usage error (exit 2) that `run` turns an
//! `io::Error` into.

use std::io;

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: a payload was rejected.
pub const EXIT_REJECTED: u8 = 1;
/// Exit status: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

pub(crate) fn usage(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}
