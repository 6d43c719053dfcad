//! spotsync: mirror a Spotify library into a local SQLite database and keep it current.
//!
//! Module map (each module owns one concern; the sync engine never imports the UI):
//! - [`cli`]: clap definitions of the command line.
//! - [`config`]: TOML config and XDG paths.
//! - [`spotify`]: the only code that talks HTTP to Spotify (client, auth, error classification).
//! - [`store`]: SQLite schema, migrations and queries.
//! - [`sync`]: the orchestrator, phases, pacing; `SyncCommand` in, `SyncEvent` out.
//! - [`tui`]: the ratatui front end and `spotsync demo`.
//! - [`simulator`]: a local HTTP server speaking Spotify's Web API, for tests and the demo.

pub mod cli;
pub mod config;
pub mod exit;
pub mod logging;
pub mod simulator;
pub mod spotify;
pub mod store;
pub mod sync;
pub mod tui;
