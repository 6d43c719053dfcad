//! Albums' track lists and the saves of a list without `added_at`, on a real SQLite file.

use serde_json::json;

use crate::domain::RunId;
use crate::spotify::model::{Album, Page};
use crate::store::Store;
use crate::store::library::{Journal, SavedList};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("lib.db")).unwrap();
    (dir, s)
}

/// A page of `n` simplified tracks of album `a` from `offset`, of a list of `total`.
fn tracks(a: &str, offset: usize, n: usize, total: usize) -> Page {
    let items: Vec<serde_json::Value> = (offset..offset + n)
        .map(|i| {
            json!({
                "id": format!("{a}t{i}"),
                "name": format!("Track {i}"),
                "disc_number": 1 + i / 100,
                "track_number": 1 + i % 100,
                "artists": [{"id": format!("{a}x{}", i % 3), "name": "Featured"}],
            })
        })
        .collect();
    serde_json::from_value(json!({"items": items, "total": total, "next": null})).unwrap()
}

fn list(s: &Store, a: &str) -> Vec<(i64, String)> {
    let mut st = s
        .conn
        .prepare(
            "SELECT position, track_id FROM album_tracks WHERE album_id = ?1 ORDER BY position",
        )
        .unwrap();
    st.query_map([a], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn left(s: &Store, a: &str) -> (Option<i64>, Option<i64>) {
    s.conn
        .query_row(
            "SELECT tracks_total, tracks_next FROM albums WHERE id = ?1",
            [a],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn a_long_album_is_paged_to_its_end_and_not_again() {
    let (_d, s) = store();
    let sql = s.sql();
    let mut album: Album = serde_json::from_value(json!({"id": "a", "name": "Long"})).unwrap();
    album.tracks = Some(tracks("a", 0, 50, 120));
    assert_eq!(
        sql.harvest_album(&album, "2026-01-01T00:00:00Z")
            .unwrap()
            .as_deref(),
        Some("a")
    );
    assert_eq!(left(&s, "a"), (Some(120), Some(50)));
    assert_eq!(
        sql.put_album_tracks("a", 50, &tracks("a", 50, 50, 120))
            .unwrap()
            .next,
        Some(100)
    );
    let end = sql
        .put_album_tracks("a", 100, &tracks("a", 100, 20, 120))
        .unwrap();
    assert_eq!(end.next, None);
    assert_eq!(left(&s, "a"), (Some(120), None));
    let stored = list(&s, "a");
    assert_eq!(stored.len(), 120);
    assert_eq!(stored[119], (119, "at119".to_string()));
    // The tracks and their (featured) artists are in the catalog, on this album.
    let (album_id, credits): (String, i64) = s
        .conn
        .query_row(
            "SELECT t.album_id, (SELECT COUNT(*) FROM track_artists WHERE track_id = t.id)
             FROM tracks t WHERE t.id = 'at7'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((album_id.as_str(), credits), ("a", 1));
    // Seen again (the next full sync re-reads the saved album): nothing left to page.
    sql.harvest_album(&album, "2026-01-02T00:00:00Z").unwrap();
    assert_eq!(left(&s, "a"), (Some(120), None));
    assert_eq!(list(&s, "a").len(), 120);
    // The album grew: its list is paged again.
    album.tracks = Some(tracks("a", 0, 50, 121));
    sql.harvest_album(&album, "2026-01-03T00:00:00Z").unwrap();
    assert_eq!(left(&s, "a"), (Some(121), Some(50)));
}

#[test]
fn a_shorter_list_drops_the_tracks_past_its_end() {
    let (_d, s) = store();
    let sql = s.sql();
    sql.exec("INSERT INTO albums (id) VALUES ('b')", [])
        .unwrap();
    sql.put_album_tracks("b", 0, &tracks("b", 0, 12, 12))
        .unwrap();
    assert_eq!(list(&s, "b").len(), 12);
    sql.put_album_tracks("b", 0, &tracks("b", 0, 10, 10))
        .unwrap();
    assert_eq!(list(&s, "b").len(), 10);
    assert_eq!(left(&s, "b"), (Some(10), None));
}

#[test]
fn saves_without_a_date_keep_the_order_they_were_first_seen_in() {
    let (_d, s) = store();
    let sql = s.sql();
    let run = RunId::new(1).unwrap();
    let j = |at: &'static str| Journal { run: None, at };
    let books = SavedList::AUDIOBOOKS;
    for (pos, id) in ["zz", "aa"].iter().enumerate() {
        sql.exec("INSERT INTO audiobooks (id) VALUES (?1)", [id])
            .unwrap();
        sql.upsert_saved_item(books, id, None, pos as u64, run, j("2026-01-01T00:00:00Z"))
            .unwrap();
    }
    // A later sync: a new save first in the list; the others seen again lower down.
    sql.exec("INSERT INTO audiobooks (id) VALUES ('mm')", [])
        .unwrap();
    for (pos, id) in ["mm", "zz", "aa"].iter().enumerate() {
        sql.upsert_saved_item(books, id, None, pos as u64, run, j("2026-02-01T00:00:00Z"))
            .unwrap();
    }
    let order = |s: &Store| -> Vec<String> {
        s.sql()
            .tab_rows(crate::store::browse::Tab::Audiobooks)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(order(&s), ["mm", "zz", "aa"]);
    // Un-saved, then saved again: first seen anew.
    sql.exec(
        "UPDATE saved_audiobooks SET removed_at = '2026-03-01T00:00:00Z' WHERE audiobook_id = 'aa'",
        [],
    )
    .unwrap();
    sql.upsert_saved_item(books, "aa", None, 0, run, j("2026-04-01T00:00:00Z"))
        .unwrap();
    assert_eq!(order(&s), ["aa", "mm", "zz"]);
}

/// A relinked track (`linked_from`: sent when a request names a market, as ccleung's recording
/// of `/me/tracks?market=ES` shows) is stored under the id the user saved, not the stand-in.
#[test]
fn a_relinked_track_is_stored_under_the_id_it_stands_in_for() {
    let (_d, s) = store();
    let t: crate::spotify::model::Playable = serde_json::from_value(json!({
        "id": "6VblKxa3SBincDG9bBsaNj",
        "uri": "spotify:track:6VblKxa3SBincDG9bBsaNj",
        "name": "Yellow",
        "linked_from": {"id": "6fmTgT8i42Pcs9lFwpthpF", "type": "track",
                        "uri": "spotify:track:6fmTgT8i42Pcs9lFwpthpF"},
        "album": {"id": "0KUI3w812Y6ZabAb6qEqOC", "name": "Parachutes", "album_type": "ALBUM"},
        "artists": [{"id": "4gzpq5DPGxSnKTe4SA8HAU", "name": "Coldplay"}]
    }))
    .unwrap();
    let id = s.sql().upsert_track(&t).unwrap();
    assert_eq!(id.as_deref(), Some("6fmTgT8i42Pcs9lFwpthpF"));
    let (stored, uri, album_type): (String, String, String) = s
        .conn
        .query_row(
            "SELECT t.id, t.uri, a.album_type FROM tracks t JOIN albums a ON a.id = t.album_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(stored, "6fmTgT8i42Pcs9lFwpthpF");
    assert_eq!(uri, "spotify:track:6fmTgT8i42Pcs9lFwpthpF");
    assert_eq!(album_type, "album");
}
