//! A fixed library in a real SQLite file, for the Library and Stats screens: artists, albums,
//! tracks, liked songs (one un-liked), playlists (one removed, with a local file, an episode and
//! an unavailable item), plays at fixed times up to the fixtures' `t0`, a gap and changes; saved
//! shows, episodes and audiobooks (one of each un-saved).

use std::path::{Path, PathBuf};

use chrono::Duration;
use rusqlite::params;
use spotsync::store::Store;
use spotsync::store::browse::{self, Query, Tab};
use spotsync::tui::app::{App, Msg, Screen, Setup};

use crate::fixtures::t0;

pub const ARTISTS: [(&str, &str); 6] = [
    ("ar1", "Daft Punk"),
    ("ar2", "Massive Attack"),
    ("ar3", "Portishead"),
    ("ar4", "Björk"),
    ("ar5", "Boards of Canada"),
    ("ar6", "Air"),
];

/// id, name, artist, release date.
pub const ALBUMS: [(&str, &str, &str, &str); 6] = [
    ("al1", "Discovery", "ar1", "2001-03-12"),
    ("al2", "Mezzanine", "ar2", "1998-04-20"),
    ("al3", "Dummy", "ar3", "1994-08-22"),
    ("al4", "Homogenic", "ar4", "1997-09-22"),
    (
        "al5",
        "Music Has the Right to Children",
        "ar5",
        "1998-04-20",
    ),
    ("al6", "Moon Safari", "ar6", "1998-01-16"),
];

/// id, name, album, artists.
pub const TRACKS: [(&str, &str, &str, &[&str]); 14] = [
    ("t01", "One More Time", "al1", &["ar1"]),
    ("t02", "Digital Love", "al1", &["ar1"]),
    ("t03", "Harder, Better, Faster, Stronger", "al1", &["ar1"]),
    ("t04", "Angel", "al2", &["ar2"]),
    ("t05", "Teardrop", "al2", &["ar2"]),
    ("t06", "Inertia Creeps", "al2", &["ar2"]),
    ("t07", "Glory Box", "al3", &["ar3"]),
    ("t08", "Sour Times", "al3", &["ar3"]),
    ("t09", "Jóga", "al4", &["ar4"]),
    ("t10", "Bachelorette", "al4", &["ar4"]),
    ("t11", "Roygbiv", "al5", &["ar5"]),
    ("t12", "Aquarius", "al5", &["ar5"]),
    ("t13", "La femme d'argent", "al6", &["ar6"]),
    ("t14", "Sexy Boy", "al6", &["ar6", "ar1"]),
];

