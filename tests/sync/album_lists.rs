//! Albums' track lists in the mirror: what they bring (artists, pages of long albums) and
//! that every album stored in full holds its whole list.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;
use spotsync::simulator::{self, LibraryTruth};

/// What the track lists of `albums` bring once they are enriched: the artists of the albums
/// and of all their tracks (featured ones too), and the `GET /albums/{id}/tracks` pages of the
/// albums longer than a page (the first page comes with the album).
pub fn album_lists(t: &LibraryTruth, albums: &BTreeSet<String>) -> (BTreeSet<String>, u64) {
    let tracks: HashMap<&str, &simulator::model::TruthTrack> =
        t.tracks.iter().map(|x| (x.id.as_str(), x)).collect();
    let by_id: HashMap<&str, &simulator::model::TruthAlbum> =
        t.albums.iter().map(|x| (x.id.as_str(), x)).collect();
    let mut artists = BTreeSet::new();
    let mut pages = 0;
    for a in albums {
        let album = by_id[a.as_str()];
        artists.extend(album.artist_ids.iter().cloned());
        for tid in &album.track_ids {
            artists.extend(tracks[tid.as_str()].artist_ids.iter().cloned());
        }
        pages += (album.track_ids.len().max(1) as u64 - 1) / 50;
    }
    (artists, pages)
}

/// The tracks of the albums stored in full (their track lists).
pub fn album_list_tracks(c: &Connection, t: &LibraryTruth) -> BTreeSet<String> {
    let mut st = c
        .prepare("SELECT id FROM albums WHERE enriched_at IS NOT NULL")
        .unwrap();
    let full: BTreeSet<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    t.albums
        .iter()
        .filter(|a| full.contains(&a.id))
        .flat_map(|a| a.track_ids.iter().cloned())
        .collect()
}

/// Every album stored in full holds its whole track list (`album_tracks`, in order, with disc
/// and track numbers), complete (`tracks_next` NULL, no error).
pub fn assert_album_lists(c: &Connection, t: &LibraryTruth) {
    let tracks: HashMap<&str, &simulator::model::TruthTrack> =
        t.tracks.iter().map(|x| (x.id.as_str(), x)).collect();
    let mut full = c
        .prepare(
            "SELECT id, tracks_total, tracks_next, tracks_error FROM albums
             WHERE enriched_at IS NOT NULL",
        )
        .unwrap();
    type Full = (String, Option<i64>, Option<i64>, Option<String>);
    let rows: Vec<Full> = full
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, total, next, error) in rows {
        let album = t.albums.iter().find(|a| a.id == id).expect("known album");
        assert_eq!(
            total,
            Some(album.track_ids.len() as i64),
            "album {id} length"
        );
        assert_eq!((next, error), (None, None), "album {id} list complete");
        let mut st = c
            .prepare_cached(
                "SELECT position, disc_number, track_number, track_id FROM album_tracks
                 WHERE album_id = ?1 ORDER BY position",
            )
            .unwrap();
        let got: Vec<(i64, i64, i64, String)> = st
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let want: Vec<(i64, i64, i64, String)> = album
            .track_ids
            .iter()
            .enumerate()
            .map(|(i, tid)| {
                let tr = tracks[tid.as_str()];
                (
                    i as i64,
                    tr.disc_number as i64,
                    tr.track_number as i64,
                    tid.clone(),
                )
            })
            .collect();
        assert_eq!(got, want, "album {id} track list");
    }
}
