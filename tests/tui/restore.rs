//! The Restore screen (`4`) through `App::update`: what it asks of the engine for each key, the
//! plan it shows (snapshots at 80×24 and 160×48), `y` handing the writes to the Sync screen,
//! Esc cancelling them, and a restore refused while a sync runs.

use std::collections::HashMap;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::sync::{Phase, RestoreRequest, RunKind, RunStatus, SyncCommand, SyncEvent};
use spotsync::tui::app::{Action, Activity, App, Msg, Screen};
use spotsync_core::restore::diff::{ListDiff, PlaylistDiff};
use spotsync_core::restore::model::{PlaylistState, Saved};
use spotsync_core::restore::{
    Action as PlaylistAction, Diff, Kind, LibraryState, Pinned, QuotaView, RestorePlan, Selection,
};

use crate::fixtures::*;

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    terminal
}

fn text(app: &App, w: u16, h: u16) -> String {
    render(app, w, h).backend().to_string()
}

fn playlist(id: &str, name: &str) -> PlaylistState {
    PlaylistState {
        id: id.into(),
        name: Some(name.into()),
        description: Some("for the road".into()),
        public: Some(false),
        collaborative: Some(false),
        owner_id: Some("me".into()),
        owned: true,
        items: Some(Vec::new()),
        snapshot_id: None,
        cover: None,
    }
}

/// A plan as the engine sends it: 12 liked songs and 2 albums to save again, a deleted
/// playlist to recreate, an emptied one to roll back, under a 300-a-day quota.
pub fn plan() -> RestorePlan {
    let saved = |n: usize, prefix: &str| -> Vec<Saved> {
        (0..n)
            .map(|i| Saved {
                id: format!("{prefix}{i:02}"),
                added_at: Some(format!("2026-10-{:02}T08:00:00Z", i + 1)),
            })
            .collect()
    };
    let list = |kind, add: Vec<Saved>, requests| ListDiff {
        kind,
        add,
        remove: Vec::new(),
        extra: 0,
        requests,
    };
    let items = (0..30).map(|i| format!("spotify:track:t{i:02}")).collect();
    RestorePlan {
        restore: Pinned {
            id: 1,
            created_at: "2026-11-25T12:00:05Z".into(),
            as_of: "2026-11-20T23:59:59Z".into(),
            selection: Selection::default(),
            target: LibraryState::default(),
            status: "planned".into(),
        },
        resumed: false,
        earliest: "2026-10-01T09:00:00Z".into(),
        diff: Diff {
            lists: vec![
                list(Kind::Liked, saved(12, "track"), 1),
                list(Kind::Albums, saved(2, "album"), 1),
            ],
            playlists: vec![
                PlaylistDiff {
                    action: PlaylistAction::Recreate,
                    target: playlist("p1", "Road trip"),
                    current: None,
                    name: None,
                    details: false,
                    items: None,
                    cover: false,
                    requests: 1,
                },
                PlaylistDiff {
                    action: PlaylistAction::RollBack,
                    target: playlist("p2", "Sunday"),
                    current: Some(playlist("p2", "Sunday")),
                    name: None,
                    details: false,
                    items: Some(items),
                    cover: false,
                    requests: 1,
                },
            ],
            extra_playlists: Vec::new(),
            cannot: vec!["Sunday: 1 local file(s) cannot be added through the API: Demo".into()],
            requests: 4,
        },
        quota: QuotaView {
            daily: Some(300),
            source: "configured".into(),
            restore_per_day: Some(96),
            used_24h: 40,
            room_now: Some(56),
            eta_secs: Some(0),
        },
    }
}

/// The Restore screen with `plan` shown (asked with Enter, names read).
fn planned() -> App {
    let mut app = idle();
    app.update(key('4'));
    app.update(code(KeyCode::Enter));
    let ids = app.update(ev(
        SyncEvent::RestorePlanned {
            plan: Box::new(plan()),
        },
        5,
    ));
    let Some(Action::LoadRestoreNames(ids)) = ids else {
        panic!("the plan's items are named: {ids:?}")
    };
    let names: HashMap<String, String> = ids
        .iter()
        .filter(|id| id.starts_with("track"))
        .map(|id| (id.clone(), format!("Song {id} — The Band")))
        .collect();
    app.update(Msg::RestoreNames(names));
    app.update(ev(
        SyncEvent::RestoreFinished {
            restore_id: Some(1),
            done: false,
            status: RunStatus::Success,
            writes: 0,
            left: 4,
            error: None,
            unavailable: Vec::new(),
        },
        6,
    ));
    app
}

#[test]
fn restore_screens() {
    let mut choosing = idle();
    choosing.update(key('4'));
    for (name, app) in [
        ("restore_choosing", choosing),
        ("restore_planned", planned()),
    ] {
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(&app, w, h).backend());
        }
    }
}

