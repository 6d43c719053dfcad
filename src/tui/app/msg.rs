//! What arrives at [`App::update`](super::App::update)(super::App::update) ([`Msg`]) and what it asks the event
//! loop to do ([`Action`]).

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use spotsync_core::export::Written;
use spotsync_core::plan::Plan;

use crate::logging::LogLine;
use crate::store::browse::{Answer, Query};
use crate::store::journal::{ChangeRow, PlayGap};
use crate::sync::{SyncCommand, SyncEvent};
use crate::tui::export::ExportRequest;
use crate::tui::panes::login::{LoginCommand, LoginEvent};

/// What arrives at [`App::update`](super::App::update).
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key event from the terminal (only presses count).
    Key(KeyEvent),
    /// An event from the sync engine, with the time it arrived.
    Engine(SyncEvent, DateTime<Utc>),
    /// The engine task ended (its event channel closed); `None` when it ended normally.
    EngineStopped(Option<String>),
    /// A line for the log pane.
    Log(LogLine),
    /// The clock, while something on screen depends on it.
    Tick(DateTime<Utc>),
    /// The terminal's new size.
    Resize(u16, u16),
    /// The journaled changes of a run, read off the UI thread after [`Action::LoadChanges`].
    Changes {
        run_id: i64,
        rows: Result<Vec<ChangeRow>, String>,
    },
    /// The recorded listening-history gaps, newest first (re-read after a run).
    PlayGaps(Vec<PlayGap>),
    /// A report from the login started with `a`.
    Login(LoginEvent),
    /// The engine could not be started.
    EngineFailed(EngineFailure),
    /// The answer to an [`Action::Browse`] read (library rows, a detail, statistics).
    Browse {
        query: Query,
        answer: Result<Answer, String>,
    },
    /// A mouse event (wheel, click), unless `--no-mouse`.
    Mouse(MouseEvent),
    /// The outcome of an [`Action::Export`]: the files written, or why not.
    Exported {
        request: ExportRequest,
        result: Result<Vec<Written>, String>,
    },
    /// The plan of the next sync, read after [`Action::LoadPlan`] (`None`: it could not be).
    Plan(Option<Box<Plan>>),
    /// Stop (a signal, or the terminal went away): the same as `q`.
    Quit,
}

/// Why the engine could not be started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineFailure {
    /// No usable Spotify authorization at start; the text says what to do (`a` logs in).
    NoAuth(String),
    /// It refused to start (the database is locked, cannot be opened…).
    Start(String),
    /// A login saved a token that cannot be used: what to do, and why.
    Token { what_to_do: String, error: String },
}

/// What the event loop must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send this command to the engine.
    Send(SyncCommand),
    /// Leave: pause the engine at the next batch boundary, wait for it, restore the terminal.
    Quit,
    /// Repaint the whole screen (after garbage from outside, e.g. a `write` from another user).
    Repaint,
    /// Read this run's journaled changes (answered by [`Msg::Changes`]).
    LoadChanges(i64),
    /// Re-read the listening-history gaps (answered by [`Msg::PlayGaps`]).
    LoadPlayGaps,
    /// Re-read the plan of the next sync with the app's
    /// [`plan_config`](super::App::plan_config) (answered by [`Msg::Plan`]).
    LoadPlan,
    /// Start, feed or stop the login task.
    Login(LoginCommand),
    /// A login saved a token: start the sync engine with it.
    StartEngine,
    /// Read this off the UI thread, on a read-only connection (answered by [`Msg::Browse`]).
    Browse(Query),
    /// Export from the database off the UI thread (answered by [`Msg::Exported`]).
    Export(ExportRequest),
    /// Several of the above, in order.
    Many(Vec<Action>),
}
