//! `App::update`: every key and every engine event, and what each does to the state.

use std::time::Duration;

use crossterm::event::KeyCode;
use spotsync::sync::{
    ErrorKind, LimitReason, Phase, PhaseStatus, RunKind, RunStatus, StartMode, SyncCommand,
    SyncEvent,
};
use spotsync::tui::app::{
    Action, Activity, App, EngineFailure, EngineState, LOG_CAPACITY, Msg, NoticeLevel, Overlay,
    Pane,
};

use crate::fixtures::*;

fn start(mode: StartMode) -> Option<Action> {
    Some(Action::Send(SyncCommand::Start {
        mode,
        only: Vec::new(),
    }))
}

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
    app.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

// ---- keys ----------------------------------------------------------------------------------

#[test]
fn s_starts_in_auto_mode_when_idle() {
    let mut app = idle();
    assert_eq!(app.update(key('s')), start(StartMode::Auto));
    assert_eq!(app.activity, Activity::Starting);
    assert!(app.needs_tick());
}

#[test]
fn f_starts_a_full_run_and_i_an_incremental_one() {
    let mut app = idle();
    assert_eq!(app.update(key('f')), start(StartMode::Full));
    let mut app = idle();
    assert_eq!(app.update(key('i')), start(StartMode::Incremental));
}

#[test]
fn start_keys_do_nothing_while_a_run_is_going() {
    let mut app = syncing();
    for c in ['s', 'f', 'i'] {
        assert_eq!(app.update(key(c)), None, "key {c}");
        assert_eq!(app.activity, Activity::Syncing);
        assert_eq!(app.notice.as_ref().unwrap().level, NoticeLevel::Warn);
    }
}

#[test]
fn s_resumes_a_paused_run_and_f_refuses() {
    let mut app = syncing();
    app.update(key('p'));
    app.update(ev(SyncEvent::Paused, 41));
    assert_eq!(app.activity, Activity::Paused);
    assert_eq!(app.update(key('f')), None);
    assert!(notice(&app).contains("paused"));
    assert_eq!(
        app.update(key('s')),
        Some(Action::Send(SyncCommand::Resume))
    );
    assert_eq!(app.activity, Activity::Syncing);
}

#[test]
fn without_a_token_start_keys_say_to_run_auth() {
    let mut app = idle();
    app.engine = EngineState::NoAuth("Not connected to Spotify: run `spotsync auth`".into());
    for c in ['s', 'f', 'i'] {
        assert_eq!(app.update(key(c)), None);
        assert_eq!(app.activity, Activity::Idle);
        let n = app.notice.clone().unwrap();
        assert_eq!(n.level, NoticeLevel::Error);
        assert!(n.text.contains("spotsync auth"), "{}", n.text);
    }
}

#[test]
fn without_an_engine_start_keys_explain_why() {
    let mut app = idle();
    app.engine = EngineState::Unavailable("another spotsync is using /x.db".into());
    assert_eq!(app.update(key('s')), None);
    assert!(notice(&app).contains("another spotsync"));
}

#[test]
fn p_pauses_then_resumes() {
    let mut app = syncing();
    assert_eq!(app.update(key('p')), Some(Action::Send(SyncCommand::Pause)));
    assert_eq!(app.activity, Activity::Pausing);
    // A second p while the batch finishes does not send twice.
    assert_eq!(app.update(key('p')), None);
    app.update(ev(SyncEvent::Paused, 42));
    assert_eq!(app.activity, Activity::Paused);
    assert_eq!(
        app.phase(Phase::Playlists).unwrap().status,
        PhaseStatus::Paused
    );
    assert_eq!(
        app.update(key('p')),
        Some(Action::Send(SyncCommand::Resume))
    );
    assert_eq!(app.activity, Activity::Syncing);
}

#[test]
fn p_when_idle_does_nothing() {
    let mut app = idle();
    assert_eq!(app.update(key('p')), None);
    assert_eq!(app.activity, Activity::Idle);
    assert!(notice(&app).contains("Nothing to pause"));
}