#[test]
fn enter_asks_for_the_plan_of_what_is_picked_and_nothing_is_written() {
    let mut app = idle();
    app.update(key('4'));
    assert_eq!(app.screen(), Screen::Restore);
    // Shows off (the third row), a date typed: its digits are the field's, not screens.
    app.update(code(KeyCode::Down));
    app.update(code(KeyCode::Down));
    app.update(key(' '));
    app.update(key('d'));
    for c in "2026-11-20".chars() {
        app.update(key(c));
    }
    assert_eq!(app.screen(), Screen::Restore, "1 and 2 went to the date");
    app.update(code(KeyCode::Enter));
    let asked = app.update(code(KeyCode::Enter));
    let Some(Action::Send(SyncCommand::Restore(RestoreRequest {
        as_of,
        selection,
        apply,
        ..
    }))) = asked
    else {
        panic!("Enter asks for a plan: {asked:?}")
    };
    assert!(!apply, "a plan writes nothing");
    assert_eq!(as_of.as_deref(), Some("2026-11-20T23:59:59Z"));
    assert!(!selection.kinds.contains(&Kind::Shows), "{selection:?}");
    assert_eq!(selection.kinds.len(), Kind::ALL.len() - 1);
    assert!(text(&app, 80, 24).contains("reading the account and planning"));
    assert_eq!(app.update(key('y')), None, "no plan yet: y writes nothing");
}

#[test]
fn the_plan_shows_counts_then_named_items_and_y_writes_it_on_the_sync_screen() {
    let mut app = planned();
    let screen = text(&app, 160, 48);
    for line in [
        "liked: 12 to add — 1 write request(s)",
        "+ Song track00 — The Band (saved 2026-10-01T08:00:00Z)",
        "… and 7 more",
        "albums: 2 to add",
        "playlist \"Road trip\": recreate",
        "playlist \"Sunday\": roll back",
        "cannot be restored: Sunday: 1 local file(s)",
        "total: 4 write request(s)",
        "y: write this plan",
    ] {
        assert!(screen.contains(line), "no {line:?} in:\n{screen}");
    }
    let asked = app.update(key('y'));
    let Some(Action::Send(SyncCommand::Restore(req))) = asked else {
        panic!("y writes: {asked:?}")
    };
    assert!(req.apply);
    assert_eq!(req.as_of, None, "the restore planned goes on");
    assert_eq!(
        app.screen(),
        Screen::Sync,
        "progress shows on the Sync screen"
    );
    // The writes run: the restore phase's row and a key to cancel it.
    app.update(ev(
        SyncEvent::RunStarted {
            run_id: 7,
            kind: RunKind::Restore,
            phases: vec![Phase::Restore],
            resumed: false,
        },
        10,
    ));
    app.update(ev(
        SyncEvent::PhaseStarted {
            phase: Phase::Restore,
            done: 0,
            total: Some(4),
        },
        10,
    ));
    let screen = text(&app, 100, 30);
    assert!(screen.contains("restore"), "{screen}");
    assert!(screen.contains("Esc cancel restore"), "{screen}");
    // Esc cancels at a batch boundary.
    assert_eq!(
        app.update(code(KeyCode::Esc)),
        Some(Action::Send(SyncCommand::Cancel))
    );
    assert_eq!(app.activity(), Activity::Cancelling);
    app.update(ev(
        SyncEvent::RestoreFinished {
            restore_id: Some(1),
            done: false,
            status: RunStatus::Cancelled,
            writes: 1,
            left: 3,
            error: Some("the restore stopped before its end".into()),
            unavailable: Vec::new(),
        },
        12,
    ));
    app.update(key('4'));
    let screen = text(&app, 160, 48);
    assert!(screen.contains("cancelled at a batch boundary"), "{screen}");
    // Enter plans again (the restore goes on where it stopped).
    assert!(matches!(
        app.update(code(KeyCode::Enter)),
        Some(Action::Send(SyncCommand::Restore(_)))
    ));
}

#[test]
fn a_restore_that_ends_done_says_so_and_names_what_cannot_be_written_back() {
    let mut app = planned();
    app.update(key('y'));
    app.update(ev(
        SyncEvent::RestoreFinished {
            restore_id: Some(1),
            done: true,
            status: RunStatus::Success,
            writes: 4,
            left: 0,
            error: None,
            unavailable: vec!["Gone Song — Nobody (ISRC XX0000000001)".into()],
        },
        20,
    ));
    assert_eq!(app.activity(), Activity::Idle);
    let notice = app.notice().map(|n| n.text.clone()).unwrap_or_default();
    assert!(notice.contains("Restore done"), "{notice}");
    app.update(key('4'));
    let screen = text(&app, 160, 48);
    assert!(
        screen.contains("done: the account equals the target")
            && screen.contains("Gone Song — Nobody (ISRC XX0000000001)"),
        "{screen}"
    );
}

#[test]
fn while_a_sync_runs_a_restore_is_not_asked_and_the_notice_says_why() {
    let mut app = syncing();
    app.update(key('4'));
    assert_eq!(app.update(code(KeyCode::Enter)), None);
    let notice = app.notice().map(|n| n.text.clone()).unwrap_or_default();
    assert!(notice.contains("A sync is running"), "{notice}");
    assert!(
        text(&app, 80, 24).contains("Enter: read the account"),
        "the screen is as before"
    );
}

#[test]
fn a_plan_with_nothing_to_write_offers_no_y() {
    let mut app = idle();
    app.update(key('4'));
    app.update(code(KeyCode::Enter));
    let mut empty = plan();
    empty.diff = Diff::default();
    app.update(ev(
        SyncEvent::RestorePlanned {
            plan: Box::new(empty),
        },
        5,
    ));
    let screen = text(&app, 80, 24);
    assert!(screen.contains("nothing to write"), "{screen}");
    let key_line = screen.lines().nth(22).unwrap_or_default();
    assert!(!key_line.contains("y write"), "{screen}");
    assert_eq!(app.update(key('y')), None);
}
