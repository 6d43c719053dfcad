//! Moving around the Sync screen: focus, scrolling each pane, and which messages redraw.

use crossterm::event::KeyCode;
use spotsync::sync::{RunKind, RunStatus, SyncEvent};
use spotsync::tui::app::{Activity, Msg, Pane};

use crate::fixtures::*;

#[test]
fn tab_and_arrows_move_between_panes() {
    let mut app = idle();
    assert_eq!(app.focus(), Pane::Phases);
    let mut seen = vec![];
    for _ in 0..4 {
        app.update(code(KeyCode::Tab));
        seen.push(app.focus());
    }
    assert_eq!(seen, [Pane::Limits, Pane::History, Pane::Log, Pane::Phases]);
    app.update(code(KeyCode::BackTab));
    assert_eq!(app.focus(), Pane::Log);
    app.update(code(KeyCode::Right));
    assert_eq!(app.focus(), Pane::Phases);
    app.update(code(KeyCode::Left));
    assert_eq!(app.focus(), Pane::Log);
}

#[test]
fn up_down_move_the_phase_selection() {
    let mut app = syncing();
    app.update(code(KeyCode::Down));
    app.update(code(KeyCode::Down));
    assert_eq!(app.phases().selected(), 2);
    for _ in 0..10 {
        app.update(code(KeyCode::Down));
    }
    assert_eq!(app.phases().selected(), app.phases().row_count() - 1);
    app.update(code(KeyCode::Home));
    assert_eq!(app.phases().selected(), 0);
    app.update(code(KeyCode::Up));
    assert_eq!(app.phases().selected(), 0);
    app.update(code(KeyCode::End));
    assert_eq!(app.phases().selected(), app.phases().row_count() - 1);
}

#[test]
fn arrows_and_pages_scroll_history() {
    let mut app = history_populated();
    app.update(Msg::Resize(80, 24));
    focus(&mut app, Pane::History);
    let (rows, _) = app.visible_rows();
    assert!(
        app.history().runs().len() > rows + 1,
        "the fixture overflows the pane"
    );
    // The cursor moves first; the view follows once it leaves the pane.
    app.update(code(KeyCode::Down));
    assert_eq!((app.history().selected(), app.history().scroll()), (1, 0));
    for _ in 0..rows {
        app.update(code(KeyCode::Down));
    }
    assert_eq!(app.history().selected(), rows + 1);
    assert_eq!(app.history().scroll(), 2, "the selected run stays in view");
    app.update(code(KeyCode::End));
    // The last run can be selected, and the last page stays full.
    assert_eq!(app.history().selected(), app.history().runs().len() - 1);
    assert_eq!(app.history().scroll(), app.history().runs().len() - rows);
    app.update(code(KeyCode::Home));
    assert_eq!((app.history().selected(), app.history().scroll()), (0, 0));
}

#[test]
fn the_log_follows_new_lines_unless_scrolled_back() {
    let mut app = idle();
    focus(&mut app, Pane::Log);
    for i in 0..50 {
        app.update(log(i, tracing::Level::INFO, &format!("line {i}")));
    }
    assert_eq!(app.log().scroll(), 0);
    app.update(code(KeyCode::Up));
    app.update(code(KeyCode::Up));
    assert_eq!(app.log().scroll(), 2);
    // New lines arrive: the same lines stay in view.
    app.update(log(51, tracing::Level::INFO, "new"));
    assert_eq!(app.log().scroll(), 3);
    app.update(code(KeyCode::Down));
    assert_eq!(app.log().scroll(), 2);
    app.update(code(KeyCode::End));
    assert_eq!(app.log().scroll(), 0);
    app.update(code(KeyCode::Home));
    let (_, rows) = app.visible_rows();
    assert_eq!(app.log().scroll(), app.log().lines().len() - rows);
    app.update(code(KeyCode::PageDown));
    assert!(app.log().scroll() < app.log().lines().len() - rows);
}

#[test]
fn panes_whose_lines_all_fit_do_not_scroll() {
    let mut app = idle();
    app.update(Msg::Resize(100, 30));
    for i in 0..3 {
        app.update(log(i, tracing::Level::INFO, &format!("line {i}")));
    }
    for (i, r) in [
        run(1, RunKind::Full, RunStatus::Success, -600, 60),
        run(2, RunKind::Incremental, RunStatus::Success, -60, 5),
    ]
    .into_iter()
    .enumerate()
    {
        app.update(ev(SyncEvent::RunFinished { run: r }, i as i64));
    }
    focus(&mut app, Pane::Log);
    for k in [KeyCode::Up, KeyCode::PageUp, KeyCode::Home] {
        app.update(code(k));
        assert_eq!(app.log().scroll(), 0, "{k:?} scrolled a log that fits");
    }
    focus(&mut app, Pane::History);
    for k in [KeyCode::Down, KeyCode::PageDown, KeyCode::End] {
        app.update(code(k));
        assert_eq!(
            app.history().scroll(),
            0,
            "{k:?} scrolled a history that fits"
        );
    }
}

#[test]
fn up_down_in_the_limits_pane_change_nothing() {
    let mut app = syncing();
    focus(&mut app, Pane::Limits);
    let before = (
        app.phases().selected(),
        app.history().scroll(),
        app.log().scroll(),
    );
    app.update(code(KeyCode::Down));
    app.update(code(KeyCode::Up));
    assert_eq!(
        before,
        (
            app.phases().selected(),
            app.history().scroll(),
            app.log().scroll()
        )
    );
}

#[test]
fn only_key_presses_count() {
    let mut app = idle();
    app.mark_drawn();
    assert_eq!(app.update(release('s')), None);
    assert_eq!(app.update(release('q')), None);
    assert_eq!(app.activity(), Activity::Idle);
    assert!(!app.is_quitting());
    assert!(!app.needs_redraw(), "a release must not cause a redraw");
}

#[test]
fn unknown_keys_do_not_redraw() {
    let mut app = idle();
    app.mark_drawn();
    assert_eq!(app.update(key('z')), None);
    assert_eq!(app.update(code(KeyCode::F(5))), None);
    assert!(!app.needs_redraw());
}

/// A message that changes nothing on screen does not cost a frame: an answer for a list no
/// longer open, gaps already shown, a key on a pane with nothing to scroll, the mouse under an
/// overlay, a report from a login that was closed.
#[test]
fn messages_that_change_nothing_do_not_redraw() {
    let mut app = history_populated();
    let quiet = |app: &mut spotsync::tui::app::App, msg: Msg| {
        app.mark_drawn();
        assert_eq!(app.update(msg.clone()), None);
        assert!(!app.needs_redraw(), "{msg:?} asked for a frame");
    };
    quiet(
        &mut app,
        Msg::Changes {
            run_id: 5,
            rows: Ok(Vec::new()),
        },
    );
    let gaps = app.phases().play_gaps().to_vec();
    quiet(&mut app, Msg::PlayGaps(gaps));
    focus(&mut app, Pane::Limits);
    quiet(&mut app, code(KeyCode::Down));
    app.update(key('?'));
    quiet(
        &mut app,
        Msg::Mouse(crossterm::event::MouseEvent {
            kind: crossterm::event::MouseEventKind::ScrollDown,
            column: 1,
            row: 10,
            modifiers: crossterm::event::KeyModifiers::NONE,
        }),
    );
    quiet(
        &mut app,
        Msg::Login(spotsync::tui::panes::login::LoginEvent::Exchanging),
    );
    // A message that does change the screen still asks for one.
    app.mark_drawn();
    app.update(code(KeyCode::Esc));
    assert!(app.needs_redraw());
}
