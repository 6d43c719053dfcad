//! States of the terminal app built from messages, at fixed times.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use spotsync::logging::LogLine;
use spotsync::sync::{
    LimitReason, Phase, PhaseStatus, RunKind, RunRecord, RunStatus, StatusSnapshot, SyncEvent,
};
use spotsync::tui::app::{App, DemoBanner, EngineFailure, Locations, Msg, Pane, Setup};

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

/// What the fixtures start with: no colour (the snapshots are text), the engine's pace, where
/// things live.
pub fn setup() -> Setup {
    Setup {
        color: false,
        pacing: Some(60),
        locations: Locations {
            db: "/home/me/.local/share/spotsync/spotsync.db".into(),
            log_file: Some("/home/me/.local/state/spotsync/logs/spotsync.log.2026-11-25".into()),
            config_file: Some("/home/me/.config/spotsync/config.toml".into()),
        },
        ..Setup::default()
    }
}

/// A fresh app on an empty database with `setup`.
pub fn idle_with(setup: Setup) -> App {
    App::new(StatusSnapshot::default(), t0(), setup)
}

/// A fresh app on an empty database, with locations filled in.
pub fn idle() -> App {
    idle_with(setup())
}

/// The app with `snapshot` loaded at start.
pub fn loaded(snapshot: StatusSnapshot) -> App {
    App::new(snapshot, t0(), setup())
}

/// A fresh app whose engine cannot be driven without a login: `text` says what to do.
pub fn not_connected(text: &str) -> App {
    let mut app = idle();
    app.update(Msg::EngineFailed(EngineFailure::NoAuth(text.into())));
    app
}

