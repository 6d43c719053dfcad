//! Authorization Code with PKCE and the token store (the commands that drive them live in the
//! binary's `commands/auth.rs`).
//!
//! - [`flow`]: one login (authorize URL, redirect caught on the loopback port or pasted, code
//!   exchange, `GET /me`), usable by any front end.
//! - [`session`]: a login as a front end drives it (CLI here, the TUI's connect screen).
//! - [`store`]: the token file (mode 0600, atomic replace, authorization date kept).
//! - [`load_credentials`]: what the sync uses; its `on_refresh` persists every rotated token.
//! - [`refresh_expiry_warning`]: the 30- and 7-day warnings before the refresh token's end.

pub mod flow;
pub mod session;
pub mod store;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rspotify::clients::BaseClient;

use crate::spotify::body::{MAX_ERROR_BODY, read_body_capped};
use crate::spotify::credentials::{Credentials, UnusableToken, check_access_token};
use crate::spotify::token::settle_expiry;
pub use flow::{FlowError, PkceLogin, SCOPES};
pub use session::LoginSession;
pub use store::StoredToken;

/// Errors that mean "no usable authorization": exit code 3 and "run `spotsync auth`".
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("not connected to Spotify: run `spotsync auth` (or set SPOTSYNC_ACCESS_TOKEN)")]
    NoToken,
    #[error("Spotify refused the stored authorization ({0}): run `spotsync auth` to log in again")]
    InvalidGrant(String),
    /// The token file cannot be read or is damaged.
    #[error("{0}")]
    TokenFile(String),
    /// The access token cannot be sent (a character HTTP cannot carry).
    #[error(transparent)]
    Unusable(#[from] UnusableToken),
    #[error("{0}")]
    Other(String),
}

impl AuthError {
    /// True when the remedy is a new login (`spotsync auth`), not a retry.
    pub fn needs_login(&self) -> bool {
        !matches!(self, AuthError::Other(_))
    }
}

/// Give up waiting for the redirect after this long.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Warn this many days before the refresh token's end, and again at the second threshold.
pub const WARN_DAYS: [i64; 2] = [30, 7];

/// The credentials to sync with: `SPOTSYNC_ACCESS_TOKEN` when set (used as-is), else the stored
/// token, whose `on_refresh` writes every refreshed (rotated) token back to the token file,
/// keeping the original authorization date. Every front end starts the engine with these: an
/// access token HTTP cannot carry is refused here ([`AuthError::Unusable`]), before any request.
pub fn load_credentials(
    token_file: &Path,
    configured_client_id: Option<&str>,
) -> Result<Credentials, AuthError> {
    if let Ok(t) = std::env::var("SPOTSYNC_ACCESS_TOKEN")
        && !t.trim().is_empty()
    {
        let credentials = Credentials::AccessToken(t.trim().to_string());
        credentials.check()?;
        return Ok(credentials);
    }
    let stored = store::read(token_file)
        .map_err(|e| AuthError::TokenFile(e.to_string()))?
        .ok_or(AuthError::NoToken)?;
    if let Some(id) = configured_client_id
        && id != stored.client_id
    {
        tracing::warn!(
            "the configured client id differs from the one the stored token was issued to; \
             using the token's ({}) until `spotsync auth` is run again",
            stored.client_id
        );
    }
    let credentials = credentials_from(token_file.to_path_buf(), stored);
    credentials.check()?;
    Ok(credentials)
}

pub fn credentials_from(token_file: std::path::PathBuf, stored: StoredToken) -> Credentials {
    let client_id = stored.client_id.clone();
    let token = stored.token.clone();
    let state = Arc::new(Mutex::new(stored));
    let path = token_file.clone();
    let on_refresh = Arc::new(move |new: &rspotify::Token| {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        s.apply_refresh(new);
        // Respect what happened to the file meanwhile: a `spotsync logout` (file gone) or a new
        // `spotsync auth` (another authorization date) must not be undone by this process.
        match store::read(&path) {
            Ok(Some(on_disk)) if on_disk.authorized_at != s.authorized_at => {
                tracing::info!(
                    "the token file holds a newer authorization; the refreshed token of the \
                     older one is not saved"
                );
                return;
            }
            Ok(None) => {
                tracing::info!(
                    "the token file was removed (logout); the refreshed token is not saved"
                );
                return;
            }
            _ => {}
        }
        match store::write(&path, &s) {
            Ok(()) => tracing::info!(
                expires_at = ?s.token.expires_at,
                "access token refreshed; the new refresh token is saved"
            ),
            Err(e) => tracing::error!("{e}"),
        }
    });
    Credentials::Pkce {
        client_id,
        token,
        token_file,
        on_refresh,
    }
}

