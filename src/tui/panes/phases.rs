//! The phases pane: one row (compact) or one bordered card (roomy) per phase, with progress,
//! counts, rate and ETA. [`PhasesState`] changes only in its `on_*` methods (called from
//! `App::update`); [`PhasesWidget`] reads it.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};

use crate::store::journal::PlayGap;
use crate::sync::{Phase, PhaseProgress, PhaseStatus, RunStatus, SyncEvent};
use crate::tui::format::{bar, fmt_compact, fmt_count, fmt_duration, fmt_rate};
use crate::tui::theme::Theme;

mod group;
use group::{GROUP_NAME, PLAYS_CARD_MIN};

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

/// The phases of the current (or last) run, and the listening-history gaps the plays phase shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PhasesState {
    /// In run order: the four library phases always, plays when listening history exists.
    pub list: Vec<PhaseView>,
    /// The selected row.
    pub selected: usize,
    /// Listening history exists (or the run polls it): show the plays phase.
    pub show_plays: bool,
    /// Recorded listening-history gaps, newest first.
    pub play_gaps: Vec<PlayGap>,
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

    /// The view of `phase`, added when missing (plays appear once they exist).
    pub fn get_mut(&mut self, phase: Phase) -> &mut PhaseView {
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

    /// What an engine event does to the phases.
    pub fn on_engine(&mut self, event: &SyncEvent, at: DateTime<Utc>) {
        match event {
            SyncEvent::RunStarted {
                phases, resumed, ..
            } => {
                let old = std::mem::take(&mut self.list);
                self.reset(phases);
                if *resumed {
                    // A resumed run continues from its checkpoints: keep what we knew.
                    for p in old {
                        if phases.contains(&p.phase) {
                            let v = self.get_mut(p.phase);
                            v.done = p.done;
                            v.total = p.total;
                            v.status = match p.status {
                                PhaseStatus::Success => PhaseStatus::Success,
                                _ => PhaseStatus::Pending,
                            };
                        }
                    }
                }
            }
            SyncEvent::PhaseStarted { phase, done, total } => {
                let v = self.get_mut(*phase);
                v.in_run = true;
                v.status = PhaseStatus::InProgress;
                v.done = *done;
                v.total = *total;
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
                ..
            } => {
                let v = self.get_mut(*phase);
                v.in_run = true;
                if !v.status.is_terminal() && v.status != PhaseStatus::Paused {
                    v.status = PhaseStatus::InProgress;
                }
                v.done = *done;
                if total.is_some() {
                    v.total = *total;
                }
                v.added += added;
                v.updated += updated;
                v.removed += removed;
                v.sample(at);
            }
            SyncEvent::RateLimited {
                phase: Some(phase), ..
            } => {
                let v = self.get_mut(*phase);
                if !v.status.is_terminal() {
                    v.status = PhaseStatus::RateLimited;
                }
            }
            SyncEvent::RateLimitCleared => {
                for v in &mut self.list {
                    if v.status == PhaseStatus::RateLimited {
                        v.status = PhaseStatus::InProgress;
                    }
                }
            }
            SyncEvent::PhaseFinished {
                phase,
                status,
                error,
            } => {
                let v = self.get_mut(*phase);
                v.status = *status;
                v.error.clone_from(error);
                if *status == PhaseStatus::Success
                    && let Some(t) = v.total
                {
                    v.done = v.done.max(t);
                }
            }
            SyncEvent::Paused => {
                for v in &mut self.list {
                    if matches!(v.status, PhaseStatus::InProgress | PhaseStatus::RateLimited) {
                        v.status = PhaseStatus::Paused;
                    }
                }
            }
            SyncEvent::Resumed => {
                for v in &mut self.list {
                    if v.status == PhaseStatus::Paused {
                        v.status = PhaseStatus::InProgress;
                        v.samples.clear();
                        v.sample(at);
                    }
                }
            }
            SyncEvent::RunFinished { run } => {
                for v in &mut self.list {
                    if v.in_run && !v.status.is_terminal() {
                        v.status = match run.status {
                            RunStatus::Cancelled => PhaseStatus::Cancelled,
                            RunStatus::Paused => PhaseStatus::Paused,
                            RunStatus::RateLimited => PhaseStatus::RateLimited,
                            _ => v.status,
                        };
                    }
                }
            }
            SyncEvent::RateLimited { phase: None, .. }
            | SyncEvent::Retrying { .. }
            | SyncEvent::ApiUsage { .. }
            | SyncEvent::Probed { .. }
            | SyncEvent::Error { .. } => {}
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

/// Draws [`PhasesState`]: compact rows with a detail line, or roomy cards.
pub struct PhasesWidget<'a> {
    pub state: &'a PhasesState,
    pub now: DateTime<Utc>,
    pub offset: FixedOffset,
    pub theme: Theme,
    pub focused: bool,
    pub roomy: bool,
    /// Compact: the line under the rows when no phase has an error (what is going on).
    pub detail: Line<'a>,
    /// The phase being retried and what its card says about it.
    pub retry: Option<(Phase, String)>,
}

impl Widget for PhasesWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if self.roomy {
            self.render_cards(area, buf);
        } else {
            self.render_rows(area, buf);
        }
    }
}