/// Move the Sync screen's focus to `pane` with tab, as a person does.
pub fn focus(app: &mut App, pane: Pane) {
    for _ in 0..Pane::ORDER.len() {
        if app.focus() == pane {
            return;
        }
        app.update(code(KeyCode::Tab));
    }
    assert_eq!(app.focus(), pane, "tab reaches every pane");
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

/// A full run 40 s in, on a fresh database: tracks done, playlists half way, at a steady rate.
/// Every count agrees: 60 track pages + 1 request and 5 playlist pages = 66 requests.
pub fn syncing() -> App {
    syncing_from(idle())
}

/// [`syncing`], from `app` (an idle app with another setup).
pub fn syncing_from(mut app: App) -> App {
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
                // A fresh database: the only requests of the last 24 h are this run's 66.
                SyncEvent::ApiUsage {
                    calls_24h: 66,
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
    window_limited_from(idle())
}

/// [`window_limited`], from an idle `app`.
pub fn window_limited_from(app: App) -> App {
    let mut app = syncing_from(app);
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

/// Albums failed after retries; the engine went on with artists, then finished the run as
/// failed. The history row is the sum of what the phase cards show: +3,000 tracks, +420
/// playlist items, +140 albums, ~410 artists; 61 + 6 + 5 + 3 + 6 (one album page tried six
/// times) + 9 = 90 requests.
pub fn failed_phase() -> App {
    failed_phase_from(idle())
}

/// [`failed_phase`], from an idle `app`.
pub fn failed_phase_from(app: App) -> App {
    let mut app = syncing_from(app);
    // The rest of the playlists: 240 … 400, then the last 20 (requests 67 … 72).
    for i in 6..=10u64 {
        app.update(ev(
            batch(Phase::Playlists, i * 40, 420, 40, 61 + i),
            30 + 2 * i as i64,
        ));
    }
    app.update(ev(batch(Phase::Playlists, 420, 420, 20, 72), 51));
    feed(
        &mut app,
        [
            ev(
                SyncEvent::PhaseFinished {
                    phase: Phase::Playlists,
                    status: PhaseStatus::Success,
                    error: None,
                },
                51,
            ),
            log(51, tracing::Level::INFO, "playlists: 420 of 420 items"),
            ev(
                SyncEvent::PhaseStarted {
                    phase: Phase::Albums,
                    done: 0,
                    total: Some(1_180),
                },
                51,
            ),
            ev(batch(Phase::Albums, 50, 1_180, 50, 73), 53),
            ev(batch(Phase::Albums, 100, 1_180, 50, 74), 55),
            ev(batch(Phase::Albums, 140, 1_180, 40, 75), 57),
            // The next page fails five times (backoff 0.25 s … 4 s), then a sixth.
            ev(
                SyncEvent::Retrying {
                    phase: Phase::Albums,
                    attempt: 5,
                    delay: std::time::Duration::from_secs(4),
                    error: "503 Service Unavailable".into(),
                },
                61,
            ),
            ev(
                SyncEvent::PhaseFinished {
                    phase: Phase::Albums,
                    status: PhaseStatus::Failed,
                    error: Some("503 Service Unavailable after 6 attempts".into()),
                },
                65,
            ),
            log(
                65,
                tracing::Level::ERROR,
                "albums failed: 503 Service Unavailable",
            ),
            ev(
                SyncEvent::PhaseStarted {
                    phase: Phase::Artists,
                    done: 0,
                    total: Some(410),
                },
                65,
            ),
        ],
    );
    // Artists already stored with the tracks are enriched (updated), 50 per request.
    for i in 1..=9u64 {
        app.update(ev(
            SyncEvent::BatchCommitted {
                phase: Phase::Artists,
                done: (i * 50).min(410),
                total: Some(410),
                added: 0,
                updated: if i == 9 { 10 } else { 50 },
                removed: 0,
                api_calls: 81 + i,
            },
            65 + 2 * i as i64,
        ));
    }
    let mut record = run(1, RunKind::Full, RunStatus::Failed, 0, 84);
    record.api_calls = 90;
    record.items_added = 3_000 + 420 + 140;
    record.items_updated = 410;
    record.error = Some("albums: 503 Service Unavailable after 6 attempts".into());
    feed(
        &mut app,
        [
            ev(
                SyncEvent::PhaseFinished {
                    phase: Phase::Artists,
                    status: PhaseStatus::Success,
                    error: None,
                },
                83,
            ),
            log(83, tracing::Level::INFO, "artists: 410 artists enriched"),
            ev(
                SyncEvent::ApiUsage {
                    calls_24h: 90,
                    budget: Some(10_000),
                },
                84,
            ),
            ev(SyncEvent::RunFinished { run: record }, 84),
            Msg::Tick(at(85)),
        ],
    );
    app
}

/// Past runs loaded from the database at start, as `load_status` gives them: the last run is
/// the plays poll of yesterday, so the phase cards are that run's (plays only); the quota-stopped
/// incremental run was closed by the full run started after it; run 5 is the run whose changes
/// the journal tests show (3 tracks added, 2 removed, a playlist removed, one renamed, one with
/// new items).
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
    // Stopped by the daily quota, then closed when the next full run started (a later
    // incremental run would have resumed it instead).
    let mut r = run(3, RunKind::Incremental, RunStatus::Cancelled, -4 * day, 300);
    r.api_calls = 2_000;
    r.rate_limited_count = 1;
    r.waited_seconds = 0;
    r.error = Some("superseded by a new full sync".into());
    runs.push(r);
    let mut r = run(4, RunKind::Full, RunStatus::Cancelled, -3 * day, 61);
    r.api_calls = 40;
    r.items_updated = 1_950;
    runs.push(r);
    let mut r = run(5, RunKind::Incremental, RunStatus::Success, -2 * day, 64);
    r.api_calls = 14;
    r.items_added = 5;
    r.items_updated = 2;
    r.items_removed = 4;
    runs.push(r);
    let mut r = run(6, RunKind::Plays, RunStatus::Success, -day + 3_600, 2);
    r.api_calls = 1;
    r.items_added = 31;
    runs.push(r);
    runs.reverse();
    let snapshot = StatusSnapshot {
        current_run: Some(runs[0].clone()),
        phases: vec![spotsync::sync::PhaseProgress {
            phase: Phase::Plays,
            status: PhaseStatus::Success,
            done: 31,
            total: None,
            last_error: None,
            rate_limit_reset_at: None,
            updated_at: Some(at(-day + 3_602)),
        }],
        blocked_until: None,
        // The plays poll's one request, 23 hours ago.
        calls_24h: 1,
        daily_budget: None,
        history: runs,
        ..Default::default()
    };
    App::new(
        snapshot,
        t0(),
        Setup {
            pacing: None,
            ..setup()
        },
    )
}

/// `spotsync demo` in the middle of its first sync.
pub fn demo() -> App {
    syncing_from(idle_with(Setup {
        demo: Some(DemoBanner {
            sim_url: "http://127.0.0.1:40123/".into(),
        }),
        ..setup()
    }))
}

/// The help overlay over an idle screen.
pub fn help() -> App {
    help_from(idle())
}

/// The help overlay over `app`.
pub fn help_from(mut app: App) -> App {
    app.update(key('?'));
    app
}
