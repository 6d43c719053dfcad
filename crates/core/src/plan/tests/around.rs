//! The quota view and ETAs, the words, the growth estimate, the JSON, the next run.

use super::*;

#[test]
fn the_quota_view_and_etas() {
    let obs = |calls: u64, mins: i64| Observation {
        at: now() - TimeDelta::minutes(mins),
        calls,
        resets_at: now() - TimeDelta::minutes(mins) + TimeDelta::hours(20),
    };
    let mut s = snapshot(&[Phase::Tracks, Phase::Albums, Phase::Plays]);
    s.mirrored.insert(Phase::Tracks, vec![10_000]);
    s.unenriched_albums = 2_140;
    // Learned from two believable answers (the one of 5 calls is not believed).
    s.observations = vec![obs(1_900, 3_000), obs(5, 2_000), obs(1_800, 1_000)];
    s.used = 412;
    s.incremental_cost = 9;
    let plan = compute(&s, &Request::default());
    let q = &plan.quota;
    assert_eq!(
        (q.daily, q.source, q.observations),
        (Some(1_800), QuotaSource::Learned, 2)
    );
    // 144 polls + 48 syncs × 9.
    assert_eq!((q.history_reserve, q.reserve), (144, 576));
    assert_eq!(q.bulk_per_day, Some(1_224));
    assert_eq!(q.room_now, Some(812));
    assert!(!q.eta_assumed);
    assert_eq!(
        q.headline(),
        "daily quota: 1,800 (learned from 2 QUOTA_EXCEEDED answers) · reserve 576 for plays \
         polls and incremental syncs, plays polls one every 11 min once the day is full · used \
         412 in the last 24 h"
    );
    // The polls' own room above `changes` is 144 less the margin of 18: one every 686 s.
    assert_eq!(q.poll_spacing_secs, Some(660));
    // Tracks: 200 requests fit in today's 812; albums: 2,140 more, 1,528 past today's room.
    assert_eq!(phase(&plan, Phase::Tracks).eta_secs, 0);
    let albums = phase(&plan, Phase::Albums);
    assert_eq!(albums.requests, 2_140);
    assert_eq!(albums.eta_secs, (1_528u64 * 86_400).div_ceil(1_224));
    assert_eq!(
        albums.line(q),
        "albums: 2,140 requests ≈ 1 day 5 h at ~1,224/day"
    );
    // The poll is not held back, and adds nothing to the bulk ETA.
    assert_eq!(phase(&plan, Phase::Plays).eta_secs, albums.eta_secs);
    assert_eq!(plan.total.bulk_requests, 2_340);
    assert_eq!(plan.total.requests, 2_341);
    assert_eq!(plan.total.eta_secs, albums.eta_secs);
    assert_eq!(
        plan.total_line(),
        "total: 2,341 requests ≈ 1 day 5 h at ~1,224/day"
    );

    // Configured: used as given, the reserve capped at a third.
    s.config.max_calls_per_day = 150;
    let q = compute(&s, &Request::default()).quota;
    assert_eq!(
        (q.daily, q.source, q.reserve),
        (Some(150), QuotaSource::Configured, 50)
    );
    assert_eq!(q.room_now, Some(0));
    assert!(
        q.headline()
            .starts_with("daily quota: 150 (max_calls_per_day in the config)")
    );
    // The polls keep room for one an hour, and are spaced to it once the day is full.
    assert_eq!(q.history_reserve, 25);
    assert_eq!(q.poll_spacing_secs, Some(3_600));
    assert!(
        q.headline()
            .contains("plays polls one every 1 h once the day is full"),
        "{}",
        q.headline()
    );

    // Unknown: no reserve of ours; ETAs assume the low end of Development Mode quotas.
    s.config.max_calls_per_day = 0;
    s.observations.clear();
    s.used = 0;
    s.config.schedule = Schedule {
        every: Duration::from_secs(3_600),
        plays_every: Duration::from_secs(3_600),
    };
    let plan = compute(&s, &Request::default());
    let q = &plan.quota;
    assert_eq!(
        (q.daily, q.source, q.reserve),
        (None, QuotaSource::Unknown, 0)
    );
    assert_eq!((q.eta_daily, q.eta_assumed), (ASSUMED_DAILY, true));
    // 24 polls + 24 syncs × 9 = 240 kept of the assumed 1,100.
    assert_eq!(q.eta_bulk_per_day, 860);
    assert!(plan.total_line().contains("assuming ~1,100/day"));
}

