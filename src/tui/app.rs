//! The terminal app's state and its one state transition, [`App::update`].
//!
//! Everything the screen shows is a plain field here; widgets read `&App` and never change it.
//! Messages are key presses, engine events, log lines, clock ticks and resizes. Time is never read
//! from the clock in here: it comes with the messages, so tests (and snapshots) are deterministic.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::changes::ChangesView;
use super::login::{LoginCommand, LoginEvent, LoginView};
use super::ui::fmt_count;
use crate::logging::LogLine;
use crate::store::journal::{ChangeRow, PlayGap};
use crate::sync::{
    ErrorKind, LimitReason, Phase, PhaseProgress, PhaseStatus, RunKind, RunRecord, RunStatus,
    StartMode, StatusSnapshot, SyncCommand, SyncEvent,
};

/// Lines kept in the log pane (the log file keeps everything).
pub const LOG_CAPACITY: usize = 2000;
/// Runs kept in the history pane.
pub const HISTORY_CAPACITY: usize = 100;
/// Window over which a phase's rate (items/s) is measured.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);

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
    /// Start, feed or stop the login task.
    Login(LoginCommand),
    /// A login saved a token: start the sync engine with it.
    StartEngine,
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

/// The current hold on requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub until: DateTime<Utc>,
    pub reason: LimitReason,
    pub phase: Option<Phase>,
}

/// A transient failure being retried.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub phase: Phase,
    pub attempt: u32,
    pub at: DateTime<Utc>,
    pub delay: Duration,
    pub error: String,
}

/// One phase as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseView {
    pub phase: Phase,
    /// Part of the current (or last) run.
    pub in_run: bool,
    pub status: PhaseStatus,
    pub done: u64,
    pub total: Option<u64>,
    /// Counts in this session's run (what the batches reported).
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub error: Option<String>,
    /// (when, done) of recent batches, for the rate.
    pub samples: VecDeque<(DateTime<Utc>, u64)>,
}

impl PhaseView {
    pub fn new(phase: Phase) -> Self {
        PhaseView {
            phase,
            in_run: false,
            status: PhaseStatus::Pending,
            done: 0,
            total: None,
            added: 0,
            updated: 0,
            removed: 0,
            error: None,
            samples: VecDeque::new(),
        }
    }

    fn from_progress(p: &PhaseProgress) -> Self {
        PhaseView {
            in_run: true,
            status: p.status,
            done: p.done,
            total: p.total,
            error: p.last_error.clone(),
            ..PhaseView::new(p.phase)
        }
    }

    /// Fraction done in 0..=1, when a total is known.
    pub fn ratio(&self) -> Option<f64> {
        match self.total {
            Some(0) if self.status == PhaseStatus::Success => Some(1.0),
            Some(0) => Some(0.0),
            Some(t) => Some((self.done as f64 / t as f64).clamp(0.0, 1.0)),
            None if self.status == PhaseStatus::Success => Some(1.0),
            None => None,
        }
    }

    /// Items per second over the last [`RATE_WINDOW`] up to `now` (quiet stretches between
    /// bursts of batches count, so a paced or waiting phase shows its real speed).
    pub fn rate(&self, now: DateTime<Utc>) -> Option<f64> {
        let (t0, d0) = *self.samples.front()?;
        let (_, d1) = *self.samples.back()?;
        let secs = (now - t0).num_milliseconds() as f64 / 1000.0;
        if secs < 2.0 || d1 < d0 {
            return None;
        }
        Some((d1 - d0) as f64 / secs)
    }

    /// Time left at the current rate.
    pub fn eta(&self, now: DateTime<Utc>) -> Option<Duration> {
        if self.status != PhaseStatus::InProgress {
            return None;
        }
        let rate = self.rate(now)?;
        let total = self.total?;
        if rate <= 0.0 {
            return None;
        }
        let left = total.saturating_sub(self.done) as f64;
        Some(Duration::from_secs_f64(left / rate))
    }

    fn sample(&mut self, at: DateTime<Utc>) {
        self.samples.push_back((at, self.done));
        self.prune(at);
    }

