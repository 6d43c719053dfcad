//! The gate's state from the database (the persisted hold, the daily policy, the requests
//! counted so far) and the day's usage as the gate tallies it.

use chrono::Utc;

use super::Link;
use crate::quota::{QuotaPolicy, Window};
use crate::sync::events::SyncEvent;
use crate::sync::outcome::Stop;

impl Link<'_> {
    /// Before a run: the persisted hold (one whose time has passed, or was lifted, is
    /// forgotten; a live one is kept) and the daily quota's state, as the database knows them
    /// now (another process may have sent requests since). A failure is logged, not fatal.
    pub(crate) async fn reload_limits(&mut self) {
        let now = Utc::now();
        let hold = self
            .db
            .write(move |tx| {
                let hold = tx.load_block(now)?;
                if hold.is_none() {
                    tx.clear_block(now)?;
                }
                Ok(hold)
            })
            .await;
        let gate = &mut self.requester.gate;
        match hold {
            Ok(Some((until, reason))) => gate.set_hold(until, reason),
            Ok(None) => gate.clear_hold(),
            Err(e) => tracing::warn!("cannot read the persisted hold: {}", e.describe()),
        }
        self.load_quota().await;
    }

    /// The daily policy and the requests counted so far into the gate. A failure is logged
    /// (the gate keeps what it had).
    pub(crate) async fn load_quota(&mut self) {
        match self.quota_state().await {
            Ok((policy, window)) => self.requester.gate.set_quota(policy, window),
            Err(e) => tracing::warn!("cannot read the daily quota's state: {}", e.describe()),
        }
    }

    /// The daily policy and the counted requests as the database knows them now.
    async fn quota_state(&self) -> Result<(QuotaPolicy, Window), Stop> {
        let configured = self.requester.max_calls_per_day;
        let schedule = self.requester.schedule;
        let now = Utc::now();
        self.db
            .read(move |q| q.quota_state(configured, &schedule, now))
            .await
    }

    /// Recompute the daily policy from the stored observations (after a new one); the gate's
    /// count is kept.
    pub(crate) async fn refresh_policy(&mut self) -> Result<(), Stop> {
        let (policy, _) = self.quota_state().await?;
        if policy.daily != self.requester.gate.policy().daily {
            tracing::info!(
                "daily quota now {} ({}); bulk work stops at {} to keep a reserve of {}",
                policy.daily.unwrap_or(0),
                policy.source.as_str(),
                policy.bulk_per_day().unwrap_or(0),
                policy.reserve
            );
        }
        self.requester.gate.set_policy(policy);
        Ok(())
    }

    /// Tell the front end the requests of the rolling 24 hours (the gate's tally: loaded with
    /// the quota, counted as each request is sent) against the daily figure.
    pub(crate) async fn emit_usage(&mut self) {
        let gate = &mut self.requester.gate;
        let usage = SyncEvent::ApiUsage {
            calls_24h: gate.sent_today(Utc::now()),
            budget: gate.policy().daily,
        };
        self.emit(usage).await;
    }
}
