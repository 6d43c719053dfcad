//! The library lists besides liked songs and playlists (saved albums, followed artists, shows,
//! episodes, audiobooks, top lists): what a mirror of them holds, and what they cost.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;
use spotsync::simulator::{self, LibraryTruth};

use crate::common::{mirrored_track_ids, readable, top_track_ids};

/// Every phase of a whole-library mirror, without the listening history.
pub const WHOLE_PHASES: &str =
    "tracks,playlists,albums_saved,artists_followed,shows,episodes,audiobooks,top,albums,artists";

pub const RANGES: [&str; 3] = ["short_term", "medium_term", "long_term"];

fn ranges(r: &simulator::model::TruthRanges) -> [(&'static str, &[String]); 3] {
    [
        (RANGES[0], &r.short_term[..]),
        (RANGES[1], &r.medium_term[..]),
        (RANGES[2], &r.long_term[..]),
    ]
}

/// Albums and artists that arrive as full objects from a list (harvested: never GET alone).
pub fn harvested(t: &LibraryTruth) -> (BTreeSet<String>, BTreeSet<String>) {
    let albums = t.saved_albums.iter().map(|a| a.id.clone()).collect();
    let mut artists: BTreeSet<String> = t.followed_artists.iter().cloned().collect();
    for (_, ids) in ranges(&t.top_artists) {
        artists.extend(ids.iter().cloned());
    }
    (albums, artists)
}

/// Every album and artist a whole-library mirror holds.
pub fn catalogue(t: &LibraryTruth, extended: bool) -> (BTreeSet<String>, BTreeSet<String>) {
    let tracks: HashMap<&str, &simulator::model::TruthTrack> =
        t.tracks.iter().map(|x| (x.id.as_str(), x)).collect();
    let albums_by_id: HashMap<&str, &simulator::model::TruthAlbum> =
        t.albums.iter().map(|x| (x.id.as_str(), x)).collect();
    let mut track_ids = mirrored_track_ids(t, extended);
    track_ids.extend(top_track_ids(t));
    let (mut albums, mut artists) = harvested(t);
    for id in &track_ids {
        let tr = tracks[id.as_str()];
        albums.insert(tr.album_id.clone());
        artists.extend(tr.artist_ids.iter().cloned());
    }
    for a in &albums {
        artists.extend(albums_by_id[a.as_str()].artist_ids.iter().cloned());
    }
    (albums, artists)
}

/// Pages of a list of `n` (an empty list still costs its one request).
pub fn pages1(n: usize) -> u64 {
    n.div_ceil(50).max(1) as u64
}

/// The minimum number of `/v1` requests for a whole-library full sync: `/me`, the pages of
/// every list, the item pages of readable playlists, and one GET per album and per artist not
/// harvested (in Extended Quota mode: batches of 20 albums and 50 artists).
pub fn whole_minimum_requests(t: &LibraryTruth, extended: bool) -> u64 {
    let followed: Vec<_> = t.playlists.iter().filter(|p| p.followed).collect();
    let mut n = 1 + pages1(t.saved_tracks.len()) + pages1(followed.len());
    for p in followed.iter().filter(|p| readable(p, extended)) {
        n += p.items.len().div_ceil(50) as u64;
    }
    n += pages1(t.saved_albums.len())
        + pages1(t.followed_artists.len())
        + pages1(t.saved_shows.len())
        + pages1(t.saved_episodes.len())
        + pages1(t.saved_audiobooks.len());
    for (_, ids) in ranges(&t.top_artists)
        .into_iter()
        .chain(ranges(&t.top_tracks))
    {
        n += pages1(ids.len());
    }
    let (albums, artists) = unharvested(t, extended);
    if extended {
        n + albums.div_ceil(20) + artists.div_ceil(50)
    } else {
        n + albums + artists
    }
}

/// The GETs of the enrichment phases after harvest: (albums, artists) not harvested.
pub fn unharvested(t: &LibraryTruth, extended: bool) -> (u64, u64) {
    let (albums, artists) = catalogue(t, extended);
    let (h_albums, h_artists) = harvested(t);
    (
        albums.difference(&h_albums).count() as u64,
        artists.difference(&h_artists).count() as u64,
    )
}

/// Requests of an incremental sync of an unchanged whole library (same day as the last top
/// snapshot): one page of saved tracks, the playlist list, one page of each `added_at` list
/// (albums, shows, episodes, audiobooks), every page of the follows, nothing for the top lists.
pub fn unchanged_incremental_requests(t: &LibraryTruth) -> u64 {
    let followed = t.playlists.iter().filter(|p| p.followed).count();
    1 + pages1(followed) + 4 + pages1(t.followed_artists.len())
}

fn live(c: &Connection, table: &str, key: &str) -> Vec<(String, String)> {
    let mut st = c
        .prepare(&format!(
            "SELECT {key}, added_at FROM {table} WHERE removed_at IS NULL
             ORDER BY added_at DESC, {key}"
        ))
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn want(list: &[simulator::model::TruthSavedItem]) -> Vec<(String, String)> {
    list.iter()
        .map(|s| (s.id.clone(), s.added_at.clone()))
        .collect()
}

/// The lists in the database equal the truth; `follows`: the follows were readable.
pub fn assert_lists(c: &Connection, t: &LibraryTruth, follows: bool) {
    assert_eq!(
        live(c, "saved_albums", "album_id"),
        want(&t.saved_albums),
        "saved albums"
    );
    assert_eq!(
        live(c, "saved_shows", "show_id"),
        want(&t.saved_shows),
        "saved shows"
    );
    assert_eq!(
        live(c, "saved_episodes", "episode_id"),
        want(&t.saved_episodes),
        "saved episodes"
    );
    // `/me/audiobooks` answers bare audiobooks: no `added_at` to store.
    let mut books = want(&t.saved_audiobooks);
    books.sort();
    let books: Vec<(String, Option<String>)> =
        books.into_iter().map(|(id, _)| (id, None)).collect();
    let mut st = c
        .prepare(
            "SELECT audiobook_id, added_at FROM saved_audiobooks WHERE removed_at IS NULL
             ORDER BY audiobook_id",
        )
        .unwrap();
    let got: Vec<(String, Option<String>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, books, "saved audiobooks");
    let mut st = c
        .prepare(
            "SELECT artist_id FROM followed_artists WHERE removed_at IS NULL ORDER BY artist_id",
        )
        .unwrap();
    let follows_db: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut follows_want = if follows {
        t.followed_artists.clone()
    } else {
        Vec::new()
    };
    follows_want.sort();
    assert_eq!(follows_db, follows_want, "followed artists");

    // Shows, episodes and audiobooks with their fields.
    let shows: HashMap<&str, &simulator::model::TruthShow> =
        t.shows.iter().map(|s| (s.id.as_str(), s)).collect();
    for s in &t.saved_shows {
        let (name, publisher, total): (String, String, i64) = c
            .query_row(
                "SELECT name, publisher, total_episodes FROM shows WHERE id = ?1",
                [&s.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap_or_else(|e| panic!("show {}: {e}", s.id));
        let w = shows[s.id.as_str()];
        assert_eq!(
            (name.as_str(), publisher.as_str()),
            (w.name.as_str(), w.publisher.as_str())
        );
        assert_eq!(total, w.total_episodes as i64);
    }
    let episodes: HashMap<&str, &simulator::model::TruthEpisode> =
        t.episodes.iter().map(|e| (e.id.as_str(), e)).collect();
    for e in &t.saved_episodes {
        let (name, show, duration): (String, String, i64) = c
            .query_row(
                "SELECT name, show_id, duration_ms FROM episodes WHERE id = ?1",
                [&e.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap_or_else(|err| panic!("episode {}: {err}", e.id));
        let w = episodes[e.id.as_str()];
        assert_eq!(name, w.name);
        assert_eq!(show, w.show_id);
        assert_eq!(duration, w.duration_ms as i64);
    }
    let books: HashMap<&str, &simulator::model::TruthAudiobook> =
        t.audiobooks.iter().map(|b| (b.id.as_str(), b)).collect();
    for b in &t.saved_audiobooks {
        let (name, authors, chapters): (String, String, i64) = c
            .query_row(
                "SELECT name, authors, total_chapters FROM audiobooks WHERE id = ?1",
                [&b.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap_or_else(|e| panic!("audiobook {}: {e}", b.id));
        let w = books[b.id.as_str()];
        assert_eq!(name, w.name);
        let authors: Vec<String> = serde_json::from_str(&authors).unwrap();
        assert_eq!(authors, w.authors);
        assert_eq!(chapters, w.total_chapters as i64);
    }

    // Today's top lists, rank by rank.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    for (kind, lists) in [("artist", &t.top_artists), ("track", &t.top_tracks)] {
        for (range, ids) in ranges(lists) {
            let mut st = c
                .prepare(
                    "SELECT rank, id FROM top_items WHERE snapshot_date = ?1 AND time_range = ?2
                       AND kind = ?3 ORDER BY rank",
                )
                .unwrap();
            let got: Vec<(i64, String)> = st
                .query_map([&today, range, kind], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let want: Vec<(i64, String)> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| (i as i64 + 1, id.clone()))
                .collect();
            assert_eq!(got, want, "top {kind}s, {range}");
        }
    }

    // Harvested albums and artists are stored as enriched.
    let (albums, artists) = harvested(t);
    for a in &albums {
        let enriched: Option<String> = c
            .query_row("SELECT enriched_at FROM albums WHERE id = ?1", [a], |r| {
                r.get(0)
            })
            .unwrap_or_else(|e| panic!("album {a}: {e}"));
        assert!(enriched.is_some(), "saved album {a} stored as enriched");
    }
    for a in artists
        .iter()
        .filter(|a| follows || !t.followed_artists.contains(a))
    {
        let enriched: Option<String> = c
            .query_row("SELECT enriched_at FROM artists WHERE id = ?1", [a], |r| {
                r.get(0)
            })
            .unwrap_or_else(|e| panic!("artist {a}: {e}"));
        assert!(enriched.is_some(), "artist {a} stored as enriched");
    }
}
