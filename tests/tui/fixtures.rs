//! States of the terminal app built from messages, at fixed times.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use spotsync::logging::LogLine;
use spotsync::sync::{
    LimitReason, Phase, PhaseStatus, RunKind, RunRecord, RunStatus, StatusSnapshot, SyncEvent,
};
use spotsync::tui::app::{App, Locations, Msg};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

pub fn at(secs: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::seconds(secs)
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn release(c: char) -> Msg {
    Msg::Key(KeyEvent::new_with_kind(
        KeyCode::Char(c),
        KeyModifiers::NONE,
        KeyEventKind::Release,
    ))
}

pub fn ev(e: SyncEvent, secs: i64) -> Msg {
    Msg::Engine(e, at(secs))
}

pub fn log(secs: i64, level: tracing::Level, message: &str) -> Msg {
    Msg::Log(LogLine {
        at: at(secs),
        level,
        target: "spotsync::sync".into(),
        message: message.into(),
    })
}

pub fn run(id: i64, kind: RunKind, status: RunStatus, start: i64, took: i64) -> RunRecord {
    RunRecord {
        id,
        kind,
        started_at: at(start),
        finished_at: Some(at(start + took)),
        status,
        api_calls: 0,
        rate_limited_count: 0,
        waited_seconds: 0,
        items_added: 0,
        items_updated: 0,
        items_removed: 0,
        error: None,
    }
}

/// A fresh app on an empty database, with locations filled in.
pub fn idle() -> App {
    let mut app = App::new(StatusSnapshot::default(), t0());
    app.color = false;
    app.pacing = Some(60);
    app.locations = Locations {
        db: "/home/me/.local/share/spotsync/spotsync.db".into(),
        log_file: Some("/home/me/.local/state/spotsync/logs/spotsync.log.2026-11-25".into()),
        config_file: Some("/home/me/.config/spotsync/config.toml".into()),
    };
    app
}

pub fn feed(app: &mut App, msgs: impl IntoIterator<Item = Msg>) {
    for m in msgs {
        app.update(m);
    }
}

fn batch(phase: Phase, done: u64, total: u64, added: u64, calls: u64) -> SyncEvent {
    SyncEvent::BatchCommitted {
        phase,
        done,
        total: Some(total),
        added,
        updated: 0,
        removed: 0,
        api_calls: calls,
    }
}

/// A full run 40 s in: tracks done, playlists half way, at a steady rate.
pub fn syncing() -> App {
    let mut app = idle();
    app.update(key('s'));
    let phases = vec![
        Phase::Tracks,
        Phase::Playlists,
        Phase::Albums,
        Phase::Artists,
    ];
    feed(
        &mut app,
        [
            ev(
                SyncEvent::RunStarted {
                    run_id: 1,
                    kind: RunKind::Full,
                    phases,
                    resumed: false,
                },
                0,
            ),
            ev(
                SyncEvent::PhaseStarted {
                    phase: Phase::Tracks,
                    done: 0,
                    total: Some(3000),
                },
                0,
            ),
        ],
    );
    for i in 1..=60u64 {
        app.update(ev(
            batch(Phase::Tracks, i * 50, 3000, 50, i + 1),
            (i / 2) as i64,
        ));
    }
    feed(
        &mut app,
        [
            ev(
                SyncEvent::PhaseFinished {
                    phase: Phase::Tracks,
                    status: PhaseStatus::Success,
                    error: None,
                },
                30,
            ),
            ev(
                SyncEvent::PhaseStarted {
                    phase: Phase::Playlists,
                    done: 0,
                    total: Some(420),
                },
                30,
            ),
        ],
    );
    for i in 1..=5u64 {
        app.update(ev(
            batch(Phase::Playlists, i * 40, 420, 40, 61 + i),
            30 + 2 * i as i64,
        ));
    }
    feed(
        &mut app,
        [
            ev(
                SyncEvent::ApiUsage {
                    calls_24h: 1_266,
                    budget: Some(10_000),
                },
                40,
            ),
            log(0, tracing::Level::INFO, "run 1 started (full)"),
            log(30, tracing::Level::INFO, "tracks: 3000 saved tracks stored"),
            log(40, tracing::Level::INFO, "playlists: 200 of 420 items"),
            Msg::Tick(at(40)),
        ],
    );
    app
}

/// Waiting for Spotify's 30-second window: 23 s left.
pub fn window_limited() -> App {
    let mut app = syncing();
    feed(
        &mut app,
        [
            ev(
                SyncEvent::RateLimited {
                    until: at(64),
                    reason: LimitReason::Window,
                    phase: Some(Phase::Playlists),
                },
                40,
            ),
            log(40, tracing::Level::WARN, "429 from Spotify: waiting 24 s"),
            Msg::Tick(at(41)),
        ],
    );
    app
}

/// The daily quota is spent: resuming in 13h 42m 05s.
pub fn quota_exhausted() -> App {
    let mut app = syncing();
    feed(
        &mut app,
        [
            ev(
                SyncEvent::RateLimited {
                    until: at(40 + 13 * 3600 + 42 * 60 + 5),
                    reason: LimitReason::Quota,
                    phase: Some(Phase::Playlists),
                },
                40,
            ),
            log(
                40,
                tracing::Level::WARN,
                "QUOTA_EXCEEDED: no request before 2026-11-26 01:42:45 UTC",
            ),
            Msg::Tick(at(40)),
        ],
    );
    app
}

/// Albums failed after retries; the run finished as failed.
pub fn failed_phase() -> App {
    let mut app = syncing();
    let mut record = run(1, RunKind::Full, RunStatus::Failed, 0, 95);
    record.api_calls = 212;
    record.items_added = 3_200;
    record.error = Some("albums: 503 Service Unavailable after 6 attempts".into());
    feed(
        &mut app,
        [
            ev(
                SyncEvent::PhaseFinished {
                    phase: Phase::Playlists,
                    status: PhaseStatus::Success,
                    error: None,
                },
                50,
            ),
            ev(
                SyncEvent::PhaseStarted {
                    phase: Phase::Albums,
                    done: 0,
                    total: Some(1_180),
                },
                50,
            ),
            ev(batch(Phase::Albums, 140, 1_180, 140, 211), 90),
            ev(
                SyncEvent::Retrying {
                    phase: Phase::Albums,
                    attempt: 6,
                    delay: std::time::Duration::from_secs(8),
                    error: "503 Service Unavailable".into(),
                },
                91,
            ),
            ev(
                SyncEvent::PhaseFinished {
                    phase: Phase::Albums,
                    status: PhaseStatus::Failed,
                    error: Some("503 Service Unavailable after 6 attempts".into()),
                },
                95,
            ),
            ev(SyncEvent::RunFinished { run: record }, 95),
            log(
                95,
                tracing::Level::ERROR,
                "albums failed: 503 Service Unavailable",
            ),
            Msg::Tick(at(96)),
        ],
    );
    app
}

/// Past runs loaded from the database at start.
pub fn history_populated() -> App {
    let mut runs = Vec::new();
    let day = 86_400;
    let mut r = run(1, RunKind::Full, RunStatus::Success, -6 * day, 5_400);
    r.api_calls = 4_812;
    r.rate_limited_count = 3;
    r.waited_seconds = 95;
    r.items_added = 12_480;
    runs.push(r);
    let mut r = run(2, RunKind::Incremental, RunStatus::Success, -5 * day, 14);
    r.api_calls = 3;
    r.items_added = 4;
    r.items_updated = 1;
    runs.push(r);
    let mut r = run(
        3,
        RunKind::Incremental,
        RunStatus::RateLimited,
        -4 * day,
        300,
    );
    r.api_calls = 2_000;
    r.rate_limited_count = 1;
    r.waited_seconds = 0;
    r.error = Some("daily quota: resumes at 2026-11-22 08:00".into());
    runs.push(r);
    let mut r = run(4, RunKind::Full, RunStatus::Cancelled, -3 * day, 61);
    r.api_calls = 40;
    r.items_updated = 1_950;
    runs.push(r);
    let mut r = run(5, RunKind::Incremental, RunStatus::Success, -2 * day, 9);
    r.api_calls = 2;
    r.items_removed = 2;
    runs.push(r);
    let mut r = run(6, RunKind::Plays, RunStatus::Success, -day, 2);
    r.api_calls = 1;
    r.items_added = 31;
    runs.push(r);
    runs.reverse();
    let snapshot = StatusSnapshot {
        current_run: Some(runs[0].clone()),
        phases: Phase::ALL
            .iter()
            .map(|p| spotsync::sync::PhaseProgress {
                phase: *p,
                status: PhaseStatus::Success,
                done: match p {
                    Phase::Tracks => 12_480,
                    Phase::Playlists => 1_204,
                    Phase::Albums => 3_911,
                    Phase::Artists => 2_260,
                    Phase::Plays => 31,
                },
                total: None,
                last_error: None,
                rate_limit_reset_at: None,
                updated_at: Some(at(-day)),
            })
            .collect(),
        blocked_until: None,
        calls_24h: 1,
        daily_budget: None,
        history: runs,
        ..Default::default()
    };
    let mut app = App::new(snapshot, t0());
    app.color = false;
    app.locations = idle().locations;
    app
}

/// The help overlay over an idle screen.
pub fn help() -> App {
    let mut app = idle();
    app.update(key('?'));
    app
}
