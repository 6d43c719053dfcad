//! The keys that drive a sync (start, pause, resume, cancel), quitting, the help and the
//! notice: what each sends to the engine and what the screen says.

use crossterm::event::KeyCode;
use spotsync::sync::{Phase, PhaseStatus, RunKind, RunStatus, StartMode, SyncCommand, SyncEvent};
use spotsync::tui::app::{Action, Activity, App, EngineFailure, Msg, NoticeLevel, Overlay};

use crate::fixtures::*;

fn start(mode: StartMode) -> Option<Action> {
    Some(Action::Send(SyncCommand::Start {
        mode,
        only: Vec::new(),
    }))
}

fn notice(app: &App) -> String {
    app.notice().map(|n| n.text.clone()).unwrap_or_default()
}

#[test]
fn s_starts_in_auto_mode_when_idle() {
    let mut app = idle();
    assert_eq!(app.update(key('s')), start(StartMode::Auto));
    assert_eq!(app.activity(), Activity::Starting);
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
        assert_eq!(app.activity(), Activity::Syncing);
        assert_eq!(app.notice().unwrap().level, NoticeLevel::Warn);
    }
}

#[test]
fn s_resumes_a_paused_run_and_f_refuses() {
    let mut app = syncing();
    app.update(key('p'));
    app.update(ev(SyncEvent::Paused, 41));
    assert_eq!(app.activity(), Activity::Paused);
    assert_eq!(app.update(key('f')), None);
    assert!(notice(&app).contains("paused"));
    assert_eq!(
        app.update(key('s')),
        Some(Action::Send(SyncCommand::Resume))
    );
    assert_eq!(app.activity(), Activity::Syncing);
}

#[test]
fn without_a_token_start_keys_say_to_run_auth() {
    let mut app = not_connected("Not connected to Spotify: run `spotsync auth`");
    for c in ['s', 'f', 'i'] {
        assert_eq!(app.update(key(c)), None);
        assert_eq!(app.activity(), Activity::Idle);
        let n = app.notice().cloned().unwrap();
        assert_eq!(n.level, NoticeLevel::Error);
        assert!(n.text.contains("spotsync auth"), "{}", n.text);
    }
}

#[test]
fn without_an_engine_start_keys_explain_why() {
    let mut app = idle();
    app.update(Msg::EngineFailed(EngineFailure::Start(
        "another spotsync is using /x.db".into(),
    )));
    assert_eq!(app.update(key('s')), None);
    assert!(notice(&app).contains("another spotsync"));
}

#[test]
fn p_pauses_then_resumes() {
    let mut app = syncing();
    assert_eq!(app.update(key('p')), Some(Action::Send(SyncCommand::Pause)));
    assert_eq!(app.activity(), Activity::Pausing);
    // A second p while the batch finishes does not send twice.
    assert_eq!(app.update(key('p')), None);
    app.update(ev(SyncEvent::Paused, 42));
    assert_eq!(app.activity(), Activity::Paused);
    assert_eq!(
        app.phase(Phase::Playlists).unwrap().status,
        PhaseStatus::Paused
    );
    assert_eq!(
        app.update(key('p')),
        Some(Action::Send(SyncCommand::Resume))
    );
    assert_eq!(app.activity(), Activity::Syncing);
}

#[test]
fn p_when_idle_does_nothing() {
    let mut app = idle();
    assert_eq!(app.update(key('p')), None);
    assert_eq!(app.activity(), Activity::Idle);
    assert!(notice(&app).contains("Nothing to pause"));
}

#[test]
fn c_asks_before_cancelling_and_y_cancels() {
    let mut app = syncing();
    assert_eq!(app.update(key('c')), None);
    assert_eq!(app.overlay(), Overlay::ConfirmCancel);
    // Other keys do nothing while asking.
    assert_eq!(app.update(key('s')), None);
    assert_eq!(app.overlay(), Overlay::ConfirmCancel);
    assert_eq!(
        app.update(key('y')),
        Some(Action::Send(SyncCommand::Cancel))
    );
    assert_eq!(app.overlay(), Overlay::None);
    assert_eq!(app.activity(), Activity::Cancelling);
}

#[test]
fn c_then_n_or_esc_keeps_syncing() {
    for no in [key('n'), code(KeyCode::Esc)] {
        let mut app = syncing();
        app.update(key('c'));
        assert_eq!(app.update(no), None);
        assert_eq!(app.overlay(), Overlay::None);
        assert_eq!(app.activity(), Activity::Syncing);
    }
}

#[test]
fn c_when_idle_has_nothing_to_cancel() {
    let mut app = idle();
    assert_eq!(app.update(key('c')), None);
    assert_eq!(app.overlay(), Overlay::None);
    assert!(notice(&app).contains("Nothing to cancel"));
}

#[test]
fn q_quits_from_anywhere_once() {
    let mut app = syncing();
    assert_eq!(app.update(key('q')), Some(Action::Quit));
    assert!(app.is_quitting());
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
    assert_eq!(app.overlay(), Overlay::None);
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
    assert_eq!(app.overlay(), Overlay::Help);
    app.update(key('?'));
    assert_eq!(app.overlay(), Overlay::None);
    app.update(key('?'));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.overlay(), Overlay::None);
    // Another key closes the help and does its job.
    app.update(key('?'));
    assert_eq!(app.update(key('s')), start(StartMode::Auto));
    assert_eq!(app.overlay(), Overlay::None);
}

#[test]
fn esc_clears_the_notice() {
    let mut app = idle();
    app.update(key('p'));
    assert!(app.notice().is_some());
    app.update(code(KeyCode::Esc));
    assert!(app.notice().is_none());
}

#[test]
fn f_asks_first_when_an_unfinished_run_would_be_closed() {
    let unfinished = || {
        let snapshot = spotsync::sync::StatusSnapshot {
            current_run: Some(run(3, RunKind::Full, RunStatus::Paused, -60, 30)),
            ..Default::default()
        };
        loaded(snapshot)
    };
    let mut app = unfinished();
    assert_eq!(app.update(key('f')), None);
    assert_eq!(app.overlay(), Overlay::ConfirmFull);
    assert_eq!(app.update(key('s')), None, "other keys wait for an answer");
    assert_eq!(app.update(key('y')), start(StartMode::Full));
    assert_eq!(app.activity(), Activity::Starting);

    let mut app = unfinished();
    app.update(key('f'));
    assert_eq!(app.update(key('n')), None);
    assert_eq!(app.overlay(), Overlay::None);
    assert_eq!(app.activity(), Activity::Idle);
    // s still resumes it.
    assert_eq!(app.update(key('s')), start(StartMode::Auto));

    let mut app = unfinished();
    app.update(key('f'));
    assert_eq!(app.update(key('q')), Some(Action::Quit));

    // A finished last run: no question.
    let mut app = history_populated();
    assert_eq!(app.update(key('f')), start(StartMode::Full));
}
