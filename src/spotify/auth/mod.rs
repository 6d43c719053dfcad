//! Authorization Code with PKCE, the token store and `spotsync auth` / `auth status` /
//! `auth refresh` / `logout`.
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

use std::io::BufRead;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use color_eyre::eyre::Result;
use rspotify::clients::BaseClient;

use super::Credentials;
use crate::cli::{AuthArgs, AuthCommand, GlobalArgs};
use crate::config::{self, Config, Paths};
use crate::exit;
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
    #[error("{0}")]
    Other(String),
}

impl AuthError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            AuthError::NoToken | AuthError::InvalidGrant(_) | AuthError::TokenFile(_) => {
                exit::AUTH_NEEDED
            }
            AuthError::Other(_) => exit::ERROR,
        }
    }
}

/// Give up waiting for the redirect after this long.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Warn this many days before the refresh token's end, and again at the second threshold.
pub const WARN_DAYS: [i64; 2] = [30, 7];

/// The credentials to sync with: `SPOTSYNC_ACCESS_TOKEN` when set (used as-is), else the stored
/// token, whose `on_refresh` writes every refreshed (rotated) token back to the token file,
/// keeping the original authorization date.
pub fn load_credentials(paths: &Paths, config: &Config) -> Result<Credentials, AuthError> {
    if let Ok(t) = std::env::var("SPOTSYNC_ACCESS_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(Credentials::AccessToken(t.trim().to_string()));
    }
    let stored = store::read(&paths.token_file)
        .map_err(|e| AuthError::TokenFile(e.to_string()))?
        .ok_or(AuthError::NoToken)?;
    if let Some(id) = config.client_id()
        && id != stored.client_id
    {
        tracing::warn!(
            "the configured client id differs from the one the stored token was issued to; \
             using the token's ({}) until `spotsync auth` is run again",
            stored.client_id
        );
    }
    Ok(credentials_from(paths.token_file.clone(), stored))
}

fn credentials_from(token_file: std::path::PathBuf, stored: StoredToken) -> Credentials {
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
                    let body = resp.text().await.unwrap_or_default();
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
        Some(t) => {
            on_refresh(&t);
            Ok(t)
        }
        None => Err(AuthError::Other(
            "the stored token has no refresh token: run `spotsync auth`".into(),
        )),
    }
}

/// The warning to show 30 and 7 days before the refresh token's 6-month life ends (and after
/// it ended), or `None`. Reads the token file; `None` when there is none.
pub fn refresh_expiry_warning(paths: &Paths) -> Option<String> {
    let stored = store::read(&paths.token_file).ok()??;
    expiry_warning(stored.refresh_token_expires_at(), Utc::now())
}

