//! The Albums tab's detail: the album's whole track list once it is stored (`album_tracks`,
//! harvested with saved albums and enriched albums), the liked tracks marked, a featured artist
//! named; the tracks in the library while it is not.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rusqlite::params;
use spotsync::store::browse::Tab;
use spotsync::tui::app::{App, Msg};

use crate::fixtures::code;
use crate::library_db::{build, library_app, send};

/// Discovery's track list: the three tracks of the library (two liked) among its 14, one with a
/// featured artist; the album said it has 14.
fn store_discovery_list(db: &std::path::Path) {
    let c = rusqlite::Connection::open(db).unwrap();
    let names = [
        "One More Time",
        "Aerodynamic",
        "Digital Love",
        "Harder, Better, Faster, Stronger",
        "Crescendolls",
        "Nightvision",
        "Superheroes",
        "High Life",
        "Something About Us",
        "Voyager",
        "Veridis Quo",
        "Short Circuit",
        "Face to Face",
        "Too Long",
    ];
    let ours = [
        ("One More Time", "t01"),
        ("Digital Love", "t02"),
        ("Harder, Better, Faster, Stronger", "t03"),
    ];
    for (i, name) in names.iter().enumerate() {
        let id = match ours.iter().find(|(n, _)| n == name) {
            Some((_, id)) => id.to_string(),
            None => {
                let id = format!("d{i:02}");
                c.execute(
                    "INSERT INTO tracks (id, name, album_id, disc_number, track_number)
                     VALUES (?1, ?2, 'al1', 1, ?3)",
                    params![id, name, i as i64 + 1],
                )
                .unwrap();
                c.execute(
                    "INSERT INTO track_artists (track_id, artist_id, position) VALUES (?1, 'ar1', 0)",
                    [&id],
                )
                .unwrap();
                id
            }
        };
        c.execute(
            "INSERT INTO album_tracks (album_id, position, disc_number, track_number, track_id)
             VALUES ('al1', ?1, 1, ?2, ?3)",
            params![i as i64, i as i64 + 1, id],
        )
        .unwrap();
    }
    // "Face to Face" features Todd Edwards, known now through the album's list.
    c.execute(
        "INSERT INTO artists (id, name) VALUES ('ar9', 'Todd Edwards')",
        [],
    )
    .unwrap();
    c.execute(
        "INSERT INTO track_artists (track_id, artist_id, position) VALUES ('d12', 'ar9', 1)",
        [],
    )
    .unwrap();
    c.execute(
        "UPDATE albums SET tracks_total = 14, enriched_at = '2026-11-20T10:04:00Z' WHERE id = 'al1'",
        [],
    )
    .unwrap();
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    terminal.backend().to_string()
}

#[test]
fn an_album_shows_its_whole_track_list_with_the_liked_ones_marked() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    store_discovery_list(&db);
    let mut app = library_app(&db, Tab::Albums);
    send(&mut app, &db, code(KeyCode::Enter));
    let detail = app.library().detail().unwrap().answer().cloned().unwrap();
    assert_eq!(detail.title, "Discovery");
    assert_eq!(detail.items.len(), 14);
    assert_eq!(detail.items_title, "14 tracks · 3 liked");
    let liked: Vec<&str> = detail
        .items
        .iter()
        .filter(|i| i.kind == "liked")
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(
        liked,
        [
            "One More Time",
            "Digital Love",
            "Harder, Better, Faster, Stronger"
        ]
    );
    assert_eq!(detail.items[12].sub, "Daft Punk, Todd Edwards");
    assert_eq!(detail.items[13].position, Some(14));
    for (w, h) in [(80, 24), (160, 48)] {
        app.update(Msg::Resize(w, h));
        insta::assert_snapshot!(format!("library_detail_album_{w}x{h}"), render(&app, w, h));
    }
}

#[test]
fn a_list_cut_short_says_how_much_of_it_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    store_discovery_list(&db);
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute(
        "UPDATE albums SET tracks_total = 16, tracks_error = 'not_found' WHERE id = 'al1'",
        [],
    )
    .unwrap();
    let mut app = library_app(&db, Tab::Albums);
    send(&mut app, &db, code(KeyCode::Enter));
    let detail = app.library().detail().unwrap().answer().cloned().unwrap();
    assert_eq!(
        detail.items_title,
        "14 of 16 tracks · 3 liked · the rest could not be fetched"
    );
}

/// A two-disc album is numbered through its list (1 to 14), not by track number per disc (1
/// to 7 twice).
#[test]
fn a_two_disc_album_is_numbered_through() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    store_discovery_list(&db);
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute(
        "UPDATE album_tracks SET disc_number = 1 + position / 7, track_number = 1 + position % 7
         WHERE album_id = 'al1'",
        [],
    )
    .unwrap();
    let mut app = library_app(&db, Tab::Albums);
    send(&mut app, &db, code(KeyCode::Enter));
    let detail = app.library().detail().unwrap().answer().cloned().unwrap();
    let numbers: Vec<Option<i64>> = detail.items.iter().map(|i| i.position).collect();
    let through: Vec<Option<i64>> = (1..=14).map(Some).collect();
    assert_eq!(numbers, through);
    assert_eq!(detail.items[7].name, "High Life", "disc 2 opens");
}
