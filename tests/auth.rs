//! Connecting a Spotify account, end to end: the real binary against the simulator's
//! `/authorize`, `/api/token` and `/v1/me`, with every file in temporary XDG directories.
//!
//! Every test records all the output of the binary and, at its end, checks that no access or
//! refresh token it ever saw appears in that output or in the log files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "auth/common.rs"]
mod common;
#[path = "auth/config.rs"]
mod config;
#[path = "auth/daemon.rs"]
mod daemon;
#[path = "auth/lifecycle.rs"]
mod lifecycle;
#[path = "auth/login.rs"]
mod login;
#[path = "auth/sync.rs"]
mod sync;
