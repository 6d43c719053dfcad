//! What engine events, the engine's end and login reports do beyond the panes: the run, the
//! activity, the notice, the engine's state.

use chrono::{DateTime, Utc};

use super::{Action, Activity, App, EngineState, Notice, NoticeLevel, Overlay, RunView};
use crate::sync::{ErrorKind, PhaseStatus, RunStatus, SyncEvent};
use crate::tui::format::fmt_count;
use crate::tui::panes::login::LoginEvent;

impl App {
    pub(super) fn on_engine(&mut self, event: SyncEvent, at: DateTime<Utc>) {
        self.phases.on_engine(&event, at);
        self.limits.on_engine(&event, at);
        match event {
            SyncEvent::RunStarted {
                run_id,
                kind,
                resumed,
                ..
            } => {
                let same = self.run.as_ref().filter(|r| r.id == run_id);
                self.run = Some(RunView {
                    id: run_id,
                    kind,
                    status: RunStatus::Running,
                    started_at: same.map_or(at, |r| r.started_at),
                    resumed,
                    api_calls: same.map_or(0, |r| r.api_calls),
                });
                self.history.on_run_started(run_id);
                if self.activity != Activity::Cancelling && self.activity != Activity::Pausing {
                    self.activity = Activity::Syncing;
                }
                self.info(if resumed {
                    format!("Resumed the unfinished {kind} sync (run {run_id})")
                } else {
                    format!("Started a {kind} sync (run {run_id})")
                });
            }
            SyncEvent::BatchCommitted { api_calls, .. } => {
                if let Some(r) = &mut self.run {
                    r.api_calls = api_calls;
                }
            }
            SyncEvent::PhaseFinished {
                phase,
                status: PhaseStatus::Failed,
                ..
            } => {
                self.warn(format!(
                    "The {phase} phase failed; the next start retries it from its checkpoint"
                ));
            }
            SyncEvent::Paused => {
                if !self.quitting {
                    self.activity = Activity::Paused;
                    self.info("Paused: p resumes, c cancels");
                }
                if let Some(r) = &mut self.run {
                    r.status = RunStatus::Paused;
                }
            }
            SyncEvent::Resumed => {
                if self.activity != Activity::Cancelling {
                    self.activity = Activity::Syncing;
                }
                if let Some(r) = &mut self.run {
                    r.status = RunStatus::Running;
                }
                self.info("Resumed");
            }
            SyncEvent::RunFinished { run } => {
                self.activity = Activity::Idle;
                self.run = Some(RunView {
                    id: run.id,
                    kind: run.kind,
                    status: run.status,
                    started_at: run.started_at,
                    resumed: self.run.as_ref().is_some_and(|r| r.resumed),
                    api_calls: run.api_calls,
                });
                let text = match run.status {
                    RunStatus::Success => format!(
                        "Sync finished: +{} added, {} updated, {} removed, {} requests",
                        fmt_count(run.items_added),
                        fmt_count(run.items_updated),
                        fmt_count(run.items_removed),
                        fmt_count(run.api_calls)
                    ),
                    RunStatus::Cancelled => {
                        "Sync cancelled; every committed batch is kept".to_string()
                    }
                    RunStatus::Failed if matches!(self.engine, EngineState::NoAuth(_)) => {
                        format!(
                            "Sync stopped: press a to log in again, then s resumes from the \
                             checkpoints ({})",
                            run.error.as_deref().unwrap_or("authorization refused")
                        )
                    }
                    RunStatus::Failed => format!(
                        "Sync stopped with a failure{}; press s to retry from the checkpoints",
                        run.error
                            .as_deref()
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    ),
                    RunStatus::Paused | RunStatus::Running => {
                        "Sync paused; press s to resume it".to_string()
                    }
                    RunStatus::RateLimited => {
                        "Sync stopped by a rate limit; press s to resume it".to_string()
                    }
                };
                self.notice = Some(Notice {
                    level: match run.status {
                        RunStatus::Failed => NoticeLevel::Error,
                        RunStatus::Cancelled | RunStatus::RateLimited => NoticeLevel::Warn,
                        _ => NoticeLevel::Info,
                    },
                    text,
                });
                self.history.on_run_finished(run);
            }
            SyncEvent::Error { kind, message } => {
                let text = match kind {
                    ErrorKind::Auth => {
                        // The engine's token is dead: nothing syncs until a new login (`a`).
                        let text = if message.contains("spotsync auth") {
                            format!("{message}; or press a to log in here")
                        } else {
                            format!("{message} — press a to log in here (or run `spotsync auth`)")
                        };
                        self.engine = EngineState::NoAuth(text.clone());
                        text
                    }
                    ErrorKind::Locked => message,
                    ErrorKind::Other => format!("Error: {message}"),
                };
                self.error(text);
                if self.activity == Activity::Starting {
                    self.activity = Activity::Idle;
                }
            }
            _ => {}
        }
    }

    /// The engine task ended; `error` says why when it did not end normally.
    pub(super) fn on_engine_stopped(&mut self, error: Option<String>) {
        let text = match error {
            Some(e) => format!("The sync engine stopped: {e}"),
            None if self.quitting => "The sync engine stopped".to_string(),
            None => "The sync engine stopped; restart spotsync to sync again".to_string(),
        };
        if !self.quitting {
            self.error(text.clone());
        }
        self.engine = EngineState::Unavailable(text);
        if self.activity.run_active() {
            self.activity = Activity::Idle;
        }
    }

    /// A report from the login task.
    pub(super) fn on_login(&mut self, event: LoginEvent) -> Option<Action> {
        if let LoginEvent::Connected { user } = event {
            // The token is saved even if the screen was closed meanwhile: use it.
            self.overlay = Overlay::None;
            self.login = None;
            self.engine = EngineState::Ready;
            self.info(format!("Connected to Spotify as {user}: press s to sync"));
            return Some(Action::StartEngine);
        }
        // Reports from a login that was cancelled are stale.
        self.login.as_mut()?.on_event(event);
        None
    }
}
