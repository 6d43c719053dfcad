//! Times as the export writes them and as spotsync stores them, with fast paths for the common
//! shapes (an import reads hundreds of thousands) and chrono for everything else.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};

/// `2023-01-01T12:34:56Z` (any RFC 3339 time) as Unix ms.
pub fn parse_export_ts(s: &str) -> Option<i64> {
    let s = s.trim();
    fast_parse(s.as_bytes()).or_else(|| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp_millis())
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The common shapes `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.mmmZ` without chrono
/// (an import parses hundreds of thousands); anything else goes to chrono.
fn fast_parse(b: &[u8]) -> Option<i64> {
    if !(b.len() == 20 || b.len() == 24) || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let ms = if b.len() == 24 {
        if b[19] != b'.' {
            return None;
        }
        num(20..23)?
    } else {
        0
    };
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59
    {
        return None;
    }
    Some(((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms)
}

/// `2023-01-01 12:34` (UTC, account data) as Unix ms; seconds are accepted too.
pub fn parse_end_time(s: &str) -> Option<i64> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .ok()
        .map(|t| Utc.from_utc_datetime(&t).timestamp_millis())
        .or_else(|| parse_export_ts(s))
}

/// `offline_timestamp` comes in seconds in some exports and milliseconds in others; 0 means none.
pub fn offline_ms(v: i64) -> Option<i64> {
    match v {
        v if v <= 0 => None,
        v if v >= 100_000_000_000 => Some(v),
        v => v.checked_mul(1000),
    }
}

/// Unix ms as the stored text, `2023-01-01T12:34:56.000Z` (sorts with the API's `played_at`).
pub fn fmt_ms(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, mo, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return Utc
            .timestamp_millis_opt(ms)
            .single()
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
            .unwrap_or_default();
    }
    let mut out = [0u8; 24];
    let mut put = |at: usize, width: usize, mut v: i64| {
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y);
    put(5, 2, mo);
    put(8, 2, d);
    put(11, 2, rem / 3_600_000);
    put(14, 2, rem / 60_000 % 60);
    put(17, 2, rem / 1000 % 60);
    put(20, 3, rem % 1000);
    for (i, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        out[i] = c;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse stored text back to Unix ms.
pub fn parse_stored(s: &str) -> Option<i64> {
    parse_export_ts(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The fast paths agree with chrono everywhere.
        #[test]
        fn times_agree_with_chrono(ms in -62_000_000_000_000i64..253_402_300_799_999) {
            let chrono_text = Utc.timestamp_millis_opt(ms).unwrap()
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            prop_assert_eq!(fmt_ms(ms), chrono_text.clone());
            prop_assert_eq!(parse_export_ts(&chrono_text), Some(ms));
            let secs = Utc.timestamp_millis_opt(ms - ms.rem_euclid(1000)).unwrap()
                .to_rfc3339_opts(SecondsFormat::Secs, true);
            prop_assert_eq!(parse_export_ts(&secs), Some(ms - ms.rem_euclid(1000)));
        }

        #[test]
        fn odd_times_are_refused_like_chrono(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z") {
            let c = DateTime::parse_from_rfc3339(&s).ok().map(|t| t.timestamp_millis());
            prop_assert_eq!(parse_export_ts(&s), c);
        }

    }
}
