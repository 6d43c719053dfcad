//! Engine events, each through `App::update`: what a run, a phase, a batch, a hold, a retry and
//! the end of a run do to the phases, the limits, the history and the run shown.

use std::time::Duration;

use spotsync::sync::{LimitReason, Phase, PhaseStatus, RunKind, RunStatus, SyncEvent};
use spotsync::tui::app::{Activity, App, Msg, NoticeLevel};

use crate::fixtures::*;

fn started(app: &mut App, resumed: bool) {
    app.update(ev(
        SyncEvent::RunStarted {
            run_id: 7,
            kind: RunKind::Full,
            phases: vec![
                Phase::Tracks,
                Phase::Playlists,
                Phase::Albums,
                Phase::Artists,
            ],
            resumed,
        },
        0,
    ));
}

fn notice(app: &App) -> String {
    app.notice().map(|n| n.text.clone()).unwrap_or_default()
}

#[test]
fn run_started_shows_the_run_and_its_phases() {
    let mut app = idle();
    app.update(key('s'));
    started(&mut app, false);
    assert_eq!(app.activity(), Activity::Syncing);
    let run = app.run().unwrap();
    assert_eq!(
        (run.id, run.kind, run.status),
        (7, RunKind::Full, RunStatus::Running)
    );
    for phase in [
        Phase::Tracks,
        Phase::Playlists,
        Phase::Albums,
        Phase::Artists,
    ] {
        assert!(app.phase(phase).unwrap().in_run, "{phase}");
    }
    assert!(!app.phase(Phase::AlbumsSaved).unwrap().in_run);
    assert!(
        app.phase(Phase::Plays).is_none(),
        "no plays pane without history"
    );
    assert!(notice(&app).contains("Started"));
}

#[test]
fn a_resumed_run_keeps_the_checkpoints_and_says_so() {
    let mut app = syncing();
    app.update(key('q'));
    let mut app2 = syncing();
    let done = app2.phase(Phase::Playlists).unwrap().done;
    started(&mut app2, true);
    assert_eq!(app2.phase(Phase::Playlists).unwrap().done, done);
    assert_eq!(
        app2.phase(Phase::Tracks).unwrap().status,
        PhaseStatus::Success
    );
    assert!(notice(&app2).contains("Resumed"));
}

#[test]
fn a_resumed_run_is_no_longer_shown_as_paused_in_history() {
    // Run 7 was paused by a quit; the app restarts and shows it in history.
    let mut app = loaded(spotsync::sync::StatusSnapshot {
        history: vec![
            run(7, RunKind::Full, RunStatus::Paused, -600, 5),
            run(6, RunKind::Full, RunStatus::Success, -9000, 60),
        ],
        ..Default::default()
    });
    app.update(key('s'));
    started(&mut app, true);
    let r = app.history().runs().iter().find(|r| r.id == 7).unwrap();
    assert_eq!(r.status, RunStatus::Running);
    assert_eq!(r.finished_at, None, "its time is counted live again");
    let other = app.history().runs().iter().find(|r| r.id == 6).unwrap();
    assert_eq!(other.status, RunStatus::Success, "other runs untouched");
}

#[test]
fn a_run_with_plays_shows_the_plays_phase() {
    let mut app = idle();
    app.update(ev(
        SyncEvent::RunStarted {
            run_id: 1,
            kind: RunKind::Plays,
            phases: vec![Phase::Plays],
            resumed: false,
        },
        0,
    ));
    assert!(app.phase(Phase::Plays).unwrap().in_run);
    let shown = Phase::ALL.iter().filter(|p| app.phase(**p).is_some());
    assert_eq!(shown.count(), 11);
    assert_eq!(app.phases().row_count(), 6);
}

#[test]
fn phase_started_and_batches_update_progress_rate_and_eta() {
    let mut app = idle();
    started(&mut app, false);
    app.update(ev(
        SyncEvent::PhaseStarted {
            phase: Phase::Tracks,
            done: 0,
            total: Some(1000),
        },
        0,
    ));
    assert_eq!(
        app.phase(Phase::Tracks).unwrap().status,
        PhaseStatus::InProgress
    );
    for i in 1..=4u64 {
        app.update(ev(
            SyncEvent::BatchCommitted {
                phase: Phase::Tracks,
                done: i * 50,
                total: Some(1000),
                added: 40,
                updated: 10,
                removed: 0,
                api_calls: i,
            },
            2 * i as i64,
        ));
    }
    let p = app.phase(Phase::Tracks).unwrap();
    assert_eq!(
        (p.done, p.total, p.added, p.updated),
        (200, Some(1000), 160, 40)
    );
    assert!(
        (p.rate(app.now()).unwrap() - 25.0).abs() < 1e-9,
        "{:?}",
        p.rate(app.now())
    );
    assert_eq!(p.eta(app.now()), Some(Duration::from_secs(32)));
    // Quiet time counts: ten seconds later with no batch, the rate has fallen.
    app.update(Msg::Tick(at(18)));
    let p = app.phase(Phase::Tracks).unwrap();
    assert!((p.rate(app.now()).unwrap() - 200.0 / 18.0).abs() < 1e-9);
    assert_eq!(p.ratio(), Some(0.2));
    assert_eq!(app.run().unwrap().api_calls, 4);
}