/// Build the library into `dir/library.db`.
pub fn build(dir: &Path) -> PathBuf {
    let path = dir.join("library.db");
    // The store creates the schema; the rows go in over a plain connection.
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let c = &conn;
    c.execute_batch("BEGIN").unwrap();
    c.execute(
        "INSERT INTO sync_history (id, kind, started_at, finished_at, status)
         VALUES (1, 'full', '2026-11-20T10:00:00Z', '2026-11-20T10:05:00Z', 'success'),
                (2, 'incremental', '2026-11-24T10:00:00Z', '2026-11-24T10:01:00Z', 'success')",
        [],
    )
    .unwrap();
    for (id, name) in ARTISTS {
        c.execute(
            "INSERT INTO artists (id, name, genres) VALUES (?1, ?2, '[]')",
            params![id, name],
        )
        .unwrap();
    }
    for (id, name, artist, date) in ALBUMS {
        c.execute(
            "INSERT INTO albums (id, name, release_date, label) VALUES (?1, ?2, ?3, 'Label')",
            params![id, name, date],
        )
        .unwrap();
        c.execute(
            "INSERT INTO album_artists (album_id, artist_id, position) VALUES (?1, ?2, 0)",
            params![id, artist],
        )
        .unwrap();
    }
    for (i, (id, name, album, artists)) in TRACKS.iter().enumerate() {
        c.execute(
            "INSERT INTO tracks (id, name, album_id, duration_ms, disc_number, track_number, isrc)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)",
            params![
                id,
                name,
                album,
                180_000 + i as i64 * 7_000,
                i as i64 % 3 + 1,
                format!("GBAAA98{:05}", i + 1)
            ],
        )
        .unwrap();
        for (pos, a) in artists.iter().enumerate() {
            c.execute(
                "INSERT INTO track_artists (track_id, artist_id, position) VALUES (?1, ?2, ?3)",
                params![id, a, pos as i64],
            )
            .unwrap();
        }
    }
    // Liked: all but t13 and t14; t08 was un-liked.
    for (i, (id, ..)) in TRACKS.iter().take(12).enumerate() {
        let added = format!("2024-0{}-1{}T08:00:00Z", i % 9 + 1, i % 10);
        let added = if i >= 9 {
            format!("2026-1{}-0{}T20:30:00Z", (i - 9) % 2, i - 8)
        } else {
            added
        };
        let removed = (*id == "t08").then_some("2026-11-24T10:00:30Z");
        c.execute(
            "INSERT INTO saved_tracks (track_id, added_at, removed_at, last_seen_run_id)
             VALUES (?1, ?2, ?3, 2)",
            params![id, added, removed],
        )
        .unwrap();
    }
    let playlists = [
        ("pl1", "Road Trip", 0, None),
        ("pl2", "Late Night", 1, None),
        ("pl3", "Old Favourites", 2, Some("2026-11-24T10:00:40Z")),
    ];
    for (id, name, pos, removed) in playlists {
        c.execute(
            "INSERT INTO playlists (id, name, owner_id, owner_name, total_items, items_status,
                                    list_position, removed_at, items_synced_at, description)
             VALUES (?1, ?2, 'me', 'Me', 0, 'synced', ?3, ?4, '2026-11-24T10:00:50Z', '')",
            params![id, name, pos, removed],
        )
        .unwrap();
    }
    let items: [(&str, &str, Option<&str>, Option<&str>); 11] = [
        ("pl1", "track", Some("t01"), None),
        ("pl1", "track", Some("t14"), None),
        ("pl1", "local", None, Some("Garage demo (local file)")),
        ("pl1", "track", Some("t03"), None),
        ("pl1", "episode", None, Some("The Vinyl Hour, episode 12")),
        ("pl1", "unavailable", None, None),
        ("pl2", "track", Some("t05"), None),
        ("pl2", "track", Some("t07"), None),
        ("pl2", "track", Some("t01"), None),
        ("pl3", "track", Some("t08"), None),
        ("pl3", "track", Some("t11"), None),
    ];
    let mut pos = std::collections::HashMap::new();
    for (pl, kind, track, name) in items {
        let p = pos.entry(pl).or_insert(0i64);
        c.execute(
            "INSERT INTO playlist_items (playlist_id, position, item_type, track_id, name,
                                         added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, '2025-06-01T12:00:00Z')",
            params![pl, *p, kind, track, name],
        )
        .unwrap();
        *p += 1;
    }
    // Plays: over the 120 days up to t0, a day's count and hours vary with the day.
    let mut n = 0usize;
    for day in 0..120i64 {
        let date = t0() - Duration::days(119 - day);
        let count = (day * 7 % 11) as usize / 2 + usize::from(day % 5 != 0);
        for k in 0..count {
            let hour = (day as usize * 5 + k * 7) % 24;
            let at = date
                .date_naive()
                .and_hms_opt(hour as u32, (k * 13 % 60) as u32, 0);
            let Some(at) = at else { continue };
            let at = at.and_utc();
            if at > t0() {
                continue;
            }
            let track = TRACKS[(day as usize * 3 + k * 5 + n % 2) % TRACKS.len()].0;
            c.execute(
                "INSERT INTO plays (played_at, source, api_played_at, track_id)
                 VALUES (?1, 'api', ?1, ?2)",
                params![spotsync::store::ts(at), track],
            )
            .unwrap();
            n += 1;
        }
    }
    c.execute(
        "INSERT INTO play_gaps (after, before, detected_at)
         VALUES ('2026-09-02T08:00:00Z', '2026-09-04T21:00:00Z', '2026-09-05T00:00:00Z')",
        [],
    )
    .unwrap();
    let changes = [
        ("saved_track", "t08", "removed", None, None),
        ("playlist", "pl3", "removed", None, None),
        (
            "playlist",
            "pl2",
            "renamed",
            Some("Late"),
            Some("Late Night"),
        ),
        ("saved_track", "t12", "added", None, None),
    ];
    for (i, (kind, id, change, old, new)) in changes.into_iter().enumerate() {
        c.execute(
            "INSERT INTO library_changes (changed_at, sync_history_id, entity_type, entity_id,
                                          change, old_value, new_value)
             VALUES (?1, 2, ?2, ?3, ?4, ?5, ?6)",
            params![
                format!("2026-11-24T10:00:{:02}Z", 30 + i),
                kind,
                id,
                change,
                old,
                new
            ],
        )
        .unwrap();
    }
    podcasts_and_audiobooks(c);
    c.execute_batch("COMMIT").unwrap();
    path
}

