//! Drilling into a run from the history pane: what that run changed in the library, read from the
//! change journal. The state lives in [`App::changes`]; the keys are handled here for
//! [`App::update`]; [`draw`] renders `&App` only.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Clear, Paragraph, Row, Table};

use super::app::{Action, App, Overlay};
use super::ui::Theme;
use crate::store::journal::ChangeRow;

/// Changes read for one run (the newest; the CLI's `spotsync changes --run` reads more).
pub const CHANGES_SHOWN: u32 = 1000;

/// The change list of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangesView {
    pub run_id: i64,
    /// `None` while loading.
    pub rows: Option<Result<Vec<ChangeRow>, String>>,
    /// First row shown.
    pub scroll: usize,
}

impl ChangesView {
    fn len(&self) -> usize {
        match &self.rows {
            Some(Ok(rows)) => rows.len(),
            _ => 0,
        }
    }
}

/// Rows of the list that fit on screen (the overlay's borders and header take 4 lines).
fn visible_rows(app: &App) -> usize {
    (app.size.1 as usize).saturating_sub(2 + 4).max(1)
}

impl App {
    /// Enter on the history pane: show the selected run's changes and ask for them.
    pub(super) fn open_changes(&mut self) -> Option<Action> {
        let run = self.history.get(self.history_selected)?;
        let run_id = run.id;
        self.changes = Some(ChangesView {
            run_id,
            rows: None,
            scroll: 0,
        });
        self.overlay = Overlay::Changes;
        Some(Action::LoadChanges(run_id))
    }

    /// Keys while the change list is open: scroll, Esc (or Enter) closes, q quits.
    pub(super) fn on_changes_key(&mut self, key: KeyEvent) -> Option<Action> {
        let page = visible_rows(self);
        let Some(view) = self.changes.as_mut() else {
            self.overlay = Overlay::None;
            return None;
        };
        let max = view.len().saturating_sub(page);
        let scroll = view.scroll;
        view.scroll = match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Backspace => {
                self.overlay = Overlay::None;
                self.changes = None;
                return None;
            }
            KeyCode::Char('q') => return self.quit(),
            KeyCode::Up => scroll.saturating_sub(1),
            KeyCode::Down => scroll + 1,
            KeyCode::PageUp => scroll.saturating_sub(page),
            KeyCode::PageDown => scroll + page,
            KeyCode::Home => 0,
            KeyCode::End => max,
            _ => {
                self.dirty = false;
                return None;
            }
        }
        .min(max);
        None
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

/// The change list overlay, over the whole body of the screen.
pub fn draw(frame: &mut Frame, app: &App, theme: Theme, area: Rect) {
    let Some(view) = &app.changes else {
        return;
    };
    let rect = Rect {
        x: area.x,
        y: area.y + 1.min(area.height),
        width: area.width,
        height: area.height.saturating_sub(2),
    };
    let run = app.history.iter().find(|r| r.id == view.run_id);
    let mut title = format!(" Run #{}", view.run_id);
    if let Some(r) = run {
        title.push_str(&format!(
            " · {} · {}",
            r.kind,
            r.started_at
                .with_timezone(&app.utc_offset)
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
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Span::styled(format!("{title}{count}"), theme.title()))
        .title_bottom(Line::from(vec![
            Span::styled(" ↑/↓ PgUp/PgDn", theme.key()),
            Span::raw(" scroll  "),
            Span::styled("Esc", theme.key()),
            Span::raw(" close "),
        ]));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let rows = match &view.rows {
        None => {
            frame.render_widget(
                Paragraph::new(Span::styled("Reading the change journal…", theme.dim())),
                inner,
            );
            return;
        }
        Some(Err(e)) => {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    format!("Cannot read the changes: {e}"),
                    theme.bad(),
                )),
                inner,
            );
            return;
        }
        Some(Ok(rows)) if rows.is_empty() => {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    "This run changed nothing in the library (a first full mirror journals \
                     nothing: everything is new).",
                    theme.dim(),
                ))
                .wrap(ratatui::widgets::Wrap { trim: true }),
                inner,
            );
            return;
        }
        Some(Ok(rows)) => rows,
    };
    let header = Row::new(vec!["When", "Entity", "Change", "Name"]).style(theme.title());
    let lines: Vec<Row> = rows
        .iter()
        .skip(view.scroll)
        .map(|r| {
            let when = crate::store::parse_ts(&r.changed_at)
                .map(|t| {
                    t.with_timezone(&app.utc_offset)
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
                Cell::from(what(r)),
            ])
        })
        .collect();
    let table = Table::new(
        lines,
        [
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Length(13),
            Constraint::Min(10),
        ],
    )
    .header(header)
    .column_spacing(1);
    frame.render_widget(table, inner);
    if view.scroll + visible_rows(app) < rows.len() {
        let more = format!(" {} more ↓ ", rows.len() - view.scroll - visible_rows(app));
        let w = more.chars().count() as u16;
        if rect.width > w + 2 && rect.height > 0 {
            frame.render_widget(
                Paragraph::new(Span::styled(more, theme.dim().add_modifier(Modifier::BOLD))),
                Rect {
                    x: rect.x + rect.width - w - 1,
                    y: rect.y + rect.height - 1,
                    width: w,
                    height: 1,
                },
            );
        }
    }
}

/// The newest listening-history gap, for the plays phase: `None` when none was recorded.
/// `short` fits a narrow phase pane (`gap 11-20 08:15 → 11-20 11:40`).
pub fn gap_line(app: &App, theme: Theme, short: bool) -> Option<Line<'static>> {
    let g = app.play_gaps.first()?;
    let format = if short {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d %H:%M"
    };
    let fmt = |s: &str| {
        crate::store::parse_ts(s)
            .map(|t| t.with_timezone(&app.utc_offset).format(format).to_string())
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
