//! The Stats screen: it opens on the month of the latest play. Plays per day for 90 days (a
//! sparkline), the top artists, tracks and albums of a month or of the whole history (bars in a
//! table; `←`/`→` moves the period, tab cycles month, year and all time), a listening clock
//! (weekday × hour) and how well the history covers time; a year shows its year in review
//! (`review`). The figures are read off the UI thread (`store::browse::stats`);
//! [`StatsWidget`] only reads them.

mod review;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table, Widget};

use crate::store::browse::{Period, Stats};
use crate::tui::format::{ellipsize_right, ellipsize_words, fmt_compact, fmt_count};
use crate::tui::layout::column_widths;
use crate::tui::theme::Theme;

/// The Stats screen's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsState {
    /// The period of the top lists and the clock (none until the first answer names the
    /// month of the latest play).
    period: Option<Period>,
    stats: Option<Stats>,
    loading: bool,
    error: Option<String>,
    /// Read since the last sync.
    loaded: bool,
}

/// What a key on the Stats screen did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsKey {
    /// Not the screen's key.
    NotMine,
    /// Taken; nothing to do (the arrows that scroll elsewhere).
    Taken,
    /// The period changed, or `r`: read the statistics again.
    Read,
}

impl StatsState {
    /// The period shown (none until the first answer).
    pub fn period(&self) -> Option<Period> {
        self.period
    }

    /// The statistics last read.
    pub fn stats(&self) -> Option<&Stats> {
        self.stats.as_ref()
    }

    /// Not read since the last sync, and not being read.
    pub fn wants_read(&self) -> bool {
        !self.loaded && !self.loading
    }

    /// A sync may have changed the history: read again when shown.
    pub fn mark_stale(&mut self) {
        self.loaded = false;
    }

    /// The statistics are being read for the period shown, which this returns (none at first:
    /// the store answers with the month of the latest play).
    pub fn reading(&mut self) -> Option<Period> {
        self.loading = true;
        self.period
    }

    /// `←`/`→` (`h`/`l`) move the period, tab (`t`) goes from a month to its year (its year in
    /// review), to all time and back to the month of the latest play, `r` reads again.
    pub fn on_key(&mut self, key: KeyEvent) -> StatsKey {
        match key.code {
            KeyCode::Left | KeyCode::Char('h') => self.period = self.period.map(|p| p.shift(-1)),
            KeyCode::Right | KeyCode::Char('l') => self.period = self.period.map(|p| p.shift(1)),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Char('t') => {
                let latest = self.stats.as_ref().and_then(|s| s.latest);
                self.period = self.period.map(|p| p.toggle(latest.unwrap_or(p)));
            }
            KeyCode::Char('r') => {}
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                return StatsKey::Taken;
            }
            _ => return StatsKey::NotMine,
        }
        StatsKey::Read
    }

    /// Statistics arrived (or their read failed); older periods' answers are dropped.
    pub fn on_stats(&mut self, stats: Result<Stats, String>) {
        self.loading = false;
        self.loaded = true;
        match stats {
            Ok(s) if self.period.is_none() || s.period.is_none() || s.period == self.period => {
                self.period = s.period.or(self.period);
                self.stats = Some(s);
                self.error = None;
            }
            Ok(_) => {}
            Err(e) => self.error = Some(e),
        }
    }
}

/// The Stats screen's body.
pub struct StatsWidget<'a> {
    pub state: &'a StatsState,
    pub theme: Theme,
}

const SHADES: [&str; 5] = [" ", "░", "▒", "▓", "█"];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn title(theme: Theme, text: String) -> Line<'static> {
    Line::from(Span::styled(text, theme.title()))
}

impl StatsWidget<'_> {
    fn per_day(&self, s: &Stats, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let total: u64 = s.per_day.iter().sum();
        let max = s.per_day.iter().copied().max().unwrap_or(0);
        let [head, chart, axis] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(area);
        Paragraph::new(title(
            t,
            format!(
                "Plays per day, last 90 days: {} plays, busiest day {}",
                fmt_count(total),
                fmt_count(max)
            ),
        ))
        .render(head, buf);
        // The newest days when 90 do not fit.
        let w = usize::from(chart.width);
        let data = &s.per_day[s.per_day.len().saturating_sub(w)..];
        Sparkline::default()
            .data(data)
            .max(max.max(1))
            .style(t.bar())
            .render(chart, buf);
        if let Some(today) = s.today {
            let first = today - chrono::Duration::days(data.len() as i64 - 1);
            let left = first.format("%Y-%m-%d").to_string();
            let right = today.format("%Y-%m-%d").to_string();
            // The right date ends under the newest day.
            let gap = data
                .len()
                .min(usize::from(axis.width))
                .saturating_sub(left.len() + right.len());
            Paragraph::new(Line::from(Span::styled(
                format!("{left}{}{right}", " ".repeat(gap)),
                t.dim(),
            )))
            .render(axis, buf);
        }
    }

    fn clock(&self, s: &Stats, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let cell = if area.width >= 4 + 48 { 2 } else { 1 };
        let max = s.clock.iter().flatten().copied().max().unwrap_or(0);
        let mut lines = vec![title(t, format!("Clock, weekday × hour (█ {max})"))];
        let mut hours = String::from("    ");
        for h in (0..24).step_by(6) {
            let label = format!("{h}");
            hours.push_str(&format!("{label:<w$}", w = 6 * cell));
        }
        lines.push(Line::from(Span::styled(hours, t.dim())));
        for (d, row) in s.clock.iter().enumerate() {
            let mut text = format!("{} ", DAYS[d]);
            for &n in row {
                // Empty, then four shades from the quietest hour to the busiest.
                let level = match (n, max) {
                    (0, _) => 0,
                    (_, 0 | 1) => 4,
                    _ => 1 + (((n - 1) * 3) / (max - 1)).min(3) as usize,
                };
                text.push_str(&SHADES[level].repeat(cell));
            }
            lines.push(Line::from(vec![
                Span::raw(text[..4].to_string()),
                Span::styled(text[4..].to_string(), t.bar()),
            ]));
        }
        Paragraph::new(lines).render(area, buf);
    }

    fn coverage(&self, s: &Stats, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let c = &s.coverage;
        let day = |s: &Option<String>| s.as_deref().map(|s| s.chars().take(10).collect::<String>());
        let mut rows: Vec<(&str, String)> = vec![("plays", fmt_count(c.plays.max(0) as u64))];
        for (source, days) in &c.days_by_source {
            rows.push((source, days_text((*days).max(0) as u64)));
        }
        rows.push(("first", day(&c.first).unwrap_or_else(|| "—".into())));
        rows.push(("last", day(&c.last).unwrap_or_else(|| "—".into())));
        rows.push(("gaps", fmt_count(c.gap_count.max(0) as u64)));
        for (after, before) in &c.gaps {
            let after = day(after).unwrap_or_else(|| "start".into());
            rows.push((
                "",
                format!("{after} → {}", before.chars().take(10).collect::<String>()),
            ));
        }
        // Eight columns, or more: the labels (sources such as `extended` among them) stand a
        // space apart from the figures.
        let label_w = rows
            .iter()
            .map(|(k, _)| k.chars().count() + 1)
            .max()
            .unwrap_or(0)
            .max(8);
        let w = usize::from(area.width);
        let mut lines = vec![title(t, "History coverage".into())];
        for (k, v) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("{k:<label_w$}"), t.dim()),
                Span::raw(ellipsize_right(&v, w.saturating_sub(label_w))),
            ]));
        }
        Paragraph::new(lines).render(area, buf);
    }
}

