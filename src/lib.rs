//! spotsync: mirror a Spotify library into a local SQLite database and keep it current.
//!
//! This crate is the front end; the work happens in the workspace's other crates:
//! - `spotsync-core` (re-exported here as [`spotify`], [`store`], [`sync`]): the Spotify client
//!   and auth, the SQLite store, the sync engine. No UI code.
//! - `spotsync-sim` (re-exported as [`simulator`]): a local Web API simulator for tests and the demo.
//!
//! Modules of this crate:
//! - [`cli`]: clap definitions of the command line.
//! - [`config`]: TOML config and XDG paths.
//! - [`commands`]: one module per subcommand.
//! - [`logging`]: the log file and the terminal app's log pane.
//! - [`output`]: what commands print (a reader that goes away never crashes them).
//! - [`tui`]: the ratatui terminal app.

// First, so that `outln!` and `errln!` are in scope in every module below.
#[macro_use]
pub mod output;

pub mod cli;
pub mod commands;
pub mod config;
pub mod exit;
pub mod logging;
pub mod tui;

pub use spotsync_core::{spotify, store, sync};
pub use spotsync_sim as simulator;
