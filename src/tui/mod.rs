//! The full-screen terminal app and `spotsync demo`.
//!
//! Dependencies flow one way, and no two modules import each other:
//! `mod`, `demo` → `startup`, `event_loop` → `app` → `panes::*` → `theme`, `format`
//! (`layout` is a leaf used by `app` and the panes; `login_task` reports to the login pane's
//! types). The terminal app names nothing of the subcommands (`commands`).
//!
//! - [`event_loop`]: owns the terminal, the engine's ends and the channels; one biased
//!   `select!`, redraws only after a change, ticks only while something on screen moves.
//! - [`app`]: the state, private, and its one transition, `App::update(msg) -> Option<Action>`;
//!   `App::draw` lays the panes' widgets out with the header, notice and key line.
//! - [`panes`]: one module per pane (phases, limits, history, log, changes, login) and per
//!   screen body (library, stats), each with its state, the methods that change it and a widget
//!   that only reads it. The screens `1` Sync, `2` Library, `3` Stats switch in `app`; the
//!   Library's and Stats' reads (`store::browse`) run off the loop and answer as messages.
//! - [`theme`], [`format`](mod@format), [`layout`]: styles, numbers and text, where things go.
//! - `startup`, `login_task`, `demo`: launching, the login task, `spotsync demo`.

pub mod app;
mod demo;
pub mod event_loop;
pub mod export;
pub mod format;
pub mod layout;
mod login_task;
pub mod panes;
pub mod startup;
pub mod theme;

use color_eyre::eyre::Result;
use tokio::sync::mpsc;

use crate::cli::GlobalArgs;
use crate::config::{Config, Paths, accounts};
use crate::logging;
use crate::spotify::auth::{self, AuthError};
use app::{Accounts, EngineFailure, Locations, Msg, Notice, NoticeLevel, Screen, Setup};
use event_loop::Ended;
use login_task::LoginContext;
use panes::login::no_auth_text;

pub use demo::run_demo;

/// `spotsync` with no subcommand. `A` switches accounts: the app ends as for quitting and
/// starts anew on the next account (its database, token and engine).
pub async fn run_tui(global: &GlobalArgs) -> Result<i32> {
    startup::require_terminal("`spotsync` without a subcommand")?;
    let mut paths = Paths::resolve(global)?;
    let config = Config::load(&paths.config_file)?;
    let (log_tx, mut log_rx) = mpsc::channel(4096);
    let (_log_guard, log_file) = logging::init_tui(&paths.log_dir, log_tx);
    let mut screen = Screen::Sync;
    loop {
        let log_file = log_file.as_deref();
        match run_account(global, &paths, &config, log_file, log_rx, screen).await? {
            Ended::Exit(code) => return Ok(code),
            Ended::Switch(account, rx, shown) => {
                tracing::info!(%account, "switching accounts");
                paths = paths.for_account(&account);
                log_rx = rx;
                screen = shown;
            }
        }
    }
}

/// The household's accounts as the header names them: none for a single account of the
/// usual paths.
fn accounts_shown(paths: &Paths) -> Accounts {
    let all: Vec<String> = accounts::discover(&paths.data_dir)
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.name)
        .collect();
    if all.len() < 2 && paths.is_default_account() {
        return Accounts::default();
    }
    Accounts {
        current: paths.account.clone(),
        all,
    }
}

/// The app on one account until it quits or switches.
async fn run_account(
    global: &GlobalArgs,
    paths: &Paths,
    config: &Config,
    log_file: Option<&std::path::Path>,
    log_rx: mpsc::Receiver<logging::LogLine>,
    screen: Screen,
) -> Result<Ended> {
    let snapshot = startup::load_snapshot(&paths.db, config).await;
    let setup = Setup {
        mouse: !global.no_mouse,
        locations: Locations {
            db: paths.db.display().to_string(),
            log_file: log_file.map(|p| p.display().to_string()),
            config_file: Some(paths.config_file.display().to_string()),
        },
        pacing: Some(config.sync.requests_per_window),
        plan_config: Some(config.sync.clone()),
        notice: auth::refresh_expiry_warning(&paths.token_file).map(|text| Notice {
            level: NoticeLevel::Warn,
            text,
        }),
        accounts: accounts_shown(paths),
        ..startup::setup()
    };
    let mut app = startup::new_app(&paths.db, snapshot, setup);
    let login = LoginContext {
        paths: paths.clone(),
        api_url: global.api_url.clone(),
        accounts_url: global.accounts_url.clone(),
        sync: config.sync.clone(),
        config: config.clone(),
    };
    let engine = match auth::load_credentials(&paths.token_file, config.client_id().as_deref()) {
        Err(
            e @ (AuthError::NoToken
            | AuthError::InvalidGrant(_)
            | AuthError::TokenFile(_)
            | AuthError::Unusable(_)),
        ) => {
            app.update(Msg::EngineFailed(EngineFailure::NoAuth(no_auth_text(&e))));
            None
        }
        Err(e) => {
            app.update(Msg::EngineFailed(EngineFailure::Start(e.to_string())));
            None
        }
        Ok(credentials) => {
            let options = startup::engine_options(&login, credentials);
            let shared = Some(startup::shared_quota(&login, &options));
            startup::start_engine(&mut app, options, shared).await
        }
    };
    tracing::info!(db = %paths.db.display(), account = %paths.account, "terminal app started");
    event_loop::run_until_switch(app, engine, log_rx, None, Some(login), screen).await
}
