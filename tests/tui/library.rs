//! The Library and Stats screens on a fixed database: snapshots at 80×24 and 160×48 of each tab,
//! a filtered list, detail panes and the stats screen, and `update()` for every new key.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::store::browse::{Period, Query, Tab};
use spotsync::tui::app::{Action, App, Msg, Overlay, Pane, Screen};

use crate::fixtures::*;
use crate::library_db::{build, library_app, send};

fn render(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    terminal.backend().to_string()
}

/// Snapshots at both sizes (the app's size follows, so scrolling matches the screen).
fn snap(name: &str, app: &mut App) {
    for (w, h) in [(80, 24), (160, 48)] {
        app.update(Msg::Resize(w, h));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
    }
}

fn type_text(app: &mut App, db: &std::path::Path, text: &str) {
    for c in text.chars() {
        send(app, db, key(c));
    }
}

fn selected_name(app: &App) -> String {
    app.library()
        .current()
        .selected_row()
        .map(|r| r.name.clone())
        .unwrap_or_default()
}

fn shown_names(app: &App) -> Vec<String> {
    let d = app.library().current();
    d.shown().iter().map(|r| r.name.clone()).collect()
}

#[test]
fn each_tab_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    for (tab, name) in [
        (Tab::Liked, "library_liked"),
        (Tab::Playlists, "library_playlists"),
        (Tab::Albums, "library_albums"),
        (Tab::Artists, "library_artists"),
        (Tab::Plays, "library_plays"),
        (Tab::Changes, "library_changes"),
    ] {
        let mut app = library_app(&db, tab);
        assert!(app.library().current().is_loaded(), "{tab:?} was read");
        let shown = app.library().current().shown().len();
        let expected = match tab {
            Tab::Liked => 11,    // the un-liked song is hidden
            Tab::Playlists => 2, // so is the removed playlist
            Tab::Albums | Tab::Artists => 6,
            // These have their own test (library_audio).
            Tab::Shows => 2,
            Tab::Episodes | Tab::Audiobooks => 3,
            Tab::Plays => app.library().current().rows().len(),
            Tab::Changes => 4, // removals are events: all shown
        };
        assert_eq!(shown, expected, "{tab:?}");
        snap(name, &mut app);
    }
}

#[test]
fn filtered_list_snapshot_and_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let mut app = library_app(&db, Tab::Liked);
    // The un-liked song is hidden unless asked for.
    assert_eq!(shown_names(&app).len(), 11);
    send(&mut app, &db, key('/'));
    assert!(app.library().is_editing());
    type_text(&mut app, &db, "digi");
    // Best match first; the rest are weaker fuzzy matches.
    assert_eq!(shown_names(&app)[0], "Digital Love");
    assert!(shown_names(&app).len() < 11);
    snap("library_filtered", &mut app);
    // Backspace widens again; Esc clears and leaves the line.
    let narrowed = shown_names(&app).len();
    send(&mut app, &db, code(KeyCode::Backspace));
    send(&mut app, &db, code(KeyCode::Backspace));
    assert!(shown_names(&app).len() > narrowed);
    send(&mut app, &db, code(KeyCode::Esc));
    assert!(!app.library().is_editing());
    assert_eq!(app.library().filter_text(), "");
    assert_eq!(shown_names(&app).len(), 11);

    let filter = |app: &mut App, text: &str| {
        send(app, &db, key('/'));
        type_text(app, &db, text);
        send(app, &db, code(KeyCode::Enter));
        let mut names = shown_names(app);
        names.sort();
        send(app, &db, key('/'));
        send(app, &db, code(KeyCode::Esc));
        names
    };
    assert_eq!(filter(&mut app, "artist:portis"), ["Glory Box"]);
    assert_eq!(filter(&mut app, "removed"), ["Sour Times"]);
    assert_eq!(
        filter(&mut app, "in:road"),
        ["Harder, Better, Faster, Stronger", "One More Time"]
    );
    assert_eq!(
        filter(&mut app, "year:1997..1997"),
        ["Bachelorette", "Jóga"]
    );
    assert_eq!(filter(&mut app, "year:1997..1998").len(), 7);
    assert_eq!(
        filter(&mut app, "added:2026"),
        ["Aquarius", "Bachelorette", "Roygbiv"]
    );
    assert_eq!(
        filter(&mut app, "album:mezz"),
        ["Angel", "Inertia Creeps", "Teardrop"]
    );
    assert_eq!(filter(&mut app, "teardrop"), ["Teardrop"]);
    assert_eq!(
        filter(&mut app, "artist:\"daft punk\" love"),
        ["Digital Love"]
    );
}