/// True when a token-endpoint error body says the grant is no longer valid (`invalid_grant`:
/// refresh token expired, revoked or already used).
pub fn is_invalid_grant(body: &str) -> bool {
    flow::oauth_error(body).is_some_and(|e| e.starts_with("invalid_grant"))
}

/// Refresh the stored token now with rspotify (the same path the sync uses), persist the
/// rotated token through `on_refresh`, and return it. `invalid_grant` → [`AuthError::InvalidGrant`].
pub async fn refresh_now(
    credentials: &Credentials,
    accounts_url: &str,
    api_url: &str,
) -> Result<rspotify::Token, AuthError> {
    let Credentials::Pkce {
        client_id,
        token,
        on_refresh,
        ..
    } = credentials
    else {
        return Err(AuthError::Other(
            "SPOTSYNC_ACCESS_TOKEN is set: that token is used as-is and cannot be refreshed".into(),
        ));
    };
    let config = rspotify::Config {
        api_base_url: api_url.to_string(),
        auth_base_url: accounts_url.to_string(),
        token_refreshing: false,
        ..Default::default()
    };
    let client = rspotify::AuthCodePkceSpotify::from_token_with_config(
        token.clone(),
        rspotify::Credentials::new_pkce(client_id),
        rspotify::OAuth::default(),
        config,
    );
    match client.refresh_token().await {
        Ok(()) => {}
        Err(rspotify::ClientError::Http(e)) => {
            return Err(match *e {
                rspotify::http::HttpError::StatusCode(resp) => {
                    let status = resp.status();
                    let body = read_body_capped(resp, MAX_ERROR_BODY).await;
                    match flow::oauth_error(&body) {
                        Some(reason) if is_invalid_grant(&body) => AuthError::InvalidGrant(reason),
                        Some(reason) => AuthError::Other(format!(
                            "refreshing the access token failed: {status}: {reason}"
                        )),
                        None => AuthError::Other(format!(
                            "refreshing the access token failed: {status}"
                        )),
                    }
                }
                rspotify::http::HttpError::Client(e) => AuthError::Other(format!(
                    "cannot reach the accounts service at {accounts_url}: {}",
                    e.without_url()
                )),
            });
        }
        Err(e) => {
            return Err(AuthError::Other(format!(
                "refreshing the access token failed: {e}"
            )));
        }
    }
    let new = client.token.lock().await.ok().and_then(|t| t.clone());
    match new {
        Some(mut t) => {
            settle_expiry(&mut t, Utc::now());
            // Saved even when unusable: the refresh token in it has rotated.
            on_refresh(&t);
            check_access_token(&t.access_token, "the refreshed token")?;
            Ok(t)
        }
        None => Err(AuthError::Other(
            "the stored token has no refresh token: run `spotsync auth`".into(),
        )),
    }
}

/// The warning to show 30 and 7 days before the refresh token's 6-month life ends (and after
/// it ended), or `None`. Reads the token file; `None` when there is none.
pub fn refresh_expiry_warning(token_file: &Path) -> Option<String> {
    let stored = store::read(token_file).ok()??;
    expiry_warning(stored.refresh_token_expires_at(), Utc::now())
}

/// Print [`refresh_expiry_warning`] to stderr (and the log), if any: for headless commands.
pub fn warn_if_authorization_ends_soon(token_file: &Path) {
    if let Some(w) = refresh_expiry_warning(token_file) {
        tracing::warn!("{w}");
        // Dropped when stderr cannot be written (eprintln! would panic).
        let mut err = std::io::stderr().lock();
        if writeln!(err, "spotsync: warning: {w}").is_err() {
            tracing::debug!("stderr is closed: the warning is in the log only");
        }
    }
}

