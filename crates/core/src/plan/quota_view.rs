//! The quota side of the plan: the daily figure and where it comes from, the reserve, the
//! requests counted now and the bulk rate the ETAs use.

use super::*;
use crate::quota::{QuotaPolicy, QuotaSource};

/// The quota view at `s.now`.
pub(super) fn quota_view(s: &Snapshot) -> QuotaView {
    let sched = &s.config.schedule;
    let policy = QuotaPolicy::new(
        s.config.max_calls_per_day,
        &s.observations,
        sched,
        s.incremental_cost,
    );
    let observations = if policy.source == QuotaSource::Learned {
        s.observations
            .iter()
            .filter(|o| o.calls >= quota::MIN_OBSERVED)
            .count()
            .min(quota::OBSERVATIONS_USED) as u64
    } else {
        0
    };
    let bulk = policy.bulk_per_day();
    let assumed = QuotaPolicy::new(ASSUMED_DAILY, &[], sched, s.incremental_cost);
    let eta_policy = if policy.daily.is_some() {
        policy
    } else {
        assumed
    };
    QuotaView {
        daily: policy.daily,
        source: policy.source,
        observations,
        reserve: policy.reserve,
        history_reserve: policy.history_reserve,
        polls_per_day: sched.polls_per_day(),
        syncs_per_day: sched.syncs_per_day(),
        incremental_cost: policy.incremental_cost,
        used_24h: s.used,
        bulk_per_day: bulk,
        room_now: bulk.map(|b| b.saturating_sub(s.used)),
        eta_daily: eta_policy.daily.unwrap_or(ASSUMED_DAILY),
        eta_bulk_per_day: eta_policy.bulk_per_day().unwrap_or(1),
        eta_assumed: policy.daily.is_none(),
    }
}
