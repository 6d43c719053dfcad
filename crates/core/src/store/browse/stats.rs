//! The listening statistics: plays per day, the top artists, tracks and albums ([`super::tops`])
//! and the listening clock of a period, a year's review ([`super::review`]), and the history's
//! coverage. A period's plays are read once ([`super::span`]) and the catalog's tracks they name
//! once each ([`super::catalog`]): a year of a 500,000-play history in a few hundred
//! milliseconds.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use rusqlite::{Row as SqlRow, params};

use super::super::Sql;
use super::super::row::FromRow;
use super::catalog::Read;
use super::review::year_review;
use super::{Coverage, Period, Stats};

/// Plays counted by a prefix of `played_at` (`key`: a day, an hour).
struct Tally {
    key: String,
    n: u64,
}

impl FromRow for Tally {
    fn from_row(r: &SqlRow<'_>) -> rusqlite::Result<Self> {
        Ok(Tally {
            key: r.get("key")?,
            n: r.get::<_, i64>("n")?.max(0) as u64,
        })
    }
}

/// Plays in `[?1, ?2)` per UTC day.
const PER_DAY: &str = "SELECT substr(played_at, 1, 10) AS key, count(*) AS n FROM plays
 WHERE played_at >= ?1 AND played_at < ?2 GROUP BY key";

/// A day as stored timestamps begin (`2026-11-01`).
fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Plays per UTC hour (`2026-11-01T09`) by local weekday (0 = Monday) and hour
/// (`offset_minutes` east of UTC), and their total.
fn clock_of<'a>(
    per_hour: impl Iterator<Item = (&'a str, u64)>,
    offset_minutes: i32,
) -> ([[u64; 24]; 7], u64) {
    let mut clock = [[0u64; 24]; 7];
    let mut total = 0;
    for (key, n) in per_hour {
        let Ok(at) = NaiveDateTime::parse_from_str(&format!("{key}:00"), "%Y-%m-%dT%H:%M") else {
            continue;
        };
        let local: DateTime<Utc> = at.and_utc() + Duration::minutes(i64::from(offset_minutes));
        clock[local.weekday().num_days_from_monday() as usize][local.hour() as usize] += n;
        total += n;
    }
    (clock, total)
}

