//! What the client authenticates with: a bare access token or a stored, refreshable PKCE token.

use std::path::PathBuf;
use std::sync::Arc;

/// How the client authenticates. Built by [`auth::load_credentials`].
#[derive(Clone)]
pub enum Credentials {
    /// `SPOTSYNC_ACCESS_TOKEN`: sent as the bearer token as-is, never refreshed.
    AccessToken(String),
    /// A stored Authorization Code + PKCE token that the client refreshes on 401 / expiry.
    Pkce {
        client_id: String,
        token: rspotify::Token,
        /// Where the token lives (mode 0600).
        token_file: PathBuf,
        /// Called after every successful refresh with the new token (refresh tokens rotate:
        /// the newest must be persisted every time).
        on_refresh: Arc<dyn Fn(&rspotify::Token) + Send + Sync>,
    },
}

impl std::fmt::Debug for Credentials {
    // Never print a token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::AccessToken(_) => f.write_str("Credentials::AccessToken(<redacted>)"),
            Credentials::Pkce {
                client_id,
                token_file,
                ..
            } => f
                .debug_struct("Credentials::Pkce")
                .field("client_id", client_id)
                .field("token_file", token_file)
                .finish_non_exhaustive(),
        }
    }
}
