//! The quota side of the plan: the daily figure and where it comes from, the reserve, the
//! requests counted now and the bulk rate the ETAs use. For an account of a household, the
//! figure, the count and the reserve are the household's, and bulk work goes at the account's
//! share of it.

use serde::{Deserialize, Serialize};

use super::*;
use crate::quota::household;
use crate::quota::{QuotaPolicy, QuotaSource};
use crate::store::ledger::SharedView;

/// What the household's ledger says about this account's part of the quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdQuota {
    /// The incremental sync's cost of every account seen lately, this one first.
    pub costs: Vec<u64>,
    /// Bulk requests this account may have counted in the rolling day (its share).
    pub allowance: u64,
    /// Its bulk requests counted now.
    pub bulk_used: u64,
    /// Requests it sent in the rolling 24 hours.
    pub own_sent: u64,
    /// Requests every account sent in the rolling 24 hours.
    pub sent: u64,
    /// Requests each account sent in the rolling 24 hours (accounts that sent some).
    pub by_account: Vec<AccountSent>,
}

/// One account's part of the household's requests in the last 24 hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSent {
    pub account: String,
    pub sent_24h: u64,
}

/// The household part of the plan's quota (`quota.household` in `plan --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdShare {
    /// Accounts sharing the quota.
    pub accounts: u64,
    /// Bulk requests a rolling day this account gets while the others have bulk work too.
    pub bulk_share_per_day: u64,
    /// This account's requests in the last 24 hours (`used_24h` is every account's).
    pub own_24h: u64,
    /// Bulk requests a day of every account together, as the ETAs count them.
    pub eta_bulk_per_day_all: u64,
    /// Bulk requests every account together may send now, as the ETAs count them.
    pub eta_room_all: u64,
    /// Each account's requests in the last 24 hours (accounts that sent some).
    #[serde(default)]
    pub by_account: Vec<AccountSent>,
}

impl Snapshot {
    /// Plan as account `account` of a household: the figure, the observations and the count
    /// are the household's (`view`, from its ledger), and so is the reserve.
    pub fn share_with(&mut self, view: &SharedView, account: &str) {
        let own = view.usage_of(account);
        self.observations = view.observations.clone();
        self.used = view.used;
        self.household = Some(HouseholdQuota {
            costs: view.members.iter().map(|m| m.incremental_cost).collect(),
            allowance: view.allowance,
            bulk_used: own.bulk,
            own_sent: own.sent,
            sent: view.sent,
            by_account: view
                .accounts
                .iter()
                .map(|a| AccountSent {
                    account: a.account.clone(),
                    sent_24h: a.sent,
                })
                .collect(),
        });
    }
}

/// The quota view at `s.now`.
pub(super) fn quota_view(s: &Snapshot) -> QuotaView {
    let sched = &s.config.schedule;
    let costs = match &s.household {
        Some(h) if !h.costs.is_empty() => h.costs.clone(),
        _ => vec![s.incremental_cost],
    };
    let policy =
        QuotaPolicy::for_accounts(s.config.max_calls_per_day, &s.observations, sched, &costs);
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
    // Whole minutes (the spacing has a second of margin at the window's edge).
    let poll_spacing_secs = policy
        .poll_spacing()
        .map(|d| (d.num_seconds().max(0) as u64) / 60 * 60)
        .filter(|&d| d > sched.plays_every.as_secs());
    let assumed = QuotaPolicy::for_accounts(ASSUMED_DAILY, &[], sched, &costs);
    let eta_policy = if policy.daily.is_some() {
        policy
    } else {
        assumed
    };
    let eta_bulk = eta_policy.bulk_per_day().unwrap_or(1);
    // In a household, bulk work goes at this account's share, and what is free now is the
    // smaller of the household's room and what is left of the share.
    let (eta_bulk_per_day, eta_room, share) = match &s.household {
        Some(h) => {
            // The share, at the rate the ETAs count with.
            let whole = bulk.unwrap_or(quota::ASSUMED_BULK).max(1) as u128;
            let per_day = ((h.allowance as u128 * eta_bulk as u128).div_ceil(whole) as u64)
                .clamp(1, eta_bulk);
            let room_all = eta_bulk.saturating_sub(s.used);
            let room = room_all.min(per_day.saturating_sub(h.bulk_used));
            let share = HouseholdShare {
                accounts: h.costs.len() as u64,
                bulk_share_per_day: h.allowance,
                own_24h: h.own_sent,
                eta_bulk_per_day_all: eta_bulk,
                eta_room_all: room_all,
                by_account: h.by_account.clone(),
            };
            (per_day, room, Some(share))
        }
        None => (eta_bulk, eta_bulk.saturating_sub(s.used), None),
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
        eta_bulk_per_day,
        eta_assumed: policy.daily.is_none(),
        eta_room,
        poll_spacing_secs,
        household: share,
    }
}

/// When each account of a household is done with its bulk work while they share the quota
/// (`plans[k]`, whose account has `shares[k]`): see [`household::bulk_etas`]. `None` for an
/// account whose plan is not a household's.
pub fn household_etas(plans: &[(&Plan, u32)]) -> Vec<Option<std::time::Duration>> {
    let Some(h) = plans.iter().find_map(|(p, _)| p.quota.household.as_ref()) else {
        return vec![None; plans.len()];
    };
    let work: Vec<(u32, u64)> = plans
        .iter()
        .map(|(p, share)| (*share, p.total.bulk_requests))
        .collect();
    household::bulk_etas(Some(h.eta_bulk_per_day_all), h.eta_room_all, &work)
}
