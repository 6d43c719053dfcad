//! What the client authenticates with: a bare access token or a stored, refreshable PKCE token.

use std::path::PathBuf;
use std::sync::Arc;

/// How the client authenticates. Built by
/// [`load_credentials`](crate::spotify::auth::load_credentials).
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

/// An access token that cannot be sent: it holds a character (a control character, a line
/// break) that an HTTP header cannot carry. Only a new token helps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the token is unusable: run `spotsync auth` ({0} holds a character an HTTP header cannot carry)"
)]
pub struct UnusableToken(pub &'static str);

/// Whether `token` can be sent as `Authorization: Bearer <token>`, checked the way the HTTP
/// client converts it (which would otherwise panic on it). `whose` names the token in the
/// error: `SPOTSYNC_ACCESS_TOKEN`, `the stored token`...
pub fn check_access_token(token: &str, whose: &'static str) -> Result<(), UnusableToken> {
    reqwest::header::HeaderValue::try_from(format!("Bearer {token}"))
        .map(drop)
        .map_err(|_| UnusableToken(whose))
}

impl Credentials {
    /// Check the access token before any request is built with it.
    pub fn check(&self) -> Result<(), UnusableToken> {
        match self {
            Credentials::AccessToken(t) => check_access_token(t, "SPOTSYNC_ACCESS_TOKEN"),
            Credentials::Pkce { token, .. } => {
                check_access_token(&token.access_token, "the stored token")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_an_http_header_cannot_carry_are_unusable() {
        assert_eq!(check_access_token("BQD-abc_123.XYZ", "t"), Ok(()));
        for bad in ["abc\u{1}def", "abc\ndef", "abc\rdef", "a\u{7f}b", "\u{0}"] {
            let e = check_access_token(bad, "SPOTSYNC_ACCESS_TOKEN").unwrap_err();
            let words = e.to_string();
            assert!(
                words.starts_with("the token is unusable: run `spotsync auth`")
                    && words.contains("SPOTSYNC_ACCESS_TOKEN"),
                "{words}"
            );
        }
        let c = Credentials::AccessToken("x\u{2}y".into());
        assert_eq!(c.check(), Err(UnusableToken("SPOTSYNC_ACCESS_TOKEN")));
    }
}
