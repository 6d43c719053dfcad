//! The household's cadence as the daemon keeps it: while some account of the household has
//! bulk work waiting, what can wait yields to it ([`spotsync_core::quota::household::cadence`]):
//! accounts with nothing of their own to mirror check their lists less often, and polls follow
//! the listening their last poll found. A single account keeps its schedule.

use std::time::Duration;

use chrono::Utc;
use spotsync_core::quota::Schedule;
use spotsync_core::quota::household::{self, Cadence, LastPoll};
use spotsync_core::store::ledger::Ledger;

use crate::config::{Config, Paths};

/// What an account's cadence is read from: the household's ledger (opened at the first
/// reading that finds a household).
pub(super) struct CadenceSource {
    paths: Paths,
    config: Config,
    ledger: Option<Ledger>,
}

impl CadenceSource {
    pub(super) fn new(paths: Paths, config: Config) -> CadenceSource {
        CadenceSource {
            paths,
            config,
            ledger: None,
        }
    }

    /// The account's cadence now (`own_bulk`: its last sync left bulk work; `last_poll`: what
    /// its last poll found): `schedule` for a single account or when the ledger cannot be read
    /// (logged; the schedule is what the daemon kept before households). Without bulk work of
    /// its own the ledger is told so at every reading: any sync may have asked for some (an
    /// incremental run enriches what it found new).
    pub(super) async fn now(
        &mut self,
        schedule: Schedule,
        own_bulk: bool,
        last_poll: Option<LastPoll>,
    ) -> Cadence {
        let plain = Cadence {
            sync_every: schedule.every,
            poll_every: schedule.plays_every,
        };
        let (paths, config, ledger) = (self.paths.clone(), self.config.clone(), self.ledger.take());
        let read = tokio::task::spawn_blocking(move || {
            let mut ledger = match ledger {
                Some(l) => l,
                None => match crate::household::open_ledger(&paths, &config)? {
                    Some(l) => l,
                    None => return Ok((None, plain)),
                },
            };
            if !own_bulk {
                ledger.bulk_done(Utc::now())?;
            }
            let view = ledger.view(config.sync.max_calls_per_day, &schedule, Utc::now())?;
            let cadence = household::cadence(
                &view.policy,
                &view.members,
                &paths.account,
                &schedule,
                own_bulk,
                last_poll,
            );
            Ok::<_, spotsync_core::store::StoreError>((Some(ledger), cadence))
        })
        .await;
        match read {
            Ok(Ok((ledger, cadence))) => {
                self.ledger = ledger;
                if cadence != plain {
                    tracing::debug!("household cadence: {}", words(&cadence));
                }
                cadence
            }
            Ok(Err(e)) => {
                tracing::warn!("the household's quota ledger: {e}; keeping the schedule");
                plain
            }
            Err(e) => {
                tracing::warn!("reading the household's cadence failed: {e}");
                plain
            }
        }
    }
}

/// The cadence in words, for the log and the health table.
pub(super) fn words(c: &Cadence) -> String {
    format!(
        "the household's quota pays for a sync every {} and a poll every {}",
        human(c.sync_every),
        human(c.poll_every)
    )
}

fn human(d: Duration) -> String {
    super::human_wait(chrono::TimeDelta::from_std(d).unwrap_or_default())
}
