//! The phases pane: one row (compact) or one bordered card (roomy) per phase, with progress,
//! counts, rate and ETA. [`PhasesState`] changes only through its methods, each for one thing
//! the engine reports (called from the app's one handler of engine events); [`PhasesWidget`]
//! (in `widget`) reads it.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::text::{Line, Span};

use crate::store::journal::PlayGap;
use crate::sync::{Phase, PhaseProgress, PhaseStatus, RunStatus};
use crate::tui::theme::Theme;

mod group;
mod widget;

pub use widget::PhasesWidget;

/// Window over which a phase's rate (items/s) is measured.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);

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
    samples: VecDeque<(DateTime<Utc>, u64)>,
}

/// What a committed batch reports about its phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// Items done in the phase so far, and its total when known.
    pub done: u64,
    pub total: Option<u64>,
    /// What this batch changed.
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
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

/// The phases of the current (or last) run, and the listening-history gaps the plays phase shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PhasesState {
    /// In run order: the library phases always, plays when listening history exists.
    list: Vec<PhaseView>,
    /// The selected row.
    selected: usize,
    /// Listening history exists (or the run polls it): show the plays phase.
    show_plays: bool,
    /// Recorded listening-history gaps, newest first.
    play_gaps: Vec<PlayGap>,
}

impl PhasesState {
    /// The phases of the run loaded at start.
    pub fn new(progress: &[PhaseProgress], play_gaps: Vec<PlayGap>) -> PhasesState {
        let mut s = PhasesState {
            list: Vec::new(),
            selected: 0,
            // Recorded gaps mean listening history exists: show its phase (where the gap is).
            show_plays: !play_gaps.is_empty(),
            play_gaps,
        };
        s.reset(&[]);
        for p in progress {
            s.get_mut(p.phase).clone_from(&PhaseView::from_progress(p));
        }
        s
    }

    /// Show the library phases always, and plays when history exists or the run has it.
    fn reset(&mut self, run_phases: &[Phase]) {
        self.show_plays |= run_phases.contains(&Phase::Plays);
        let mut list: Vec<PhaseView> = Phase::ALL
            .iter()
            .filter(|p| **p != Phase::Plays)
            .map(|p| PhaseView::new(*p))
            .collect();
        if self.show_plays {
            list.push(PhaseView::new(Phase::Plays));
        }
        for p in &mut list {
            p.in_run = run_phases.contains(&p.phase);
        }
        self.list = list;
        self.selected = self.selected.min(self.row_count().saturating_sub(1));
    }

    pub fn get(&self, phase: Phase) -> Option<&PhaseView> {
        self.list.iter().find(|p| p.phase == phase)
    }

    /// The selected row (of [`PhasesState::rows`]).
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The recorded listening-history gaps, newest first.
    pub fn play_gaps(&self) -> &[PlayGap] {
        &self.play_gaps
    }

    /// Whether the plays phase is shown (listening history exists, or the run polls it).
    pub fn shows_plays(&self) -> bool {
        self.show_plays
    }

    /// The view of `phase`, added when missing (plays appear once they exist).
    fn get_mut(&mut self, phase: Phase) -> &mut PhaseView {
        let idx = match self.list.iter().position(|p| p.phase == phase) {
            Some(i) => i,
            None => {
                self.show_plays |= phase == Phase::Plays;
                self.list.push(PhaseView::new(phase));
                self.list.sort_by_key(|p| p.phase);
                self.list
                    .iter()
                    .position(|p| p.phase == phase)
                    .unwrap_or(self.list.len() - 1)
            }
        };
        &mut self.list[idx]
    }

    /// Up/down on the pane.
    pub fn move_by(&mut self, delta: i64) {
        let max = self.row_count().saturating_sub(1) as i64;
        self.selected = (self.selected as i64 + delta).clamp(0, max) as usize;
    }

    /// The clock moved: forget rate samples older than the window.
    pub fn on_tick(&mut self, now: DateTime<Utc>) {
        for p in &mut self.list {
            p.prune(now);
        }
    }

    /// The recorded gaps were read again; `false` when they are what was shown.
    pub fn set_play_gaps(&mut self, gaps: Vec<PlayGap>) -> bool {
        let changed = gaps != self.play_gaps;
        self.play_gaps = gaps;
        changed
    }

