//! The terminal app: `App::update` for every key and engine event (driven through messages, read
//! through what is drawn and small accessors), screen snapshots at 80×24 and 160×48, and
//! end-to-end runs of the real binary in tmux.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "tui/album_detail.rs"]
mod album_detail;
#[path = "tui/browse_e2e.rs"]
mod browse_e2e;
#[path = "tui/demo_history.rs"]
mod demo_history;
#[path = "tui/e2e.rs"]
mod e2e;
#[path = "tui/engine.rs"]
mod engine;
#[path = "tui/events.rs"]
mod events;
#[path = "tui/export.rs"]
mod export;
#[path = "tui/fit.rs"]
mod fit;
#[path = "tui/fixtures.rs"]
mod fixtures;
#[path = "tui/journal.rs"]
mod journal;
#[path = "tui/keys.rs"]
mod keys;
#[path = "tui/library.rs"]
mod library;
#[path = "tui/library_audio.rs"]
mod library_audio;
#[path = "tui/library_db.rs"]
mod library_db;
#[path = "tui/lists.rs"]
mod lists;
#[path = "tui/log_pane.rs"]
mod log_pane;
#[path = "tui/login.rs"]
mod login;
#[path = "tui/login_e2e.rs"]
mod login_e2e;
#[path = "tui/navigation.rs"]
mod navigation;
#[path = "tui/panes.rs"]
mod panes;
#[path = "tui/plan_pane.rs"]
mod plan_pane;
#[path = "shared/real_exports.rs"]
mod real_exports;
#[path = "tui/restore.rs"]
mod restore;
#[path = "tui/restore_e2e.rs"]
mod restore_e2e;
#[path = "tui/snapshots.rs"]
mod snapshots;
#[path = "tui/stats.rs"]
mod stats;
#[path = "tui/stats_real.rs"]
mod stats_real;
#[path = "tui/tmux.rs"]
mod tmux;

/// The end-to-end tests each drive the real binary (often with a simulator) in tmux; on a
/// 2-core machine, running them one at a time keeps their timing honest.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
