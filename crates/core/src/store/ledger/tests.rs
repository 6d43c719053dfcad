//! The ledger: admissions across connections (as across processes), holds, observations, shares,
//! the shared pace, and accounts joining with what their databases know.

use std::sync::{Arc, Barrier};

use chrono::TimeZone;

use super::*;
use crate::domain::{Phase, RunKind};
use crate::store::Store;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap() + TimeDelta::seconds(secs)
}

fn settings(configured: u64) -> AdmitSettings {
    AdmitSettings {
        configured,
        schedule: Schedule::default(),
        pace_limit: 1_000_000,
    }
}

fn open(dir: &Path, account: &str) -> Ledger {
    Ledger::open(&dir.join("spotsync-quota.db"), "app", account).unwrap()
}

/// Two processes admitting requests at once never let more through than the class's ceiling
/// allows the household: each admission sees the other's requests.
#[test]
fn two_processes_never_overspend_together() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        let mut l = open(dir.path(), name);
        l.join(1, 10, at(0)).unwrap();
    }
    let budget = 150;
    let policy = QuotaPolicy::for_accounts(budget, &[], &Schedule::default(), &[10, 10]);
    // At one instant the polls go up to the `changes` ceiling: past it, each account's poll
    // waits its turn after its previous one (the polls' own room is paced).
    let changes = policy.ceiling(RequestClass::Changes).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let dir = dir.path().to_owned();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut l = open(&dir, name);
                barrier.wait();
                let mut went = 0u64;
                for i in 0..400 {
                    // A request takes a while: the other process gets its turns.
                    std::thread::sleep(Duration::from_micros(300));
                    let class = if i % 3 == 2 {
                        RequestClass::History
                    } else {
                        RequestClass::Enrich
                    };
                    if l.admit(class, &settings(budget), at(1)).unwrap() == Admission::Go {
                        went += 1;
                    }
                }
                went
            })
        })
        .collect();
    let went: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(
        went, changes,
        "the polls used the budget to the changes ceiling, never past it"
    );
    let mut l = open(dir.path(), "a");
    let v = l.view(budget, &Schedule::default(), at(2)).unwrap();
    assert_eq!(v.sent, went);
    assert_eq!(v.accounts.iter().map(|a| a.sent).sum::<u64>(), went);
    // Bulk work stopped at the household's bulk ceiling, neither account past its half.
    let bulk: u64 = v.accounts.iter().map(|a| a.bulk).sum();
    assert!(bulk > 0 && bulk <= policy.bulk_per_day().unwrap(), "{bulk}");
    assert_eq!(v.accounts.len(), 2, "{:?}", v.accounts);
    for a in &v.accounts {
        assert!(a.bulk <= policy.bulk_per_day().unwrap() / 2, "{a:?}");
    }
}

#[test]
fn a_hold_seen_by_one_account_holds_every_account() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path(), "a");
    let mut b = open(dir.path(), "b");
    for _ in 0..30 {
        assert_eq!(
            a.admit(RequestClass::Changes, &settings(0), at(0)).unwrap(),
            Admission::Go
        );
    }
    assert_eq!(
        b.admit(RequestClass::Changes, &settings(0), at(0)).unwrap(),
        Admission::Go
    );
    // b's request is refused with QUOTA_EXCEEDED: what the household had sent before it.
    let o = b.quota_exceeded(at(3_600), at(1)).unwrap();
    assert_eq!(o.calls, 30);
    for (l, class) in [
        (&mut a, RequestClass::History),
        (&mut b, RequestClass::Enrich),
    ] {
        assert_eq!(
            l.admit(class, &settings(0), at(2)).unwrap(),
            Admission::Hold {
                until: at(3_600),
                reason: LimitReason::Quota
            }
        );
    }
    // A shorter hold does not shorten it.
    a.hold(at(60), LimitReason::Window, at(3)).unwrap();
    assert!(matches!(
        a.admit(RequestClass::History, &settings(0), at(100)).unwrap(),
        Admission::Hold { until, .. } if until == at(3_600)
    ));
    // After the block the figure is the household's, and the count starts afresh.
    let v = a.view(0, &Schedule::default(), at(3_601)).unwrap();
    assert_eq!(v.policy.daily, Some(30));
    assert_eq!(v.used, 0);
    assert_eq!(v.sent, 31);
    assert_eq!(
        a.admit(RequestClass::History, &settings(0), at(3_601))
            .unwrap(),
        Admission::Go
    );
}