#[test]
fn the_rate_only_looks_at_the_last_minute() {
    let mut app = idle();
    started(&mut app, false);
    app.update(ev(
        SyncEvent::PhaseStarted {
            phase: Phase::Albums,
            done: 0,
            total: Some(10_000),
        },
        0,
    ));
    // Fast at first, then slow: the rate must reflect the slow part.
    for i in 1..=10u64 {
        app.update(ev(
            SyncEvent::BatchCommitted {
                phase: Phase::Albums,
                done: i * 100,
                total: Some(10_000),
                added: 100,
                updated: 0,
                removed: 0,
                api_calls: i,
            },
            i as i64,
        ));
    }
    for i in 1..=60u64 {
        app.update(ev(
            SyncEvent::BatchCommitted {
                phase: Phase::Albums,
                done: 1000 + i,
                total: Some(10_000),
                added: 1,
                updated: 0,
                removed: 0,
                api_calls: 10 + i,
            },
            10 + i as i64,
        ));
    }
    let rate = app.phase(Phase::Albums).unwrap().rate(app.now()).unwrap();
    assert!((rate - 1.0).abs() < 0.05, "rate {rate}");
}

#[test]
fn rate_limited_then_cleared() {
    let mut app = syncing();
    app.update(ev(
        SyncEvent::RateLimited {
            until: at(70),
            reason: LimitReason::Window,
            phase: Some(Phase::Playlists),
        },
        40,
    ));
    assert_eq!(app.limits().limit().unwrap().reason, LimitReason::Window);
    assert_eq!(app.limit_remaining(), Some(Duration::from_secs(30)));
    assert_eq!(
        app.phase(Phase::Playlists).unwrap().status,
        PhaseStatus::RateLimited
    );
    assert!(app.needs_tick());
    app.update(Msg::Tick(at(50)));
    assert_eq!(app.limit_remaining(), Some(Duration::from_secs(20)));
    app.update(ev(SyncEvent::RateLimitCleared, 70));
    assert!(app.limits().limit().is_none());
    assert_eq!(
        app.phase(Phase::Playlists).unwrap().status,
        PhaseStatus::InProgress
    );
}

#[test]
fn quota_block_is_kept_when_loaded_at_start() {
    let snapshot = spotsync::sync::StatusSnapshot {
        blocked_until: Some((at(3600), LimitReason::Quota)),
        ..Default::default()
    };
    let app = loaded(snapshot);
    assert_eq!(app.limits().limit().unwrap().reason, LimitReason::Quota);
    assert!(app.needs_tick(), "a countdown must tick");
    // A block that is already over is not shown.
    let snapshot = spotsync::sync::StatusSnapshot {
        blocked_until: Some((at(-1), LimitReason::Quota)),
        ..Default::default()
    };
    assert!(loaded(snapshot).limits().limit().is_none());
}

#[test]
fn a_hold_ends_by_the_clock_when_nothing_runs() {
    let snapshot = spotsync::sync::StatusSnapshot {
        blocked_until: Some((at(10), LimitReason::Budget)),
        ..Default::default()
    };
    let mut app = loaded(snapshot);
    app.update(Msg::Tick(at(9)));
    assert!(app.limits().limit().is_some());
    app.update(Msg::Tick(at(10)));
    assert!(app.limits().limit().is_none());
    assert!(!app.needs_tick(), "idle with nothing timed: no tick");
}

