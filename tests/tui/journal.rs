//! Drilling into a run from the history pane (its journaled changes) and the listening-history
//! gaps: `update()` for the keys and messages, and what the screen shows.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::store::journal::{ChangeRow, PlayGap};
use spotsync::sync::{RunKind, RunStatus, StatusSnapshot, SyncEvent};
use spotsync::tui::app::{Action, App, Msg, Overlay, Pane};

use crate::fixtures::*;

/// The run the tests open: the second row of the history (run 5, an incremental run that
/// started 2026-11-23 12:00 and took 64 s: +5 ~2 -4).
const OPENED_RUN: i64 = 5;

/// A change journaled by [`OPENED_RUN`], `id` seconds after it started.
fn change(id: i64, entity: &str, change: &str, name: &str, old: Option<&str>) -> ChangeRow {
    ChangeRow {
        id,
        changed_at: format!("2026-11-23T12:00:{:02}Z", id % 60),
        sync_history_id: Some(OPENED_RUN),
        entity_type: entity.into(),
        entity_id: format!("id{id}"),
        name: Some(name.into()),
        change: change.into(),
        old_value: old.map(String::from),
        new_value: (change == "renamed").then(|| name.to_string()),
    }
}

fn rows() -> Vec<ChangeRow> {
    vec![
        change(8, "playlist", "removed", "Road trip", None),
        change(7, "playlist", "playlist_items_changed", "Mine", None),
        change(
            6,
            "playlist",
            "renamed",
            "Renamed by its owner",
            Some("Old name"),
        ),
        change(5, "saved_track", "removed", "Gone Song", None),
        change(4, "saved_track", "removed", "Other Gone", None),
        change(3, "saved_track", "added", "Brand New", None),
        change(2, "saved_track", "added", "Newer", None),
        change(1, "saved_track", "added", "Newest", None),
    ]
}

fn many(n: i64) -> Vec<ChangeRow> {
    (1..=n)
        .rev()
        .map(|i| change(i, "saved_track", "added", &format!("Song {i}"), None))
        .collect()
}

/// History focused, the second run selected, Enter pressed.
fn opened() -> (App, Option<Action>) {
    let mut app = history_populated();
    app.update(code(KeyCode::Tab));
    app.update(code(KeyCode::Tab));
    assert_eq!(app.focus(), Pane::History);
    app.update(code(KeyCode::Down));
    assert_eq!(app.history().runs()[1].id, OPENED_RUN);
    let action = app.update(code(KeyCode::Enter));
    (app, action)
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    terminal
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

#[test]
fn enter_on_a_run_opens_its_changes_and_asks_for_them() {
    let (app, action) = opened();
    let selected = app.history().runs()[1].id;
    assert_eq!(action, Some(Action::LoadChanges(selected)));
    assert_eq!(app.overlay(), Overlay::Changes);
    let view = app.changes().unwrap();
    assert_eq!(view.run_id(), selected);
    assert!(view.rows().is_none(), "loading until the rows arrive");
}

#[test]
fn enter_elsewhere_or_without_runs_does_nothing() {
    let mut app = history_populated();
    assert_eq!(app.focus(), Pane::Phases);
    assert_eq!(app.update(code(KeyCode::Enter)), None);
    assert_eq!(app.overlay(), Overlay::None);
    let mut app = idle();
    focus(&mut app, Pane::History);
    assert_eq!(app.update(code(KeyCode::Enter)), None);
    assert_eq!(app.overlay(), Overlay::None);
}

#[test]
fn rows_arrive_scroll_and_esc_closes() {
    let (mut app, _) = opened();
    let run_id = app.changes().unwrap().run_id();
    // An answer for another run (an earlier Enter) is ignored.
    app.update(Msg::Changes {
        run_id: run_id + 100,
        rows: Ok(rows()),
    });
    assert!(app.changes().unwrap().rows().is_none());
    app.update(Msg::Changes {
        run_id,
        rows: Ok(many(60)),
    });
    assert_eq!(app.changes().unwrap().rows(), Some(&Ok(many(60))));
    // 80×24: 18 rows fit; the last page starts at 42.
    app.update(code(KeyCode::Down));
    app.update(code(KeyCode::Down));
    assert_eq!(app.changes().unwrap().scroll(), 2);
    app.update(code(KeyCode::Up));
    assert_eq!(app.changes().unwrap().scroll(), 1);
    app.update(code(KeyCode::End));
    assert_eq!(app.changes().unwrap().scroll(), 42);
    app.update(code(KeyCode::PageDown));
    assert_eq!(app.changes().unwrap().scroll(), 42, "not past the end");
    app.update(code(KeyCode::Home));
    assert_eq!(app.changes().unwrap().scroll(), 0);
    // Keys that drive the engine do nothing while the list is open.
    assert_eq!(app.update(key('s')), None);
    assert_eq!(app.overlay(), Overlay::Changes);
    assert_eq!(app.update(code(KeyCode::Esc)), None);
    assert_eq!(app.overlay(), Overlay::None);
    assert!(app.changes().is_none());
    // The history selection is kept.
    assert_eq!(app.history().selected(), 1);
}

#[test]
fn q_in_the_change_list_quits() {
    let (mut app, _) = opened();
    assert_eq!(app.update(key('q')), Some(Action::Quit));
    assert_eq!(app.overlay(), Overlay::None);
}

#[test]
fn a_read_error_is_shown_not_lost() {
    let (mut app, _) = opened();
    let run_id = app.changes().unwrap().run_id();
    app.update(Msg::Changes {
        run_id,
        rows: Err("database is locked".into()),
    });
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains("database is locked"), "{screen}");
}