#[test]
fn detail_panes_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    // A track: its album, artists, ISRC, liked date, playlists with positions, plays.
    let mut app = library_app(&db, Tab::Liked);
    send(&mut app, &db, key('/'));
    type_text(&mut app, &db, "one more");
    send(&mut app, &db, code(KeyCode::Enter));
    assert_eq!(selected_name(&app), "One More Time");
    send(&mut app, &db, code(KeyCode::Enter));
    let detail = app.library().detail().unwrap().answer().cloned().unwrap();
    assert_eq!(detail.title, "One More Time");
    let names: Vec<_> = detail
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.position))
        .collect();
    assert_eq!(names, [("Late Night", Some(3)), ("Road Trip", Some(1))]);
    let fields: std::collections::HashMap<_, _> = detail.fields.iter().cloned().collect();
    assert_eq!(fields["ISRC"], "GBAAA9800001");
    assert!(fields["Album"].starts_with("Discovery (2001-03-12)"));
    assert!(
        fields["Plays"].contains("first 2026-"),
        "{}",
        fields["Plays"]
    );
    snap("library_detail_track", &mut app);
    // Esc closes the detail, then clears the filter.
    send(&mut app, &db, code(KeyCode::Esc));
    assert!(app.library().detail().is_none());
    assert_eq!(app.library().filter_text(), "one more");
    send(&mut app, &db, code(KeyCode::Esc));
    assert_eq!(app.library().filter_text(), "");

    // A playlist: its items in order, local files, episodes and unavailable items as such.
    let mut app = library_app(&db, Tab::Playlists);
    assert_eq!(selected_name(&app), "Road Trip");
    send(&mut app, &db, code(KeyCode::Enter));
    let detail = app.library().detail().unwrap().answer().cloned().unwrap();
    let kinds: Vec<_> = detail.items.iter().map(|i| i.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["track", "track", "local", "track", "episode", "unavailable"]
    );
    snap("library_detail_playlist", &mut app);

    // An artist: their tracks in the library (a featured credit counts).
    let mut app = library_app(&db, Tab::Artists);
    send(&mut app, &db, key('/'));
    type_text(&mut app, &db, "daft");
    send(&mut app, &db, code(KeyCode::Enter));
    send(&mut app, &db, code(KeyCode::Enter));
    let detail = app.library().detail().unwrap().answer().cloned().unwrap();
    assert_eq!(detail.items.len(), 4, "{detail:?}");
    // An album.
    let mut app = library_app(&db, Tab::Albums);
    send(&mut app, &db, code(KeyCode::Enter));
    let detail = app.library().detail().unwrap().answer().cloned().unwrap();
    assert_eq!(detail.title, "Discovery");
    assert_eq!(detail.items.len(), 3);
}

