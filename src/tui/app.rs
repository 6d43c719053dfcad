//! The terminal app's state and its one state transition, [`App::update`].
//!
//! Every field is private: the state changes only through [`App::update`] and is read through
//! [`App::draw`] and a few small accessors. Messages go to the part that owns them, as
//! crates-tui hands keys to its modes: an open overlay takes the keys first, then the screen
//! shown (and on the Sync screen, the focused pane), then the app's own keys; each engine event
//! is handled in one place (`events`), which hands each pane what concerns it. Handlers say
//! whether anything on screen changed (`Handled`); `update` alone marks the redraw. Time is
//! never read from the clock in here: it comes with the messages, so tests (and snapshots) are
//! deterministic.
//!
//! - this file: [`App`], [`App::new`], the accessors and the dispatch in [`App::update`];
//! - `msg`, `model`: the messages and actions; the small types and the [`Setup`];
//! - `keys`: which part a key goes to; `drive`: the keys that drive the engine;
//! - `events`: engine events, the engine's end, login reports;
//! - `screens`: the Library and Stats screens, the mouse; `export`: `e` and `E`;
//! - `view`: the screen drawn from the state.

mod drive;
mod events;
mod export;
mod keys;
mod model;
mod msg;
mod screens;
mod view;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEventKind;
use spotsync_core::export::Format;
use spotsync_core::sync::SyncConfig;

use super::layout;
use super::panes::changes::ChangesState;
use super::panes::history::HistoryState;
use super::panes::library::LibraryState;
use super::panes::limits::LimitsState;
use super::panes::log::LogState;
use super::panes::login::LoginState;
use super::panes::phases::{PhaseView, PhasesState};
use super::panes::stats::StatsState;
use crate::sync::{Phase, RunStatus, StatusSnapshot};

pub use super::panes::history::HISTORY_CAPACITY;
pub use super::panes::log::LOG_CAPACITY;
pub use super::panes::phases::RATE_WINDOW;
pub use model::{
    Activity, DemoBanner, EngineState, Locations, Notice, NoticeLevel, Overlay, Pane, RunView,
    Screen, Setup,
};
pub use msg::{Action, EngineFailure, Msg};
pub use view::demo_banner_text;

/// What a handler did with a message. [`App::update`], the one place that marks a redraw,
/// reads it.
#[derive(Debug, Clone, PartialEq)]
enum Handled {
    /// Not this handler's: the next one in line may take it.
    NotMine,
    /// Taken; nothing on screen changed.
    Unchanged,
    /// Taken; the screen changed; and what the event loop must do, if anything.
    Changed(Option<Action>),
}

impl Handled {
    /// Taken, the screen changed, nothing for the event loop.
    const DONE: Handled = Handled::Changed(None);

    /// Taken, the screen changed, and the event loop must do `action`.
    fn act(action: Action) -> Handled {
        Handled::Changed(Some(action))
    }
}

/// Taken; the screen changed only when `changed`.
fn changed_if(changed: bool) -> Handled {
    if changed {
        Handled::DONE
    } else {
        Handled::Unchanged
    }
}

impl From<Option<Action>> for Handled {
    fn from(action: Option<Action>) -> Handled {
        Handled::Changed(action)
    }
}

/// The whole state of the terminal app.
#[derive(Debug, Clone)]
pub struct App {
    /// What the app was started with.
    setup: Setup,
    /// The time everything on screen is computed against (from the last message that had one).
    now: DateTime<Utc>,
    /// Terminal size (columns, rows).
    size: (u16, u16),
    engine: EngineState,
    activity: Activity,
    run: Option<RunView>,
    /// Quit was asked; the engine is being stopped.
    quitting: bool,
    /// The screen shown (`1`, `2`, `3`), the Sync screen's focused pane, the modal on top.
    screen: Screen,
    focus: Pane,
    overlay: Overlay,
    notice: Option<Notice>,
    phases: PhasesState,
    limits: LimitsState,
    history: HistoryState,
    log: LogState,
    /// The change list of a run (shown while [`Overlay::Changes`] is open, or being loaded).
    changes: Option<ChangesState>,
    /// The login screen's state while [`Overlay::Login`] is open.
    login: Option<LoginState>,
    library: LibraryState,
    stats: StatsState,
    /// The format `e` writes; `E` cycles through them.
    export_format: Format,
    /// Something changed since the last frame.
    redraw: bool,
}