#[test]
fn change_list_80x24() {
    let (mut app, _) = opened();
    let run_id = app.changes().unwrap().run_id();
    app.update(Msg::Changes {
        run_id,
        rows: Ok(rows()),
    });
    let terminal = render(&app, 80, 24);
    let screen = text(&terminal);
    assert!(
        screen.contains("Old name → Renamed by its owner"),
        "{screen}"
    );
    assert!(screen.contains("items changed"), "{screen}");
    insta::assert_snapshot!("change_list_80x24", terminal.backend());
}

#[test]
fn change_list_of_a_long_run_says_more_below() {
    let (mut app, _) = opened();
    let run_id = app.changes().unwrap().run_id();
    app.update(Msg::Changes {
        run_id,
        rows: Ok(many(60)),
    });
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains("42 more ↓"), "{screen}");
    assert!(
        screen.contains("Song 60") && !screen.contains("Song 1 "),
        "{screen}"
    );
    let empty = {
        let (mut app, _) = opened();
        app.update(Msg::Changes {
            run_id,
            rows: Ok(Vec::new()),
        });
        text(&render(&app, 80, 24))
    };
    assert!(empty.contains("changed nothing"), "{empty}");
}

/// Plays between the last one stored by yesterday's 13:00 poll and the oldest one a poll found
/// today, `detected_at` during that poll.
fn gap(detected_at: &str) -> PlayGap {
    PlayGap {
        after: Some("2026-11-24T12:58:00Z".into()),
        before: "2026-11-25T09:40:00Z".into(),
        detected_at: detected_at.into(),
    }
}

#[test]
fn play_gaps_from_the_snapshot_are_shown() {
    // Yesterday's poll, then today's (11:59:00–11:59:02), which found the gap.
    let found = gap("2026-11-25T11:59:01Z");
    let snapshot = StatusSnapshot {
        history: vec![
            run(2, RunKind::Plays, RunStatus::Success, -60, 2),
            run(1, RunKind::Plays, RunStatus::Success, -86_400 + 3_600, 2),
        ],
        play_gaps: vec![found.clone()],
        ..Default::default()
    };
    let app = loaded(snapshot);
    assert_eq!(app.phases().play_gaps().to_vec(), vec![found]);
    let screen = text(&render(&app, 80, 24));
    assert!(
        screen.contains("plays may be missing between 2026-11-24 12:58 and 2026-11-25 09:40"),
        "{screen}"
    );
    // Roomy: a short form in the plays pane, the sentence in the rate-limit pane.
    let screen = text(&render(&app, 160, 48));
    assert!(screen.contains("gap 11-24 12:58 → 11-25 09:40"), "{screen}");
    assert!(screen.contains("plays may be missing between"), "{screen}");
    let screen = text(&render(&history_populated(), 80, 24));
    assert!(!screen.contains("may be missing"), "{screen}");
}

#[test]
fn a_finished_run_with_plays_rereads_the_gaps() {
    let mut app = history_populated();
    assert!(app.phases().shows_plays());
    // Run 7 polls plays from 11:59:58 to 11:59:59 and records a gap.
    let finished = run(7, RunKind::Plays, RunStatus::Success, -2, 1);
    let action = app.update(ev(SyncEvent::RunFinished { run: finished }, 0));
    assert_eq!(action, Some(Action::LoadPlayGaps));
    app.mark_drawn();
    let found = gap("2026-11-25T11:59:59Z");
    app.update(Msg::PlayGaps(vec![found.clone()]));
    assert!(app.needs_redraw());
    assert_eq!(app.phases().play_gaps().to_vec(), vec![found]);
}
