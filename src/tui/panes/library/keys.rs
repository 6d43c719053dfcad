//! The Library screen's keys: the filter line while it has the keyboard, else moving, sorting,
//! switching tabs, the detail pane, and `e`/`E` (which the app carries out: they export).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::LibraryState;
use crate::store::browse::Query;

/// What a key on the Library screen did.
#[derive(Debug, Clone, PartialEq)]
pub enum LibraryKey {
    /// Not the screen's key: the app's keys apply.
    NotMine,
    /// Taken; what is shown changed (or nothing had to).
    Taken,
    /// Taken; read this (a tab not read yet, a detail).
    Read(Query),
    /// `e`: export what is selected.
    Export,
    /// `E`: the next export format.
    NextFormat,
}

impl LibraryState {
    /// A key, with `page` rows of the table on screen.
    pub fn on_key(&mut self, key: KeyEvent, page: usize) -> LibraryKey {
        if self.editing {
            self.filter_key(key, page);
            return LibraryKey::Taken;
        }
        match key.code {
            KeyCode::Char('e') => return LibraryKey::Export,
            KeyCode::Char('E') => return LibraryKey::NextFormat,
            _ => {}
        }
        match self.detail_key(key) {
            LibraryKey::NotMine => self.list_key(key, page),
            taken => taken,
        }
    }

    /// While the filter line has the keyboard: every key is the filter's.
    fn filter_key(&mut self, key: KeyEvent, page: usize) {
        let mut text = self.filter_text.clone();
        match key.code {
            KeyCode::Esc => {
                self.editing = false;
                text.clear();
            }
            KeyCode::Enter => self.editing = false,
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
            KeyCode::Char(c) => text.push(c),
            KeyCode::Up => self.move_by(-1, page),
            KeyCode::Down => self.move_by(1, page),
            _ => {}
        }
        if text != self.filter_text {
            self.set_filter(text);
        }
    }

    /// Esc, Enter and ← close the detail pane (Esc then clears the filter); Enter opens it.
    fn detail_key(&mut self, key: KeyEvent) -> LibraryKey {
        match key.code {
            KeyCode::Esc if self.detail.is_some() => self.detail = None,
            KeyCode::Esc if !self.filter_text.is_empty() => self.set_filter(String::new()),
            KeyCode::Enter | KeyCode::Left if self.detail.is_some() => self.detail = None,
            KeyCode::Enter => {
                return match self.open_detail() {
                    Some((tab, id)) => LibraryKey::Read(Query::Detail { tab, id }),
                    None => LibraryKey::Taken,
                };
            }
            _ => return LibraryKey::NotMine,
        }
        LibraryKey::Taken
    }

    /// The list's keys: filter, sort, read again, tabs, moving.
    fn list_key(&mut self, key: KeyEvent, page: usize) -> LibraryKey {
        let read = |wants: bool, tab| {
            if wants {
                LibraryKey::Read(Query::Tab(tab))
            } else {
                LibraryKey::Taken
            }
        };
        let delta = match key.code {
            KeyCode::Char('/') => {
                self.editing = true;
                return LibraryKey::Taken;
            }
            KeyCode::Char('o') => {
                self.cycle_sort();
                return LibraryKey::Taken;
            }
            KeyCode::Char('r') => {
                self.mark_stale();
                return read(self.wants_load(), self.tab);
            }
            KeyCode::Tab | KeyCode::Right => return read(self.switch_tab(1), self.tab),
            KeyCode::BackTab | KeyCode::Left => return read(self.switch_tab(-1), self.tab),
            KeyCode::Up | KeyCode::Char('k') => -1,
            KeyCode::Down | KeyCode::Char('j') => 1,
            KeyCode::PageUp => -(page as i64),
            KeyCode::PageDown => page as i64,
            KeyCode::Home => i64::MIN / 2,
            KeyCode::End => i64::MAX / 2,
            _ => return LibraryKey::NotMine,
        };
        self.move_by(delta, page);
        LibraryKey::Taken
    }
}
