//! What the catalog says of the tracks a span of plays names: each track's name, length,
//! album and artists in credit order. Read by one look-up per track when they are few, else by
//! reading the catalog's tables once each and keeping what is asked for (a year holds tens of
//! thousands of tracks: a look-up each costs about ten times a row read in order).

use std::rc::Rc;

use rusqlite::{Row as SqlRow, params};
use rustc_hash::{FxHashMap, FxHashSet};

use super::super::Sql;
use super::super::row::{FromRow, bad_value};

/// A track of the catalog, as the Stats screen names it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Track {
    pub name: Option<String>,
    pub duration_ms: Option<i64>,
    /// The name of its album (none: no album, or the album is not stored or has no name).
    pub album: Option<Rc<str>>,
    /// Its artists' names in credit order: those stored with a name, blank names left out.
    pub artists: Box<[Rc<str>]>,
}

/// How the tracks are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Read {
    /// One look-up per track (few tracks).
    ByTrack,
    /// The catalog's tables read once each.
    Whole,
    /// One or the other, by how many tracks are asked for against the catalog's size.
    Cheaper,
}

/// From how many tracks asked for per track stored (`1 / SCAN_SHARE`) reading the tables whole
/// is cheaper than a look-up per track.
const SCAN_SHARE: u64 = 8;

/// A row of `tracks`.
struct TrackRow {
    id: String,
    name: Option<String>,
    album_id: Option<String>,
    duration_ms: Option<i64>,
}

impl FromRow for TrackRow {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(TrackRow {
            id: r.get("id")?,
            name: r.get("name")?,
            album_id: r.get("album_id")?,
            duration_ms: r.get("duration_ms")?,
        })
    }
}

/// An id and a name (`albums`, `artists`).
struct Named {
    id: String,
    name: Option<String>,
}

impl FromRow for Named {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(Named {
            id: r.get("id")?,
            name: r.get("name")?,
        })
    }
}

/// A row of `track_artists`.
struct Credit {
    track_id: String,
    artist_id: String,
    position: i64,
}

impl FromRow for Credit {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(Credit {
            track_id: r.get("track_id")?,
            artist_id: r.get("artist_id")?,
            position: r.get("position")?,
        })
    }
}

/// A track asked for (its place `i` in the ids asked) with one of its credited artists.
struct Credited {
    i: i64,
    stored: bool,
    name: Option<String>,
    duration_ms: Option<i64>,
    album: Option<String>,
    artist: Option<String>,
}

impl FromRow for Credited {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(Credited {
            i: r.get("i")?,
            stored: r.get("stored")?,
            name: r.get("name")?,
            duration_ms: r.get("duration_ms")?,
            album: r.get("album")?,
            artist: r.get("artist")?,
        })
    }
}

/// The tracks of the ids in `?1` (a JSON array), a row per credited artist in credit order:
/// one statement, a look-up per track.
const BY_TRACK: &str = "SELECT j.key AS i, t.id IS NOT NULL AS stored, t.name AS name,
        t.duration_ms AS duration_ms, al.name AS album, ar.name AS artist
 FROM json_each(?1) j
 LEFT JOIN tracks t ON t.id = j.value
 LEFT JOIN albums al ON al.id = t.album_id
 LEFT JOIN track_artists ta ON ta.track_id = j.value
 LEFT JOIN artists ar ON ar.id = ta.artist_id
 ORDER BY j.key, ta.position";

/// A name as a track lists it: none when it is blank.
fn shown(name: Option<String>) -> Option<Rc<str>> {
    name.filter(|n| !n.trim().is_empty()).map(Rc::from)
}

