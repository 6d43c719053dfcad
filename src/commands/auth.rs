//! `spotsync auth [status | refresh]` and `spotsync logout`.

use std::io::BufRead;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use color_eyre::eyre::Result;
use spotsync_core::spotify::auth::StoredToken;
use spotsync_core::spotify::auth::{
    AuthError, FlowError, LOGIN_TIMEOUT, LoginSession, credentials_from, expiry_warning,
    refresh_expiry_warning, refresh_now, store,
};

use crate::cli::{AuthArgs, AuthCommand, GlobalArgs};
use crate::config::{self, Config, Paths};
use crate::exit;

fn load_config(paths: &Paths) -> Result<Config, i32> {
    Config::load(&paths.config_file).map_err(|e| {
        errln!("spotsync: {e}");
        exit::ERROR
    })
}

/// `spotsync auth [status | refresh] [--client-id ID] [--no-listen]`.
pub async fn run(global: &GlobalArgs, args: &AuthArgs) -> Result<i32> {
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
                outln!("Saved the client id in {}.", paths.config_file.display());
                config = c;
            }
            Err(e) => {
                errln!("spotsync: {e}");
                return Ok(exit::ERROR);
            }
        }
    }
    // The id given on the command line wins for this login, even over SPOTIFY_CLIENT_ID.
    let from_flag = args.client_id.as_ref().map(|s| s.trim().to_string());
    if let (Some(flag), Some(env)) = (&from_flag, config.client_id())
        && *flag != env
    {
        outln!(
            "Note: SPOTIFY_CLIENT_ID is set to another id; it overrides the config file in later \
             commands."
        );
    }
    let Some(client_id) = from_flag.or_else(|| config.client_id()) else {
        errln!(
            "{}",
            config::setup_guide(&paths.config_file, &config.redirect_uri)
        );
        return Ok(exit::ERROR);
    };
    if let Err(m) = config::check_client_id(&client_id) {
        errln!("spotsync: the client id (SPOTIFY_CLIENT_ID or client_id) {m}");
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
        &paths.token_file,
        listen,
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            errln!("spotsync: {e}");
            return Ok(exit::ERROR);
        }
    };
    print_instructions(&session, paths, client_id, redirect_uri);
    let code = match wait_for_code(&mut session, redirect_uri).await {
        Ok(r) => r,
        Err(exit_code) => return Ok(exit_code),
    };
    let stored = match code {
        Ok(code) => session.complete(&code).await,
        Err(e) => Err(e),
    };
    match stored {
        Ok(s) => {
            print_connected(&s, paths);
            Ok(exit::OK)
        }
        Err(e) => {
            tracing::warn!("login failed: {e}");
            errln!("spotsync: {e}");
            Ok(exit::ERROR)
        }
    }
}

/// The link to open, and how the redirect comes back (caught on the port, or pasted).
fn print_instructions(session: &LoginSession, paths: &Paths, client_id: &str, redirect_uri: &str) {
    outln!("Connecting spotsync to Spotify (app client id {client_id}).");
    if let Ok(Some(old)) = store::read(&paths.token_file) {
        outln!(
            "(Already connected as user id {}: logging in again replaces that authorization and \
             starts 6 new months.)",
            old.user_id
        );
    }
    outln!();
    outln!("1. Open this link in a browser, log in to Spotify and approve:");
    outln!();
    outln!("{}", session.authorize_url());
    outln!();
    match session.ssh_hint() {
        Some(ssh) => {
            outln!(
                "2. Spotify then sends the browser to {redirect_uri}, where spotsync is listening."
            );
            outln!("   If the browser runs on another machine (spotsync over ssh), either:");
            outln!("   - forward the port first, from that machine: {ssh}");
            outln!("     then open the link; or");
            outln!(
                "   - open the link, let the page fail to load, copy the whole address from the"
            );
            outln!("     browser's address bar and paste it here.");
        }
        None => {
            if let Some(p) = &session.listen_problem {
                outln!("   (spotsync {p}, so it cannot catch the redirect itself.)");
            }
            outln!(
                "2. Spotify then sends the browser to {redirect_uri}?code=... (the page may fail to"
            );
            outln!("   load: that is expected). Copy the whole address from the address bar.");
        }
    }
    outln!();
    outln!("Paste the redirected URL here and press Enter:");
}

