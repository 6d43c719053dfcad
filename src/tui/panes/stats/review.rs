//! A year in review on the Stats screen: the year's figures (minutes listened, plays, days,
//! the longest streak, the busiest day, artists new that year), minutes per month as a bar
//! chart, the year's top artists, tracks and albums, and the artists first heard that year.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph, Widget, Wrap};

use super::{title, top, top_lists};
use crate::store::browse::{Stats, YearReview};
use crate::tui::format::{fmt_compact, fmt_count};
use crate::tui::theme::Theme;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The year in review of `review` (the top lists come from `stats`).
pub struct ReviewWidget<'a> {
    pub stats: &'a Stats,
    pub review: &'a YearReview,
    pub theme: Theme,
    /// ` …` while the next period is read.
    pub loading: &'a str,
}

impl ReviewWidget<'_> {
    /// The year's figures, as sentences that wrap.
    fn figures(&self) -> Vec<Span<'static>> {
        let (r, t) = (self.review, self.theme);
        let mut parts = vec![
            format!("{} minutes listened", fmt_count(r.minutes)),
            format!("{} plays", fmt_count(r.plays)),
            format!("{} days with plays", fmt_count(r.days)),
        ];
        if let Some((from, to)) = r.streak {
            let days = (to - from).num_days() + 1;
            parts.push(format!(
                "longest streak {days} day{} ({} – {})",
                if days == 1 { "" } else { "s" },
                from.format("%b %-d"),
                to.format("%b %-d")
            ));
        }
        if let Some((day, minutes, plays)) = r.busiest_day {
            parts.push(format!(
                "busiest day {} ({} min, {} plays)",
                day.format("%a %b %-d"),
                fmt_count(minutes),
                fmt_count(plays)
            ));
        }
        parts.push(format!(
            "{} new artist{}",
            fmt_count(r.new_artist_count),
            if r.new_artist_count == 1 { "" } else { "s" }
        ));
        let mut spans = Vec::new();
        for (i, p) in parts.into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" · ", t.dim()));
            }
            spans.push(Span::raw(p));
        }
        spans
    }

    /// Minutes per month, a bar each.
    fn months(&self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        Paragraph::new(title(t, "Minutes per month".to_string())).render(area, buf);
        let chart = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        let bars: Vec<Bar> = self
            .review
            .minutes_per_month
            .iter()
            .zip(MONTHS)
            .map(|(&m, name)| {
                Bar::default()
                    .value(m)
                    .label(Line::from(name))
                    .text_value(fmt_compact(m))
            })
            .collect();
        // Twelve bars and their gaps across the width.
        let bar_w = (chart.width.saturating_sub(11) / 12).clamp(1, 9);
        BarChart::default()
            .direction(Direction::Vertical)
            .data(BarGroup::default().bars(&bars))
            .bar_width(bar_w)
            .bar_gap(1)
            .bar_style(t.bar())
            .value_style(t.title())
            .render(chart, buf);
    }
}

impl Widget for ReviewWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let roomy = area.height >= 36;
        let [head, figures, months, tops, new] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(if area.width >= 120 { 2 } else { 3 }),
            Constraint::Length(if roomy { 12 } else { 6 }),
            Constraint::Length(if roomy { 12 } else { 6 }),
            Constraint::Min(0),
        ])
        .horizontal_margin(1)
        .areas(area);
        let r = self.review;
        Paragraph::new(Line::from(vec![Span::styled(
            format!("{} in review{}", r.year, self.loading),
            t.title(),
        )]))
        .render(head, buf);
        Paragraph::new(Line::from(self.figures()))
            .wrap(Wrap { trim: true })
            .render(figures, buf);
        self.months(months, buf);
        top_lists(t, self.stats, &r.year.to_string(), tops, buf);
        if new.height > 1 {
            let [list, _] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(2)])
                .spacing(2)
                .areas(new);
            let head = format!("New artists in {}", r.year);
            if r.new_artists.is_empty() {
                Paragraph::new(vec![
                    title(t, head),
                    Line::from(Span::styled("none: every artist was heard before", t.dim())),
                ])
                .render(list, buf);
            } else {
                top(t, head, &r.new_artists, list, buf);
            }
        }
    }
}
