//! The Library and Stats screens in the app: switching screens (`1` `2` `3`), their keys, the
//! mouse, and the answers of the reads they ask for (which arrive as [`Msg::Browse`]).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::{Action, App, Overlay, Pane, Screen};
use crate::store::browse::{Answer, Period, Query};
use crate::tui::layout;
use crate::tui::panes::library::widget_areas;

/// Rows the wheel moves.
const WHEEL: i64 = 3;

impl App {
    /// The Library's table: where it is on screen, and how many rows it shows.
    pub fn library_table(&self) -> Rect {
        let area = Rect::new(0, 0, self.size.0, self.size.1);
        let [_, _, body, _, _] = layout::screen_areas(self.demo.is_some(), area);
        let [_, _, table] = widget_areas(body);
        table
    }

    fn library_page(&self) -> usize {
        usize::from(self.library_table().height.saturating_sub(1)).max(1)
    }

    /// The statistics query for the period shown.
    fn stats_query(&mut self) -> Query {
        let local = self.now.with_timezone(&self.utc_offset);
        let period = *self
            .stats
            .period
            .get_or_insert_with(|| Period::month_of(local.naive_local().and_utc()));
        self.stats.loading = true;
        Query::Stats {
            today: local.date_naive(),
            period,
            offset_minutes: self.utc_offset.local_minus_utc() / 60,
        }
    }

    /// `1`, `2`, `3`: show a screen; what it shows is read when it has not been yet.
    pub(super) fn switch_screen(&mut self, screen: Screen) -> Option<Action> {
        self.screen = screen;
        match screen {
            Screen::Sync => None,
            Screen::Library => self
                .library
                .wants_load()
                .then_some(Action::Browse(Query::Tab(self.library.tab))),
            Screen::Stats if !self.stats.loaded && !self.stats.loading => {
                Some(Action::Browse(self.stats_query()))
            }
            Screen::Stats => None,
        }
    }

    /// A run finished: the library may have changed; read again what is on screen.
    pub(super) fn library_changed(&mut self) -> Option<Action> {
        self.library.mark_stale();
        self.stats.loaded = false;
        match self.screen {
            Screen::Sync => None,
            Screen::Library => self
                .library
                .wants_load()
                .then_some(Action::Browse(Query::Tab(self.library.tab))),
            Screen::Stats => Some(Action::Browse(self.stats_query())),
        }
    }

    pub(super) fn on_browse(&mut self, query: Query, answer: Result<Answer, String>) {
        match (query, answer) {
            (_, Ok(Answer::Rows(tab, rows))) => self.library.on_rows(tab, Ok(rows)),
            (Query::Tab(tab), Err(e)) => self.library.on_rows(tab, Err(e)),
            (_, Ok(Answer::Detail(d))) => self.library.on_detail(Ok(d), None),
            (Query::Detail { id, .. }, Err(e)) => self.library.on_detail(Err(e), Some(&id)),
            (_, Ok(Answer::Stats(s))) => self.stats.on_stats(Ok(*s)),
            (Query::Stats { .. }, Err(e)) => self.stats.on_stats(Err(e)),
        }
    }

