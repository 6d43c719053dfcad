//! The top lists of a period and the artists first heard in it. The period's plays of music
//! are grouped by what names them (a track of the catalog, else the names an export gave),
//! then folded here by name: a track the catalog describes counts for its artists, one it does
//! not for the artist the export names, and the two spellings of one artist (letter case,
//! spaces) are one entry.

use std::rc::Rc;

use rusqlite::{Row as SqlRow, params};
use rustc_hash::FxHashMap;

use super::super::Sql;
use super::super::row::FromRow;
use super::span::{Heard, Span};

/// The album artist Spotify credits a compilation with, as [`key`] spells it.
const COMPILATION_CREDIT: &str = "various artists";

/// How many entries a top list has.
pub const TOP_LISTED: usize = 10;

/// `(name, plays)`, most played first.
pub type TopList = Vec<(String, u64)>;

/// What makes two spellings of a name one: letter case and runs of spaces aside.
fn key(name: &str) -> String {
    let mut k = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !k.is_empty() {
            k.push(' ');
        }
        k.push_str(word);
    }
    if k.is_ascii() {
        k.make_ascii_lowercase();
        k
    } else {
        k.to_lowercase()
    }
}

/// The keys of names met more than once (artists, albums), each made once.
#[derive(Default)]
struct Keys<'a>(FxHashMap<&'a str, Rc<str>>);

impl<'a> Keys<'a> {
    fn of(&mut self, name: &'a str) -> Rc<str> {
        Rc::clone(self.0.entry(name).or_insert_with(|| Rc::from(key(name))))
    }
}

impl<'a> Heard<'a> {
    /// The catalog's artists of the track (none: the catalog does not credit any).
    fn catalog_artists(&self) -> &'a [Rc<str>] {
        self.catalog.map(|t| &*t.artists).unwrap_or_default()
    }

    /// The name the export gave the artist, unless blank.
    fn export_artist(&self) -> Option<&'a str> {
        self.artist.filter(|a| !a.trim().is_empty())
    }

    /// The artists the plays count for: the catalog's, else the export's — unless the export
    /// names the credit of a compilation ("Various Artists": its field is the album's artist),
    /// which is nobody's music.
    fn credited(&self) -> Vec<(&'a str, bool)> {
        let catalog = self.catalog_artists();
        if catalog.is_empty() {
            self.export_artist()
                .filter(|a| key(a) != COMPILATION_CREDIT)
                .map(|a| (a, false))
                .into_iter()
                .collect()
        } else {
            catalog.iter().map(|a| (&**a, true)).collect()
        }
    }

    /// The first artist credited.
    fn first_artist(&self) -> Option<&'a str> {
        self.catalog_artists()
            .first()
            .map(|a| &**a)
            .or(self.export_artist())
    }

    /// The track's name: the catalog's, else the export's, else its id.
    fn track_name(&self) -> Option<&'a str> {
        self.catalog
            .and_then(|t| t.name.as_deref())
            .or(self.track)
            .or(self.track_id)
    }

    /// The album's name: the catalog's, else the export's.
    fn album_name(&self) -> Option<&'a str> {
        self.catalog.and_then(|t| t.album.as_deref()).or(self.album)
    }
}

/// Counts by name: the catalog's spelling where it has one, else that of the first group of
/// plays ([`Span::earlier`]). The shown names are made only for the entries listed.
#[derive(Clone)]
struct Tally<S> {
    by_key: FxHashMap<Rc<str>, Count<S>>,
}

impl<S> Default for Tally<S> {
    fn default() -> Self {
        Tally {
            by_key: FxHashMap::default(),
        }
    }
}

/// The plays of one entry; the group of plays its spelling comes from (`at`, and `spelling`
/// where the group does not say which: an artist of several), and whether the catalog spelled
/// it.
#[derive(Clone)]
struct Count<S> {
    spelling: S,
    at: u32,
    catalog: bool,
    n: u64,
}

impl<S: Copy> Tally<S> {
    /// Count `n` plays of the group `at` for `key`.
    fn add(&mut self, span: &Span, key: Rc<str>, at: u32, spelling: S, catalog: bool, n: u64) {
        let e = self.by_key.entry(key).or_insert(Count {
            spelling,
            at,
            catalog,
            n: 0,
        });
        if (catalog && !e.catalog) || (catalog == e.catalog && span.earlier(at, e.at)) {
            (e.spelling, e.at, e.catalog) = (spelling, at, catalog);
        }
        e.n += n;
    }

