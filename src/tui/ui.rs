//! Widgets: everything here reads `&App` and draws; nothing changes state.
//!
//! Two layouts: a compact one (one line per phase) that fits 80×24, and a roomy one (a bordered
//! pane per phase, the rate-limit and history panes side by side) from 120×36 up. Colours are the
//! 16 named ones only; without colour (`NO_COLOR`) meaning is carried by text and modifiers.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Clear, Paragraph, Row, Table, Wrap};

use super::app::{Activity, App, EngineState, NoticeLevel, Overlay, Pane, PhaseView};
use crate::sync::{LimitReason, PhaseStatus, RunKind, RunRecord, RunStatus};

/// Width and height from which the roomy layout is used.
pub const ROOMY: (u16, u16) = (120, 36);

/// Styles for the 16-colour palette, or modifiers only.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color, fallback: Modifier) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new().add_modifier(fallback)
        }
    }
    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    pub fn key(self) -> Style {
        self.fg(Color::Cyan, Modifier::BOLD)
            .add_modifier(Modifier::BOLD)
    }
    pub fn good(self) -> Style {
        self.fg(Color::Green, Modifier::empty())
    }
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow, Modifier::BOLD)
    }
    pub fn bad(self) -> Style {
        self.fg(Color::Red, Modifier::BOLD)
            .add_modifier(Modifier::BOLD)
    }
    pub fn busy(self) -> Style {
        self.fg(Color::Cyan, Modifier::empty())
    }
    pub fn bar(self) -> Style {
        self.fg(Color::Green, Modifier::empty())
    }
    pub fn banner(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    pub fn focus_border(self) -> Style {
        self.fg(Color::Cyan, Modifier::BOLD)
    }
    pub fn status(self, s: PhaseStatus) -> Style {
        match s {
            PhaseStatus::Pending => self.dim(),
            PhaseStatus::InProgress => self.busy(),
            PhaseStatus::Paused => self.fg(Color::Magenta, Modifier::ITALIC),
            PhaseStatus::RateLimited => self.warn(),
            PhaseStatus::Success => self.good(),
            PhaseStatus::Failed => self.bad(),
            PhaseStatus::Cancelled => self.fg(Color::Yellow, Modifier::ITALIC),
        }
    }
    pub fn run_status(self, s: RunStatus) -> Style {
        match s {
            RunStatus::Running => self.busy(),
            RunStatus::Paused => self.fg(Color::Magenta, Modifier::ITALIC),
            RunStatus::RateLimited => self.warn(),
            RunStatus::Success => self.good(),
            RunStatus::Failed => self.bad(),
            RunStatus::Cancelled => self.fg(Color::Yellow, Modifier::ITALIC),
        }
    }
    fn level(self, l: tracing::Level) -> Style {
        match l {
            tracing::Level::ERROR => self.bad(),
            tracing::Level::WARN => self.warn(),
            tracing::Level::INFO => self.good(),
            _ => self.dim(),
        }
    }
}

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let theme = Theme { color: app.color };
    let area = frame.area();
    let roomy = is_roomy(area);
    let [header, banner, body, notice, keys] = screen_areas(app, area);

    draw_header(frame, app, theme, header);
    if let Some(demo) = &app.demo {
        frame.render_widget(
            Paragraph::new(Line::from(demo_banner_text(
                &demo.sim_url,
                usize::from(banner.width),
            )))
            .style(theme.banner()),
            banner,
        );
    }
    if roomy {
        draw_roomy(frame, app, theme, body);
    } else {
        draw_compact(frame, app, theme, body);
    }
    draw_notice(frame, app, theme, notice);
    draw_keys(frame, app, theme, keys);

    match app.overlay {
        Overlay::Help => draw_help(frame, app, theme, area),
        Overlay::ConfirmCancel => draw_confirm(
            frame,
            theme,
            area,
            "Cancel the running sync?",
            "Every committed batch is kept; the run is closed as cancelled.",
            (
                "cancel it",
                if app.activity == Activity::Paused {
                    "keep it paused"
                } else {
                    "keep syncing"
                },
            ),
        ),
        Overlay::ConfirmFull => draw_confirm(
            frame,
            theme,
            area,
            "Start a fresh full sync?",
            "The unfinished run is closed as cancelled (its batches are kept).",
            ("start afresh", "keep it (s resumes)"),
        ),
        Overlay::Changes => super::changes::draw(frame, app, theme, area),
        Overlay::Login => super::login::draw_login(frame, app, theme, area),
        Overlay::None => {}
    }
}

