//! The resolution: every ISRC of the library not in the cache yet, the most valuable first, one
//! request per [`MbConfig::interval`](super::MbConfig), each answer stored as it arrives.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::MbError;
use super::client::{Lookup, MbClient};
use crate::store::musicbrainz::{MbLookup, MbStatus, MbWriter};

/// Where a resolution is, after each lookup.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Progress {
    /// ISRCs looked up this run.
    pub done: usize,
    /// ISRCs to look up this run.
    pub total: usize,
    pub found: usize,
    pub not_found: usize,
    pub invalid: usize,
    /// HTTP requests sent (a retried ISRC counts each try).
    pub requests: u64,
    /// 503 answers (each waited out).
    pub slowed: u64,
    /// The ISRC just looked up.
    pub isrc: Option<String>,
    /// Estimated time left at the configured pace, in seconds.
    pub eta_secs: u64,
}

/// What a resolution did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub progress: Progress,
    /// Stopped before the end (cancelled): the rest is looked up by the next run.
    pub interrupted: bool,
    pub elapsed_secs: f64,
}

/// Consecutive failures of one ISRC before the resolution stops (resumable).
const MAX_TRIES: u32 = 6;
/// The longest wait after a 503.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, MbError> + Send + 'static,
) -> Result<T, MbError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| MbError::Task(e.to_string()))?
}

fn now_ts() -> String {
    crate::store::ts(chrono::Utc::now())
}

/// Paces requests: none starts before `next`.
struct Pacer {
    interval: Duration,
    next: Instant,
}

impl Pacer {
    /// Wait for the next slot (or the cancellation); `false` when cancelled.
    async fn wait(&mut self, cancel: &CancellationToken) -> bool {
        tokio::select! {
            () = tokio::time::sleep_until(self.next.into()) => {}
            () = cancel.cancelled() => return false,
        }
        // A twentieth more than the interval: a request that waited on a new connection
        // must not arrive less than the interval after the one before.
        self.next = Instant::now() + self.interval + self.interval / 20;
        true
    }

    /// After a 503: wait longer before the next request.
    fn back_off(&mut self, tries: u32, retry_after: Option<Duration>) {
        let doubled = self.interval.max(Duration::from_millis(500)) * 2u32.pow(tries.min(6));
        let wait = doubled
            .max(retry_after.unwrap_or_default())
            .min(MAX_BACKOFF);
        self.next = self.next.max(Instant::now() + wait);
    }
}

/// Look up one ISRC until MusicBrainz answers it (found, unknown or malformed), waiting after
/// each 503. `None` when cancelled.
async fn lookup_one(
    client: &MbClient,
    pacer: &mut Pacer,
    isrc: &str,
    progress: &mut Progress,
    cancel: &CancellationToken,
) -> Result<Option<Lookup>, MbError> {
    let mut tries = 0;
    loop {
        if !pacer.wait(cancel).await {
            return Ok(None);
        }
        progress.requests += 1;
        match client.lookup(isrc).await {
            Lookup::Slow { retry_after } => {
                progress.slowed += 1;
                tries += 1;
                pacer.back_off(tries, retry_after);
                if tries >= MAX_TRIES {
                    return Err(MbError::Unavailable {
                        tries,
                        last: "503 Service Unavailable".into(),
                    });
                }
            }
            Lookup::Failed(why) => {
                tries += 1;
                pacer.back_off(tries, None);
                if tries >= MAX_TRIES {
                    return Err(MbError::Unavailable { tries, last: why });
                }
            }
            Lookup::Refused(why) => return Err(MbError::Refused(why)),
            answered => return Ok(Some(answered)),
        }
    }
}

/// Resolve the library's ISRCs not in the cache yet (with `retry_misses`, also the ones
/// MusicBrainz did not know), at most `limit` of them, reporting after each through
/// `on_progress`. Stops cleanly when `cancel` fires: what was answered is kept.
pub async fn resolve(
    db: &Path,
    client: &MbClient,
    retry_misses: bool,
    limit: Option<usize>,
    mut on_progress: impl FnMut(&Progress),
    cancel: CancellationToken,
) -> Result<Summary, MbError> {
    let started = Instant::now();
    let path: PathBuf = db.to_owned();
    let writer = blocking(move || Ok(MbWriter::open(&path)?)).await?;
    let writer = Arc::new(Mutex::new(writer));
    let w = writer.clone();
    let mut pending: Vec<String> = blocking(move || {
        let w = w.lock().unwrap_or_else(|e| e.into_inner());
        Ok(w.sql().pending_isrcs(retry_misses)?)
    })
    .await?
    .into_iter()
    .map(|p| p.isrc)
    .collect();
    if let Some(n) = limit {
        pending.truncate(n);
    }
    let interval = client.config().interval;
    let mut pacer = Pacer {
        interval,
        next: Instant::now(),
    };
    let mut progress = Progress {
        total: pending.len(),
        ..Progress::default()
    };
    let mut interrupted = false;
    for isrc in pending {
        let Some(answer) = lookup_one(client, &mut pacer, &isrc, &mut progress, &cancel).await?
        else {
            interrupted = true;
            break;
        };
        let (status, recordings) = match answer {
            Lookup::Found(r) => (MbStatus::Found, r),
            Lookup::Invalid => (MbStatus::Invalid, Vec::new()),
            _ => (MbStatus::NotFound, Vec::new()),
        };
        let row = MbLookup {
            isrc: isrc.clone(),
            status,
            recordings,
            looked_up_at: now_ts(),
        };
        let w = writer.clone();
        blocking(move || {
            let w = w.lock().unwrap_or_else(|e| e.into_inner());
            Ok(w.sql().record_musicbrainz_lookup(&row)?)
        })
        .await?;
        progress.done += 1;
        match status {
            MbStatus::Found => progress.found += 1,
            MbStatus::NotFound => progress.not_found += 1,
            MbStatus::Invalid => progress.invalid += 1,
        }
        progress.isrc = Some(isrc);
        let left = (progress.total - progress.done) as u64;
        progress.eta_secs = (interval.as_millis() as u64).saturating_mul(left) / 1000;
        on_progress(&progress);
    }
    Ok(Summary {
        progress,
        interrupted,
        elapsed_secs: started.elapsed().as_secs_f64(),
    })
}
