//! The household's side of the gate: when several accounts share the app's quota, every
//! request is also admitted by the shared ledger ([`crate::store::ledger`]), which records it
//! before it is sent, holds every account when one of them meets Spotify's hold, shares the
//! bulk work out between the accounts and paces the shared 30-second window. Spotify's holds
//! and what a `QUOTA_EXCEEDED` teaches go into the ledger, so every process of the household
//! knows them at once.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::Link;
use super::request::Gated;
use crate::domain::{LimitReason, RequestClass};
use crate::quota::Observation;
use crate::store::ledger::{Admission, AdmitSettings, Ledger, SharedView};
use crate::sync::outcome::Stop;

/// The quota ledger a household shares: where it is, and who this engine is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedQuota {
    /// The ledger file (`spotsync-quota.db` beside the accounts' databases).
    pub ledger: PathBuf,
    /// The app (its client id): accounts of one app share its quota.
    pub app: String,
    /// This engine's account.
    pub account: String,
    /// Its share of the bulk work (`[accounts.NAME] share`).
    pub share: u32,
}

/// The ledger an engine admits its requests through: open, or not there yet (a single account
/// needs none; it is opened at the first request after another account made the installation
/// a household).
#[derive(Clone)]
pub(crate) enum Household {
    /// Not there yet: looked for before each request.
    Awaited {
        quota: SharedQuota,
        db: PathBuf,
    },
    Open(Shared),
}

impl Household {
    /// The household of the account whose database is `db`: its ledger opened when it exists
    /// (blocking), else awaited.
    pub(crate) fn new(quota: SharedQuota, db: &std::path::Path) -> Result<Household, String> {
        if quota.ledger.exists() {
            return Shared::open(&quota, db).map(Household::Open);
        }
        Ok(Household::Awaited {
            quota,
            db: db.to_owned(),
        })
    }
}

/// The open ledger.
#[derive(Clone)]
pub(crate) struct Shared {
    ledger: Arc<Mutex<Ledger>>,
    share: u32,
}

impl Shared {
    /// Open the ledger and enroll the account of the database at `db` (blocking).
    pub(crate) fn open(quota: &SharedQuota, db: &std::path::Path) -> Result<Shared, String> {
        let mut ledger = Ledger::open(&quota.ledger, &quota.app, &quota.account)
            .map_err(|e| format!("the household's quota ledger: {e}"))?;
        ledger
            .enroll(&quota.account, quota.share, db, Utc::now())
            .map_err(|e| format!("the household's quota ledger: {e}"))?;
        Ok(Shared {
            ledger: Arc::new(Mutex::new(ledger)),
            share: quota.share,
        })
    }

    /// Run `f` on the ledger off the async runtime (it waits for the one writer of the moment).
    async fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> Result<R, crate::store::StoreError> + Send + 'static,
    ) -> Result<R, Stop> {
        let ledger = Arc::clone(&self.ledger);
        tokio::task::spawn_blocking(move || {
            let mut l = ledger
                .lock()
                .map_err(|_| Stop::Fatal("the quota ledger's handle is unusable".into()))?;
            let path = l.path().display().to_string();
            f(&mut l).map_err(|e| Stop::Fatal(format!("the household's quota ledger {path}: {e}")))
        })
        .await
        .map_err(|e| Stop::Fatal(format!("the quota ledger's task failed: {e}")))?
    }
}

impl Link<'_> {
    fn shared(&self) -> Option<Shared> {
        match &self.requester.household {
            Some(Household::Open(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// Open the household's ledger if it appeared since the engine started (another account
    /// was connected): from this request on, the quota is the household's. Cheap otherwise.
    pub(super) async fn find_household(&mut self) -> Result<(), Stop> {
        let Some(Household::Awaited { quota, db }) = &self.requester.household else {
            return Ok(());
        };
        if !quota.ledger.exists() {
            return Ok(());
        }
        let (quota, db) = (quota.clone(), db.clone());
        let opened = tokio::task::spawn_blocking(move || Shared::open(&quota, &db))
            .await
            .map_err(|e| Stop::Fatal(format!("the quota ledger's task failed: {e}")))?
            .map_err(Stop::Fatal)?;
        tracing::info!("this account is part of a household now: the quota is shared");
        self.requester.household = Some(Household::Open(opened));
        Ok(())
    }

    /// The ledger's word on one request of `class` that the engine's own gate let through:
    /// `Go` (recorded as sent), a hold, or a pacing wait. `Go` without a ledger.
    pub(super) async fn admit_shared(&mut self, class: RequestClass) -> Result<Gated, Stop> {
        let Some(shared) = self.shared() else {
            return Ok(Gated::Go);
        };
        let settings = AdmitSettings {
            configured: self.requester.max_calls_per_day,
            schedule: self.requester.schedule,
            pace_limit: self.requester.gate.limit(),
        };
        let now = Utc::now();
        let admission = shared.with(move |l| l.admit(class, &settings, now)).await?;
        Ok(match admission {
            Admission::Go => Gated::Go,
            Admission::Hold { until, reason } => Gated::Hold { until, reason },
            Admission::Pace(d) => Gated::Pace(d),
        })
    }

    /// Whether the household's ledger decides the daily quota (then the engine's own tally only
    /// counts this account's requests).
    pub(super) fn is_shared(&self) -> bool {
        matches!(self.requester.household, Some(Household::Open(_)))
    }

    /// Spotify's 429 at `now` holds every account until `until`; a `QUOTA_EXCEEDED` also
    /// teaches the household's figure: the observation (what every account together had sent
    /// before it). `None` without a ledger, or for the window.
    pub(super) async fn share_hold(
        &mut self,
        until: DateTime<Utc>,
        reason: LimitReason,
        now: DateTime<Utc>,
    ) -> Result<Option<Observation>, Stop> {
        let Some(shared) = self.shared() else {
            return Ok(None);
        };
        if reason == LimitReason::Quota {
            let o = shared.with(move |l| l.quota_exceeded(until, now)).await?;
            Ok(Some(o))
        } else {
            shared.with(move |l| l.hold(until, reason, now)).await?;
            Ok(None)
        }
    }

    /// The household's quota now, when there is a ledger.
    pub(crate) async fn shared_view(&mut self) -> Result<Option<SharedView>, Stop> {
        let Some(shared) = self.shared() else {
            return Ok(None);
        };
        let configured = self.requester.max_calls_per_day;
        let schedule = self.requester.schedule;
        let now = Utc::now();
        shared
            .with(move |l| l.view(configured, &schedule, now))
            .await
            .map(Some)
    }

    /// At the start of a run: this account is still part of the household, with the measured
    /// cost of its incremental sync now. A failure is logged (the last values stay).
    pub(crate) async fn rejoin_household(&mut self) {
        let Some(shared) = self.shared() else {
            return;
        };
        let cost = match self.db.read(|q| q.incremental_cost()).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(
                    "cannot read the cost of an incremental sync: {}",
                    e.describe()
                );
                return;
            }
        };
        let share = shared.share;
        let now = Utc::now();
        if let Err(e) = shared.with(move |l| l.join(share, cost, now)).await {
            tracing::warn!("{}", e.describe());
        }
    }
}