/// The authorization code, from the redirect on the loopback port or a pasted URL, whichever
/// comes first. `Err(exit code)` once the reason is on stderr (the input closed with nothing
/// listening, the deadline passed, Ctrl-C).
async fn wait_for_code(
    session: &mut LoginSession,
    redirect_uri: &str,
) -> std::result::Result<std::result::Result<String, FlowError>, i32> {
    let mut lines = stdin_lines();
    let mut stdin_open = true;
    let deadline = tokio::time::sleep(LOGIN_TIMEOUT);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            r = session.next_redirect() => {
                if r.is_ok() {
                    outln!("Received Spotify's redirect on {redirect_uri}.");
                }
                return Ok(r);
            }
            line = lines.recv(), if stdin_open => match line {
                Some(line) if line.trim().is_empty() => {}
                Some(line) => match session.code_from_pasted(&line) {
                    Err(e @ FlowError::NotARedirect(_)) => {
                        outln!("{e}");
                        outln!("Paste the redirected URL here and press Enter:");
                    }
                    r => return Ok(r),
                },
                None => {
                    stdin_open = false;
                    if !session.is_listening() {
                        errln!(
                            "spotsync: the input closed before a redirected URL was pasted; \
                             nothing was saved"
                        );
                        return Err(exit::ERROR);
                    }
                }
            },
            _ = &mut deadline => {
                errln!(
                    "spotsync: no answer from Spotify after {} minutes; nothing was saved. Run \
                     `spotsync auth` again.",
                    LOGIN_TIMEOUT.as_secs() / 60
                );
                return Err(exit::ERROR);
            }
            _ = tokio::signal::ctrl_c() => {
                errln!("spotsync: cancelled; nothing was saved");
                return Err(exit::INTERRUPTED);
            }
        }
    }
}

/// Who is connected, where the token is, and when the authorization ends.
fn print_connected(stored: &StoredToken, paths: &Paths) {
    let who = match &stored.user_name {
        Some(n) => format!("{n} (user id {})", stored.user_id),
        None => format!("user id {}", stored.user_id),
    };
    outln!();
    outln!("Connected as {who}.");
    outln!(
        "The token is saved in {} (readable by you only).",
        paths.token_file.display()
    );
    outln!(
        "Spotify ends this authorization on {} (6 months); spotsync warns 30 and 7 days before.",
        stored.refresh_token_expires_at().format("%Y-%m-%d")
    );
    outln!("Next: `spotsync sync`, or `spotsync` for the full-screen app.");
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
                outln!(
                    "{}",
                    serde_json::json!({ "connected": false, "error": e.to_string(),
                        "token_file": paths.token_file })
                );
            } else {
                errln!("spotsync: {e}");
            }
            return exit::AUTH_NEEDED;
        }
    };
    let Some(s) = stored else {
        if json {
            outln!(
                "{}",
                serde_json::json!({ "connected": false, "token_file": paths.token_file,
                    "access_token_from_env": env_token_set() })
            );
        } else {
            outln!("Not connected to Spotify: run `spotsync auth`.");
            if env_token_set() {
                outln!("(SPOTSYNC_ACCESS_TOKEN is set: syncs use that token as-is.)");
            }
        }
        return exit::AUTH_NEEDED;
    };
    if json {
        outln!("{}", status_json(&s, paths, Utc::now()));
    } else {
        print_status(&s, paths, Utc::now());
    }
    exit::OK
}

