//! The Restore screen (`4`): pick what to restore and the date, see the plan (counts, then the
//! items), `y` to write it; the writes show in the Sync screen's panes, and Esc cancels them at
//! a batch boundary. [`RestoreState`] changes only in its methods; [`RestoreWidget`] reads it.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use spotsync_core::restore::{Kind, RestorePlan, Selection, words};
use spotsync_core::sync::RestoreRequest;

use crate::tui::theme::Theme;

/// Items of a list whose names the plan shows (as many as [`words::plan_lines`] lists).
const NAMED: usize = 5;

/// Where the screen stands.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    /// Choosing (no plan, or the choices changed since).
    Choosing,
    /// The engine reads the account and plans.
    Planning,
    /// The plan is shown; `y` writes it.
    Planned,
    /// The writes go (watch the Sync screen).
    Applying,
    /// Esc was pressed: the writes stop at the next batch boundary.
    Cancelling,
    /// Ended, in words.
    Ended(String),
}

/// What a key asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum RestoreKey {
    /// Handled here (or nothing).
    Stay,
    /// A key that means nothing here (the app's own keys).
    Ignored,
    /// Read the account and plan this.
    Plan(RestoreRequest),
    /// Write the plan shown; show the Sync screen.
    Apply(RestoreRequest),
    /// Stop the writes.
    Cancel,
}

/// The Restore screen's state.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreState {
    kinds: Vec<(Kind, bool)>,
    cursor: usize,
    /// `YYYY-MM-DD` being typed (empty: the latest mirror).
    date: String,
    editing: bool,
    /// Also remove what the target has not (`--remove-extra`).
    remove_extra: bool,
    /// Playlists that differ are created as copies (`--as-copy`).
    as_copy: bool,
    stage: Stage,
    /// The last plan the engine sent (while it still matches the choices).
    plan: Option<Box<RestorePlan>>,
    /// "Title — Artist" of the items the plan lists, by id.
    names: HashMap<String, String>,
    scroll: usize,
}

impl Default for RestoreState {
    fn default() -> Self {
        RestoreState {
            kinds: Kind::ALL.iter().map(|k| (*k, true)).collect(),
            cursor: 0,
            date: String::new(),
            editing: false,
            remove_extra: false,
            as_copy: false,
            stage: Stage::Choosing,
            plan: None,
            names: HashMap::new(),
            scroll: 0,
        }
    }
}

impl RestoreState {
    /// True while a date is typed: the digits are the field's, not the screens'.
    pub fn is_editing(&self) -> bool {
        self.editing
    }

    /// True from `y` until the restore ends: Esc cancels its writes.
    pub fn is_applying(&self) -> bool {
        self.stage == Stage::Applying
    }

    /// True while the engine works on a plan or its writes.
    pub fn is_busy(&self) -> bool {
        matches!(
            self.stage,
            Stage::Planning | Stage::Applying | Stage::Cancelling
        )
    }

    /// True while a plan is shown that was not written.
    pub fn is_planned(&self) -> bool {
        self.stage == Stage::Planned
    }

    /// True when `y` would write: a plan is shown and it has something to write.
    pub fn can_apply(&self) -> bool {
        self.stage == Stage::Planned && self.plan.as_ref().is_some_and(|p| !p.diff.is_empty())
    }

    fn request(&self, apply: bool) -> RestoreRequest {
        let kinds: Vec<Kind> = self.kinds.iter().filter(|k| k.1).map(|k| k.0).collect();
        let as_of = (!self.date.is_empty()).then(|| format!("{}T23:59:59Z", self.date));
        RestoreRequest {
            as_of,
            selection: Selection {
                kinds,
                remove_extra: self.remove_extra,
                as_copy: self.as_copy,
                ..Selection::default()
            },
            apply,
            from_db: None,
        }
    }

    fn date_ok(&self) -> bool {
        self.date.is_empty() || chrono::NaiveDate::parse_from_str(&self.date, "%Y-%m-%d").is_ok()
    }

    /// The choices changed: the plan shown no longer says what `y` would write.
    fn changed(&mut self) {
        if !self.is_busy() {
            self.stage = Stage::Choosing;
            self.plan = None;
            self.scroll = 0;
        }
    }

    fn edit_date(&mut self, key: KeyEvent) -> RestoreKey {
        match key.code {
            KeyCode::Char(c) if (c.is_ascii_digit() || c == '-') && self.date.len() < 10 => {
                self.date.push(c)
            }
            KeyCode::Backspace => {
                self.date.pop();
            }
            KeyCode::Enter | KeyCode::Esc | KeyCode::Tab => self.editing = false,
            _ => {}
        }
        self.changed();
        RestoreKey::Stay
    }