#[test]
fn stats_snapshot_and_period_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let mut app = idle();
    send(&mut app, &db, key('3'));
    assert_eq!(app.screen(), Screen::Stats);
    let stats = app.stats().stats().cloned().expect("statistics were read");
    assert_eq!(
        stats.period,
        Some(Period::Month {
            year: 2026,
            month: 11
        })
    );
    assert_eq!(stats.per_day.len(), 90);
    assert!(stats.per_day.iter().sum::<u64>() > 100);
    assert!(!stats.top_artists.is_empty());
    assert_eq!(stats.coverage.gap_count, 1);
    let clock: u64 = stats.clock.iter().flatten().sum();
    assert_eq!(clock, stats.period_plays);
    snap("stats", &mut app);

    // ← the month before, → back, tab: the whole year.
    let action = app.update(code(KeyCode::Left));
    let Some(Action::Browse(Query::Stats { period, .. })) = action.clone() else {
        panic!("← reads the statistics again: {action:?}");
    };
    assert_eq!(
        period,
        Some(Period::Month {
            year: 2026,
            month: 10
        })
    );
    crate::library_db::act(&mut app, &db, action);
    assert_eq!(app.stats().stats().unwrap().period, period);
    send(&mut app, &db, code(KeyCode::Right));
    send(&mut app, &db, code(KeyCode::Tab));
    assert_eq!(app.stats().period(), Some(Period::Year(2026)));
    let year = app.stats().stats().unwrap().period_plays;
    assert!(year > stats.period_plays);
    assert!(
        app.stats().stats().unwrap().review.is_some(),
        "a year is its review"
    );
    // t: all time, then back to the month of the latest play.
    send(&mut app, &db, key('t'));
    assert_eq!(app.stats().period(), Some(Period::All));
    assert!(app.stats().stats().unwrap().period_plays >= year);
    send(&mut app, &db, key('t'));
    assert_eq!(
        app.stats().period(),
        Some(Period::Month {
            year: 2026,
            month: 11
        })
    );
    send(&mut app, &db, key('h'));
    send(&mut app, &db, key('h'));
    send(&mut app, &db, key('h'));
    send(&mut app, &db, key('h'));
    send(&mut app, &db, key('h'));
    send(&mut app, &db, key('h'));
    send(&mut app, &db, key('h'));
    send(&mut app, &db, key('h'));
    send(&mut app, &db, key('h'));
    send(&mut app, &db, key('h'));
    assert_eq!(
        app.stats().period(),
        Some(Period::Month {
            year: 2026,
            month: 1
        })
    );
    assert!(matches!(
        app.update(key('r')),
        Some(Action::Browse(Query::Stats { .. }))
    ));
    // h / l move the period like ← / →; ↑/↓ do nothing here (they do not scroll hidden panes).
    send(&mut app, &db, key('l'));
    assert_eq!(
        app.stats().period(),
        Some(Period::Month {
            year: 2026,
            month: 2
        })
    );
    send(&mut app, &db, key('h'));
    assert_eq!(
        app.stats().period(),
        Some(Period::Month {
            year: 2026,
            month: 1
        })
    );
    assert_eq!(app.update(code(KeyCode::Down)), None);
    // ? lists the Stats keys.
    app.update(key('?'));
    assert_eq!(app.overlay(), Overlay::Help);
    assert!(render(&app, 80, 24).contains("previous / next month or year"));
}

#[test]
fn screen_keys_and_sync_keys_still_work() {
    let mut app = idle();
    assert_eq!(app.screen(), Screen::Sync);
    assert_eq!(
        app.update(key('2')),
        Some(Action::Browse(Query::Tab(Tab::Liked)))
    );
    assert_eq!(app.screen(), Screen::Library);
    // Already being read: no second read.
    assert_eq!(app.update(key('1')), None);
    assert_eq!(app.screen(), Screen::Sync);
    assert_eq!(app.update(key('2')), None);
    assert!(matches!(
        app.update(key('3')),
        Some(Action::Browse(Query::Stats { .. }))
    ));
    assert_eq!(app.screen(), Screen::Stats);
    // s still starts a sync from any screen; q still quits.
    assert!(matches!(app.update(key('s')), Some(Action::Send(_))));
    app.update(key('1'));
    assert_eq!(app.screen(), Screen::Sync);
    assert_eq!(app.update(key('q')), Some(Action::Quit));
}

