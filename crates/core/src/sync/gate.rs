//! The one gate every request passes: a hold after a 429 (window or quota, persisted by the
//! engine), the daily quota shared out by request class ([`crate::quota`]: bulk work stops at the
//! reserve, the plays poll never starves), proactive pacing over a rolling 30-second window that
//! adapts after a 429, and the exponential backoff used for transient failures. Its tally of the
//! day's requests is the usage the engine reports (no database read per request).
//!
//! Total over server input: a `Retry-After` of any size at any time gives a hold of
//! [`MIN_HOLD`]..=[`MAX_HOLD`], never an overflow; a hold never reaches more than [`MAX_HOLD`]
//! past "now", whatever was set.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::Rng;

use super::events::LimitReason;
use crate::domain::RequestClass;
use crate::quota::{Observation, QuotaPolicy, Window};

/// Spotify's rolling rate window.
pub const WINDOW: Duration = Duration::from_secs(30);
/// Wait after a 429 without `Retry-After` (doubled for each consecutive one, capped).
pub const MISSING_RETRY_AFTER: Duration = Duration::from_secs(30);
const MISSING_RETRY_AFTER_CAP: Duration = Duration::from_secs(600);
/// Retryable failures (a 5xx, a timeout, Spotify out of reach): attempts per request before
/// the phase fails (or, out of reach, the run ends).
pub const MAX_ATTEMPTS: u32 = 6;
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const BACKOFF_CAP: Duration = Duration::from_secs(20);
/// The longest hold a 429 can set, and the longest a hold is ever kept past "now": Spotify's
/// daily quota asks for up to a day. A longer `Retry-After` (or a hold read back from the
/// database) means "a day", never years.
pub const MAX_HOLD: Duration = Duration::from_secs(86_400);
/// The shortest hold after a 429: a `Retry-After: 0` (or a date in the past) would otherwise
/// send the refused request again at once, in a tight loop.
pub const MIN_HOLD: Duration = Duration::from_secs(1);
/// Margin added to pacing waits so our window and the server's do not disagree at the edge.
const PACING_MARGIN: Duration = Duration::from_millis(60);

/// The lowest limit a 429 can teach. A 429 after only a few of our requests says more about
/// other clients of the same app (or a run just before ours) than about the window's size;
/// learning "1 per 30 s" from it would crawl for the rest of the run. Holds still cover it.
const MIN_LEARNED_LIMIT: u32 = 10;

/// Pacing state of one engine.
#[derive(Debug)]
pub struct Gate {
    /// Requests we allow ourselves per window now.
    limit: u32,
    /// `requests_per_window` from the config.
    configured: u32,
    /// The highest we may creep back up to (config, or what a 429 taught us).
    ceiling: u32,
    sent: VecDeque<Instant>,
    hold: Option<(DateTime<Utc>, LimitReason)>,
    missing_streak: u32,
    last_429: Option<Instant>,
    last_raise: Instant,
    /// How the day's requests are shared out (no daily figure until one is configured or
    /// learned).
    policy: QuotaPolicy,
    /// The requests counted against the daily figure.
    day: Window,
}

impl Gate {
    pub fn new(requests_per_window: u32) -> Gate {
        let limit = requests_per_window.max(1);
        Gate {
            limit,
            configured: limit,
            ceiling: limit,
            sent: VecDeque::new(),
            hold: None,
            missing_streak: 0,
            last_429: None,
            last_raise: Instant::now(),
            policy: QuotaPolicy::new(0, &[], &Default::default(), 1),
            day: Window::default(),
        }
    }

    /// The daily policy and the requests counted so far (loaded from the database).
    pub fn set_quota(&mut self, policy: QuotaPolicy, day: Window) {
        self.policy = policy;
        self.day = day;
    }

    /// A new policy (e.g. after a `QUOTA_EXCEEDED` taught a figure); the count is kept.
    pub fn set_policy(&mut self, policy: QuotaPolicy) {
        self.policy = policy;
    }

    pub fn policy(&self) -> &QuotaPolicy {
        &self.policy
    }

    /// Requests counted against the daily figure now.
    pub fn used_today(&mut self, now: DateTime<Utc>) -> u64 {
        self.day.used(now)
    }

    /// Requests sent in the rolling 24 hours before `now` (those before the end of a quota
    /// block included): the day's usage as Spotify counts it.
    pub fn sent_today(&mut self, now: DateTime<Utc>) -> u64 {
        self.day.sent(now)
    }

