//! The keys that drive the engine (start, pause, resume, cancel, log in) and quitting: what
//! each sends, and what the notice says when it cannot.

use super::{Action, Activity, App, EngineState, Handled, Overlay};
use crate::sync::{StartMode, SyncCommand};
use crate::tui::panes::login::{LoginCommand, LoginState};

impl App {
    /// `q`, Ctrl-C, a signal: pause at the next batch boundary and leave.
    pub(super) fn quit(&mut self) -> Handled {
        self.overlay = Overlay::None;
        if self.quitting {
            return Handled::Unchanged;
        }
        self.quitting = true;
        if self.activity.run_active() {
            self.info("Quitting: pausing after the current batch; the next start resumes it…");
        } else {
            self.info("Quitting…");
        }
        Handled::act(Action::Quit)
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

    /// `s`, `f`, `i`: start a run in `mode` when nothing runs.
    pub(super) fn start(&mut self, mode: StartMode) -> Handled {
        if !self.can_drive() {
            return Handled::DONE;
        }
        match self.activity {
            Activity::Idle => {
                self.activity = Activity::Starting;
                self.info(match mode {
                    StartMode::Auto => "Starting (resumes an unfinished run if there is one)…",
                    StartMode::Full => "Starting a full sync…",
                    StartMode::Incremental => "Starting an incremental sync…",
                });
                Handled::act(Action::Send(SyncCommand::Start {
                    mode,
                    only: Vec::new(),
                }))
            }
            Activity::Paused => {
                self.warn("A run is paused: p resumes it, c cancels it");
                Handled::DONE
            }
            _ => {
                self.warn("A sync is already running: p pauses it, c cancels it");
                Handled::DONE
            }
        }
    }

    /// `f` while an unfinished run exists asks first: a fresh full run closes it as cancelled.
    pub(super) fn full_key(&mut self) -> Handled {
        if self.activity == Activity::Idle && self.unfinished_run() {
            if self.can_drive() {
                self.overlay = Overlay::ConfirmFull;
            }
            return Handled::DONE;
        }
        self.start(StartMode::Full)
    }

    /// `s` or `p` on a paused run.
    pub(super) fn resume(&mut self) -> Handled {
        if !self.can_drive() {
            return Handled::DONE;
        }
        self.activity = Activity::Syncing;
        self.info("Resuming…");
        Handled::act(Action::Send(SyncCommand::Resume))
    }

    /// `p`: pause at the next batch boundary, or resume.
    pub(super) fn pause_key(&mut self) -> Handled {
        match self.activity {
            Activity::Syncing => {
                self.activity = Activity::Pausing;
                self.info("Pausing after the current batch…");
                Handled::act(Action::Send(SyncCommand::Pause))
            }
            Activity::Paused => self.resume(),
            Activity::Pausing => {
                self.info("Already pausing: the current batch finishes first");
                Handled::DONE
            }
            Activity::Starting | Activity::Cancelling => Handled::DONE,
            Activity::Idle => {
                self.info("Nothing to pause: press s to start a sync");
                Handled::DONE
            }
        }
    }

    /// `c`: ask before cancelling the run.
    pub(super) fn cancel_key(&mut self) -> Handled {
        match self.activity {
            Activity::Syncing | Activity::Pausing | Activity::Paused | Activity::Starting => {
                self.overlay = Overlay::ConfirmCancel;
            }
            Activity::Cancelling => self.info("Already cancelling"),
            Activity::Idle => self.info("Nothing to cancel"),
        }
        Handled::DONE
    }

    /// `y` to the cancel question.
    pub(super) fn cancel_run(&mut self) -> Handled {
        if !self.activity.run_active() {
            return Handled::DONE;
        }
        self.activity = Activity::Cancelling;
        self.info("Cancelling: every committed batch is kept");
        Handled::act(Action::Send(SyncCommand::Cancel))
    }

    /// `a`: log in to Spotify, when not connected.
    pub(super) fn open_login(&mut self) -> Handled {
        match &self.engine {
            EngineState::NoAuth(_) => {
                self.overlay = Overlay::Login;
                self.login = Some(LoginState::starting());
                Handled::act(Action::Login(LoginCommand::Start))
            }
            EngineState::Ready => {
                self.info("Already connected to Spotify (`spotsync auth` logs in as someone else)");
                Handled::DONE
            }
            EngineState::Unavailable(text) => {
                let text = format!("Cannot sync: {text}");
                self.error(text);
                Handled::DONE
            }
        }
    }
}