    /// Keep the samples inside the window plus the last one before it (the anchor).
    fn prune(&mut self, now: DateTime<Utc>) {
        let window = chrono::Duration::from_std(RATE_WINDOW).unwrap_or(chrono::Duration::MAX);
        let cutoff = now - window;
        while self.samples.len() > 1 && self.samples.get(1).is_some_and(|(t, _)| *t <= cutoff) {
            self.samples.pop_front();
        }
    }
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
    pub locations: Locations,
    /// The banner when this is `spotsync demo`.
    pub demo: Option<DemoBanner>,
    pub engine: EngineState,
    pub activity: Activity,
    pub run: Option<RunView>,
    pub phases: Vec<PhaseView>,
    /// Listening history exists (or the run polls it): show the plays phase.
    pub show_plays: bool,
    pub limit: Option<Limit>,
    pub retry: Option<Retry>,
    pub calls_24h: u64,
    pub budget: Option<u64>,
    /// The engine's own pace (`requests_per_window` from the config), when known.
    pub pacing: Option<u32>,
    /// Most recent first.
    pub history: VecDeque<RunRecord>,
    pub log: VecDeque<LogLine>,
    pub focus: Pane,
    /// Selected phase row.
    pub phase_selected: usize,
    /// First history row shown.
    pub history_scroll: usize,
    /// The selected run (Enter shows its changes); always within the rows shown.
    pub history_selected: usize,
    /// The run whose changes are shown (or being loaded).
    pub changes: Option<ChangesView>,
    /// Recorded listening-history gaps, newest first.
    pub play_gaps: Vec<PlayGap>,
    /// Lines scrolled up from the end of the log (0 follows new lines).
    pub log_scroll: usize,
    pub overlay: Overlay,
    /// The login screen's state while [`Overlay::Login`] is open.
    pub login: Option<LoginView>,
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
            locations: Locations::default(),
            demo: None,
            engine: EngineState::Ready,
            activity: Activity::Idle,
            run: None,
            phases: Vec::new(),
            show_plays: false,
            limit: None,
            retry: None,
            calls_24h: snapshot.calls_24h,
            budget: snapshot.daily_budget,
            pacing: None,
            history: snapshot.history.iter().cloned().collect(),
            log: VecDeque::new(),
            focus: Pane::Phases,
            phase_selected: 0,
            history_scroll: 0,
            history_selected: 0,
            changes: None,
            play_gaps: snapshot.play_gaps.clone(),
            log_scroll: 0,
            overlay: Overlay::None,
            login: None,
            notice: None,
            quitting: false,
            size: (80, 24),
            dirty: true,
        };
        app.history.truncate(HISTORY_CAPACITY);
        // Recorded gaps mean listening history exists: show its phase (where the gap is shown).
        app.show_plays |= !app.play_gaps.is_empty();
        app.reset_phases(&[]);
        for p in &snapshot.phases {
            app.phase_mut(p.phase)
                .clone_from(&PhaseView::from_progress(p));
        }
        if let Some((until, reason)) = snapshot.blocked_until
            && until > now
        {
            app.limit = Some(Limit {
                until,
                reason,
                phase: None,
            });
        }
        if let Some(run) = &snapshot.current_run {
            app.run = Some(RunView {
                id: run.id,
                kind: run.kind,
                status: run.status,
                started_at: run.started_at,
                resumed: false,
                api_calls: run.api_calls,
            });
            if matches!(
                run.status,
                RunStatus::Running | RunStatus::Paused | RunStatus::RateLimited | RunStatus::Failed
            ) {
                app.notice = Some(Notice {
                    level: NoticeLevel::Info,
                    text: format!(
                        "An unfinished {} sync can pick up where it stopped: press s to resume",
                        run.kind
                    ),
                });
            }
        }
        app
    }

    /// Show the four library phases always, and plays when history exists or the run has it.
    fn reset_phases(&mut self, run_phases: &[Phase]) {
        self.show_plays |= run_phases.contains(&Phase::Plays);
        let has_plays = self.show_plays;
        let mut phases = vec![
            PhaseView::new(Phase::Tracks),
            PhaseView::new(Phase::Playlists),
            PhaseView::new(Phase::Albums),
            PhaseView::new(Phase::Artists),
        ];
        if has_plays {
            phases.push(PhaseView::new(Phase::Plays));
        }
        for p in &mut phases {
            p.in_run = run_phases.contains(&p.phase);
        }
        self.phases = phases;
        self.phase_selected = self.phase_selected.min(self.phases.len() - 1);
    }

    /// The view of `phase`, added when missing (plays appear once they exist).
    pub fn phase_mut(&mut self, phase: Phase) -> &mut PhaseView {
        let idx = match self.phases.iter().position(|p| p.phase == phase) {
            Some(i) => i,
            None => {
                self.show_plays |= phase == Phase::Plays;
                self.phases.push(PhaseView::new(phase));
                self.phases.sort_by_key(|p| p.phase);
                self.phases
                    .iter()
                    .position(|p| p.phase == phase)
                    .unwrap_or(self.phases.len() - 1)
            }
        };
        &mut self.phases[idx]
    }

    pub fn phase(&self, phase: Phase) -> Option<&PhaseView> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    /// True while the screen shows something that changes with the clock alone (a countdown, a
    /// rate or an ETA): only then does the event loop tick.
    pub fn needs_tick(&self) -> bool {
        self.limit.is_some()
            || self.retry.is_some()
            || matches!(
                self.activity,
                Activity::Syncing | Activity::Starting | Activity::Pausing | Activity::Cancelling
            )
            || self.quitting
    }

    /// Time left on the current hold, if any.
    pub fn limit_remaining(&self) -> Option<Duration> {
        let limit = self.limit?;
        (limit.until - self.now).to_std().ok()
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
                // A plays poll may have recorded a gap.
                (finished && self.show_plays).then_some(Action::LoadPlayGaps)
            }
            Msg::Changes { run_id, rows } => {
                if let Some(view) = self.changes.as_mut().filter(|v| v.run_id == run_id) {
                    view.rows = Some(rows);
                    view.scroll = 0;
                    self.dirty = true;
                }
                None
            }
            Msg::PlayGaps(gaps) => {
                self.dirty |= gaps != self.play_gaps;
                self.play_gaps = gaps;
                None
            }
            Msg::EngineStopped(error) => {
                self.dirty = true;
                let text = match error {
                    Some(e) => format!("The sync engine stopped: {e}"),
                    None if self.quitting => "The sync engine stopped".to_string(),
                    None => "The sync engine stopped; restart spotsync to sync again".to_string(),
                };
                if !self.quitting {
                    self.notice = Some(Notice {
                        level: NoticeLevel::Error,
                        text: text.clone(),
                    });
                }
                self.engine = EngineState::Unavailable(text);
                if self.activity.run_active() {
                    self.activity = Activity::Idle;
                }
                None
            }
            Msg::Log(line) => {
                self.log.push_back(line);
                if self.log.len() > LOG_CAPACITY {
                    self.log.pop_front();
                }
                if self.log_scroll > 0 {
                    // Keep the same lines in view while the user reads back.
                    let (_, rows) = super::ui::visible_rows(self);
                    self.log_scroll =
                        (self.log_scroll + 1).min(self.log.len().saturating_sub(rows));
                }
                self.dirty = true;
                None
            }
            Msg::Tick(now) => {
                self.set_now(now);
                if let Some(limit) = self.limit
                    && limit.until <= now
                    && self.activity == Activity::Idle
                {
                    // Nothing is running to tell us the hold ended; it is over by the clock.
                    self.limit = None;
                }
                if let Some(r) = &self.retry {
                    let ends = r.at + chrono::Duration::from_std(r.delay).unwrap_or_default();
                    if now > ends + chrono::Duration::seconds(5) {
                        self.retry = None;
                    }
                }
                for p in &mut self.phases {
                    p.prune(now);
                }
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

    fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')) {
            return self.quit();
        }
        if ctrl && matches!(key.code, KeyCode::Char('l') | KeyCode::Char('L')) {
            return Some(Action::Repaint);
        }
        match self.overlay {
            Overlay::Login => return self.login_key(key),
            Overlay::ConfirmCancel => {
                return match key.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => {
                        self.overlay = Overlay::None;
                        if self.activity.run_active() {
                            self.activity = Activity::Cancelling;
                            self.info("Cancelling: every committed batch is kept");
                            Some(Action::Send(SyncCommand::Cancel))
                        } else {
                            None
                        }
                    }
                    KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                        self.overlay = Overlay::None;
                        self.info("Not cancelled");
                        None
                    }
                    KeyCode::Char('q') => {
                        self.overlay = Overlay::None;
                        self.quit()
                    }
                    _ => None,
                };
            }
            Overlay::ConfirmFull => {
                return match key.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => {
                        self.overlay = Overlay::None;
                        self.start(StartMode::Full)
                    }
                    KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                        self.overlay = Overlay::None;
                        self.info("No new run: s resumes the unfinished one");
                        None
                    }
                    KeyCode::Char('q') => {
                        self.overlay = Overlay::None;
                        self.quit()
                    }
                    _ => None,
                };
            }
            Overlay::Help => {
                if matches!(key.code, KeyCode::Esc | KeyCode::Char('?')) {
                    self.overlay = Overlay::None;
                    return None;
                }
                if key.code != KeyCode::Char('q') {
                    // Any other key closes the help and then does its usual thing.
                    self.overlay = Overlay::None;
                }
            }
            Overlay::Changes => return self.on_changes_key(key),
            Overlay::None => {}
        }
        if self.quitting {
            return None;
        }
        match key.code {
            KeyCode::Char('q') => self.quit(),
            KeyCode::Char('?') => {
                self.overlay = Overlay::Help;
                None
            }
            KeyCode::Esc => {
                self.notice = None;
                None
            }
            KeyCode::Enter if self.focus == Pane::History => self.open_changes(),
            KeyCode::Char('s') => match self.activity {
                Activity::Paused => self.resume(),
                _ => self.start(StartMode::Auto),
            },
            KeyCode::Char('f') if self.activity == Activity::Idle && self.unfinished_run() => {
                if self.can_drive() {
                    self.overlay = Overlay::ConfirmFull;
                }
                None
            }
            KeyCode::Char('f') => self.start(StartMode::Full),
            KeyCode::Char('i') => self.start(StartMode::Incremental),
            KeyCode::Char('a') => self.open_login(),
            KeyCode::Char('p') => match self.activity {
                Activity::Syncing => {
                    self.activity = Activity::Pausing;
                    self.info("Pausing after the current batch…");
                    Some(Action::Send(SyncCommand::Pause))
                }
                Activity::Paused => self.resume(),
                Activity::Pausing => {
                    self.info("Already pausing: the current batch finishes first");
                    None
                }
                Activity::Starting | Activity::Cancelling => None,
                Activity::Idle => {
                    self.info("Nothing to pause: press s to start a sync");
                    None
                }
            },
            KeyCode::Char('c') => {
                if matches!(
                    self.activity,
                    Activity::Syncing | Activity::Pausing | Activity::Paused | Activity::Starting
                ) {
                    self.overlay = Overlay::ConfirmCancel;
                } else if self.activity == Activity::Cancelling {
                    self.info("Already cancelling");
                } else {
                    self.info("Nothing to cancel");
                }
                None
            }
            KeyCode::Tab | KeyCode::Right => {
                self.focus = self.focus.next();
                None
            }
            KeyCode::BackTab | KeyCode::Left => {
                self.focus = self.focus.prev();
                None
            }
            KeyCode::Up => {
                self.scroll(-1);
                None
            }
            KeyCode::Down => {
                self.scroll(1);
                None
            }
            KeyCode::PageUp => {
                self.scroll(-(self.page() as i64));
                None
            }
            KeyCode::PageDown => {
                self.scroll(self.page() as i64);
                None
            }
            KeyCode::Home => {
                self.scroll(i64::MIN / 2);
                None
            }
            KeyCode::End => {
                self.scroll(i64::MAX / 2);
                None
            }
            _ => {
                self.dirty = false;
                None
            }
        }
    }

    fn page(&self) -> usize {
        (self.size.1 as usize / 3).max(1)
    }

    /// Move within the focused pane: positive is down (towards newer log lines, older runs).
    fn scroll(&mut self, delta: i64) {
        match self.focus {
            Pane::Phases => {
                let max = self.phases.len().saturating_sub(1) as i64;
                self.phase_selected = (self.phase_selected as i64 + delta).clamp(0, max) as usize;
            }
            Pane::Limits => {}
            Pane::History => {
                // The cursor moves; the view follows it, and its last page stays full
                // (nothing hidden above for nothing).
                let (rows, _) = super::ui::visible_rows(self);
                let last = self.history.len().saturating_sub(1) as i64;
                self.history_selected =
                    (self.history_selected as i64 + delta).clamp(0, last) as usize;
                if self.history_selected < self.history_scroll {
                    self.history_scroll = self.history_selected;
                } else if self.history_selected >= self.history_scroll + rows {
                    self.history_scroll = self.history_selected + 1 - rows;
                }
            }
            Pane::Log => {
                let (_, rows) = super::ui::visible_rows(self);
                let max = self.log.len().saturating_sub(rows) as i64;
                // Down goes back towards the newest line (scroll 0).
                self.log_scroll = (self.log_scroll as i64 - delta).clamp(0, max) as usize;
            }
        }
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

    pub(super) fn quit(&mut self) -> Option<Action> {
        self.overlay = Overlay::None;
        if self.quitting {
            return None;
        }
        self.quitting = true;
        if self.activity.run_active() {
            self.info("Quitting: pausing after the current batch; the next start resumes it…");
        } else {
            self.info("Quitting…");
        }
        Some(Action::Quit)
    }

    fn can_drive(&mut self) -> bool {
        match &self.engine {
            EngineState::Ready => true,
            EngineState::NoAuth(text) => {
                let text = text.clone();
                self.notice = Some(Notice {
                    level: NoticeLevel::Error,
                    text,
                });
                false
            }
            EngineState::Unavailable(text) => {
                let text = format!("Cannot sync: {text}");
                self.notice = Some(Notice {
                    level: NoticeLevel::Error,
                    text,
                });
                false
            }
        }
    }

    fn start(&mut self, mode: StartMode) -> Option<Action> {
        if !self.can_drive() {
            return None;
        }
        match self.activity {
            Activity::Idle => {
                self.activity = Activity::Starting;
                self.info(match mode {
                    StartMode::Auto => "Starting (resumes an unfinished run if there is one)…",
                    StartMode::Full => "Starting a full sync…",
                    StartMode::Incremental => "Starting an incremental sync…",
                });
                Some(Action::Send(SyncCommand::Start {
                    mode,
                    only: Vec::new(),
                }))
            }
            Activity::Paused => {
                self.warn("A run is paused: p resumes it, c cancels it");
                None
            }
            _ => {
                self.warn("A sync is already running: p pauses it, c cancels it");
                None
            }
        }
    }

    fn resume(&mut self) -> Option<Action> {
        if !self.can_drive() {
            return None;
        }
        self.activity = Activity::Syncing;
        self.info("Resuming…");
        Some(Action::Send(SyncCommand::Resume))
    }

    fn on_engine(&mut self, event: SyncEvent, at: DateTime<Utc>) {
        match event {
            SyncEvent::RunStarted {
                run_id,
                kind,
                phases,
                resumed,
            } => {
                let old = std::mem::take(&mut self.phases);
                self.reset_phases(&phases);
                if resumed {
                    // A resumed run continues from its checkpoints: keep what we knew.
                    for p in old {
                        if phases.contains(&p.phase) {
                            let v = self.phase_mut(p.phase);
                            v.done = p.done;
                            v.total = p.total;
                            v.status = match p.status {
                                PhaseStatus::Success => PhaseStatus::Success,
                                _ => PhaseStatus::Pending,
                            };
                        }
                    }
                }
                let started_at = match &self.run {
                    Some(r) if r.id == run_id => r.started_at,
                    _ => at,
                };
                self.run = Some(RunView {
                    id: run_id,
                    kind,
                    status: RunStatus::Running,
                    started_at,
                    resumed,
                    api_calls: self
                        .run
                        .as_ref()
                        .filter(|r| r.id == run_id)
                        .map_or(0, |r| r.api_calls),
                });
                // A resumed run is no longer the paused (or failed) one history shows.
                if let Some(r) = self.history.iter_mut().find(|r| r.id == run_id) {
                    r.status = RunStatus::Running;
                    r.finished_at = None;
                }
                if self.activity != Activity::Cancelling && self.activity != Activity::Pausing {
                    self.activity = Activity::Syncing;
                }
                self.info(if resumed {
                    format!("Resumed the unfinished {kind} sync (run {run_id})")
                } else {
                    format!("Started a {kind} sync (run {run_id})")
                });
            }
            SyncEvent::PhaseStarted { phase, done, total } => {
                let v = self.phase_mut(phase);
                v.in_run = true;
                v.status = PhaseStatus::InProgress;
                v.done = done;
                v.total = total;
                v.error = None;
                v.samples.clear();
                v.sample(at);
            }
            SyncEvent::BatchCommitted {
                phase,
                done,
                total,
                added,
                updated,
                removed,
                api_calls,
            } => {
                let v = self.phase_mut(phase);
                v.in_run = true;
                if !v.status.is_terminal() && v.status != PhaseStatus::Paused {
                    v.status = PhaseStatus::InProgress;
                }
                v.done = done;
                if total.is_some() {
                    v.total = total;
                }
                v.added += added;
                v.updated += updated;
                v.removed += removed;
                v.sample(at);
                if let Some(r) = &mut self.run {
                    r.api_calls = api_calls;
                }
                if self.retry.as_ref().is_some_and(|r| r.phase == phase) {
                    self.retry = None;
                }
            }
            SyncEvent::RateLimited {
                until,
                reason,
                phase,
            } => {
                self.limit = Some(Limit {
                    until,
                    reason,
                    phase,
                });
                if let Some(phase) = phase {
                    let v = self.phase_mut(phase);
                    if !v.status.is_terminal() {
                        v.status = PhaseStatus::RateLimited;
                    }
                }
            }
            SyncEvent::RateLimitCleared => {
                if let Some(phase) = self.limit.take().and_then(|l| l.phase) {
                    let v = self.phase_mut(phase);
                    if v.status == PhaseStatus::RateLimited {
                        v.status = PhaseStatus::InProgress;
                    }
                }
                for v in &mut self.phases {
                    if v.status == PhaseStatus::RateLimited {
                        v.status = PhaseStatus::InProgress;
                    }
                }
            }
            SyncEvent::Retrying {
                phase,
                attempt,
                delay,
                error,
            } => {
                self.retry = Some(Retry {
                    phase,
                    attempt,
                    at,
                    delay,
                    error,
                });
            }
            SyncEvent::PhaseFinished {
                phase,
                status,
                error,
            } => {
                let v = self.phase_mut(phase);
                v.status = status;
                v.error = error;
                if status == PhaseStatus::Success
                    && let Some(t) = v.total
                {
                    v.done = v.done.max(t);
                }
                if self.retry.as_ref().is_some_and(|r| r.phase == phase) {
                    self.retry = None;
                }
                if status == PhaseStatus::Failed {
                    self.warn(format!(
                        "The {phase} phase failed; the next start retries it from its checkpoint"
                    ));
                }
            }
            SyncEvent::Paused => {
                if !self.quitting {
                    self.activity = Activity::Paused;
                    self.info("Paused: p resumes, c cancels");
                }
                for v in &mut self.phases {
                    if matches!(v.status, PhaseStatus::InProgress | PhaseStatus::RateLimited) {
                        v.status = PhaseStatus::Paused;
                    }
                }
                if let Some(r) = &mut self.run {
                    r.status = RunStatus::Paused;
                }
            }
            SyncEvent::Resumed => {
                if self.activity != Activity::Cancelling {
                    self.activity = Activity::Syncing;
                }
                for v in &mut self.phases {
                    if v.status == PhaseStatus::Paused {
                        v.status = PhaseStatus::InProgress;
                        v.samples.clear();
                        v.sample(at);
                    }
                }
                if let Some(r) = &mut self.run {
                    r.status = RunStatus::Running;
                }
                self.info("Resumed");
            }
            SyncEvent::ApiUsage { calls_24h, budget } => {
                self.calls_24h = calls_24h;
                self.budget = budget;
            }
            SyncEvent::RunFinished { run } => {
                self.activity = Activity::Idle;
                self.retry = None;
                if let Some(l) = self.limit
                    && l.until <= at
                {
                    self.limit = None;
                }
                for v in &mut self.phases {
                    if v.in_run && !v.status.is_terminal() {
                        v.status = match run.status {
                            RunStatus::Cancelled => PhaseStatus::Cancelled,
                            RunStatus::Paused => PhaseStatus::Paused,
                            RunStatus::RateLimited => PhaseStatus::RateLimited,
                            _ => v.status,
                        };
                    }
                }
                self.run = Some(RunView {
                    id: run.id,
                    kind: run.kind,
                    status: run.status,
                    started_at: run.started_at,
                    resumed: self.run.as_ref().is_some_and(|r| r.resumed),
                    api_calls: run.api_calls,
                });
                let text = match run.status {
                    RunStatus::Success => format!(
                        "Sync finished: +{} added, {} updated, {} removed, {} requests",
                        fmt_count(run.items_added),
                        fmt_count(run.items_updated),
                        fmt_count(run.items_removed),
                        fmt_count(run.api_calls)
                    ),
                    RunStatus::Cancelled => {
                        "Sync cancelled; every committed batch is kept".to_string()
                    }
                    RunStatus::Failed if matches!(self.engine, EngineState::NoAuth(_)) => {
                        format!(
                            "Sync stopped: press a to log in again, then s resumes from the \
                             checkpoints ({})",
                            run.error.as_deref().unwrap_or("authorization refused")
                        )
                    }
                    RunStatus::Failed => format!(
                        "Sync stopped with a failure{}; press s to retry from the checkpoints",
                        run.error
                            .as_deref()
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    ),
                    RunStatus::Paused | RunStatus::Running => {
                        "Sync paused; press s to resume it".to_string()
                    }
                    RunStatus::RateLimited => {
                        "Sync stopped by a rate limit; press s to resume it".to_string()
                    }
                };
                self.notice = Some(Notice {
                    level: match run.status {
                        RunStatus::Failed => NoticeLevel::Error,
                        RunStatus::Cancelled | RunStatus::RateLimited => NoticeLevel::Warn,
                        _ => NoticeLevel::Info,
                    },
                    text,
                });
                self.history.retain(|r| r.id != run.id);
                self.history.push_front(run);
                self.history.truncate(HISTORY_CAPACITY);
            }
            SyncEvent::Error { kind, message } => {
                let text = match kind {
                    ErrorKind::Auth => {
                        // The engine's token is dead: nothing syncs until a new login (`a`).
                        let text = if message.contains("spotsync auth") {
                            format!("{message}; or press a to log in here")
                        } else {
                            format!("{message} — press a to log in here (or run `spotsync auth`)")
                        };
                        self.engine = EngineState::NoAuth(text.clone());
                        text
                    }
                    ErrorKind::Locked => message,
                    ErrorKind::Other => format!("Error: {message}"),
                };
                self.notice = Some(Notice {
                    level: NoticeLevel::Error,
                    text,
                });
                if self.activity == Activity::Starting {
                    self.activity = Activity::Idle;
                }
            }
        }
    }
}
