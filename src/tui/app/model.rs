//! The app's small types: screens, panes, overlays, what runs, notices, and what the app is
//! started with ([`Setup`]).

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Utc};

use crate::sync::{RunKind, RunStatus, SyncConfig};

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
    /// Enter on a run in the history pane: what that run changed.
    Changes,
    /// Logging in to Spotify (`a` when not connected).
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

/// What the app is started with; it does not change while the app runs.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Use the 16 named colours (false with `NO_COLOR`: modifiers only).
    pub color: bool,
    /// Capture the mouse: the wheel scrolls, a click selects (false with `--no-mouse`).
    pub mouse: bool,
    /// Local time offset for showing times.
    pub utc_offset: FixedOffset,
    /// Where things live, shown in the help.
    pub locations: Locations,
    /// The banner when this is `spotsync demo`.
    pub demo: Option<DemoBanner>,
    /// The engine's own pace (`requests_per_window`), shown in the limits pane.
    pub pacing: Option<u32>,
    /// The config the plan of the next sync is computed with (`None`: no plan is shown).
    pub plan_config: Option<SyncConfig>,
    /// Where `e` on the Library screen writes ([`spotsync_core::export::DEFAULT_DIR`] under the
    /// directory the app was started in).
    pub export_dir: PathBuf,
    /// What to say at start (a warning about the authorization…), over anything else.
    pub notice: Option<Notice>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            color: true,
            mouse: true,
            utc_offset: chrono::Offset::fix(&Utc),
            locations: Locations::default(),
            demo: None,
            pacing: None,
            plan_config: None,
            export_dir: PathBuf::from(spotsync_core::export::DEFAULT_DIR),
            notice: None,
        }
    }
}
