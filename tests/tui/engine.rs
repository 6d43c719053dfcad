//! The engine's state in the app: without a token, an engine that stopped or could not start,
//! its error events, an unfinished run at start, and when the clock ticks.

use spotsync::sync::{ErrorKind, RunKind, RunStatus, SyncEvent};
use spotsync::tui::app::{
    Activity, App, EngineFailure, EngineState, LOG_CAPACITY, Msg, NoticeLevel,
};

use crate::fixtures::*;

fn notice(app: &App) -> String {
    app.notice().map(|n| n.text.clone()).unwrap_or_default()
}

#[test]
fn error_events_say_what_to_do() {
    let mut app = idle();
    app.update(key('s'));
    app.update(ev(
        SyncEvent::Error {
            kind: ErrorKind::Auth,
            message: "Spotify refused the stored authorization".into(),
        },
        1,
    ));
    assert!(notice(&app).contains("spotsync auth"));
    assert_eq!(
        app.activity(),
        Activity::Idle,
        "a start that failed is not running"
    );

    let mut app = idle();
    app.update(ev(
        SyncEvent::Error {
            kind: ErrorKind::Locked,
            message: "another spotsync is using /x.db".into(),
        },
        1,
    ));
    assert_eq!(notice(&app), "another spotsync is using /x.db");

    let mut app = syncing();
    app.update(ev(
        SyncEvent::Error {
            kind: ErrorKind::Other,
            message: "disk full".into(),
        },
        41,
    ));
    assert_eq!(notice(&app), "Error: disk full");
    assert_eq!(app.notice().unwrap().level, NoticeLevel::Error);
}

#[test]
fn engine_stopped_makes_the_app_read_only() {
    let mut app = syncing();
    app.update(Msg::EngineStopped(None));
    assert!(matches!(app.engine(), EngineState::Unavailable(_)));
    assert_eq!(app.activity(), Activity::Idle);
    assert_eq!(app.update(key('s')), None);
    assert!(notice(&app).contains("Cannot sync"));
}

#[test]
fn an_engine_that_cannot_start_leaves_the_app_read_only() {
    let mut app = idle();
    app.mark_drawn();
    assert_eq!(
        app.update(Msg::EngineFailed(EngineFailure::Start(
            "another spotsync is using /x.db".into()
        ))),
        None
    );
    assert!(app.needs_redraw());
    assert_eq!(
        app.engine(),
        &EngineState::Unavailable("another spotsync is using /x.db".into())
    );
    assert_eq!(notice(&app), "Cannot sync: another spotsync is using /x.db");
    assert_eq!(app.notice().unwrap().level, NoticeLevel::Error);
    assert_eq!(app.update(key('s')), None);
}

#[test]
fn log_lines_are_kept_up_to_capacity() {
    let mut app = idle();
    for i in 0..(LOG_CAPACITY + 10) {
        app.update(log(i as i64, tracing::Level::INFO, &format!("{i}")));
    }
    assert_eq!(app.log().lines().len(), LOG_CAPACITY);
    assert_eq!(app.log().lines().front().unwrap().message, "10");
}

#[test]
fn resize_is_remembered() {
    let mut app = idle();
    app.mark_drawn();
    app.update(Msg::Resize(200, 60));
    assert_eq!(app.size(), (200, 60));
    assert!(app.needs_redraw());
}

#[test]
fn ticks_only_while_something_moves() {
    assert!(!idle().needs_tick());
    assert!(syncing().needs_tick());
    assert!(quota_exhausted().needs_tick());
    assert!(!failed_phase().needs_tick());
    assert!(!history_populated().needs_tick());
}

#[test]
fn an_unfinished_run_at_start_offers_to_resume() {
    let snapshot = spotsync::sync::StatusSnapshot {
        current_run: Some(run(3, RunKind::Full, RunStatus::Paused, -60, 30)),
        ..Default::default()
    };
    let app = loaded(snapshot);
    assert!(notice(&app).contains("press s to resume"));
}
