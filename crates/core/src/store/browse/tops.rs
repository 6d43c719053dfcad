//! The top lists of a period and the artists first heard in it. The period's plays of music
//! are grouped by what names them (a track of the catalog, else the names an export gave),
//! then folded here by name: a track the catalog describes counts for its artists, one it does
//! not for the artist the export names, and the two spellings of one artist (letter case,
//! spaces) are one entry.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use rusqlite::{Row as SqlRow, params};

use super::super::Sql;
use super::super::row::FromRow;

/// How many entries a top list has.
pub const TOP_LISTED: usize = 10;

/// `(name, plays)`, most played first.
pub type TopList = Vec<(String, u64)>;

/// The plays of one track (or of one set of names an export gave) within a span.
struct Heard {
    track_id: Option<String>,
    /// The track's length in the catalog.
    duration_ms: Option<i64>,
    /// The catalog's artists of the track, in credit order (none: the catalog does not
    /// describe it).
    artists: Vec<String>,
    export_artist: Option<String>,
    track: Option<String>,
    album: Option<String>,
    n: u64,
}

impl FromRow for Heard {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        let artists: String = r.get("artists")?;
        Ok(Heard {
            track_id: r.get("track_id")?,
            duration_ms: r.get("duration_ms")?,
            artists: artists
                .split('\u{1f}')
                .filter(|a| !a.trim().is_empty())
                .map(str::to_string)
                .collect(),
            export_artist: r
                .get::<_, Option<String>>("export_artist")?
                .filter(|a| !a.trim().is_empty()),
            track: r.get("track")?,
            album: r.get("album")?,
            n: r.get::<_, i64>("n")?.max(0) as u64,
        })
    }
}

/// The plays of music in `[?1, ?2)`, grouped by track and names, with the catalog's artists
/// (separated by `\u{1f}`), track and album where it knows them.
const HEARD: &str = "WITH g AS MATERIALIZED (
     SELECT track_id, track_name, artist_name, album_name, count(*) AS n
     FROM plays
     WHERE played_at >= ?1 AND played_at < ?2 AND COALESCE(item_type, 'track') = 'track'
     GROUP BY track_id, track_name, artist_name, album_name)
 SELECT COALESCE((SELECT group_concat(ar.name, char(31) ORDER BY ta.position)
                  FROM track_artists ta JOIN artists ar ON ar.id = ta.artist_id
                  WHERE ta.track_id = g.track_id), '') AS artists,
        g.artist_name AS export_artist, COALESCE(t.name, g.track_name, g.track_id) AS track,
        COALESCE(al.name, g.album_name) AS album, g.n AS n, g.track_id AS track_id,
        t.duration_ms AS duration_ms
 FROM g LEFT JOIN tracks t ON t.id = g.track_id LEFT JOIN albums al ON al.id = t.album_id";

/// What makes two spellings of a name one: letter case and runs of spaces aside.
fn key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Heard {
    /// The artists the plays count for: the catalog's, else the export's.
    fn credited(&self) -> Vec<(&str, bool)> {
        if self.artists.is_empty() {
            self.export_artist
                .iter()
                .map(|a| (a.as_str(), false))
                .collect()
        } else {
            self.artists.iter().map(|a| (a.as_str(), true)).collect()
        }
    }

    /// The first artist credited.
    fn artist(&self) -> Option<&str> {
        self.artists
            .first()
            .or(self.export_artist.as_ref())
            .map(String::as_str)
    }
}

/// Counts by name: the catalog's spelling where it has one, else the first seen.
#[derive(Default, Clone)]
struct Tally {
    by_key: HashMap<String, (String, bool, u64)>,
}

impl Tally {
    /// Count `n` plays for `key`, shown as `shown` (made only when it is used).
    fn add(&mut self, key: String, shown: impl FnOnce() -> String, catalog: bool, n: u64) {
        match self.by_key.entry(key) {
            Entry::Occupied(mut o) => {
                let e = o.get_mut();
                if catalog && !e.1 {
                    (e.0, e.1) = (shown(), true);
                }
                e.2 += n;
            }
            Entry::Vacant(v) => {
                v.insert((shown(), catalog, n));
            }
        }
    }

    /// The most played first, then by name; at most `limit`.
    fn top(self, limit: usize) -> TopList {
        let mut all: TopList = self.by_key.into_values().map(|(s, _, n)| (s, n)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(limit);
        all
    }
}

/// `name · artist`, or the name alone.
fn with_artist(name: &str, artist: Option<&str>) -> String {
    match artist {
        Some(a) => format!("{name} · {a}"),
        None => name.to_string(),
    }
}

/// The top artists, tracks and albums of a span, and (when asked) the artists first heard in it.
pub struct Tops {
    pub artists: TopList,
    pub tracks: TopList,
    pub albums: TopList,
    /// The artists first played in the span, most played first, and how many there are.
    pub new_artists: (TopList, u64),
    /// With the artists first played: the catalog's length of each track played in the span
    /// (none: the catalog does not know it).
    pub durations: HashMap<String, Option<i64>>,
}

/// The catalog's artists credited on a track of music played before `?1`: for each artist,
/// its tracks' plays through `plays_track` until one is earlier (a few look-ups per artist,
/// not a read of every play).
const CATALOG_HEARD_BEFORE: &str = "SELECT ar.name AS name FROM artists ar
 WHERE EXISTS (SELECT 1 FROM track_artists ta JOIN plays p ON p.track_id = ta.track_id
               WHERE ta.artist_id = ar.id AND p.played_at < ?1
                 AND COALESCE(p.item_type, 'track') = 'track')";

/// The names an export gave the artists of music played before `?1` on a track the catalog
/// does not credit (through `plays_artist_name`: only the plays that carry a name).
const EXPORT_HEARD_BEFORE: &str = "SELECT DISTINCT p.artist_name AS name FROM plays p
 WHERE p.artist_name IS NOT NULL AND p.played_at < ?1
   AND COALESCE(p.item_type, 'track') = 'track'
   AND NOT EXISTS (SELECT 1 FROM track_artists ta WHERE ta.track_id = p.track_id)";

/// A name read from [`CATALOG_HEARD_BEFORE`] or [`EXPORT_HEARD_BEFORE`].
struct Name(Option<String>);

impl FromRow for Name {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(Name(r.get("name")?))
    }
}