    /// A run of `phases` started; a `resumed` one continues from its checkpoints: what was
    /// known of them is kept.
    pub fn start_run(&mut self, phases: &[Phase], resumed: bool) {
        let old = std::mem::take(&mut self.list);
        self.reset(phases);
        if !resumed {
            return;
        }
        for p in old.into_iter().filter(|p| phases.contains(&p.phase)) {
            let v = self.get_mut(p.phase);
            v.done = p.done;
            v.total = p.total;
            v.status = match p.status {
                PhaseStatus::Success => PhaseStatus::Success,
                _ => PhaseStatus::Pending,
            };
        }
    }

    /// `phase` started at `done` of `total`.
    pub fn phase_started(
        &mut self,
        phase: Phase,
        done: u64,
        total: Option<u64>,
        at: DateTime<Utc>,
    ) {
        let v = self.get_mut(phase);
        v.in_run = true;
        v.status = PhaseStatus::InProgress;
        v.done = done;
        v.total = total;
        v.error = None;
        v.samples.clear();
        v.sample(at);
    }

    /// A batch of `phase` was committed.
    pub fn batch_committed(&mut self, phase: Phase, b: Batch, at: DateTime<Utc>) {
        let v = self.get_mut(phase);
        v.in_run = true;
        if !v.status.is_terminal() && v.status != PhaseStatus::Paused {
            v.status = PhaseStatus::InProgress;
        }
        v.done = b.done;
        if b.total.is_some() {
            v.total = b.total;
        }
        v.added += b.added;
        v.updated += b.updated;
        v.removed += b.removed;
        v.sample(at);
    }

    /// A hold on requests stopped `phase`.
    pub fn held(&mut self, phase: Phase) {
        let v = self.get_mut(phase);
        if !v.status.is_terminal() {
            v.status = PhaseStatus::RateLimited;
        }
    }

    /// The hold ended: the phases it stopped go on.
    pub fn hold_ended(&mut self) {
        for v in &mut self.list {
            if v.status == PhaseStatus::RateLimited {
                v.status = PhaseStatus::InProgress;
            }
        }
    }

    /// `phase` ended with `status` (and the error it failed or was skipped with).
    pub fn phase_finished(&mut self, phase: Phase, status: PhaseStatus, error: Option<String>) {
        let v = self.get_mut(phase);
        v.status = status;
        v.error = error;
        if status == PhaseStatus::Success
            && let Some(t) = v.total
        {
            v.done = v.done.max(t);
        }
    }

    /// The run paused at a batch boundary.
    pub fn paused(&mut self) {
        for v in &mut self.list {
            if matches!(v.status, PhaseStatus::InProgress | PhaseStatus::RateLimited) {
                v.status = PhaseStatus::Paused;
            }
        }
    }

    /// The run resumed: rates start afresh.
    pub fn resumed(&mut self, at: DateTime<Utc>) {
        for v in &mut self.list {
            if v.status == PhaseStatus::Paused {
                v.status = PhaseStatus::InProgress;
                v.samples.clear();
                v.sample(at);
            }
        }
    }

    /// The run ended with `status`: its unfinished phases say how.
    pub fn run_finished(&mut self, status: RunStatus) {
        for v in &mut self.list {
            if v.in_run && !v.status.is_terminal() {
                v.status = match status {
                    RunStatus::Cancelled => PhaseStatus::Cancelled,
                    RunStatus::Paused => PhaseStatus::Paused,
                    RunStatus::RateLimited => PhaseStatus::RateLimited,
                    _ => v.status,
                };
            }
        }
    }

    /// The newest listening-history gap: `None` when none was recorded. `short` fits a narrow
    /// phase card (`gap 11-20 08:15 → 11-20 11:40`).
    pub fn gap_line(
        &self,
        offset: FixedOffset,
        theme: Theme,
        short: bool,
    ) -> Option<Line<'static>> {
        let g = self.play_gaps.first()?;
        let format = if short {
            "%m-%d %H:%M"
        } else {
            "%Y-%m-%d %H:%M"
        };
        let fmt = |s: &str| {
            crate::store::parse_ts(s)
                .map(|t| t.with_timezone(&offset).format(format).to_string())
                .unwrap_or_else(|| s.to_string())
        };
        let after = g.after.as_deref().map_or_else(|| "?".to_string(), fmt);
        let before = fmt(&g.before);
        let text = if short {
            format!("gap {after} → {before}")
        } else {
            format!("⚠ plays may be missing between {after} and {before}")
        };
        Some(Line::from(Span::styled(text, theme.warn())))
    }
}
