//! Which part a key goes to: Ctrl-C and Ctrl-L always work; an open overlay (the login screen,
//! a question, the change list, the help) takes the keys first; then the screen shown (on the
//! Sync screen, the focused pane); then the app's own keys (screens, help, quit, and the keys
//! that drive the engine, which work from every screen).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Action, Activity, App, Handled, Overlay, Pane, Screen};
use crate::sync::StartMode;
use crate::tui::layout;
use crate::tui::panes::changes::{ChangesKey, ChangesState};
use crate::tui::panes::login::LoginCommand;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Handled {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')) {
            return self.quit();
        }
        if ctrl && matches!(key.code, KeyCode::Char('l') | KeyCode::Char('L')) {
            return Handled::act(Action::Repaint);
        }
        let handled = match self.overlay {
            Overlay::Login => self.login_key(key),
            Overlay::ConfirmCancel | Overlay::ConfirmFull => self.confirm_key(key),
            Overlay::Changes => self.changes_key(key),
            Overlay::Help => self.help_key(key),
            Overlay::None => Handled::NotMine,
        };
        if handled != Handled::NotMine {
            return handled;
        }
        if self.quitting {
            return Handled::Unchanged;
        }
        let handled = match self.screen {
            Screen::Sync => self.sync_key(key),
            Screen::Library => self.library_key(key),
            Screen::Stats => self.stats_key(key),
        };
        if handled != Handled::NotMine {
            return handled;
        }
        self.app_key(key)
    }

    /// The keys of every screen: screens, help, quit, the notice, and driving the engine.
    fn app_key(&mut self, key: KeyEvent) -> Handled {
        match key.code {
            KeyCode::Char('1') => self.switch_screen(Screen::Sync),
            KeyCode::Char('2') => self.switch_screen(Screen::Library),
            KeyCode::Char('3') => self.switch_screen(Screen::Stats),
            KeyCode::Char('q') => self.quit(),
            KeyCode::Char('?') => {
                self.overlay = Overlay::Help;
                Handled::DONE
            }
            KeyCode::Esc => {
                self.notice = None;
                Handled::DONE
            }
            KeyCode::Char('s') if self.activity == Activity::Paused => self.resume(),
            KeyCode::Char('s') => self.start(StartMode::Auto),
            KeyCode::Char('f') => self.full_key(),
            KeyCode::Char('i') => self.start(StartMode::Incremental),
            KeyCode::Char('a') => self.open_login(),
            KeyCode::Char('p') => self.pause_key(),
            KeyCode::Char('c') => self.cancel_key(),
            _ => Handled::Unchanged,
        }
    }

    /// The Sync screen's keys: focus moves between the panes; the focused pane scrolls; Enter on
    /// a run of the history shows what it changed.
    fn sync_key(&mut self, key: KeyEvent) -> Handled {
        let page = (self.size.1 as i64 / 3).max(1);
        let delta = match key.code {
            KeyCode::Tab | KeyCode::Right => {
                self.focus = self.focus.next();
                return Handled::DONE;
            }
            KeyCode::BackTab | KeyCode::Left => {
                self.focus = self.focus.prev();
                return Handled::DONE;
            }
            KeyCode::Enter if self.focus == Pane::History => return self.open_changes(),
            KeyCode::Up => -1,
            KeyCode::Down => 1,
            KeyCode::PageUp => -page,
            KeyCode::PageDown => page,
            KeyCode::Home => i64::MIN / 2,
            KeyCode::End => i64::MAX / 2,
            _ => return Handled::NotMine,
        };
        self.scroll(delta)
    }

    /// Move within the focused pane: positive is down (towards newer log lines, older runs).
    pub(super) fn scroll(&mut self, delta: i64) -> Handled {
        let (history_rows, log_rows) = self.visible_rows();
        match self.focus {
            Pane::Phases => self.phases.move_by(delta),
            Pane::Limits => return Handled::Unchanged,
            Pane::History => self.history.move_by(delta, history_rows),
            Pane::Log => self.log.move_by(delta, log_rows),
        }
        Handled::DONE
    }

    /// The help: Esc or `?` closes it, `q` quits; any other key closes it and does its usual
    /// thing.
    fn help_key(&mut self, key: KeyEvent) -> Handled {
        match key.code {
            KeyCode::Esc | KeyCode::Char('?') => {
                self.overlay = Overlay::None;
                Handled::DONE
            }
            KeyCode::Char('q') => Handled::NotMine,
            _ => {
                self.overlay = Overlay::None;
                match self.on_key(key) {
                    Handled::Changed(action) => Handled::Changed(action),
                    Handled::NotMine | Handled::Unchanged => Handled::DONE,
                }
            }
        }
    }

    /// A question (cancel the run? start afresh?): `y`, `n`/Esc, or `q`; other keys wait.
    fn confirm_key(&mut self, key: KeyEvent) -> Handled {
        let question = self.overlay;
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                self.overlay = Overlay::None;
                match question {
                    Overlay::ConfirmFull => self.start(StartMode::Full),
                    _ => self.cancel_run(),
                }
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                self.overlay = Overlay::None;
                self.info(match question {
                    Overlay::ConfirmFull => "No new run: s resumes the unfinished one",
                    _ => "Not cancelled",
                });
                Handled::DONE
            }
            KeyCode::Char('q') => self.quit(),
            _ => Handled::Unchanged,
        }
    }

    /// Enter on the history pane: show the selected run's changes and ask for them.
    fn open_changes(&mut self) -> Handled {
        let Some(run_id) = self.history.selected_run().map(|r| r.id) else {
            return Handled::Unchanged;
        };
        self.changes = Some(ChangesState::loading(run_id));
        self.overlay = Overlay::Changes;
        Handled::act(Action::LoadChanges(run_id))
    }

    /// Keys while the change list is open: scroll, Esc (or Enter) closes, q quits.
    fn changes_key(&mut self, key: KeyEvent) -> Handled {
        let page = layout::change_rows(self.size.1);
        let Some(view) = self.changes.as_mut() else {
            self.overlay = Overlay::None;
            return Handled::DONE;
        };
        match view.on_key(key, page) {
            ChangesKey::Stay => Handled::DONE,
            ChangesKey::Ignored => Handled::Unchanged,
            ChangesKey::Close => {
                self.overlay = Overlay::None;
                self.changes = None;
                Handled::DONE
            }
            ChangesKey::Quit => self.quit(),
        }
    }

    /// A key while the login screen is open: Esc closes it, the rest is the screen's.
    fn login_key(&mut self, key: KeyEvent) -> Handled {
        if key.code == KeyCode::Esc {
            self.overlay = Overlay::None;
            self.login = None;
            self.info("Login cancelled: press a to log in");
            return Handled::act(Action::Login(LoginCommand::Cancel));
        }
        match self.login.as_mut() {
            Some(login) => login.on_key(key).map(Action::Login).into(),
            None => Handled::Unchanged,
        }
    }
}
