//! spotsync-core: everything that mirrors a Spotify library into SQLite, with no user interface.
//!
//! - [`spotify`]: the only code that talks HTTP to Spotify (client, auth, tolerant models,
//!   error classes).
//! - [`store`]: the SQLite database: migrations, the one-writer lock, queries.
//! - [`sync`]: the engine task. Front ends [`sync::spawn`] it, send [`sync::SyncCommand`]s and
//!   receive [`sync::SyncEvent`]s; read-only views come from [`sync::load_status`] and
//!   [`store::journal`].
//!
//! Front ends (the `spotsync` binary's commands and terminal app) depend on this crate; it
//! never depends on them, nor on clap, ratatui or crossterm.

pub mod duration;
pub mod import;
pub mod spotify;
pub mod store;
pub mod sync;