#[test]
fn retrying_is_shown_until_the_next_batch() {
    let mut app = syncing();
    app.update(ev(
        SyncEvent::Retrying {
            phase: Phase::Playlists,
            attempt: 2,
            delay: Duration::from_secs(4),
            error: "502 Bad Gateway".into(),
        },
        41,
    ));
    let r = app.limits().retry().cloned().unwrap();
    assert_eq!((r.phase, r.attempt), (Phase::Playlists, 2));
    app.update(ev(
        SyncEvent::BatchCommitted {
            phase: Phase::Playlists,
            done: 240,
            total: Some(420),
            added: 40,
            updated: 0,
            removed: 0,
            api_calls: 70,
        },
        46,
    ));
    assert!(app.limits().retry().is_none());
}

#[test]
fn a_stale_retry_notice_expires_with_the_clock() {
    let mut app = syncing();
    app.update(ev(
        SyncEvent::Retrying {
            phase: Phase::Playlists,
            attempt: 1,
            delay: Duration::from_secs(1),
            error: "timeout".into(),
        },
        41,
    ));
    app.update(Msg::Tick(at(44)));
    assert!(app.limits().retry().is_some());
    app.update(Msg::Tick(at(48)));
    assert!(app.limits().retry().is_none());
}

#[test]
fn phase_finished_success_and_failure() {
    let mut app = syncing();
    app.update(ev(
        SyncEvent::PhaseFinished {
            phase: Phase::Playlists,
            status: PhaseStatus::Success,
            error: None,
        },
        50,
    ));
    let p = app.phase(Phase::Playlists).unwrap();
    assert_eq!(
        (p.status, p.done, p.ratio()),
        (PhaseStatus::Success, 420, Some(1.0))
    );
    app.update(ev(
        SyncEvent::PhaseFinished {
            phase: Phase::Albums,
            status: PhaseStatus::Failed,
            error: Some("boom".into()),
        },
        51,
    ));
    let p = app.phase(Phase::Albums).unwrap();
    assert_eq!(p.status, PhaseStatus::Failed);
    assert_eq!(p.error.as_deref(), Some("boom"));
    assert_eq!(app.notice().unwrap().level, NoticeLevel::Warn);
}

#[test]
fn paused_and_resumed_events() {
    let mut app = syncing();
    app.update(ev(SyncEvent::Paused, 41));
    assert_eq!(app.activity(), Activity::Paused);
    assert_eq!(app.run().unwrap().status, RunStatus::Paused);
    assert!(
        !app.needs_tick(),
        "a paused screen with no countdown does not tick"
    );
    app.update(ev(SyncEvent::Resumed, 50));
    assert_eq!(app.activity(), Activity::Syncing);
    assert_eq!(
        app.phase(Phase::Playlists).unwrap().status,
        PhaseStatus::InProgress
    );
    assert_eq!(app.run().unwrap().status, RunStatus::Running);
}

#[test]
fn api_usage_updates_the_24h_counter() {
    let mut app = idle();
    app.update(ev(
        SyncEvent::ApiUsage {
            calls_24h: 42,
            budget: Some(1000),
        },
        0,
    ));
    assert_eq!(app.limits().usage(), (42, Some(1000)));
}

#[test]
fn run_finished_goes_idle_and_records_history() {
    let mut app = syncing();
    let mut r = run(1, RunKind::Full, RunStatus::Success, 0, 60);
    r.items_added = 3420;
    r.api_calls = 80;
    app.update(ev(SyncEvent::RunFinished { run: r.clone() }, 60));
    assert_eq!(app.activity(), Activity::Idle);
    assert_eq!(app.history().runs().front(), Some(&r));
    assert!(notice(&app).contains("+3,420 added"));
    // The same run finishing again (resumed later) replaces its row.
    let mut again = r.clone();
    again.items_added = 3500;
    app.update(ev(SyncEvent::RunFinished { run: again }, 61));
    assert_eq!(app.history().runs().len(), 1);
    assert_eq!(app.history().runs()[0].items_added, 3500);
}

#[test]
fn run_finished_cancelled_marks_unfinished_phases() {
    let mut app = syncing();
    app.update(key('c'));
    app.update(key('y'));
    let r = run(1, RunKind::Full, RunStatus::Cancelled, 0, 45);
    app.update(ev(SyncEvent::RunFinished { run: r }, 45));
    assert_eq!(app.activity(), Activity::Idle);
    assert_eq!(
        app.phase(Phase::Tracks).unwrap().status,
        PhaseStatus::Success
    );
    assert_eq!(
        app.phase(Phase::Playlists).unwrap().status,
        PhaseStatus::Cancelled
    );
    assert_eq!(
        app.phase(Phase::Albums).unwrap().status,
        PhaseStatus::Cancelled
    );
    assert!(notice(&app).contains("cancelled"));
}