/// `auth status --json` of a stored token.
fn status_json(s: &StoredToken, paths: &Paths, now: DateTime<Utc>) -> serde_json::Value {
    let end = s.refresh_token_expires_at();
    serde_json::json!({
        "connected": true,
        "user_id": s.user_id,
        "user_name": s.user_name,
        "client_id": s.client_id,
        "scopes": s.scopes(),
        "authorized_at": s.authorized_at,
        "access_token_expires_at": s.token.expires_at,
        "access_token_expired": s.token.expires_at.is_none_or(|t| t <= now),
        "refresh_token_expires_at": end,
        "refresh_token_days_left": (end - now).num_days().max(0),
        "warning": expiry_warning(end, now),
        "token_file": paths.token_file,
        "access_token_from_env": env_token_set(),
    })
}

/// `auth status` of a stored token, for people.
fn print_status(s: &StoredToken, paths: &Paths, now: DateTime<Utc>) {
    match &s.user_name {
        Some(n) => outln!("Connected to Spotify as {n} (user id {}).", s.user_id),
        None => outln!("Connected to Spotify as user id {}.", s.user_id),
    }
    outln!("  app client id:  {}", s.client_id);
    outln!("  scopes:         {}", s.scopes().join(" "));
    outln!(
        "  authorized:     {}",
        s.authorized_at.format("%Y-%m-%d %H:%M UTC")
    );
    match s.token.expires_at {
        Some(t) if t > now => outln!(
            "  access token:   valid until {} ({})",
            t.format("%Y-%m-%d %H:%M:%S UTC"),
            ago_or_in(t, now)
        ),
        Some(t) => outln!(
            "  access token:   expired {} (the next sync refreshes it)",
            ago_or_in(t, now)
        ),
        None => outln!("  access token:   expiry unknown (the next sync refreshes it)"),
    }
    let end = s.refresh_token_expires_at();
    if end > now {
        outln!(
            "  refresh token:  valid until {} ({} days left; `spotsync auth` starts 6 new months)",
            end.format("%Y-%m-%d %H:%M UTC"),
            (end - now).num_days()
        );
    } else {
        outln!(
            "  refresh token:  ended on {}",
            end.format("%Y-%m-%d %H:%M UTC")
        );
    }
    outln!("  token file:     {}", paths.token_file.display());
    if env_token_set() {
        outln!("SPOTSYNC_ACCESS_TOKEN is set: syncs use that token instead of this one.");
    }
    if let Some(w) = expiry_warning(end, now) {
        outln!("warning: {w}");
    }
}

/// `spotsync auth refresh`: refresh the access token now (and check the authorization works).
async fn run_refresh(global: &GlobalArgs, paths: &Paths) -> i32 {
    let stored = match store::read(&paths.token_file) {
        Ok(Some(s)) => s,
        Ok(None) => {
            errln!("spotsync: {}", AuthError::NoToken);
            return exit::AUTH_NEEDED;
        }
        Err(e) => {
            errln!("spotsync: {e}");
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
            outln!("Refreshed: the new access token is valid until {until}.");
            if let Some(w) = refresh_expiry_warning(&paths.token_file) {
                outln!("warning: {w}");
            }
            exit::OK
        }
        Err(e) => {
            tracing::warn!("refresh failed: {e}");
            errln!("spotsync: {e}");
            exit::for_auth(&e)
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
            outln!("Logged out: removed {}.", token_file.display());
            outln!(
                "To also revoke spotsync's access on Spotify's side, remove the app at \
                 https://www.spotify.com/account/apps/."
            );
        }
        Ok(false) => outln!("Not logged in (no token at {}).", token_file.display()),
        Err(e) => {
            errln!("spotsync: {e}");
            return exit::ERROR;
        }
    }
    if env_token_set() {
        outln!("Note: SPOTSYNC_ACCESS_TOKEN is still set in this environment.");
    }
    exit::OK
}
