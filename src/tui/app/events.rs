//! The engine's events, each handled here once ([`App::on_engine`]): the arm hands each pane
//! what concerns it, and the app keeps the run, the activity and the notice. Also the engine's
//! end, an engine that could not start, and the login task's reports.

use chrono::{DateTime, Utc};

use super::{
    Action, Activity, App, EngineFailure, EngineState, Handled, NoticeLevel, Overlay, RunView,
};
use crate::sync::{ErrorKind, Phase, PhaseStatus, RunKind, RunRecord, RunStatus, SyncEvent};
use crate::tui::format::fmt_count;
use crate::tui::panes::limits::{Limit, Retry};
use crate::tui::panes::login::LoginEvent;
use crate::tui::panes::phases::Batch;

impl App {
    /// The one place an engine event is handled.
    pub(super) fn on_engine(&mut self, event: SyncEvent, at: DateTime<Utc>) -> Handled {
        match event {
            SyncEvent::RunStarted {
                run_id,
                kind,
                phases,
                resumed,
            } => self.run_started(run_id, kind, &phases, resumed, at),
            SyncEvent::PhaseStarted { phase, done, total } => {
                self.phases.phase_started(phase, done, total, at);
            }
            SyncEvent::BatchCommitted {
                phase,
                done,
                total,
                added,
                updated,
                removed,
                api_calls,
            } => {
                let batch = Batch {
                    done,
                    total,
                    added,
                    updated,
                    removed,
                };
                self.phases.batch_committed(phase, batch, at);
                self.limits.progressed(phase);
                if let Some(r) = &mut self.run {
                    r.api_calls = api_calls;
                }
            }
            SyncEvent::RateLimited {
                until,
                reason,
                phase,
            } => {
                self.limits.hold(Limit {
                    until,
                    reason,
                    phase,
                });
                if let Some(phase) = phase {
                    self.phases.held(phase);
                }
            }
            SyncEvent::RateLimitCleared => {
                self.limits.hold_ended();
                self.phases.hold_ended();
            }
            SyncEvent::Retrying {
                phase,
                attempt,
                delay,
                error,
            } => self.limits.retrying(Retry {
                phase,
                attempt,
                at,
                delay,
                error,
            }),
            SyncEvent::PhaseFinished {
                phase,
                status,
                error,
            } => self.phase_finished(phase, status, error),
            SyncEvent::Paused => self.paused(),
            SyncEvent::Resumed => self.resumed(at),
            SyncEvent::ApiUsage { calls_24h, budget } => self.limits.counted(calls_24h, budget),
            SyncEvent::RunFinished { run } => return self.run_finished(run, at),
            SyncEvent::Error { kind, message } => self.engine_error(kind, message),
            SyncEvent::Probed { .. } => return Handled::Unchanged,
        }
        Handled::DONE
    }