#[test]
fn c_asks_before_cancelling_and_y_cancels() {
    let mut app = syncing();
    assert_eq!(app.update(key('c')), None);
    assert_eq!(app.overlay, Overlay::ConfirmCancel);
    // Other keys do nothing while asking.
    assert_eq!(app.update(key('s')), None);
    assert_eq!(app.overlay, Overlay::ConfirmCancel);
    assert_eq!(
        app.update(key('y')),
        Some(Action::Send(SyncCommand::Cancel))
    );
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.activity, Activity::Cancelling);
}

#[test]
fn c_then_n_or_esc_keeps_syncing() {
    for no in [key('n'), code(KeyCode::Esc)] {
        let mut app = syncing();
        app.update(key('c'));
        assert_eq!(app.update(no), None);
        assert_eq!(app.overlay, Overlay::None);
        assert_eq!(app.activity, Activity::Syncing);
    }
}

#[test]
fn c_when_idle_has_nothing_to_cancel() {
    let mut app = idle();
    assert_eq!(app.update(key('c')), None);
    assert_eq!(app.overlay, Overlay::None);
    assert!(notice(&app).contains("Nothing to cancel"));
}

#[test]
fn q_quits_from_anywhere_once() {
    let mut app = syncing();
    assert_eq!(app.update(key('q')), Some(Action::Quit));
    assert!(app.quitting);
    assert!(notice(&app).contains("resumes"));
    // Further keys are ignored while stopping.
    assert_eq!(app.update(key('q')), None);
    assert_eq!(app.update(key('s')), None);

    let mut app = idle();
    app.update(key('?'));
    assert_eq!(app.update(key('q')), Some(Action::Quit));

    let mut app = syncing();
    app.update(key('c'));
    assert_eq!(app.update(key('q')), Some(Action::Quit));
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn ctrl_c_quits_and_ctrl_l_repaints() {
    let mut app = idle();
    assert_eq!(app.update(ctrl('l')), Some(Action::Repaint));
    assert_eq!(app.update(ctrl('c')), Some(Action::Quit));
}

#[test]
fn question_mark_toggles_help_and_esc_closes_it() {
    let mut app = idle();
    app.update(key('?'));
    assert_eq!(app.overlay, Overlay::Help);
    app.update(key('?'));
    assert_eq!(app.overlay, Overlay::None);
    app.update(key('?'));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.overlay, Overlay::None);
    // Another key closes the help and does its job.
    app.update(key('?'));
    assert_eq!(app.update(key('s')), start(StartMode::Auto));
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn esc_clears_the_notice() {
    let mut app = idle();
    app.update(key('p'));
    assert!(app.notice.is_some());
    app.update(code(KeyCode::Esc));
    assert!(app.notice.is_none());
}

#[test]
fn tab_and_arrows_move_between_panes() {
    let mut app = idle();
    assert_eq!(app.focus, Pane::Phases);
    let mut seen = vec![];
    for _ in 0..4 {
        app.update(code(KeyCode::Tab));
        seen.push(app.focus);
    }
    assert_eq!(seen, [Pane::Limits, Pane::History, Pane::Log, Pane::Phases]);
    app.update(code(KeyCode::BackTab));
    assert_eq!(app.focus, Pane::Log);
    app.update(code(KeyCode::Right));
    assert_eq!(app.focus, Pane::Phases);
    app.update(code(KeyCode::Left));
    assert_eq!(app.focus, Pane::Log);
}

#[test]
fn up_down_move_the_phase_selection() {
    let mut app = syncing();
    app.update(code(KeyCode::Down));
    app.update(code(KeyCode::Down));
    assert_eq!(app.phases.selected, 2);
    for _ in 0..10 {
        app.update(code(KeyCode::Down));
    }
    assert_eq!(app.phases.selected, app.phases.row_count() - 1);
    app.update(code(KeyCode::Home));
    assert_eq!(app.phases.selected, 0);
    app.update(code(KeyCode::Up));
    assert_eq!(app.phases.selected, 0);
    app.update(code(KeyCode::End));
    assert_eq!(app.phases.selected, app.phases.row_count() - 1);
}

#[test]
fn arrows_and_pages_scroll_history() {
    let mut app = history_populated();
    app.update(Msg::Resize(80, 24));
    app.focus = Pane::History;
    let (rows, _) = app.visible_rows();
    assert!(
        app.history.runs.len() > rows + 1,
        "the fixture overflows the pane"
    );
    // The cursor moves first; the view follows once it leaves the pane.
    app.update(code(KeyCode::Down));
    assert_eq!((app.history.selected, app.history.scroll), (1, 0));
    for _ in 0..rows {
        app.update(code(KeyCode::Down));
    }
    assert_eq!(app.history.selected, rows + 1);
    assert_eq!(app.history.scroll, 2, "the selected run stays in view");
    app.update(code(KeyCode::End));
    // The last run can be selected, and the last page stays full.
    assert_eq!(app.history.selected, app.history.runs.len() - 1);
    assert_eq!(app.history.scroll, app.history.runs.len() - rows);
    app.update(code(KeyCode::Home));
    assert_eq!((app.history.selected, app.history.scroll), (0, 0));
}

#[test]
fn the_log_follows_new_lines_unless_scrolled_back() {
    let mut app = idle();
    app.focus = Pane::Log;
    for i in 0..50 {
        app.update(log(i, tracing::Level::INFO, &format!("line {i}")));
    }
    assert_eq!(app.log.scroll, 0);
    app.update(code(KeyCode::Up));
    app.update(code(KeyCode::Up));
    assert_eq!(app.log.scroll, 2);
    // New lines arrive: the same lines stay in view.
    app.update(log(51, tracing::Level::INFO, "new"));
    assert_eq!(app.log.scroll, 3);
    app.update(code(KeyCode::Down));
    assert_eq!(app.log.scroll, 2);
    app.update(code(KeyCode::End));
    assert_eq!(app.log.scroll, 0);
    app.update(code(KeyCode::Home));
    let (_, rows) = app.visible_rows();
    assert_eq!(app.log.scroll, app.log.lines.len() - rows);
    app.update(code(KeyCode::PageDown));
    assert!(app.log.scroll < app.log.lines.len() - rows);
}

#[test]
fn panes_whose_lines_all_fit_do_not_scroll() {
    let mut app = idle();
    app.update(Msg::Resize(100, 30));
    for i in 0..3 {
        app.update(log(i, tracing::Level::INFO, &format!("line {i}")));
    }
    app.history
        .runs
        .push_front(run(1, RunKind::Full, RunStatus::Success, -600, 60));
    app.history
        .runs
        .push_front(run(2, RunKind::Incremental, RunStatus::Success, -60, 5));
    app.focus = Pane::Log;
    for k in [KeyCode::Up, KeyCode::PageUp, KeyCode::Home] {
        app.update(code(k));
        assert_eq!(app.log.scroll, 0, "{k:?} scrolled a log that fits");
    }
    app.focus = Pane::History;
    for k in [KeyCode::Down, KeyCode::PageDown, KeyCode::End] {
        app.update(code(k));
        assert_eq!(app.history.scroll, 0, "{k:?} scrolled a history that fits");
    }
}

#[test]
fn up_down_in_the_limits_pane_change_nothing() {
    let mut app = syncing();
    app.focus = Pane::Limits;
    let before = (app.phases.selected, app.history.scroll, app.log.scroll);
    app.update(code(KeyCode::Down));
    app.update(code(KeyCode::Up));
    assert_eq!(
        before,
        (app.phases.selected, app.history.scroll, app.log.scroll)
    );
}

#[test]
fn only_key_presses_count() {
    let mut app = idle();
    app.dirty = false;
    assert_eq!(app.update(release('s')), None);
    assert_eq!(app.update(release('q')), None);
    assert_eq!(app.activity, Activity::Idle);
    assert!(!app.quitting);
    assert!(!app.dirty, "a release must not cause a redraw");
}

#[test]
fn unknown_keys_do_not_redraw() {
    let mut app = idle();
    app.dirty = false;
    assert_eq!(app.update(key('z')), None);
    assert_eq!(app.update(code(KeyCode::F(5))), None);
    assert!(!app.dirty);
}

// ---- engine events ---------------------------------------------------------------------------

#[test]
fn run_started_shows_the_run_and_its_phases() {
    let mut app = idle();
    app.update(key('s'));
    started(&mut app, false);
    assert_eq!(app.activity, Activity::Syncing);
    let run = app.run.as_ref().unwrap();
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
    let mut app = idle();
    // Run 7 was paused by a quit; the app restarts and shows it in history.
    app.history
        .runs
        .push_front(run(7, RunKind::Full, RunStatus::Paused, -600, 5));
    app.history
        .runs
        .push_back(run(6, RunKind::Full, RunStatus::Success, -9000, 60));
    app.update(key('s'));
    started(&mut app, true);
    let r = app.history.runs.iter().find(|r| r.id == 7).unwrap();
    assert_eq!(r.status, RunStatus::Running);
    assert_eq!(r.finished_at, None, "its time is counted live again");
    let other = app.history.runs.iter().find(|r| r.id == 6).unwrap();
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
    assert_eq!(app.phases.list.len(), 11);
    assert_eq!(app.phases.row_count(), 6);
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
        (p.rate(app.now).unwrap() - 25.0).abs() < 1e-9,
        "{:?}",
        p.rate(app.now)
    );
    assert_eq!(p.eta(app.now), Some(Duration::from_secs(32)));
    // Quiet time counts: ten seconds later with no batch, the rate has fallen.
    app.update(Msg::Tick(at(18)));
    let p = app.phase(Phase::Tracks).unwrap();
    assert!((p.rate(app.now).unwrap() - 200.0 / 18.0).abs() < 1e-9);
    assert_eq!(p.ratio(), Some(0.2));
    assert_eq!(app.run.as_ref().unwrap().api_calls, 4);
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
    let rate = app.phase(Phase::Albums).unwrap().rate(app.now).unwrap();
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
    assert_eq!(app.limits.limit.unwrap().reason, LimitReason::Window);
    assert_eq!(app.limit_remaining(), Some(Duration::from_secs(30)));
    assert_eq!(
        app.phase(Phase::Playlists).unwrap().status,
        PhaseStatus::RateLimited
    );
    assert!(app.needs_tick());
    app.update(Msg::Tick(at(50)));
    assert_eq!(app.limit_remaining(), Some(Duration::from_secs(20)));
    app.update(ev(SyncEvent::RateLimitCleared, 70));
    assert!(app.limits.limit.is_none());
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
    let app = App::new(snapshot, t0());
    assert_eq!(app.limits.limit.unwrap().reason, LimitReason::Quota);
    assert!(app.needs_tick(), "a countdown must tick");
    // A block that is already over is not shown.
    let snapshot = spotsync::sync::StatusSnapshot {
        blocked_until: Some((at(-1), LimitReason::Quota)),
        ..Default::default()
    };
    assert!(App::new(snapshot, t0()).limits.limit.is_none());
}

