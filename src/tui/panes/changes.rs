//! The change list: drilling into a run from the history pane shows what that run changed in
//! the library, read from the change journal. [`ChangesState`] changes only in its methods;
//! [`ChangesWidget`] reads it.

use chrono::FixedOffset;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Clear, Paragraph, Row, Table, Widget, Wrap};

use crate::store::journal::ChangeRow;
use crate::sync::RunRecord;
use crate::tui::format::ellipsize_words;
use crate::tui::layout::column_widths;
use crate::tui::theme::Theme;

/// Changes read for one run (the newest; the CLI's `spotsync changes --run` reads more).
pub const CHANGES_SHOWN: u32 = 1000;

/// The change list of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangesState {
    run_id: i64,
    /// `None` while loading.
    rows: Option<Result<Vec<ChangeRow>, String>>,
    /// First row shown.
    scroll: usize,
}

/// What a key did to the change list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangesKey {
    /// Scrolled (or nothing).
    Stay,
    /// A key that means nothing here.
    Ignored,
    /// Esc, Enter or Backspace: close the list.
    Close,
    /// q: quit the app.
    Quit,
}

impl ChangesState {
    /// The list of `run_id`, loading.
    pub fn loading(run_id: i64) -> ChangesState {
        ChangesState {
            run_id,
            rows: None,
            scroll: 0,
        }
    }

    /// The run whose changes these are.
    pub fn run_id(&self) -> i64 {
        self.run_id
    }

    /// The changes read (`None` while loading), or why they could not be.
    pub fn rows(&self) -> Option<&Result<Vec<ChangeRow>, String>> {
        self.rows.as_ref()
    }

    /// The first row shown.
    pub fn scroll(&self) -> usize {
        self.scroll
    }

    fn len(&self) -> usize {
        match &self.rows {
            Some(Ok(rows)) => rows.len(),
            _ => 0,
        }
    }

    /// The rows read for `run_id` arrived; `false` when they are for another (earlier) list.
    pub fn on_rows(&mut self, run_id: i64, rows: Result<Vec<ChangeRow>, String>) -> bool {
        if run_id != self.run_id {
            return false;
        }
        self.rows = Some(rows);
        self.scroll = 0;
        true
    }

    /// A key while the list is open, with `page` rows in view.
    pub fn on_key(&mut self, key: KeyEvent, page: usize) -> ChangesKey {
        let max = self.len().saturating_sub(page);
        let scroll = self.scroll;
        self.scroll = match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Backspace => return ChangesKey::Close,
            KeyCode::Char('q') => return ChangesKey::Quit,
            KeyCode::Up => scroll.saturating_sub(1),
            KeyCode::Down => scroll + 1,
            KeyCode::PageUp => scroll.saturating_sub(page),
            KeyCode::PageDown => scroll + page,
            KeyCode::Home => 0,
            KeyCode::End => max,
            _ => return ChangesKey::Ignored,
        }
        .min(max);
        ChangesKey::Stay
    }
}

/// `saved_track` → `track`.
fn entity_short(entity_type: &str) -> String {
    match entity_type {
        "saved_track" => "track".to_string(),
        other => other.replace('_', " "),
    }
}

/// `playlist_items_changed` → `items changed`.
fn change_short(change: &str) -> String {
    match change {
        "playlist_items_changed" => "items changed".to_string(),
        other => other.replace('_', " "),
    }
}

/// The name, or for a rename `old → new`.
fn what(row: &ChangeRow) -> String {
    match (row.change.as_str(), &row.old_value, &row.new_value) {
        ("renamed", Some(o), Some(n)) => format!("{o} → {n}"),
        _ => row.label().to_string(),
    }
}

/// Draws [`ChangesState`] as an overlay over the body of the screen.
pub struct ChangesWidget<'a> {
    pub state: &'a ChangesState,
    /// The run's history row, for the title.
    pub run: Option<&'a RunRecord>,
    pub offset: FixedOffset,
    pub theme: Theme,
    /// Rows that fit (from the layout).
    pub page: usize,
}