impl App {
    /// A fresh app showing `snapshot`, as loaded from the database at start, with `setup`.
    pub fn new(snapshot: StatusSnapshot, now: DateTime<Utc>, mut setup: Setup) -> App {
        let notice = setup.notice.take();
        let mut app = App {
            now,
            size: (80, 24),
            engine: EngineState::Ready,
            activity: Activity::Idle,
            run: None,
            quitting: false,
            screen: Screen::Sync,
            focus: Pane::Phases,
            overlay: Overlay::None,
            notice: None,
            phases: PhasesState::new(&snapshot.phases, snapshot.play_gaps.clone()),
            limits: LimitsState::new(&snapshot, now, setup.pacing),
            history: HistoryState::new(&snapshot.history),
            log: LogState::default(),
            changes: None,
            login: None,
            library: LibraryState::default(),
            stats: StatsState::default(),
            export_format: Format::Csv,
            redraw: true,
            setup,
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
        if notice.is_some() {
            app.notice = notice;
        }
        app
    }

    /// The one place state changes, and the one place that marks a redraw.
    pub fn update(&mut self, msg: Msg) -> Option<Action> {
        let handled = match msg {
            Msg::Key(key) if key.kind != KeyEventKind::Press => Handled::Unchanged,
            Msg::Key(key) => self.on_key(key),
            Msg::Mouse(ev) => self.on_mouse(ev),
            Msg::Engine(event, at) => {
                self.set_now(at);
                self.on_engine(event, at)
            }
            Msg::EngineStopped(error) => self.on_engine_stopped(error),
            Msg::EngineFailed(failure) => self.on_engine_failed(failure),
            Msg::Login(event) => self.on_login(event),
            Msg::Log(line) => {
                let (_, rows) = self.visible_rows();
                self.log.push(line, rows);
                Handled::DONE
            }
            Msg::Tick(now) => {
                self.set_now(now);
                self.limits.on_tick(now, self.activity == Activity::Idle);
                self.phases.on_tick(now);
                Handled::DONE
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                Handled::DONE
            }
            Msg::Changes { run_id, rows } => {
                let shown = self.changes.as_mut();
                changed_if(shown.is_some_and(|view| view.on_rows(run_id, rows)))
            }
            Msg::PlayGaps(gaps) => changed_if(self.phases.set_play_gaps(gaps)),
            Msg::Plan(plan) => {
                self.limits.on_plan(plan.map(|p| *p));
                Handled::DONE
            }
            Msg::Browse { query, answer } => self.on_browse(query, answer),
            Msg::Exported { request, result } => self.on_exported(&request, &result),
            Msg::Quit => self.quit(),
        };
        match handled {
            Handled::Changed(action) => {
                self.redraw = true;
                action
            }
            Handled::NotMine | Handled::Unchanged => None,
        }
    }

    // ---- what the event loop reads ----------------------------------------------------------

    /// Something changed since the last frame ([`App::mark_drawn`] after drawing).
    pub fn needs_redraw(&self) -> bool {
        self.redraw
    }

    /// The screen shows the state as it is now.
    pub fn mark_drawn(&mut self) {
        self.redraw = false;
    }

    /// True while the screen shows something that changes with the clock alone (a countdown, a
    /// rate or an ETA): only then does the event loop tick.
    pub fn needs_tick(&self) -> bool {
        self.limits.limit().is_some()
            || self.limits.retry().is_some()
            || matches!(
                self.activity,
                Activity::Syncing | Activity::Starting | Activity::Pausing | Activity::Cancelling
            )
            || self.quitting
    }

    /// Quit was asked; the engine is being stopped.
    pub fn is_quitting(&self) -> bool {
        self.quitting
    }

    /// Capture the mouse (not with `--no-mouse`).
    pub fn captures_mouse(&self) -> bool {
        self.setup.mouse
    }

    /// The database the app shows (read off the loop, on read-only connections).
    pub fn database(&self) -> &Path {
        Path::new(&self.setup.locations.db)
    }

    /// The config the plan of the next sync is computed with (`None`: no plan is shown).
    pub fn plan_config(&self) -> Option<&SyncConfig> {
        self.setup.plan_config.as_ref()
    }

    // ---- what the screen shows, for tests and benchmarks --------------------------------------

    /// The time the screen is computed against.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The terminal's size the layout follows (columns, rows).
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// Whether the engine can be driven.
    pub fn engine(&self) -> &EngineState {
        &self.engine
    }

    /// What the app is doing.
    pub fn activity(&self) -> Activity {
        self.activity
    }

    /// The run in progress, or the last one.
    pub fn run(&self) -> Option<&RunView> {
        self.run.as_ref()
    }

    /// The screen shown.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// The Sync screen's focused pane.
    pub fn focus(&self) -> Pane {
        self.focus
    }

    /// The modal on top, if any.
    pub fn overlay(&self) -> Overlay {
        self.overlay
    }

    /// The one-line message in the status area.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// The phase's view, when shown.
    pub fn phase(&self, phase: Phase) -> Option<&PhaseView> {
        self.phases.get(phase)
    }

    /// The phases pane.
    pub fn phases(&self) -> &PhasesState {
        &self.phases
    }

    /// The rate-limit & quota pane.
    pub fn limits(&self) -> &LimitsState {
        &self.limits
    }

    /// The history pane.
    pub fn history(&self) -> &HistoryState {
        &self.history
    }

    /// The log pane.
    pub fn log(&self) -> &LogState {
        &self.log
    }

    /// The change list, while open.
    pub fn changes(&self) -> Option<&ChangesState> {
        self.changes.as_ref()
    }

    /// The login screen, while open.
    pub fn login(&self) -> Option<&LoginState> {
        self.login.as_ref()
    }

    /// The Library screen.
    pub fn library(&self) -> &LibraryState {
        &self.library
    }

    /// The Stats screen.
    pub fn stats(&self) -> &StatsState {
        &self.stats
    }

    /// The format `e` writes.
    pub fn export_format(&self) -> Format {
        self.export_format
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
            self.setup.demo.is_some(),
            self.phases.row_count(),
            self.history.runs().len(),
        )
    }

    // ---- small helpers of the handlers --------------------------------------------------------

    fn set_now(&mut self, at: DateTime<Utc>) {
        if at > self.now {
            self.now = at;
        }
    }

    fn say(&mut self, level: NoticeLevel, text: impl Into<String>) {
        self.notice = Some(Notice {
            level,
            text: text.into(),
        });
    }

    fn info(&mut self, text: impl Into<String>) {
        self.say(NoticeLevel::Info, text);
    }

    fn warn(&mut self, text: impl Into<String>) {
        self.say(NoticeLevel::Warn, text);
    }

    fn error(&mut self, text: impl Into<String>) {
        self.say(NoticeLevel::Error, text);
    }
}