/// The body's panes: phases, limits, history, log.
fn compact_areas(app: &App, area: Rect) -> [Rect; 4] {
    let phases_h = app.phases.len() as u16 + 3;
    let rest = area.height.saturating_sub(phases_h + 4);
    // History grows with its rows up to half of what is left; the log takes the rest.
    let history_h = (app.history.len() as u16 + 3).clamp(5, (rest / 2).max(5));
    Layout::vertical([
        Constraint::Length(phases_h),
        Constraint::Length(4),
        Constraint::Length(history_h),
        Constraint::Min(3),
    ])
    .areas(area)
}

/// The body's panes: phases, limits, history, log.
fn roomy_areas(area: Rect) -> [Rect; 4] {
    let mid_h = (area.height / 3).clamp(9, 16);
    let [phases, mid, log] = Layout::vertical([
        Constraint::Length(7),
        Constraint::Length(mid_h),
        Constraint::Min(4),
    ])
    .areas(area);
    let [limits, history] =
        Layout::horizontal([Constraint::Percentage(36), Constraint::Percentage(64)]).areas(mid);
    [phases, limits, history, log]
}

/// The screen split into header, banner, body, notice line and key line.
fn screen_areas(app: &App, area: Rect) -> [Rect; 5] {
    let banner_h = u16::from(app.demo.is_some());
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner_h),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

fn is_roomy(area: Rect) -> bool {
    area.width >= ROOMY.0 && area.height >= ROOMY.1
}

/// How many history runs and log lines fit on screen at the app's size: scrolling stops where
/// the last page is full, so a scrolled pane never shows blank rows while lines are hidden.
pub fn visible_rows(app: &App) -> (usize, usize) {
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    let [_, _, body, _, _] = screen_areas(app, area);
    let [_, _, history, log] = if is_roomy(area) {
        roomy_areas(body)
    } else {
        compact_areas(app, body)
    };
    (
        // borders and the header row
        usize::from(history.height.saturating_sub(3)).max(1),
        usize::from(log.height.saturating_sub(2)).max(1),
    )
}

/// The first history row shown and the log lines hidden below, clamped to what fits.
fn effective_scroll(app: &App) -> (usize, usize) {
    let (history_rows, log_rows) = visible_rows(app);
    (
        app.history_scroll
            .min(app.history.len().saturating_sub(history_rows)),
        app.log_scroll.min(app.log.len().saturating_sub(log_rows)),
    )
}

fn draw_compact(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let [phases, limits, history, log] = compact_areas(app, area);
    draw_phase_rows(frame, app, theme, phases);
    draw_limits(frame, app, theme, limits, true);
    draw_history(frame, app, theme, history, false);
    draw_log(frame, app, theme, log);
}

fn draw_roomy(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let [phases, limits, history, log] = roomy_areas(area);
    draw_phase_panes(frame, app, theme, phases);
    draw_limits(frame, app, theme, limits, false);
    draw_history(frame, app, theme, history, true);
    draw_log(frame, app, theme, log);
}

fn pane_block(app: &App, theme: Theme, pane: Pane, title: impl Into<String>) -> Block<'static> {
    let focused = app.focus == pane;
    let block = Block::bordered().title(Span::styled(format!(" {} ", title.into()), theme.title()));
    if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(theme.focus_border())
    } else {
        block.border_style(theme.dim())
    }
}