#[test]
fn a_hold_ends_by_the_clock_when_nothing_runs() {
    let snapshot = spotsync::sync::StatusSnapshot {
        blocked_until: Some((at(10), LimitReason::Budget)),
        ..Default::default()
    };
    let mut app = App::new(snapshot, t0());
    app.update(Msg::Tick(at(9)));
    assert!(app.limits.limit.is_some());
    app.update(Msg::Tick(at(10)));
    assert!(app.limits.limit.is_none());
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
    let r = app.limits.retry.clone().unwrap();
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
    assert!(app.limits.retry.is_none());
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
    assert!(app.limits.retry.is_some());
    app.update(Msg::Tick(at(48)));
    assert!(app.limits.retry.is_none());
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
    assert_eq!(app.notice.as_ref().unwrap().level, NoticeLevel::Warn);
}

#[test]
fn paused_and_resumed_events() {
    let mut app = syncing();
    app.update(ev(SyncEvent::Paused, 41));
    assert_eq!(app.activity, Activity::Paused);
    assert_eq!(app.run.as_ref().unwrap().status, RunStatus::Paused);
    assert!(
        !app.needs_tick(),
        "a paused screen with no countdown does not tick"
    );
    app.update(ev(SyncEvent::Resumed, 50));
    assert_eq!(app.activity, Activity::Syncing);
    assert_eq!(
        app.phase(Phase::Playlists).unwrap().status,
        PhaseStatus::InProgress
    );
    assert_eq!(app.run.as_ref().unwrap().status, RunStatus::Running);
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
    assert_eq!((app.limits.calls_24h, app.limits.budget), (42, Some(1000)));
}

