//! The daily quota of a household, pure: several accounts of one app (a Development Mode app
//! serves up to five) share Spotify's one daily quota and one 30-second window.
//!
//! - The reserve covers every account's plays polls and incremental syncs
//!   ([`QuotaPolicy::for_accounts`](super::QuotaPolicy::for_accounts)), so each account's poll
//!   comes before anyone's bulk work.
//! - Bulk work (`mirror`, `enrich`) is shared out by [`bulk_allowance`]: among the accounts
//!   that want some, each may have sent its share of the household's bulk ceiling in the rolling
//!   day (`[accounts.NAME] share`, 1 unless set); an account with nothing left to do takes
//!   nothing, so the others get its part. Within an account, its own order (most valuable
//!   first) goes on.
//! - In every 30-second window, bulk and incremental work leave one request per account free
//!   for the polls ([`pace_slots`]).
//! - [`bulk_etas`] says when each account's bulk work is done at that sharing.
//! - The daemon's [`cadence`]: the accounts' checks of their lists together fit the room the
//!   day leaves them. While any account has bulk work waiting, that room is the incremental
//!   syncs' part of the reserve (at least a check every six hours), and an account whose last
//!   poll found few plays is polled once an hour rather than on the schedule (Spotify keeps 50
//!   plays: an hour of them is far fewer for anyone who listens to whole songs); a heavy
//!   listener keeps the schedule.

use std::time::Duration;

use super::{DAY, QuotaPolicy, Schedule};
use crate::domain::RequestClass;

/// The longest an account waits between checks of its lists for changes while bulk work
/// waits (its own enrichment, or another account's): six hours.
pub const LONGEST_CHECK_INTERVAL: Duration = Duration::from_secs(6 * 3_600);
/// The longest between two plays polls while bulk work waits: an hour.
pub const LONGEST_POLL_INTERVAL: Duration = Duration::from_secs(3_600);
/// Plays a poll may let pile up before the next one, while bulk work waits: half of the 50
/// Spotify keeps, so a burst of short tracks still fits.
pub const PLAYS_BETWEEN_POLLS: u64 = 25;

/// One account of the household, as the shared ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub account: String,
    /// `[accounts.NAME] share` (at least 1).
    pub share: u32,
    /// Requests its incremental sync sends (measured).
    pub incremental_cost: u64,
    /// It asked for bulk work lately (see [`bulk_interest`]).
    pub wants_bulk: bool,
}

/// Whether requests of `class` are bulk work, shared out between the accounts.
pub fn is_bulk(class: RequestClass) -> bool {
    matches!(class, RequestClass::Mirror | RequestClass::Enrich)
}

/// How long an account that asked for bulk work counts as wanting more: two sync intervals
/// (a held bulk phase asks again at every sync), at least two hours. An account whose bulk
/// work is done stops asking, and its part goes to the others when this has passed.
pub fn bulk_interest(sync_every: Duration) -> Duration {
    sync_every
        .saturating_mul(2)
        .max(Duration::from_secs(2 * 3_600))
}

/// The most bulk requests `account` may have counted in the rolling day before it waits: its
/// share of `bulk_ceiling` (the household's) among the accounts that want bulk work, itself
/// included. At least one.
pub fn bulk_allowance(bulk_ceiling: u64, members: &[Member], account: &str) -> u64 {
    let own = members
        .iter()
        .find(|m| m.account == account)
        .map_or(1, |m| m.share.max(1)) as u128;
    let others: u128 = members
        .iter()
        .filter(|m| m.account != account && m.wants_bulk)
        .map(|m| m.share.max(1) as u128)
        .sum();
    let allowance = (bulk_ceiling as u128 * own).div_ceil(own + others);
    allowance.clamp(1, bulk_ceiling.max(1) as u128) as u64
}

/// Requests of `class` allowed in one 30-second window of `limit` when `accounts` share it:
/// the polls may use all of it; everything else leaves one request per account for them.
pub fn pace_slots(limit: u32, class: RequestClass, accounts: usize) -> u32 {
    if class == RequestClass::History {
        return limit.max(1);
    }
    let keep = u32::try_from(accounts).unwrap_or(u32::MAX);
    limit.saturating_sub(keep).max(1)
}

