//! The daily quota economy, pure: what a day of requests may be spent on.
//!
//! Spotify's Development Mode allows roughly 1,100–2,600 requests per rolling 24 hours; past it,
//! `QUOTA_EXCEEDED` refuses **every** request for hours, and Spotify keeps only the last 50
//! plays. So the day's requests are shared out by [`RequestClass`], highest priority first:
//!
//! - the daily figure is the configured `max_calls_per_day`, else the quota **learned** from
//!   Spotify's own `QUOTA_EXCEEDED` answers (the requests we had sent in the rolling 24 hours
//!   before each one: the smallest of the last [`OBSERVATIONS_USED`]), else unknown: then bulk
//!   work stops at [`ASSUMED_BULK`] a day, the lowest quota reported for Development Mode (less
//!   the polls of a household's other accounts), and
//!   the poll and incremental syncs are not limited by us (a smaller quota, e.g. one shared by
//!   several apps of the same developer account, answers `QUOTA_EXCEEDED` once, and is learned);
//! - a **reserve** sized from the daemon's schedule (one request per plays poll, a measured
//!   incremental sync per sync) and capped at [`FAIR_SHARE`] of the day, so bulk work on a small
//!   quota still progresses;
//! - each class stops at its own ceiling: `history` at the daily figure minus a small margin,
//!   `changes` at the daily figure minus the polls' share, `restore` (the writes of a
//!   restore) halfway between that and the bulk ceiling, `mirror` and `enrich` at the daily
//!   figure minus the whole reserve.
//!
//! A class at its ceiling waits for the rolling window to free just enough requests: they age
//! out one by one ([`Window::admit`]), never in a 24-hour wall. A `QUOTA_EXCEEDED` block ends
//! with a fresh count (Spotify said when to come back), so requests before the end of the last
//! block do not count.

pub mod household;

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{LimitReason, RequestClass};

/// Bulk requests a rolling day while the quota is unknown: the lowest Development Mode quota
/// reported (1,100–2,600), so a first mirror does not run into `QUOTA_EXCEEDED` — which would
/// block the plays poll for up to a day — on the common quotas.
pub const ASSUMED_BULK: u64 = 1_100;

/// The rolling period of the daily quota.
pub const DAY: TimeDelta = TimeDelta::hours(24);
/// How many of the latest `QUOTA_EXCEEDED` observations the learned quota is taken from.
pub const OBSERVATIONS_USED: usize = 5;
/// The most of a day's figure the reserve may take.
pub const FAIR_SHARE: f64 = 1.0 / 3.0;
/// Requests an incremental sync is assumed to send until runs have measured it.
pub const DEFAULT_INCREMENTAL_COST: u64 = 10;
/// The polls a day the reserve always keeps room for (when the day's cap allows): one an hour,
/// well within the 50 plays Spotify keeps.
pub const HOURLY_POLLS: u64 = 24;
/// The plays Spotify keeps (`GET /me/player/recently-played` answers no more).
pub const KEPT_PLAYS: u64 = 50;
/// The smallest observation that is believed: a `QUOTA_EXCEEDED` after a handful of our own
/// requests says more about other apps of the same developer account than about the quota.
pub const MIN_OBSERVED: u64 = 20;

/// The daemon's cadence, from which the reserve is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Between incremental syncs.
    pub every: Duration,
    /// Between listening-history polls.
    pub plays_every: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            every: Duration::from_secs(30 * 60),
            plays_every: Duration::from_secs(10 * 60),
        }
    }
}

impl Schedule {
    /// Plays polls per day (at least one).
    pub fn polls_per_day(&self) -> u64 {
        per_day(self.plays_every)
    }
    /// Incremental syncs per day (at least one).
    pub fn syncs_per_day(&self) -> u64 {
        per_day(self.every)
    }
}

fn per_day(every: Duration) -> u64 {
    let secs = every.as_secs().max(1);
    86_400u64.div_ceil(secs).max(1)
}

/// One `QUOTA_EXCEEDED` answer: when, how many requests we had sent in the counted window
/// before it (the refused one not included), and when Spotify said to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub at: DateTime<Utc>,
    pub calls: u64,
    pub resets_at: DateTime<Utc>,
}

/// Where the daily figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaSource {
    /// `max_calls_per_day` in the config, used as given.
    Configured,
    /// Learned from Spotify's `QUOTA_EXCEEDED` answers.
    Learned,
    /// Not known yet: no limit of ours until the first `QUOTA_EXCEEDED`.
    Unknown,
}

impl QuotaSource {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaSource::Configured => "configured",
            QuotaSource::Learned => "learned",
            QuotaSource::Unknown => "unknown",
        }
    }
}

