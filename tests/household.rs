//! A household on one home server: several accounts of one app, their files, the one quota
//! they share, the daemon that serves them all, and an installation from before accounts
//! existed. The real binary against a simulator serving several users of one app.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "household/accounts.rs"]
mod accounts;
#[path = "household/common.rs"]
mod common;
#[path = "restore/compare.rs"]
mod compare;
#[path = "household/daemon.rs"]
mod daemon;
#[path = "household/plan.rs"]
mod plan;
#[path = "household/quota.rs"]
mod quota;
#[path = "household/restore.rs"]
mod restore;
#[allow(dead_code)] // the terminal app's tests use all of it
#[path = "tui/tmux.rs"]
mod tmux;
#[path = "household/tui.rs"]
mod tui;
#[path = "household/upgrade.rs"]
mod upgrade;