    /// Whether a request of `class` may go now as far as the daily figure goes: `None`, or the
    /// hold until just enough requests have aged out of the rolling day, or, for a poll in the
    /// polls' own room, until its turn ([`Window::admit_class`]) (reason
    /// [`LimitReason::Reserve`] below `history`, [`LimitReason::Budget`] for `history`).
    pub fn admit(
        &mut self,
        class: RequestClass,
        now: DateTime<Utc>,
    ) -> Option<(DateTime<Utc>, LimitReason)> {
        let until = self.day.admit_class(&self.policy, class, now)?;
        // A day and a moment at most (a request stamped in the future by a clock that stepped
        // back must not hold longer).
        let longest = after(now, MAX_HOLD + Duration::from_secs(60));
        Some((until.min(longest), self.policy.reason(class)))
    }

    /// Count a request of `class` against the day (when it is sent).
    pub fn count_today(&mut self, class: RequestClass, now: DateTime<Utc>) {
        self.day.record_class(&self.policy, class, now);
    }

    /// `QUOTA_EXCEEDED` at `now` with a block until `until`: what we had sent before it (to
    /// persist and learn from); the count starts afresh at the block's end.
    pub fn quota_exceeded(&mut self, now: DateTime<Utc>, until: DateTime<Utc>) -> Observation {
        self.day.quota_exceeded(now, until)
    }

    /// Requests allowed per window now.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The current hold (no request before it), if any. It never ends more than [`MAX_HOLD`]
    /// after `now`, whatever was set (a hold loaded from a damaged database included).
    pub fn hold(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, LimitReason)> {
        self.hold
            .filter(|(until, _)| *until > now)
            .map(|(until, reason)| (until.min(after(now, MAX_HOLD)), reason))
    }

    /// Set a hold (e.g. loaded from the database at start).
    pub fn set_hold(&mut self, until: DateTime<Utc>, reason: LimitReason) {
        if self.hold.is_none_or(|(u, _)| until > u) {
            self.hold = Some((until, reason));
        }
    }

    pub fn clear_hold(&mut self) {
        self.hold = None;
    }

    fn prune(&mut self, now: Instant) {
        while let Some(&t) = self.sent.front() {
            if now.duration_since(t) >= WINDOW {
                self.sent.pop_front();
            } else {
                break;
            }
        }
    }

    /// How long to wait before the next request to stay within the pace (None: send now).
    pub fn pacing_delay(&mut self, now: Instant) -> Option<Duration> {
        self.prune(now);
        // Creep back up after a quiet window.
        if self.limit < self.ceiling
            && now.duration_since(self.last_raise) >= WINDOW
            && self
                .last_429
                .is_none_or(|t| now.duration_since(t) >= WINDOW)
        {
            self.limit += 1;
            self.last_raise = now;
        }
        if (self.sent.len() as u32) < self.limit {
            return None;
        }
        let oldest = *self.sent.front()?;
        let free_at = oldest + WINDOW + PACING_MARGIN;
        Some(free_at.saturating_duration_since(now))
    }

    /// A request is about to be sent.
    pub fn record_send(&mut self, now: Instant) {
        self.sent.push_back(now);
    }

    /// A request was answered: its place in the window is when it was answered, which is never
    /// earlier than when the server counted it (a loaded machine can delay a send).
    pub fn record_answered(&mut self, now: Instant) {
        if let Some(last) = self.sent.back_mut() {
            *last = now;
        }
    }

    /// A request succeeded.
    pub fn on_success(&mut self) {
        self.missing_streak = 0;
    }

    /// A 429. Returns the hold to persist (until, reason): `now` plus the `Retry-After`
    /// bounded to [`MIN_HOLD`]..=[`MAX_HOLD`], or the doubling "missing `Retry-After`" wait.
    /// Total for any duration and any time (at the very end of the calendar the hold ends
    /// there).
    pub fn on_rate_limited(
        &mut self,
        retry_after: Option<Duration>,
        quota: bool,
        now: DateTime<Utc>,
        instant: Instant,
    ) -> (DateTime<Utc>, LimitReason) {
        let wait = match retry_after {
            Some(d) => {
                self.missing_streak = 0;
                d.clamp(MIN_HOLD, MAX_HOLD)
            }
            None => {
                let d = MISSING_RETRY_AFTER
                    .saturating_mul(2u32.saturating_pow(self.missing_streak))
                    .min(MISSING_RETRY_AFTER_CAP);
                self.missing_streak = self.missing_streak.saturating_add(1);
                d
            }
        };
        let reason = if quota {
            LimitReason::Quota
        } else {
            LimitReason::Window
        };
        if !quota {
            // The window let through what we sent in the last 30 s, minus the refused one:
            // that is the server's limit; stay at it (never above).
            self.prune(instant);
            let allowed = (self.sent.len() as u32)
                .saturating_sub(1)
                .max(MIN_LEARNED_LIMIT.min(self.configured));
            self.ceiling = self.ceiling.min(allowed).max(1);
            self.limit = self.limit.min(self.ceiling);
            self.last_429 = Some(instant);
            self.last_raise = instant;
        }
        let until = after(now, wait);
        self.set_hold(until, reason);
        (until, reason)
    }
}

