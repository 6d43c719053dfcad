//! The value order on a real SQLite file, with a library whose order is known.

use rusqlite::params;

use super::*;
use crate::store::Store;

/// Tracks `t{n}` on albums and by artists named for what they have:
/// - `zz_liked`: six tracks, five of them saved (the sixth was saved, then removed);
/// - `yy_plays`: one track, played four times, never saved;
/// - `xx_list`: one track, in a playlist of the library once;
/// - `ww_gone`: one track, saved then removed, and in a playlist removed from the library;
/// - `aa_none`, `ab_none`: one track each, nothing else;
/// - `mm_kept`: saved album / followed artist, no track with value;
/// - `ee_done`: five saved tracks, but already enriched.
fn library(s: &Store) {
    let c = &s.conn;
    let groups: &[(&str, usize)] = &[
        ("zz_liked", 6),
        ("yy_plays", 1),
        ("xx_list", 1),
        ("ww_gone", 1),
        ("aa_none", 1),
        ("ab_none", 1),
        ("mm_kept", 0),
        ("ee_done", 5),
    ];
    let mut n = 0;
    for (name, tracks) in groups {
        let enriched = (*name == "ee_done").then_some("2026-01-01T00:00:00Z");
        c.execute(
            "INSERT INTO albums (id, name, enriched_at) VALUES (?1, ?1, ?2)",
            params![name, enriched],
        )
        .unwrap();
        c.execute(
            "INSERT INTO artists (id, name, enriched_at) VALUES (?1, ?1, ?2)",
            params![name, enriched],
        )
        .unwrap();
        for _ in 0..*tracks {
            n += 1;
            let t = format!("t{n}");
            c.execute(
                "INSERT INTO tracks (id, name, album_id) VALUES (?1, ?1, ?2)",
                params![t, name],
            )
            .unwrap();
            c.execute(
                "INSERT INTO track_artists (track_id, artist_id, position) VALUES (?1, ?2, 0)",
                params![t, name],
            )
            .unwrap();
            let (saved, removed) = match (*name, n) {
                ("zz_liked", 6) | ("ww_gone", _) => (true, Some("2026-02-01T00:00:00Z")),
                ("zz_liked" | "ee_done", _) => (true, None),
                _ => (false, None),
            };
            if saved {
                c.execute(
                    "INSERT INTO saved_tracks (track_id, added_at, removed_at)
                     VALUES (?1, '2025-01-01T00:00:00Z', ?2)",
                    params![t, removed],
                )
                .unwrap();
            }
            if *name == "yy_plays" {
                for i in 0..4 {
                    c.execute(
                        "INSERT INTO plays (played_at, source, item_type, track_id)
                         VALUES (?1, 'api', 'track', ?2)",
                        params![format!("2026-03-0{}T10:00:00Z", i + 1), t],
                    )
                    .unwrap();
                }
            }
            let list = match *name {
                "xx_list" => Some(("pl_kept", None)),
                "ww_gone" => Some(("pl_gone", Some("2026-02-01T00:00:00Z"))),
                _ => None,
            };
            if let Some((pl, removed)) = list {
                c.execute(
                    "INSERT INTO playlists (id, name, removed_at) VALUES (?1, ?1, ?2)",
                    params![pl, removed],
                )
                .unwrap();
                c.execute(
                    "INSERT INTO playlist_items (playlist_id, position, item_type, track_id)
                     VALUES (?1, 0, 'track', ?2)",
                    params![pl, t],
                )
                .unwrap();
            }
        }
    }
    // A play of a local file or an episode has no track: it counts for nothing.
    c.execute(
        "INSERT INTO plays (played_at, source, item_type) VALUES ('2026-03-09T10:00:00Z', 'api',
                                                                  'episode')",
        [],
    )
    .unwrap();
    c.execute(
        "INSERT INTO saved_albums (album_id, added_at) VALUES ('mm_kept', '2025-01-01T00:00:00Z')",
        [],
    )
    .unwrap();
    c.execute(
        "INSERT INTO followed_artists (artist_id, first_seen_at)
         VALUES ('mm_kept', '2025-01-01T00:00:00Z')",
        [],
    )
    .unwrap();
}

/// Liked (5 × 10 = 50) > saved or followed (10) > plays (4 × 1) > playlist (3) > nothing (0,
/// by id; what was un-saved or left a removed playlist counts for nothing); enriched ones never.
const ORDER: [&str; 7] = [
    "zz_liked", "mm_kept", "yy_plays", "xx_list", "aa_none", "ab_none", "ww_gone",
];

