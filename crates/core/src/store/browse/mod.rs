//! The front ends' reads: the terminal app's Library and Stats screens (the rows of each
//! library tab, the detail of one entity, the listening statistics) and the exporter's rows
//! (`export`). They are methods of [`Sql`], reached through the read handle ([`Reader`]): [`run`]
//! opens one per query, so they work while a sync writes. Of the history they read when a play
//! was and what it was (its track id, else the names an export gave, its length and kind), so a
//! play the catalog does not describe still counts.
//!
//! `fields` holds what the readers share (SQL of artist names, the detail item's columns, how a
//! field reads); `tabs`, `detail`, `audio` and `stats` each read one kind of answer. The
//! statistics read a period's plays once (`span`), the catalog's tracks they name once each
//! (`catalog`), and fold them into the top lists (`tops`) and a year's review (`review`).

use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::{Reader, Sql, StoreError};

mod audio;
mod catalog;
mod detail;
pub mod export;
mod fields;
mod review;
mod span;
mod stats;
mod tabs;
mod tops;
pub use fields::length;
pub use review::YearReview;

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
    Month {
        year: i32,
        month: u32,
    },
    /// A year: the Stats screen shows its year in review.
    Year(i32),
    /// The whole history.
    All,
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
            Period::All => Period::All,
        }
    }

    /// The next view: a month's year, then the whole history, then `latest` (a month).
    pub fn toggle(self, latest: Period) -> Period {
        match self {
            Period::Month { year, .. } => Period::Year(year),
            Period::Year(_) => Period::All,
            Period::All => latest,
        }
    }

    /// The period's last day (none for the whole history).
    pub fn last_day(self) -> Option<NaiveDate> {
        let (_, end) = self.bounds();
        let end = NaiveDate::parse_from_str(&end, "%Y-%m-%d").ok()?;
        (self != Period::All).then(|| end.pred_opt()).flatten()
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
            Period::All => ("0000-01-01".to_string(), "9999-12-31".to_string()),
        }
    }

    pub fn label(self) -> String {
        match self {
            Period::Month { year, month } => NaiveDate::from_ymd_opt(year, month, 1)
                .map(|d| d.format("%B %Y").to_string())
                .unwrap_or_else(|| format!("{year:04}-{month:02}")),
            Period::Year(y) => format!("{y}"),
            Period::All => "all time".to_string(),
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
    /// The listening statistics of `period` (none: the month of the latest play, or of
    /// `today` without plays), with the 90 days up to its last day with plays.
    Stats {
        today: NaiveDate,
        period: Option<Period>,
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
    /// The last day of `per_day`: the period's last day, today or the day of the latest play,
    /// whichever comes first.
    pub today: Option<NaiveDate>,
    /// Plays per day for the 90 days up to `today`, oldest first.
    pub per_day: Vec<u64>,
    pub period: Option<Period>,
    /// The month of the latest play.
    pub latest: Option<Period>,
    /// The period's most played artists: the catalog's artists of a track it describes, else
    /// the name the export gave (one entry per name, letter case aside).
    pub top_artists: Vec<(String, u64)>,
    /// The most played tracks, `name · artist`.
    pub top_tracks: Vec<(String, u64)>,
    /// The most played albums, `name · artist`.
    pub top_albums: Vec<(String, u64)>,
    /// The year in review, when the period is a year.
    pub review: Option<YearReview>,
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

/// Answer `q` through a new read handle on `db` ([`Reader::read`]; empty answers without a
/// database).
pub fn run(db: &Path, q: &Query) -> Result<Answer, String> {
    match Reader::read(db, |sql| sql.answer(q).map(Some)) {
        Ok(answer) => Ok(answer.unwrap_or_else(|| empty(q))),
        Err(StoreError::Sqlite(e)) => Err(format!("cannot read the library: {e}")),
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

impl Sql<'_> {
    /// Answer `q`.
    pub fn answer(&self, q: &Query) -> rusqlite::Result<Answer> {
        Ok(match q {
            Query::Tab(t) => Answer::Rows(*t, self.tab_rows(*t)?),
            Query::Detail { tab, id } => Answer::Detail(self.detail(*tab, id)?),
            Query::Stats {
                today,
                period,
                offset_minutes,
            } => Answer::Stats(Box::new(self.stats(*today, *period, *offset_minutes)?)),
        })
    }

    /// The detail of the entity `id` of a row of `tab`.
    pub fn detail(&self, tab: Tab, id: &str) -> rusqlite::Result<Detail> {
        let mut d = match tab {
            Tab::Liked | Tab::Plays => self.track_detail(id)?,
            // A change names a saved track or a playlist by its id.
            Tab::Changes if self.is_playlist(id)? => self.playlist_detail(id)?,
            Tab::Changes => self.track_detail(id)?,
            Tab::Playlists => self.playlist_detail(id)?,
            Tab::Albums => self.album_detail(id)?,
            Tab::Artists => self.artist_detail(id)?,
            Tab::Shows => self.show_detail(id)?,
            Tab::Episodes => self.episode_detail(id)?,
            Tab::Audiobooks => self.audiobook_detail(id)?,
        };
        d.tab = Some(tab);
        d.id = id.to_string();
        Ok(d)
    }

    fn is_playlist(&self, id: &str) -> rusqlite::Result<bool> {
        self.exists("SELECT 1 FROM playlists WHERE id = ?1", [id])
    }
}
