//! The terminal app's state and its one state transition, [`App::update`].
//!
//! The top-level state (what runs, the focus, the overlay, the notice) lives here; each pane's
//! state is its own module's (`panes::*`) and changes through its methods, called from here.
//! Widgets read the state and never change it. Messages are key presses, engine events, log
//! lines, clock ticks and resizes. Time is never read from the clock in here: it comes with the
//! messages, so tests (and snapshots) are deterministic.
//!
//! - this file: the types, [`App::new`] and the dispatch in [`App::update`];
//! - `keys`: what each key does;
//! - `events`: what engine events and login reports do beyond the panes.

mod events;
mod export;
mod keys;
mod screens;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent};

use super::export::ExportRequest;
use super::layout;
use super::panes::changes::ChangesState;
use super::panes::history::HistoryState;
use super::panes::library::LibraryState;
use super::panes::limits::LimitsState;
use super::panes::log::LogState;
use super::panes::login::{LoginCommand, LoginEvent, LoginState};
use super::panes::phases::{PhaseView, PhasesState};
use super::panes::stats::StatsState;
use crate::logging::LogLine;
use crate::store::browse::{Answer, Query};
use crate::store::journal::{ChangeRow, PlayGap};
use crate::sync::{Phase, RunKind, RunStatus, StatusSnapshot, SyncCommand, SyncEvent};
use spotsync_core::export::{Format, Written};
use spotsync_core::plan::Plan;
use spotsync_core::sync::SyncConfig;

pub use super::panes::history::HISTORY_CAPACITY;
pub use super::panes::log::LOG_CAPACITY;
pub use super::panes::phases::RATE_WINDOW;

/// What arrives at [`App::update`].
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
}

/// Why the engine could not be started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineFailure {
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
    /// Re-read the plan of the next sync with [`App::plan_config`] (answered by [`Msg::Plan`]).
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

/// The screens `1`, `2` and `3` switch between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// How syncing goes (the panes above).
    Sync,
    /// What the mirror holds: tabs, filter, detail.
    Library,
    /// The listening history as pictures.
    Stats,
}

impl Screen {
    pub const ALL: [Screen; 3] = [Screen::Sync, Screen::Library, Screen::Stats];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Sync => "Sync",
            Screen::Library => "Library",
            Screen::Stats => "Stats",
        }
    }
}

/// Whether the engine can be driven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineState {
    /// Running and waiting for commands.
    Ready,
    /// No usable Spotify authorization; the text says what to do.
    NoAuth(String),
    /// Could not start (database locked, not available...), or it stopped.
    Unavailable(String),
}

/// What the app is doing, as far as the user is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Nothing running.
    Idle,
    /// A start command was sent; waiting for the run to begin.
    Starting,
    /// A run is going.
    Syncing,
    /// Pause requested; the current batch finishes first.
    Pausing,
    /// Paused at a batch boundary.
    Paused,
    /// Cancel requested.
    Cancelling,
}

impl Activity {
    /// A run exists in this session and has not finished.
    pub fn run_active(self) -> bool {
        !matches!(self, Activity::Idle)
    }
}

/// The panes focus moves between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Phases,
    Limits,
    History,
    Log,
}

impl Pane {
    pub const ORDER: [Pane; 4] = [Pane::Phases, Pane::Limits, Pane::History, Pane::Log];

    fn index(self) -> usize {
        Pane::ORDER.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn next(self) -> Pane {
        Pane::ORDER[(self.index() + 1) % Pane::ORDER.len()]
    }

    pub fn prev(self) -> Pane {
        Pane::ORDER[(self.index() + Pane::ORDER.len() - 1) % Pane::ORDER.len()]
    }
}

/// A modal on top of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    ConfirmCancel,
    /// `f` while an unfinished run exists: a fresh full run closes it as cancelled.
    ConfirmFull,
    /// Enter on a run in the history pane: what that run changed ([`App::changes`]).
    Changes,
    /// Logging in to Spotify (`a` when not connected); the state is in [`App::login`].
    Login,
}

/// How a notice is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Warn,
    Error,
}

/// A one-line message in the status area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: NoticeLevel,
    pub text: String,
}

/// The run in progress, or the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub id: i64,
    pub kind: RunKind,
    pub status: RunStatus,
    pub started_at: DateTime<Utc>,
    pub resumed: bool,
    pub api_calls: u64,
}