/// The learned daily quota: the smallest of the latest [`OBSERVATIONS_USED`] believable
/// observations (a refusal costs hours of nothing; a low estimate costs a little speed).
pub fn learned_quota(observations: &[Observation]) -> Option<u64> {
    let mut believable: Vec<&Observation> = observations
        .iter()
        .filter(|o| o.calls >= MIN_OBSERVED)
        .collect();
    believable.sort_by_key(|o| std::cmp::Reverse(o.at));
    believable
        .iter()
        .take(OBSERVATIONS_USED)
        .map(|o| o.calls)
        .min()
}

/// The day's figure, its source, and how it is shared out between the classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaPolicy {
    /// Requests per rolling 24 hours, when known.
    pub daily: Option<u64>,
    pub source: QuotaSource,
    /// Kept for the plays polls: `changes` stops this far below the daily figure.
    pub history_reserve: u64,
    /// Kept for the plays polls and a day's incremental syncs: `mirror` and `enrich` stop this
    /// far below the daily figure.
    pub reserve: u64,
    /// Requests one incremental sync is reckoned to send.
    pub incremental_cost: u64,
    /// Bulk requests a rolling day while the daily figure is unknown: [`ASSUMED_BULK`] for one
    /// account; a household's other accounts' polls come out of it, so that everything sent
    /// stays what one account would send at the lowest reported quota.
    pub assumed_bulk: u64,
}

impl QuotaPolicy {
    /// The policy from the config's `max_calls_per_day` (0 = none), the observations so far,
    /// the daemon's schedule and the measured cost of an incremental sync.
    pub fn new(
        configured: u64,
        observations: &[Observation],
        schedule: &Schedule,
        incremental_cost: u64,
    ) -> QuotaPolicy {
        QuotaPolicy::for_accounts(configured, observations, schedule, &[incremental_cost])
    }

    /// The policy of several accounts sharing the quota (a household, see [`household`]): the
    /// reserve covers every account's plays polls and incremental syncs, one measured cost per
    /// account in `incremental_costs` (the account it is computed for first; none counts as
    /// one account of [`DEFAULT_INCREMENTAL_COST`]).
    pub fn for_accounts(
        configured: u64,
        observations: &[Observation],
        schedule: &Schedule,
        incremental_costs: &[u64],
    ) -> QuotaPolicy {
        let (daily, source) = if configured > 0 {
            (Some(configured), QuotaSource::Configured)
        } else if let Some(q) = learned_quota(observations) {
            (Some(q), QuotaSource::Learned)
        } else {
            (None, QuotaSource::Unknown)
        };
        let costs: Vec<u64> = if incremental_costs.is_empty() {
            vec![DEFAULT_INCREMENTAL_COST]
        } else {
            incremental_costs.iter().map(|&c| c.max(1)).collect()
        };
        let (history_reserve, reserve) = match daily {
            Some(d) => reserves(d, schedule, &costs),
            None => (0, 0),
        };
        let others = (costs.len() as u64).saturating_sub(1);
        let assumed_bulk = ASSUMED_BULK
            .saturating_sub(others.saturating_mul(schedule.polls_per_day()))
            .max(ASSUMED_BULK / 3);
        QuotaPolicy {
            daily,
            source,
            history_reserve,
            reserve,
            incremental_cost: costs[0],
            assumed_bulk,
        }
    }

    /// The most requests in the counted window a class may have sent before it waits; `None`
    /// for no limit of ours (the poll and incremental syncs while the quota is unknown).
    pub fn ceiling(&self, class: RequestClass) -> Option<u64> {
        let Some(d) = self.daily else {
            return matches!(
                class,
                RequestClass::Restore | RequestClass::Mirror | RequestClass::Enrich
            )
            .then_some(self.assumed_bulk);
        };
        let history = d.saturating_sub(margin(d)).max(1);
        let changes = d.saturating_sub(self.history_reserve).clamp(1, history);
        let bulk = d.saturating_sub(self.reserve).clamp(1, changes);
        Some(match class {
            RequestClass::History => history,
            RequestClass::Changes => changes,
            // Halfway between: a restore keeps the polls' share whole and half of the
            // incremental syncs' (they check the account while it is restored).
            RequestClass::Restore => {
                let syncs_share = self.reserve.saturating_sub(self.history_reserve);
                changes.saturating_sub(syncs_share / 2).clamp(bulk, changes)
            }
            RequestClass::Mirror | RequestClass::Enrich => bulk,
        })
    }

    /// How far apart polls go while the counted day is at or above the `changes` ceiling: the
    /// room between it and the `history` ceiling (R requests a rolling day) is all the polls
    /// have then, so they spend it one every `DAY / R` (and a second, the window's edge): each
    /// frees a day later at the same spacing, and there is always room for the next poll —
    /// spent at once, it would free only a day later and leave the polls starved till then.
    /// `None` without a daily figure or without such room.
    pub fn poll_spacing(&self) -> Option<TimeDelta> {
        self.poll_spacing_among(1)
    }