#[test]
fn library_keys_move_sort_tab_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let mut app = library_app(&db, Tab::Liked);
    app.update(Msg::Resize(80, 24));
    // Newest liked first.
    assert_eq!(selected_name(&app), "Roygbiv");
    send(&mut app, &db, code(KeyCode::Down));
    assert_eq!(app.library().current().selected(), 1);
    send(&mut app, &db, key('k'));
    assert_eq!(app.library().current().selected(), 0);
    send(&mut app, &db, key('j'));
    send(&mut app, &db, code(KeyCode::End));
    assert_eq!(app.library().current().selected(), 10);
    send(&mut app, &db, code(KeyCode::Home));
    assert_eq!(app.library().current().selected(), 0);
    send(&mut app, &db, code(KeyCode::PageDown));
    assert_eq!(app.library().current().selected(), 10);
    send(&mut app, &db, code(KeyCode::PageUp));
    assert_eq!(app.library().current().selected(), 0);
    // o: by name, then by artist, then by plays, then back to recently added.
    send(&mut app, &db, key('o'));
    assert_eq!(selected_name(&app), "Angel");
    send(&mut app, &db, key('o'));
    assert_eq!(
        app.library().current().selected_row().unwrap().artist,
        "Björk"
    );
    send(&mut app, &db, key('o'));
    let d = app.library().current();
    let plays: Vec<i64> = d.shown().iter().map(|r| r.plays).collect();
    assert!(plays.windows(2).all(|w| w[0] >= w[1]), "{plays:?}");
    send(&mut app, &db, key('o'));
    assert_eq!(selected_name(&app), "Roygbiv");
    // tab / shift-tab / ← / →: the tabs, each read once.
    let action = app.update(code(KeyCode::Tab));
    assert_eq!(action, Some(Action::Browse(Query::Tab(Tab::Playlists))));
    crate::library_db::act(&mut app, &db, action);
    assert_eq!(app.update(code(KeyCode::BackTab)), None);
    assert_eq!(app.library().tab(), Tab::Liked);
    assert_eq!(
        app.update(code(KeyCode::Left)),
        Some(Action::Browse(Query::Tab(Tab::Changes)))
    );
    app.update(code(KeyCode::Right));
    assert_eq!(app.library().tab(), Tab::Liked);
    // r reads the tab again.
    assert_eq!(
        app.update(key('r')),
        Some(Action::Browse(Query::Tab(Tab::Liked)))
    );
    // ↑/↓ move while typing a filter.
    app.update(key('/'));
    app.update(code(KeyCode::Down));
    assert_eq!(app.library().current().selected(), 1);
    app.update(code(KeyCode::Up));
    assert_eq!(app.library().current().selected(), 0);
    app.update(code(KeyCode::Enter));
    assert!(!app.library().is_editing());
    // Esc with neither a detail nor a filter: the notice goes, as on the Sync screen.
    app.update(key('p'));
    assert!(app.notice().is_some());
    app.update(code(KeyCode::Esc));
    assert_eq!(app.notice(), None);
    // While typing a filter, q and digits are text, Ctrl-U clears.
    app.update(key('/'));
    app.update(key('q'));
    app.update(key('2'));
    assert_eq!(app.library().filter_text(), "q2");
    assert!(!app.is_quitting());
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(app.library().filter_text(), "");
    app.update(code(KeyCode::Enter));
    // ? lists the Library keys.
    app.update(key('?'));
    assert_eq!(app.overlay(), Overlay::Help);
    let help = render(&app, 80, 24);
    assert!(help.contains("cycle the order"), "{help}");
    app.update(code(KeyCode::Esc));
    // A read that failed says so on the tab.
    app.update(Msg::Browse {
        query: Query::Tab(Tab::Liked),
        answer: Err("cannot read the library: disk I/O error".into()),
    });
    assert!(render(&app, 80, 24).contains("disk I/O error"));
}