/// id, name, publisher, total episodes, saved, un-saved.
type ShowRow<'a> = (&'a str, &'a str, &'a str, i64, &'a str, Option<&'a str>);
pub const SHOWS: [ShowRow; 3] = [
    (
        "sh1",
        "The Vinyl Hour",
        "Groove Radio",
        120,
        "2025-03-04T09:00:00Z",
        None,
    ),
    (
        "sh2",
        "Deep Space Notes",
        "Orbit Media",
        48,
        "2026-10-12T07:30:00Z",
        None,
    ),
    (
        "sh3",
        "Old Talk",
        "Gone Network",
        10,
        "2024-01-02T12:00:00Z",
        Some("2026-11-24T10:00:35Z"),
    ),
];

/// id, name, show id, show name (as the export names it), length, released, resume position,
/// fully played, saved, un-saved.
type EpisodeRow<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    i64,
    &'a str,
    Option<i64>,
    Option<i64>,
    &'a str,
    Option<&'a str>,
);
pub const EPISODES: [EpisodeRow; 4] = [
    (
        "ep1",
        "Episode 12: Crate digging",
        Some("sh1"),
        "The Vinyl Hour",
        3_725_000,
        "2025-05-01",
        Some(0),
        Some(1),
        "2025-05-02T18:00:00Z",
        None,
    ),
    (
        "ep2",
        "Episode 13: Pressing plants",
        Some("sh1"),
        "The Vinyl Hour",
        2_940_000,
        "2025-06-01",
        Some(754_000),
        Some(0),
        "2026-11-10T21:15:00Z",
        None,
    ),
    (
        "ep3",
        "Voyager at fifty",
        Some("sh2"),
        "Deep Space Notes",
        1_800_000,
        "2026-09-05",
        Some(0),
        Some(0),
        "2026-09-06T06:45:00Z",
        None,
    ),
    (
        "ep4",
        "Monday headlines",
        None,
        "Morning Brief",
        600_000,
        "2026-01-10",
        None,
        None,
        "2026-01-11T07:00:00Z",
        Some("2026-11-24T10:00:36Z"),
    ),
];

/// id, name, authors, narrators (JSON, as stored), publisher, chapters, saved, un-saved.
type BookRow<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    i64,
    &'a str,
    Option<&'a str>,
);
pub const AUDIOBOOKS: [BookRow; 4] = [
    (
        "ab1",
        "The Left Hand of Darkness",
        r#"["Ursula K. Le Guin"]"#,
        r#"["George Guidall"]"#,
        "Recorded Books",
        40,
        "2025-12-24T16:00:00Z",
        None,
    ),
    (
        "ab2",
        "Good Omens",
        r#"["Terry Pratchett","Neil Gaiman"]"#,
        r#"["Martin Jarvis"]"#,
        "HarperAudio",
        31,
        "2026-11-01T19:20:00Z",
        None,
    ),
    (
        "ab4",
        "Anthology of Small Hours",
        r#"["Zed Writer"]"#,
        r#"["Amy Reader"]"#,
        "Tiny Press",
        12,
        "2025-01-01T08:00:00Z",
        None,
    ),
    (
        "ab3",
        "Forgotten Tales",
        r#"["Anne Onymous"]"#,
        "[]",
        "Nobody Press",
        5,
        "2024-05-05T10:00:00Z",
        Some("2026-11-24T10:00:37Z"),
    ),
];

