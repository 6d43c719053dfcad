//! The policy's figures, the rolling window, the poll's pacing.

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
    // keep room for one an hour and the margin (their proportion of it, 144 of 144 + 48 × 10,
    // would be 11), the incremental syncs the rest.
    assert_eq!(p.reserve, 50);
    assert_eq!(p.history_reserve, 24 + 1);
    assert_eq!(p.ceiling(RequestClass::Enrich), Some(100));
    assert_eq!(p.ceiling(RequestClass::Mirror), Some(100));
    assert_eq!(p.ceiling(RequestClass::Changes), Some(125));
    assert_eq!(p.ceiling(RequestClass::History), Some(149));
    // A restore keeps the polls' share and half of the incremental syncs' (25 / 2).
    assert_eq!(p.ceiling(RequestClass::Restore), Some(113));
    // The polls' own room, 24 requests, is spent one an hour.
    assert_eq!(
        p.poll_spacing(),
        Some(TimeDelta::hours(1) + TimeDelta::seconds(1))
    );
    assert_eq!(p.reason(RequestClass::Restore), LimitReason::Reserve);
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
    // The polls keep room for their 24 a day above the 1 % margin (26).
    assert_eq!((p.history_reserve, p.reserve), (24 + 26, 24 + 24 * 9));
    // A poll every 2 h: room for its 12 a day.
    let rare = Schedule {
        every: Duration::from_secs(3_600),
        plays_every: Duration::from_secs(7_200),
    };
    assert_eq!(
        QuotaPolicy::new(2_600, &[], &rare, 9).history_reserve,
        12 + 26
    );
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

/// Minute by minute, `days` days of the daemon's default schedule on a small configured quota:
/// a poll every 10 min, an incremental sync of `sync_cost` requests every 30 min, and (when
/// `restore_writes`) a restore writing to its ceiling every hour, each request admitted and
/// counted by the policy's window. The longest time between polls after the first `settle`
/// hours, and the most requests the window ever held.
fn simulate_days(daily: u64, sync_cost: u64, restore_writes: bool, days: i64) -> (TimeDelta, u64) {
    let p = QuotaPolicy::new(daily, &[], &Schedule::default(), sync_cost);
    let mut w = Window::default();
    let (mut last_poll, mut longest, mut most) = (t(0), TimeDelta::zero(), 0);
    let send = |w: &mut Window, class, now| {
        let go = w.admit_class(&p, class, now).is_none();
        if go {
            w.record_class(&p, class, now);
        }
        go
    };
    for m in 0..days * 24 * 60 {
        let now = t(m);
        if m % 30 == 15 {
            for _ in 0..sync_cost {
                send(&mut w, RequestClass::Changes, now);
            }
        }
        if restore_writes && m % 60 == 45 {
            while send(&mut w, RequestClass::Restore, now) {}
        }
        if m % 10 == 0 && send(&mut w, RequestClass::History, now) {
            longest = longest.max(now - last_poll);
            last_poll = now;
        }
        most = most.max(w.used(now));
    }
    (longest, most)
}

#[test]
fn the_poll_is_never_starved_on_a_small_day() {
    // 300 a day against polls (144) and incremental syncs (48 × 19) that want far more: the
    // polls once spent their share within two hours and then waited most of a day for it to
    // age out (16 h without a poll, more than the 50 plays Spotify keeps). Paced, they go
    // about once an hour, every hour of every day, and the day never passes the ceiling.
    for restore in [false, true] {
        let (longest, most) = simulate_days(300, 19, restore, 5);
        assert!(
            longest <= TimeDelta::minutes(80),
            "restore {restore}: {longest} without a poll"
        );
        assert!(most <= 297, "restore {restore}: {most} in a day");
    }
    // A still smaller day keeps the hourly poll too.
    let (longest, most) = simulate_days(150, 10, true, 4);
    assert!(
        longest <= TimeDelta::minutes(80),
        "{longest} without a poll"
    );
    assert!(most <= 149);
}

#[test]
fn polls_go_at_once_below_the_changes_ceiling_and_paced_above_it() {
    let p = QuotaPolicy::new(300, &[], &Schedule::default(), 19);
    assert_eq!(p.ceiling(RequestClass::Changes), Some(273));
    let mut w = Window::new(vec![t(0); 272], None);
    // Below the `changes` ceiling: not paced, and not counted as paced.
    assert_eq!(w.admit_class(&p, RequestClass::History, t(1)), None);
    w.record_class(&p, RequestClass::History, t(1));
    // 273 now: the first poll in the polls' room goes, the next an hour and a second later.
    assert_eq!(w.admit_class(&p, RequestClass::History, t(2)), None);
    w.record_class(&p, RequestClass::History, t(2));
    assert_eq!(
        w.admit_class(&p, RequestClass::Changes, t(2)),
        Some(t(0) + DAY + TimeDelta::seconds(1))
    );
    let spacing = TimeDelta::hours(1) + TimeDelta::seconds(1);
    assert_eq!(
        w.admit_class(
            &p,
            RequestClass::History,
            t(2) + spacing - TimeDelta::seconds(1)
        ),
        Some(t(2) + spacing)
    );
    assert_eq!(
        w.admit_class(&p, RequestClass::History, t(2) + spacing),
        None
    );
    // Without a daily figure, nothing is paced (and the poll is not limited).
    let unknown = QuotaPolicy::new(0, &[], &Schedule::default(), 19);
    assert_eq!(unknown.poll_spacing(), None);
    assert_eq!(w.admit_class(&unknown, RequestClass::History, t(2)), None);
}

#[test]
fn a_household_poll_waits_its_share_of_the_room_after_its_previous_poll() {
    let p = QuotaPolicy::for_accounts(300, &[], &Schedule::default(), &[10, 10]);
    // Two accounts: room for 48 polls and the margin (3) above `changes`, 24 each.
    assert_eq!(p.history_reserve, 51);
    let spacing = p.poll_spacing_among(2).unwrap();
    assert_eq!(spacing, TimeDelta::hours(1) + TimeDelta::seconds(1));
    let mut w = Window::new(vec![t(0); 248], None);
    // Below the `changes` ceiling (249): no wait.
    assert_eq!(w.admit_poll(&p, 2, Some(t(5)), t(6)), None);
    w.record(t(6));
    // At it: an hour and a second after this account's previous poll; none before, none to wait.
    assert_eq!(w.admit_poll(&p, 2, Some(t(6)), t(7)), Some(t(6) + spacing));
    assert_eq!(w.admit_poll(&p, 2, Some(t(6)), t(6) + spacing), None);
    assert_eq!(w.admit_poll(&p, 2, None, t(7)), None);
    assert_eq!(p.poll_spacing_among(1_000), None);
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
    fn paced_polls_always_find_room(
        daily in 30u64..3_000,
        sync_cost in 1u64..60,
        restore in any::<bool>(),
    ) {
        let p = QuotaPolicy::new(daily, &[], &Schedule::default(), sync_cost);
        let (longest, most) = simulate_days(daily, sync_cost, restore, 2);
        // A poll goes at its first tick after its turn: never more than the spacing and a
        // tick apart, and the day never passes the polls' ceiling.
        let turn = p.poll_spacing().unwrap_or_default().max(TimeDelta::minutes(10));
        prop_assert!(longest <= turn + TimeDelta::minutes(10), "{} without a poll", longest);
        prop_assert!(Some(most) <= p.ceiling(RequestClass::History));
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
