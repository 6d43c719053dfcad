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
use crate::config::{Config, Paths};
use crate::logging;
use crate::spotify::auth::{self, AuthError};
use app::{EngineFailure, Locations, Msg, Notice, NoticeLevel, Setup};
use login_task::LoginContext;
use panes::login::no_auth_text;

pub use demo::run_demo;

/// `spotsync` with no subcommand.
pub async fn run_tui(global: &GlobalArgs) -> Result<i32> {
    startup::require_terminal("`spotsync` without a subcommand")?;
    let paths = Paths::resolve(global)?;
    let config = Config::load(&paths.config_file)?;
    let (log_tx, log_rx) = mpsc::channel(4096);
    let (_log_guard, log_file) = logging::init_tui(&paths.log_dir, log_tx);

    let snapshot = startup::load_snapshot(&paths.db, &config).await;
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
        ..startup::setup()
    };
    let mut app = startup::new_app(&paths.db, snapshot, setup);
    let login = LoginContext {
        paths: paths.clone(),
        api_url: global.api_url.clone(),
        accounts_url: global.accounts_url.clone(),
        sync: config.sync.clone(),
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
            startup::start_engine(&mut app, startup::engine_options(&login, credentials)).await
        }
    };
    tracing::info!(db = %paths.db.display(), "terminal app started");
    event_loop::run(app, engine, log_rx, None, Some(login)).await
}
