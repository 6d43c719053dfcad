//! The daily quota economy, pure: what a day of requests may be spent on.
//!
//! Spotify's Development Mode allows roughly 1,100–2,600 requests per rolling 24 hours; past it,
//! `QUOTA_EXCEEDED` refuses **every** request for hours, and Spotify keeps only the last 50
//! plays. So the day's requests are shared out by [`RequestClass`], highest priority first:
//!
//! - the daily figure is the configured `max_calls_per_day`, else the quota **learned** from
//!   Spotify's own `QUOTA_EXCEEDED` answers (the requests we had sent in the rolling 24 hours
//!   before each one: the smallest of the last [`OBSERVATIONS_USED`]), else unknown: then bulk
//!   work stops at [`ASSUMED_BULK`] a day, the lowest quota reported for Development Mode, and
//!   the poll and incremental syncs are not limited by us (a smaller quota, e.g. one shared by
//!   several apps of the same developer account, answers `QUOTA_EXCEEDED` once, and is learned);
//! - a **reserve** sized from the daemon's schedule (one request per plays poll, a measured
//!   incremental sync per sync) and capped at [`FAIR_SHARE`] of the day, so bulk work on a small
//!   quota still progresses;
//! - each class stops at its own ceiling: `history` at the daily figure minus a small margin,
//!   `changes` at the daily figure minus the polls' share, `mirror` and `enrich` at the daily
//!   figure minus the whole reserve.
//!
//! A class at its ceiling waits for the rolling window to free just enough requests: they age
//! out one by one ([`Window::admit`]), never in a 24-hour wall. A `QUOTA_EXCEEDED` block ends
//! with a fresh count (Spotify said when to come back), so requests before the end of the last
//! block do not count.

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
        let (daily, source) = if configured > 0 {
            (Some(configured), QuotaSource::Configured)
        } else if let Some(q) = learned_quota(observations) {
            (Some(q), QuotaSource::Learned)
        } else {
            (None, QuotaSource::Unknown)
        };
        let incremental_cost = incremental_cost.max(1);
        let (history_reserve, reserve) = match daily {
            Some(d) => reserves(d, schedule, incremental_cost),
            None => (0, 0),
        };
        QuotaPolicy {
            daily,
            source,
            history_reserve,
            reserve,
            incremental_cost,
        }
    }

    /// The most requests in the counted window a class may have sent before it waits; `None`
    /// for no limit of ours (the poll and incremental syncs while the quota is unknown).
    pub fn ceiling(&self, class: RequestClass) -> Option<u64> {
        let Some(d) = self.daily else {
            return matches!(class, RequestClass::Mirror | RequestClass::Enrich)
                .then_some(ASSUMED_BULK);
        };
        let history = d.saturating_sub(margin(d)).max(1);
        let changes = d.saturating_sub(self.history_reserve).clamp(1, history);
        Some(match class {
            RequestClass::History => history,
            RequestClass::Changes => changes,
            RequestClass::Mirror | RequestClass::Enrich => {
                d.saturating_sub(self.reserve).clamp(1, changes)
            }
        })
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

/// `(history_reserve, reserve)` for a daily figure.
fn reserves(daily: u64, schedule: &Schedule, incremental_cost: u64) -> (u64, u64) {
    let cap = ((daily as f64) * FAIR_SHARE).floor() as u64;
    let polls = schedule.polls_per_day();
    let syncs = schedule.syncs_per_day().saturating_mul(incremental_cost);
    let need = polls.saturating_add(syncs);
    let reserve = need.min(cap);
    // Capped, both needs shrink alike: the polls keep their proportion of the reserve, and the
    // incremental syncs keep room above bulk work.
    let history_reserve = if need == 0 {
        0
    } else {
        ((reserve as u128 * polls as u128) / need as u128) as u64
    };
    (history_reserve.min(reserve), reserve)
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
}

impl Window {
    /// A window from stored usage (times of requests, any order) and the end of the last
    /// quota block.
    pub fn new(mut sent: Vec<DateTime<Utc>>, fresh_since: Option<DateTime<Utc>>) -> Window {
        sent.sort();
        Window {
            sent: sent.into(),
            fresh_since,
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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(mins: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + TimeDelta::minutes(mins)
    }

    fn obs(at: i64, calls: u64) -> Observation {
        Observation {
            at: t(at),
            calls,
            resets_at: t(at + 600),
        }
    }

    #[test]
    fn the_configured_budget_is_used_as_given() {
        let p = QuotaPolicy::new(150, &[obs(0, 2_000)], &Schedule::default(), 10);
        assert_eq!((p.daily, p.source), (Some(150), QuotaSource::Configured));
        // A small budget: the reserve is a fair share, so bulk work still progresses; the polls
        // keep their proportion of it (144 of 144 + 48 × 10), the incremental syncs the rest.
        assert_eq!(p.reserve, 50);
        assert_eq!(p.history_reserve, 11);
        assert_eq!(p.ceiling(RequestClass::Enrich), Some(100));
        assert_eq!(p.ceiling(RequestClass::Mirror), Some(100));
        assert_eq!(p.ceiling(RequestClass::Changes), Some(139));
        assert_eq!(p.ceiling(RequestClass::History), Some(149));
    }

    #[test]
    fn the_reserve_follows_the_schedule_on_a_large_quota() {
        let p = QuotaPolicy::new(2_600, &[], &Schedule::default(), 9);
        // 144 polls + 48 syncs × 9 requests.
        assert_eq!(p.history_reserve, 144);
        assert_eq!(p.reserve, 144 + 48 * 9);
        assert_eq!(p.ceiling(RequestClass::Changes), Some(2_600 - 144));
        assert_eq!(p.ceiling(RequestClass::Enrich), Some(2_600 - 576));
        // An hourly daemon needs less.
        let hourly = Schedule {
            every: Duration::from_secs(3_600),
            plays_every: Duration::from_secs(3_600),
        };
        let p = QuotaPolicy::new(2_600, &[], &hourly, 9);
        assert_eq!((p.history_reserve, p.reserve), (24, 24 + 24 * 9));
    }

    #[test]
    fn the_quota_is_learned_from_the_latest_observations() {
        let p = QuotaPolicy::new(0, &[], &Schedule::default(), 10);
        assert_eq!((p.daily, p.source), (None, QuotaSource::Unknown));
        // Unknown: bulk work keeps to the lowest reported quota; the rest is not limited by us.
        assert_eq!(p.ceiling(RequestClass::Enrich), Some(ASSUMED_BULK));
        assert_eq!(p.ceiling(RequestClass::Mirror), Some(ASSUMED_BULK));
        assert_eq!(p.ceiling(RequestClass::Changes), None);
        assert_eq!(p.ceiling(RequestClass::History), None);
        // The smallest of the latest five; older ones and unbelievably small ones are ignored.
        let o = [
            obs(0, 900),
            obs(10, 5),
            obs(20, 1_800),
            obs(30, 1_700),
            obs(40, 2_000),
            obs(50, 1_900),
            obs(60, 1_750),
        ];
        let p = QuotaPolicy::new(0, &o, &Schedule::default(), 10);
        assert_eq!((p.daily, p.source), (Some(1_700), QuotaSource::Learned));
        assert_eq!(learned_quota(&[obs(0, 3)]), None);
    }

    #[test]
    fn a_class_at_its_ceiling_waits_for_requests_to_age_out_one_by_one() {
        let mut w = Window::new((0..10).map(t).collect(), None);
        assert_eq!(w.admit(11, t(10)), None);
        // At 10 used and a ceiling of 10, the oldest must leave: a day after t(0).
        assert_eq!(w.admit(10, t(10)), Some(t(0) + DAY + TimeDelta::seconds(1)));
        // A ceiling of 8 needs three to leave: the third oldest.
        assert_eq!(w.admit(8, t(10)), Some(t(2) + DAY + TimeDelta::seconds(1)));
        // A day later they have aged out.
        assert_eq!(w.admit(8, t(2) + DAY + TimeDelta::seconds(1)), None);
    }

    #[test]
    fn a_quota_block_observes_what_was_sent_and_starts_the_count_afresh() {
        let mut w = Window::new((0..1_001).map(|i| t(i / 10)).collect(), None);
        let o = w.quota_exceeded(t(100), t(700));
        assert_eq!(o.calls, 1_000);
        assert_eq!(o.resets_at, t(700));
        assert_eq!(w.used(t(701)), 0);
        // They were still sent: the day's usage keeps them until they age out.
        assert_eq!(w.sent(t(701)), 1_001);
        w.record(t(702));
        assert_eq!((w.used(t(702)), w.sent(t(702))), (1, 1_002));
        assert_eq!(w.sent(t(100) + DAY), 2);
        // Requests before the block's end never count again, even if stored ones are loaded;
        // a class at its ceiling waits for the counted ones to age out, not the others.
        let mut w = Window::new((0..50).map(t).collect(), Some(t(30)));
        assert_eq!((w.used(t(60)), w.sent(t(60))), (20, 50));
        assert_eq!(
            w.admit(20, t(60)),
            Some(t(30) + DAY + TimeDelta::seconds(1))
        );
    }

    #[test]
    fn eta_in_days_of_bulk_work() {
        assert_eq!(eta(100, 0, None), None);
        assert_eq!(eta(100, 200, Some(1_000)), Some(Duration::ZERO));
        assert_eq!(eta(2_140, 0, Some(1_800)).unwrap().as_secs(), 102_720);
        assert_eq!(
            eta(u64::MAX, 0, Some(1)).unwrap(),
            Duration::from_secs(u64::MAX)
        );
    }

    proptest! {
        #[test]
        fn ceilings_are_ordered_by_priority_and_bulk_keeps_progressing(
            configured in 0u64..100_000,
            every in 1u64..100_000,
            plays_every in 1u64..100_000,
            cost in 0u64..10_000,
            observed in prop::collection::vec(0u64..100_000, 0..8),
        ) {
            let schedule = Schedule {
                every: Duration::from_secs(every),
                plays_every: Duration::from_secs(plays_every),
            };
            let o: Vec<Observation> = observed.iter().enumerate().map(|(i, &c)| obs(i as i64, c)).collect();
            let p = QuotaPolicy::new(configured, &o, &schedule, cost);
            if let Some(d) = p.daily {
                let c: Vec<u64> = RequestClass::ALL.iter().map(|&k| p.ceiling(k).unwrap()).collect();
                prop_assert!(c.windows(2).all(|w| w[0] >= w[1]), "{:?}", c);
                prop_assert!(c[0] <= d.max(1));
                prop_assert!(c.iter().all(|&x| x >= 1));
                // Bulk work keeps at least two thirds of the day (less only for tiny figures).
                prop_assert!(p.reserve as f64 <= d as f64 * FAIR_SHARE + 1.0);
                prop_assert!(p.history_reserve <= p.reserve);
            } else {
                prop_assert_eq!(p.ceiling(RequestClass::History), None);
                prop_assert_eq!(p.ceiling(RequestClass::Enrich), Some(ASSUMED_BULK));
            }
        }

        #[test]
        fn admit_never_lets_a_class_past_its_ceiling(
            sends in prop::collection::vec(0i64..5_000, 0..300),
            ceiling in 1u64..200,
            now in 0i64..5_000,
        ) {
            let mut w = Window::new(sends.iter().map(|&m| t(m)).collect(), None);
            let now = t(now);
            match w.admit(ceiling, now) {
                None => prop_assert!(w.used(now) < ceiling),
                Some(at) => {
                    prop_assert!(at > now);
                    // At that time, the class has room; a second earlier it had not.
                    let mut later = w.clone();
                    prop_assert!(later.used(at) < ceiling);
                    let mut before = w.clone();
                    prop_assert!(before.used(at - TimeDelta::seconds(2)) >= ceiling || at == now + TimeDelta::seconds(1));
                }
            }
        }
    }
}
