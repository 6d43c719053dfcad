//! Read-only queries behind the terminal app's Library and Stats screens: the rows of each
//! library tab, the detail of one entity and the listening statistics. They only read
//! `plays.played_at` and `plays.track_id` of the history, so they work whatever else the plays
//! table carries. [`run`] opens its own read-only connection: it works while a sync writes.

use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::Connection;

use super::Sql;
use super::journal::ChangeFilter;

mod audio;
mod detail;
mod stats;
pub use audio::length;
pub use detail::detail;
pub use stats::stats;

/// The library tabs, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Liked,
    Playlists,
    Albums,
    Artists,
    Shows,
    Episodes,
    Audiobooks,
    Plays,
    Changes,
}

impl Tab {
    pub const ALL: [Tab; 9] = [
        Tab::Liked,
        Tab::Playlists,
        Tab::Albums,
        Tab::Artists,
        Tab::Shows,
        Tab::Episodes,
        Tab::Audiobooks,
        Tab::Plays,
        Tab::Changes,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Liked => "Liked songs",
            Tab::Playlists => "Playlists",
            Tab::Albums => "Albums",
            Tab::Artists => "Artists",
            Tab::Shows => "Shows",
            Tab::Episodes => "Episodes",
            Tab::Audiobooks => "Audiobooks",
            Tab::Plays => "Plays",
            Tab::Changes => "Changes",
        }
    }
}

/// How many of the newest plays the Plays tab lists.
pub const PLAYS_LISTED: u32 = 20_000;
/// How many of the newest journaled changes the Changes tab lists.
pub const CHANGES_LISTED: u32 = 5_000;
/// How many items a detail pane lists.
pub const DETAIL_ITEMS: u32 = 2_000;

/// One row of a library tab. Which fields mean something depends on the tab.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// The entity's id (track, playlist, album, artist, show, episode, audiobook; the track of
    /// a play or a change).
    pub id: String,
    pub name: String,
    /// The artists, comma-separated (tracks, albums); the owner of a playlist; the publisher of
    /// a show; the show of an episode; the authors of an audiobook.
    pub artist: String,
    /// The album (tracks and plays); the change for a change; the release date of an episode;
    /// the publisher of an audiobook.
    pub album: String,
    /// The release year.
    pub year: Option<i32>,
    /// When it was liked / saved / played / changed (a stored timestamp).
    pub added: Option<String>,
    /// When it left the library (un-liked, un-saved, playlist gone).
    pub removed: Option<String>,
    /// Plays of it.
    pub plays: i64,
    /// Tracks (albums, artists), items (playlists), episodes (shows), chapters (audiobooks),
    /// the length in milliseconds (episodes).
    pub count: i64,
    /// The playlists a track is in, separated by `\u{1f}`.
    pub playlists: String,
}

/// A play period for the top lists and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month { year: i32, month: u32 },
    Year(i32),
}

impl Period {
    /// The month of `t`.
    pub fn month_of(t: DateTime<Utc>) -> Period {
        Period::Month {
            year: t.year(),
            month: t.month(),
        }
    }

    /// The period `n` steps later (earlier when negative).
    pub fn shift(self, n: i32) -> Period {
        match self {
            Period::Month { year, month } => {
                let i = year * 12 + month as i32 - 1 + n;
                Period::Month {
                    year: i.div_euclid(12),
                    month: (i.rem_euclid(12) + 1) as u32,
                }
            }
            Period::Year(y) => Period::Year(y + n),
        }
    }

    /// The same time as a year, or as its first month.
    pub fn toggle(self) -> Period {
        match self {
            Period::Month { year, .. } => Period::Year(year),
            Period::Year(year) => Period::Month { year, month: 1 },
        }
    }

    /// `[start, end)` as stored timestamps' prefixes (`2026-11-01`).
    pub fn bounds(self) -> (String, String) {
        match self {
            Period::Month { year, month } => {
                let (ny, nm) = if month >= 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                (
                    format!("{year:04}-{month:02}-01"),
                    format!("{ny:04}-{nm:02}-01"),
                )
            }
            Period::Year(y) => (format!("{y:04}-01-01"), format!("{:04}-01-01", y + 1)),
        }
    }

    pub fn label(self) -> String {
        match self {
            Period::Month { year, month } => NaiveDate::from_ymd_opt(year, month, 1)
                .map(|d| d.format("%B %Y").to_string())
                .unwrap_or_else(|| format!("{year:04}-{month:02}")),
            Period::Year(y) => format!("{y}"),
        }
    }
}

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// The rows of a tab.
    Tab(Tab),
    /// The detail of a row of a tab.
    Detail { tab: Tab, id: String },
    /// The listening statistics: the 90 days up to `today`, and `period`.
    Stats {
        today: NaiveDate,
        period: Period,
        /// Minutes east of UTC, for the listening clock.
        offset_minutes: i32,
    },
}

