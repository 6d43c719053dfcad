//! The recordings other projects made of the real Web API (`real-world/api/`), replayed as one
//! account: a full sync mirrors every recorded object of every list, in Development Mode and
//! with Extended Quota, and each odd entry the recordings carry is stored as it should be.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "sync/album_lists.rs"]
mod album_lists;
#[path = "sync/common.rs"]
mod common;
#[path = "real_world/export.rs"]
mod export;
#[path = "real_world/mirror.rs"]
mod mirror;
#[path = "real_world/odd.rs"]
mod odd;
#[path = "real_world/replay.rs"]
mod replay;