#[test]
fn most_valuable_first_ties_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("value.db")).unwrap();
    library(&s);
    for table in [EnrichTable::Albums, EnrichTable::Artists] {
        let all = s.sql().unenriched(table, usize::MAX).unwrap();
        assert_eq!(all, ORDER, "{table:?}");
        assert_eq!(
            s.sql().unenriched(table, 3).unwrap(),
            ORDER[..3],
            "{table:?}"
        );
        assert_eq!(s.sql().count_unenriched(table).unwrap(), ORDER.len() as u64);
    }
}

#[test]
fn an_artist_counts_every_track_it_is_credited_on() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("value.db")).unwrap();
    library(&s);
    // `ab_none` is the second artist of the five liked tracks: now only `zz_liked` is worth
    // more (both 50; the tie goes by id).
    for i in 1..=5 {
        s.conn
            .execute(
                "INSERT INTO track_artists (track_id, artist_id, position) VALUES (?1, 'ab_none', 1)",
                [format!("t{i}")],
            )
            .unwrap();
    }
    let artists = s.sql().unenriched(EnrichTable::Artists, 3).unwrap();
    assert_eq!(artists, ["ab_none", "zz_liked", "mm_kept"]);
    // Albums are not touched by an artist credit.
    let albums = s.sql().unenriched(EnrichTable::Albums, 3).unwrap();
    assert_eq!(albums, ORDER[..3]);
}

#[test]
fn still_unenriched_drops_what_was_enriched_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("value.db")).unwrap();
    library(&s);
    s.conn
        .execute(
            "UPDATE albums SET enriched_at = '2026-04-01T00:00:00Z' WHERE id = 'yy_plays'",
            [],
        )
        .unwrap();
    let ids: Vec<String> = ["zz_liked", "yy_plays", "ee_done", "aa_none", "nope"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        s.sql().still_unenriched(EnrichTable::Albums, &ids).unwrap(),
        ["zz_liked", "aa_none"]
    );
    assert_eq!(
        s.sql().unenriched(EnrichTable::Albums, usize::MAX).unwrap(),
        [
            "zz_liked", "mm_kept", "xx_list", "aa_none", "ab_none", "ww_gone"
        ]
    );
}

#[test]
fn albums_with_track_pages_left_go_by_value() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("value.db")).unwrap();
    library(&s);
    s.conn
        .execute_batch(
            "UPDATE albums SET tracks_next = 50, tracks_total = 120
              WHERE id IN ('aa_none', 'ee_done', 'yy_plays');
             UPDATE albums SET tracks_next = 100, tracks_total = 101 WHERE id = 'aa_none';",
        )
        .unwrap();
    // ee_done: five liked tracks (enriched already: its details are not asked for again, its
    // track list still is); yy_plays: four plays; aa_none: nothing.
    let left = s.sql().albums_with_tracks_left(usize::MAX).unwrap();
    assert_eq!(
        left,
        [
            ("ee_done".to_string(), 50, Some(120)),
            ("yy_plays".to_string(), 50, Some(120)),
            ("aa_none".to_string(), 100, Some(101)),
        ]
    );
    let pages = s.sql().album_track_pages().unwrap();
    assert_eq!((pages.albums, pages.pages), (3, 2 + 2 + 1));
}

#[test]
fn tracks_only_an_export_knows_go_most_played_first() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("value.db")).unwrap();
    library(&s);
    let c = &s.conn;
    // Export-only tracks: a row with the export's name, no album, no credits.
    for (id, plays) in [("h1", 3), ("h2", 5), ("h3", 0), ("h4", 5)] {
        c.execute("INSERT INTO tracks (id, name) VALUES (?1, ?1)", [id])
            .unwrap();
        for i in 0..plays {
            c.execute(
                "INSERT INTO plays (played_at, source, item_type, track_id)
                 VALUES (?1, 'extended', 'track', ?2)",
                params![format!("2024-01-0{}T{id}:00Z", i + 1), id],
            )
            .unwrap();
        }
    }
    let sql = s.sql();
    // A track never played is nobody's history; the catalog's own (`yy_plays`) is not asked.
    assert_eq!(
        sql.unenriched(EnrichTable::Tracks, usize::MAX).unwrap(),
        ["h2", "h4", "h1"]
    );
    assert_eq!(sql.count_unenriched(EnrichTable::Tracks).unwrap(), 3);
    sql.mark_unenrichable(
        EnrichTable::Tracks,
        "h2",
        crate::domain::EnrichError::NotFound,
        "2026-01-01T00:00:00Z",
    )
    .unwrap();
    assert_eq!(
        sql.still_unenriched(EnrichTable::Tracks, &["h1".into(), "h2".into()])
            .unwrap(),
        ["h1"]
    );
    assert_eq!(sql.count_unenriched(EnrichTable::Tracks).unwrap(), 2);
}
