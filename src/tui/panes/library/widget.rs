//! [`LibraryWidget`]: the tab bar, the filter line, the table of the current tab and the detail
//! pane (beside the table when there is room, else in its place). It only reads the state.

use chrono::FixedOffset;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Tabs, Widget};

use super::{DetailView, LibraryState, sorts};
use crate::store::browse::{Row as LibRow, Tab, length};
use crate::store::parse_ts;
use crate::tui::format::{ellipsize_right, ellipsize_words, fit_cells, fmt_count};
use crate::tui::layout::column_widths;
use crate::tui::theme::Theme;

/// Width from which the detail pane goes beside the table.
pub const SIDE_DETAIL_WIDTH: u16 = 120;

/// The Library screen's body.
pub struct LibraryWidget<'a> {
    pub state: &'a LibraryState,
    pub offset: FixedOffset,
    pub theme: Theme,
}

/// A stored timestamp as a local date (`2026-11-25`), or with the time.
pub fn local(ts: Option<&str>, offset: FixedOffset, with_time: bool) -> String {
    let Some(ts) = ts else {
        return String::new();
    };
    match parse_ts(ts) {
        Some(t) => {
            let t = t.with_timezone(&offset);
            if with_time {
                t.format("%Y-%m-%d %H:%M").to_string()
            } else {
                t.format("%Y-%m-%d").to_string()
            }
        }
        None => ts.chars().take(10).collect(),
    }
}

/// The screen split for the Library: tab bar, filter line, table (with its header row).
pub fn areas(body: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(body)
}

/// Rows of the table that fit in `table` (one is the header).
pub fn table_rows(table: Rect) -> usize {
    usize::from(table.height.saturating_sub(1)).max(1)
}

fn columns(tab: Tab, narrow: bool) -> (Vec<&'static str>, Vec<Constraint>) {
    use Constraint::{Fill, Length};
    match tab {
        Tab::Liked if narrow => (
            vec!["Title", "Artist", "Added", "Plays"],
            vec![Fill(3), Fill(2), Length(10), Length(5)],
        ),
        Tab::Liked => (
            vec!["Title", "Artist", "Album", "Year", "Added", "Plays"],
            vec![Fill(3), Fill(2), Fill(2), Length(4), Length(10), Length(5)],
        ),
        Tab::Playlists => (
            vec!["Playlist", "Owner", "Items", "Items mirrored"],
            vec![Fill(3), Fill(1), Length(6), Length(14)],
        ),
        Tab::Albums => (
            vec!["Album", "Artist", "Year", "Tracks", "Plays"],
            vec![Fill(3), Fill(2), Length(4), Length(6), Length(5)],
        ),
        Tab::Artists => (
            vec!["Artist", "Tracks", "Plays"],
            vec![Fill(1), Length(6), Length(6)],
        ),
        Tab::Shows => (
            vec!["Show", "Publisher", "Episodes", "Saved"],
            vec![Fill(3), Fill(2), Length(8), Length(10)],
        ),
        Tab::Episodes if narrow => (
            vec!["Episode", "Show", "Length", "Saved"],
            vec![Fill(3), Fill(2), Length(8), Length(10)],
        ),
        Tab::Episodes => (
            vec!["Episode", "Show", "Released", "Length", "Saved"],
            vec![Fill(3), Fill(2), Length(10), Length(8), Length(10)],
        ),
        Tab::Audiobooks if narrow => (
            vec!["Audiobook", "Authors", "Chapters", "Saved"],
            vec![Fill(3), Fill(2), Length(8), Length(10)],
        ),
        Tab::Audiobooks => (
            vec!["Audiobook", "Authors", "Publisher", "Chapters", "Saved"],
            vec![Fill(3), Fill(2), Fill(2), Length(8), Length(10)],
        ),
        Tab::Plays if narrow => (
            vec!["Played", "Title", "Artist"],
            vec![Length(16), Fill(3), Fill(2)],
        ),
        Tab::Plays => (
            vec!["Played", "Title", "Artist", "Album"],
            vec![Length(16), Fill(3), Fill(2), Fill(2)],
        ),
        Tab::Changes => (
            vec!["When", "What", "Name", "Change"],
            vec![Length(16), Length(11), Fill(2), Fill(2)],
        ),
    }
}