/// When each account's bulk work is done, the household's bulk work going at `bulk_per_day`
/// after `room_now` requests free now, shared by the accounts' shares (an account that is done
/// leaves its part to the others): `work[k] = (share, requests left)`. `None` without a daily
/// figure.
pub fn bulk_etas(
    bulk_per_day: Option<u64>,
    room_now: u64,
    work: &[(u32, u64)],
) -> Vec<Option<Duration>> {
    work.iter()
        .map(|&(share, left)| {
            if left == 0 {
                return Some(Duration::ZERO);
            }
            // Account k is done when every account has had `share_j / share_k × left_k`
            // requests, or all it needed: that much of the household's capacity is used then.
            let share = share.max(1) as u128;
            let used: u128 = work
                .iter()
                .map(|&(s, l)| {
                    let fair = (left as u128 * s.max(1) as u128).div_ceil(share);
                    fair.min(l as u128)
                })
                .sum();
            let used = used.min(u64::MAX as u128) as u64;
            super::eta(used, room_now, bulk_per_day)
        })
        .collect()
}

/// What an account's last plays poll found: `found` new plays over the `covered` time since
/// the poll before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastPoll {
    pub found: u64,
    pub covered: Duration,
}

/// How often the daemon serves one account of the household now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    /// Between incremental syncs.
    pub sync_every: Duration,
    /// Between plays polls.
    pub poll_every: Duration,
}

/// The daemon's cadence for `account` of the household.
///
/// Checks of the lists: the accounts' incremental syncs together fit the room the day leaves
/// them — every `DAY × Σ costs / room`, `Σ costs` every member's incremental sync — never more
/// often than the schedule and at least every [`LONGEST_CHECK_INTERVAL`]. The room is:
///
/// - while some account has bulk work waiting (another member `wants_bulk`, or `own_bulk`: its
///   own last sync left some), the incremental syncs' part of the reserve (the reserve less the
///   polls' share; none while the quota is unknown), so the rest goes to that work. An account
///   with bulk work of its own keeps the schedule: its sync resumes that work.
/// - otherwise, what the `changes` ceiling leaves after every member's polls on the schedule
///   (while the quota is unknown, [`super::ASSUMED_BULK`] stands for that ceiling: a
///   household's checks every 30 minutes would otherwise meet Spotify's quota before it is
///   known, and its block loses plays).
///
/// Polls: on the schedule, unless bulk work waits; then at the pace at which
/// [`PLAYS_BETWEEN_POLLS`] plays pile up at the rate the last poll found (`last_poll`),
/// between the schedule and [`LONGEST_POLL_INTERVAL`] — the schedule until a poll has been
/// timed, or when the last one found so many plays that some may already be gone.
pub fn cadence(
    policy: &QuotaPolicy,
    members: &[Member],
    account: &str,
    schedule: &Schedule,
    own_bulk: bool,
    last_poll: Option<LastPoll>,
) -> Cadence {
    let waiting = own_bulk || members.iter().any(|m| m.account != account && m.wants_bulk);
    let room = if waiting {
        policy.reserve.saturating_sub(policy.history_reserve)
    } else {
        let polls = schedule
            .polls_per_day()
            .saturating_mul(members.len().max(1) as u64);
        policy
            .ceiling(RequestClass::Changes)
            .unwrap_or(super::ASSUMED_BULK)
            .saturating_sub(polls)
    };
    let sync_every = if own_bulk {
        schedule.every
    } else {
        let costs: u64 = members.iter().map(|m| m.incremental_cost.max(1)).sum();
        let secs = (DAY.num_seconds().max(1) as u128 * costs.max(1) as u128)
            .checked_div(room as u128)
            .unwrap_or(u128::MAX)
            .min(u64::MAX as u128) as u64;
        Duration::from_secs(secs).clamp(
            schedule.every.min(LONGEST_CHECK_INTERVAL),
            LONGEST_CHECK_INTERVAL.max(schedule.every),
        )
    };
    let poll_every = if waiting {
        poll_every(schedule.plays_every, last_poll)
    } else {
        schedule.plays_every
    };
    Cadence {
        sync_every,
        poll_every,
    }
}