    /// A key on the Library screen; `None` when it is not the screen's (the Sync keys apply).
    pub(super) fn library_key(&mut self, key: KeyEvent) -> Option<Option<Action>> {
        let page = self.library_page();
        let lib = &mut self.library;
        if lib.editing {
            let mut text = lib.filter_text.clone();
            match key.code {
                KeyCode::Esc => {
                    lib.editing = false;
                    text.clear();
                }
                KeyCode::Enter => lib.editing = false,
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
                KeyCode::Char(c) => text.push(c),
                KeyCode::Up => lib.move_by(-1, page),
                KeyCode::Down => lib.move_by(1, page),
                _ => {}
            }
            if text != lib.filter_text {
                lib.set_filter(text);
            }
            return Some(None);
        }
        match key.code {
            KeyCode::Char('e') => return Some(self.export_selected()),
            KeyCode::Char('E') => {
                self.cycle_export_format();
                return Some(None);
            }
            _ => {}
        }
        let lib = &mut self.library;
        let action = match key.code {
            KeyCode::Esc if lib.detail.is_some() => {
                lib.detail = None;
                None
            }
            KeyCode::Esc if !lib.filter_text.is_empty() => {
                lib.set_filter(String::new());
                None
            }
            KeyCode::Enter | KeyCode::Left if lib.detail.is_some() => {
                lib.detail = None;
                None
            }
            KeyCode::Enter => lib
                .open_detail()
                .map(|(tab, id)| Action::Browse(Query::Detail { tab, id })),
            KeyCode::Char('/') => {
                lib.editing = true;
                None
            }
            KeyCode::Char('o') => {
                lib.cycle_sort();
                None
            }
            KeyCode::Char('r') => {
                lib.mark_stale();
                lib.wants_load()
                    .then_some(Action::Browse(Query::Tab(lib.tab)))
            }
            KeyCode::Tab | KeyCode::Right => lib
                .switch_tab(1)
                .then_some(Action::Browse(Query::Tab(lib.tab))),
            KeyCode::BackTab | KeyCode::Left => lib
                .switch_tab(-1)
                .then_some(Action::Browse(Query::Tab(lib.tab))),
            KeyCode::Up | KeyCode::Char('k') => {
                lib.move_by(-1, page);
                None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                lib.move_by(1, page);
                None
            }
            KeyCode::PageUp => {
                lib.move_by(-(page as i64), page);
                None
            }
            KeyCode::PageDown => {
                lib.move_by(page as i64, page);
                None
            }
            KeyCode::Home => {
                lib.move_by(i64::MIN / 2, page);
                None
            }
            KeyCode::End => {
                lib.move_by(i64::MAX / 2, page);
                None
            }
            _ => return None,
        };
        Some(action)
    }

    /// A key on the Stats screen; `None` when it is not the screen's.
    pub(super) fn stats_key(&mut self, key: KeyEvent) -> Option<Option<Action>> {
        let shift = match key.code {
            KeyCode::Left | KeyCode::Char('h') => Some(-1),
            KeyCode::Right | KeyCode::Char('l') => Some(1),
            _ => None,
        };
        if let Some(n) = shift {
            self.stats.period = self.stats.period.map(|p| p.shift(n));
            return Some(Some(Action::Browse(self.stats_query())));
        }
        match key.code {
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Char('t') => {
                self.stats.period = self.stats.period.map(Period::toggle);
                Some(Some(Action::Browse(self.stats_query())))
            }
            KeyCode::Char('r') => Some(Some(Action::Browse(self.stats_query()))),
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => Some(None),
            _ => None,
        }
    }

    /// The wheel scrolls what is under the keyboard's focus; a click selects a row of the
    /// Library's table (or focuses a pane of the Sync screen).
    pub(super) fn on_mouse(&mut self, ev: MouseEvent) -> Option<Action> {
        let delta = match ev.kind {
            MouseEventKind::ScrollUp => -WHEEL,
            MouseEventKind::ScrollDown => WHEEL,
            MouseEventKind::Down(MouseButton::Left) => 0,
            _ => return None,
        };
        if self.overlay != Overlay::None {
            return None;
        }
        self.dirty = true;
        match self.screen {
            Screen::Library if delta != 0 => {
                let page = self.library_page();
                self.library.move_by(delta, page);
            }
            Screen::Library => {
                let table = self.library_table();
                let narrow_detail = self.library.detail.is_some()
                    && table.width < crate::tui::panes::library::SIDE_DETAIL_WIDTH;
                if !narrow_detail && ev.row > table.y && ev.row < table.y + table.height {
                    let page = self.library_page();
                    self.library.click(usize::from(ev.row - table.y - 1), page);
                }
            }
            Screen::Sync if delta != 0 => {
                self.scroll(delta);
            }
            Screen::Sync => {
                let area = Rect::new(0, 0, self.size.0, self.size.1);
                let panes = layout::body_areas(
                    self.demo.is_some(),
                    self.phases.list.len(),
                    self.history.runs.len(),
                    area,
                );
                if let Some(i) = panes
                    .iter()
                    .position(|r| r.contains(ratatui::layout::Position::new(ev.column, ev.row)))
                {
                    self.focus = Pane::ORDER[i];
                }
            }
            Screen::Stats => {}
        }
        None
    }
}
