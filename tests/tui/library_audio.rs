//! The Shows, Episodes and Audiobooks tabs of the Library on the fixed database: `update()` for
//! switching onto them, their orders, filter and details, and snapshots at 80×24 and 160×48.

use std::collections::HashMap;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use spotsync::store::browse::{Detail, Query, Tab};
use spotsync::tui::app::{Action, App, Msg};

use crate::fixtures::*;
use crate::library_db::{act, build, library_app, send};

fn render(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    terminal.backend().to_string()
}

fn snap(name: &str, app: &mut App) {
    for (w, h) in [(80, 24), (160, 48)] {
        app.update(Msg::Resize(w, h));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
    }
}

fn shown_names(app: &App) -> Vec<String> {
    let d = app.library().current();
    d.shown().iter().map(|r| r.name.clone()).collect()
}

/// Type `text` as the filter and leave the line; the names shown, sorted; then clear it.
fn filter(app: &mut App, db: &std::path::Path, text: &str) -> Vec<String> {
    send(app, db, key('/'));
    for c in text.chars() {
        send(app, db, key(c));
    }
    send(app, db, code(KeyCode::Enter));
    let mut names = shown_names(app);
    names.sort();
    send(app, db, key('/'));
    send(app, db, code(KeyCode::Esc));
    names
}

/// Enter on the selected row; the detail once read.
fn open(app: &mut App, db: &std::path::Path) -> Detail {
    send(app, db, code(KeyCode::Enter));
    app.library()
        .detail()
        .and_then(|v| v.answer().cloned())
        .expect("the detail was read")
}

fn fields(d: &Detail) -> HashMap<String, String> {
    d.fields.iter().cloned().collect()
}

#[test]
fn tab_keys_reach_the_new_tabs_after_artists() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let mut app = library_app(&db, Tab::Artists);
    // tab: each new tab is read when first shown, in order.
    for tab in [Tab::Shows, Tab::Episodes, Tab::Audiobooks, Tab::Plays] {
        let action = app.update(code(KeyCode::Tab));
        assert_eq!(action, Some(Action::Browse(Query::Tab(tab))));
        assert_eq!(app.library().tab(), tab);
        act(&mut app, &db, action);
    }
    // shift-tab back: already read, nothing asked.
    for tab in [Tab::Audiobooks, Tab::Episodes, Tab::Shows, Tab::Artists] {
        assert_eq!(app.update(code(KeyCode::BackTab)), None);
        assert_eq!(app.library().tab(), tab);
    }
    // ← from the first tab wraps to the end, then walks back to the audiobooks.
    let mut app = library_app(&db, Tab::Liked);
    for tab in [Tab::Changes, Tab::Plays, Tab::Audiobooks] {
        let action = app.update(code(KeyCode::Left));
        assert_eq!(action, Some(Action::Browse(Query::Tab(tab))));
        act(&mut app, &db, action);
    }
    assert_eq!(
        shown_names(&app),
        [
            "Good Omens",
            "The Left Hand of Darkness",
            "Anthology of Small Hours"
        ]
    );
    // → onwards.
    assert_eq!(
        app.update(code(KeyCode::Right)),
        None,
        "the plays were read"
    );
    assert_eq!(app.library().tab(), Tab::Plays);
}

#[test]
fn each_new_tab_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    for (tab, name, shown) in [
        (
            Tab::Shows,
            "library_shows",
            vec!["Deep Space Notes", "The Vinyl Hour"],
        ),
        (
            Tab::Episodes,
            "library_episodes",
            vec![
                "Episode 13: Pressing plants",
                "Voyager at fifty",
                "Episode 12: Crate digging",
            ],
        ),
        (
            Tab::Audiobooks,
            "library_audiobooks",
            vec![
                "Good Omens",
                "The Left Hand of Darkness",
                "Anthology of Small Hours",
            ],
        ),
    ] {
        let mut app = library_app(&db, tab);
        assert!(app.library().current().is_loaded(), "{tab:?} was read");
        // Newest saved first; what was un-saved is hidden and counted.
        assert_eq!(shown_names(&app), shown, "{tab:?}");
        assert_eq!(
            app.library().current().rows().len(),
            shown.len() + 1,
            "{tab:?}"
        );
        snap(name, &mut app);
    }
}