#[test]
fn run_finished_goes_idle_and_records_history() {
    let mut app = syncing();
    let mut r = run(1, RunKind::Full, RunStatus::Success, 0, 60);
    r.items_added = 3420;
    r.api_calls = 80;
    app.update(ev(SyncEvent::RunFinished { run: r.clone() }, 60));
    assert_eq!(app.activity, Activity::Idle);
    assert_eq!(app.history.runs.front(), Some(&r));
    assert!(notice(&app).contains("+3,420 added"));
    // The same run finishing again (resumed later) replaces its row.
    let mut again = r.clone();
    again.items_added = 3500;
    app.update(ev(SyncEvent::RunFinished { run: again }, 61));
    assert_eq!(app.history.runs.len(), 1);
    assert_eq!(app.history.runs[0].items_added, 3500);
}

#[test]
fn run_finished_cancelled_marks_unfinished_phases() {
    let mut app = syncing();
    app.update(key('c'));
    app.update(key('y'));
    let r = run(1, RunKind::Full, RunStatus::Cancelled, 0, 45);
    app.update(ev(SyncEvent::RunFinished { run: r }, 45));
    assert_eq!(app.activity, Activity::Idle);
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
        app.activity,
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
    assert_eq!(app.notice.as_ref().unwrap().level, NoticeLevel::Error);
}

