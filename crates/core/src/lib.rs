//! spotsync-core: everything that mirrors a Spotify library into SQLite, with no user interface.
//!
//! - [`domain`]: the shared vocabulary (phases, statuses, run kinds, limit reasons, change
//!   kinds, capabilities, checkpoints, page sizes, `account` keys), with the SQL conversions of
//!   each stored value.
//! - [`settings`]: what a sync is set to do (`[sync]`), read by the engine and the plan alike.
//! - [`spotify`]: the only code that talks HTTP to Spotify (client, auth, tolerant models,
//!   error classes).
//! - [`store`]: the SQLite database: migrations, the one-writer lock, queries.
//! - [`quota`]: the daily quota economy (request classes' ceilings, the learned quota, the
//!   reserve), pure; the engine's gate and the plan use it.
//! - [`plan`]: the plan of the next sync for people (requests per phase, the quota, ETAs),
//!   pure over a snapshot of the database; the probe that learns a fresh database's totals.
//! - [`export`]: the library out of the database in CSV, JSON, M3U8, JSPF, XSPF and
//!   ListenBrainz listens (no Spotify request); [`musicbrainz`]: recording ids by ISRC from
//!   the MusicBrainz web service, cached in the database, for those exports.
//! - [`sync`]: the engine task. Front ends [`sync::spawn`] it, send [`sync::SyncCommand`]s and
//!   receive [`sync::SyncEvent`]s; read-only views come from [`sync::load_status`] and
//!   [`store::Reader`] (its [`store::Sql`] queries), which refuse a database that is not ours.
//!
//! Front ends (the `spotsync` binary's commands and terminal app) depend on this crate; it
//! never depends on them, nor on clap, ratatui or crossterm.

pub mod domain;
pub mod duration;
pub mod export;
pub mod import;
pub mod musicbrainz;
pub mod plan;
pub mod quota;
pub mod settings;
pub mod spotify;
pub mod store;
pub mod sync;