    /// The most played first, then by name (`shown`); at most `limit`.
    fn top(self, limit: usize, shown: impl Fn(&Count<S>) -> String) -> TopList {
        let mut counts: Vec<u64> = self.by_key.values().map(|c| c.n).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        // Only the entries played at least as often as the last listed can be listed.
        let least = counts.get(limit.saturating_sub(1)).copied().unwrap_or(0);
        let mut all: TopList = self
            .by_key
            .into_values()
            .filter(|c| c.n >= least)
            .map(|c| (shown(&c), c.n))
            .collect();
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
    /// The most played artists, tracks and albums of the plays of `span` (from `from`); with
    /// `new`, the artists first played there too.
    pub(super) fn tops(&self, span: &Span, from: &str, new: bool) -> rusqlite::Result<Tops> {
        let mut artists: Tally<&str> = Tally::default();
        let (mut tracks, mut albums): (Tally<()>, Tally<()>) = Default::default();
        let mut keys = Keys::default();
        for h in span.heard() {
            for (name, catalog) in h.credited() {
                artists.add(span, keys.of(name), h.at, name, catalog, h.n);
            }
            let by_key = h.first_artist().map(|a| keys.of(a));
            let by_key = by_key.as_deref().unwrap_or_default();
            let catalog = !h.catalog_artists().is_empty();
            if let Some(t) = h.track_name() {
                let k = format!("{}\u{1f}{by_key}", key(t));
                tracks.add(span, Rc::from(k), h.at, (), catalog, h.n);
            }
            if let Some(a) = h.album_name().filter(|a| !a.trim().is_empty()) {
                let k = format!("{}\u{1f}{by_key}", keys.of(a));
                albums.add(span, Rc::from(k), h.at, (), catalog, h.n);
            }
        }
        let new_artists = if new {
            self.new_artists(from, artists.clone())?
        } else {
            (Vec::new(), 0)
        };
        // A track or an album is shown as its group of plays names it, with the first artist.
        let track = |c: &Count<()>| {
            let h = span.group(c.at);
            with_artist(h.track_name().unwrap_or_default(), h.first_artist())
        };
        let album = |c: &Count<()>| {
            let h = span.group(c.at);
            with_artist(h.album_name().unwrap_or_default(), h.first_artist())
        };
        Ok(Tops {
            artists: artists.top(TOP_LISTED, |c| c.spelling.to_string()),
            tracks: tracks.top(TOP_LISTED, track),
            albums: albums.top(TOP_LISTED, album),
            new_artists,
        })
    }

    /// Of the artists played in a span starting at `from` (`played`), those never played
    /// before it, most played first, and how many there are.
    fn new_artists(&self, from: &str, mut played: Tally<&str>) -> rusqlite::Result<(TopList, u64)> {
        if played.by_key.is_empty() {
            return Ok((Vec::new(), 0));
        }
        for sql in [CATALOG_HEARD_BEFORE, EXPORT_HEARD_BEFORE] {
            for Name(name) in self.all::<Name>(sql, params![from])? {
                if let Some(n) = name {
                    played.by_key.remove(key(&n).as_str());
                }
            }
        }
        let count = played.by_key.len() as u64;
        Ok((played.top(TOP_LISTED, |c| c.spelling.to_string()), count))
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::Store;
    use super::super::catalog::Read;

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
        let tops_of = |from: &str, to: &str| {
            let span = s.sql().span(from, to, Read::Cheaper).unwrap();
            let tops = s.sql().tops(&span, from, true).unwrap();
            (span, tops)
        };
        let (_, tops) = tops_of("2024-01-01", "2025-01-01");
        // The episode of 2023 is not music: its name was not heard before.
        assert_eq!(
            tops.new_artists,
            (
                vec![("Fresh".to_string(), 2), ("Podcaster".to_string(), 1)],
                2
            )
        );
        let (span, first) = tops_of("2023-01-01", "2024-01-01");
        assert_eq!(first.new_artists.1, 3);
        assert_eq!(span.track_ids, ["t1", "t3"]);
    }

    /// An export names a compilation's tracks by the album's credit, "Various Artists": the
    /// plays count for no artist (they would top the list, summed over every compilation),
    /// while the tracks and albums are listed as the export names them.
    #[test]
    fn a_compilations_credit_is_not_an_artist() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("x.db")).unwrap();
        s.conn
            .execute_batch(
                "INSERT INTO plays (played_at, source, item_type, track_id, track_name,
                                    artist_name, album_name, extended_key) VALUES
                   ('2024-02-01T10:00:00Z', 'extended', 'track', NULL, 'A', 'Various Artists',
                    'Hits 1', 1),
                   ('2024-02-01T11:00:00Z', 'extended', 'track', NULL, 'B', 'various  artists',
                    'Hits 2', 2),
                   ('2024-02-01T12:00:00Z', 'extended', 'track', NULL, 'C', 'Solo', 'Own', 3);",
            )
            .unwrap();
        let span = s
            .sql()
            .span("2024-01-01", "2025-01-01", Read::Cheaper)
            .unwrap();
        let tops = s.sql().tops(&span, "2024-01-01", true).unwrap();
        assert_eq!(tops.artists, [("Solo".to_string(), 1)]);
        assert_eq!(tops.new_artists, (vec![("Solo".to_string(), 1)], 1));
        assert_eq!(tops.tracks.len(), 3);
        assert!(tops.albums.iter().any(|(a, _)| a.contains("Hits 1")));
    }
}
