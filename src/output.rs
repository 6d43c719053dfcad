//! What the commands print, and what happens when nobody reads it.
//!
//! Every line a command prints goes through `outln!` (stdout) or `errln!` (stderr), never
//! `println!`, which panics when its stream is gone: `spotsync status | head -1` closes stdout
//! after the first line, and `spotsync sync 2>&1 | head` closes stderr mid-run.
//!
//! - A reader that goes away (a broken pipe) is its own choice: the rest of the output is
//!   dropped, the command finishes its work and exits with its own code, quietly.
//! - Any other failure to write stdout (a full disk behind `> file`) is kept; [`finish`] says it
//!   on stderr once and turns a success into exit 1, so a script never takes a cut-off file for a
//!   whole one.
//! - stderr is the last resort: a line that cannot be written there is dropped.

use std::io::Write;
use std::sync::Mutex;

use crate::exit;

/// The first error met writing stdout; once set, stdout is written no more.
static STDOUT_FAILED: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Print a line on stdout (`println!`'s arguments). Never panics: see the module's docs.
macro_rules! outln {
    () => {
        $crate::output::stdout_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::stdout_line(format_args!($($arg)*))
    };
}

/// Print a line on stderr (`eprintln!`'s arguments). Never panics: see the module's docs.
macro_rules! errln {
    () => {
        $crate::output::stderr_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::stderr_line(format_args!($($arg)*))
    };
}

fn failed() -> std::sync::MutexGuard<'static, Option<std::io::Error>> {
    STDOUT_FAILED.lock().unwrap_or_else(|p| p.into_inner())
}

/// `outln!`: one line on stdout, unless stdout has already failed.
pub fn stdout_line(args: std::fmt::Arguments<'_>) {
    let mut failed = failed();
    if failed.is_some() {
        return;
    }
    let mut line = args.to_string();
    line.push('\n');
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(line.as_bytes()) {
        *failed = Some(e);
    }
}

/// Write raw bytes on stdout (an exported file), flushed. `false` when stdout has failed.
pub fn stdout_bytes(bytes: &[u8]) -> bool {
    let mut failed = failed();
    if failed.is_some() {
        return false;
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(e) => {
            *failed = Some(e);
            false
        }
    }
}

/// Whether stdout can no longer be written (its reader went away, or a write failed).
pub fn stdout_failed() -> bool {
    failed().is_some()
}

/// `errln!`: one line on stderr; dropped when stderr cannot be written.
pub fn stderr_line(args: std::fmt::Arguments<'_>) {
    let mut line = args.to_string();
    line.push('\n');
    let mut err = std::io::stderr().lock();
    if err.write_all(line.as_bytes()).is_err() {
        // Nowhere left to say it.
    }
}

/// The exit code once the command returned `code`: stdout is flushed, and a failure to write it
/// other than a reader that went away is said on stderr and makes a success exit 1.
pub fn finish(code: i32) -> i32 {
    let mut failed = failed();
    if failed.is_none()
        && let Err(e) = std::io::stdout().lock().flush()
    {
        *failed = Some(e);
    }
    match failed.as_ref() {
        Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            stderr_line(format_args!("spotsync: cannot write to stdout: {e}"));
            if code == exit::OK { exit::ERROR } else { code }
        }
        _ => code,
    }
}