impl Widget for ChangesWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (view, theme) = (self.state, self.theme);
        let rect = Rect {
            x: area.x,
            y: area.y + 1.min(area.height),
            width: area.width,
            height: area.height.saturating_sub(2),
        };
        let block = Block::bordered()
            .border_type(BorderType::Double)
            .title(Span::styled(self.title(), theme.title()))
            .title_bottom(Line::from(vec![
                Span::styled(" ↑/↓ PgUp/PgDn", theme.key()),
                Span::raw(" scroll  "),
                Span::styled("Esc", theme.key()),
                Span::raw(" close "),
            ]));
        let inner = block.inner(rect);
        Clear.render(rect, buf);
        block.render(rect, buf);
        let (text, style) = match &view.rows {
            None => ("Reading the change journal…".to_string(), theme.dim()),
            Some(Err(e)) => (format!("Cannot read the changes: {e}"), theme.bad()),
            Some(Ok(rows)) if rows.is_empty() => (
                "This run changed nothing in the library (a first full mirror journals \
                 nothing: everything is new)."
                    .to_string(),
                theme.dim(),
            ),
            Some(Ok(rows)) => {
                self.table(rows, inner, buf);
                self.more_below(rows.len(), rect, buf);
                return;
            }
        };
        Paragraph::new(Span::styled(text, style))
            .wrap(Wrap { trim: true })
            .render(inner, buf);
    }
}

impl ChangesWidget<'_> {
    /// " Run #5 · incremental · 2026-11-23 12:00 · 9 changes ".
    fn title(&self) -> String {
        let view = self.state;
        let mut title = format!(" Run #{}", view.run_id);
        if let Some(r) = self.run {
            title.push_str(&format!(
                " · {} · {}",
                r.kind,
                r.started_at
                    .with_timezone(&self.offset)
                    .format("%Y-%m-%d %H:%M")
            ));
        }
        let count = match &view.rows {
            Some(Ok(rows)) if rows.len() >= CHANGES_SHOWN as usize => {
                format!(" · newest {} changes ", rows.len())
            }
            Some(Ok(rows)) => format!(
                " · {} change{} ",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            ),
            _ => " ".to_string(),
        };
        format!("{title}{count}")
    }

    /// The changes from the first shown: when, what, which change, the name.
    fn table(&self, rows: &[ChangeRow], inner: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let header = Row::new(vec!["When", "Entity", "Change", "Name"]).style(theme.title());
        let widths = [
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Length(13),
            Constraint::Min(10),
        ];
        let name_w = column_widths(&widths, inner.width, 1)
            .last()
            .copied()
            .unwrap_or(0);
        let lines: Vec<Row> = rows
            .iter()
            .skip(self.state.scroll)
            .map(|r| {
                let when = crate::store::parse_ts(&r.changed_at)
                    .map(|t| {
                        t.with_timezone(&self.offset)
                            .format("%m-%d %H:%M:%S")
                            .to_string()
                    })
                    .unwrap_or_else(|| r.changed_at.clone());
                let style = match r.change.as_str() {
                    "added" => theme.good(),
                    "removed" => theme.bad(),
                    _ => theme.warn(),
                };
                Row::new(vec![
                    Cell::from(when),
                    Cell::from(entity_short(&r.entity_type)),
                    Cell::from(Span::styled(change_short(&r.change), style)),
                    Cell::from(ellipsize_words(&what(r), name_w)),
                ])
            })
            .collect();
        Table::new(lines, widths)
            .header(header)
            .column_spacing(1)
            .render(inner, buf);
    }

    /// " 12 more ↓ " on the bottom border while rows are hidden below.
    fn more_below(&self, len: usize, rect: Rect, buf: &mut Buffer) {
        let scroll = self.state.scroll;
        if scroll + self.page >= len {
            return;
        }
        let more = format!(" {} more ↓ ", len - scroll - self.page);
        let w = more.chars().count() as u16;
        if rect.width > w + 2 && rect.height > 0 {
            let at = Rect {
                x: rect.x + rect.width - w - 1,
                y: rect.y + rect.height - 1,
                width: w,
                height: 1,
            };
            Paragraph::new(Span::styled(
                more,
                self.theme.dim().add_modifier(Modifier::BOLD),
            ))
            .render(at, buf);
        }
    }
}
