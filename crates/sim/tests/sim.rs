//! The Spotify Web API simulator, driven over real HTTP: rspotify where its models parse
//! today's API, raw JSON where they cannot; schema validation against the OpenAPI description;
//! limits, auth, faults and mutations. (`spotsync simulate` itself is tested in the
//! workspace root's `tests/simulate.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

#[path = "sim/common.rs"]
mod common;

#[path = "sim/albums.rs"]
mod albums;
#[path = "sim/auth.rs"]
mod auth;
#[path = "sim/covers.rs"]
mod covers;
#[path = "sim/endpoints.rs"]
mod endpoints;
#[path = "sim/faults.rs"]
mod faults;
#[path = "sim/household.rs"]
mod household;
#[path = "sim/library.rs"]
mod library;
#[path = "sim/library_control.rs"]
mod library_control;
#[path = "sim/limits.rs"]
mod limits;
#[path = "sim/mutations.rs"]
mod mutations;
#[path = "sim/odd_input.rs"]
mod odd_input;
#[path = "sim/pinned.rs"]
mod pinned;
#[path = "sim/playlist_writes.rs"]
mod playlist_writes;
#[path = "sim/schema.rs"]
mod schema;
#[path = "sim/schema_writes.rs"]
mod schema_writes;
#[path = "sim/writes.rs"]
mod writes;