/// `1 day`, `115 days`.
fn days_text(n: u64) -> String {
    format!("{} {}", fmt_count(n), if n == 1 { "day" } else { "days" })
}

impl Widget for StatsWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let Some(s) = &self.state.stats else {
            let text = match &self.state.error {
                Some(e) => Span::styled(format!(" {e}"), t.bad()),
                None => Span::styled(" Reading the listening history…", t.dim()),
            };
            Paragraph::new(Line::from(text)).render(area, buf);
            return;
        };
        let roomy = area.height >= 36;
        let loading = if self.state.loading { " …" } else { "" };
        if let Some(r) = &s.review {
            review::ReviewWidget {
                stats: s,
                review: r,
                theme: t,
                loading,
            }
            .render(area, buf);
            return;
        }
        let [days, tops, bottom] = Layout::vertical([
            Constraint::Length(if roomy { 10 } else { 4 }),
            Constraint::Length(if roomy { 12 } else { 6 }),
            Constraint::Min(9),
        ])
        .spacing(1)
        .areas(area);
        let [days] = Layout::horizontal([Constraint::Fill(1)])
            .horizontal_margin(1)
            .areas(days);
        self.per_day(s, days, buf);
        let period = self
            .state
            .period
            .or(s.period)
            .map(Period::label)
            .unwrap_or_default();
        top_lists(t, s, &format!("{period}{loading}"), tops, buf);
        let clock_w = if bottom.width >= 110 {
            4 + 48 + 2
        } else {
            4 + 24 + 2
        };
        let [clock, cover] = Layout::horizontal([Constraint::Length(clock_w), Constraint::Fill(1)])
            .horizontal_margin(1)
            .areas(bottom);
        self.clock(s, clock, buf);
        self.coverage(s, cover, buf);
    }
}

/// The top artists, tracks and albums side by side; `what` (the period) heads the first, the
/// period's plays the second.
fn top_lists(t: Theme, s: &Stats, what: &str, area: Rect, buf: &mut Buffer) {
    let [a, b, c] = Layout::horizontal([Constraint::Fill(1); 3])
        .spacing(2)
        .horizontal_margin(1)
        .areas(area);
    top(t, format!("Artists · {what}"), &s.top_artists, a, buf);
    let plays = format!("Tracks · {} plays", fmt_count(s.period_plays));
    top(t, plays, &s.top_tracks, b, buf);
    top(t, "Albums".to_string(), &s.top_albums, c, buf);
}

/// One top list: names, plays and a bar (left out when the column is narrow).
fn top(t: Theme, head: String, items: &[(String, u64)], area: Rect, buf: &mut Buffer) {
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bar_w = if area.width >= 36 {
        (area.width / 4).clamp(4, 24)
    } else {
        0
    };
    Paragraph::new(title(t, ellipsize_right(&head, usize::from(area.width)))).render(area, buf);
    let area = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(bar_w),
    ];
    let name_w = column_widths(&widths, area.width, 1)
        .first()
        .copied()
        .unwrap_or(0);
    let rows: Vec<Row> = items
        .iter()
        .take(usize::from(area.height))
        .map(|(name, n)| {
            let len = ((*n as f64 / max as f64) * f64::from(bar_w)).round() as usize;
            Row::new(vec![
                Cell::from(ellipsize_words(name, name_w)),
                Cell::from(format!("{:>5}", fmt_compact(*n))),
                Cell::from(Span::styled("█".repeat(len.max(1)), t.bar())),
            ])
        })
        .collect();
    let empty = rows.is_empty();
    Table::new(rows, widths).column_spacing(1).render(area, buf);
    if empty {
        Paragraph::new(Line::from(Span::styled("no plays in this period", t.dim())))
            .render(area, buf);
    }
}