fn cells(tab: Tab, r: &LibRow, narrow: bool, offset: FixedOffset) -> Vec<String> {
    let year = r.year.map(|y| y.to_string()).unwrap_or_default();
    let n = |v: i64| fmt_count(v.max(0) as u64);
    match tab {
        Tab::Liked => {
            let added = match &r.removed {
                Some(_) => "un-liked".to_string(),
                None => local(r.added.as_deref(), offset, false),
            };
            if narrow {
                vec![r.name.clone(), r.artist.clone(), added, n(r.plays)]
            } else {
                vec![
                    r.name.clone(),
                    r.artist.clone(),
                    r.album.clone(),
                    year,
                    added,
                    n(r.plays),
                ]
            }
        }
        Tab::Playlists => vec![
            if r.removed.is_some() {
                format!("{} (removed)", r.name)
            } else {
                r.name.clone()
            },
            r.artist.clone(),
            n(r.count),
            local(r.added.as_deref(), offset, false),
        ],
        Tab::Albums => vec![
            r.name.clone(),
            r.artist.clone(),
            year,
            n(r.count),
            n(r.plays),
        ],
        Tab::Artists => vec![r.name.clone(), n(r.count), n(r.plays)],
        Tab::Shows | Tab::Episodes | Tab::Audiobooks => {
            let saved = match &r.removed {
                Some(_) => "un-saved".to_string(),
                None => local(r.added.as_deref(), offset, false),
            };
            let mut v = vec![r.name.clone(), r.artist.clone()];
            match tab {
                Tab::Episodes if !narrow => {
                    v.extend([r.album.clone(), length(r.count)]);
                }
                Tab::Episodes => v.push(length(r.count)),
                Tab::Audiobooks if !narrow => v.extend([r.album.clone(), n(r.count)]),
                _ => v.push(n(r.count)),
            }
            v.push(saved);
            v
        }
        Tab::Plays => {
            let mut v = vec![
                local(r.added.as_deref(), offset, true),
                r.name.clone(),
                r.artist.clone(),
            ];
            if !narrow {
                v.push(r.album.clone());
            }
            v
        }
        Tab::Changes => vec![
            local(r.added.as_deref(), offset, true),
            r.artist.clone(),
            r.name.clone(),
            r.album.clone(),
        ],
    }
}