/// Print [`refresh_expiry_warning`] to stderr (and the log), if any: for headless commands.
pub fn warn_if_authorization_ends_soon(paths: &Paths) {
    if let Some(w) = refresh_expiry_warning(paths) {
        tracing::warn!("{w}");
        eprintln!("spotsync: warning: {w}");
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

fn load_config(paths: &Paths) -> Result<Config, i32> {
    Config::load(&paths.config_file).map_err(|e| {
        eprintln!("spotsync: {e}");
        exit::ERROR
    })
}

/// `spotsync auth [status | refresh] [--client-id ID] [--no-listen]`.
pub async fn run_auth(global: &GlobalArgs, args: &AuthArgs) -> Result<i32> {
    let paths = Paths::resolve(global)?;
    let _log = crate::logging::init(&paths.log_dir, false);
    match &args.command {
        Some(AuthCommand::Status { json }) => return Ok(run_status(&paths, *json)),
        Some(AuthCommand::Refresh) => return Ok(run_refresh(global, &paths).await),
        None => {}
    }
    let mut config = match load_config(&paths) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if let Some(id) = &args.client_id {
        match config::save_client_id(&paths.config_file, id) {
            Ok(c) => {
                println!("Saved the client id in {}.", paths.config_file.display());
                config = c;
            }
            Err(e) => {
                eprintln!("spotsync: {e}");
                return Ok(exit::ERROR);
            }
        }
    }
    // The id given on the command line wins for this login, even over SPOTIFY_CLIENT_ID.
    let from_flag = args.client_id.as_ref().map(|s| s.trim().to_string());
    if let (Some(flag), Some(env)) = (&from_flag, config.client_id())
        && *flag != env
    {
        println!(
            "Note: SPOTIFY_CLIENT_ID is set to another id; it overrides the config file in later \
             commands."
        );
    }
    let Some(client_id) = from_flag.or_else(|| config.client_id()) else {
        eprintln!(
            "{}",
            config::setup_guide(&paths.config_file, &config.redirect_uri)
        );
        return Ok(exit::ERROR);
    };
    if let Err(m) = config::check_client_id(&client_id) {
        eprintln!("spotsync: the client id (SPOTIFY_CLIENT_ID or client_id) {m}");
        return Ok(exit::ERROR);
    }
    login(
        global,
        &paths,
        &client_id,
        &config.redirect_uri,
        !args.no_listen,
    )
    .await
}

/// Lines typed or pasted on stdin, read on a plain thread so that exiting never waits for it.
fn stdin_lines() -> tokio::sync::mpsc::Receiver<String> {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    rx
}

async fn login(
    global: &GlobalArgs,
    paths: &Paths,
    client_id: &str,
    redirect_uri: &str,
    listen: bool,
) -> Result<i32> {
    let mut session = match LoginSession::start(
        client_id,
        redirect_uri,
        &global.accounts_url,
        &global.api_url,
        paths,
        listen,
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("spotsync: {e}");
            return Ok(exit::ERROR);
        }
    };

    println!("Connecting spotsync to Spotify (app client id {client_id}).");
    if let Ok(Some(old)) = store::read(&paths.token_file) {
        println!(
            "(Already connected as user id {}: logging in again replaces that authorization and \
             starts 6 new months.)",
            old.user_id
        );
    }
    println!();
    println!("1. Open this link in a browser, log in to Spotify and approve:");
    println!();
    println!("{}", session.authorize_url());
    println!();
    match session.ssh_hint() {
        Some(ssh) => {
            println!(
                "2. Spotify then sends the browser to {redirect_uri}, where spotsync is listening."
            );
            println!("   If the browser runs on another machine (spotsync over ssh), either:");
            println!("   - forward the port first, from that machine: {ssh}");
            println!("     then open the link; or");
            println!(
                "   - open the link, let the page fail to load, copy the whole address from the"
            );
            println!("     browser's address bar and paste it here.");
        }
        None => {
            if let Some(p) = &session.listen_problem {
                println!("   (spotsync {p}, so it cannot catch the redirect itself.)");
            }
            println!(
                "2. Spotify then sends the browser to {redirect_uri}?code=... (the page may fail to"
            );
            println!("   load: that is expected). Copy the whole address from the address bar.");
        }
    }
    println!();
    println!("Paste the redirected URL here and press Enter:");

    let mut lines = stdin_lines();
    let mut stdin_open = true;
    let deadline = tokio::time::sleep(LOGIN_TIMEOUT);
    tokio::pin!(deadline);
    let result = loop {
        tokio::select! {
            r = session.next_redirect() => {
                if r.is_ok() {
                    println!("Received Spotify's redirect on {redirect_uri}.");
                }
                break r;
            }
            line = lines.recv(), if stdin_open => match line {
                Some(line) if line.trim().is_empty() => {}
                Some(line) => match session.code_from_pasted(&line) {
                    Err(e @ FlowError::NotARedirect(_)) => {
                        println!("{e}");
                        println!("Paste the redirected URL here and press Enter:");
                    }
                    r => break r,
                },
                None => {
                    stdin_open = false;
                    if !session.is_listening() {
                        eprintln!(
                            "spotsync: the input closed before a redirected URL was pasted; \
                             nothing was saved"
                        );
                        return Ok(exit::ERROR);
                    }
                }
            },
            _ = &mut deadline => {
                eprintln!(
                    "spotsync: no answer from Spotify after {} minutes; nothing was saved. Run \
                     `spotsync auth` again.",
                    LOGIN_TIMEOUT.as_secs() / 60
                );
                return Ok(exit::ERROR);
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("spotsync: cancelled; nothing was saved");
                return Ok(exit::INTERRUPTED);
            }
        }
    };
    let stored = match result {
        Ok(code) => session.complete(&code).await,
        Err(e) => Err(e),
    };
    let stored = match stored {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("login failed: {e}");
            eprintln!("spotsync: {e}");
            return Ok(exit::ERROR);
        }
    };
    let who = match &stored.user_name {
        Some(n) => format!("{n} (user id {})", stored.user_id),
        None => format!("user id {}", stored.user_id),
    };
    println!();
    println!("Connected as {who}.");
    println!(
        "The token is saved in {} (readable by you only).",
        paths.token_file.display()
    );
    println!(
        "Spotify ends this authorization on {} (6 months); spotsync warns 30 and 7 days before.",
        stored.refresh_token_expires_at().format("%Y-%m-%d")
    );
    println!("Next: `spotsync sync`, or `spotsync` for the full-screen app.");
    Ok(exit::OK)
}

fn ago_or_in(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = t - now;
    let (abs, past) = if d < TimeDelta::zero() {
        (-d, true)
    } else {
        (d, false)
    };
    let s = if abs.num_days() >= 2 {
        format!("{} days", abs.num_days())
    } else if abs.num_hours() >= 2 {
        format!("{} hours", abs.num_hours())
    } else if abs.num_minutes() >= 1 {
        format!("{} min", abs.num_minutes())
    } else {
        format!("{} s", abs.num_seconds())
    };
    if past {
        format!("{s} ago")
    } else {
        format!("in {s}")
    }
}

fn env_token_set() -> bool {
    std::env::var("SPOTSYNC_ACCESS_TOKEN").is_ok_and(|t| !t.trim().is_empty())
}