fn draw_header(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let mut spans = vec![Span::styled(" spotsync ", theme.title())];
    let (state, style) = match (&app.engine, app.activity) {
        (_, _) if app.quitting => ("stopping".to_string(), theme.warn()),
        (EngineState::NoAuth(_), _) => ("not connected".to_string(), theme.bad()),
        (EngineState::Unavailable(_), _) => ("engine unavailable".to_string(), theme.bad()),
        (_, Activity::Idle) => ("idle".to_string(), theme.dim()),
        (_, Activity::Starting) => ("starting".to_string(), theme.busy()),
        (_, Activity::Syncing) if app.limit.is_some() => ("waiting".to_string(), theme.warn()),
        (_, Activity::Syncing) => ("syncing".to_string(), theme.busy()),
        (_, Activity::Pausing) => ("pausing".to_string(), theme.warn()),
        (_, Activity::Paused) => ("paused".to_string(), theme.status(PhaseStatus::Paused)),
        (_, Activity::Cancelling) => ("cancelling".to_string(), theme.warn()),
    };
    spans.push(Span::styled(format!("● {state}"), style));
    if let Some(run) = &app.run {
        let mut s = format!("  ·  {} run #{}", run.kind, run.id);
        if app.activity.run_active() {
            let elapsed = (app.now - run.started_at).to_std().unwrap_or_default();
            s.push_str(&format!(
                " · {} · {} requests",
                fmt_duration(elapsed),
                fmt_count(run.api_calls)
            ));
        } else {
            s.push_str(&format!(" {}", run.status.as_str().replace('_', " ")));
        }
        spans.push(Span::raw(s));
    }
    let left = Line::from(spans);
    let db = format!("{} ", app.locations.db);
    let room = (area.width as usize).saturating_sub(left.width() + 2);
    frame.render_widget(Paragraph::new(left), area);
    if room > 12 {
        let db = ellipsize_left(&db, room);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(db, theme.dim()))).alignment(Alignment::Right),
            area,
        );
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
    }
}

fn bar(ratio: Option<f64>, width: usize) -> String {
    let Some(r) = ratio else {
        return "·".repeat(width);
    };
    let filled = ((r * width as f64).round() as usize).min(width);
    let mut s = "█".repeat(filled);
    s.push_str(&"░".repeat(width - filled));
    s
}

fn rate_text(p: &PhaseView, now: DateTime<Utc>) -> String {
    match p.rate(now) {
        Some(r) if p.status == PhaseStatus::InProgress => fmt_rate(r),
        _ => String::new(),
    }
}

fn eta_text(p: &PhaseView, now: DateTime<Utc>) -> String {
    match p.eta(now) {
        Some(d) => fmt_duration(d),
        None => String::new(),
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

/// Compact: one row per phase inside one block.
fn draw_phase_rows(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let block = pane_block(app, theme, Pane::Phases, "Sync");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    // name | bar | done/total | +new ~upd | rate | eta | status, one space apart
    let fixed = 10 + 15 + 11 + 7 + 10 + 9 + 6;
    let bar_w = w.saturating_sub(fixed).max(3);
    let mut lines: Vec<Line> = Vec::new();
    for (i, p) in app.phases.iter().enumerate() {
        let selected = app.focus == Pane::Phases && i == app.phase_selected;
        let name_style = if selected {
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
            Span::styled(format!("{:<10}", p.phase.as_str()), name_style),
            Span::styled(bar(p.ratio(), bar_w), theme.bar()),
            Span::raw(format!(" {:>15}", total_text(p))),
            Span::styled(format!(" {counts:>11}"), theme.dim()),
            Span::raw(format!(" {:>7}", rate_text(p, app.now))),
            Span::raw(format!(
                " {:>10}",
                p.eta(app.now)
                    .map(|d| format!("eta {}", fmt_duration(d).replace(' ', "")))
                    .unwrap_or_default()
            )),
            Span::raw(" "),
            Span::styled(status_word(p), theme.status(p.status)),
        ]));
    }
    lines.push(phase_detail(app, theme));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The line under the phases: the selected (or failed) phase's error, or what is going on.
fn phase_detail(app: &App, theme: Theme) -> Line<'static> {
    let selected = app.phases.get(app.phase_selected);
    let failed = app
        .phases
        .iter()
        .find(|p| p.status == PhaseStatus::Failed && p.error.is_some());
    let with_error = selected.filter(|p| p.error.is_some()).or(failed);
    if let Some(p) = with_error {
        return Line::from(vec![
            Span::styled(format!("{} failed: ", p.phase), theme.bad()),
            Span::raw(p.error.clone().unwrap_or_default()),
        ]);
    }
    if let Some(r) = &app.retry {
        return Line::from(Span::styled(
            format!(
                "{}: retrying (attempt {}) after {}: {}",
                r.phase,
                r.attempt,
                fmt_duration(r.delay),
                r.error
            ),
            theme.warn(),
        ));
    }
    match &app.engine {
        EngineState::NoAuth(text) => Line::from(Span::styled(text.clone(), theme.bad())),
        _ if app.activity == Activity::Idle && app.history.is_empty() && app.run.is_none() => {
            Line::from(Span::styled(
                "Nothing synced yet: press s to mirror your library",
                theme.dim(),
            ))
        }
        _ => super::changes::gap_line(app, theme, false).unwrap_or_default(),
    }
}