impl LibraryWidget<'_> {
    fn tabs(&self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let narrow = area.width < 100;
        let titles: Vec<Line> = Tab::ALL
            .iter()
            .map(|tab| {
                let title = match (tab, narrow) {
                    (Tab::Liked, true) => "Liked",
                    (Tab::Episodes, true) => "Eps",
                    (Tab::Audiobooks, true) => "Books",
                    (_, _) => tab.title(),
                };
                if *tab == self.state.tab {
                    Line::from(Span::styled(format!("[{title}]"), t.title()))
                } else {
                    Line::from(format!(" {title} "))
                }
            })
            .collect();
        Tabs::new(titles)
            .divider(Span::styled("│", t.dim()))
            .padding("", "")
            .render(area, buf);
    }

    fn filter_line(&self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let s = self.state;
        let d = s.current();
        let count = if d.shown.len() == d.rows.len() {
            format!("{} rows", fmt_count(d.rows.len() as u64))
        } else if s.filter_text.is_empty() {
            // Nothing typed: what is missing is what left the library.
            format!(
                "{} rows (+{} removed)",
                fmt_count(d.shown.len() as u64),
                fmt_count((d.rows.len() - d.shown.len()) as u64)
            )
        } else {
            format!(
                "{} of {}",
                fmt_count(d.shown.len() as u64),
                fmt_count(d.rows.len() as u64)
            )
        };
        let sort = sorts(s.tab)
            .get(d.sort)
            .map(|o| o.label(s.tab))
            .unwrap_or("");
        if let Some(e) = d.error.as_ref().filter(|_| !s.editing) {
            // A failed read takes the whole line: it must be read.
            let text = ellipsize_right(&format!(" {e}"), usize::from(area.width));
            Paragraph::new(Line::from(Span::styled(text, t.bad()))).render(area, buf);
            return;
        }
        let right = format!("{count} · by {sort} ");
        let left = if s.editing || !s.filter_text.is_empty() {
            let mut spans = vec![
                Span::styled(" / ", t.key()),
                Span::raw(s.filter_text.clone()),
            ];
            if s.editing {
                spans.push(Span::styled("█", t.key()));
            }
            Line::from(spans)
        } else if d.loading && !d.loaded {
            Line::from(Span::styled(" Reading the library…", t.dim()))
        } else {
            Line::from(Span::styled(
                " / filter  (artist: album: in: year: added: removed)",
                t.dim(),
            ))
        };
        let room = usize::from(area.width).saturating_sub(right.chars().count() + 1);
        let left = if left.width() > room {
            Line::from(ellipsize_right(&left.to_string(), room))
        } else {
            left
        };
        Paragraph::new(left).render(area, buf);
        Paragraph::new(Line::from(Span::styled(right, t.dim())))
            .alignment(ratatui::layout::Alignment::Right)
            .render(area, buf);
    }

    fn table(&self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let s = self.state;
        let d = s.current();
        let narrow = area.width < 100;
        let (heads, widths) = columns(s.tab, narrow);
        let page = table_rows(area);
        let fit = column_widths(&widths, area.width, 1);
        if d.shown.is_empty() {
            let text = if d.loading && !d.loaded {
                String::new()
            } else if d.rows.is_empty() {
                format!(
                    " No {} in the mirror yet: press 1, then s to sync.",
                    s.tab.title().to_lowercase()
                )
            } else {
                " Nothing matches the filter (Esc clears it).".to_string()
            };
            Paragraph::new(Line::from(Span::styled(text, t.dim()))).render(area, buf);
            return;
        }
        let rows: Vec<Row> = d
            .shown
            .iter()
            .enumerate()
            .skip(d.offset)
            .take(page)
            .filter_map(|(pos, &i)| {
                let r = d.rows.get(i)?;
                let mut style = if r.removed.is_some() {
                    t.dim()
                } else {
                    ratatui::style::Style::new()
                };
                if pos == d.selected {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                let cells = fit_cells(cells(s.tab, r, narrow, self.offset), &fit);
                Some(Row::new(cells).style(style))
            })
            .collect();
        Table::new(rows, widths)
            .header(Row::new(heads.into_iter().map(Cell::from)).style(t.title()))
            .column_spacing(1)
            .render(area, buf);
    }

    fn detail(&self, v: &DetailView, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let block = t.pane_block(
            v.detail
                .as_ref()
                .map(|d| d.title.clone())
                .unwrap_or_else(|| "Detail".into()),
            true,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let Some(d) = &v.detail else {
            let text = match &v.error {
                Some(e) => Span::styled(e.clone(), t.bad()),
                None => Span::styled("Reading…", t.dim()),
            };
            Paragraph::new(Line::from(text)).render(inner, buf);
            return;
        };
        // One line per field (cut with an ellipsis), then the list's title.
        let label = d
            .fields
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0)
            .max(8);
        let room = usize::from(inner.width).saturating_sub(label + 1);
        let mut lines: Vec<Line> = d
            .fields
            .iter()
            .map(|(k, val)| {
                Line::from(vec![
                    Span::styled(format!("{k:<label$} "), t.title()),
                    Span::raw(ellipsize_right(val, room)),
                ])
            })
            .collect();
        if !d.items_title.is_empty() {
            lines.push(Line::from(Span::styled(d.items_title.clone(), t.title())));
        }
        let used = (lines.len() as u16).min(inner.height);
        Paragraph::new(lines).render(inner, buf);
        let list = Rect {
            y: inner.y + used.min(inner.height),
            height: inner.height.saturating_sub(used),
            ..inner
        };
        let widths = [
            Constraint::Length(4),
            Constraint::Length(11),
            Constraint::Fill(3),
            Constraint::Fill(2),
        ];
        let fit = column_widths(&widths, list.width, 1);
        let cut = |i: usize, text: &str| ellipsize_words(text, fit.get(i).copied().unwrap_or(0));
        let rows: Vec<Row> = d
            .items
            .iter()
            .skip(v.scroll)
            .take(usize::from(list.height))
            .map(|it| {
                let kind_style = match it.kind.as_str() {
                    "track" | "liked" | "playlist" | "saved" | "played" => t.dim(),
                    _ => t.warn(),
                };
                Row::new(vec![
                    Cell::from(it.position.map(|p| p.to_string()).unwrap_or_default()),
                    Cell::from(Span::styled(it.kind.clone(), kind_style)),
                    Cell::from(cut(2, &it.name)),
                    Cell::from(Span::styled(cut(3, &it.sub), t.dim())),
                ])
            })
            .collect();
        Table::new(rows, widths).column_spacing(1).render(list, buf);
    }
}

impl Widget for LibraryWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [tabs, filter, table] = areas(area);
        self.tabs(tabs, buf);
        self.filter_line(filter, buf);
        match &self.state.detail {
            Some(v) if area.width >= SIDE_DETAIL_WIDTH => {
                let [left, right] =
                    Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                        .areas(table);
                self.table(left, buf);
                self.detail(v, right, buf);
            }
            Some(v) => self.detail(v, table, buf),
            None => self.table(table, buf),
        }
    }
}
