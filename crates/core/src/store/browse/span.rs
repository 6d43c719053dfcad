//! The plays of a span, read once in time order: counted per UTC hour (the clock, and with
//! the time each lasted a year's review), and those of music grouped by what names them (a
//! track of the catalog, else the names an export gave) for the top lists. The catalog's
//! tracks are read after, once each ([`super::catalog`]).

use rusqlite::{Row as SqlRow, params};
use rustc_hash::FxHashMap;

use super::super::Sql;
use super::super::row::FromRow;
use super::catalog::{Read, Track};

/// One play.
struct Play {
    /// Its UTC hour (`2026-11-01T09`).
    hour: String,
    /// Music (a track, or a play of unknown kind), not a podcast or an audiobook.
    music: bool,
    track_id: Option<String>,
    track: Option<String>,
    artist: Option<String>,
    album: Option<String>,
    ms_played: Option<i64>,
}

impl FromRow for Play {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(Play {
            hour: r.get("hour")?,
            music: r.get("music")?,
            track_id: r.get("track_id")?,
            track: r.get("track_name")?,
            artist: r.get("artist_name")?,
            album: r.get("album_name")?,
            ms_played: r.get("ms_played")?,
        })
    }
}

/// The plays in `[?1, ?2)`, in time order through `plays_played_at`.
const PLAYS: &str = "SELECT substr(played_at, 1, 13) AS hour,
        COALESCE(item_type, 'track') = 'track' AS music, track_id, track_name, artist_name,
        album_name, ms_played
 FROM plays WHERE played_at >= ?1 AND played_at < ?2 ORDER BY played_at";

/// The longest a play counts for: a day (so a damaged value cannot swamp the sum).
const DAY_MS: i64 = 86_400_000;

/// The time a play counts for: what it lasted, else its track's length, at most a day.
fn counted(ms: Option<i64>) -> u64 {
    ms.unwrap_or(0).clamp(0, DAY_MS) as u64
}

/// The plays of one UTC hour and the milliseconds listened in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hour {
    /// `2026-11-01T09`.
    pub key: String,
    pub plays: u64,
    pub ms: u64,
}

/// Plays of music named alike: the track (an index into [`Span::track_ids`]) and the names
/// an export gave (track, artist, album: indexes into [`Span::names`]).
type Names = (Option<u32>, Option<u32>, Option<u32>, Option<u32>);

/// The plays of a span.
pub(super) struct Span {
    /// Per UTC hour with plays, in time order.
    pub hours: Vec<Hour>,
    /// The tracks the plays name.
    pub track_ids: Vec<String>,
    /// The catalog's tracks of `track_ids`, in the same order.
    pub tracks: Vec<Option<Track>>,
    /// The names the plays carry.
    names: Vec<String>,
    /// The plays of music per set of names.
    groups: Vec<(Names, u64)>,
}

/// Plays of music named alike, as [`Span::heard`] lists them.
pub(super) struct Heard<'a> {
    /// Its place in [`Span::heard`].
    pub at: u32,
    pub track_id: Option<&'a str>,
    /// The catalog's track (none: the catalog does not describe it).
    pub catalog: Option<&'a Track>,
    pub track: Option<&'a str>,
    pub artist: Option<&'a str>,
    pub album: Option<&'a str>,
    pub n: u64,
}

impl Span {
    /// The plays of music grouped by track and names, in no order ([`Span::earlier`] orders
    /// them).
    pub fn heard(&self) -> impl Iterator<Item = Heard<'_>> {
        (0..self.groups.len() as u32).map(|at| self.group(at))
    }

    /// The group `at` of [`Span::heard`].
    pub fn group(&self, at: u32) -> Heard<'_> {
        let ((track, name, artist, album), n) = self.groups[at as usize];
        let name_of = |i: Option<u32>| i.map(|i| self.names[i as usize].as_str());
        Heard {
            at,
            track_id: track.map(|i| self.track_ids[i as usize].as_str()),
            catalog: track.and_then(|i| self.tracks[i as usize].as_ref()),
            track: name_of(name),
            artist: name_of(artist),
            album: name_of(album),
            n,
        }
    }

    /// Whether the group `a` of [`Span::heard`] comes before `b`: by track id, then track,
    /// artist and album name (none first, each compared byte by byte). Of the spellings of
    /// one name, a top list shows that of the first group.
    pub fn earlier(&self, a: u32, b: u32) -> bool {
        let of = |g: u32| {
            let ((track, name, artist, album), _) = self.groups[g as usize];
            let name_of = |i: Option<u32>| i.map(|i| self.names[i as usize].as_str());
            (
                track.map(|i| self.track_ids[i as usize].as_str()),
                name_of(name),
                name_of(artist),
                name_of(album),
            )
        };
        of(a) < of(b)
    }
}

/// Strings numbered in the order first seen.
#[derive(Default)]
struct Numbered(FxHashMap<String, u32>);

impl Numbered {
    fn number(&mut self, s: String) -> u32 {
        let next = self.0.len() as u32;
        *self.0.entry(s).or_insert(next)
    }

    /// The strings, by number.
    fn into_vec(self) -> Vec<String> {
        let mut all = vec![String::new(); self.0.len()];
        for (s, i) in self.0 {
            all[i as usize] = s;
        }
        all
    }
}

impl Sql<'_> {
    /// The plays in `[from, to)`, with the catalog's tracks they name (read as `read` says).
    pub(super) fn span(&self, from: &str, to: &str, read: Read) -> rusqlite::Result<Span> {
        let mut hours: Vec<Hour> = Vec::new();
        let (mut ids, mut names) = (Numbered::default(), Numbered::default());
        let mut groups: FxHashMap<Names, u64> = FxHashMap::default();
        // Plays that lasted their track's length: (hour, track), counted once it is known.
        let mut by_length: Vec<(u32, u32)> = Vec::new();
        self.each::<Play>(PLAYS, params![from, to], |p| {
            if hours.last().is_none_or(|h| h.key != p.hour) {
                hours.push(Hour {
                    key: p.hour,
                    plays: 0,
                    ms: 0,
                });
            }
            let h = hours.len() - 1;
            hours[h].plays += 1;
            let track = p.track_id.map(|id| ids.number(id));
            match (p.ms_played, track) {
                (Some(ms), _) => hours[h].ms = hours[h].ms.saturating_add(counted(Some(ms))),
                (None, Some(t)) => by_length.push((h as u32, t)),
                (None, None) => {}
            }
            if p.music {
                let mut name = |n: Option<String>| n.map(|n| names.number(n));
                let key = (track, name(p.track), name(p.artist), name(p.album));
                *groups.entry(key).or_default() += 1;
            }
        })?;
        let (track_ids, names) = (ids.into_vec(), names.into_vec());
        let groups = groups.into_iter().collect();
        let tracks = self.catalog_tracks(&track_ids, read)?;
        for (h, t) in by_length {
            let ms = tracks[t as usize].as_ref().and_then(|t| t.duration_ms);
            let hour = &mut hours[h as usize];
            hour.ms = hour.ms.saturating_add(counted(ms));
        }
        Ok(Span {
            hours,
            track_ids,
            tracks,
            names,
            groups,
        })
    }
}
