//! What connects a run's steps to the world, each part on its own: the store off the async
//! runtime ([`Db`]), the front end ([`Events`]), the commands that act at once ([`Control`]:
//! pause, resume, cancel), Spotify through the one gate ([`Requester`]), and the one batch
//! commit ([`commit_batch`]). A [`Link`] borrows them for one run (or one probe); the phases
//! reach it only through their context (`super::phases::PhaseCtx`).

mod commit;
mod control;
mod request;
mod usage;

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

pub(crate) use commit::{BatchCtx, Stored, commit_batch, complete_phase};
pub(crate) use control::Control;
pub(crate) use request::{ReqError, Requester};

use super::events::SyncEvent;
use super::outcome::Stop;
use crate::domain::{Phase, RequestClass, RunId, RunKind};
use crate::store::{Sql, Store};

/// A request sent and not yet recorded in the database.
#[derive(Debug, Clone, Copy)]
struct Sent {
    run: Option<RunId>,
    at: DateTime<Utc>,
}

/// The store, used off the async runtime (SQLite blocks), and the requests sent since the last
/// write: every write records them in its own transaction (a batch's page with its rows and
/// checkpoint), so a request costs no database round trip of its own.
#[derive(Clone)]
pub(crate) struct Db {
    store: Arc<Mutex<Store>>,
    unrecorded: Arc<Mutex<Vec<Sent>>>,
}

impl Db {
    pub(crate) fn new(store: Store) -> Db {
        Db {
            store: Arc::new(Mutex::new(store)),
            unrecorded: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// A request of `run` is sent at `at`: the next write records it.
    pub(crate) fn sent(&self, run: Option<RunId>, at: DateTime<Utc>) {
        let mut unrecorded = self
            .unrecorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        unrecorded.push(Sent { run, at });
    }

    /// Read, off the async runtime.
    pub(crate) async fn read<R, F>(&self, f: F) -> Result<R, Stop>
    where
        F: FnOnce(Sql<'_>) -> rusqlite::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let store = store
                .lock()
                .map_err(|_| Stop::Fatal("the database handle is unusable".into()))?;
            f(store.sql()).map_err(Stop::from)
        })
        .await
        .map_err(|e| Stop::Fatal(format!("the database task failed: {e}")))?
    }

    /// Write in one transaction, off the async runtime, with the requests sent since the last
    /// write recorded in it. A write that fails keeps them for the next one.
    pub(crate) async fn write<R, F>(&self, f: F) -> Result<R, Stop>
    where
        F: FnOnce(Sql<'_>) -> rusqlite::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        let unrecorded = Arc::clone(&self.unrecorded);
        tokio::task::spawn_blocking(move || {
            let mut store = store
                .lock()
                .map_err(|_| Stop::Fatal("the database handle is unusable".into()))?;
            let sent =
                std::mem::take(&mut *unrecorded.lock().unwrap_or_else(PoisonError::into_inner));
            let written = store.transaction(|tx| {
                for s in &sent {
                    tx.record_call(s.run, s.at)?;
                }
                f(tx)
            });
            if written.is_err() {
                let mut left = unrecorded.lock().unwrap_or_else(PoisonError::into_inner);
                left.splice(0..0, sent);
            }
            written.map_err(Stop::from)
        })
        .await
        .map_err(|e| Stop::Fatal(format!("the database task failed: {e}")))?
    }
}

/// Events to the front end.
#[derive(Clone)]
pub(crate) struct Events(mpsc::Sender<SyncEvent>);

impl Events {
    pub(crate) fn new(sender: mpsc::Sender<SyncEvent>) -> Events {
        Events(sender)
    }

    pub(crate) async fn send(&self, ev: SyncEvent) {
        // The front end may have gone (quit): the engine still finishes its state cleanly.
        let _ = self.0.send(ev).await;
    }
}

/// The engine's parts, borrowed for one run (or, outside a run, for the probe).
pub(crate) struct Link<'a> {
    requester: &'a mut Requester,
    control: &'a mut Control,
    db: &'a Db,
    events: &'a Events,
    /// The run in progress: its requests count in it, its pauses are recorded on it.
    run: Option<(RunId, RunKind)>,
}

impl<'a> Link<'a> {
    /// The parts outside any run.
    pub(crate) fn new(
        requester: &'a mut Requester,
        control: &'a mut Control,
        db: &'a Db,
        events: &'a Events,
    ) -> Link<'a> {
        Link {
            requester,
            control,
            db,
            events,
            run: None,
        }
    }

    /// The same parts, for the run `id` of `kind`.
    pub(crate) fn in_run(self, id: RunId, kind: RunKind) -> Link<'a> {
        Link {
            run: Some((id, kind)),
            ..self
        }
    }

    /// A shorter borrow of the same parts (for one phase of the run).
    pub(crate) fn reborrow(&mut self) -> Link<'_> {
        Link {
            requester: &mut *self.requester,
            control: &mut *self.control,
            db: self.db,
            events: self.events,
            run: self.run,
        }
    }

    pub(crate) fn db(&self) -> &'a Db {
        self.db
    }

    pub(crate) fn run_id(&self) -> Option<RunId> {
        self.run.map(|(id, _)| id)
    }

    pub(crate) async fn emit(&self, ev: SyncEvent) {
        self.events.send(ev).await;
    }

    /// The class of a phase's requests in the run in progress (`GET /me` and requests outside
    /// a run count as incremental work).
    pub(crate) fn class_of(&self, phase: Option<Phase>) -> RequestClass {
        let kind = self.run.map_or(RunKind::Incremental, |(_, k)| k);
        phase.map_or(RequestClass::Changes, |p| RequestClass::of(p, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Phase;

    /// A request is recorded (in the rolling usage and its run's counter) by the next write,
    /// in that write's transaction; a write that fails leaves it for the one after.
    #[tokio::test]
    async fn requests_sent_are_recorded_by_the_next_write_that_commits() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::new(Store::open(&dir.path().join("x.db")).unwrap());
        let now = Utc::now();
        let run = db
            .write(move |tx| tx.create_run(RunKind::Full, &[Phase::Tracks], now))
            .await
            .unwrap();
        let recorded = || db.read(move |q| Ok((q.calls_24h(now)?, q.run_api_calls(run)?)));
        db.sent(Some(run), now);
        db.sent(None, now);
        assert_eq!(
            recorded().await.unwrap(),
            (0, 0),
            "not recorded before a write"
        );
        let failed = db
            .write(|_| Err::<(), _>(rusqlite::Error::InvalidQuery))
            .await;
        assert!(matches!(failed, Err(Stop::Fatal(_))), "{failed:?}");
        assert_eq!(
            recorded().await.unwrap(),
            (0, 0),
            "rolled back with the write"
        );
        db.sent(Some(run), now);
        db.write(|_| Ok(())).await.unwrap();
        assert_eq!(recorded().await.unwrap(), (3, 2));
        db.write(|_| Ok(())).await.unwrap();
        assert_eq!(recorded().await.unwrap(), (3, 2), "recorded once");
    }
}