#[test]
fn mouse_wheel_scrolls_and_click_selects() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let mut app = library_app(&db, Tab::Liked);
    app.update(Msg::Resize(80, 24));
    let mouse = |kind, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 10,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(mouse(MouseEventKind::ScrollDown, 5));
    assert_eq!(app.library().current().selected(), 3);
    app.update(mouse(MouseEventKind::ScrollUp, 5));
    assert_eq!(app.library().current().selected(), 0);
    // Header (row 0), tabs (1), filter line (2), table header (3): row 6 is the 3rd row.
    let table = app.library_table();
    app.update(mouse(MouseEventKind::Down(MouseButton::Left), table.y + 3));
    assert_eq!(app.library().current().selected(), 2);
    let screen = render(&app, 80, 24);
    let line = screen.lines().nth(usize::from(table.y) + 3).unwrap();
    assert!(line.contains(&selected_name(&app)), "{line}");
    // Under an overlay the mouse does nothing.
    app.update(key('?'));
    app.update(mouse(MouseEventKind::ScrollDown, 5));
    assert_eq!(app.library().current().selected(), 2);
    app.update(code(KeyCode::Esc));
    // On the Sync screen a click focuses the pane under it, where it is drawn.
    app.update(key('1'));
    let screen = render(&app, 80, 24);
    let row_of = |title: &str| {
        let y = screen.lines().position(|l| l.contains(title)).unwrap();
        u16::try_from(y).unwrap()
    };
    for (title, pane) in [
        ("Rate limit & quota", Pane::Limits),
        ("History", Pane::History),
        ("Log", Pane::Log),
        ("Sync ", Pane::Phases),
    ] {
        app.update(mouse(
            MouseEventKind::Down(MouseButton::Left),
            row_of(title) + 1,
        ));
        assert_eq!(app.focus(), pane, "a click under the {title} title");
    }
}

#[test]
fn reads_while_a_sync_writes_and_refresh_after_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    // The writer holds the store's lock and writes in an open transaction.
    let _store = spotsync::store::Store::open(&db).unwrap();
    let writer = rusqlite::Connection::open(&db).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    writer
        .execute(
            "INSERT INTO plays (played_at, source, api_played_at, track_id)
             VALUES ('2026-11-25T11:59:00Z', 'api', '2026-11-25T11:59:00Z', 't02')",
            [],
        )
        .unwrap();
    let mut app = library_app(&db, Tab::Plays);
    assert_eq!(
        app.library().current().rows().len(),
        app.library().current().shown().len()
    );
    let before = app.library().current().rows().len();
    writer.execute_batch("COMMIT").unwrap();
    // A finished run makes the shown tab be read again.
    let run = crate::fixtures::run(
        3,
        spotsync::sync::RunKind::Incremental,
        spotsync::sync::RunStatus::Success,
        0,
        10,
    );
    send(
        &mut app,
        &db,
        ev(spotsync::sync::SyncEvent::RunFinished { run }, 10),
    );
    assert_eq!(app.library().current().rows().len(), before + 1);
    assert_eq!(shown_names(&app)[0], "Digital Love");
}

#[test]
fn coverage_counts_days_by_source_when_plays_have_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let today = t0().date_naive();
    let period = Period::month_of(t0());
    let query = Query::Stats {
        today,
        period: Some(period),
        offset_minutes: 0,
    };
    let polled_days = |answer| match answer {
        Ok(spotsync::store::browse::Answer::Stats(s)) => s.coverage.days_by_source.clone(),
        other => panic!("{other:?}"),
    };
    let before = polled_days(spotsync::store::browse::run(&db, &query));
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].0, "polled");
    // Plays from an imported export (`source`) are counted on their own.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("UPDATE plays SET source = 'extended' WHERE played_at < '2026-09-01';")
        .unwrap();
    let after = polled_days(spotsync::store::browse::run(&db, &query));
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[0].0, "extended");
    assert_eq!(after[1].0, "polled");
    assert_eq!(after[0].1 + after[1].1, before[0].1);
}