    /// A key on this screen.
    pub fn key(&mut self, key: KeyEvent) -> RestoreKey {
        if self.editing {
            return self.edit_date(key);
        }
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(self.kinds.len().saturating_sub(1))
            }
            KeyCode::Char(' ') => {
                if let Some(k) = self.kinds.get_mut(self.cursor) {
                    k.1 = !k.1;
                }
                self.changed();
            }
            KeyCode::Char('x') => {
                self.remove_extra = !self.remove_extra;
                self.changed();
            }
            KeyCode::Char('o') => {
                self.as_copy = !self.as_copy;
                self.changed();
            }
            KeyCode::Char('d') => self.editing = true,
            KeyCode::PageDown => {
                let last = self.plan_lines().len().saturating_sub(1);
                self.scroll = self.scroll.saturating_add(10).min(last);
            }
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Enter
                if !self.is_busy() && self.date_ok() && self.kinds.iter().any(|k| k.1) =>
            {
                self.stage = Stage::Planning;
                self.plan = None;
                self.scroll = 0;
                return RestoreKey::Plan(self.request(false));
            }
            KeyCode::Char('y') if self.can_apply() => {
                self.stage = Stage::Applying;
                return RestoreKey::Apply(self.request(true));
            }
            KeyCode::Esc if self.stage == Stage::Applying => return RestoreKey::Cancel,
            _ => return RestoreKey::Ignored,
        }
        RestoreKey::Stay
    }

    /// The app sent the cancel: the writes stop at the next batch boundary.
    pub fn cancelling(&mut self) {
        if self.stage == Stage::Applying {
            self.stage = Stage::Cancelling;
        }
    }

    /// The app could not send what the last key asked (a sync runs, no account): as before.
    pub fn refused(&mut self) {
        self.stage = if self.plan.is_some() {
            Stage::Planned
        } else {
            Stage::Choosing
        };
    }

    /// The engine's plan arrived: the ids whose names to read for it.
    pub fn on_planned(&mut self, plan: Box<RestorePlan>) -> Vec<String> {
        if !self.is_busy() {
            return Vec::new();
        }
        if self.stage == Stage::Planning {
            self.stage = Stage::Planned;
        }
        let ids = plan
            .diff
            .lists
            .iter()
            .flat_map(|l| {
                let add = l.add.iter().take(NAMED).map(|s| s.id.clone());
                add.chain(l.remove.iter().take(NAMED).cloned())
            })
            .filter(|id| !self.names.contains_key(id))
            .collect();
        self.plan = Some(plan);
        ids
    }

    /// The names of the items the plan lists.
    pub fn on_names(&mut self, names: HashMap<String, String>) {
        self.names.extend(names);
    }

    /// The restore ended (planned only, or written).
    pub fn on_finished(&mut self, done: bool, error: Option<String>, unavailable: &[String]) {
        let text = match (&self.stage, done, error) {
            (Stage::Planned, _, None) => return,
            (Stage::Cancelling, false, _) => {
                "cancelled at a batch boundary: Enter plans again, y goes on where it stopped \
                 (nothing is written twice)"
                    .to_string()
            }
            (_, _, Some(e)) => e,
            (_, true, None) => "done: the account equals the target".to_string(),
            (_, false, None) => "written, but the account still differs: Enter plans again".into(),
        };
        let text = if unavailable.is_empty() {
            text
        } else {
            format!(
                "{text}; no longer available, not written back: {}",
                unavailable.join(", ")
            )
        };
        self.stage = Stage::Ended(text);
    }

    /// Where it stands, in one line (above the plan).
    fn status(&self) -> String {
        match &self.stage {
            Stage::Choosing => {
                "Enter: read the account and show the plan (nothing is written)".into()
            }
            Stage::Planning => "reading the account and planning…".into(),
            Stage::Planned if self.can_apply() => {
                "y: write this plan (progress on the Sync screen, 1) · Enter: plan again".into()
            }
            Stage::Planned => "nothing to write: the account equals the target".into(),
            Stage::Applying => "writing… (progress on the Sync screen, 1) · Esc cancels".into(),
            Stage::Cancelling => "cancelling at the next batch boundary…".into(),
            Stage::Ended(e) => format!("restore: {e}"),
        }
    }

    /// The plan's lines (empty while planning or without a plan).
    fn plan_lines(&self) -> Vec<String> {
        match &self.plan {
            Some(p) if self.stage != Stage::Planning => {
                words::plan_lines(p, &|id| self.names.get(id).cloned())
            }
            _ => Vec::new(),
        }
    }
}

