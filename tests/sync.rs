//! Sync engine against the simulator over real HTTP: the engine API and the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "sync/album_lists.rs"]
mod album_lists;
#[path = "sync/common.rs"]
mod common;
#[path = "sync/engine.rs"]
mod engine;
#[path = "sync/enrich.rs"]
mod enrich;
#[path = "sync/full.rs"]
mod full;
#[path = "sync/history.rs"]
mod history;
#[path = "sync/incremental.rs"]
mod incremental;
#[path = "sync/limits.rs"]
mod limits;
#[path = "sync/lists.rs"]
mod lists;
#[path = "sync/lists_common.rs"]
mod lists_common;
#[path = "sync/quota.rs"]
mod quota;
#[path = "sync/resume.rs"]
mod resume;
#[path = "sync/safety.rs"]
mod safety;