/// One item in a detail pane's list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DetailItem {
    /// The position in a playlist.
    pub position: Option<i64>,
    /// `track`, `episode`, `local`, `unavailable`, or a playlist for a track.
    pub kind: String,
    pub name: String,
    /// Artists, or where it is.
    pub sub: String,
}

/// The detail of one entity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detail {
    pub tab: Option<Tab>,
    pub id: String,
    pub title: String,
    /// `(label, value)` lines.
    pub fields: Vec<(String, String)>,
    /// What the list below is (`Playlists`, `Items`, `Tracks in the library`).
    pub items_title: String,
    pub items: Vec<DetailItem>,
}

/// How well the listening history covers time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coverage {
    /// `(source, days with plays)`: `polled` without an import.
    pub days_by_source: Vec<(String, i64)>,
    pub first: Option<String>,
    pub last: Option<String>,
    pub plays: i64,
    /// Recorded gaps, newest first: `(after, before)`.
    pub gaps: Vec<(Option<String>, String)>,
    pub gap_count: i64,
}

/// The listening statistics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stats {
    pub today: Option<NaiveDate>,
    /// Plays per day for the 90 days up to `today`, oldest first.
    pub per_day: Vec<u64>,
    pub period: Option<Period>,
    pub top_artists: Vec<(String, u64)>,
    pub top_tracks: Vec<(String, u64)>,
    /// Plays in the period by weekday (0 = Monday) and hour.
    pub clock: [[u64; 24]; 7],
    pub period_plays: u64,
    pub coverage: Coverage,
}

/// An answer to a [`Query`].
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Rows(Tab, Vec<Row>),
    Detail(Detail),
    Stats(Box<Stats>),
}

/// Answer `q` through a new read-only connection to `db` (empty answers without a database).
pub fn run(db: &Path, q: &Query) -> Result<Answer, String> {
    match super::open_read_only(db) {
        Ok(Some(reader)) => answer(&reader.into_connection(), q)
            .map_err(|e| format!("cannot read the library: {e}")),
        Ok(None) => Ok(empty(q)),
        Err(e) => Err(e.to_string()),
    }
}

fn empty(q: &Query) -> Answer {
    match q {
        Query::Tab(t) => Answer::Rows(*t, Vec::new()),
        Query::Detail { tab, id } => Answer::Detail(Detail {
            tab: Some(*tab),
            id: id.clone(),
            ..Detail::default()
        }),
        Query::Stats { .. } => Answer::Stats(Box::default()),
    }
}

/// Answer `q` on an open connection.
pub fn answer(conn: &Connection, q: &Query) -> rusqlite::Result<Answer> {
    Ok(match q {
        Query::Tab(t) => Answer::Rows(*t, rows(conn, *t)?),
        Query::Detail { tab, id } => Answer::Detail(detail(conn, *tab, id)?),
        Query::Stats {
            today,
            period,
            offset_minutes,
        } => Answer::Stats(Box::new(stats(conn, *today, *period, *offset_minutes)?)),
    })
}

/// The artists of a track, in credit order.
pub(crate) const TRACK_ARTISTS: &str =
    "COALESCE((SELECT group_concat(ar.name, ', ' ORDER BY ta.position)
     FROM track_artists ta JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = t.id), '')";

pub(crate) fn year(date: Option<String>) -> Option<i32> {
    date.and_then(|d| d.get(..4).and_then(|y| y.parse().ok()))
}