/// Roomy: a bordered pane per phase, side by side.
fn draw_phase_panes(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let n = app.phases.len().max(1) as u32;
    let constraints: Vec<Constraint> = (0..n).map(|_| Constraint::Ratio(1, n)).collect();
    let cols = Layout::horizontal(constraints).split(area);
    for (i, (p, col)) in app.phases.iter().zip(cols.iter()).enumerate() {
        let selected = app.focus == Pane::Phases && i == app.phase_selected;
        let focused = app.focus == Pane::Phases;
        let mut block = Block::bordered().title(Span::styled(
            format!(" {} ", p.phase.as_str()),
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
        if focused {
            block = block
                .border_type(BorderType::Thick)
                .border_style(theme.focus_border());
        } else {
            block = block.border_style(theme.dim());
        }
        let inner = block.inner(*col);
        frame.render_widget(block, *col);
        let w = inner.width as usize;
        let pct = p
            .ratio()
            .map(|r| format!("{:>3.0}%", r * 100.0))
            .unwrap_or_else(|| "   ?".into());
        let rate = rate_text(p, app.now);
        let eta = eta_text(p, app.now);
        let mut speed = String::new();
        if !rate.is_empty() {
            speed.push_str(&rate);
        }
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
        if let Some(e) = &p.error {
            lines.push(Line::from(Span::styled(e.clone(), theme.bad())));
        } else if let Some(r) = app.retry.as_ref().filter(|r| r.phase == p.phase) {
            lines.push(Line::from(Span::styled(
                format!("retry #{}: {}", r.attempt, r.error),
                theme.warn(),
            )));
        } else if p.phase == crate::sync::Phase::Plays
            && let Some(gap) = super::changes::gap_line(app, theme, true)
        {
            lines.push(gap);
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn reason_short(r: LimitReason) -> &'static str {
    match r {
        LimitReason::Window => "30-s window",
        LimitReason::Quota => "daily quota",
        LimitReason::Budget => "daily budget",
    }
}

fn draw_limits(frame: &mut Frame, app: &App, theme: Theme, area: Rect, compact: bool) {
    let block = pane_block(app, theme, Pane::Limits, "Rate limit & quota");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    match (app.limit, app.limit_remaining()) {
        (Some(limit), Some(left)) => {
            lines.push(Line::from(vec![
                Span::styled("⏸ resuming in ", theme.warn()),
                Span::styled(
                    fmt_countdown(left),
                    theme.warn().add_modifier(Modifier::BOLD),
                ),
                Span::raw(format!("  ({})", reason_short(limit.reason))),
            ]));
            if !compact {
                lines.push(Line::from(format!("Reason: {}", limit.reason.describe())));
                let local = limit.until.with_timezone(&app.utc_offset);
                let mut at = format!("Resumes at {}", local.format("%Y-%m-%d %H:%M:%S"));
                if let Some(p) = limit.phase {
                    at.push_str(&format!(" · {p} phase"));
                }
                lines.push(Line::from(Span::styled(at, theme.dim())));
                lines.push(Line::from(Span::styled(
                    "Nothing is sent before then; quitting keeps the wait.",
                    theme.dim(),
                )));
            }
        }
        (Some(limit), None) => {
            lines.push(Line::from(Span::styled(
                format!("Resuming now ({} over)", reason_short(limit.reason)),
                theme.good(),
            )));
        }
        (None, _) => {
            if let Some(r) = &app.retry {
                lines.push(Line::from(Span::styled(
                    format!(
                        "↻ {} retry #{} in {}: {}",
                        r.phase,
                        r.attempt,
                        fmt_duration(r.delay),
                        r.error
                    ),
                    theme.warn(),
                )));
            } else {
                lines.push(Line::from(Span::styled(
                    "✓ No rate limit or quota hold",
                    theme.good(),
                )));
            }
        }
    }
    let calls = match app.budget {
        Some(b) if b > 0 => format!(
            "Calls in the last 24 h: {} of {} budget ({:.0}%)",
            fmt_count(app.calls_24h),
            fmt_count(b),
            app.calls_24h as f64 * 100.0 / b as f64
        ),
        _ => format!(
            "Calls in the last 24 h: {} (no daily budget set)",
            fmt_count(app.calls_24h)
        ),
    };
    if !compact {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(calls));
    if !compact && let Some(b) = app.budget.filter(|b| *b > 0) {
        let ratio = (app.calls_24h as f64 / b as f64).clamp(0.0, 1.0);
        lines.push(Line::from(Span::styled(
            bar(Some(ratio), inner.width as usize),
            if ratio > 0.9 {
                theme.warn()
            } else {
                theme.bar()
            },
        )));
    }
    if !compact && let Some(gap) = super::changes::gap_line(app, theme, false) {
        lines.push(gap);
    }
    if !compact && let Some(n) = app.pacing {
        lines.push(Line::from(Span::styled(
            format!("Pacing: at most {n} requests per 30 s, slower after a 429"),
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

fn kind_short(k: RunKind) -> &'static str {
    match k {
        RunKind::Full => "full",
        RunKind::Incremental => "incr",
        RunKind::Plays => "plays",
    }
}

fn run_took(r: &RunRecord, now: DateTime<Utc>) -> String {
    let end = r.finished_at.unwrap_or(now);
    fmt_duration((end - r.started_at).to_std().unwrap_or_default())
}

fn draw_history(frame: &mut Frame, app: &App, theme: Theme, area: Rect, roomy: bool) {
    let (scroll, _) = effective_scroll(app);
    let title = if app.history.is_empty() {
        "History".to_string()
    } else {
        let n = app.history.len();
        let mut t = format!("History ({n} run{}", if n == 1 { "" } else { "s" });
        if scroll > 0 {
            t.push_str(&format!(", {scroll} newer above"));
        }
        t.push(')');
        t
    };
    let block = pane_block(app, theme, Pane::History, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.history.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("No runs yet", theme.dim())),
            inner,
        );
        return;
    }
    let header = Row::new(vec![
        "When", "Kind", "Status", "Took", "Calls", "Waits", "Added", "Upd", "Rem",
    ])
    .style(theme.title());
    let fmt_when = if roomy {
        "%Y-%m-%d %H:%M"
    } else {
        "%m-%d %H:%M"
    };
    let rows: Vec<Row> = app
        .history
        .iter()
        .enumerate()
        .skip(scroll)
        .map(|(i, r)| {
            let waits = if r.rate_limited_count == 0 {
                "—".to_string()
            } else {
                format!(
                    "{}×{}",
                    r.rate_limited_count,
                    fmt_duration(Duration::from_secs(r.waited_seconds))
                )
            };
            let mut cells = vec![
                Cell::from(
                    r.started_at
                        .with_timezone(&app.utc_offset)
                        .format(fmt_when)
                        .to_string(),
                ),
                Cell::from(kind_short(r.kind)),
                Cell::from(Span::styled(
                    r.status.as_str().replace('_', " "),
                    theme.run_status(r.status),
                )),
                Cell::from(run_took(r, app.now)),
                Cell::from(fmt_count(r.api_calls)),
                Cell::from(waits),
                Cell::from(format!("+{}", fmt_compact(r.items_added))),
                Cell::from(format!("~{}", fmt_compact(r.items_updated))),
                Cell::from(format!("-{}", fmt_compact(r.items_removed))),
            ];
            if roomy {
                cells.push(Cell::from(Span::styled(
                    r.error.clone().unwrap_or_default(),
                    theme.bad(),
                )));
            }
            // The selected run (Enter shows what it changed).
            if i == app.history_selected && app.focus == Pane::History {
                Row::new(cells).style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                Row::new(cells)
            }
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(if roomy { 16 } else { 11 }),
        Constraint::Length(5),
        Constraint::Length(12),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(5),
    ];
    if roomy {
        widths.push(Constraint::Min(10));
    }
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, inner);
}

fn draw_log(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let (_, log_scroll) = effective_scroll(app);
    let title = if log_scroll > 0 {
        format!("Log (scrolled: {log_scroll} newer lines below, End follows)")
    } else {
        "Log".to_string()
    };
    let block = pane_block(app, theme, Pane::Log, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = inner.height as usize;
    if h == 0 {
        return;
    }
    if app.log.is_empty() {
        let path = app
            .locations
            .log_file
            .as_deref()
            .unwrap_or("the log directory");
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("No log lines yet (everything is also written to {path})"),
                theme.dim(),
            )),
            inner,
        );
        return;
    }
    let end = app.log.len().saturating_sub(log_scroll.min(app.log.len()));
    let start = end.saturating_sub(h);
    // "HH:MM:SS " and the level take 15 columns.
    let message_w = (inner.width as usize).saturating_sub(15);
    let lines: Vec<Line> = app
        .log
        .range(start..end)
        .map(|l| {
            Line::from(vec![
                Span::styled(
                    l.at.with_timezone(&app.utc_offset)
                        .format("%H:%M:%S ")
                        .to_string(),
                    theme.dim(),
                ),
                Span::styled(format!("{:<5} ", l.level.as_str()), theme.level(l.level)),
                // A line cut by the pane's edge says so (the log file has all of it).
                Span::raw(ellipsize_right(&l.message, message_w)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_notice(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let Some(n) = &app.notice else {
        return;
    };
    let style = match n.level {
        NoticeLevel::Info => Style::new(),
        NoticeLevel::Warn => theme.warn(),
        NoticeLevel::Error => theme.bad(),
    };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(format!(" {}", n.text), style))),
        area,
    );
}

fn draw_keys(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let pause = if app.activity == Activity::Paused {
        "resume"
    } else {
        "pause"
    };
    let narrow = area.width < 90;
    // Only the keys that do something now: no "start" while a run goes, no sync keys without
    // an account.
    let mut items: Vec<(&str, &str)> = Vec::new();
    if matches!(app.engine, EngineState::NoAuth(_)) {
        // Nothing syncs before a login: offer it first.
        items.push(("a", "log in to Spotify"));
    }
    if app.engine == EngineState::Ready && !app.quitting {
        match app.activity {
            Activity::Idle => {
                items.push((
                    "s",
                    if app.unfinished_run() {
                        "resume"
                    } else {
                        "start"
                    },
                ));
                items.push(("f", "full"));
                items.push(("i", if narrow { "incr" } else { "incremental" }));
            }
            Activity::Starting | Activity::Syncing | Activity::Paused => {
                items.push(("p", pause));
                items.push(("c", "cancel"));
            }
            Activity::Pausing => items.push(("c", "cancel")),
            Activity::Cancelling => {}
        }
    }
    items.extend([("tab", "pane"), ("?", "help"), ("q", "quit")]);
    let mut spans = vec![Span::raw(" ")];
    for (i, (k, what)) in items.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled(*k, theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn draw_help(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let keys: [(&str, &str); 13] = [
        (
            "s",
            "start: resumes an unfinished run, else syncs what changed",
        ),
        ("f", "full sync: re-read everything, detect removals"),
        ("i", "incremental sync: only what changed"),
        ("p", "pause after the current batch / resume"),
        (
            "c",
            "cancel the run (asks first; committed batches are kept)",
        ),
        ("tab ←/→", "move between panes"),
        (
            "↑/↓ PgUp/PgDn",
            "scroll the focused pane; Enter on a run: what it changed",
        ),
        ("Home/End", "oldest / newest (End follows the log)"),
        ("Ctrl-L", "repaint the screen"),
        ("?  Esc", "close this help"),
        ("q", "quit: pauses at a batch boundary, resumes next time"),
        ("a", "log in to Spotify (when not connected)"),
        ("", ""),
    ];
    let mut lines: Vec<Line> = keys
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<14}"), theme.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(" Database  ", theme.title()),
        Span::raw(app.locations.db.clone()),
    ]));
    lines.push(Line::from(vec![
        Span::styled(" Log file  ", theme.title()),
        Span::raw(
            app.locations
                .log_file
                .clone()
                .unwrap_or_else(|| "(none: the log directory could not be created)".into()),
        ),
    ]));
    if let Some(c) = &app.locations.config_file {
        lines.push(Line::from(vec![
            Span::styled(" Config    ", theme.title()),
            Span::raw(c.clone()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " Set NO_COLOR=1 for a screen without colours. RUST_LOG=debug logs more.",
        theme.dim(),
    )));
    let h = lines.len() as u16 + 2;
    let widest = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let rect = popup(area, widest.saturating_add(3).max(76), h);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_type(BorderType::Double)
                .title(Span::styled(" Help — keys ", theme.title())),
        ),
        rect,
    );
}

fn draw_confirm(
    frame: &mut Frame,
    theme: Theme,
    area: Rect,
    question: &str,
    detail: &str,
    (yes, no): (&str, &str),
) {
    let lines = vec![
        Line::from(Span::styled(question.to_string(), theme.title())),
        Line::from(detail.to_string()),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(format!(" {yes}    ")),
            Span::styled("n", theme.key()),
            Span::raw(format!(" {no}")),
        ]),
    ];
    let rect = popup(area, 72, 6);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).alignment(Alignment::Center).block(
            Block::bordered()
                .border_type(BorderType::Double)
                .border_style(theme.warn())
                .title(" Confirm "),
        ),
        rect,
    );
}

/// The demo banner in `width` columns: the longest form that fits, dropping the least essential
/// words first; what must stay is that this is a demo and that your account is not touched. Too
/// narrow even for that, it ends in `…`.
pub fn demo_banner_text(sim_url: &str, width: usize) -> String {
    let forms = [
        format!(
            " DEMO  simulated Spotify at {sim_url} · throwaway database · your account is not touched"
        ),
        format!(" DEMO  simulated Spotify {sim_url} · your account is not touched"),
        format!(" DEMO  {sim_url} · your account is not touched"),
        " DEMO  your account is not touched".to_string(),
    ];
    let last = forms[forms.len() - 1].clone();
    forms
        .into_iter()
        .find(|f| Line::from(f.as_str()).width() <= width)
        .unwrap_or_else(|| ellipsize_right(&last, width))
}

/// `1234567` → `1,234,567`.
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Counts in little room: `9,999`, `12.3k`, `1.2M`.
pub fn fmt_compact(n: u64) -> String {
    if n < 10_000 {
        fmt_count(n)
    } else if n < 1_000_000 {
        format!("{:.1}k", n as f64 / 1000.0)
    } else {
        format!("{:.1}M", n as f64 / 1_000_000.0)
    }
}

/// Items per second.
pub fn fmt_rate(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}/s")
    } else if r >= 1.0 {
        format!("{r:.1}/s")
    } else {
        format!("{:.1}/m", r * 60.0)
    }
}

/// `5s`, `4m 05s`, `13h 42m`, `2d 03h`.
pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A countdown to the second: `13h 42m 05s`, `4m 05s`, `12s`.
pub fn fmt_countdown(d: Duration) -> String {
    // Round up: "resuming in 0s" only when it is over.
    let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}h {m:02}m {sec:02}s")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// `s` cut to `max` columns, ending in `…` when cut.
fn ellipsize_right(s: &str, max: usize) -> String {
    let width = Line::from(s).width();
    if width <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = Line::from(c.to_string()).width();
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

fn ellipsize_left(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let skip = n - max + 1;
    format!("…{}", s.chars().skip(skip).collect::<String>())
}