#[test]
fn orders_and_filter_on_the_new_tabs() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());

    let mut app = library_app(&db, Tab::Shows);
    let first = |app: &App| shown_names(app)[0].clone();
    send(&mut app, &db, key('o'));
    assert_eq!(app.library().sort().label(Tab::Shows), "name");
    assert_eq!(first(&app), "Deep Space Notes");
    send(&mut app, &db, key('o'));
    assert_eq!(app.library().sort().label(Tab::Shows), "publisher");
    assert_eq!(
        first(&app),
        "The Vinyl Hour",
        "Groove Radio before Orbit Media"
    );
    send(&mut app, &db, key('o'));
    assert_eq!(app.library().sort().label(Tab::Shows), "episodes");
    assert_eq!(first(&app), "The Vinyl Hour", "120 episodes");
    send(&mut app, &db, key('o'));
    assert_eq!(app.library().sort().label(Tab::Shows), "recently added");
    assert_eq!(first(&app), "Deep Space Notes");
    // The filter matches the name and the publisher; `removed` shows the un-saved show.
    assert_eq!(filter(&mut app, &db, "orbit"), ["Deep Space Notes"]);
    assert_eq!(filter(&mut app, &db, "vinyl"), ["The Vinyl Hour"]);
    assert_eq!(filter(&mut app, &db, "removed"), ["Old Talk"]);
    assert_eq!(filter(&mut app, &db, "added:2026"), ["Deep Space Notes"]);

    let mut app = library_app(&db, Tab::Episodes);
    // The show's name matches, from the show or as the export named it.
    assert_eq!(
        filter(&mut app, &db, "vinyl hour"),
        ["Episode 12: Crate digging", "Episode 13: Pressing plants"]
    );
    assert_eq!(filter(&mut app, &db, "removed"), ["Monday headlines"]);
    assert_eq!(filter(&mut app, &db, "removed brief"), ["Monday headlines"]);
    assert_eq!(filter(&mut app, &db, "year:2026"), ["Voyager at fifty"]);
    let labels: Vec<_> = (0..5)
        .map(|_| {
            send(&mut app, &db, key('o'));
            (app.library().sort().label(Tab::Episodes), first(&app))
        })
        .collect();
    assert_eq!(
        labels,
        [
            ("name", "Episode 12: Crate digging".to_string()),
            ("show", "Voyager at fifty".to_string()),
            ("year", "Voyager at fifty".to_string()),
            ("length", "Episode 12: Crate digging".to_string()),
            ("recently added", "Episode 13: Pressing plants".to_string()),
        ]
    );

    let mut app = library_app(&db, Tab::Audiobooks);
    // Any author matches, and the name.
    assert_eq!(filter(&mut app, &db, "gaiman"), ["Good Omens"]);
    assert_eq!(filter(&mut app, &db, "pratchett"), ["Good Omens"]);
    assert_eq!(
        filter(&mut app, &db, "darkness"),
        ["The Left Hand of Darkness"]
    );
    assert_eq!(filter(&mut app, &db, "removed"), ["Forgotten Tales"]);
    send(&mut app, &db, key('o'));
    assert_eq!(first(&app), "Anthology of Small Hours");
    send(&mut app, &db, key('o'));
    assert_eq!(app.library().sort().label(Tab::Audiobooks), "author");
    assert_eq!(first(&app), "Good Omens", "Terry before Ursula and Zed");
    send(&mut app, &db, key('o'));
    assert_eq!(app.library().sort().label(Tab::Audiobooks), "chapters");
    assert_eq!(first(&app), "The Left Hand of Darkness", "40 chapters");
}

