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

use std::time::Duration;

use crate::domain::RequestClass;

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

#[cfg(test)]
mod tests {
    use super::super::{QuotaPolicy, Schedule};
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

    proptest! {
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
