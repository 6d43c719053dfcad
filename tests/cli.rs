//! The command line as a user (or an attacker) meets it: the real binary, with bad input, closed
//! pipes, damaged tokens and odd config values, in temporary XDG directories.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "cli/closed_stdout.rs"]
mod closed_stdout;
#[path = "cli/common.rs"]
mod common;
#[path = "cli/config.rs"]
mod config;
#[path = "cli/export.rs"]
mod export;
#[path = "cli/token.rs"]
mod token;
#[path = "cli/wording.rs"]
mod wording;