#[test]
fn words() {
    let table = [
        (0, "now"),
        (1, "1 min"),
        (60, "1 min"),
        (61, "2 min"),
        (3_600, "1 h"),
        (19_380, "5 h 23 min"),
        (86_400, "1 day"),
        (102_720, "1 day 4 h"),
        (111_600, "1 day 7 h"),
        (12 * 86_400 + 3_600, "12 days 1 h"),
    ];
    for (secs, want) in table {
        assert_eq!(fmt_eta(Duration::from_secs(secs)), want, "{secs}");
    }
    for (n, want) in [
        (0, "0"),
        (999, "999"),
        (2_140, "2,140"),
        (1_234_567, "1,234,567"),
    ] {
        assert_eq!(group(n), want);
    }
    assert_eq!(requests(1), "1 request");
    assert_eq!(requests(2_140), "2,140 requests");
}

#[test]
fn heaps_growth_of_albums_and_artists() {
    // (sampled, distinct, incoming, stored, beta, want)
    let table = [
        (0, 0, 100, false, 0.8, 0),
        (50, 20, 0, false, 0.8, 0),
        // The sample is part of what is read: 50 tracks are 20 albums.
        (50, 20, 50, false, 0.8, 20),
        (50, 20, 10_000, false, 0.8, 1_386),
        (50, 29, 10_000, false, 0.55, 535),
        // A mirror of 10,000 tracks and 4,000 albums, 1,000 tracks more.
        (10_000, 4_000, 1_000, true, 0.8, 317),
        // Never more than one per track (albums) ...
        (50, 50, 100, false, 1.5, 100),
    ];
    for (n, d, incoming, stored, beta, want) in table {
        assert_eq!(
            heaps(n, d, incoming, stored, beta),
            want,
            "{n} {d} {incoming}"
        );
    }
}

#[test]
fn the_plan_serializes_to_its_documented_fields() {
    let mut s = snapshot(&[Phase::Tracks, Phase::Albums]);
    s.probe = Some(probe(120, Vec::new()));
    let plan = compute(&s, &Request::default());
    let v = serde_json::to_value(&plan).unwrap();
    for k in [
        "generated_at",
        "run",
        "phases",
        "total",
        "quota",
        "probe",
        "unknown",
        "probe_cost",
    ] {
        assert!(v.get(k).is_some(), "{k} in {v:#}");
    }
    assert_eq!(v["run"]["kind"], "full");
    assert_eq!(v["phases"][0]["phase"], "tracks");
    assert_eq!(v["phases"][0]["class"], "mirror");
    assert_eq!(v["phases"][0]["basis"], "probe");
    assert_eq!(v["phases"][0]["requests"], 3);
    assert_eq!(v["quota"]["source"], "unknown");
    let back: Plan = serde_json::from_value(v).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn the_plan_follows_the_next_run_decision() {
    let (a, r, p) = (Phase::Albums, Phase::Artists, Phase::Plays);
    // Only enrichment left, held, started long enough ago: a new incremental run.
    let mut s = snapshot(&Phase::ALL);
    s.unfinished = Some(UnfinishedRun {
        id: 3,
        kind: RunKind::Full,
        status: RunStatus::RateLimited,
        started_at: s.now - TimeDelta::hours(7),
        phases: vec![a, r, p],
        done: Vec::new(),
    });
    let plan = compute(&s, &Request::default());
    assert_eq!(
        (plan.run.kind, plan.run.resumed),
        (RunKind::Incremental, false)
    );
    s.unfinished.as_mut().unwrap().status = RunStatus::Paused;
    let plan = compute(&s, &Request::default());
    assert_eq!((plan.run.kind, plan.run.resumed), (RunKind::Full, true));
}
