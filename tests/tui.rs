//! The terminal app: `update()` for every key and engine event, screen snapshots at 80×24 and
//! 160×48, and an end-to-end run of `spotsync demo` in tmux.

#[path = "tui/e2e.rs"]
mod e2e;
#[path = "tui/fixtures.rs"]
mod fixtures;
#[path = "tui/journal.rs"]
mod journal;
#[path = "tui/log_pane.rs"]
mod log_pane;
#[path = "tui/login.rs"]
mod login;
#[path = "tui/login_e2e.rs"]
mod login_e2e;
#[path = "tui/snapshots.rs"]
mod snapshots;
#[path = "tui/update.rs"]
mod update;