#[test]
fn engine_stopped_makes_the_app_read_only() {
    let mut app = syncing();
    app.update(Msg::EngineStopped(None));
    assert!(matches!(app.engine, EngineState::Unavailable(_)));
    assert_eq!(app.activity, Activity::Idle);
    assert_eq!(app.update(key('s')), None);
    assert!(notice(&app).contains("Cannot sync"));
}

#[test]
fn an_engine_that_cannot_start_leaves_the_app_read_only() {
    let mut app = idle();
    app.dirty = false;
    assert_eq!(
        app.update(Msg::EngineFailed(EngineFailure::Start(
            "another spotsync is using /x.db".into()
        ))),
        None
    );
    assert!(app.dirty);
    assert_eq!(
        app.engine,
        EngineState::Unavailable("another spotsync is using /x.db".into())
    );
    assert_eq!(notice(&app), "Cannot sync: another spotsync is using /x.db");
    assert_eq!(app.notice.as_ref().unwrap().level, NoticeLevel::Error);
    assert_eq!(app.update(key('s')), None);
}

#[test]
fn log_lines_are_kept_up_to_capacity() {
    let mut app = idle();
    for i in 0..(LOG_CAPACITY + 10) {
        app.update(log(i as i64, tracing::Level::INFO, &format!("{i}")));
    }
    assert_eq!(app.log.lines.len(), LOG_CAPACITY);
    assert_eq!(app.log.lines.front().unwrap().message, "10");
}

#[test]
fn resize_is_remembered() {
    let mut app = idle();
    app.dirty = false;
    app.update(Msg::Resize(200, 60));
    assert_eq!(app.size, (200, 60));
    assert!(app.dirty);
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
    let app = App::new(snapshot, t0());
    assert!(notice(&app).contains("press s to resume"));
}

#[test]
fn f_asks_first_when_an_unfinished_run_would_be_closed() {
    let unfinished = || {
        let snapshot = spotsync::sync::StatusSnapshot {
            current_run: Some(run(3, RunKind::Full, RunStatus::Paused, -60, 30)),
            ..Default::default()
        };
        App::new(snapshot, t0())
    };
    let mut app = unfinished();
    assert_eq!(app.update(key('f')), None);
    assert_eq!(app.overlay, Overlay::ConfirmFull);
    assert_eq!(app.update(key('s')), None, "other keys wait for an answer");
    assert_eq!(app.update(key('y')), start(StartMode::Full));
    assert_eq!(app.activity, Activity::Starting);

    let mut app = unfinished();
    app.update(key('f'));
    assert_eq!(app.update(key('n')), None);
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.activity, Activity::Idle);
    // s still resumes it.
    assert_eq!(app.update(key('s')), start(StartMode::Auto));

    let mut app = unfinished();
    app.update(key('f'));
    assert_eq!(app.update(key('q')), Some(Action::Quit));

    // A finished last run: no question.
    let mut app = history_populated();
    assert_eq!(app.update(key('f')), start(StartMode::Full));
}