    /// [`QuotaPolicy::poll_spacing`] for each of `accounts` sharing the room alike (a
    /// household: each account's polls go `DAY / (R / accounts)` apart).
    pub fn poll_spacing_among(&self, accounts: u64) -> Option<TimeDelta> {
        let history = self.ceiling(RequestClass::History)?;
        let changes = self.ceiling(RequestClass::Changes)?;
        let room = history.checked_sub(changes)? / accounts.max(1);
        let room = i32::try_from(room).unwrap_or(i32::MAX);
        (room > 0).then(|| DAY / room + TimeDelta::seconds(1))
    }

    /// Requests a day that bulk work (`mirror`, `enrich`) may spend.
    pub fn bulk_per_day(&self) -> Option<u64> {
        self.ceiling(RequestClass::Mirror)
    }

    /// Why a class at its ceiling waits: the reserve for the classes below `history`, the
    /// whole budget for `history` itself.
    pub fn reason(&self, class: RequestClass) -> LimitReason {
        match class {
            RequestClass::History => LimitReason::Budget,
            _ => LimitReason::Reserve,
        }
    }
}

/// The safety margin kept under the daily figure even for the plays poll: our count and
/// Spotify's may differ by a request or two at the edges of the window.
fn margin(daily: u64) -> u64 {
    (daily / 100).max(1).min(daily.saturating_sub(1))
}

/// `(history_reserve, reserve)` for a daily figure, for as many accounts as `costs` has (each
/// polls on the schedule and syncs at its own cost).
fn reserves(daily: u64, schedule: &Schedule, costs: &[u64]) -> (u64, u64) {
    let cap = ((daily as f64) * FAIR_SHARE).floor() as u64;
    let accounts = costs.len().max(1) as u64;
    let polls = schedule.polls_per_day().saturating_mul(accounts);
    let syncs = costs.iter().fold(0u64, |sum, &cost| {
        sum.saturating_add(schedule.syncs_per_day().saturating_mul(cost))
    });
    let need = polls.saturating_add(syncs);
    let reserve = need.min(cap);
    // Capped, both needs shrink alike: the polls keep their proportion of the reserve, and the
    // incremental syncs keep room above bulk work.
    let proportional = if need == 0 {
        0
    } else {
        ((reserve as u128 * polls as u128) / need as u128) as u64
    };
    // Several accounts: their polls are most of what cannot wait (each keeps only its last 50
    // plays), so they keep their whole need up to half of a capped reserve.
    let history_reserve = if accounts > 1 {
        polls.min(proportional.max(reserve / 2))
    } else {
        proportional
    };
    // Never starved: room for one poll an hour per account (fewer if the schedule polls less
    // often) above `changes`, within the cap — a proportional share of a small day can be less
    // than that (13 of 300 at the default schedule).
    let hourly = schedule
        .polls_per_day()
        .min(HOURLY_POLLS)
        .saturating_mul(accounts)
        .saturating_add(margin(daily));
    (history_reserve.max(hourly).min(reserve), reserve)
}

/// The requests of the rolling 24 hours, and which of them count against the daily figure:
/// those that came after the end of the last `QUOTA_EXCEEDED` block.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// Every request of the rolling day, oldest first.
    sent: VecDeque<DateTime<Utc>>,
    /// Requests before this do not count against the daily figure (the end of the last quota
    /// block).
    fresh_since: Option<DateTime<Utc>>,
    /// The last poll sent into the polls' own room (the counted day at or above the `changes`
    /// ceiling): the next such poll waits [`QuotaPolicy::poll_spacing`] after it.
    paced_at: Option<DateTime<Utc>>,
}

impl Window {
    /// A window from stored usage (times of requests, any order) and the end of the last
    /// quota block.
    pub fn new(mut sent: Vec<DateTime<Utc>>, fresh_since: Option<DateTime<Utc>>) -> Window {
        sent.sort();
        Window {
            sent: sent.into(),
            fresh_since,
            paced_at: None,
        }
    }

    fn prune(&mut self, now: DateTime<Utc>) {
        let since = now
            .checked_sub_signed(DAY)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        while self.sent.front().is_some_and(|&t| t < since) {
            self.sent.pop_front();
        }
    }

    /// Where the counted requests start in `sent`.
    fn counted_from(&self) -> usize {
        self.fresh_since
            .map_or(0, |f| self.sent.partition_point(|&t| t < f))
    }