/// What the `spotsync demo` banner says: where the simulated Spotify listens; the rest (a
/// throwaway database, your account is not touched) is fixed text the widget fits to the width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBanner {
    /// The simulator's base URL (`http://127.0.0.1:PORT/`).
    pub sim_url: String,
}

/// Where things live, shown in the help.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Locations {
    pub db: String,
    pub log_file: Option<String>,
    pub config_file: Option<String>,
}

/// The whole state of the terminal app.
#[derive(Debug, Clone)]
pub struct App {
    /// The time everything on screen is computed against (from the last message that had one).
    pub now: DateTime<Utc>,
    /// Local time offset for showing times.
    pub utc_offset: FixedOffset,
    /// Use the 16 named colours (false with `NO_COLOR`: modifiers only).
    pub color: bool,
    /// Capture the mouse: the wheel scrolls, a click selects (false with `--no-mouse`).
    pub mouse: bool,
    pub locations: Locations,
    /// The banner when this is `spotsync demo`.
    pub demo: Option<DemoBanner>,
    pub engine: EngineState,
    pub activity: Activity,
    pub run: Option<RunView>,
    /// The phases pane.
    pub phases: PhasesState,
    /// The rate-limit & quota pane.
    pub limits: LimitsState,
    /// The config the plan of the next sync is computed with (`None`: no plan is shown).
    pub plan_config: Option<SyncConfig>,
    /// The history pane.
    pub history: HistoryState,
    /// The log pane.
    pub log: LogState,
    /// The change list of a run (shown while [`Overlay::Changes`] is open, or being loaded).
    pub changes: Option<ChangesState>,
    /// The login screen's state while [`Overlay::Login`] is open.
    pub login: Option<LoginState>,
    pub focus: Pane,
    /// The screen shown (`1`, `2`, `3`).
    pub screen: Screen,
    /// The Library screen.
    pub library: LibraryState,
    /// The Stats screen.
    pub stats: StatsState,
    /// Where `e` on the Library screen writes ([`spotsync_core::export::DEFAULT_DIR`] under the
    /// directory the app was started in).
    pub export_dir: PathBuf,
    /// The format `e` writes; `E` cycles through them.
    pub export_format: Format,
    pub overlay: Overlay,
    pub notice: Option<Notice>,
    /// Quit was asked; the engine is being stopped.
    pub quitting: bool,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl App {
    /// A fresh app showing `snapshot`, as loaded from the database at start.
    pub fn new(snapshot: StatusSnapshot, now: DateTime<Utc>) -> App {
        let mut app = App {
            now,
            utc_offset: chrono::Offset::fix(&Utc),
            color: true,
            mouse: true,
            locations: Locations::default(),
            demo: None,
            engine: EngineState::Ready,
            activity: Activity::Idle,
            run: None,
            phases: PhasesState::new(&snapshot.phases, snapshot.play_gaps.clone()),
            limits: LimitsState::new(&snapshot, now),
            plan_config: None,
            history: HistoryState::new(&snapshot.history),
            log: LogState::default(),
            changes: None,
            login: None,
            focus: Pane::Phases,
            screen: Screen::Sync,
            library: LibraryState::default(),
            stats: StatsState::default(),
            export_dir: PathBuf::from(spotsync_core::export::DEFAULT_DIR),
            export_format: Format::Csv,
            overlay: Overlay::None,
            notice: None,
            quitting: false,
            size: (80, 24),
            dirty: true,
        };
        if let Some(run) = &snapshot.current_run {
            app.run = Some(RunView {
                id: run.id,
                kind: run.kind,
                status: run.status,
                started_at: run.started_at,
                resumed: false,
                api_calls: run.api_calls,
            });
            if app.unfinished_run() {
                app.info(format!(
                    "An unfinished {} sync can pick up where it stopped: press s to resume",
                    run.kind
                ));
            }
        }
        app
    }

    /// The phase's view, when shown.
    pub fn phase(&self, phase: Phase) -> Option<&PhaseView> {
        self.phases.get(phase)
    }

    /// True while the screen shows something that changes with the clock alone (a countdown, a
    /// rate or an ETA): only then does the event loop tick.
    pub fn needs_tick(&self) -> bool {
        self.limits.limit.is_some()
            || self.limits.retry.is_some()
            || matches!(
                self.activity,
                Activity::Syncing | Activity::Starting | Activity::Pausing | Activity::Cancelling
            )
            || self.quitting
    }

    /// Time left on the current hold, if any.
    pub fn limit_remaining(&self) -> Option<Duration> {
        self.limits.remaining(self.now)
    }

    /// The last run stopped before the end and can be resumed.
    pub fn unfinished_run(&self) -> bool {
        self.run.as_ref().is_some_and(|r| {
            matches!(
                r.status,
                RunStatus::Running | RunStatus::Paused | RunStatus::RateLimited | RunStatus::Failed
            )
        })
    }

    /// How many history runs and log lines fit at the app's size (see [`layout::visible_rows`]).
    pub fn visible_rows(&self) -> (usize, usize) {
        layout::visible_rows(
            self.size,
            self.demo.is_some(),
            self.phases.row_count(),
            self.history.runs.len(),
        )
    }

    /// The one place state changes.
    pub fn update(&mut self, msg: Msg) -> Option<Action> {
        match msg {
            Msg::Key(key) => {
                if key.kind != KeyEventKind::Press {
                    return None;
                }
                self.dirty = true;
                self.on_key(key)
            }
            Msg::Engine(event, at) => {
                self.dirty = true;
                self.set_now(at);
                let finished = matches!(event, SyncEvent::RunFinished { .. });
                self.on_engine(event, at);
                if !finished {
                    return None;
                }
                // A plays poll may have recorded a gap.
                let gaps = self.phases.show_plays.then_some(Action::LoadPlayGaps);
                // What the Library and Stats screens show may have changed.
                let reload = self.library_changed();
                // What the next sync needs has changed.
                let plan = self.plan_config.is_some().then_some(Action::LoadPlan);
                let mut actions: Vec<Action> = [gaps, reload, plan].into_iter().flatten().collect();
                match actions.len() {
                    0 => None,
                    1 => actions.pop(),
                    _ => Some(Action::Many(actions)),
                }
            }
            Msg::Browse { query, answer } => {
                self.dirty = true;
                self.on_browse(query, answer);
                None
            }
            Msg::Mouse(ev) => self.on_mouse(ev),
            Msg::Exported { request, result } => {
                self.dirty = true;
                self.on_exported(&request, &result);
                None
            }
            Msg::Changes { run_id, rows } => {
                if let Some(view) = self.changes.as_mut()
                    && view.on_rows(run_id, rows)
                {
                    self.dirty = true;
                }
                None
            }
            Msg::Plan(plan) => {
                self.dirty = true;
                self.limits.on_plan(plan.map(|p| *p));
                None
            }
            Msg::PlayGaps(gaps) => {
                self.dirty |= gaps != self.phases.play_gaps;
                self.phases.play_gaps = gaps;
                None
            }
            Msg::EngineStopped(error) => {
                self.dirty = true;
                self.on_engine_stopped(error);
                None
            }
            Msg::Log(line) => {
                let (_, rows) = self.visible_rows();
                self.log.push(line, rows);
                self.dirty = true;
                None
            }
            Msg::Tick(now) => {
                self.set_now(now);
                self.limits.on_tick(now, self.activity == Activity::Idle);
                self.phases.on_tick(now);
                self.dirty = true;
                None
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
                None
            }
            Msg::Login(event) => {
                self.dirty = true;
                self.on_login(event)
            }
            Msg::EngineFailed(failure) => {
                self.dirty = true;
                match failure {
                    EngineFailure::Start(e) => {
                        self.error(format!("Cannot sync: {e}"));
                        self.engine = EngineState::Unavailable(e);
                    }
                    EngineFailure::Token { what_to_do, error } => {
                        self.error(format!(
                            "Logged in, but the saved token cannot be used: {error}"
                        ));
                        self.engine = EngineState::NoAuth(what_to_do);
                    }
                }
                None
            }
        }
    }

    fn set_now(&mut self, at: DateTime<Utc>) {
        if at > self.now {
            self.now = at;
        }
    }

    fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: NoticeLevel::Info,
            text: text.into(),
        });
    }

    fn warn(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: NoticeLevel::Warn,
            text: text.into(),
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: NoticeLevel::Error,
            text: text.into(),
        });
    }
}