fn podcasts_and_audiobooks(c: &rusqlite::Connection) {
    for (id, name, publisher, total, added, removed) in SHOWS {
        c.execute(
            "INSERT INTO shows (id, name, publisher, description, total_episodes, uri)
             VALUES (?1, ?2, ?3, 'About ' || ?2, ?4, 'spotify:show:' || ?1)",
            params![id, name, publisher, total],
        )
        .unwrap();
        c.execute(
            "INSERT INTO saved_shows (show_id, added_at, removed_at, last_seen_run_id)
             VALUES (?1, ?2, ?3, 2)",
            params![id, added, removed],
        )
        .unwrap();
    }
    for (id, name, show, show_name, ms, released, resume, fully, added, removed) in EPISODES {
        c.execute(
            "INSERT INTO episodes (id, name, uri, show_name, show_id, duration_ms, release_date,
                                   resume_position_ms, fully_played)
             VALUES (?1, ?2, 'spotify:episode:' || ?1, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, name, show_name, show, ms, released, resume, fully],
        )
        .unwrap();
        c.execute(
            "INSERT INTO saved_episodes (episode_id, added_at, removed_at, last_seen_run_id)
             VALUES (?1, ?2, ?3, 2)",
            params![id, added, removed],
        )
        .unwrap();
    }
    for (id, name, authors, narrators, publisher, chapters, added, removed) in AUDIOBOOKS {
        c.execute(
            "INSERT INTO audiobooks (id, name, authors, narrators, publisher, total_chapters, uri)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'spotify:audiobook:' || ?1)",
            params![id, name, authors, narrators, publisher, chapters],
        )
        .unwrap();
        c.execute(
            "INSERT INTO saved_audiobooks (audiobook_id, added_at, removed_at, last_seen_run_id)
             VALUES (?1, ?2, ?3, 2)",
            params![id, added, removed],
        )
        .unwrap();
    }
}

/// Run `q` on the database the way the event loop does (a read-only connection) and feed the
/// answer to the app.
pub fn answer(app: &mut App, db: &Path, q: Query) {
    let answer = browse::run(db, &q);
    app.update(Msg::Browse { query: q, answer });
}

/// Carry out what an update asked for: the reads, answered at once.
pub fn act(app: &mut App, db: &Path, action: Option<spotsync::tui::app::Action>) {
    use spotsync::tui::app::Action;
    match action {
        Some(Action::Browse(q)) => answer(app, db, q),
        Some(Action::Many(v)) => {
            for a in v {
                act(app, db, Some(a));
            }
        }
        _ => {}
    }
}

/// Feed a message and carry out the reads it asks for.
pub fn send(app: &mut App, db: &Path, msg: Msg) {
    let action = app.update(msg);
    act(app, db, action);
}

/// The idle app on the Library screen of the fixed library, on `tab`.
pub fn library_app(db: &Path, tab: Tab) -> App {
    library_app_with(db, tab, crate::fixtures::setup())
}

/// [`library_app`], started with `setup`.
pub fn library_app_with(db: &Path, tab: Tab, setup: Setup) -> App {
    let mut app = crate::fixtures::idle_with(setup);
    send(&mut app, db, crate::fixtures::key('2'));
    assert_eq!(app.screen(), Screen::Library);
    while app.library().tab() != tab {
        send(
            &mut app,
            db,
            crate::fixtures::code(crossterm::event::KeyCode::Tab),
        );
    }
    app
}
