//! A year in review: minutes listened (per month too), the days with plays, the longest run of
//! days in a row with plays, the busiest day, and the artists first heard that year. The top
//! lists come with the year's statistics ([`super::Stats`]).

use chrono::{Datelike, NaiveDate};

use super::span::Hour;
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

/// The year in review of `year` from its plays per hour, with its artists first heard that
/// year (`new`: from the year's top lists).
pub(super) fn year_review(year: i32, new: (TopList, u64), hours: &[Hour]) -> YearReview {
    let mut r = YearReview {
        year,
        minutes_per_month: vec![0; 12],
        ..YearReview::default()
    };
    // Plays and milliseconds per UTC day, in day order.
    let mut days: Vec<(&str, u64, u64)> = Vec::new();
    for hour in hours {
        let day = hour.key.get(..10).unwrap_or(&hour.key);
        match days.last_mut() {
            Some((d, dn, dms)) if *d == day => {
                *dn += hour.plays;
                *dms = dms.saturating_add(hour.ms);
            }
            _ => days.push((day, hour.plays, hour.ms)),
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