impl Sql<'_> {
    /// The listening statistics of `period` (none: the month of the latest play, or of
    /// `today`); the chart's 90 days end at the period's last day, today or the latest play,
    /// whichever comes first; the clock in local time (`offset_minutes` east of UTC).
    pub fn stats(
        &self,
        today: NaiveDate,
        period: Option<Period>,
        offset_minutes: i32,
    ) -> rusqlite::Result<Stats> {
        let coverage = self.stats_coverage()?;
        let last_play = coverage
            .last
            .as_deref()
            .and_then(|l| l.get(..10))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let latest = last_play.map(|d| Period::Month {
            year: d.year(),
            month: d.month(),
        });
        let period = period.or(latest).unwrap_or(Period::Month {
            year: today.year(),
            month: today.month(),
        });
        let (from, to) = period.bounds();
        let mut end = today.min(period.last_day().unwrap_or(today));
        if let Some(last) = last_play.filter(|l| *l < end) {
            let start = NaiveDate::parse_from_str(&from, "%Y-%m-%d").unwrap_or(last);
            end = last.max(start);
        }
        let year = match period {
            Period::Year(y) => Some(y),
            _ => None,
        };
        // The period's plays are read once: the clock, the top lists and a year's review.
        let span = self.span(&from, &to, Read::Cheaper)?;
        let tops = self.tops(&span, &from, year.is_some())?;
        let (clock, period_plays) = clock_of(
            span.hours.iter().map(|h| (h.key.as_str(), h.plays)),
            offset_minutes,
        );
        let review = year.map(|y| year_review(y, tops.new_artists, &span.hours));
        Ok(Stats {
            today: Some(end),
            per_day: self.plays_per_day(end)?,
            period: Some(period),
            latest,
            top_artists: tops.artists,
            top_tracks: tops.tracks,
            top_albums: tops.albums,
            review,
            clock,
            period_plays,
            coverage,
        })
    }

    /// Plays per day for the 90 days up to `today`, oldest first.
    fn plays_per_day(&self, today: NaiveDate) -> rusqlite::Result<Vec<u64>> {
        let first = today - Duration::days(89);
        let mut per_day = vec![0u64; 90];
        let days: Vec<Tally> =
            self.all(PER_DAY, params![day(first), day(today + Duration::days(1))])?;
        for t in days {
            if let Ok(d) = NaiveDate::parse_from_str(&t.key, "%Y-%m-%d") {
                let i = (d - first).num_days();
                if (0..90).contains(&i) {
                    per_day[i as usize] = t.n;
                }
            }
        }
        Ok(per_day)
    }

    /// Days with plays (of one `source`, or of all), by jumping from one day to the next
    /// through an index on `played_at` (a few thousand look-ups instead of reading every play).
    fn days_with_plays(&self, source: Option<&str>) -> rusqlite::Result<i64> {
        // Two statements, so that each uses its index (and a database from before the `source`
        // column still reads).
        let sql = match source {
            Some(_) => {
                "SELECT played_at AS value FROM plays WHERE source = ?2 AND played_at >= ?1
                 ORDER BY played_at LIMIT 1"
            }
            None => {
                "SELECT played_at AS value FROM plays WHERE played_at >= ?1 AND ?2 IS NULL
                 ORDER BY played_at LIMIT 1"
            }
        };
        let mut from = String::new();
        let mut days = 0;
        // At most one step per calendar day (bounded even for a damaged table).
        for _ in 0..200_000 {
            let Some(next) = self.value::<String>(sql, params![from, source])? else {
                break;
            };
            days += 1;
            let Some(d) = next
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            else {
                break;
            };
            from = day(d + Duration::days(1));
        }
        Ok(days)
    }

    /// How well the history covers time: days with plays by source, the first and the last
    /// play, the count, and the open gaps.
    fn stats_coverage(&self) -> rusqlite::Result<Coverage> {
        // Three statements: SQLite has a fast path for a lone min(), max() or count(*).
        let first =
            self.value::<Option<String>>("SELECT min(played_at) AS value FROM plays", [])?;
        let last = self.value::<Option<String>>("SELECT max(played_at) AS value FROM plays", [])?;
        let plays = self.count("SELECT count(*) AS n FROM plays", [])?;
        // Gaps an import covered are closed (`closed_at`), not deleted.
        let gap_count = self.count(
            "SELECT count(*) AS n FROM play_gaps WHERE closed_at IS NULL",
            [],
        )?;
        let gaps = self
            .play_gaps(5)?
            .into_iter()
            .map(|g| (g.after, g.before))
            .collect();
        Ok(Coverage {
            days_by_source: self.days_by_source()?,
            first: first.flatten(),
            last: last.flatten(),
            // Counts of rows: far below i64::MAX.
            plays: plays as i64,
            gaps,
            gap_count: gap_count as i64,
        })
    }

    /// `(source, days with plays)`, in the order they are listed (polled = `api`). Plays carry
    /// their `source` since the import migration; without it every play was polled.
    fn days_by_source(&self) -> rusqlite::Result<Vec<(String, i64)>> {
        let has_source = self.exists(
            "SELECT 1 FROM pragma_table_info('plays') WHERE name = 'source'",
            [],
        )?;
        if !has_source {
            return Ok(vec![("polled".to_string(), self.days_with_plays(None)?)]);
        }
        let mut out = Vec::new();
        for (source, label) in [
            ("account", "account"),
            ("extended", "extended"),
            ("api", "polled"),
        ] {
            let days = self.days_with_plays(Some(source))?;
            if days > 0 {
                out.push((label.to_string(), days));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::Store;
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A year of plays: two polled plays of a catalog track (its length counts), an exported
    /// play of another track by an artist spelled otherwise, a podcast, and an exported play
    /// whose damaged length counts for a day; one play the year before.
    #[test]
    fn a_years_review_counts_each_play_once_with_its_length_or_its_tracks() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("x.db")).unwrap();
        s.conn
            .execute_batch(
                "INSERT INTO artists (id, name) VALUES ('a1', 'Band'), ('a2', 'band ');
                 INSERT INTO tracks (id, name, duration_ms) VALUES ('t1', 'Song', 180000),
                     ('t2', 'Other', 240000);
                 INSERT INTO track_artists (track_id, artist_id, position)
                     VALUES ('t1', 'a1', 0), ('t2', 'a2', 0);
                 INSERT INTO plays (played_at, source, item_type, track_id, track_name,
                                    artist_name, ms_played, api_played_at, extended_key) VALUES
                   ('2023-12-31T23:30:00Z', 'api', 'track', 't1', NULL, NULL, NULL, 'a', NULL),
                   ('2024-03-01T10:00:00Z', 'api', 'track', 't1', NULL, NULL, NULL, 'b', NULL),
                   ('2024-03-01T11:00:00Z', 'api', NULL, 't1', NULL, NULL, NULL, 'c', NULL),
                   ('2024-03-02T09:00:00Z', 'extended', 'track', 't2', 'Other', 'band',
                    120000, NULL, 1),
                   ('2024-03-04T09:00:00Z', 'extended', 'episode', NULL, 'Talk', 'Host',
                    600000, NULL, 2),
                   ('2024-03-05T09:00:00Z', 'extended', 'track', NULL, 'Tune', 'Stranger',
                    200000000, NULL, 3);",
            )
            .unwrap();
        let st = s
            .sql()
            .stats(d("2026-01-01"), Some(Period::Year(2024)), 0)
            .unwrap();
        let r = st.review.unwrap();
        assert_eq!((r.plays, r.minutes, r.days), (5, 3 + 3 + 2 + 10 + 1440, 4));
        assert_eq!(r.minutes_per_month[2], r.minutes);
        assert_eq!(r.streak, Some((d("2024-03-01"), d("2024-03-02"))));
        assert_eq!(r.busiest_day, Some((d("2024-03-05"), 1440, 1)));
        assert_eq!(
            (r.new_artists, r.new_artist_count),
            (vec![("Stranger".to_string(), 1)], 1)
        );
        assert_eq!(st.period_plays, 5);
        assert_eq!(st.clock[4][10] + st.clock[4][11], 2, "Friday 1 March");
        assert_eq!(
            st.top_artists,
            [("Band".to_string(), 3), ("Stranger".to_string(), 1)]
        );
        assert_eq!(
            st.top_tracks,
            [
                ("Song · Band".to_string(), 2),
                ("Other · band ".to_string(), 1),
                ("Tune · Stranger".to_string(), 1)
            ]
        );
        assert!(st.top_albums.is_empty());
    }
}