/// `now + d`, saturating at the last representable time instead of panicking.
fn after(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::TimeDelta::from_std(d)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Delay before retry `attempt` (1-based): exponential with full jitter, bounded.
pub fn backoff(attempt: u32) -> Duration {
    let exp = BACKOFF_BASE
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(BACKOFF_CAP);
    let ms = exp.as_millis() as u64;
    let jitter = rand::rng().random_range(ms / 2..=ms.max(1));
    Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paces_within_the_window() {
        let mut g = Gate::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(g.pacing_delay(t0), None);
            g.record_send(t0);
        }
        let d = g.pacing_delay(t0).expect("must wait");
        assert!(d >= WINDOW && d <= WINDOW + Duration::from_millis(100));
        assert_eq!(g.pacing_delay(t0 + WINDOW + Duration::from_millis(1)), None);
    }

    #[test]
    fn a_429_teaches_the_limit_and_holds() {
        let mut g = Gate::new(100);
        let t0 = Instant::now();
        for _ in 0..11 {
            g.record_send(t0);
        }
        let now = Utc::now();
        let (until, reason) = g.on_rate_limited(Some(Duration::from_secs(7)), false, now, t0);
        assert_eq!(reason, LimitReason::Window);
        assert_eq!((until - now).num_seconds(), 7);
        assert_eq!(g.limit(), 10);
        assert!(g.hold(now).is_some());
        assert!(g.hold(until).is_none());
    }

    #[test]
    fn an_early_429_does_not_teach_a_crawl() {
        let mut g = Gate::new(60);
        let t0 = Instant::now();
        g.record_send(t0);
        g.on_rate_limited(Some(Duration::from_secs(3)), false, Utc::now(), t0);
        assert_eq!(g.limit(), MIN_LEARNED_LIMIT);
        // A configured pace below the floor stays the cap.
        let mut g = Gate::new(4);
        g.record_send(t0);
        g.on_rate_limited(Some(Duration::from_secs(3)), false, Utc::now(), t0);
        assert_eq!(g.limit(), 4);
    }

    #[test]
    fn missing_retry_after_backs_off() {
        let mut g = Gate::new(10);
        let now = Utc::now();
        let t = Instant::now();
        let (u1, _) = g.on_rate_limited(None, false, now, t);
        let (u2, _) = g.on_rate_limited(None, false, now, t);
        assert_eq!((u1 - now).num_seconds(), 30);
        assert_eq!((u2 - now).num_seconds(), 60);
        let (u3, r) = g.on_rate_limited(Some(Duration::from_secs(79_892)), true, now, t);
        assert_eq!(r, LimitReason::Quota);
        assert_eq!((u3 - now).num_seconds(), 79_892);
    }

    #[test]
    fn bulk_stops_at_the_reserve_and_the_poll_goes_on_to_the_budget() {
        let mut g = Gate::new(60);
        let now = Utc::now();
        // Before any figure is known, only bulk work is limited (at the assumed quota).
        assert_eq!(g.admit(RequestClass::Enrich, now), None);
        for _ in 0..crate::quota::ASSUMED_BULK {
            g.count_today(RequestClass::Enrich, now);
        }
        assert_eq!(
            g.admit(RequestClass::Enrich, now).map(|h| h.1),
            Some(LimitReason::Reserve)
        );
        assert_eq!(g.admit(RequestClass::History, now), None);
        assert_eq!(g.admit(RequestClass::Changes, now), None);
        let policy = QuotaPolicy::new(150, &[], &crate::quota::Schedule::default(), 10);
        g.set_quota(policy, Window::default());
        for i in 0..100 {
            assert_eq!(g.admit(RequestClass::Enrich, now), None, "request {i}");
            g.count_today(RequestClass::Enrich, now);
        }
        let (until, reason) = g.admit(RequestClass::Enrich, now).expect("held");
        assert_eq!(reason, LimitReason::Reserve);
        // The first counted request ages out a day later: one frees, one may go.
        assert!(until > now + chrono::TimeDelta::hours(23));
        assert_eq!(
            g.admit(RequestClass::Mirror, now).map(|h| h.1),
            Some(LimitReason::Reserve)
        );
        // The poll still has the rest of the budget: up to the `changes` ceiling at once, then
        // its own room (24 an hour's spacing apart), then it waits for the budget.
        for _ in 100..126 {
            assert_eq!(g.admit(RequestClass::History, now), None);
            g.count_today(RequestClass::History, now);
        }
        let hour = now + chrono::TimeDelta::hours(1) + chrono::TimeDelta::seconds(1);
        assert_eq!(
            g.admit(RequestClass::History, now),
            Some((hour, LimitReason::Budget))
        );
        for i in 1..24 {
            let at = now + (hour - now) * i;
            assert_eq!(g.admit(RequestClass::History, at), None, "poll {i}");
            g.count_today(RequestClass::History, at);
        }
        assert_eq!(
            g.admit(RequestClass::History, now + chrono::TimeDelta::hours(23))
                .map(|h| h.1),
            Some(LimitReason::Budget)
        );
        assert_eq!(g.used_today(now), 149);
        // When the hold ends, the counted requests have aged out.
        assert_eq!(g.admit(RequestClass::Enrich, until), None);
        // A QUOTA_EXCEEDED observes what was counted and starts afresh at the block's end.
        let later = now + chrono::TimeDelta::days(2);
        let end = later + chrono::TimeDelta::hours(3);
        g.count_today(RequestClass::Enrich, later);
        let o = g.quota_exceeded(later, end);
        assert_eq!(o.calls, 0, "nothing counted is left after the day passed");
        assert_eq!(g.used_today(end), 0);
    }

    #[test]
    fn backoff_is_bounded() {
        for a in 1..20 {
            assert!(backoff(a) <= BACKOFF_CAP);
        }
        assert!(backoff(1) <= BACKOFF_BASE);
    }

    #[test]
    fn absurd_retry_after_holds_a_day_at_most() {
        let mut g = Gate::new(10);
        let now = Utc::now();
        let t = Instant::now();
        for d in [
            Duration::MAX,
            Duration::from_secs(u64::MAX),
            Duration::from_secs(1 << 40),
        ] {
            let (until, _) = g.on_rate_limited(Some(d), true, now, t);
            assert_eq!((until - now).to_std().unwrap(), MAX_HOLD);
        }
        // Retry-After: 0 does not make a tight loop.
        let mut g = Gate::new(10);
        let (until, _) = g.on_rate_limited(Some(Duration::ZERO), false, now, t);
        assert_eq!((until - now).to_std().unwrap(), MIN_HOLD);
        // The end of the calendar: no panic, the hold ends there.
        let (until, _) = g.on_rate_limited(
            Some(Duration::from_secs(60)),
            false,
            DateTime::<Utc>::MAX_UTC,
            t,
        );
        assert_eq!(until, DateTime::<Utc>::MAX_UTC);
        // A hold read back from a damaged database is kept to a day from now.
        let mut g = Gate::new(10);
        g.set_hold(DateTime::<Utc>::MAX_UTC, LimitReason::Quota);
        let (until, _) = g.hold(now).unwrap();
        assert_eq!((until - now).to_std().unwrap(), MAX_HOLD);
    }

    fn any_time() -> impl Strategy<Value = DateTime<Utc>> {
        (
            DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp(),
            0u32..1_000_000_000,
        )
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap_or(DateTime::<Utc>::MAX_UTC))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn on_rate_limited_is_total_and_capped(
            events in prop::collection::vec(
                (
                    prop::option::of((any::<u64>(), 0u32..1_000_000_000)),
                    any::<bool>(),
                    any_time(),
                    0u64..100_000,
                    0usize..40,
                ),
                1..12,
            ),
            configured in any::<u32>(),
        ) {
            let mut g = Gate::new(configured);
            let t0 = Instant::now();
            for (retry_after, quota, now, ms, sends) in events {
                let instant = t0 + Duration::from_millis(ms);
                for _ in 0..sends {
                    g.record_send(instant);
                }
                let retry_after = retry_after.map(|(s, n)| Duration::new(s, n));
                let (until, reason) = g.on_rate_limited(retry_after, quota, now, instant);
                prop_assert_eq!(reason == LimitReason::Quota, quota);
                prop_assert!(until >= now);
                if now < DateTime::<Utc>::MAX_UTC - chrono::TimeDelta::days(2) {
                    let wait = (until - now).to_std().unwrap_or_default();
                    prop_assert!(wait <= MAX_HOLD, "{:?}", wait);
                    prop_assert!(wait >= MIN_HOLD.min(MISSING_RETRY_AFTER));
                    let (held, _) = g.hold(now).expect("a hold after a 429");
                    prop_assert!(held <= now + chrono::TimeDelta::days(1));
                }
                prop_assert!(g.limit() >= 1);
                let _ = g.pacing_delay(instant);
            }
        }
    }
}
