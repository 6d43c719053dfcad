//! The only code that talks HTTP to Spotify: client setup over rspotify, authorization, tolerant
//! models for today's API, and error classification.
//!
//! Everything a server sends is untrusted: every conversion of server input is total (a value,
//! a documented meaning for odd values, or an error; never a panic).
//!
//! - [`client`]: the Web API client (one request per call) and its endpoints;
//! - [`error`]: classification of failed requests, `Retry-After` parsing;
//! - [`model`] over [`lenient`]: the tolerant payload models and their field readers;
//! - [`mod@write`]: the writes a restore sends (saves, playlists, covers); [`cdn`]: cover images;
//! - [`auth`]: the PKCE login, the token file, the credentials the sync uses;
//! - leaves used by both `client` and `auth`: [`credentials`], [`token`] (bounded token
//!   lifetimes), [`body`] (bounded body reads).

pub mod auth;
pub mod body;
pub mod cdn;
pub mod client;
pub mod credentials;
pub mod error;
pub mod lenient;
pub mod model;
pub mod token;
pub mod write;

pub use client::{Endpoint, SpotifyClient};
pub use credentials::Credentials;
pub use error::ApiError;
pub use write::WriteRequest;