#[test]
fn an_account_at_its_share_waits_while_the_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path(), "a");
    let mut b = open(dir.path(), "b");
    a.join(2, 10, at(0)).unwrap();
    b.join(1, 10, at(0)).unwrap();
    // 300 a day of bulk work: b asks once, then a takes its two thirds.
    let budget = 450;
    let policy = QuotaPolicy::for_accounts(budget, &[], &Schedule::default(), &[10, 10]);
    assert_eq!(policy.bulk_per_day(), Some(300));
    assert_eq!(
        b.admit(RequestClass::Mirror, &settings(budget), at(0))
            .unwrap(),
        Admission::Go
    );
    let mut a_went = 0;
    while a
        .admit(RequestClass::Enrich, &settings(budget), at(1))
        .unwrap()
        == Admission::Go
    {
        a_went += 1;
    }
    assert_eq!(a_went, 200);
    assert!(matches!(
        a.admit(RequestClass::Enrich, &settings(budget), at(1)).unwrap(),
        Admission::Hold { reason: LimitReason::Reserve, until } if until > at(86_400)
    ));
    // b goes on to its third; a's polls are not held by the shares.
    let mut b_went = 1;
    while b
        .admit(RequestClass::Mirror, &settings(budget), at(2))
        .unwrap()
        == Admission::Go
    {
        b_went += 1;
    }
    assert_eq!(b_went, 100);
    assert_eq!(
        a.admit(RequestClass::History, &settings(budget), at(3))
            .unwrap(),
        Admission::Go
    );
    // Once b has stopped asking (its work is done), a may have all of it.
    let later = at(3 * 3_600);
    let v = a.view(budget, &Schedule::default(), later).unwrap();
    assert_eq!(v.allowance, 300);
}

#[test]
fn the_shared_pace_keeps_a_slot_per_account_for_the_polls() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path(), "a");
    let mut b = open(dir.path(), "b");
    a.join(1, 10, at(0)).unwrap();
    b.join(1, 10, at(0)).unwrap();
    let paced = AdmitSettings {
        pace_limit: 10,
        ..settings(0)
    };
    let mut went = 0;
    while a.admit(RequestClass::Enrich, &paced, at(0)).unwrap() == Admission::Go {
        went += 1;
    }
    assert_eq!(went, 8, "bulk work leaves one request per account");
    for l in [&mut a, &mut b] {
        assert_eq!(
            l.admit(RequestClass::History, &paced, at(1)).unwrap(),
            Admission::Go
        );
    }
    match b.admit(RequestClass::History, &paced, at(2)).unwrap() {
        Admission::Pace(wait) => assert!(
            wait > Duration::from_secs(27) && wait <= Duration::from_secs(29),
            "{wait:?}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_account_joins_with_what_its_database_knows_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spotsync.db");
    let now = Utc::now();
    {
        let mut s = Store::open(&db).unwrap();
        s.transaction(|tx| {
            let run = tx.create_run(RunKind::Full, &[Phase::Tracks], now)?;
            for _ in 0..40 {
                tx.record_call(Some(run), now - TimeDelta::minutes(5))?;
            }
            tx.record_quota_observation(&Observation {
                at: now - TimeDelta::hours(1),
                calls: 900,
                resets_at: now - TimeDelta::minutes(10),
            })?;
            tx.save_block(
                now + TimeDelta::hours(2),
                LimitReason::Quota,
                None,
                None,
                now,
            )
        })
        .unwrap();
    }
    let mut l = open(dir.path(), "b");
    l.enroll("a", 3, &db, now).unwrap();
    let v = l.view(0, &Schedule::default(), now).unwrap();
    assert_eq!(v.policy.daily, Some(900));
    assert_eq!(v.usage_of("a").sent, 40);
    assert_eq!(v.hold.map(|h| h.1), Some(LimitReason::Quota));
    assert_eq!(
        v.members.iter().find(|m| m.account == "a").unwrap().share,
        3
    );
    // Again: the share is updated, nothing is brought in twice.
    l.enroll("a", 2, &db, now).unwrap();
    let v = l.view(0, &Schedule::default(), now).unwrap();
    assert_eq!(v.usage_of("a").sent, 40);
    assert_eq!(v.observations.len(), 1);
    assert_eq!(
        v.members.iter().find(|m| m.account == "a").unwrap().share,
        2
    );
    // An account without a database yet joins with nothing to bring.
    l.enroll("c", 1, &dir.path().join("none.db"), now).unwrap();
    assert!(!dir.path().join("none.db").exists());
}