/// Between polls while bulk work waits: see [`cadence`].
fn poll_every(scheduled: Duration, last_poll: Option<LastPoll>) -> Duration {
    let longest = LONGEST_POLL_INTERVAL.max(scheduled);
    let Some(p) = last_poll.filter(|p| !p.covered.is_zero()) else {
        return scheduled;
    };
    if p.found >= super::KEPT_PLAYS {
        return scheduled;
    }
    if p.found == 0 {
        return longest;
    }
    // `PLAYS_BETWEEN_POLLS` at `found / covered`.
    let secs = p.covered.as_secs_f64() * PLAYS_BETWEEN_POLLS as f64 / p.found as f64;
    Duration::from_secs_f64(secs.min(longest.as_secs_f64())).clamp(scheduled, longest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn member(account: &str, share: u32, wants_bulk: bool) -> Member {
        Member {
            account: account.into(),
            share,
            incremental_cost: 10,
            wants_bulk,
        }
    }

    #[test]
    fn the_reserve_covers_every_accounts_polls() {
        let one = QuotaPolicy::for_accounts(1_500, &[], &Schedule::default(), &[19]);
        let three = QuotaPolicy::for_accounts(1_500, &[], &Schedule::default(), &[19, 12, 8]);
        // Capped at a third of the day either way; three accounts' polls (432) keep half of it.
        assert_eq!((one.reserve, three.reserve), (500, 500));
        assert_eq!(one.history_reserve, 68, "one account: as before");
        assert_eq!(three.history_reserve, 250);
        // On a larger quota the reserve holds every poll and every incremental sync.
        let big = QuotaPolicy::for_accounts(10_000, &[], &Schedule::default(), &[10, 10]);
        assert_eq!(big.history_reserve, 288);
        assert_eq!(big.reserve, 288 + 2 * 48 * 10);
        // The single-account constructor is the household of one.
        assert_eq!(QuotaPolicy::new(1_500, &[], &Schedule::default(), 19), one);
        // While the quota is unknown, three accounts' bulk work leaves room for the polls of
        // the two others: all of it stays what one account would send.
        let unknown = QuotaPolicy::for_accounts(0, &[], &Schedule::default(), &[19, 12, 8]);
        assert_eq!(unknown.ceiling(RequestClass::Enrich), Some(1_100 - 2 * 144));
        let five = QuotaPolicy::for_accounts(0, &[], &Schedule::default(), &[10; 5]);
        assert_eq!(five.ceiling(RequestClass::Mirror), Some(1_100 - 4 * 144));
    }

    #[test]
    fn bulk_work_is_shared_among_the_accounts_that_want_it() {
        let m = [
            member("a", 1, true),
            member("b", 1, true),
            member("c", 1, true),
        ];
        assert_eq!(bulk_allowance(1_000, &m, "a"), 334);
        // c is done: a and b split the bulk work.
        let m = [
            member("a", 1, true),
            member("b", 1, true),
            member("c", 1, false),
        ];
        assert_eq!(bulk_allowance(1_000, &m, "a"), 500);
        // Asking again makes c want some: its share comes back.
        assert_eq!(bulk_allowance(1_000, &m, "c"), 334);
        // A share of 2 gets twice the others'.
        let m = [member("a", 2, true), member("b", 1, true)];
        assert_eq!(bulk_allowance(900, &m, "a"), 600);
        assert_eq!(bulk_allowance(900, &m, "b"), 300);
        // Alone, or unknown to the ledger: everything.
        assert_eq!(bulk_allowance(900, &[], "x"), 900);
        assert_eq!(bulk_allowance(0, &m, "b"), 1);
    }

    #[test]
    fn the_polls_keep_a_request_per_account_in_every_window() {
        assert_eq!(pace_slots(60, RequestClass::History, 3), 60);
        assert_eq!(pace_slots(60, RequestClass::Enrich, 3), 57);
        assert_eq!(pace_slots(60, RequestClass::Changes, 1), 59);
        assert_eq!(pace_slots(2, RequestClass::Mirror, 5), 1);
    }

    #[test]
    fn etas_follow_the_sharing() {
        let day = 86_400;
        // 1,000 a day, nothing free now; equal shares.
        let e = bulk_etas(Some(1_000), 0, &[(1, 3_000), (1, 1_000), (1, 200)]);
        let secs: Vec<u64> = e.iter().map(|d| d.unwrap().as_secs()).collect();
        // c needs 200 while a and b take 200 each: 600 used.
        assert_eq!(secs[2], 600 * day / 1_000);
        // b: 1,000 each for a and b, 200 for c.
        assert_eq!(secs[1], 2_200 * day / 1_000);
        // a: everything.
        assert_eq!(secs[0], 4_200 * day / 1_000);
        let shared = bulk_etas(Some(1_000), 0, &[(2, 1_000), (1, 1_000)]);
        assert_eq!(shared[0].unwrap().as_secs(), 1_500 * day / 1_000);
        assert_eq!(shared[1].unwrap().as_secs(), 2_000 * day / 1_000);
        assert_eq!(bulk_etas(None, 0, &[(1, 5)]), [None]);
        assert_eq!(bulk_etas(Some(10), 0, &[(1, 0)]), [Some(Duration::ZERO)]);
    }

    fn member_costing(account: &str, cost: u64, wants_bulk: bool) -> Member {
        Member {
            incremental_cost: cost,
            ..member(account, 1, wants_bulk)
        }
    }

    #[test]
    fn without_bulk_work_the_checks_fit_what_the_polls_leave() {
        let s = Schedule::default();
        let policy = QuotaPolicy::for_accounts(1_500, &[], &s, &[10, 19, 7]);
        let m = [
            member_costing("a", 10, false),
            member_costing("b", 19, false),
        ];
        let few = Some(LastPoll {
            found: 1,
            covered: Duration::from_secs(600),
        });
        let c = cadence(&policy, &m, "a", &s, false, few);
        // `changes` stops at 1,250; two accounts' polls take 288 of it: 29 requests a round.
        assert_eq!(policy.ceiling(RequestClass::Changes), Some(1_250));
        assert_eq!(c.sync_every, Duration::from_secs(86_400 * 29 / 962));
        // Polls keep the schedule while no bulk work waits.
        assert_eq!(c.poll_every, s.plays_every);
        // Unknown quota: the lowest reported stands for the ceiling.
        let unknown = QuotaPolicy::for_accounts(0, &[], &s, &[10, 19]);
        let u = cadence(&unknown, &m, "a", &s, false, few);
        assert_eq!(
            u.sync_every,
            Duration::from_secs(86_400 * 29 / (1_100 - 288))
        );
        // Room enough: the schedule.
        let big = QuotaPolicy::for_accounts(20_000, &[], &s, &[10, 19]);
        assert_eq!(cadence(&big, &m, "a", &s, false, few).sync_every, s.every);
        // A single account on the lowest quota keeps its schedule.
        let one = QuotaPolicy::for_accounts(0, &[], &s, &[19]);
        let alone = [member_costing("a", 19, false)];
        assert_eq!(
            cadence(&one, &alone, "a", &s, false, few).sync_every,
            s.every
        );
    }

    #[test]
    fn what_can_wait_yields_while_an_account_mirrors() {
        let s = Schedule::default();
        let policy = QuotaPolicy::for_accounts(1_500, &[], &s, &[10, 19, 7]);
        // Reserve 500, the polls' share 250: the checks share 250 a day, 36 requests a round.
        assert_eq!(policy.reserve - policy.history_reserve, 250);
        let m = [
            member_costing("a", 10, false),
            member_costing("b", 19, true),
            member_costing("c", 7, false),
        ];
        let a = cadence(&policy, &m, "a", &s, false, None);
        assert_eq!(a.sync_every, Duration::from_secs(86_400 * 36 / 250));
        // Until a poll is timed, the schedule.
        assert_eq!(a.poll_every, s.plays_every);
        // The account that mirrors keeps its schedule: its sync resumes the mirror.
        assert_eq!(
            cadence(&policy, &m, "b", &s, true, None).sync_every,
            s.every
        );
        // The ledger remembers b's interest a while after its mirror ended: its own word counts,
        // and no other account waits: the checks share what the polls leave of `changes`.
        assert_eq!(
            cadence(&policy, &m, "b", &s, false, None).sync_every,
            Duration::from_secs(86_400 * 36 / (1_250 - 3 * 144)),
            "no other account waits"
        );
        let done = [member_costing("a", 10, true), member_costing("b", 19, true)];
        assert_eq!(
            cadence(&policy, &done, "b", &s, false, None).sync_every,
            Duration::from_secs(86_400 * 29 / 250)
        );
        // Unknown quota (no reserve to share): the longest interval.
        let unknown = QuotaPolicy::for_accounts(0, &[], &s, &[10, 19, 7]);
        let u = cadence(&unknown, &m, "c", &s, false, None);
        assert_eq!(u.sync_every, LONGEST_CHECK_INTERVAL);
        // A large quota: the schedule, never more often.
        let big = QuotaPolicy::for_accounts(20_000, &[], &s, &[10, 19, 7]);
        assert_eq!(cadence(&big, &m, "a", &s, false, None).sync_every, s.every);
    }

    #[test]
    fn polls_follow_the_listening_while_an_account_mirrors() {
        let s = Schedule::default();
        let policy = QuotaPolicy::for_accounts(1_500, &[], &s, &[10, 19]);
        let m = [
            member_costing("a", 10, true),
            member_costing("b", 19, false),
        ];
        let every = |found: u64, mins: u64| {
            let p = LastPoll {
                found,
                covered: Duration::from_secs(mins * 60),
            };
            cadence(&policy, &m, "b", &s, false, Some(p)).poll_every
        };
        // Nothing played, or a few songs an hour: once an hour.
        assert_eq!(every(0, 10), LONGEST_POLL_INTERVAL);
        assert_eq!(every(4, 60), LONGEST_POLL_INTERVAL);
        // 25 plays pile up in 50 minutes at 30 an hour.
        assert_eq!(every(5, 10), Duration::from_secs(50 * 60));
        // A burst of skips: the schedule.
        assert_eq!(every(40, 10), s.plays_every);
        assert_eq!(every(50, 60), s.plays_every);
        // A schedule slower than an hour is kept.
        let slow = Schedule {
            plays_every: Duration::from_secs(7_200),
            ..s
        };
        let p = LastPoll {
            found: 0,
            covered: Duration::from_secs(7_200),
        };
        assert_eq!(
            cadence(&policy, &m, "b", &slow, false, Some(p)).poll_every,
            slow.plays_every
        );
    }

    proptest! {
        #[test]
        fn a_cadence_is_within_its_bounds(
            daily in 0u64..5_000,
            costs in prop::collection::vec((1u64..100, any::<bool>()), 1..6),
            every in 1u64..100_000,
            plays_every in 1u64..10_000,
            found in 0u64..200,
            covered in 0u64..100_000,
            own in any::<bool>(),
        ) {
            let s = Schedule {
                every: Duration::from_secs(every),
                plays_every: Duration::from_secs(plays_every),
            };
            let c: Vec<u64> = costs.iter().map(|c| c.0).collect();
            let policy = QuotaPolicy::for_accounts(daily, &[], &s, &c);
            let members: Vec<Member> = costs
                .iter()
                .enumerate()
                .map(|(i, &(cost, w))| member_costing(&format!("a{i}"), cost, w))
                .collect();
            let p = LastPoll { found, covered: Duration::from_secs(covered) };
            let cad = cadence(&policy, &members, "a0", &s, own, Some(p));
            prop_assert!(cad.sync_every >= s.every.min(LONGEST_CHECK_INTERVAL));
            prop_assert!(cad.sync_every <= s.every.max(LONGEST_CHECK_INTERVAL));
            prop_assert!(cad.poll_every >= s.plays_every);
            prop_assert!(cad.poll_every <= s.plays_every.max(LONGEST_POLL_INTERVAL));
        }


        #[test]
        fn allowances_never_sum_past_the_ceiling_by_more_than_rounding(
            ceiling in 0u64..100_000,
            shares in prop::collection::vec((1u32..=100, any::<bool>()), 1..6),
        ) {
            let members: Vec<Member> = shares
                .iter()
                .enumerate()
                .map(|(i, &(s, w))| member(&format!("a{i}"), s, w))
                .collect();
            let wanting: Vec<&Member> = members.iter().filter(|m| m.wants_bulk).collect();
            let sum: u64 = wanting
                .iter()
                .map(|m| bulk_allowance(ceiling, &members, &m.account))
                .sum();
            prop_assert!(sum <= ceiling.max(1) + wanting.len() as u64);
            for m in &members {
                let a = bulk_allowance(ceiling, &members, &m.account);
                prop_assert!(a >= 1 && a <= ceiling.max(1));
            }
        }

        #[test]
        fn the_last_account_done_is_the_whole_work_at_the_rate(
            work in prop::collection::vec((1u32..=5, 0u64..10_000), 1..6),
            per_day in 1u64..5_000,
        ) {
            let etas = bulk_etas(Some(per_day), 0, &work);
            let total: u64 = work.iter().map(|w| w.1).sum();
            let last = etas.iter().map(|e| e.unwrap()).max().unwrap();
            prop_assert_eq!(last, super::super::eta(total, 0, Some(per_day)).unwrap());
        }
    }
}