impl Sql<'_> {
    /// The most played artists, tracks and albums of the plays in `[from, to)`; with `new`,
    /// the artists first played there too.
    pub(super) fn tops(&self, from: &str, to: &str, new: bool) -> rusqlite::Result<Tops> {
        let (mut artists, mut tracks, mut albums) =
            (Tally::default(), Tally::default(), Tally::default());
        let mut durations = HashMap::new();
        // Folded as they are read: a year holds tens of thousands of tracks.
        self.each::<Heard>(HEARD, params![from, to], |h| {
            for (name, catalog) in h.credited() {
                artists.add(key(name), || name.to_string(), catalog, h.n);
            }
            let by = h.artist();
            let by_key = by.map(key).unwrap_or_default();
            let catalog = !h.artists.is_empty();
            if let Some(t) = &h.track {
                let k = format!("{}\u{1f}{by_key}", key(t));
                tracks.add(k, || with_artist(t, by), catalog, h.n);
            }
            if let Some(a) = h.album.as_deref().filter(|a| !a.trim().is_empty()) {
                let k = format!("{}\u{1f}{by_key}", key(a));
                albums.add(k, || with_artist(a, by), catalog, h.n);
            }
            if new && let Some(id) = h.track_id {
                durations.insert(id, h.duration_ms);
            }
        })?;
        let new_artists = if new {
            self.new_artists(from, artists.clone())?
        } else {
            (Vec::new(), 0)
        };
        Ok(Tops {
            artists: artists.top(TOP_LISTED),
            tracks: tracks.top(TOP_LISTED),
            albums: albums.top(TOP_LISTED),
            new_artists,
            durations,
        })
    }

    /// Of the artists played in a span starting at `from` (`played`), those never played
    /// before it, most played first, and how many there are.
    fn new_artists(&self, from: &str, mut played: Tally) -> rusqlite::Result<(TopList, u64)> {
        if played.by_key.is_empty() {
            return Ok((Vec::new(), 0));
        }
        for sql in [CATALOG_HEARD_BEFORE, EXPORT_HEARD_BEFORE] {
            for Name(name) in self.all::<Name>(sql, params![from])? {
                if let Some(n) = name {
                    played.by_key.remove(&key(&n));
                }
            }
        }
        let count = played.by_key.len() as u64;
        Ok((played.top(TOP_LISTED), count))
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::Store;

    /// Plays over two years: a catalog artist heard in both, an artist only an export names
    /// heard in both (spelled otherwise the second year), one credited by the catalog the first
    /// year and named by an export the second, and one heard only the second year.
    #[test]
    fn the_artists_first_heard_in_a_year_are_those_of_no_earlier_play_whatever_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("x.db")).unwrap();
        s.conn
            .execute_batch(
                "INSERT INTO artists (id, name) VALUES ('a1', 'Old Band'), ('a2', 'Fresh'),
                     ('a3', 'Switched');
                 INSERT INTO tracks (id, name) VALUES ('t1', 'One'), ('t2', 'Two'),
                     ('t3', 'Three'), ('t4', 'Four');
                 INSERT INTO track_artists (track_id, artist_id, position)
                     VALUES ('t1', 'a1', 0), ('t2', 'a2', 0), ('t3', 'a3', 0);
                 INSERT INTO plays (played_at, source, item_type, track_id, track_name,
                                    artist_name, extended_key) VALUES
                   ('2023-05-01T10:00:00Z', 'extended', 'track', 't1', NULL, NULL, 1),
                   ('2023-05-02T10:00:00Z', 'extended', 'track', NULL, 'Song', 'Tape  Name', 2),
                   ('2023-05-03T10:00:00Z', 'extended', 'track', 't3', NULL, NULL, 3),
                   ('2023-05-04T10:00:00Z', 'extended', 'episode', NULL, 'Talk', 'Podcaster', 4),
                   ('2024-02-01T10:00:00Z', 'extended', 'track', 't1', NULL, NULL, 5),
                   ('2024-02-02T10:00:00Z', 'extended', 'track', 't2', NULL, NULL, 6),
                   ('2024-02-02T11:00:00Z', 'extended', 'track', 't2', NULL, NULL, 7),
                   ('2024-02-03T10:00:00Z', 'extended', 'track', NULL, 'Song', 'tape name', 8),
                   ('2024-02-04T10:00:00Z', 'extended', 'track', 't4', 'Four', 'SWITCHED', 9),
                   ('2024-02-05T10:00:00Z', 'extended', 'track', NULL, 'Talk', 'Podcaster', 10);",
            )
            .unwrap();
        let tops = s.sql().tops("2024-01-01", "2025-01-01", true).unwrap();
        // The episode of 2023 is not music: its name was not heard before.
        assert_eq!(
            tops.new_artists,
            (
                vec![("Fresh".to_string(), 2), ("Podcaster".to_string(), 1)],
                2
            )
        );
        let first = s.sql().tops("2023-01-01", "2024-01-01", true).unwrap();
        assert_eq!(first.new_artists.1, 3);
        assert_eq!(first.durations.len(), 2);
    }
}
