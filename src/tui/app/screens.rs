//! The Library and Stats screens in the app: switching screens (`1` `2` `3`), handing them their
//! keys, the mouse, and the answers of the reads they ask for (which arrive as
//! [`Msg::Browse`](super::Msg::Browse)).

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::{Action, App, Handled, Overlay, Pane, Screen};
use crate::store::browse::{Answer, Query};
use crate::tui::layout;
use crate::tui::panes::library::{LibraryKey, SIDE_DETAIL_WIDTH, widget_areas};
use crate::tui::panes::stats::StatsKey;

/// Rows the wheel moves.
const WHEEL: i64 = 3;

impl App {
    /// The Library's table: where it is on screen (its first row is the header).
    pub fn library_table(&self) -> Rect {
        let area = Rect::new(0, 0, self.size.0, self.size.1);
        let [_, _, body, _, _] = layout::screen_areas(self.setup.demo.is_some(), area);
        let [_, _, table] = widget_areas(body);
        table
    }

    fn library_page(&self) -> usize {
        usize::from(self.library_table().height.saturating_sub(1)).max(1)
    }

    /// Read the statistics for the period shown (at first, the store picks the month of the
    /// latest play).
    fn read_stats(&mut self) -> Action {
        let local = self.now.with_timezone(&self.setup.utc_offset);
        let period = self.stats.reading();
        Action::Browse(Query::Stats {
            today: local.date_naive(),
            period,
            offset_minutes: self.setup.utc_offset.local_minus_utc() / 60,
        })
    }

    /// The current Library tab, when it has not been read yet.
    fn read_tab(&mut self) -> Option<Action> {
        self.library
            .wants_load()
            .then(|| Action::Browse(Query::Tab(self.library.tab())))
    }

    /// `1`, `2`, `3`: show a screen; what it shows is read when it has not been yet.
    pub(super) fn switch_screen(&mut self, screen: Screen) -> Handled {
        self.screen = screen;
        match screen {
            Screen::Sync => Handled::DONE,
            Screen::Library => self.read_tab().into(),
            Screen::Stats if self.stats.wants_read() => Handled::act(self.read_stats()),
            Screen::Stats => Handled::DONE,
        }
    }

    /// A run finished: the library may have changed; read again what is on screen.
    pub(super) fn library_changed(&mut self) -> Option<Action> {
        self.library.mark_stale();
        self.stats.mark_stale();
        match self.screen {
            Screen::Sync => None,
            Screen::Library => self.read_tab(),
            Screen::Stats => Some(self.read_stats()),
        }
    }

    pub(super) fn on_browse(&mut self, query: Query, answer: Result<Answer, String>) -> Handled {
        match (query, answer) {
            (_, Ok(Answer::Rows(tab, rows))) => self.library.on_rows(tab, Ok(rows)),
            (Query::Tab(tab), Err(e)) => self.library.on_rows(tab, Err(e)),
            (_, Ok(Answer::Detail(d))) => self.library.on_detail(Ok(d), None),
            (Query::Detail { id, .. }, Err(e)) => self.library.on_detail(Err(e), Some(&id)),
            (_, Ok(Answer::Stats(s))) => self.stats.on_stats(Ok(*s)),
            (Query::Stats { .. }, Err(e)) => self.stats.on_stats(Err(e)),
        }
        Handled::DONE
    }

    /// A key on the Library screen: the screen's own, or `e`/`E` (exports).
    pub(super) fn library_key(&mut self, key: KeyEvent) -> Handled {
        let page = self.library_page();
        match self.library.on_key(key, page) {
            LibraryKey::NotMine => Handled::NotMine,
            LibraryKey::Taken => Handled::DONE,
            LibraryKey::Read(query) => Handled::act(Action::Browse(query)),
            LibraryKey::Export => self.export_selected(),
            LibraryKey::NextFormat => self.cycle_export_format(),
        }
    }

    /// A key on the Stats screen.
    pub(super) fn stats_key(&mut self, key: KeyEvent) -> Handled {
        match self.stats.on_key(key) {
            StatsKey::NotMine => Handled::NotMine,
            StatsKey::Taken => Handled::DONE,
            StatsKey::Read => Handled::act(self.read_stats()),
        }
    }

    /// The wheel scrolls what is under the keyboard's focus; a click selects a row of the
    /// Library's table (or focuses a pane of the Sync screen).
    pub(super) fn on_mouse(&mut self, ev: MouseEvent) -> Handled {
        let delta = match ev.kind {
            MouseEventKind::ScrollUp => -WHEEL,
            MouseEventKind::ScrollDown => WHEEL,
            MouseEventKind::Down(MouseButton::Left) => 0,
            _ => return Handled::Unchanged,
        };
        if self.overlay != Overlay::None {
            return Handled::Unchanged;
        }
        match self.screen {
            Screen::Library if delta != 0 => {
                let page = self.library_page();
                self.library.move_by(delta, page);
            }
            Screen::Library => self.click_library(ev),
            Screen::Sync if delta != 0 => return self.scroll(delta),
            Screen::Sync => {
                let area = Rect::new(0, 0, self.size.0, self.size.1);
                let panes = layout::body_areas(
                    self.setup.demo.is_some(),
                    self.phases.row_count(),
                    self.history.runs().len(),
                    area,
                );
                let at = Position::new(ev.column, ev.row);
                match panes.iter().position(|r| r.contains(at)) {
                    Some(i) => self.focus = Pane::ORDER[i],
                    None => return Handled::Unchanged,
                }
            }
            Screen::Stats => return Handled::Unchanged,
        }
        Handled::DONE
    }

    /// A click on a row of the Library's table selects it (not while a narrow detail covers it).
    fn click_library(&mut self, ev: MouseEvent) {
        let table = self.library_table();
        let narrow_detail = self.library.detail().is_some() && table.width < SIDE_DETAIL_WIDTH;
        if !narrow_detail && ev.row > table.y && ev.row < table.y + table.height {
            let page = self.library_page();
            self.library.click(usize::from(ev.row - table.y - 1), page);
        }
    }
}