    /// Requests counted now.
    pub fn used(&mut self, now: DateTime<Utc>) -> u64 {
        self.prune(now);
        (self.sent.len() - self.counted_from()) as u64
    }

    /// Requests sent in the rolling 24 hours before `now`, counted or not.
    pub fn sent(&mut self, now: DateTime<Utc>) -> u64 {
        self.prune(now);
        self.sent.len() as u64
    }

    /// A request is sent at `at`.
    pub fn record(&mut self, at: DateTime<Utc>) {
        // Kept sorted even if the clock stepped back.
        let pos = self.sent.partition_point(|&t| t <= at);
        self.sent.insert(pos, at);
    }

    /// `QUOTA_EXCEEDED` at `now` (the refused request already recorded), block until
    /// `resets_at`: what we had sent before it, and a fresh count from the block's end.
    pub fn quota_exceeded(&mut self, now: DateTime<Utc>, resets_at: DateTime<Utc>) -> Observation {
        let calls = self.used(now).saturating_sub(1);
        self.fresh_since = Some(resets_at);
        Observation {
            at: now,
            calls,
            resets_at,
        }
    }

    /// Whether a request under `ceiling` may go now; else when it may (the moment just enough
    /// requests have aged out of the rolling day).
    pub fn admit(&mut self, ceiling: u64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let used = self.used(now);
        if used < ceiling {
            return None;
        }
        let k = self.counted_from() + (used - ceiling) as usize;
        let oldest = self.sent.get(k).copied().unwrap_or(now);
        Some(
            oldest
                .checked_add_signed(DAY + TimeDelta::seconds(1))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
                .max(now + TimeDelta::seconds(1)),
        )
    }
}

impl Window {
    /// Whether a request of `class` may go now under `policy`; else when it may: at its
    /// ceiling, when just enough requests have aged out ([`Window::admit`]); a poll that would
    /// go into the polls' own room, [`QuotaPolicy::poll_spacing`] after the previous one did.
    /// `None` for a class the policy does not limit.
    pub fn admit_class(
        &mut self,
        policy: &QuotaPolicy,
        class: RequestClass,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let ceiling = policy.ceiling(class)?;
        if let Some(until) = self.admit(ceiling, now) {
            return Some(until);
        }
        let (spacing, last) = self.pacing(policy, class, now)?;
        let next = last?.checked_add_signed(spacing)?;
        (next > now).then_some(next)
    }

    /// A request of `class` is sent at `at` ([`Window::record`]), noted as a paced poll when
    /// it went into the polls' own room.
    pub fn record_class(&mut self, policy: &QuotaPolicy, class: RequestClass, at: DateTime<Utc>) {
        if self.pacing(policy, class, at).is_some() {
            self.paced_at = Some(at);
        }
        self.record(at);
    }

    /// A household's poll of one of `accounts` at `now`, whose previous poll went at
    /// `last_poll`: at or above the `changes` ceiling, it waits
    /// [`QuotaPolicy::poll_spacing_among`] after it (the previous poll of any kind: a shared
    /// ledger keeps no other state, and waiting from it only spaces the polls a little more).
    pub fn admit_poll(
        &mut self,
        policy: &QuotaPolicy,
        accounts: u64,
        last_poll: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let spacing = policy.poll_spacing_among(accounts)?;
        let floor = policy.ceiling(RequestClass::Changes)?;
        let next = last_poll?.checked_add_signed(spacing)?;
        (self.used(now) >= floor && next > now).then_some(next)
    }

    /// For a poll at `now` that goes into the polls' own room: the spacing and the previous
    /// such poll. `None` for other classes, without a spacing, or below the `changes` ceiling.
    fn pacing(
        &mut self,
        policy: &QuotaPolicy,
        class: RequestClass,
        now: DateTime<Utc>,
    ) -> Option<(TimeDelta, Option<DateTime<Utc>>)> {
        if class != RequestClass::History {
            return None;
        }
        let spacing = policy.poll_spacing()?;
        let floor = policy.ceiling(RequestClass::Changes)?;
        (self.used(now) >= floor).then_some((spacing, self.paced_at))
    }
}

/// How long `requests` of bulk work take at `bulk_per_day`, given `room_now` requests free
/// today: `None` without a daily figure (no limit of ours: as fast as the pace allows).
pub fn eta(requests: u64, room_now: u64, bulk_per_day: Option<u64>) -> Option<Duration> {
    let per_day = bulk_per_day?.max(1);
    if requests <= room_now {
        return Some(Duration::ZERO);
    }
    let rest = requests - room_now;
    let secs = (rest as u128 * 86_400u128).div_ceil(per_day as u128);
    Some(Duration::from_secs(secs.min(u64::MAX as u128) as u64))
}

#[cfg(test)]
mod tests;
