//! What each key does: the overlays first (a question, the help, the change list, the login
//! screen), then the main screen's keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Action, Activity, App, EngineState, Overlay, Pane, Screen};
use crate::sync::{StartMode, SyncCommand};
use crate::tui::layout;
use crate::tui::panes::changes::{ChangesKey, ChangesState};
use crate::tui::panes::login::{LoginCommand, LoginState};

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')) {
            return self.quit();
        }
        if ctrl && matches!(key.code, KeyCode::Char('l') | KeyCode::Char('L')) {
            return Some(Action::Repaint);
        }
        match self.overlay {
            Overlay::Login => return self.login_key(key),
            Overlay::ConfirmCancel => {
                return match key.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => {
                        self.overlay = Overlay::None;
                        if self.activity.run_active() {
                            self.activity = Activity::Cancelling;
                            self.info("Cancelling: every committed batch is kept");
                            Some(Action::Send(SyncCommand::Cancel))
                        } else {
                            None
                        }
                    }
                    KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                        self.overlay = Overlay::None;
                        self.info("Not cancelled");
                        None
                    }
                    KeyCode::Char('q') => {
                        self.overlay = Overlay::None;
                        self.quit()
                    }
                    _ => None,
                };
            }
            Overlay::ConfirmFull => {
                return match key.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => {
                        self.overlay = Overlay::None;
                        self.start(StartMode::Full)
                    }
                    KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                        self.overlay = Overlay::None;
                        self.info("No new run: s resumes the unfinished one");
                        None
                    }
                    KeyCode::Char('q') => {
                        self.overlay = Overlay::None;
                        self.quit()
                    }
                    _ => None,
                };
            }
            Overlay::Help => {
                if matches!(key.code, KeyCode::Esc | KeyCode::Char('?')) {
                    self.overlay = Overlay::None;
                    return None;
                }
                if key.code != KeyCode::Char('q') {
                    // Any other key closes the help and then does its usual thing.
                    self.overlay = Overlay::None;
                }
            }
            Overlay::Changes => return self.changes_key(key),
            Overlay::None => {}
        }
        if self.quitting {
            return None;
        }
        // The screen's own keys first (a filter being typed takes every key).
        let own = match self.screen {
            Screen::Sync => None,
            Screen::Library => self.library_key(key),
            Screen::Stats => self.stats_key(key),
        };
        if let Some(action) = own {
            return action;
        }
        match key.code {
            KeyCode::Char('1') => self.switch_screen(Screen::Sync),
            KeyCode::Char('2') => self.switch_screen(Screen::Library),
            KeyCode::Char('3') => self.switch_screen(Screen::Stats),
            KeyCode::Char('q') => self.quit(),
            KeyCode::Char('?') => {
                self.overlay = Overlay::Help;
                None
            }
            KeyCode::Esc => {
                self.notice = None;
                None
            }
            KeyCode::Enter if self.focus == Pane::History => self.open_changes(),
            KeyCode::Char('s') => match self.activity {
                Activity::Paused => self.resume(),
                _ => self.start(StartMode::Auto),
            },
            KeyCode::Char('f') if self.activity == Activity::Idle && self.unfinished_run() => {
                if self.can_drive() {
                    self.overlay = Overlay::ConfirmFull;
                }
                None
            }
            KeyCode::Char('f') => self.start(StartMode::Full),
            KeyCode::Char('i') => self.start(StartMode::Incremental),
            KeyCode::Char('a') => self.open_login(),
            KeyCode::Char('p') => match self.activity {
                Activity::Syncing => {
                    self.activity = Activity::Pausing;
                    self.info("Pausing after the current batch…");
                    Some(Action::Send(SyncCommand::Pause))
                }
                Activity::Paused => self.resume(),
                Activity::Pausing => {
                    self.info("Already pausing: the current batch finishes first");
                    None
                }
                Activity::Starting | Activity::Cancelling => None,
                Activity::Idle => {
                    self.info("Nothing to pause: press s to start a sync");
                    None
                }
            },
            KeyCode::Char('c') => {
                if matches!(
                    self.activity,
                    Activity::Syncing | Activity::Pausing | Activity::Paused | Activity::Starting
                ) {
                    self.overlay = Overlay::ConfirmCancel;
                } else if self.activity == Activity::Cancelling {
                    self.info("Already cancelling");
                } else {
                    self.info("Nothing to cancel");
                }
                None
            }
            KeyCode::Tab | KeyCode::Right => {
                self.focus = self.focus.next();
                None
            }
            KeyCode::BackTab | KeyCode::Left => {
                self.focus = self.focus.prev();
                None
            }
            KeyCode::Up => self.scroll(-1),
            KeyCode::Down => self.scroll(1),
            KeyCode::PageUp => self.scroll(-(self.page() as i64)),
            KeyCode::PageDown => self.scroll(self.page() as i64),
            KeyCode::Home => self.scroll(i64::MIN / 2),
            KeyCode::End => self.scroll(i64::MAX / 2),
            _ => {
                self.dirty = false;
                None
            }
        }
    }

    fn page(&self) -> usize {
        (self.size.1 as usize / 3).max(1)
    }

    /// Move within the focused pane: positive is down (towards newer log lines, older runs).
    pub(super) fn scroll(&mut self, delta: i64) -> Option<Action> {
        let (history_rows, log_rows) = self.visible_rows();
        match self.focus {
            Pane::Phases => self.phases.move_by(delta),
            Pane::Limits => {}
            Pane::History => self.history.move_by(delta, history_rows),
            Pane::Log => self.log.move_by(delta, log_rows),
        }
        None
    }

    pub(super) fn quit(&mut self) -> Option<Action> {
        self.overlay = Overlay::None;
        if self.quitting {
            return None;
        }
        self.quitting = true;
        if self.activity.run_active() {
            self.info("Quitting: pausing after the current batch; the next start resumes it…");
        } else {
            self.info("Quitting…");
        }
        Some(Action::Quit)
    }

    /// The engine takes commands; otherwise the notice says why not.
    fn can_drive(&mut self) -> bool {
        match &self.engine {
            EngineState::Ready => true,
            EngineState::NoAuth(text) => {
                let text = text.clone();
                self.error(text);
                false
            }
            EngineState::Unavailable(text) => {
                let text = format!("Cannot sync: {text}");
                self.error(text);
                false
            }
        }
    }

    fn start(&mut self, mode: StartMode) -> Option<Action> {
        if !self.can_drive() {
            return None;
        }
        match self.activity {
            Activity::Idle => {
                self.activity = Activity::Starting;
                self.info(match mode {
                    StartMode::Auto => "Starting (resumes an unfinished run if there is one)…",
                    StartMode::Full => "Starting a full sync…",
                    StartMode::Incremental => "Starting an incremental sync…",
                });
                Some(Action::Send(SyncCommand::Start {
                    mode,
                    only: Vec::new(),
                }))
            }
            Activity::Paused => {
                self.warn("A run is paused: p resumes it, c cancels it");
                None
            }
            _ => {
                self.warn("A sync is already running: p pauses it, c cancels it");
                None
            }
        }
    }

    fn resume(&mut self) -> Option<Action> {
        if !self.can_drive() {
            return None;
        }
        self.activity = Activity::Syncing;
        self.info("Resuming…");
        Some(Action::Send(SyncCommand::Resume))
    }

    /// Enter on the history pane: show the selected run's changes and ask for them.
    fn open_changes(&mut self) -> Option<Action> {
        let run_id = self.history.selected_run()?.id;
        self.changes = Some(ChangesState::loading(run_id));
        self.overlay = Overlay::Changes;
        Some(Action::LoadChanges(run_id))
    }

    /// Keys while the change list is open: scroll, Esc (or Enter) closes, q quits.
    fn changes_key(&mut self, key: KeyEvent) -> Option<Action> {
        let page = layout::change_rows(self.size.1);
        let Some(view) = self.changes.as_mut() else {
            self.overlay = Overlay::None;
            return None;
        };
        match view.on_key(key, page) {
            ChangesKey::Stay => None,
            ChangesKey::Ignored => {
                self.dirty = false;
                None
            }
            ChangesKey::Close => {
                self.overlay = Overlay::None;
                self.changes = None;
                None
            }
            ChangesKey::Quit => self.quit(),
        }
    }

    /// `a` on the main screen.
    fn open_login(&mut self) -> Option<Action> {
        match &self.engine {
            EngineState::NoAuth(_) => {
                self.overlay = Overlay::Login;
                self.login = Some(LoginState::starting());
                Some(Action::Login(LoginCommand::Start))
            }
            EngineState::Ready => {
                self.info("Already connected to Spotify (`spotsync auth` logs in as someone else)");
                None
            }
            EngineState::Unavailable(text) => {
                let text = format!("Cannot sync: {text}");
                self.error(text);
                None
            }
        }
    }

    /// A key while the login screen is open: Esc closes it, the rest is the screen's.
    fn login_key(&mut self, key: KeyEvent) -> Option<Action> {
        if key.code == KeyCode::Esc {
            self.overlay = Overlay::None;
            self.login = None;
            self.info("Login cancelled: press a to log in");
            return Some(Action::Login(LoginCommand::Cancel));
        }
        self.login.as_mut()?.on_key(key).map(Action::Login)
    }
}
