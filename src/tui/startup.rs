//! Getting the app going: the terminal check, the state loaded from the database, the engine
//! started (at launch, and again after a login from the app).

use chrono::Utc;
use color_eyre::eyre::{Result, eyre};

use super::app::{App, EngineFailure, Msg, Notice, NoticeLevel, Setup};
use super::login_task::{self, LoginContext};
use super::panes::login::no_auth_text;
use crate::config::Config;
use crate::spotify::Credentials;
use crate::sync::{self, EngineHandle, EngineOptions};

/// Runs shown in the history pane.
const HISTORY_ROWS: u32 = 50;

/// True when colours are allowed (<https://no-color.org>: `NO_COLOR` set and non-empty disables).
pub fn colors_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The full-screen app needs a terminal for its keys and its screen: say so plainly (instead of an OS error
/// such as "No such device or address") when run from a script, a pipe or cron.
pub fn require_terminal(what: &str) -> Result<()> {
    use std::io::IsTerminal;
    // Keys are read from stdin when it is a terminal, else from the controlling terminal.
    let keys = std::io::stdin().is_terminal()
        || std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok();
    if keys && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(eyre!(
        "{what} is a full-screen terminal app, and its input or output is not a terminal. \
         Run it in a terminal (over ssh: `ssh -t`), or use the headless commands: \
         `spotsync sync`, `spotsync status`, `spotsync daemon` (see `spotsync --help`)"
    ))
}

/// The status at start, read from the database on a blocking thread (SQLite work never runs on
/// the async runtime's threads).
pub async fn load_snapshot(
    db: &std::path::Path,
    config: &Config,
) -> Result<sync::StatusSnapshot, String> {
    let budget = Some(config.sync.max_calls_per_day).filter(|b| *b > 0);
    let db = db.to_path_buf();
    tokio::task::spawn_blocking(move || sync::load_status_with_budget(&db, HISTORY_ROWS, budget))
        .await
        .unwrap_or_else(|e| Err(format!("reading the status was interrupted ({e})")))
}

/// What the app starts with from the environment: colours unless `NO_COLOR`, the local time
/// offset, and `e` writing where `spotsync export` does by default (made absolute, so the notice
/// says exactly where).
pub fn setup() -> Setup {
    let mut setup = Setup {
        color: colors_enabled(),
        utc_offset: *chrono::Local::now().offset(),
        ..Setup::default()
    };
    if let Ok(cwd) = std::env::current_dir() {
        setup.export_dir = cwd.join(spotsync_core::export::DEFAULT_DIR);
    }
    setup
}

/// The app showing `snapshot` (or saying why it could not be read), now.
pub fn new_app(
    db: &std::path::Path,
    snapshot: Result<sync::StatusSnapshot, String>,
    mut setup: Setup,
) -> App {
    let snapshot = match snapshot {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(db = %db.display(), error = %e, "cannot read the sync status");
            setup.notice.get_or_insert(Notice {
                level: NoticeLevel::Warn,
                text: format!("Cannot read the status from {}: {e}", db.display()),
            });
            sync::StatusSnapshot::default()
        }
    };
    App::new(snapshot, Utc::now(), setup)
}

/// Start an engine: `sync::spawn` opens (and checks) the database on a blocking thread, so
/// nothing on screen freezes meanwhile. The one place the engine is spawned.
pub async fn spawn_engine(options: EngineOptions) -> Result<EngineHandle, String> {
    sync::spawn(options).await.map_err(|e| e.to_string())
}

/// Start the engine at launch; when it cannot start, the app says why and stays read-only.
pub async fn start_engine(app: &mut App, options: EngineOptions) -> Option<EngineHandle> {
    match spawn_engine(options).await {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::warn!(error = %e, "the sync engine could not start");
            app.update(Msg::EngineFailed(EngineFailure::Start(e)));
            None
        }
    }
}

/// The engine's options for the app's paths, URLs and settings, with `credentials`.
pub fn engine_options(ctx: &LoginContext, credentials: Credentials) -> EngineOptions {
    EngineOptions {
        db: ctx.paths.db.clone(),
        api_url: ctx.api_url.clone(),
        accounts_url: ctx.accounts_url.clone(),
        credentials,
        config: ctx.sync.clone(),
    }
}

/// The engine's options with the token a login just saved.
pub fn options_after_login(ctx: &LoginContext) -> Result<EngineOptions, EngineFailure> {
    match login_task::credentials_after_login(ctx) {
        Ok(credentials) => Ok(engine_options(ctx, credentials)),
        Err(e) => Err(EngineFailure::Token {
            what_to_do: no_auth_text(&e),
            error: e.to_string(),
        }),
    }
}
