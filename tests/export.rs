//! `spotsync export`: the real binary on a library synced from the simulator into real SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "sync/common.rs"]
mod common;

#[path = "export/as_of.rs"]
mod as_of;
#[path = "export/audio.rs"]
mod audio;
#[path = "export/consumers.rs"]
mod consumers;
#[path = "export/formats.rs"]
mod formats;
#[path = "export/helpers.rs"]
mod helpers;
#[path = "export/music_dir.rs"]
mod music_dir;
#[path = "export/receiving.rs"]
mod receiving;