#[test]
fn a_file_that_is_not_a_ledger_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("library.db");
    drop(Store::open(&db).unwrap());
    let before = std::fs::read(&db).unwrap();
    let e = Ledger::open(&db, "app", "a").unwrap_err().to_string();
    assert!(e.contains("not spotsync's quota ledger"), "{e}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    assert!(Ledger::open(&text, "app", "a").is_err());
}

/// Bulk work held at the household's ceiling still counts as waiting (the others' cadence
/// yields to it), and an account whose mirror is done says so at once.
#[test]
fn bulk_work_held_at_the_ceiling_still_waits_until_it_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path(), "a");
    a.join(1, 10, at(0)).unwrap();
    let mut b = open(dir.path(), "b");
    b.join(1, 10, at(0)).unwrap();
    let wants = |l: &mut Ledger, now| {
        let v = l.view(150, &Schedule::default(), now).unwrap();
        v.members
            .iter()
            .find(|m| m.account == "b")
            .is_some_and(|m| m.wants_bulk)
    };
    // a fills the household's bulk ceiling (a's share is all of it while b wants none).
    let mut i = 0;
    while a
        .admit(RequestClass::Enrich, &settings(150), at(i))
        .unwrap()
        == Admission::Go
    {
        i += 1;
    }
    assert!(!wants(&mut a, at(i)));
    // b asks at the ceiling: held, and waiting.
    let later = at(i + 3_600);
    let held = b
        .admit(RequestClass::Mirror, &settings(150), later)
        .unwrap();
    assert!(matches!(held, Admission::Hold { .. }), "{held:?}");
    assert!(wants(&mut a, later), "b's held bulk work counts as waiting");
    b.bulk_done(later).unwrap();
    assert!(!wants(&mut a, later), "b said its mirror is done");
}

/// A daemon joins the household once and serves for weeks: an account that keeps sending
/// stays a member (its polls in the reserve, its bulk work in the shares) long after it joined.
#[test]
fn an_account_that_keeps_sending_stays_a_member() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path(), "a");
    a.join(1, 10, at(0)).unwrap();
    let mut b = open(dir.path(), "b");
    b.join(1, 10, at(0)).unwrap();
    let later = at(0) + MEMBER_TTL + TimeDelta::days(1);
    let members = |l: &mut Ledger, now| {
        let v = l.view(1_500, &Schedule::default(), now).unwrap();
        v.members.into_iter().map(|m| m.account).collect::<Vec<_>>()
    };
    assert!(
        members(&mut a, later).is_empty(),
        "nobody joined or sent lately"
    );
    let went = a
        .admit(RequestClass::History, &settings(1_500), later)
        .unwrap();
    assert_eq!(went, Admission::Go);
    assert_eq!(members(&mut a, later), ["a"], "b sent nothing lately");
    let went = b
        .admit(RequestClass::History, &settings(1_500), later)
        .unwrap();
    assert_eq!(went, Admission::Go);
    assert_eq!(members(&mut a, later), ["a", "b"]);
}
