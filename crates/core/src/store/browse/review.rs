//! A year in review: minutes listened (per month too), the days with plays, the longest run of
//! days in a row with plays, the busiest day, and the artists first heard that year. The top
//! lists come with the year's statistics ([`super::Stats`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rusqlite::{Row as SqlRow, params};

use super::super::Sql;
use super::super::row::FromRow;
use super::tops::TopList;

/// What a year of listening comes to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct YearReview {
    pub year: i32,
    pub plays: u64,
    /// Minutes listened: the time each play lasted (an export says), else the track's length
    /// (a polled play), of music, podcasts and audiobooks.
    pub minutes: u64,
    /// Minutes listened per month, January first.
    pub minutes_per_month: Vec<u64>,
    /// Days with at least one play.
    pub days: u64,
    /// The longest run of days in a row with plays: its first and last day.
    pub streak: Option<(NaiveDate, NaiveDate)>,
    /// The day with the most minutes listened: the day, its minutes, its plays.
    pub busiest_day: Option<(NaiveDate, u64, u64)>,
    /// Artists first heard this year, most played first.
    pub new_artists: TopList,
    /// How many artists were first heard this year.
    pub new_artist_count: u64,
}

/// One play: its UTC hour (`2026-11-01T09`), its track and the time it lasted (an export
/// says).
struct Play {
    hour: String,
    track_id: Option<String>,
    ms_played: Option<i64>,
}

impl FromRow for Play {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(Play {
            hour: r.get("hour")?,
            track_id: r.get("track_id")?,
            ms_played: r.get("ms_played")?,
        })
    }
}

/// The plays in `[?1, ?2)` through `plays_played_at` (no join per play: the tracks' lengths
/// come with the year's top lists).
const PLAYS: &str = "SELECT substr(played_at, 1, 13) AS hour, track_id, ms_played FROM plays
 WHERE played_at >= ?1 AND played_at < ?2";

/// A track's length in the catalog.
const DURATION: &str = "SELECT duration_ms AS value FROM tracks WHERE id = ?1";

/// The longest a play counts for: a day (so a damaged value cannot swamp the sum).
const DAY_MS: i64 = 86_400_000;

/// Plays and milliseconds listened per UTC hour (`2026-11-01T09`), in time order.
pub(super) type Hours = BTreeMap<String, (u64, u64)>;

/// The time a play counts for: what it lasted, else its track's length, at most a day.
fn counted(ms: Option<i64>) -> u64 {
    ms.unwrap_or(0).clamp(0, DAY_MS) as u64
}

/// The longest run of consecutive days in `days` (ascending).
fn longest_streak(days: &[NaiveDate]) -> Option<(NaiveDate, NaiveDate)> {
    let mut best: Option<(NaiveDate, NaiveDate)> = None;
    let mut run: Option<(NaiveDate, NaiveDate)> = None;
    for &d in days {
        run = match run {
            Some((start, last)) if last.succ_opt() == Some(d) => Some((start, d)),
            _ => Some((d, d)),
        };
        if let Some((s, e)) = run
            && best.is_none_or(|(bs, be)| (e - s) > (be - bs))
        {
            best = Some((s, e));
        }
    }
    best
}

impl Sql<'_> {
    /// The plays of `year` and the time listened per UTC hour: the time each play lasted,
    /// else the catalog's length of its track (`durations`, from the year's top lists; a
    /// track not there is looked up).
    pub(super) fn year_hours(
        &self,
        year: i32,
        mut durations: HashMap<String, Option<i64>>,
    ) -> rusqlite::Result<Hours> {
        let (from, to) = (format!("{year:04}-01-01"), format!("{:04}-01-01", year + 1));
        let mut hours = Hours::new();
        let mut unknown: Vec<(String, String)> = Vec::new();
        self.each::<Play>(PLAYS, params![from, to], |p| {
            let ms = match (p.ms_played, &p.track_id) {
                (Some(ms), _) => Some(ms),
                (None, Some(id)) => match durations.get(id) {
                    Some(d) => *d,
                    None => {
                        // Not a track of the top lists (not music): its length is read below.
                        unknown.push((p.hour.clone(), id.clone()));
                        None
                    }
                },
                (None, None) => None,
            };
            let e = hours.entry(p.hour).or_default();
            e.0 += 1;
            e.1 = e.1.saturating_add(counted(ms));
        })?;
        for (hour, id) in unknown {
            let d = match durations.get(&id) {
                Some(d) => *d,
                None => {
                    let d = self.value::<Option<i64>>(DURATION, [&id])?.flatten();
                    durations.insert(id, d);
                    d
                }
            };
            if let Some(e) = hours.get_mut(&hour) {
                e.1 = e.1.saturating_add(counted(d));
            }
        }
        Ok(hours)
    }
}

/// The year in review of `year` from its plays per hour, with its artists first heard that
/// year (`new`: from the year's top lists).
pub(super) fn year_review(year: i32, new: (TopList, u64), hours: &Hours) -> YearReview {
    let mut r = YearReview {
        year,
        minutes_per_month: vec![0; 12],
        ..YearReview::default()
    };
    // Plays and milliseconds per UTC day, in day order.
    let mut days: Vec<(&str, u64, u64)> = Vec::new();
    for (hour, (n, ms)) in hours {
        let day = hour.get(..10).unwrap_or(hour);
        match days.last_mut() {
            Some((d, dn, dms)) if *d == day => {
                *dn += n;
                *dms = dms.saturating_add(*ms);
            }
            _ => days.push((day, *n, *ms)),
        }
    }
    let mut dates = Vec::new();
    let mut ms_total = 0u64;
    let mut ms_month = [0u64; 12];
    for (day, n, ms) in days {
        let Ok(date) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
            continue;
        };
        r.plays += n;
        ms_total = ms_total.saturating_add(ms);
        ms_month[date.month0() as usize] = ms_month[date.month0() as usize].saturating_add(ms);
        let minutes = ms / 60_000;
        if r.busiest_day.is_none_or(|(_, m, _)| minutes > m) {
            r.busiest_day = Some((date, minutes, n));
        }
        dates.push(date);
    }
    r.minutes = ms_total / 60_000;
    r.minutes_per_month = ms_month.iter().map(|ms| ms / 60_000).collect();
    r.days = dates.len() as u64;
    r.streak = longest_streak(&dates);
    (r.new_artists, r.new_artist_count) = new;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_longest_streak_is_the_first_of_the_longest_runs() {
        let days: Vec<NaiveDate> = [
            "2024-01-01",
            "2024-01-02",
            "2024-01-05",
            "2024-01-06",
            "2024-01-07",
            "2024-02-28",
            "2024-02-29",
            "2024-03-01",
        ]
        .iter()
        .map(|s| d(s))
        .collect();
        assert_eq!(
            longest_streak(&days),
            Some((d("2024-01-05"), d("2024-01-07")))
        );
        assert_eq!(longest_streak(&[]), None);
        assert_eq!(
            longest_streak(&[d("2024-12-31")]),
            Some((d("2024-12-31"), d("2024-12-31")))
        );
    }
}