/// `spotsync auth status [--json]`.
fn run_status(paths: &Paths, json: bool) -> i32 {
    let stored = match store::read(&paths.token_file) {
        Ok(s) => s,
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "connected": false, "error": e.to_string(),
                        "token_file": paths.token_file })
                );
            } else {
                eprintln!("spotsync: {e}");
            }
            return exit::AUTH_NEEDED;
        }
    };
    let Some(s) = stored else {
        if json {
            println!(
                "{}",
                serde_json::json!({ "connected": false, "token_file": paths.token_file,
                    "access_token_from_env": env_token_set() })
            );
        } else {
            println!("Not connected to Spotify: run `spotsync auth`.");
            if env_token_set() {
                println!("(SPOTSYNC_ACCESS_TOKEN is set: syncs use that token as-is.)");
            }
        }
        return exit::AUTH_NEEDED;
    };
    let now = Utc::now();
    let end = s.refresh_token_expires_at();
    let warning = expiry_warning(end, now);
    let access_expired = s.token.expires_at.is_none_or(|t| t <= now);
    if json {
        let v = serde_json::json!({
            "connected": true,
            "user_id": s.user_id,
            "user_name": s.user_name,
            "client_id": s.client_id,
            "scopes": s.scopes(),
            "authorized_at": s.authorized_at,
            "access_token_expires_at": s.token.expires_at,
            "access_token_expired": access_expired,
            "refresh_token_expires_at": end,
            "refresh_token_days_left": (end - now).num_days().max(0),
            "warning": warning,
            "token_file": paths.token_file,
            "access_token_from_env": env_token_set(),
        });
        println!("{v}");
        return exit::OK;
    }
    match &s.user_name {
        Some(n) => println!("Connected to Spotify as {n} (user id {}).", s.user_id),
        None => println!("Connected to Spotify as user id {}.", s.user_id),
    }
    println!("  app client id:  {}", s.client_id);
    println!("  scopes:         {}", s.scopes().join(" "));
    println!(
        "  authorized:     {}",
        s.authorized_at.format("%Y-%m-%d %H:%M UTC")
    );
    match s.token.expires_at {
        Some(t) if !access_expired => println!(
            "  access token:   valid until {} ({})",
            t.format("%Y-%m-%d %H:%M:%S UTC"),
            ago_or_in(t, now)
        ),
        Some(t) => println!(
            "  access token:   expired {} (the next sync refreshes it)",
            ago_or_in(t, now)
        ),
        None => println!("  access token:   expiry unknown (the next sync refreshes it)"),
    }
    if end > now {
        println!(
            "  refresh token:  valid until {} ({} days left; `spotsync auth` starts 6 new months)",
            end.format("%Y-%m-%d %H:%M UTC"),
            (end - now).num_days()
        );
    } else {
        println!(
            "  refresh token:  ended on {}",
            end.format("%Y-%m-%d %H:%M UTC")
        );
    }
    println!("  token file:     {}", paths.token_file.display());
    if env_token_set() {
        println!("SPOTSYNC_ACCESS_TOKEN is set: syncs use that token instead of this one.");
    }
    if let Some(w) = warning {
        println!("warning: {w}");
    }
    exit::OK
}

/// `spotsync auth refresh`: refresh the access token now (and check the authorization works).
async fn run_refresh(global: &GlobalArgs, paths: &Paths) -> i32 {
    let stored = match store::read(&paths.token_file) {
        Ok(Some(s)) => s,
        Ok(None) => {
            eprintln!("spotsync: {}", AuthError::NoToken);
            return exit::AUTH_NEEDED;
        }
        Err(e) => {
            eprintln!("spotsync: {e}");
            return exit::AUTH_NEEDED;
        }
    };
    let creds = credentials_from(paths.token_file.clone(), stored);
    match refresh_now(&creds, &global.accounts_url, &global.api_url).await {
        Ok(t) => {
            let until = t
                .expires_at
                .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_else(|| "unknown".into());
            println!("Refreshed: the new access token is valid until {until}.");
            if let Some(w) = refresh_expiry_warning(paths) {
                println!("warning: {w}");
            }
            exit::OK
        }
        Err(e) => {
            tracing::warn!("refresh failed: {e}");
            eprintln!("spotsync: {e}");
            e.exit_code()
        }
    }
}

/// `spotsync logout`.
pub async fn run_logout(global: &GlobalArgs) -> Result<i32> {
    let paths = Paths::resolve(global)?;
    Ok(logout(&paths.token_file))
}

fn logout(token_file: &Path) -> i32 {
    match store::remove(token_file) {
        Ok(true) => {
            println!("Logged out: removed {}.", token_file.display());
            println!(
                "To also revoke spotsync's access on Spotify's side, remove the app at \
                 https://www.spotify.com/account/apps/."
            );
        }
        Ok(false) => println!("Not logged in (no token at {}).", token_file.display()),
        Err(e) => {
            eprintln!("spotsync: {e}");
            return exit::ERROR;
        }
    }
    if env_token_set() {
        println!("Note: SPOTSYNC_ACCESS_TOKEN is still set in this environment.");
    }
    exit::OK
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