fn status_word(p: &PhaseView) -> &'static str {
    if !p.in_run && p.status == PhaseStatus::Pending {
        return "—";
    }
    match p.status {
        PhaseStatus::Pending => "queued",
        PhaseStatus::InProgress => "syncing",
        PhaseStatus::Paused => "paused",
        PhaseStatus::RateLimited => "waiting",
        PhaseStatus::Success => "done",
        PhaseStatus::Failed => "FAILED",
        PhaseStatus::Cancelled => "cancelled",
        PhaseStatus::Skipped => "skipped",
    }
}

fn rate_text(p: &PhaseView, now: DateTime<Utc>) -> String {
    match p.rate(now) {
        Some(r) if p.status == PhaseStatus::InProgress => fmt_rate(r),
        _ => String::new(),
    }
}

fn total_text(p: &PhaseView) -> String {
    match p.total {
        Some(t) => format!("{} / {}", fmt_count(p.done), fmt_count(t)),
        None if p.status == PhaseStatus::Success => fmt_count(p.done),
        None if p.done > 0 => format!("{} / ?", fmt_count(p.done)),
        None => String::new(),
    }
}

impl PhasesWidget<'_> {
    /// Compact: one row per phase inside one block.
    fn render_rows(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let block = theme.pane_block("Sync", self.focused);
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height == 0 {
            return;
        }
        let w = inner.width as usize;
        // name | bar | done/total | +new ~upd | rate | eta | status, one space apart
        let fixed = 10 + 15 + 11 + 7 + 10 + 9 + 6;
        let bar_w = w.saturating_sub(fixed).max(3);
        let mut lines: Vec<Line> = Vec::new();
        let rows = self.state.rows();
        for (i, (name, p, _)) in rows.iter().enumerate() {
            let name_style = if self.focused && i == self.state.selected {
                theme.title().add_modifier(Modifier::REVERSED)
            } else {
                theme.title()
            };
            let counts = if p.added + p.updated + p.removed > 0 {
                let mut c = format!("+{} ~{}", fmt_compact(p.added), fmt_compact(p.updated));
                if p.removed > 0 {
                    c.push_str(&format!(" -{}", fmt_compact(p.removed)));
                }
                c
            } else {
                String::new()
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{name:<10}"), name_style),
                Span::styled(bar(p.ratio(), bar_w), theme.bar()),
                Span::raw(format!(" {:>15}", total_text(p))),
                Span::styled(format!(" {counts:>11}"), theme.dim()),
                Span::raw(format!(" {:>7}", rate_text(p, self.now))),
                Span::raw(format!(
                    " {:>10}",
                    p.eta(self.now)
                        .map(|d| format!("eta {}", fmt_duration(d).replace(' ', "")))
                        .unwrap_or_default()
                )),
                Span::raw(" "),
                Span::styled(status_word(p), theme.status(p.status)),
            ]));
        }
        // The selected (or failed, or skipped) phase's error, else what is going on.
        let selected = rows.get(self.state.selected).and_then(|r| r.2.clone());
        let failed = rows
            .iter()
            .find(|(_, p, e)| p.status == PhaseStatus::Failed && e.is_some())
            .or_else(|| rows.iter().find(|(_, _, e)| e.is_some()))
            .and_then(|r| r.2.clone());
        match selected.or(failed) {
            Some(e) => {
                let (head, tail) = e.split_once(": ").unwrap_or((e.as_str(), ""));
                lines.push(Line::from(vec![
                    Span::styled(format!("{head}: "), theme.bad()),
                    Span::raw(tail.to_string()),
                ]))
            }
            None => lines.push(self.detail),
        }
        Paragraph::new(lines).render(inner, buf);
    }

    /// Roomy: a bordered card per phase, side by side.
    fn render_cards(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let rows = self.state.rows();
        // Equal cards, but the plays card keeps room for its gap line.
        let constraints: Vec<Constraint> = rows
            .iter()
            .map(|(_, p, _)| {
                if p.phase == Phase::Plays {
                    Constraint::Min(PLAYS_CARD_MIN)
                } else {
                    Constraint::Fill(1)
                }
            })
            .collect();
        let cols = Layout::horizontal(constraints).split(area);
        for (i, ((name, p, detail), col)) in rows.iter().zip(cols.iter()).enumerate() {
            let selected = self.focused && i == self.state.selected;
            let mut block = Block::bordered().title(Span::styled(
                format!(" {name} "),
                if selected {
                    theme.title().add_modifier(Modifier::REVERSED)
                } else {
                    theme.title()
                },
            ));
            block = block.title(
                Line::from(Span::styled(
                    format!(" {} ", status_word(p)),
                    theme.status(p.status),
                ))
                .right_aligned(),
            );
            block = if self.focused {
                block
                    .border_type(BorderType::Thick)
                    .border_style(theme.focus_border())
            } else {
                block.border_style(theme.dim())
            };
            let inner = block.inner(*col);
            block.render(*col, buf);
            let w = inner.width as usize;
            let pct = p
                .ratio()
                .map(|r| format!("{:>3.0}%", r * 100.0))
                .unwrap_or_else(|| "   ?".into());
            let rate = rate_text(p, self.now);
            let eta = p.eta(self.now).map(fmt_duration).unwrap_or_default();
            let mut speed = rate;
            if !eta.is_empty() {
                speed.push_str(&format!(" · eta {eta}"));
            }
            let mut lines = vec![
                Line::from(vec![
                    Span::styled(bar(p.ratio(), w.saturating_sub(5)), theme.bar()),
                    Span::raw(format!(" {pct}")),
                ]),
                Line::from(total_text(p)),
                Line::from(Span::styled(
                    format!(
                        "+{} new  ~{} upd  -{} rem",
                        fmt_compact(p.added),
                        fmt_compact(p.updated),
                        fmt_compact(p.removed)
                    ),
                    theme.dim(),
                )),
                Line::from(speed),
            ];
            // A card is titled by its phase: its own error as is; the lists' card names which.
            let error = if *name == GROUP_NAME {
                detail.as_ref()
            } else {
                p.error.as_ref()
            };
            if let Some(e) = error {
                lines.push(Line::from(Span::styled(e.clone(), theme.bad())));
            } else if let Some((_, text)) = self.retry.as_ref().filter(|(ph, _)| *ph == p.phase) {
                lines.push(Line::from(Span::styled(text.clone(), theme.warn())));
            } else if p.phase == Phase::Plays
                && let Some(gap) = self.state.gap_line(self.offset, theme, true)
            {
                lines.push(gap);
            }
            Paragraph::new(lines).render(inner, buf);
        }
    }
}