/// The rows of a tab.
pub fn rows(conn: &Connection, tab: Tab) -> rusqlite::Result<Vec<Row>> {
    match tab {
        Tab::Liked => {
            let sql = format!(
                "WITH pc AS (SELECT track_id, count(*) AS n FROM plays GROUP BY track_id),
                 inpl AS (SELECT pi.track_id, group_concat(pl.name, char(31)) AS names
                          FROM playlist_items pi JOIN playlists pl ON pl.id = pi.playlist_id
                          WHERE pi.track_id IS NOT NULL AND pl.removed_at IS NULL
                          GROUP BY pi.track_id)
                 SELECT t.id, COALESCE(t.name, ''), {TRACK_ARTISTS}, COALESCE(al.name, ''),
                        al.release_date, s.added_at, s.removed_at, COALESCE(pc.n, 0),
                        COALESCE(inpl.names, '')
                 FROM saved_tracks s JOIN tracks t ON t.id = s.track_id
                 LEFT JOIN albums al ON al.id = t.album_id
                 LEFT JOIN pc ON pc.track_id = t.id
                 LEFT JOIN inpl ON inpl.track_id = t.id
                 ORDER BY s.added_at DESC, t.id"
            );
            let mut st = conn.prepare(&sql)?;
            let rows = st.query_map([], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    artist: r.get(2)?,
                    album: r.get(3)?,
                    year: year(r.get(4)?),
                    added: r.get(5)?,
                    removed: r.get(6)?,
                    plays: r.get(7)?,
                    count: 0,
                    playlists: r.get(8)?,
                })
            })?;
            rows.collect()
        }
        Tab::Playlists => {
            let mut st = conn.prepare(
                "SELECT p.id, COALESCE(p.name, ''), COALESCE(p.owner_name, p.owner_id, ''),
                        p.removed_at,
                        COALESCE((SELECT count(*) FROM playlist_items pi
                                  WHERE pi.playlist_id = p.id), p.total_items, 0),
                        p.items_synced_at
                 FROM playlists p ORDER BY p.removed_at IS NOT NULL, p.list_position, p.id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    artist: r.get(2)?,
                    removed: r.get(3)?,
                    count: r.get(4)?,
                    added: r.get(5)?,
                    ..Row::default()
                })
            })?;
            rows.collect()
        }
        Tab::Albums => {
            let mut st = conn.prepare(
                "WITH tc AS (SELECT album_id, count(*) AS n FROM tracks GROUP BY album_id),
                 pc AS (SELECT t.album_id, count(*) AS n FROM plays p
                        JOIN tracks t ON t.id = p.track_id GROUP BY t.album_id)
                 SELECT al.id, COALESCE(al.name, ''),
                        COALESCE((SELECT group_concat(ar.name, ', ' ORDER BY aa.position)
                                  FROM album_artists aa JOIN artists ar ON ar.id = aa.artist_id
                                  WHERE aa.album_id = al.id), ''),
                        al.release_date, COALESCE(tc.n, 0), COALESCE(pc.n, 0)
                 FROM albums al LEFT JOIN tc ON tc.album_id = al.id
                 LEFT JOIN pc ON pc.album_id = al.id
                 ORDER BY al.name COLLATE NOCASE, al.id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    artist: r.get(2)?,
                    year: year(r.get(3)?),
                    count: r.get(4)?,
                    plays: r.get(5)?,
                    ..Row::default()
                })
            })?;
            rows.collect()
        }
        Tab::Artists => {
            let mut st = conn.prepare(
                "WITH tc AS (SELECT artist_id, count(DISTINCT track_id) AS n FROM track_artists
                             GROUP BY artist_id),
                 pc AS (SELECT ta.artist_id, count(*) AS n FROM plays p
                        JOIN track_artists ta ON ta.track_id = p.track_id GROUP BY ta.artist_id)
                 SELECT ar.id, COALESCE(ar.name, ''), COALESCE(tc.n, 0), COALESCE(pc.n, 0)
                 FROM artists ar LEFT JOIN tc ON tc.artist_id = ar.id
                 LEFT JOIN pc ON pc.artist_id = ar.id
                 ORDER BY ar.name COLLATE NOCASE, ar.id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    count: r.get(2)?,
                    plays: r.get(3)?,
                    ..Row::default()
                })
            })?;
            rows.collect()
        }
        Tab::Plays => {
            let sql = format!(
                "SELECT COALESCE(p.track_id, ''), COALESCE(t.name, p.track_id, ''),
                        {TRACK_ARTISTS}, COALESCE(al.name, ''), al.release_date, p.played_at
                 FROM plays p LEFT JOIN tracks t ON t.id = p.track_id
                 LEFT JOIN albums al ON al.id = t.album_id
                 ORDER BY p.played_at DESC LIMIT ?1"
            );
            let mut st = conn.prepare(&sql)?;
            let rows = st.query_map([PLAYS_LISTED], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    artist: r.get(2)?,
                    album: r.get(3)?,
                    year: year(r.get(4)?),
                    added: r.get(5)?,
                    ..Row::default()
                })
            })?;
            rows.collect()
        }
        Tab::Shows | Tab::Episodes | Tab::Audiobooks => audio::rows(conn, tab),
        Tab::Changes => {
            let changes = Sql(conn).changes(&ChangeFilter {
                since: None,
                run: None,
                limit: CHANGES_LISTED,
            })?;
            Ok(changes
                .into_iter()
                .map(|c| Row {
                    id: c.entity_id.clone(),
                    name: c.label().to_string(),
                    artist: c.entity_type.replace('_', " "),
                    album: c.describe(),
                    added: Some(c.changed_at.clone()),
                    removed: (c.change == "removed").then(|| c.changed_at.clone()),
                    count: c.sync_history_id.unwrap_or_default(),
                    ..Row::default()
                })
                .collect())
        }
    }
}
