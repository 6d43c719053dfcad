//! The daemon's health writes, on a thread of their own: a busy database never stalls the
//! daemon's async loop, writes land in the order they were made, and a failure is logged
//! (the first of a streak at warn, the rest at debug) instead of being lost.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, WrapErr};
use spotsync_core::store::health::{self, HealthKey};

type Write = (HealthKey, Option<String>, DateTime<Utc>);

/// Writes `daemon_health` through a side connection to the database the engine holds.
pub(crate) struct HealthWriter {
    tx: Option<mpsc::Sender<Write>>,
    thread: Option<JoinHandle<()>>,
}

impl HealthWriter {
    /// Open the side connection and start the writer thread.
    pub(crate) fn open(db: &Path) -> Result<HealthWriter> {
        let writer = health::Writer::open(db)?;
        let (tx, rx) = mpsc::channel::<Write>();
        let db: PathBuf = db.to_owned();
        let thread = std::thread::Builder::new()
            .name("daemon-health".into())
            .spawn(move || {
                let mut failing = false;
                for (key, value, at) in rx {
                    match writer.set(key, value.as_deref(), at) {
                        Ok(()) if failing => {
                            failing = false;
                            tracing::info!("the daemon's health is recorded again");
                        }
                        Ok(()) => {}
                        Err(e) if failing => {
                            tracing::debug!("cannot record the daemon's health ({key}): {e}");
                        }
                        Err(e) => {
                            failing = true;
                            tracing::warn!(
                                "cannot record the daemon's health ({key}) in {}: {e}; \
                                 `spotsync status` may show stale values",
                                db.display()
                            );
                        }
                    }
                }
            })
            .wrap_err("cannot start the daemon's health writer")?;
        Ok(HealthWriter {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Record `key` (`None` clears it), stamped now.
    pub(crate) fn set(&self, key: HealthKey, value: Option<&str>) {
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send((key, value.map(str::to_owned), Utc::now())).is_ok());
        if !sent {
            tracing::warn!("cannot record the daemon's health ({key}): its writer has stopped");
        }
    }

    /// Record a time.
    pub(crate) fn set_time(&self, key: HealthKey, at: DateTime<Utc>) {
        self.set(key, Some(&spotsync_core::store::ts(at)));
    }

    /// Finish every pending write, then stop the thread.
    pub(crate) async fn close(mut self) {
        drop(self.tx.take());
        if let Some(thread) = self.thread.take() {
            let joined = tokio::task::spawn_blocking(move || thread.join()).await;
            if !matches!(joined, Ok(Ok(()))) {
                tracing::warn!("the daemon's health writer ended abnormally");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_land_in_order_before_close_returns() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let _engine = spotsync_core::store::Store::open(&db).unwrap();
        let w = HealthWriter::open(&db).unwrap();
        w.set(HealthKey::Pid, Some("7"));
        w.set(HealthKey::LastError, Some("first"));
        w.set(HealthKey::LastError, Some("second"));
        w.set(HealthKey::Pid, None);
        w.close().await;
        let h = spotsync_core::store::Reader::read(&db, |q| q.daemon_health()).unwrap();
        assert_eq!(h.get(HealthKey::LastError), Some("second"));
        assert_eq!(h.get(HealthKey::Pid), None);
    }
}
