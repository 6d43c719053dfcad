//! Dates and times given on the command line (`--as-of`, `--since`), as the database compares
//! them: RFC 3339 UTC text with a four-digit year.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};

/// The time a date stands for: its first or its last second (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayEdge {
    Start,
    End,
}

/// `s` (`2026-06-01`, a date: the `edge` of that day in UTC; or an RFC 3339 time) as a stored
/// timestamp. A time outside the years 0000–9999 is refused: stored timestamps compare as
/// text, and `+10000-01-01` would sort before every one of them.
pub(crate) fn parse_date(flag: &str, s: &str, edge: DayEdge) -> Result<String, String> {
    let t = if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let time = match edge {
            DayEdge::Start => NaiveTime::MIN,
            DayEdge::End => NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
        };
        d.and_time(time).and_utc()
    } else {
        let example = match edge {
            DayEdge::Start => "2026-11-20",
            DayEdge::End => "2026-06-01",
        };
        return Err(format!(
            "{flag} {s:?}: expected a date ({example}; from 0000-01-01 to 9999-12-31) or an \
             RFC 3339 time ({example}T12:00:00Z)"
        ));
    };
    if !(0..=9999).contains(&t.year()) {
        return Err(format!(
            "{flag} {s:?}: a date from 0000-01-01 to 9999-12-31, please (this is year {} in UTC)",
            t.year()
        ));
    }
    Ok(spotsync_core::store::ts(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_edges_and_times_are_utc() {
        let end = |s| parse_date("--as-of", s, DayEdge::End);
        let start = |s| parse_date("--since", s, DayEdge::Start);
        assert_eq!(end("2026-06-01").unwrap(), "2026-06-01T23:59:59Z");
        assert_eq!(start("2026-06-01").unwrap(), "2026-06-01T00:00:00Z");
        assert_eq!(
            end("2026-06-01T12:00:00+02:00").unwrap(),
            "2026-06-01T10:00:00Z"
        );
        assert_eq!(end("9999-12-31").unwrap(), "9999-12-31T23:59:59Z");
        assert_eq!(start("0000-01-01").unwrap(), "0000-01-01T00:00:00Z");
        assert!(end("June").unwrap_err().contains("--as-of"));
    }

    #[test]
    fn years_past_9999_or_before_0_are_refused() {
        for s in [
            "+10000-01-01",
            "10000-01-01",
            "+262143-12-31",
            "-0001-12-31",
            "9999-12-31T23:59:59-00:01",
            "0000-01-01T00:00:00+00:01",
        ] {
            for edge in [DayEdge::Start, DayEdge::End] {
                if let Err(e) = parse_date("--as-of", s, edge) {
                    assert!(e.contains("--as-of"), "{s}: {e}");
                } else {
                    panic!("{s} was accepted");
                }
            }
        }
    }
}
