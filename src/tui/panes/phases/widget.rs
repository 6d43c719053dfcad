//! [`PhasesWidget`]: the phases as compact rows with a detail line, or as roomy cards. It only
//! reads the state.

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};

use super::group::{GROUP_NAME, PLAYS_CARD_MIN};
use super::{PhaseView, PhasesState};
use crate::sync::{Phase, PhaseStatus};
use crate::tui::format::{bar, fmt_compact, fmt_count, fmt_duration, fmt_rate};
use crate::tui::theme::Theme;

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
            let block = self.card_block(name, p, selected);
            let inner = block.inner(*col);
            block.render(*col, buf);
            Paragraph::new(self.card_lines(name, p, detail.as_ref(), inner.width))
                .render(inner, buf);
        }
    }

    /// A card's border: the phase's name (reversed when selected) and its status.
    fn card_block(&self, name: &str, p: &PhaseView, selected: bool) -> Block<'static> {
        let theme = self.theme;
        let title = if selected {
            theme.title().add_modifier(Modifier::REVERSED)
        } else {
            theme.title()
        };
        let block = Block::bordered()
            .title(Span::styled(format!(" {name} "), title))
            .title(
                Line::from(Span::styled(
                    format!(" {} ", status_word(p)),
                    theme.status(p.status),
                ))
                .right_aligned(),
            );
        if self.focused {
            block
                .border_type(BorderType::Thick)
                .border_style(theme.focus_border())
        } else {
            block.border_style(theme.dim())
        }
    }

    /// A card's lines in `width` columns: bar, counts, speed, and the error, retry or gap.
    fn card_lines(
        &self,
        name: &str,
        p: &PhaseView,
        detail: Option<&String>,
        width: u16,
    ) -> Vec<Line<'static>> {
        let theme = self.theme;
        let pct = p
            .ratio()
            .map(|r| format!("{:>3.0}%", r * 100.0))
            .unwrap_or_else(|| "   ?".into());
        let mut speed = rate_text(p, self.now);
        if let Some(eta) = p.eta(self.now) {
            speed.push_str(&format!(" · eta {}", fmt_duration(eta)));
        }
        let mut lines = vec![
            Line::from(vec![
                Span::styled(
                    bar(p.ratio(), usize::from(width).saturating_sub(5)),
                    theme.bar(),
                ),
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
        let error = if name == GROUP_NAME {
            detail
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
        lines
    }
}