impl Sql<'_> {
    /// The catalog's tracks of `ids`, in the same order (none: not stored, though its artists
    /// may be).
    pub(super) fn catalog_tracks(
        &self,
        ids: &[String],
        read: Read,
    ) -> rusqlite::Result<Vec<Option<Track>>> {
        let read = match read {
            Read::Cheaper => {
                // max(rowid): the catalog's size without counting it.
                let stored = self
                    .value::<Option<i64>>("SELECT max(rowid) AS value FROM tracks", [])?
                    .flatten()
                    .unwrap_or(0);
                if (ids.len() as u64).saturating_mul(SCAN_SHARE) >= stored.max(0) as u64 {
                    Read::Whole
                } else {
                    Read::ByTrack
                }
            }
            chosen => chosen,
        };
        match read {
            Read::Whole => self.tracks_whole(ids),
            _ => self.tracks_by_id(ids),
        }
    }

    /// The tracks of `ids`, by a look-up each.
    fn tracks_by_id(&self, ids: &[String]) -> rusqlite::Result<Vec<Option<Track>>> {
        let json = serde_json::to_string(ids).map_err(|e| bad_value("track_id", e))?;
        let mut out: Vec<Option<Track>> = vec![None; ids.len()];
        let mut artists: Vec<Vec<Rc<str>>> = vec![Vec::new(); ids.len()];
        self.each::<Credited>(BY_TRACK, params![json], |c| {
            let Some(i) = usize::try_from(c.i).ok().filter(|i| *i < ids.len()) else {
                return;
            };
            if c.stored && out[i].is_none() {
                out[i] = Some(Track {
                    name: c.name,
                    duration_ms: c.duration_ms,
                    album: c.album.map(Rc::from),
                    ..Track::default()
                });
            }
            if let Some(a) = shown(c.artist) {
                artists[i].push(a);
            }
        })?;
        for (t, a) in out.iter_mut().zip(artists) {
            if !a.is_empty() {
                t.get_or_insert_with(Track::default).artists = a.into();
            }
        }
        Ok(out)
    }

    /// The tracks of `ids`, reading `tracks`, `albums`, `track_artists` and `artists` once.
    fn tracks_whole(&self, ids: &[String]) -> rusqlite::Result<Vec<Option<Track>>> {
        let index: FxHashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut out: Vec<Option<Track>> = vec![None; ids.len()];
        let mut album_of: Vec<(usize, String)> = Vec::new();
        self.each::<TrackRow>(
            "SELECT id, name, album_id, duration_ms FROM tracks",
            [],
            |t| {
                if let Some(&i) = index.get(t.id.as_str()) {
                    out[i] = Some(Track {
                        name: t.name,
                        duration_ms: t.duration_ms,
                        ..Track::default()
                    });
                    if let Some(a) = t.album_id {
                        album_of.push((i, a));
                    }
                }
            },
        )?;
        let albums = self.names_of("SELECT id, name FROM albums", &album_of)?;
        for (i, album) in &album_of {
            if let Some(t) = out[*i].as_mut() {
                t.album = albums.get(album.as_str()).cloned();
            }
        }
        let mut credits: Vec<(usize, i64, String)> = Vec::new();
        self.each::<Credit>(
            "SELECT track_id, artist_id, position FROM track_artists",
            [],
            |c| {
                if let Some(&i) = index.get(c.track_id.as_str()) {
                    credits.push((i, c.position, c.artist_id));
                }
            },
        )?;
        credits.sort_unstable_by_key(|&(i, position, _)| (i, position));
        let by: Vec<(usize, String)> = credits.into_iter().map(|(i, _, a)| (i, a)).collect();
        let artists = self.names_of("SELECT id, name FROM artists", &by)?;
        // Each track's credits in a row (sorted above), kept at their size.
        for credits in by.chunk_by(|a, b| a.0 == b.0) {
            let names: Box<[Rc<str>]> = credits
                .iter()
                .filter_map(|(_, artist)| artists.get(artist.as_str()))
                .filter(|n| !n.trim().is_empty())
                .cloned()
                .collect();
            if !names.is_empty() {
                out[credits[0].0].get_or_insert_with(Track::default).artists = names;
            }
        }
        Ok(out)
    }

    /// The names (`sql`: every id and name of a table) of the ids `wanted` refers to; an id
    /// not stored or without a name is not there.
    fn names_of(
        &self,
        sql: &str,
        wanted: &[(usize, String)],
    ) -> rusqlite::Result<FxHashMap<String, Rc<str>>> {
        let ids: FxHashSet<&str> = wanted.iter().map(|(_, id)| id.as_str()).collect();
        let mut names = FxHashMap::default();
        if ids.is_empty() {
            return Ok(names);
        }
        self.each::<Named>(sql, [], |n| {
            if let Some(name) = n.name
                && ids.contains(n.id.as_str())
            {
                names.insert(n.id, Rc::from(name));
            }
        })?;
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Tracks with two artists credited out of order, an artist without a name and one with
    /// a blank name, a track whose album is not stored, one without a row but with credits,
    /// and one the catalog does not know at all.
    #[test]
    fn the_tracks_read_whole_are_those_read_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("x.db")).unwrap();
        s.conn
            .execute_batch(
                "PRAGMA foreign_keys = OFF;
                 INSERT INTO artists (id, name) VALUES ('a1', 'First'), ('a2', 'Second'),
                     ('a3', NULL), ('a4', '  '), ('a5', 'Only credited');
                 INSERT INTO albums (id, name) VALUES ('al1', 'Album'), ('al2', NULL);
                 INSERT INTO tracks (id, name, album_id, duration_ms) VALUES
                     ('t1', 'One', 'al1', 1000), ('t2', NULL, 'gone', NULL),
                     ('t3', 'Three', 'al2', 3000), ('t9', 'Not asked', 'al1', 9);
                 INSERT INTO track_artists (track_id, artist_id, position) VALUES
                     ('t1', 'a2', 1), ('t1', 'a1', 0), ('t1', 'a3', 2), ('t1', 'a4', 3),
                     ('t2', 'missing', 0), ('t4', 'a5', 0), ('t9', 'a1', 0);",
            )
            .unwrap();
        let ids: Vec<String> = ["t3", "t1", "t4", "t5", "t2"].map(String::from).to_vec();
        let one_by_one = s.sql().catalog_tracks(&ids, Read::ByTrack).unwrap();
        let whole = s.sql().catalog_tracks(&ids, Read::Whole).unwrap();
        assert_eq!(whole, one_by_one);
        let names = |t: &Option<Track>| {
            t.as_ref()
                .map(|t| t.artists.iter().map(|a| a.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            whole[1],
            Some(Track {
                name: Some("One".into()),
                duration_ms: Some(1000),
                album: Some("Album".into()),
                artists: ["First".into(), "Second".into()].into(),
            })
        );
        assert_eq!(
            (whole[0].as_ref().unwrap().album.clone(), names(&whole[0])),
            (None, Some(vec![]))
        );
        assert_eq!(names(&whole[2]), Some(vec!["Only credited".to_string()]));
        assert_eq!(whole[3], None);
        assert_eq!(whole[4], Some(Track::default()));
        // Either way is chosen by the catalog's size: both give the same.
        assert_eq!(s.sql().catalog_tracks(&ids, Read::Cheaper).unwrap(), whole);
    }
}