/// [`refresh_expiry_warning`] for a given end of life and time.
pub fn expiry_warning(end: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let left = end - now;
    let date = end.format("%Y-%m-%d %H:%M UTC");
    if left <= TimeDelta::zero() {
        return Some(format!(
            "Your Spotify authorization ended on {date} (refresh tokens last 6 months): run \
             `spotsync auth` to log in again."
        ));
    }
    if left > TimeDelta::days(WARN_DAYS[0]) {
        return None;
    }
    let days = left.num_days();
    let when = match days {
        0 => "today".to_string(),
        1 => "in 1 day".to_string(),
        n => format!("in {n} days"),
    };
    Some(format!(
        "Your Spotify authorization ends {when} ({date}; refresh tokens last 6 months): run \
         `spotsync auth` before then to keep syncing."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn warnings_30_and_7_days_before_the_end() {
        let end = Utc.with_ymd_and_hms(2027, 5, 25, 12, 0, 0).unwrap();
        assert!(expiry_warning(end, end - TimeDelta::days(31)).is_none());
        let w = expiry_warning(end, end - TimeDelta::days(30)).unwrap();
        assert!(
            w.contains("in 30 days") && w.contains("spotsync auth"),
            "{w}"
        );
        let w = expiry_warning(end, end - TimeDelta::days(7)).unwrap();
        assert!(w.contains("in 7 days"), "{w}");
        let w = expiry_warning(end, end - TimeDelta::hours(3)).unwrap();
        assert!(w.contains("today"), "{w}");
        let w = expiry_warning(end, end + TimeDelta::days(1)).unwrap();
        assert!(w.contains("ended"), "{w}");
    }

    #[test]
    fn invalid_grant_bodies() {
        assert!(is_invalid_grant(
            r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#
        ));
        assert!(!is_invalid_grant(r#"{"error":"invalid_client"}"#));
        assert!(!is_invalid_grant("oops"));
    }

    #[test]
    fn credentials_debug_and_refresh_persistence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        let stored = StoredToken {
            version: store::TOKEN_FILE_VERSION,
            client_id: "cid".into(),
            authorized_at: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            user_id: "u".into(),
            user_name: None,
            token: rspotify::Token {
                access_token: "AT-ONE".into(),
                refresh_token: Some("RT-ONE".into()),
                ..Default::default()
            },
        };
        store::write(&path, &stored).unwrap();
        let creds = credentials_from(path.clone(), stored);
        assert!(!format!("{creds:?}").contains("AT-ONE"));
        let Credentials::Pkce { on_refresh, .. } = &creds else {
            panic!("expected PKCE credentials")
        };
        on_refresh(&rspotify::Token {
            access_token: "AT-TWO".into(),
            refresh_token: Some("RT-TWO".into()),
            ..Default::default()
        });
        let back = store::read(&path).unwrap().unwrap();
        assert_eq!(back.token.refresh_token.as_deref(), Some("RT-TWO"));
        assert_eq!(
            back.authorized_at,
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
        );

        // A new login elsewhere (another authorization date) is not overwritten...
        let mut newer = back.clone();
        newer.authorized_at = Utc::now();
        newer.token.refresh_token = Some("RT-NEW-LOGIN".into());
        store::write(&path, &newer).unwrap();
        on_refresh(&rspotify::Token {
            access_token: "AT-THREE".into(),
            refresh_token: Some("RT-THREE".into()),
            ..Default::default()
        });
        let back = store::read(&path).unwrap().unwrap();
        assert_eq!(back.token.refresh_token.as_deref(), Some("RT-NEW-LOGIN"));

        // ...and a logout is not undone.
        store::remove(&path).unwrap();
        on_refresh(&rspotify::Token {
            access_token: "AT-FOUR".into(),
            refresh_token: Some("RT-FOUR".into()),
            ..Default::default()
        });
        assert!(!path.exists());
    }
}