/// The Restore screen.
pub struct RestoreWidget<'a> {
    pub state: &'a RestoreState,
    pub theme: Theme,
}

impl RestoreWidget<'_> {
    fn choices(&self) -> Vec<Line<'static>> {
        let s = self.state;
        let mut lines = vec![Line::from(Span::styled(
            "Restore: Space picks, d types the date, Enter plans, y writes",
            self.theme.title(),
        ))];
        for (i, (k, on)) in s.kinds.iter().enumerate() {
            let mark = if *on { "[x]" } else { "[ ]" };
            let pointer = if i == s.cursor { "›" } else { " " };
            lines.push(Line::from(format!("{pointer} {mark} {}", k.as_str())));
        }
        let date = if s.date.is_empty() && !s.editing {
            "the latest mirror".to_string()
        } else {
            s.date.clone()
        };
        let style = if s.date_ok() {
            self.theme.key()
        } else {
            self.theme.bad()
        };
        lines.push(Line::from(vec![
            Span::raw("  as of: "),
            Span::styled(date, style),
            Span::raw(if s.editing {
                "_  (YYYY-MM-DD, Enter keeps)"
            } else {
                ""
            }),
        ]));
        let flag = |on: bool| if on { "[x]" } else { "[ ]" };
        lines.push(Line::from(format!(
            "  {} x remove what the target has not   {} o playlists as copies",
            flag(s.remove_extra),
            flag(s.as_copy)
        )));
        lines
    }
}

impl Widget for RestoreWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let choices = self.choices();
        let height = u16::try_from(choices.len()).unwrap_or(u16::MAX);
        let [top, plan] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(1)]).areas(area);
        Paragraph::new(choices).render(top, buf);
        let status = Line::from(Span::styled(self.state.status(), self.theme.key()));
        let body: Vec<Line> = std::iter::once(status)
            .chain(
                self.state
                    .plan_lines()
                    .into_iter()
                    .skip(self.state.scroll)
                    .map(Line::from),
            )
            .collect();
        Paragraph::new(body)
            .wrap(Wrap { trim: false })
            .render(plan, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn press(s: &mut RestoreState, c: KeyCode) -> RestoreKey {
        s.key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    #[test]
    fn pick_what_and_the_date_then_plan() {
        let mut s = RestoreState::default();
        press(&mut s, KeyCode::Char(' ')); // liked off
        press(&mut s, KeyCode::Char('x'));
        press(&mut s, KeyCode::Char('d'));
        for c in "2026-11-01".chars() {
            press(&mut s, KeyCode::Char(c));
        }
        assert!(s.is_editing());
        press(&mut s, KeyCode::Enter);
        let RestoreKey::Plan(req) = press(&mut s, KeyCode::Enter) else {
            panic!("plans")
        };
        assert!(!req.apply);
        assert_eq!(req.as_of.as_deref(), Some("2026-11-01T23:59:59Z"));
        assert!(!req.selection.kinds.contains(&Kind::Liked));
        assert!(req.selection.remove_extra && !req.selection.as_copy);
        assert_eq!(
            press(&mut s, KeyCode::Char('y')),
            RestoreKey::Ignored,
            "no plan yet"
        );
        assert_eq!(
            press(&mut s, KeyCode::Enter),
            RestoreKey::Ignored,
            "planning"
        );
        assert_eq!(press(&mut s, KeyCode::Char('1')), RestoreKey::Ignored);
    }

    #[test]
    fn a_bad_date_or_nothing_picked_plans_nothing() {
        let mut s = RestoreState::default();
        press(&mut s, KeyCode::Char('d'));
        for c in "2026-13-40".chars() {
            press(&mut s, KeyCode::Char(c));
        }
        press(&mut s, KeyCode::Enter);
        assert_eq!(press(&mut s, KeyCode::Enter), RestoreKey::Ignored);
        let mut s = RestoreState::default();
        for _ in 0..Kind::ALL.len() {
            press(&mut s, KeyCode::Char(' '));
            press(&mut s, KeyCode::Down);
        }
        assert_eq!(press(&mut s, KeyCode::Enter), RestoreKey::Ignored);
    }
}
