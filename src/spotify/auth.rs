//! Authorization Code with PKCE, the token store and `spotsync auth` / `logout` (issue 5).

use color_eyre::eyre::{Result, eyre};

use super::Credentials;
use crate::cli::{AuthArgs, GlobalArgs};
use crate::config::{Config, Paths};

/// Errors that mean "no usable authorization": exit code 3 and "run `spotsync auth`".
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("not connected to Spotify: run `spotsync auth` (or set SPOTSYNC_ACCESS_TOKEN)")]
    NoToken,
    #[error("Spotify refused the stored authorization ({0}): run `spotsync auth` to log in again")]
    InvalidGrant(String),
    #[error("{0}")]
    Other(String),
}

/// The credentials to sync with: `SPOTSYNC_ACCESS_TOKEN` when set, else the stored token.
pub fn load_credentials(_paths: &Paths, _config: &Config) -> Result<Credentials, AuthError> {
    match std::env::var("SPOTSYNC_ACCESS_TOKEN") {
        Ok(t) if !t.trim().is_empty() => Ok(Credentials::AccessToken(t.trim().to_string())),
        _ => Err(AuthError::NoToken),
    }
}

/// `spotsync auth [status]`.
pub async fn run_auth(_global: &GlobalArgs, _args: &AuthArgs) -> Result<i32> {
    Err(eyre!("`spotsync auth` is not available yet"))
}

/// `spotsync logout`.
pub async fn run_logout(_global: &GlobalArgs) -> Result<i32> {
    Err(eyre!("`spotsync logout` is not available yet"))
}