#[test]
fn new_tab_detail_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());

    // A show: publisher, episodes, when saved, and its saved episodes, newest first.
    let mut app = library_app(&db, Tab::Shows);
    send(&mut app, &db, code(KeyCode::Down));
    let d = open(&mut app, &db);
    assert_eq!(d.title, "The Vinyl Hour");
    let f = fields(&d);
    assert_eq!(f["Publisher"], "Groove Radio");
    assert_eq!(f["Episodes"], "120");
    assert_eq!(f["Saved"], "2025-03-04T09:00:00Z");
    let items: Vec<_> = d
        .items
        .iter()
        .map(|i| (i.kind.as_str(), i.name.as_str()))
        .collect();
    assert_eq!(
        items,
        [
            ("started", "Episode 13: Pressing plants"),
            ("played", "Episode 12: Crate digging"),
        ]
    );
    snap("library_detail_show", &mut app);

    // An episode: its show, release date, length and where listening stopped.
    let mut app = library_app(&db, Tab::Episodes);
    let d = open(&mut app, &db);
    assert_eq!(d.title, "Episode 13: Pressing plants");
    let f = fields(&d);
    assert_eq!(f["Show"], "The Vinyl Hour");
    assert_eq!(f["Released"], "2025-06-01");
    assert_eq!(f["Length"], "49:00");
    assert_eq!(f["Resume"], "at 12:34 of 49:00");
    snap("library_detail_episode", &mut app);
    send(&mut app, &db, code(KeyCode::Esc));
    send(&mut app, &db, code(KeyCode::End));
    let f = fields(&open(&mut app, &db));
    assert_eq!(f["Length"], "1:02:05");
    assert_eq!(f["Resume"], "fully played");
    // The un-saved one, named by the export's show name only.
    send(&mut app, &db, code(KeyCode::Esc));
    send(&mut app, &db, key('/'));
    for c in "removed".chars() {
        send(&mut app, &db, key(c));
    }
    send(&mut app, &db, code(KeyCode::Enter));
    let f = fields(&open(&mut app, &db));
    assert_eq!(f["Show"], "Morning Brief");
    assert_eq!(f["Resume"], "not known");
    assert_eq!(
        f["Saved"],
        "2026-01-11T07:00:00Z, un-saved 2026-11-24T10:00:36Z"
    );

    // An audiobook: authors, narrators, publisher, chapters.
    let mut app = library_app(&db, Tab::Audiobooks);
    let d = open(&mut app, &db);
    assert_eq!(d.title, "Good Omens");
    let f = fields(&d);
    assert_eq!(f["Authors"], "Terry Pratchett, Neil Gaiman");
    assert_eq!(f["Narrators"], "Martin Jarvis");
    assert_eq!(f["Publisher"], "HarperAudio");
    assert_eq!(f["Chapters"], "31");
    snap("library_detail_audiobook", &mut app);
}

#[test]
fn new_tabs_are_not_exported() {
    use spotsync::tui::export::ExportWhat;
    for tab in [Tab::Shows, Tab::Episodes, Tab::Audiobooks] {
        let e = ExportWhat::for_tab(tab, Some(("sh1", "The Vinyl Hour"))).unwrap_err();
        assert!(e.contains("are not exported"), "{e}");
    }
}

#[test]
fn names_that_are_not_a_json_list_are_shown_as_stored() {
    use spotsync::store::browse::{self, Answer};
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE audiobooks SET authors = 'Ursula, as text', narrators = '[\"broken'
         WHERE id = 'ab1'",
        [],
    )
    .unwrap();
    drop(conn);
    let Ok(Answer::Rows(_, rows)) = browse::run(&db, &Query::Tab(Tab::Audiobooks)) else {
        panic!("the audiobooks were read");
    };
    let book = rows.iter().find(|r| r.id == "ab1").unwrap();
    assert_eq!(book.artist, "Ursula, as text");
    let Ok(Answer::Detail(d)) = browse::run(
        &db,
        &Query::Detail {
            tab: Tab::Audiobooks,
            id: "ab1".into(),
        },
    ) else {
        panic!("the detail was read");
    };
    let f = fields(&d);
    assert_eq!(f["Narrators"], "[\"broken");
    // Something not in the mirror is said so.
    let Ok(Answer::Detail(d)) = browse::run(
        &db,
        &Query::Detail {
            tab: Tab::Shows,
            id: "nope".into(),
        },
    ) else {
        panic!("the detail was read");
    };
    assert_eq!(fields(&d)["Show"], "not in the mirror");
}
