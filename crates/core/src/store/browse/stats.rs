//! The listening statistics: plays per day, the top artists and tracks and the listening clock
//! of a period, and the history's coverage. Each query aggregates first (by track, by hour) and
//! joins after, so a year of plays stays well under a second on a 500,000-play history.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::super::Sql;
use super::{Coverage, Period, Stats};

/// The listening statistics: the 90 days up to `today`, and `period`; the clock in local time
/// (`offset_minutes` east of UTC).
pub fn stats(
    conn: &Connection,
    today: NaiveDate,
    period: Period,
    offset_minutes: i32,
) -> rusqlite::Result<Stats> {
    let first = today - Duration::days(89);
    let mut per_day = vec![0u64; 90];
    let mut st = conn.prepare_cached(
        "SELECT substr(played_at, 1, 10) AS d, count(*) FROM plays
         WHERE played_at >= ?1 AND played_at < ?2 GROUP BY d",
    )?;
    let end = (today + Duration::days(1)).format("%Y-%m-%d").to_string();
    let rows = st.query_map(params![first.format("%Y-%m-%d").to_string(), end], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (d, n) = row?;
        if let Ok(d) = NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            let i = (d - first).num_days();
            if (0..90).contains(&i) {
                per_day[i as usize] = n.max(0) as u64;
            }
        }
    }

    let (from, to) = period.bounds();
    // The plays of the period are counted per track once, for both top lists.
    let mut top_artists = Vec::new();
    let mut top_tracks = Vec::new();
    let mut st = conn.prepare_cached(
        "WITH pc AS MATERIALIZED (
             SELECT track_id, count(*) AS n FROM plays
             WHERE played_at >= ?1 AND played_at < ?2 AND track_id IS NOT NULL
             GROUP BY track_id),
         a AS (SELECT ta.artist_id AS id, sum(pc.n) AS total FROM pc
               JOIN track_artists ta ON ta.track_id = pc.track_id
               GROUP BY ta.artist_id ORDER BY total DESC, ta.artist_id LIMIT 10),
         t AS (SELECT track_id AS id, n AS total FROM pc ORDER BY n DESC, track_id LIMIT 10)
         SELECT 0, COALESCE(ar.name, a.id), a.total FROM a LEFT JOIN artists ar ON ar.id = a.id
         UNION ALL
         SELECT 1, COALESCE(tr.name, t.id), t.total FROM t LEFT JOIN tracks tr ON tr.id = t.id",
    )?;
    let rows = st.query_map(params![from, to], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?.max(0) as u64,
        ))
    })?;
    for row in rows {
        let (kind, name, n) = row?;
        if kind == 0 {
            top_artists.push((name, n));
        } else {
            top_tracks.push((name, n));
        }
    }
    // Most played first, then by name (the compound query's order is not guaranteed).
    for list in [&mut top_artists, &mut top_tracks] {
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }

    // Plays per UTC hour, shifted to local time here (no date function per row in SQLite).
    let mut clock = [[0u64; 24]; 7];
    let mut period_plays = 0;
    let mut st = conn.prepare_cached(
        "SELECT substr(played_at, 1, 13) AS h, count(*) FROM plays
         WHERE played_at >= ?1 AND played_at < ?2 GROUP BY h",
    )?;
    let rows = st.query_map(params![from, to], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (hour, n) = row?;
        let Ok(t) = chrono::NaiveDateTime::parse_from_str(&format!("{hour}:00"), "%Y-%m-%dT%H:%M")
        else {
            continue;
        };
        let local: DateTime<Utc> = t.and_utc() + Duration::minutes(i64::from(offset_minutes));
        let n = n.max(0) as u64;
        clock[local.weekday().num_days_from_monday() as usize][local.hour() as usize] += n;
        period_plays += n;
    }

    Ok(Stats {
        today: Some(today),
        per_day,
        period: Some(period),
        top_artists,
        top_tracks,
        clock,
        period_plays,
        coverage: coverage(conn)?,
    })
}

/// Days with plays (of one `source`, or of all), by jumping from one day to the next through
/// an index on `played_at` (a few thousand look-ups instead of reading every play).
fn days_with_plays(conn: &Connection, source: Option<&str>) -> rusqlite::Result<i64> {
    // Two statements, so that each uses its index (and a database from before the `source`
    // column still reads).
    let mut st = match source {
        Some(_) => conn.prepare_cached(
            "SELECT played_at FROM plays WHERE source = ?2 AND played_at >= ?1
             ORDER BY played_at LIMIT 1",
        )?,
        None => conn.prepare_cached(
            "SELECT played_at FROM plays WHERE played_at >= ?1 AND ?2 IS NULL
             ORDER BY played_at LIMIT 1",
        )?,
    };
    let mut from = String::new();
    let mut days = 0;
    // At most one step per calendar day (bounded even for a damaged table).
    for _ in 0..200_000 {
        let next: Option<String> = st
            .query_row(params![from, source], |r| r.get(0))
            .optional()?;
        let Some(next) = next else { break };
        days += 1;
        let Some(day) = next
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            break;
        };
        from = (day + Duration::days(1)).format("%Y-%m-%d").to_string();
    }
    Ok(days)
}

fn coverage(conn: &Connection) -> rusqlite::Result<Coverage> {
    let first: Option<String> =
        conn.query_row("SELECT min(played_at) FROM plays", [], |r| r.get(0))?;
    let last: Option<String> =
        conn.query_row("SELECT max(played_at) FROM plays", [], |r| r.get(0))?;
    let plays: i64 = conn.query_row("SELECT count(*) FROM plays", [], |r| r.get(0))?;
    // Plays carry their `source` since the import migration; without it every play was polled
    // (`api`, shown as "polled").
    let has_source: bool = conn
        .query_row(
            "SELECT 1 FROM pragma_table_info('plays') WHERE name = 'source'",
            [],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    // The sources the plays table admits, in the order they are listed (polled = `api`).
    let days_by_source = if has_source {
        let mut out = Vec::new();
        for (source, label) in [
            ("account", "account"),
            ("extended", "extended"),
            ("api", "polled"),
        ] {
            let days = days_with_plays(conn, Some(source))?;
            if days > 0 {
                out.push((label.to_string(), days));
            }
        }
        out
    } else {
        vec![("polled".to_string(), days_with_plays(conn, None)?)]
    };
    // Gaps an import covered are closed (`closed_at`), not deleted.
    let gap_count = conn.query_row(
        "SELECT count(*) FROM play_gaps WHERE closed_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    let gaps = Sql(conn)
        .play_gaps(5)?
        .into_iter()
        .map(|g| (g.after, g.before))
        .collect();
    Ok(Coverage {
        days_by_source,
        first,
        last,
        plays,
        gaps,
        gap_count,
    })
}