    fn run_started(
        &mut self,
        run_id: i64,
        kind: RunKind,
        phases: &[Phase],
        resumed: bool,
        at: DateTime<Utc>,
    ) {
        self.phases.start_run(phases, resumed);
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

    fn phase_finished(&mut self, phase: Phase, status: PhaseStatus, error: Option<String>) {
        self.phases.phase_finished(phase, status, error);
        self.limits.progressed(phase);
        if status == PhaseStatus::Failed {
            self.warn(format!(
                "The {phase} phase failed; the next start retries it from its checkpoint"
            ));
        }
    }

    fn paused(&mut self) {
        self.phases.paused();
        if !self.quitting {
            self.activity = Activity::Paused;
            self.info("Paused: p resumes, c cancels");
        }
        if let Some(r) = &mut self.run {
            r.status = RunStatus::Paused;
        }
    }

    fn resumed(&mut self, at: DateTime<Utc>) {
        self.phases.resumed(at);
        if self.activity != Activity::Cancelling {
            self.activity = Activity::Syncing;
        }
        if let Some(r) = &mut self.run {
            r.status = RunStatus::Running;
        }
        self.info("Resumed");
    }

    /// The run ended: the panes, the history and the notice say how; then what may have
    /// changed is read again (the gaps a plays poll recorded, the screen shown, the plan).
    fn run_finished(&mut self, run: RunRecord, at: DateTime<Utc>) -> Handled {
        self.phases.run_finished(run.status);
        self.limits.run_finished(at);
        self.activity = Activity::Idle;
        self.run = Some(RunView {
            id: run.id,
            kind: run.kind,
            status: run.status,
            started_at: run.started_at,
            resumed: self.run.as_ref().is_some_and(|r| r.resumed),
            api_calls: run.api_calls,
        });
        let level = match run.status {
            RunStatus::Failed => NoticeLevel::Error,
            RunStatus::Cancelled | RunStatus::RateLimited => NoticeLevel::Warn,
            _ => NoticeLevel::Info,
        };
        let text = self.finished_text(&run);
        self.say(level, text);
        self.history.on_run_finished(run);
        let gaps = self.phases.shows_plays().then_some(Action::LoadPlayGaps);
        let reload = self.library_changed();
        let plan = self.setup.plan_config.is_some().then_some(Action::LoadPlan);
        let mut actions: Vec<Action> = [gaps, reload, plan].into_iter().flatten().collect();
        match actions.len() {
            0 => Handled::DONE,
            1 => actions.pop().into(),
            _ => Handled::act(Action::Many(actions)),
        }
    }

    /// The notice when a run ended.
    fn finished_text(&self, run: &RunRecord) -> String {
        match run.status {
            RunStatus::Success => format!(
                "Sync finished: +{} added, {} updated, {} removed, {} requests",
                fmt_count(run.items_added),
                fmt_count(run.items_updated),
                fmt_count(run.items_removed),
                fmt_count(run.api_calls)
            ),
            RunStatus::Cancelled => "Sync cancelled; every committed batch is kept".to_string(),
            RunStatus::Failed if matches!(self.engine, EngineState::NoAuth(_)) => format!(
                "Sync stopped: press a to log in again, then s resumes from the checkpoints ({})",
                run.error.as_deref().unwrap_or("authorization refused")
            ),
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
        }
    }

    fn engine_error(&mut self, kind: ErrorKind, message: String) {
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

    /// The engine task ended; `error` says why when it did not end normally.
    pub(super) fn on_engine_stopped(&mut self, error: Option<String>) -> Handled {
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
        Handled::DONE
    }

    /// The engine could not be started: the app stays read-only and says why.
    pub(super) fn on_engine_failed(&mut self, failure: EngineFailure) -> Handled {
        match failure {
            EngineFailure::NoAuth(text) => {
                self.error(text.clone());
                self.engine = EngineState::NoAuth(text);
            }
            EngineFailure::Start(e) => {
                self.error(format!("Cannot sync: {e}"));
                self.engine = EngineState::Unavailable(e);
            }
            EngineFailure::Token { what_to_do, error } => {
                self.error(format!(
                    "Logged in, but the saved token cannot be used: {error}"
                ));
                self.engine = EngineState::NoAuth(what_to_do);
            }
        }
        Handled::DONE
    }

    /// A report from the login task.
    pub(super) fn on_login(&mut self, event: LoginEvent) -> Handled {
        if let LoginEvent::Connected { user } = event {
            // The token is saved even if the screen was closed meanwhile: use it.
            self.overlay = Overlay::None;
            self.login = None;
            self.engine = EngineState::Ready;
            self.info(format!("Connected to Spotify as {user}: press s to sync"));
            return Handled::act(Action::StartEngine);
        }
        // Reports from a login that was cancelled are stale.
        match self.login.as_mut() {
            Some(login) => {
                login.on_event(event);
                Handled::DONE
            }
            None => Handled::Unchanged,
        }
    }
}
